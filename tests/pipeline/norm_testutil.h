/*
 * norm_testutil.h — helpers for the normaliser tests: run a rule on a copy
 * of the input in an exact-size heap buffer (so ASan sees any read past the
 * end) and assert output, reason and flags exactly.
 */
#ifndef NORM_TESTUTIL_H
#define NORM_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_norm.h"

static const dgp_norm_ctx_t test_ctx = {.today = 20261127, .utc_offset_min = 480}; /* UTC+8 */

/* Compile name+args in a per-process arena (leaked on purpose: tests are short). */
static inline const dgp_norm_rule_t *rule_of(const char *name, const char *args)
{
	static dgp_arena_t *arena;
	if (!arena)
		arena = dgp_arena_new(0);
	const dgp_norm_rule_t *r = NULL;
	char err[256] = "";
	dgp_err_t e = dgp_norm_rule_compile(name, args, arena, NULL, NULL, &r, err, sizeof(err));
	cr_assert_eq(e, DGP_OK, "compile %s(%s): %s", name, args ? args : "", err);
	return r;
}

/* Runs rule on in[0..len) with an out buffer of exactly out_cap bytes (heap). */
static inline dgp_reason_t run_rule_n(const dgp_norm_rule_t *r, const char *in, size_t len,
                                      size_t out_cap, char *got, size_t got_size,
                                      dgp_norm_result_t *res)
{
	char *copy = malloc(len ? len : 1);
	char *out = malloc(out_cap ? out_cap : 1);
	memcpy(copy, in, len);
	dgp_reason_t reason = dgp_norm_apply(r, &test_ctx, copy, len, out, out_cap, res);
	cr_assert_eq(reason, res->reason);
	cr_assert_leq(res->len, out_cap);
	cr_assert_leq(res->aux_off + res->aux_len, out_cap);
	size_t total = res->aux_len ? res->aux_off + res->aux_len : res->len;
	cr_assert_lt(total, got_size);
	memcpy(got, out, total);
	got[total] = '\0';
	free(copy);
	free(out);
	return reason;
}

/*
 * Every rule but encoding (whose input is GBK) must be idempotent: its
 * output, normalised again, is accepted and comes out unchanged.
 */
static inline void expect_fixed_point(const dgp_norm_rule_t *r, const char *v, size_t len)
{
	if (strcmp(r->name, "encoding") == 0)
		return;
	char again[8192];
	dgp_norm_result_t res;
	dgp_reason_t reason =
	    run_rule_n(r, v, len, DGP_NORM_OUT_CAP(len), again, sizeof(again), &res);
	cr_expect_eq(reason, DGP_REASON_OK, "%s(\"%.*s\") again: %s", r->name, (int)len, v,
	             dgp_reason_name(reason));
	cr_expect(res.len == len && memcmp(again, v, len) == 0,
	          "%s not idempotent: \"%.*s\" -> \"%.*s\"", r->name, (int)len, v, (int)res.len,
	          again);
}

/* expect_ok — rule accepts in with output want (and aux want_aux, NULL = none) and flags. */
#define expect_ok_aux(r, in, want, want_aux, want_flags)                                           \
	do {                                                                                       \
		const char *in_ = (in);                                                            \
		char got_[8192];                                                                   \
		dgp_norm_result_t res_;                                                            \
		size_t len_ = strlen(in_);                                                         \
		dgp_reason_t reason_ =                                                             \
		    run_rule_n((r), in_, len_, DGP_NORM_OUT_CAP(len_), got_, sizeof(got_), &res_); \
		cr_expect_eq(reason_, DGP_REASON_OK, "%s(\"%s\"): rejected %s", (r)->name, in_,    \
		             dgp_reason_name(reason_));                                            \
		if (reason_ == DGP_REASON_OK) {                                                    \
			cr_expect_eq(res_.len, strlen(want),                                       \
			             "%s(\"%s\"): got \"%.*s\" want \"%s\"", (r)->name, in_,       \
			             (int)res_.len, got_, (want));                                 \
			cr_expect_eq(memcmp(got_, (want), res_.len), 0,                            \
			             "%s(\"%s\"): got \"%.*s\" want \"%s\"", (r)->name, in_,       \
			             (int)res_.len, got_, (want));                                 \
			cr_expect_eq(res_.flags, (uint32_t)(want_flags),                           \
			             "%s(\"%s\"): flags %#x want %#x", (r)->name, in_, res_.flags, \
			             (unsigned)(want_flags));                                      \
			expect_fixed_point((r), got_, res_.len);                                   \
			const char *wa_ = (want_aux);                                              \
			if (wa_) {                                                                 \
				cr_expect_eq(res_.aux_len, strlen(wa_),                            \
				             "%s(\"%s\"): aux \"%.*s\"", (r)->name, in_,           \
				             (int)res_.aux_len, got_ + res_.aux_off);              \
				cr_expect_eq(memcmp(got_ + res_.aux_off, wa_, res_.aux_len), 0,    \
				             "%s(\"%s\"): aux \"%.*s\" want \"%s\"", (r)->name,    \
				             in_, (int)res_.aux_len, got_ + res_.aux_off, wa_);    \
			} else {                                                                   \
				cr_expect_eq(res_.aux_len, 0, "%s(\"%s\"): unexpected aux",        \
				             (r)->name, in_);                                      \
			}                                                                          \
		}                                                                                  \
	} while (0)

#define expect_ok(r, in, want, want_flags) expect_ok_aux(r, in, want, NULL, want_flags)

/* expect_reject_n — rule rejects in[0..len) with reason want (res zeroed but for the reason). */
#define expect_reject_n(r, in, inlen, want)                                                        \
	do {                                                                                       \
		char got_[8192];                                                                   \
		dgp_norm_result_t res_;                                                            \
		dgp_reason_t reason_ = run_rule_n((r), (in), (inlen), DGP_NORM_OUT_CAP(inlen),     \
		                                  got_, sizeof(got_), &res_);                      \
		cr_expect_eq(reason_, (want), "%s(\"%.*s\"): got %s want %s", (r)->name,           \
		             (int)(inlen), (in), dgp_reason_name(reason_), dgp_reason_name(want)); \
		cr_expect_eq(res_.len, 0);                                                         \
		cr_expect_eq(res_.flags, 0);                                                       \
	} while (0)

#define expect_reject(r, in, want) expect_reject_n(r, in, strlen(in), want)

/* expect_cap — with an out buffer of exactly cap bytes, in gives reason want. */
#define expect_cap(r, in, cap, want)                                                               \
	do {                                                                                       \
		char got_[8192];                                                                   \
		dgp_norm_result_t res_;                                                            \
		dgp_reason_t reason_ =                                                             \
		    run_rule_n((r), (in), strlen(in), (cap), got_, sizeof(got_), &res_);           \
		cr_expect_eq(reason_, (want), "%s(\"%s\") cap %zu: got %s", (r)->name, (in),       \
		             (size_t)(cap), dgp_reason_name(reason_));                             \
	} while (0)

#endif /* NORM_TESTUTIL_H */
