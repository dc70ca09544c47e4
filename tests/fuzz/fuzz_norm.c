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
 * reason in range, len/aux inside the buffer, an accepted value reproduces
 * itself for the rules built with FUZZ_IDEMPOTENT (normalising the output
 * again gives the same output), rejects carry no output and no flags.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"
#include "dgp_norm.h"

#ifndef FUZZ_IDEMPOTENT
#define FUZZ_IDEMPOTENT 0
#endif
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

static const dgp_norm_rule_t *rule_for_fuzzing(void)
{
	static dgp_arena_t *arena;
	static const dgp_norm_rule_t *rule;
	if (!rule) {
		char err[256];
		arena = dgp_arena_new(0);
		const char *args = strcmp(FUZZ_RULE, "code_list") == 0 ? "list=FUZZ" : NULL;
		if (dgp_norm_rule_compile(FUZZ_RULE, args, arena, fuzz_lookup, NULL, &rule, err,
					  sizeof(err)) != DGP_OK)
			fail(err);
	}
	return rule;
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
	dgp_err_t e = dgp_norm_rule_compile(name, args, arena, fuzz_lookup, NULL, &rule, err,
					    sizeof(err));
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
	} else if (FUZZ_IDEMPOTENT) {
		/* idempotence: the normalised value is a fixed point of the rule */
		char *again_in = malloc(res.len ? res.len : 1);
		memcpy(again_in, out, res.len);
		size_t cap2 = DGP_NORM_OUT_CAP(res.len);
		char *again = malloc(cap2);
		dgp_norm_result_t res2;
		if (dgp_norm_apply(rule, &ctx, again_in, res.len, again, cap2, &res2) !=
		    DGP_REASON_OK)
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
	if (size > 1 << 16)
		return 0;
	check_rule(rule_for_fuzzing(), data, size);
	return 0;
}
