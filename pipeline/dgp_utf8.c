/*
 * dgp_utf8.c — whole-buffer UTF-8 validation, counting and width folding.
 *
 *   in ──ASCII run (8 bytes per step, copied as words)──▶ out
 *      └─non-ASCII: dgp_utf8_decode ─ fold FF01–FF5E, 3000, other spaces;
 *                   drop format characters ─ encode ─▶ out
 *
 * Single code points are decoded inline (dgp_utf8.h) so that the rule
 * functions can run their own loops; this file holds the loops that are the
 * same for everyone.
 */
#include "dgp_utf8.h"

bool dgp_utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		i += dgp_utf8_ascii_run(s + i, len - i);
		if (i >= len)
			break;
		uint32_t cp;
		int n = dgp_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n < 0)
			return false;
		i += (size_t)n;
	}
	return true;
}

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
