/*
 * dgp_utf8.c — whole-buffer UTF-8 validation, counting and width folding.
 *
 *   in ──ASCII run (8 bytes per step, copied as words)──▶ out
 *      └─non-ASCII: dgp_utf8_decode ─ fold FF01–FF5E, 3000, other spaces;
 *                   drop format characters ─ encode ─▶ out
 *
 * Validation alone (dgp_utf8_valid, every record of a file) checks 16 bytes
 * per step with SSSE3 where the CPU has it (x86-64), else a table-driven DFA
 * over 8-byte steps, skipping ASCII words between characters
 * (dgp_utf8_valid_dfa).  benchmarks/utf8 measures both against GLib and ICU.
 *
 * Single code points are decoded inline (dgp_utf8.h) so that the rule
 * functions can run their own loops; this file holds the loops that are the
 * same for everyone.
 */
#include "dgp_utf8.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "dgp_simd.h"
#endif

/*
 * Validation as a shift DFA: each byte's table entry holds, for every state,
 * the next state's shift (6 bits per state), so a byte costs a load, a shift
 * and a mask, without a branch.  ERROR is shift 0 and every entry's lowest
 * six bits are 0, so ERROR absorbs.  The states after a lead byte narrow the
 * second byte as dgp_utf8_decode does: E0 (A0–BF), ED (80–9F), F0 (90–BF),
 * F4 (80–8F); TAIL1–3 take any continuation byte.
 */
enum {
	U8_ERR = 0,
	U8_ACC = 6,
	U8_T1 = 12,
	U8_T2 = 18,
	U8_T3 = 24,
	U8_E0 = 30,
	U8_ED = 36,
	U8_F0 = 42,
	U8_F4 = 48
};

#define U8_ROW(acc, t1, t2, t3, e0, ed, f0, f4)                                                    \
	((uint64_t)(acc) << U8_ACC | (uint64_t)(t1) << U8_T1 | (uint64_t)(t2) << U8_T2 |           \
	 (uint64_t)(t3) << U8_T3 | (uint64_t)(e0) << U8_E0 | (uint64_t)(ed) << U8_ED |             \
	 (uint64_t)(f0) << U8_F0 | (uint64_t)(f4) << U8_F4)
#define U8_ASCII  U8_ROW(U8_ACC, 0, 0, 0, 0, 0, 0, 0)
#define U8_C80    U8_ROW(0, U8_ACC, U8_T1, U8_T2, 0, U8_T1, 0, U8_T2) /* 80–8F */
#define U8_C90    U8_ROW(0, U8_ACC, U8_T1, U8_T2, 0, U8_T1, U8_T2, 0) /* 90–9F */
#define U8_CA0    U8_ROW(0, U8_ACC, U8_T1, U8_T2, U8_T1, 0, U8_T2, 0) /* A0–BF */
#define U8_L2     U8_ROW(U8_T1, 0, 0, 0, 0, 0, 0, 0)                  /* C2–DF */
#define U8_L3     U8_ROW(U8_T2, 0, 0, 0, 0, 0, 0, 0)                  /* E1–EC, EE–EF */
#define U8_LE0    U8_ROW(U8_E0, 0, 0, 0, 0, 0, 0, 0)
#define U8_LED    U8_ROW(U8_ED, 0, 0, 0, 0, 0, 0, 0)
#define U8_L4     U8_ROW(U8_T3, 0, 0, 0, 0, 0, 0, 0) /* F1–F3 */
#define U8_LF0    U8_ROW(U8_F0, 0, 0, 0, 0, 0, 0, 0)
#define U8_LF4    U8_ROW(U8_F4, 0, 0, 0, 0, 0, 0, 0)
#define U8_X2(r)  r, r
#define U8_X4(r)  U8_X2(r), U8_X2(r)
#define U8_X8(r)  U8_X4(r), U8_X4(r)
#define U8_X16(r) U8_X8(r), U8_X8(r)

/* clang-format off */
static const uint64_t u8_dfa[256] = {
    U8_X16(U8_ASCII), U8_X16(U8_ASCII), U8_X16(U8_ASCII), U8_X16(U8_ASCII), /* 00–3F */
    U8_X16(U8_ASCII), U8_X16(U8_ASCII), U8_X16(U8_ASCII), U8_X16(U8_ASCII), /* 40–7F */
    U8_X16(U8_C80),   U8_X16(U8_C90),   U8_X16(U8_CA0),   U8_X16(U8_CA0),   /* 80–BF */
    U8_X2(0),                                           /* C0–C1: always overlong */
    U8_X16(U8_L2),    U8_X8(U8_L2),     U8_X4(U8_L2),   U8_X2(U8_L2), /* C2–DF */
    U8_LE0,           U8_X8(U8_L3),     U8_X4(U8_L3),                 /* E0, E1–EC */
    U8_LED,           U8_X2(U8_L3),                                   /* ED, EE–EF */
    U8_LF0,           U8_L4,            U8_L4,          U8_L4,        /* F0, F1–F3 */
    U8_LF4,                                                           /* F4 */
    U8_X8(0),         U8_X2(0),         0,                            /* F5–FF */
};
/* clang-format on */

_Static_assert(sizeof(u8_dfa) / sizeof(u8_dfa[0]) == 256, "one DFA entry per byte");

static inline uint64_t u8_step(uint64_t st, unsigned char b)
{
	return (u8_dfa[b] >> st) & 63;
}

bool dgp_utf8_valid_dfa(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t st = U8_ACC;
	size_t i = 0;
	/* 8 bytes per step: skipped when ASCII between characters, else stepped unrolled */
	while (i + 8 <= len) {
		uint64_t w;
		memcpy(&w, u + i, 8);
		if (st == U8_ACC && !(w & 0x8080808080808080ull)) {
			i += 8;
			continue;
		}
		st = u8_step(st, u[i]);
		st = u8_step(st, u[i + 1]);
		st = u8_step(st, u[i + 2]);
		st = u8_step(st, u[i + 3]);
		st = u8_step(st, u[i + 4]);
		st = u8_step(st, u[i + 5]);
		st = u8_step(st, u[i + 6]);
		st = u8_step(st, u[i + 7]);
		if (st == U8_ERR)
			return false;
		i += 8;
	}
	for (; i < len; i++)
		st = u8_step(st, u[i]);
	return st == U8_ACC;
}

#if defined(__x86_64__) && defined(__GNUC__)

/*
 * Validation 16 bytes at a time with SSSE3 (Keiser & Lemire, "Validating
 * UTF-8 in less than one instruction per byte", 2021: the "lookup" method).
 * Three nibble lookups of a byte and the one before it name the errors a
 * pair of bytes can show (bits below); a continuation that must be a third
 * or fourth byte is found from the bytes two and three before.  An ASCII
 * block is skipped.  The tail is checked in a zero-padded block, and a
 * sequence cut short at the end (a lead byte among the last three) is an
 * error: zeros after it are not continuations.
 */
enum {
	U8V_TOO_SHORT = 1 << 0,      /* 11______ 0_______, 11______ 11______ */
	U8V_TOO_LONG = 1 << 1,       /* 0_______ 10______ */
	U8V_OVERLONG_3 = 1 << 2,     /* 11100000 100_____ */
	U8V_TOO_LARGE = 1 << 3,      /* 11110100 1001____, 11110100 101_____, 11110101+ 10______ */
	U8V_SURROGATE = 1 << 4,      /* 11101101 101_____ */
	U8V_OVERLONG_2 = 1 << 5,     /* 1100000_ 10______ */
	U8V_TOO_LARGE_1000 = 1 << 6, /* 11110101+ 1000____ */
	U8V_OVERLONG_4 = 1 << 6,     /* 11110000 1000____ */
	U8V_TWO_CONTS = 1 << 7,      /* 10______ 10______ */
	U8V_CARRY = U8V_TOO_SHORT | U8V_TOO_LONG | U8V_TWO_CONTS
};

enum {
	U8V_BIG = U8V_CARRY | U8V_TOO_LARGE | U8V_TOO_LARGE_1000,
	U8V_C8 = U8V_TOO_LONG | U8V_OVERLONG_2 | U8V_TWO_CONTS | U8V_OVERLONG_3 |
	         U8V_TOO_LARGE_1000 | U8V_OVERLONG_4,
	U8V_C9 = U8V_TOO_LONG | U8V_OVERLONG_2 | U8V_TWO_CONTS | U8V_OVERLONG_3 | U8V_TOO_LARGE,
	U8V_CA = U8V_TOO_LONG | U8V_OVERLONG_2 | U8V_TWO_CONTS | U8V_SURROGATE | U8V_TOO_LARGE
};

/* By the high nibble of the byte before, its low nibble, and the high nibble of the byte. */
static const _Alignas(16) unsigned char u8v_b1_hi[16] = {
    U8V_TOO_LONG,
    U8V_TOO_LONG,
    U8V_TOO_LONG,
    U8V_TOO_LONG,
    U8V_TOO_LONG,
    U8V_TOO_LONG,
    U8V_TOO_LONG,
    U8V_TOO_LONG,
    U8V_TWO_CONTS,
    U8V_TWO_CONTS,
    U8V_TWO_CONTS,
    U8V_TWO_CONTS,
    U8V_TOO_SHORT | U8V_OVERLONG_2,
    U8V_TOO_SHORT,
    U8V_TOO_SHORT | U8V_OVERLONG_3 | U8V_SURROGATE,
    U8V_TOO_SHORT | U8V_TOO_LARGE | U8V_TOO_LARGE_1000 | U8V_OVERLONG_4};
static const _Alignas(16) unsigned char u8v_b1_lo[16] = {U8V_CARRY | U8V_OVERLONG_3 |
                                                             U8V_OVERLONG_2 | U8V_OVERLONG_4,
                                                         U8V_CARRY | U8V_OVERLONG_2,
                                                         U8V_CARRY,
                                                         U8V_CARRY,
                                                         U8V_CARRY | U8V_TOO_LARGE,
                                                         U8V_BIG,
                                                         U8V_BIG,
                                                         U8V_BIG,
                                                         U8V_BIG,
                                                         U8V_BIG,
                                                         U8V_BIG,
                                                         U8V_BIG,
                                                         U8V_BIG,
                                                         U8V_BIG | U8V_SURROGATE,
                                                         U8V_BIG,
                                                         U8V_BIG};
static const _Alignas(16) unsigned char u8v_b2_hi[16] = {
    U8V_TOO_SHORT, U8V_TOO_SHORT, U8V_TOO_SHORT, U8V_TOO_SHORT, U8V_TOO_SHORT, U8V_TOO_SHORT,
    U8V_TOO_SHORT, U8V_TOO_SHORT, U8V_C8,        U8V_C9,        U8V_CA,        U8V_CA,
    U8V_TOO_SHORT, U8V_TOO_SHORT, U8V_TOO_SHORT, U8V_TOO_SHORT};
/* a byte above these among the last three starts a sequence the block does not end */
static const _Alignas(16) unsigned char u8v_max[16] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,     0xFF,     0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0 - 1, 0xE0 - 1, 0xC0 - 1};

__attribute__((target("ssse3"))) static inline __m128i u8v_hi(__m128i v)
{
	return _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F));
}

/* The error bits of a block (0 when it is valid given the 16 bytes before it). */
__attribute__((target("ssse3"))) static inline __m128i u8v_block(__m128i in, __m128i prev)
{
	const __m128i b1_hi = _mm_load_si128((const __m128i *)u8v_b1_hi);
	const __m128i b1_lo = _mm_load_si128((const __m128i *)u8v_b1_lo);
	const __m128i b2_hi = _mm_load_si128((const __m128i *)u8v_b2_hi);
	__m128i prev1 = _mm_alignr_epi8(in, prev, 15);
	__m128i sc = _mm_and_si128(
	    _mm_and_si128(_mm_shuffle_epi8(b1_hi, u8v_hi(prev1)),
	                  _mm_shuffle_epi8(b1_lo, _mm_and_si128(prev1, _mm_set1_epi8(0x0F)))),
	    _mm_shuffle_epi8(b2_hi, u8v_hi(in)));
	/* a third byte follows a 111_____ two bytes before, a fourth a 1111____ three before */
	__m128i prev2 = _mm_alignr_epi8(in, prev, 14), prev3 = _mm_alignr_epi8(in, prev, 13);
	__m128i must23 = _mm_or_si128(_mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xE0 - 0x80))),
	                              _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xF0 - 0x80))));
	return _mm_xor_si128(_mm_and_si128(must23, _mm_set1_epi8((char)0x80)), sc);
}

/* Nonzero when the block ends inside a sequence (a lead byte among its last three). */
__attribute__((target("ssse3"))) static inline __m128i u8v_incomplete(__m128i in)
{
	return _mm_subs_epu8(in, _mm_load_si128((const __m128i *)u8v_max));
}

__attribute__((target("ssse3"))) static bool utf8_valid_ssse3(const char *s, size_t len)
{
	__m128i err = _mm_setzero_si128(), prev = _mm_setzero_si128(),
	        incomplete = _mm_setzero_si128();
	size_t i = 0;
	for (;; i += 16) {
		if (i >= len)
			break;
		__m128i in = dgp_load16(s + i, len - i);
		if (_mm_movemask_epi8(in) == 0) {
			err = _mm_or_si128(err, incomplete);
		} else {
			err = _mm_or_si128(err, u8v_block(in, prev));
			incomplete = u8v_incomplete(in);
		}
		prev = in;
	}
	err = _mm_or_si128(err, incomplete);
	return _mm_movemask_epi8(_mm_cmpeq_epi8(err, _mm_setzero_si128())) == 0xFFFF;
}

bool dgp_utf8_valid(const char *s, size_t len)
{
	if (__builtin_cpu_supports("ssse3"))
		return utf8_valid_ssse3(s, len);
	return dgp_utf8_valid_dfa(s, len);
}
#else
bool dgp_utf8_valid(const char *s, size_t len)
{
	return dgp_utf8_valid_dfa(s, len);
}
#endif

int dgp_utf8_check_fold(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		i += dgp_utf8_ascii_run(s + i, len - i);
		if (i >= len)
			break;
		uint32_t cp;
		int n = dgp_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n < 0)
			return DGP_UTF8_INVALID;
		if (dgp_utf8_fold_cp(cp) != cp || dgp_utf8_is_space(cp) || dgp_utf8_is_format(cp))
			return 1;
		i += (size_t)n;
	}
	return 0;
}

size_t dgp_utf8_count(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

ptrdiff_t dgp_utf8_fold_width(const char *in, size_t len, char *out, size_t out_cap, bool *folded,
                              bool *dropped)
{
	size_t i = 0, o = 0;
	bool any = false, drop = false;
	while (i < len) {
		/* ASCII: whole words, loaded before stored so in-place works. */
		while (i + 8 <= len && o + 8 <= out_cap) {
			uint64_t w;
			memcpy(&w, in + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			memcpy(out + o, &w, 8);
			i += 8;
			o += 8;
		}
		while (i < len && !((unsigned char)in[i] & 0x80)) {
			if (o >= out_cap)
				return DGP_UTF8_NOSPACE;
			out[o++] = in[i++];
		}
		if (i >= len)
			break;
		uint32_t cp;
		int n = dgp_utf8_decode((const unsigned char *)in + i, len - i, &cp);
		if (n < 0)
			return DGP_UTF8_INVALID;
		uint32_t f = dgp_utf8_is_space(cp) ? 0x20u : dgp_utf8_fold_cp(cp);
		if (dgp_utf8_is_format(cp)) {
			drop = true;
		} else if (f != cp) {
			if (o >= out_cap)
				return DGP_UTF8_NOSPACE;
			out[o++] = (char)f;
			any |= f != 0x20u || cp == 0x3000u;
		} else {
			if (o + (size_t)n > out_cap)
				return DGP_UTF8_NOSPACE;
			/* forward, byte by byte: n ≤ 4, and o ≤ i keeps in-place safe */
			for (int b = 0; b < n; b++)
				out[o + (size_t)b] = in[i + (size_t)b];
			o += (size_t)n;
		}
		i += (size_t)n;
	}
	if (folded)
		*folded = any;
	if (dropped)
		*dropped = drop;
	return (ptrdiff_t)o;
}
