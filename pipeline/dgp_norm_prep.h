/*
 * dgp_norm_prep.h — the first step shared by the short structured rules
 * (date, phone, gender, ethnicity, code_list, numbers): validate, fold
 * full-width characters and Unicode spaces, drop invisible format
 * characters, trim.  Internal to pipeline/; not part of the
 * normaliser contract (dgp_norm.h).
 *
 *   in ──ASCII, or valid UTF-8 with nothing to fold──────────▶ trim ──▶ (*s, *n)
 *        └─full-width, Unicode space or format character inside──
 *                              fold into caller's stack buf ─┘
 *
 * Only values with something to fold are copied.
 */
#ifndef DGP_NORM_PREP_H
#define DGP_NORM_PREP_H

#include "dgp_norm.h"
#include "dgp_utf8.h"

static inline bool dgp_prep_is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * dgp_norm_prep — point (*s, *n) at in[0..len) with full-width ASCII and
 * U+3000 folded, the other Unicode White_Space characters turned into
 * spaces and the format characters U+00AD, U+200B–U+200D, U+2060, U+FEFF
 * dropped (into buf, cap bytes, only when needed; dgp_utf8_fold_width),
 * and whitespace trimmed from both ends.  Sets DGP_NF_WIDTH_FOLDED in
 * *flags when something was folded, DGP_NF_CONTROL_REMOVED when a format
 * character was dropped.  Returns DGP_REASON_OK, CHARSET (invalid
 * UTF-8 or a NUL byte), FORMAT (longer than cap: no short value is) or
 * EMPTY (nothing left after trimming).
 */
static inline dgp_reason_t dgp_norm_prep(const char *in, size_t len, char *buf, size_t cap,
                                         const char **s, size_t *n, uint32_t *flags)
{
	const char *p = in;
	size_t l = len;
	if (memchr(in, '\0', len))
		return DGP_REASON_CHARSET;
	int need = dgp_utf8_ascii_run(in, len) == len ? 0 : dgp_utf8_check_fold(in, len);
	if (need == DGP_UTF8_INVALID)
		return DGP_REASON_CHARSET;
	if (need) {
		bool folded = false, dropped = false;
		ptrdiff_t r = dgp_utf8_fold_width(in, len, buf, cap, &folded, &dropped);
		if (r == DGP_UTF8_INVALID)
			return DGP_REASON_CHARSET;
		if (r < 0) /* too long for any short value; still tell bad bytes apart */
			return dgp_utf8_valid(in, len) ? DGP_REASON_FORMAT : DGP_REASON_CHARSET;
		if (folded)
			*flags |= DGP_NF_WIDTH_FOLDED;
		if (dropped)
			*flags |= DGP_NF_CONTROL_REMOVED;
		p = buf;
		l = (size_t)r;
	}
	while (l && dgp_prep_is_space((unsigned char)p[l - 1]))
		l--;
	while (l && dgp_prep_is_space((unsigned char)*p)) {
		p++;
		l--;
	}
	if (!l)
		return DGP_REASON_EMPTY;
	*s = p;
	*n = l;
	return DGP_REASON_OK;
}

/* dgp_prep_lit — true when s[i..n) starts with the NUL-terminated literal lit (a UTF-8 word). */
static inline bool dgp_prep_lit(const char *s, size_t n, size_t i, const char *lit, size_t lit_len)
{
	return n - i >= lit_len && memcmp(s + i, lit, lit_len) == 0;
}
#define DGP_PREP_LIT(s, n, i, lit) dgp_prep_lit((s), (n), (i), (lit), sizeof(lit) - 1)

#endif /* DGP_NORM_PREP_H */
