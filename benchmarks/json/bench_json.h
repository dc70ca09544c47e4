/*
 * bench_json.h — what the JSON benchmark's parser adapters share.
 *
 * Each adapter turns one record (ptr, len) into (key, value-text) pairs and
 * hands every pair to touch(). json-c lives in its own file because its
 * headers and jansson's both claim the name json_object; dgp_json (the
 * pipeline's own scanner) too, to keep its names away from the libraries'.
 */
#ifndef DGP_BENCH_JSON_H
#define DGP_BENCH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

enum { T_STRING, T_NUMBER, T_TRUE, T_FALSE, T_NULL };

typedef struct {
	uint64_t sum;   /* order-independent: sum of per-field hashes */
	uint64_t bytes; /* key + value bytes seen */
	uint64_t fields;
	char *capture; /* --malformed only: values as text, '|' separated */
	size_t capture_len, capture_cap;
} acc_t;

typedef struct {
	long offset; /* -1: the parser gives no position */
	char msg[200];
} perr_t;

static inline uint64_t key_hash(const char *k, size_t n)
{
	return XXH3_64bits(k, n);
}

/* Append the value as text to a->capture (the --malformed table). */
void bench_capture(acc_t *a, const char *v, size_t n);

/* Fold one (key, value) pair into the checksum. */
static inline void touch(acc_t *a, uint64_t khash, size_t klen, int type, const char *v, size_t n)
{
	a->sum += XXH3_64bits_withSeed(v, n, khash + (uint64_t)type);
	a->bytes += klen + n;
	a->fields++;
	if (__builtin_expect(a->capture != NULL, 0))
		bench_capture(a, v, n);
}

typedef struct {
	const char *name;
	void *(*open)(size_t max_line);
	int (*parse)(void *st, const char *p, size_t n, acc_t *a,
	             perr_t *e); /* 0 ok, -1 rejected */
	void (*close)(void *st);
} parser_t;

/* Fill e; newlines and '|' become spaces so the message fits a table cell. */
void bench_set_err(perr_t *e, long off, const char *msg);
/* Number text for parsers that keep only the binary value; buf holds 32. */
size_t bench_fmt_int(char *buf, long long v);
size_t bench_fmt_double(char *buf, double d);
bool bench_only_ws(const char *p, const char *end);

extern const parser_t dgp_bench_parser_jsonc;    /* adapter_jsonc.c */
extern const parser_t dgp_bench_parser_dgp_json; /* adapter_dgp_json.c */

#endif
