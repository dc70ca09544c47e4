/*
 * dgp_norm_ascii.h — the common front of the identifier rules (idcard,
 * uscc, orgcode, region): refuse NUL bytes, fold full-width forms to ASCII
 * and every Unicode White_Space character to a space, drop the invisible
 * format characters (dgp_utf8_fold_width), trim.  Private to pipeline/.
 *
 *   in ──NUL?──▶ charset
 *      ──all ASCII──▶ (no copy) ──trim──▶ *out, n
 *      ──else fold into buf (invalid UTF-8 → charset)──▶ trim ──▶ *out, n
 */
#ifndef DGP_NORM_ASCII_H
#define DGP_NORM_ASCII_H

#include <string.h>

#include "dgp_norm.h"
#include "dgp_utf8.h"

#define DGP_NORM_ASCII_BUF 128 /* longer non-ASCII input cannot be an identifier */

static inline int dgp_norm_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/*
 * dgp_norm_ascii_prepare — set *out and *n to the trimmed, width-folded value
 * (pointing into in, or into buf of DGP_NORM_ASCII_BUF bytes) and return
 * DGP_REASON_OK; or return charset (NUL byte, invalid UTF-8) or format
 * (non-ASCII input longer than the buffer).  Adds DGP_NF_WIDTH_FOLDED to
 * *flags when something was folded, DGP_NF_CONTROL_REMOVED when a format
 * character (U+200B …) was dropped.
 */
static inline dgp_reason_t dgp_norm_ascii_prepare(const char *in, size_t len,
                                                  char buf[DGP_NORM_ASCII_BUF], const char **out,
                                                  size_t *n, uint32_t *flags)
{
	const char *s = in;
	/*
	 * One pass, 8 bytes at a time, for both questions: any byte >= 0x80
	 * (not ASCII), any byte == 0 (NUL)?  The zero test is the classic
	 * (w − 0x01…) & ~w & 0x80…, exact for the lowest zero byte, which is
	 * all a yes/no answer needs.
	 */
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t any_high = 0, any_zero = 0;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, in + i, 8);
		any_high |= w;
		any_zero |= (w - ones) & ~w;
	}
	if (i < len && len >= 8) { /* the tail as one overlapping word */
		uint64_t w;
		memcpy(&w, in + len - 8, 8);
		any_high |= w;
		any_zero |= (w - ones) & ~w;
	} else {
		for (; i < len; i++) {
			unsigned char c = (unsigned char)in[i];
			any_high |= c;
			any_zero |= c == 0 ? high : 0;
		}
	}
	if (any_zero & high)
		return DGP_REASON_CHARSET;
	if (any_high & high) {
		bool folded = false, dropped = false;
		if (len > DGP_NORM_ASCII_BUF) {
			/* still tell bad bytes from a merely long value */
			return dgp_utf8_valid(in, len) ? DGP_REASON_FORMAT : DGP_REASON_CHARSET;
		}
		ptrdiff_t m =
		    dgp_utf8_fold_width(in, len, buf, DGP_NORM_ASCII_BUF, &folded, &dropped);
		if (m < 0)
			return DGP_REASON_CHARSET;
		if (folded)
			*flags |= DGP_NF_WIDTH_FOLDED;
		if (dropped)
			*flags |= DGP_NF_CONTROL_REMOVED;
		s = buf;
		len = (size_t)m;
	}
	while (len && dgp_norm_ascii_space(*s))
		s++, len--;
	while (len && dgp_norm_ascii_space(s[len - 1]))
		len--;
	*out = s;
	*n = len;
	return DGP_REASON_OK;
}

#endif /* DGP_NORM_ASCII_H */
