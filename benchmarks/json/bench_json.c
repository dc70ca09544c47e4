/*
 * bench_json.c — which JSON parser should dgp's pipeline/parse use?
 *
 * Data flow: the whole JSON-lines file is read into one buffer and every '\n'
 * becomes '\0', so each record is a (ptr, len) slice that is also a C string
 * (yajl_tree_parse wants one; every other parser is given the length). Each
 * parser turns a slice into (key, value-text) pairs, and touch() folds every
 * pair into a checksum (xxh3 of key, type and value bytes), so no parser can
 * skip work and all of them must agree on the same input.
 *
 * Parsers: dgp_json (pipeline/dgp_json.c, dgp's hand-written flat-object
 * scanner, first written here as the baseline), yajl-cb (yajl_parse with
 * callbacks and one reused handle), yajl-tree (yajl_tree_parse), jansson
 * (json_loadb), json-c (json_tokener_parse_ex with a reused tokener), cjson
 * (cJSON_ParseWithLengthOpts). The first is the checksum reference.
 *
 * Allocations are counted by defining malloc/calloc/realloc/free in this
 * executable and forwarding to glibc's __libc_* entry points: the dynamic
 * linker binds every shared library's malloc to the executable's definition,
 * so the count covers the libraries whatever allocator hooks they offer
 * (json-c has none), with no LD_PRELOAD and no ltrace. A self-check at start
 * proves the interposition works; sanitizer builds compile it out.
 *
 * Modes:
 *   bench_json [--runs N] [--warmup N] [--parser NAME] FILE   throughput table
 *   bench_json --malformed                                    bad-input table
 *   bench_json --fuzz N [--seed S] FILE                       mutate lines, must not crash
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <jansson.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "bench_json.h"

/* ---------------------------------------------------------------- mallocs */

static size_t g_allocs; /* malloc + calloc + realloc calls */

#ifndef DGP_BENCH_NO_MALLOC_COUNT
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n)
{
	g_allocs++;
	return __libc_malloc(n);
}
void *calloc(size_t n, size_t m)
{
	g_allocs++;
	return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n)
{
	g_allocs++;
	return __libc_realloc(p, n);
}
void free(void *p)
{
	__libc_free(p);
}
#endif

static bool malloc_counting_works(void)
{
	char *(*volatile dup)(const char *) = strdup; /* allocates inside libc */
	size_t before = g_allocs;
	char *s = dup("x");
	bool ok = g_allocs > before;
	free(s);
	return ok;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "bench_json: out of memory allocating %zu bytes\n", n);
		abort();
	}
	return p;
}

/* -------------------------------------------------------------- checksum */

void bench_capture(acc_t *a, const char *v, size_t n)
{
	for (size_t i = 0; i < n && a->capture_len + 8 < a->capture_cap; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == '|')
			a->capture_len +=
			    (size_t)snprintf(a->capture + a->capture_len, 8, "\\x%02x", c);
		else
			a->capture[a->capture_len++] = (char)c;
	}
	if (a->capture_len + 1 < a->capture_cap)
		a->capture[a->capture_len++] = '|';
	a->capture[a->capture_len] = '\0';
}

void bench_set_err(perr_t *e, long off, const char *msg)
{
	e->offset = off;
	snprintf(e->msg, sizeof e->msg, "%s", msg);
	for (char *c = e->msg; *c; c++) /* keep table cells on one line */
		if (*c == '\n' || *c == '|')
			*c = ' ';
}

/* Number text for parsers that only keep the binary value. */
size_t bench_fmt_int(char *buf, long long v)
{
	return (size_t)snprintf(buf, 32, "%lld", v);
}

size_t bench_fmt_double(char *buf, double d)
{
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) { /* shortest text that round-trips */
		n = snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return (size_t)n;
}

bool bench_only_ws(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	return true;
}

/* ---------------------------------------------------------------- parsers */

/* yajl-cb: streaming callbacks, one handle reused across records (the handle
 * allows multiple values; a record that fails or stops short replaces it). */
typedef struct {
	yajl_handle h;
	yajl_callbacks cb;
	acc_t *a;
	uint64_t khash;
	size_t klen;
	int depth;
	bool done;
	const char *why; /* why a callback cancelled */
} ycb_st;

static int ycb_flat_only(ycb_st *st)
{
	if (st->depth != 1) {
		st->why = st->depth == 0 ? "top-level value is not an object" : "nested value";
		return 0;
	}
	return 1;
}
static int ycb_null(void *c)
{
	ycb_st *st = c;
	if (!ycb_flat_only(st))
		return 0;
	touch(st->a, st->khash, st->klen, T_NULL, "null", 4);
	return 1;
}
static int ycb_bool(void *c, int b)
{
	ycb_st *st = c;
	if (!ycb_flat_only(st))
		return 0;
	touch(st->a, st->khash, st->klen, b ? T_TRUE : T_FALSE, b ? "true" : "false", b ? 4 : 5);
	return 1;
}
static int ycb_number(void *c, const char *s, size_t n)
{
	ycb_st *st = c;
	if (!ycb_flat_only(st))
		return 0;
	touch(st->a, st->khash, st->klen, T_NUMBER, s, n);
	return 1;
}
static int ycb_string(void *c, const unsigned char *s, size_t n)
{
	ycb_st *st = c;
	if (!ycb_flat_only(st))
		return 0;
	touch(st->a, st->khash, st->klen, T_STRING, (const char *)s, n);
	return 1;
}
static int ycb_start_map(void *c)
{
	ycb_st *st = c;
	if (st->depth > 0) {
		st->why = "nested value";
		return 0;
	}
	if (st->done) {
		st->why = "more than one value in the record";
		return 0;
	}
	st->depth = 1;
	return 1;
}
static int ycb_map_key(void *c, const unsigned char *k, size_t n)
{
	ycb_st *st = c; /* hash now: yajl may reuse the key's buffer for the value */
	st->khash = key_hash((const char *)k, n);
	st->klen = n;
	return 1;
}
static int ycb_end_map(void *c)
{
	ycb_st *st = c;
	st->depth = 0;
	st->done = true;
	return 1;
}
static int ycb_start_array(void *c)
{
	ycb_st *st = c;
	st->why = st->depth ? "nested value" : "top-level value is not an object";
	return 0;
}

static void ycb_new_handle(ycb_st *st)
{
	st->h = yajl_alloc(&st->cb, NULL, st);
	if (!st->h)
		abort();
	yajl_config(st->h, yajl_allow_multiple_values, 1);
}

static void *ycb_open(size_t max_line)
{
	(void)max_line;
	ycb_st *st = xmalloc(sizeof *st);
	memset(st, 0, sizeof *st);
	st->cb.yajl_null = ycb_null;
	st->cb.yajl_boolean = ycb_bool;
	st->cb.yajl_number = ycb_number; /* raw text; integer/double callbacks unused */
	st->cb.yajl_string = ycb_string;
	st->cb.yajl_start_map = ycb_start_map;
	st->cb.yajl_map_key = ycb_map_key;
	st->cb.yajl_end_map = ycb_end_map;
	st->cb.yajl_start_array = ycb_start_array;
	ycb_new_handle(st);
	return st;
}

static int ycb_parse(void *vst, const char *p, size_t n, acc_t *a, perr_t *e)
{
	ycb_st *st = vst;
	st->a = a;
	st->depth = 0;
	st->done = false;
	st->why = NULL;
	yajl_status s = yajl_parse(st->h, (const unsigned char *)p, n);
	if (s == yajl_status_ok && st->done)
		return 0;
	if (s == yajl_status_ok) {
		bench_set_err(e, (long)n, "premature end of input");
	} else {
		unsigned char *msg = yajl_get_error(st->h, 0, NULL, 0);
		bench_set_err(e, (long)yajl_get_bytes_consumed(st->h),
		              s == yajl_status_client_canceled && st->why ? st->why
		                                                          : (const char *)msg);
		yajl_free_error(st->h, msg);
	}
	yajl_free(st->h); /* the handle is stuck in the failed document */
	ycb_new_handle(st);
	return -1;
}

static void ycb_close(void *vst)
{
	ycb_st *st = vst;
	yajl_free(st->h);
	free(st);
}

/* yajl-tree: yajl_tree_parse needs a NUL-terminated input. */
static void *none_open(size_t max_line)
{
	(void)max_line;
	return NULL;
}
static void none_close(void *st)
{
	(void)st;
}

static int ytree_parse(void *st, const char *p, size_t n, acc_t *a, perr_t *e)
{
	(void)st;
	(void)n;
	char errbuf[256];
	errbuf[0] = '\0';
	yajl_val root = yajl_tree_parse(p, errbuf, sizeof errbuf);
	if (!root) {
		bench_set_err(e, -1, errbuf);
		return -1;
	}
	int rc = 0;
	if (!YAJL_IS_OBJECT(root)) {
		bench_set_err(e, -1, "top-level value is not an object");
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *k = root->u.object.keys[i];
		size_t kl = strlen(k);
		uint64_t kh = key_hash(k, kl);
		yajl_val v = root->u.object.values[i];
		switch (v->type) {
		case yajl_t_string:
			touch(a, kh, kl, T_STRING, v->u.string, strlen(v->u.string));
			break;
		case yajl_t_number:
			touch(a, kh, kl, T_NUMBER, v->u.number.r, strlen(v->u.number.r));
			break;
		case yajl_t_true:
			touch(a, kh, kl, T_TRUE, "true", 4);
			break;
		case yajl_t_false:
			touch(a, kh, kl, T_FALSE, "false", 5);
			break;
		case yajl_t_null:
			touch(a, kh, kl, T_NULL, "null", 4);
			break;
		default:
			bench_set_err(e, -1, "nested value");
			rc = -1;
			goto out;
		}
	}
out:
	yajl_tree_free(root);
	return rc;
}

/* jansson */
static int jansson_parse(void *st, const char *p, size_t n, acc_t *a, perr_t *e)
{
	(void)st;
	json_error_t jerr;
	json_t *root = json_loadb(p, n, 0, &jerr);
	if (!root) {
		bench_set_err(e, jerr.position, jerr.text);
		return -1;
	}
	int rc = 0;
	if (!json_is_object(root)) {
		bench_set_err(e, -1, "top-level value is not an object");
		rc = -1;
		goto out;
	}
	const char *k;
	size_t kl;
	json_t *v;
	char num[32];
	json_object_keylen_foreach(root, k, kl, v)
	{
		uint64_t kh = key_hash(k, kl);
		switch (json_typeof(v)) {
		case JSON_STRING:
			touch(a, kh, kl, T_STRING, json_string_value(v), json_string_length(v));
			break;
		case JSON_INTEGER:
			touch(a, kh, kl, T_NUMBER, num, bench_fmt_int(num, json_integer_value(v)));
			break;
		case JSON_REAL:
			touch(a, kh, kl, T_NUMBER, num, bench_fmt_double(num, json_real_value(v)));
			break;
		case JSON_TRUE:
			touch(a, kh, kl, T_TRUE, "true", 4);
			break;
		case JSON_FALSE:
			touch(a, kh, kl, T_FALSE, "false", 5);
			break;
		case JSON_NULL:
			touch(a, kh, kl, T_NULL, "null", 4);
			break;
		default:
			bench_set_err(e, -1, "nested value");
			rc = -1;
			goto out;
		}
	}
out:
	json_decref(root);
	return rc;
}

/* cJSON: ParseWithLengthOpts gives the end (or the error) position. */
static int cjson_parse(void *st, const char *p, size_t n, acc_t *a, perr_t *e)
{
	(void)st;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	if (!root) {
		bench_set_err(e, end ? (long)(end - p) : -1, "parse error");
		return -1;
	}
	int rc = 0;
	if (!bench_only_ws(end, p + n)) {
		bench_set_err(e, (long)(end - p), "trailing characters");
		rc = -1;
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		bench_set_err(e, -1, "top-level value is not an object");
		rc = -1;
		goto out;
	}
	char num[32];
	for (cJSON *v = root->child; v; v = v->next) {
		size_t kl = strlen(v->string);
		uint64_t kh = key_hash(v->string, kl);
		if (cJSON_IsString(v)) {
			touch(a, kh, kl, T_STRING, v->valuestring, strlen(v->valuestring));
		} else if (cJSON_IsNumber(v)) { /* only a double is kept */
			double d = v->valuedouble;
			size_t nl = fabs(d) < 9007199254740992.0 && d == (double)(long long)d
			                ? bench_fmt_int(num, (long long)d)
			                : bench_fmt_double(num, d);
			touch(a, kh, kl, T_NUMBER, num, nl);
		} else if (cJSON_IsTrue(v)) {
			touch(a, kh, kl, T_TRUE, "true", 4);
		} else if (cJSON_IsFalse(v)) {
			touch(a, kh, kl, T_FALSE, "false", 5);
		} else if (cJSON_IsNull(v)) {
			touch(a, kh, kl, T_NULL, "null", 4);
		} else {
			bench_set_err(e, -1, "nested value");
			rc = -1;
			goto out;
		}
	}
out:
	cJSON_Delete(root);
	return rc;
}

static const parser_t P_YAJL_CB = {"yajl-cb", ycb_open, ycb_parse, ycb_close};
static const parser_t P_YAJL_TREE = {"yajl-tree", none_open, ytree_parse, none_close};
static const parser_t P_JANSSON = {"jansson", none_open, jansson_parse, none_close};
static const parser_t P_CJSON = {"cjson", none_open, cjson_parse, none_close};

/* The first one is the reference the others' checksums must match. */
static const parser_t *const PARSERS[] = {
    &dgp_bench_parser_dgp_json, &P_YAJL_CB, &P_YAJL_TREE, &P_JANSSON,
    &dgp_bench_parser_jsonc,    &P_CJSON,
};
#define NPARSERS (sizeof PARSERS / sizeof PARSERS[0])

/* ------------------------------------------------------------ throughput */

typedef struct {
	const char *p;
	size_t n;
} line_t;

typedef struct {
	char *buf;
	line_t *lines;
	size_t count, bytes, max_line;
} corpus_t;

static void load_corpus(const char *path, corpus_t *c)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench_json: cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	c->buf = xmalloc((size_t)size + 1);
	if (fread(c->buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "bench_json: short read on %s\n", path);
		exit(2);
	}
	fclose(f);
	c->buf[size] = '\n';
	size_t cap = 1024;
	c->lines = xmalloc(cap * sizeof *c->lines);
	c->count = c->bytes = c->max_line = 0;
	for (char *p = c->buf, *end = c->buf + size; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end + 1 - p));
		*nl = '\0';
		if (nl > p) {
			if (c->count == cap) {
				cap *= 2;
				c->lines = realloc(c->lines, cap * sizeof *c->lines);
				if (!c->lines)
					abort();
			}
			c->lines[c->count++] = (line_t){p, (size_t)(nl - p)};
			c->bytes += (size_t)(nl - p);
			if ((size_t)(nl - p) > c->max_line)
				c->max_line = (size_t)(nl - p);
		}
		p = nl + 1;
	}
}

/* The only function callgrind collects (--toggle-collect=measured_pass). */
__attribute__((noinline)) static size_t
measured_pass(const parser_t *ps, void *st, const corpus_t *c, acc_t *a, perr_t *first_err)
{
	size_t failures = 0;
	perr_t e;
	for (size_t i = 0; i < c->count; i++) {
		if (ps->parse(st, c->lines[i].p, c->lines[i].n, a, &e) < 0) {
			if (failures++ == 0)
				*first_err = e;
		}
	}
	return failures;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static double clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_RUNS 64

static int run_throughput(const char *path, const char *only, int runs, int warmup)
{
	corpus_t c;
	load_corpus(path, &c);
	bool counting = malloc_counting_works();
	double cpu[NPARSERS][MAX_RUNS], wall[NPARSERS][MAX_RUNS];
	size_t allocs[NPARSERS] = {0};
	acc_t sums[NPARSERS];
	size_t fails[NPARSERS] = {0};
	bool used[NPARSERS] = {0};
	perr_t first_err[NPARSERS];
	void *st[NPARSERS];
	for (size_t i = 0; i < NPARSERS; i++) {
		used[i] = !only || strcmp(only, PARSERS[i]->name) == 0;
		if (used[i])
			st[i] = PARSERS[i]->open(c.max_line);
	}
	for (size_t i = 0; i < NPARSERS; i++) /* warm caches, allocators, lazy init */
		for (int w = 0; used[i] && w < warmup; w++) {
			acc_t a = {0};
			measured_pass(PARSERS[i], st[i], &c, &a, &first_err[i]);
		}
	/* Interleave the parsers run by run, so a noisy second hits all of them. */
	for (int r = 0; r < runs; r++)
		for (size_t i = 0; i < NPARSERS; i++) {
			if (!used[i])
				continue;
			acc_t a = {0};
			size_t m0 = g_allocs;
			double w0 = clock_ns(CLOCK_MONOTONIC);
			double c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
			fails[i] = measured_pass(PARSERS[i], st[i], &c, &a, &first_err[i]);
			cpu[i][r] = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
			wall[i][r] = clock_ns(CLOCK_MONOTONIC) - w0;
			allocs[i] = g_allocs - m0;
			sums[i] = a;
		}
	/* CPU time of this thread is the figure: on a shared VM wall time also
	 * counts the seconds another process held the core. Wall is shown too. */
	printf("# file %s: %zu records, %.1f bytes/record, median of %d runs, thread CPU time; "
	       "malloc counting %s\n",
	       path, c.count, (double)c.bytes / (double)c.count, runs, counting ? "on" : "OFF");
	printf("%-10s %10s %9s %12s %14s %11s %9s %18s %s\n", "parser", "ns/record", "MB/s",
	       "records/s", "mallocs/record", "wall ns/rec", "failures", "checksum", "agree");
	int rc = 0;
	const acc_t *ref = NULL;
	for (size_t i = 0; i < NPARSERS; i++) {
		if (!used[i])
			continue;
		double med = median(cpu[i], runs), med_wall = median(wall[i], runs);
		if (!ref)
			ref = &sums[i];
		bool agree = sums[i].sum == ref->sum && sums[i].bytes == ref->bytes &&
		             sums[i].fields == ref->fields;
		if (!agree || fails[i])
			rc = 1;
		char mpr[32];
		if (counting)
			snprintf(mpr, sizeof mpr, "%.2f", (double)allocs[i] / (double)c.count);
		else
			snprintf(mpr, sizeof mpr, "n/a");
		printf("%-10s %10.1f %9.1f %12.0f %14s %11.1f %9zu %018llx %s\n", PARSERS[i]->name,
		       med / (double)c.count, (double)c.bytes / med * 1e3,
		       (double)c.count / med * 1e9, mpr, med_wall / (double)c.count, fails[i],
		       (unsigned long long)sums[i].sum, agree ? "yes" : "NO");
		if (fails[i])
			printf("  first failure: @%ld %s\n", first_err[i].offset, first_err[i].msg);
	}
	for (size_t i = 0; i < NPARSERS; i++)
		if (used[i])
			PARSERS[i]->close(st[i]);
	free(c.lines);
	free(c.buf);
	return rc;
}

/* ------------------------------------------------------------- bad input */

typedef struct {
	const char *name;
	const char *bytes;
	size_t len; /* 0: strlen(bytes) */
} bad_t;

#define DEEP 100000

static const bad_t BAD[] = {
    {"truncated in a value", "{\"XM\":\"张三\",\"GMSFHM\":\"4201", 0},
    {"truncated after a value", "{\"XM\":\"张三\"", 0},
    {"empty line", "", 0},
    {"bad escape \\q", "{\"XM\":\"张\\q三\"}", 0},
    {"bad \\u escape \\u12G4", "{\"XM\":\"\\u12G4\"}", 0},
    {"lone surrogate \\ud800", "{\"XM\":\"\\ud800\"}", 0},
    {"invalid UTF-8: cut 3-byte seq", "{\"XM\":\"\xe5\xbc\"}", 0},
    {"invalid UTF-8: overlong C0 AF", "{\"XM\":\"\xc0\xaf\"}", 0},
    {"invalid UTF-8: GBK 张三", "{\"XM\":\"\xd5\xc5\xc8\xfd\"}", 0},
    {"invalid UTF-8: encoded surrogate", "{\"XM\":\"\xed\xa0\x80\"}", 0},
    {"NUL byte inside a string", "{\"XM\":\"张\0三\",\"XB\":\"1\"}", 25},
    {"NUL byte between fields", "{\"XM\":\"a\",\0\"XB\":\"1\"}", 20},
    {"NUL byte after the object", "{\"XM\":\"a\"}\0", 11},
    {"NUL byte after a number", "{\"NL\":4\0,\"XB\":\"1\"}", 18},
    {"escaped \\u0000 in a value", "{\"XM\":\"a\\u0000b\"}", 0},
    {"raw TAB in a string", "{\"XM\":\"a\tb\"}", 0},
    {"trailing garbage", "{\"XM\":\"a\"} x", 0},
    {"two objects on one line", "{\"XM\":\"a\"}{\"XM\":\"b\"}", 0},
    {"trailing comma", "{\"XM\":\"a\",}", 0},
    {"single quotes", "{'XM':'a'}", 0},
    {"leading zero 012", "{\"NL\":012}", 0},
    {"NaN", "{\"SG\":NaN}", 0},
    {"comment", "{\"XM\":\"a\" /* c */}", 0},
    {"nested object (valid JSON)", "{\"XM\":{\"a\":1}}", 0},
    {"top-level array (valid JSON)", "[1,2]", 0},
    {"deep nesting 100000 x [", NULL, DEEP + 6},
    {"duplicate key (valid JSON)", "{\"XM\":\"a\",\"XM\":\"b\"}", 0},
    {"ID number as a number", "{\"GMSFHM\":420106199001011234}", 0},
    {"decimal 1.10", "{\"ZCZBJE\":1.10}", 0},
    {"integer > 2^64", "{\"ZCZBJE\":123456789012345678901234567890}", 0},
    {"surrogate pair \\ud83d\\ude00", "{\"XM\":\"\\ud83d\\ude00\"}", 0},
};
#define NBAD (sizeof BAD / sizeof BAD[0])

static char *bad_input(const bad_t *b, size_t *len)
{
	*len = b->len ? b->len : strlen(b->bytes);
	char *buf = xmalloc(*len + 1);
	if (b->bytes) {
		memcpy(buf, b->bytes, *len);
	} else { /* {"A": then DEEP '[' */
		memcpy(buf, "{\"A\":", 5);
		memset(buf + 5, '[', *len - 5);
	}
	buf[*len] = '\0'; /* for yajl_tree_parse; the others are given len */
	return buf;
}

/* Run one parser on one bad input in a child, so a crash is a result. */
static void run_bad_one(const parser_t *ps, const bad_t *b, char *cell, size_t cap)
{
	int fd[2];
	if (pipe(fd) < 0)
		abort();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		size_t len;
		char *in = bad_input(b, &len);
		char cap_buf[160];
		acc_t a = {0};
		a.capture = cap_buf;
		a.capture_cap = sizeof cap_buf;
		cap_buf[0] = '\0';
		perr_t e = {-1, ""};
		void *st = ps->open(len + 1);
		char out[400];
		if (ps->parse(st, in, len, &a, &e) < 0) {
			if (e.offset >= 0)
				snprintf(out, sizeof out, "rejected @%ld: %.150s", e.offset, e.msg);
			else
				snprintf(out, sizeof out, "rejected, no offset: %.150s", e.msg);
		} else {
			if (a.capture_len)
				cap_buf[--a.capture_len] = '\0'; /* drop the last '|' */
			snprintf(out, sizeof out, "ACCEPTED: %.160s", cap_buf);
		}
		ps->close(st);
		if (write(fd[1], out, strlen(out)) < 0)
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	size_t got = 0;
	ssize_t r;
	while (got + 1 < cap && (r = read(fd[0], cell + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	cell[got] = '\0';
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		snprintf(cell, cap, "CRASH (signal %d)", WTERMSIG(status));
}

static int run_malformed(void)
{
	int crashes = 0;
	for (size_t i = 0; i < NPARSERS; i++) {
		printf("\n#### %s\n\n| input | result |\n|---|---|\n", PARSERS[i]->name);
		for (size_t b = 0; b < NBAD; b++) {
			char cell[512];
			run_bad_one(PARSERS[i], &BAD[b], cell, sizeof cell);
			if (strncmp(cell, "CRASH", 5) == 0)
				crashes++;
			printf("| %s | %s |\n", BAD[b].name, cell);
		}
	}
	return crashes ? 1 : 0;
}

/* ------------------------------------------------------------------ fuzz */

static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state += 0x9E3779B97F4A7C15ull; /* splitmix64 */
	uint64_t z = rng_state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Mutate real records (flip, insert JSON-significant bytes, truncate, splice)
 * and feed them to every parser: any crash or sanitizer report is a failure. */
static int run_fuzz(const char *path, long iterations)
{
	static const char interesting[] = "{}[]\",:\\u0\xe4\xb8\xad\xff\x80\xed\xf4 \n\t";
	corpus_t c;
	load_corpus(path, &c);
	char *buf = xmalloc(c.max_line * 2 + 64);
	void *st[NPARSERS];
	for (size_t i = 0; i < NPARSERS; i++)
		st[i] = PARSERS[i]->open(c.max_line * 2 + 64);
	size_t rejected[NPARSERS] = {0}, disagree = 0;
	for (long it = 0; it < iterations; it++) {
		const line_t *l = &c.lines[rng() % c.count];
		size_t n = l->n;
		memcpy(buf, l->p, n);
		for (int m = 0, nm = 1 + (int)(rng() % 4); m < nm && n > 0; m++) {
			size_t at = rng() % n;
			switch (rng() % 5) {
			case 0:
				buf[at] ^= (char)(1u << (rng() % 8));
				break;
			case 1:
				buf[at] = interesting[rng() % (sizeof interesting - 1)];
				break;
			case 2:
				if (n < c.max_line * 2) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = interesting[rng() % (sizeof interesting - 1)];
					n++;
				}
				break;
			case 3:
				n = at;
				break;
			default:
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			}
		}
		buf[n] = '\0';
		int verdict[NPARSERS];
		perr_t e[NPARSERS];
		for (size_t i = 0; i < NPARSERS; i++) {
			acc_t a = {0};
			verdict[i] = PARSERS[i]->parse(st[i], buf, n, &a, &e[i]);
			if (verdict[i] < 0)
				rejected[i]++;
		}
		/* dgp_json and jansson are both strict: where they disagree, say why. */
		if (verdict[0] != verdict[3] && disagree++ < 5) {
			char tail[256]; /* the last 60 bytes, control bytes escaped */
			acc_t shown = {.capture = tail, .capture_cap = sizeof tail};
			size_t from = n > 60 ? n - 60 : 0;
			bench_capture(&shown, buf + from, n - from);
			printf("  dgp_json %s, jansson %s: %s / %s; input ends ...%s\n",
			       verdict[0] ? "rejects" : "accepts",
			       verdict[3] ? "rejects" : "accepts", verdict[0] ? e[0].msg : "-",
			       verdict[3] ? e[3].msg : "-", tail);
		}
	}
	printf("fuzz: %ld mutated records through every parser, no crash; dgp_json and jansson "
	       "disagree on %zu\n",
	       iterations, disagree);
	for (size_t i = 0; i < NPARSERS; i++) {
		printf("  %-10s rejected %zu\n", PARSERS[i]->name, rejected[i]);
		PARSERS[i]->close(st[i]);
	}
	free(buf);
	free(c.lines);
	free(c.buf);
	return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr, "usage: bench_json [--runs N] [--warmup N] [--parser NAME] FILE\n"
	                "       bench_json --malformed\n"
	                "       bench_json --fuzz N [--seed S] FILE\n"
	                "parsers:");
	for (size_t i = 0; i < NPARSERS; i++)
		fprintf(stderr, " %s", PARSERS[i]->name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int runs = 5, warmup = 1;
	long fuzz = 0;
	const char *only = NULL, *path = NULL;
	bool malformed = false;
	rng_state = 20260101;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
			warmup = atoi(argv[++i]);
		else if (strcmp(argv[i], "--parser") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--fuzz") == 0 && i + 1 < argc)
			fuzz = atol(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng_state = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--malformed") == 0)
			malformed = true;
		else if (argv[i][0] == '-')
			usage();
		else
			path = argv[i];
	}
	if (malformed)
		return run_malformed();
	if (!path || runs < 1 || runs > MAX_RUNS || warmup < 0)
		usage();
	if (only) {
		bool known = false;
		for (size_t i = 0; i < NPARSERS; i++)
			known |= strcmp(only, PARSERS[i]->name) == 0;
		if (!known)
			usage();
	}
	if (fuzz > 0)
		return run_fuzz(path, fuzz);
	return run_throughput(path, only, runs, warmup);
}
