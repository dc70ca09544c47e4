/*
 * fuzz_norm.c — one libFuzzer harness for every normalisation rule.  Built
 * once per registered rule with -DFUZZ_RULE="idcard" (tests/fuzz/
 * CMakeLists.txt); FUZZ_RULE="compile" fuzzes dgp_norm_rule_compile's
 * argument parser instead.
 *
 *   fuzzer bytes ──copy into an exact-size malloc──▶ rule ──▶ out (exact cap)
 *
 * The copy makes ASan report any read past the input; the output buffer is
 * exactly the documented DGP_NORM_OUT_CAP(len), so any write past it is
 * caught too.  Invariants checked on every input: reason == return value,
 * reason in range, len/aux inside the buffer, rejects carry no output and
 * no flags.  On every accepted value:
 *   - value and aux are valid UTF-8 without NUL;
 *   - the value fits the PostgreSQL column the catalog makes for the rule
 *     (dgp_catalog_column_type: date, timestamptz, bigint, numeric with the
 *     rule's scale, numeric(20,2)) and the rule's own shape (character
 *     class and length: 18 GB 11643 characters, a mobile number, one of the
 *     list's codes, at most max= characters of collapsed text, …: SHAPES);
 *   - it is a fixed point: normalising the value again gives OK and the
 *     same bytes (encoding: the text rule with the same max, since its
 *     input is GBK bytes, not UTF-8).
 * Rules are compiled with the arguments in ARGS, so max= is known here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"
#include "dgp_catalog_schema.h"
#include "dgp_norm.h"
#include "dgp_utf8.h"

#ifndef FUZZ_RULE
#error "compile with -DFUZZ_RULE=\"rule\""
#endif

static const dgp_norm_ctx_t ctx = {.today = 20261127, .utc_offset_min = 480};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_norm(%s): %s\n", FUZZ_RULE, what);
	abort();
}

/* list=FUZZ: a small 婚姻状况-like code list, for code_list (and the parser fuzzer). */
static const dgp_codelist_t *fuzz_lookup(const char *name, void *opaque)
{
	static dgp_codelist_t *list; /* in its own arena: it outlives every compile */
	(void)opaque;
	if (strcmp(name, "FUZZ") != 0)
		return NULL;
	if (!list) {
		list = dgp_codelist_new(dgp_arena_new(0), "FUZZ");
		dgp_codelist_add(list, "10", "未婚");
		dgp_codelist_add(list, "20", "已婚");
		dgp_codelist_add(list, "90", "未说明的婚姻状况");
	}
	return list;
}

/* Arguments each rule is fuzzed with (the rest: none). */
static const char *const ARGS[][2] = {
    {"code_list", "list=FUZZ"},
    {"text", "max=40"},
    {"person_name", "max=20"},
    {"org_name", "max=60"},
    {"encoding", "charset=GB18030;max=40"},
    {"decimal", "scale=3"},
};

static bool is(const char *rule)
{
	return strcmp(FUZZ_RULE, rule) == 0;
}

/* The arguments FUZZ_RULE is compiled with (NULL: none), as the catalog would give them. */
static const char *fuzz_args(void)
{
	for (size_t i = 0; i < sizeof(ARGS) / sizeof(ARGS[0]); i++)
		if (strcmp(ARGS[i][0], FUZZ_RULE) == 0)
			return ARGS[i][1];
	return NULL;
}

static const dgp_norm_rule_t *compile(const char *name)
{
	static dgp_arena_t *arena;
	const dgp_norm_rule_t *rule;
	const char *args = NULL;
	char err[256];
	for (size_t i = 0; i < sizeof(ARGS) / sizeof(ARGS[0]); i++)
		if (strcmp(ARGS[i][0], FUZZ_RULE) == 0)
			args = ARGS[i][1];
	if (strcmp(name, "text") == 0 && is("encoding"))
		args = "max=40"; /* the encoding rule's own text step */
	if (!arena)
		arena = dgp_arena_new(0);
	if (dgp_norm_rule_compile(name, args, arena, fuzz_lookup, NULL, &rule, err, sizeof(err)) !=
	    DGP_OK)
		fail(err);
	return rule;
}

static const dgp_norm_rule_t *rule_for_fuzzing(void)
{
	static const dgp_norm_rule_t *rule;
	if (!rule)
		rule = compile(FUZZ_RULE);
	return rule;
}

/* The rule that normalising the output again goes through. */
static const dgp_norm_rule_t *rule_for_fixed_point(void)
{
	static const dgp_norm_rule_t *rule;
	if (!rule)
		rule = is("encoding") ? compile("text") : rule_for_fuzzing();
	return rule;
}

/* ---- shapes of accepted values ------------------------------------------- */

static bool digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return n > 0;
}

static int num2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static bool real_date(const char *p, size_t n)
{
	if (n != 10 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '-' ||
	    !digits(p + 8, 2))
		return false;
	int y = num2(p) * 100 + num2(p + 2), m = num2(p + 5), d = num2(p + 8);
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= (m == 2 && !leap ? 28 : mdays[m - 1]);
}

/* "YYYY-MM-DD HH:MM:SS[.f…][±hh:mm]" that timestamptz input takes as it is. */
static bool timestamp(const char *p, size_t n)
{
	if (n < 19 || !real_date(p, 10) || p[10] != ' ' || !digits(p + 11, 2) || p[13] != ':' ||
	    !digits(p + 14, 2) || p[16] != ':' || !digits(p + 17, 2))
		return false;
	if (num2(p + 11) > 23 || num2(p + 14) > 59 || num2(p + 17) > 59)
		return false;
	size_t i = 19;
	if (i < n && p[i] == '.') {
		size_t f = ++i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == f)
			return false;
	}
	if (i == n)
		return true;
	/* +hh or +hh:mm, as PostgreSQL prints a timestamptz; it refuses offsets beyond
	 * ±15:59 ("time zone displacement out of range") */
	if (n - i == 3)
		return (p[i] == '+' || p[i] == '-') && digits(p + i + 1, 2) &&
		       num2(p + i + 1) <= 15;
	return n - i == 6 && (p[i] == '+' || p[i] == '-') && digits(p + i + 1, 2) &&
	       p[i + 3] == ':' && digits(p + i + 4, 2) && num2(p + i + 1) <= 15 &&
	       num2(p + i + 4) <= 59;
}

/* -?(0|[1-9][0-9]*)(.[0-9]{scale})? with at most max_int integer digits; no "-0". */
static bool decimal(const char *p, size_t n, int scale, size_t max_int)
{
	size_t i = p[0] == '-' ? 1 : 0, point = n - (scale ? (size_t)scale + 1 : 0);
	if (n <= i || point <= i || point > n)
		return false;
	if (!digits(p + i, point - i) || point - i > max_int || (p[i] == '0' && point - i > 1))
		return false;
	if (scale && (p[point] != '.' || !digits(p + point + 1, (size_t)scale)))
		return false;
	bool zero = true;
	for (size_t k = i; k < n; k++)
		zero &= p[k] == '0' || p[k] == '.';
	return !(i && zero);
}

static bool bigint(const char *p, size_t n)
{
	if (!decimal(p, n, 0, 19))
		return false;
	char buf[32];
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	char *end;
	(void)strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0';
}

static bool in_alphabet(const char *p, size_t n, const char *alphabet)
{
	for (size_t i = 0; i < n; i++)
		if (!p[i] || !strchr(alphabet, p[i]))
			return false;
	return true;
}

static bool one_of(const char *p, size_t n, const char *const *codes)
{
	for (; *codes; codes++)
		if (strlen(*codes) == n && memcmp(*codes, p, n) == 0)
			return true;
	return false;
}

/* Collapsed text: at most max characters, no control character, no space at either end or twice. */
static bool text_shape(const char *p, size_t n, uint32_t max, bool no_spaces)
{
	size_t chars = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int k = dgp_utf8_decode((const unsigned char *)p + i, n - i, &cp);
		if (k <= 0 || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x200B ||
		    cp == 0xFEFF)
			return false;
		if (cp == ' ' && (i == 0 || i + 1 == n || p[i + 1] == ' ' || no_spaces))
			return false;
		i += (size_t)k;
		chars++;
	}
	return n > 0 && chars <= max;
}

static const char *const GENDERS[] = {"0", "1", "2", "9", NULL};
static const char *const LIST_CODES[] = {"10", "20", "90", NULL};
static const char *const CURRENCIES[] = {"CNY", "USD", "HKD", "EUR", "GBP", "JPY", NULL};
#define DIGITS "0123456789"
#define UPPER  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* Returns what is wrong with an accepted value (NULL: nothing). */
static const char *shape_problem(const dgp_norm_rule_t *rule, const char *v, size_t n,
                                 const char *aux, size_t aux_n)
{
	if (!dgp_utf8_valid(v, n) || memchr(v, 0, n) || !dgp_utf8_valid(aux, aux_n) ||
	    memchr(aux, 0, aux_n))
		return "value or aux is not valid UTF-8 without NUL";
	const char *type = dgp_catalog_column_type(FUZZ_RULE, fuzz_args());
	int prec, scale;
	if (strcmp(type, "date") == 0 && !real_date(v, n))
		return "value is no YYYY-MM-DD calendar date (column type date)";
	if (strcmp(type, "timestamptz") == 0 && !timestamp(v, n))
		return "value is no YYYY-MM-DD HH:MM:SS[.f][+hh:mm] timestamp (column type "
		       "timestamptz)";
	if (strcmp(type, "bigint") == 0 && !bigint(v, n))
		return "value is no int64 in canonical form (column type bigint)";
	if (strcmp(type, "numeric") == 0 && !decimal(v, n, rule->scale, 38))
		return "value is no canonical number with the rule's scale (column type numeric)";
	if (sscanf(type, "numeric(%d,%d)", &prec, &scale) == 2 &&
	    !decimal(v, n, scale, (size_t)(prec - scale)))
		return "value does not fit its numeric(p,s) column";
	if (strcmp(type, "text") != 0 && aux_n && !is("money"))
		return "aux on a non-text column";

	if (is("idcard") && !(n == 18 && digits(v, 17) && in_alphabet(v + 17, 1, DIGITS "X")))
		return "value is not 17 digits and a check character";
	if (is("uscc") && !(n == 18 && in_alphabet(v, n, DIGITS "ABCDEFGHJKLMNPQRTUWXY")))
		return "value is not 18 characters of the GB 32100 alphabet";
	if (is("orgcode") &&
	    !(n == 9 && in_alphabet(v, 8, DIGITS UPPER) && in_alphabet(v + 8, 1, DIGITS "X")))
		return "value is not 8 code characters and a check character";
	if (is("region") && !(n == 6 && digits(v, 6)))
		return "value is not 6 digits";
	bool mobile = n == 11 && v[0] == '1' && v[1] >= '3' && v[1] <= '9' && digits(v, 11);
	if (is("mobile") && !mobile)
		return "value is not 1[3-9] and 9 digits";
	if (is("phone")) {
		const char *dash = memchr(v, '-', n);
		size_t area = dash ? (size_t)(dash - v) : 0, local = dash ? n - area - 1 : 0;
		bool landline = dash && v[0] == '0' && (area == 3 || area == 4) &&
		                digits(v, area) && digits(dash + 1, local) && dash[1] >= '2' &&
		                local >= 7 && local <= 8;
		bool service = n == 12 && (!memcmp(v, "400-", 4) || !memcmp(v, "800-", 4)) &&
		               digits(v + 4, 3) && v[7] == '-' && digits(v + 8, 4);
		if (!mobile && !landline && !service)
			return "value is no mobile, landline or service number";
		if (aux_n > 6 || (aux_n && !digits(aux, aux_n)))
			return "extension is not 1-6 digits";
	}
	if (is("gender") && !one_of(v, n, GENDERS))
		return "value is not a GB/T 2261.1 code";
	if (is("ethnicity") && !(n == 2 && digits(v, 2) && num2(v) >= 1 && num2(v) <= 56))
		return "value is not 01-56";
	if (is("code_list") && !one_of(v, n, LIST_CODES))
		return "value is not a code of the list";
	if (is("money") && !one_of(aux, aux_n, CURRENCIES))
		return "currency is not one of the ISO 4217 codes the rule knows";
	if ((is("text") || is("person_name") || is("encoding")) &&
	    !text_shape(v, n, rule->max_chars, false))
		return "value is not collapsed text of at most max characters";
	if (is("org_name") && (!text_shape(v, n, rule->max_chars, true) ||
	                       !text_shape(aux, aux_n, rule->max_chars, false)))
		return "match key or display value is not collapsed text of at most max characters";
	return NULL;
}

static void fuzz_compile(const uint8_t *data, size_t size)
{
	/* first line: rule name, the rest: the argument string */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = strchr(s, '\n');
	const char *name = "text", *args = s;
	if (nl) {
		*nl = '\0';
		name = s;
		args = nl + 1;
	}
	dgp_arena_t *arena = dgp_arena_new(0);
	const dgp_norm_rule_t *rule = NULL;
	char err[128];
	dgp_err_t e =
	    dgp_norm_rule_compile(name, args, arena, fuzz_lookup, NULL, &rule, err, sizeof(err));
	if ((e == DGP_OK) != (rule != NULL))
		fail("compile: status and rule disagree");
	if (e != DGP_OK && !memchr(err, '\0', sizeof(err)))
		fail("compile: errstr not terminated");
	dgp_arena_destroy(arena);
	free(s);
}

static void check_rule(const dgp_norm_rule_t *rule, const uint8_t *data, size_t size)
{
	char *in = malloc(size ? size : 1);
	memcpy(in, data, size);
	size_t cap = DGP_NORM_OUT_CAP(size);
	char *out = malloc(cap);
	dgp_norm_result_t res;
	dgp_reason_t r = dgp_norm_apply(rule, &ctx, in, size, out, cap, &res);
	if (r != res.reason || (unsigned)r >= DGP_REASON__COUNT)
		fail("reason out of range or not returned");
	if (res.len > cap || res.aux_off > cap || res.aux_len > cap - res.aux_off)
		fail("output outside the buffer");
	if (r != DGP_REASON_OK) {
		if (res.len || res.flags)
			fail("reject with output or flags");
	} else {
		const char *problem =
		    shape_problem(rule, out, res.len, out + res.aux_off, res.aux_len);
		if (problem)
			fail(problem);
		/* the normalised value is a fixed point of the rule */
		char *again_in = malloc(res.len ? res.len : 1);
		memcpy(again_in, out, res.len);
		size_t cap2 = DGP_NORM_OUT_CAP(res.len);
		char *again = malloc(cap2);
		dgp_norm_result_t res2;
		if (dgp_norm_apply(rule_for_fixed_point(), &ctx, again_in, res.len, again, cap2,
		                   &res2) != DGP_REASON_OK)
			fail("normalised output is rejected");
		if (res2.len != res.len || memcmp(again, out, res.len) != 0)
			fail("normalising twice changes the value");
		free(again);
		free(again_in);
	}
	free(out);
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (strcmp(FUZZ_RULE, "compile") == 0) {
		fuzz_compile(data, size);
		return 0;
	}
	check_rule(rule_for_fuzzing(), data, size);
	return 0;
}
