/*
 * dgp_utf8.h — strict UTF-8 decoding, validation and full-width folding.
 *
 * Every normaliser starts here: the hot loop sees hundreds of millions of
 * values, nearly all of them pure ASCII, so the ASCII case is handled 8
 * bytes at a time without decoding, and only non-ASCII bytes go through
 * dgp_utf8_decode().
 *
 * "Strict" means RFC 3629: overlong forms (C0 80, E0 80 80, …), UTF-16
 * surrogates (U+D800–U+DFFF, ED A0 80 …) and code points above U+10FFFF
 * (F4 90 80 80, F5–FF lead bytes) are invalid, as are truncated sequences
 * and stray continuation bytes.  U+0000 is valid UTF-8; rules that refuse
 * NUL bytes check for them themselves.
 *
 * Width folding is deliberately NOT NFKC (STANDARDS.md §8): only the 94
 * full-width ASCII forms U+FF01–U+FF5E (→ U+0021–U+007E, minus 0xFEE0) and
 * the ideographic space U+3000 (→ U+0020) change; ①, ㈱, Ⅻ, ², ｶ and the
 * Chinese punctuation 。、“”— stay as they are.  The fold used for short
 * values (identifiers, codes, phones, dates) also turns every other Unicode
 * White_Space character into U+0020, so that trimming sees it, and drops
 * the invisible format characters (STANDARDS.md §9).
 */
#ifndef DGP_UTF8_H
#define DGP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DGP_UTF8_INVALID (-1) /* invalid or truncated UTF-8 */
#define DGP_UTF8_NOSPACE (-2) /* output buffer too small */

/*
 * dgp_utf8_decode — decode the code point at s[0] (len > 0 bytes
 * available; never reads s[len] or beyond).  Returns the bytes consumed
 * (1–4) and sets *cp, or DGP_UTF8_INVALID (*cp untouched) for an invalid,
 * overlong, surrogate, out-of-range or truncated sequence.
 */
static inline int dgp_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned b0 = s[0];
	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	}
	if (b0 < 0xC2) /* continuation byte, or C0/C1 (always overlong) */
		return DGP_UTF8_INVALID;
	if (b0 < 0xE0) {
		if (len < 2 || (s[1] & 0xC0) != 0x80)
			return DGP_UTF8_INVALID;
		*cp = ((b0 & 0x1Fu) << 6) | (s[1] & 0x3Fu);
		return 2;
	}
	if (b0 < 0xF0) {
		if (len < 3)
			return DGP_UTF8_INVALID;
		unsigned b1 = s[1];
		/* E0: A0–BF (no overlongs); ED: 80–9F (no surrogates); else 80–BF */
		unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
		if (b1 < lo || b1 > hi || (s[2] & 0xC0) != 0x80)
			return DGP_UTF8_INVALID;
		*cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (s[2] & 0x3Fu);
		return 3;
	}
	if (b0 < 0xF5) {
		if (len < 4)
			return DGP_UTF8_INVALID;
		unsigned b1 = s[1];
		/* F0: 90–BF (no overlongs); F4: 80–8F (≤ U+10FFFF); else 80–BF */
		unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
		if (b1 < lo || b1 > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return DGP_UTF8_INVALID;
		*cp = ((b0 & 0x07u) << 18) | ((b1 & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
		      (s[3] & 0x3Fu);
		return 4;
	}
	return DGP_UTF8_INVALID;
}

/*
 * dgp_utf8_encode — write cp (≤ U+10FFFF, not a surrogate) as UTF-8 into
 * out, which must have room for 4 bytes.  Returns the bytes written (1–4).
 */
static inline int dgp_utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * dgp_utf8_fold_cp — the width fold of one code point: U+FF01–U+FF5E →
 * U+0021–U+007E, U+3000 → U+0020, anything else unchanged.
 */
static inline uint32_t dgp_utf8_fold_cp(uint32_t cp)
{
	if (cp - 0xFF01u <= 0xFF5Eu - 0xFF01u)
		return cp - 0xFEE0u;
	if (cp == 0x3000u)
		return 0x20u;
	return cp;
}

/*
 * dgp_utf8_is_space — whether cp is a non-ASCII Unicode White_Space
 * character other than U+3000: U+0085, U+00A0, U+1680, U+2000–U+200A,
 * U+2028, U+2029, U+202F, U+205F.
 */
static inline bool dgp_utf8_is_space(uint32_t cp)
{
	return cp == 0xA0 || cp == 0x85 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F;
}

/*
 * dgp_utf8_is_format — whether cp is one of the invisible format
 * characters that only split keys: U+00AD SOFT HYPHEN, U+200B–U+200D (zero
 * width space, non-joiner, joiner), U+2060 WORD JOINER, U+FEFF (BOM).
 */
static inline bool dgp_utf8_is_format(uint32_t cp)
{
	return cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF;
}

/*
 * dgp_utf8_ascii_run — the number of leading bytes of s[0..len) that are
 * ASCII (< 0x80); len when all are.  Checks 8 bytes per step.
 */
static inline size_t dgp_utf8_ascii_run(const char *s, size_t len)
{
	size_t i = 0;
	while (i + 8 <= len) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
		i += 8;
	}
	while (i < len && !((unsigned char)s[i] & 0x80))
		i++;
	return i;
}

/*
 * dgp_utf8_valid — true when s[0..len) is entirely valid UTF-8 (len 0 is
 * valid; NUL bytes are valid UTF-8 and accepted here).
 */
bool dgp_utf8_valid(const char *s, size_t len);

/*
 * dgp_utf8_valid_dfa — dgp_utf8_valid without SIMD: what it runs on a CPU
 * without SSSE3 (and elsewhere than x86-64); the same verdict on every input.
 */
bool dgp_utf8_valid_dfa(const char *s, size_t len);

/*
 * dgp_utf8_check_fold — 1 when s[0..len) holds a character that
 * dgp_utf8_fold_width would change, a width, space or format character
 * (the rest is then not validated here: fold_width does it), 0 when it is
 * valid UTF-8 with nothing to fold, or
 * DGP_UTF8_INVALID.  Lets a caller use its input in place instead of
 * copying it.
 */
int dgp_utf8_check_fold(const char *s, size_t len);

/*
 * dgp_utf8_count — the number of code points in valid UTF-8 s[0..len)
 * (counts non-continuation bytes; the input is not re-validated).
 */
size_t dgp_utf8_count(const char *s, size_t len);

/*
 * dgp_utf8_fold_width — copy in[0..len) to out, folding full-width ASCII
 * (U+FF01–U+FF5E) and U+3000 to their ASCII forms (see top of file),
 * turning the other Unicode spaces (dgp_utf8_is_space) into U+0020,
 * dropping the format characters (dgp_utf8_is_format), and validating the
 * UTF-8 on the way.  The output is never longer than the input, so out_cap
 * >= len always suffices; out may equal in (in-place folding) but must not
 * otherwise overlap it.  *folded (may be NULL) is set to whether a
 * full-width character or U+3000 was folded, *dropped (may be NULL) to
 * whether a format character was dropped.  Returns the bytes written, or
 * DGP_UTF8_INVALID for invalid UTF-8, or DGP_UTF8_NOSPACE when out_cap is
 * too small; out's contents are unspecified after an error.
 */
ptrdiff_t dgp_utf8_fold_width(const char *in, size_t len, char *out, size_t out_cap, bool *folded,
                              bool *dropped);

#endif /* DGP_UTF8_H */
