/*
 * dgp_norm_phone.c — the mobile and phone rules (STANDARDS.md §8).
 *
 *   in ─dgp_norm_prep─▶ tokenize: digits + group boundaries + extension
 *      ─▶ strip +86 / 0086 / 86 ─▶ mobile?  ─▶ "13800138000"
 *                                 landline? ─▶ "027-88930057" (+ aux "1234" extension)
 *
 * Separators: spaces, '-', '(' and ')' anywhere; '+' only before the first
 * digit, and then the country code must be 86 (foreign numbers: format).
 * A leading 86 or 0086 is removed when present: no Chinese number starts
 * with 86 (mobiles start with 1, landlines with 0, service numbers with
 * 400/800), so this cannot eat a real digit.
 *
 * mobile: after stripping, exactly ^1[3-9]\d{9}$.  (A syntactic check only:
 * MIIT segment allocations and 13-digit IoT numbers are not checked.)
 *
 * phone: a mobile as above, or a landline (flag landline):
 *   trunk 0 + area code + local number starting 2–9.  Area codes and the
 *   lengths of their local numbers come from libphonenumber's metadata
 *   (pipeline/data/cn_area_codes.tsv, scripts/gen-phone-table.py): 010 and
 *   020–029 take 8 digits, most 0xxx areas 7, some (0755, 0571, 0871, …)
 *   only 8.  The area code length follows the plan, not the punctuation:
 *   010 and 02x are 3 digits with the 0, every other area code 4, so
 *   02788930057 and (027)88930057 both give 027-88930057.  An area code
 *   the plan does not have is format.
 *   After +86/0086/86 the trunk 0 is dropped (+86 27 8893 0057, +86 10 …):
 *   it is put back unless the number is a mobile or a 400/800 service
 *   number, which have no trunk 0.
 *   An extension — after 转, 分机, ext, x, # or a last '-'/space group —
 *   of 1–6 digits goes to aux; the value itself stays the dialable number.
 *   400/800 service numbers (10 digits) give "400-820-8820", flag landline,
 *   written with or without +86.
 *   A local number without its area code is rejected (format): the area
 *   cannot be guessed.
 */
#include "dgp_norm.h"
#include "dgp_norm_prep.h"

#define PHONE_BUF  128 /* longer non-ASCII input is no phone number */
#define MAX_DIGITS 20
#define MAX_EXT    6
#define MAX_GROUPS 8

/* bit 0: 7-digit local numbers, bit 1: 8-digit; by area code without the 0 (gen-phone-c.py) */
extern const uint8_t dgp_phone_area[1000];

typedef struct tok {
	char d[MAX_DIGITS + 1]; /* one spare for a restored trunk 0 */
	int nd;
	int bound[MAX_GROUPS]; /* digit counts where a separator ended a group */
	int nb;
	char ext[MAX_EXT];
	int next;
	bool plus, ext_marker;
} tok_t;

static inline bool is_digit(char c)
{
	return (unsigned)(c - '0') < 10u;
}

static void add_bound(tok_t *t)
{
	if (t->nd > 0 && !t->ext_marker && (t->nb == 0 || t->bound[t->nb - 1] != t->nd) &&
	    t->nb < MAX_GROUPS)
		t->bound[t->nb++] = t->nd;
}

/* Extension markers, longest first; returns the marker length at s[i] or 0. */
static size_t ext_marker(const char *s, size_t n, size_t i)
{
	if (DGP_PREP_LIT(s, n, i, "分机"))
		return sizeof("分机") - 1;
	if (DGP_PREP_LIT(s, n, i, "转"))
		return sizeof("转") - 1;
	if (n - i >= 3 && (s[i] | 0x20) == 'e' && (s[i + 1] | 0x20) == 'x' &&
	    (s[i + 2] | 0x20) == 't')
		return n - i >= 4 && s[i + 3] == '.' ? 4 : 3;
	if (s[i] == 'x' || s[i] == 'X' || s[i] == '#')
		return 1;
	return 0;
}

static dgp_reason_t tokenize(const char *s, size_t n, tok_t *t)
{
	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (is_digit(c)) {
			if (t->ext_marker) {
				if (t->next == MAX_EXT)
					return DGP_REASON_FORMAT;
				t->ext[t->next++] = c;
			} else {
				if (t->nd == MAX_DIGITS)
					return DGP_REASON_FORMAT;
				t->d[t->nd++] = c;
			}
			i++;
		} else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '\t') {
			add_bound(t);
			i++;
		} else if (c == '+' && t->nd == 0 && !t->plus) {
			t->plus = true;
			i++;
		} else {
			size_t m = t->nd > 0 && !t->ext_marker ? ext_marker(s, n, i) : 0;
			if (!m)
				return DGP_REASON_FORMAT;
			add_bound(t);
			t->ext_marker = true;
			i += m;
		}
	}
	if (t->nd == 0 || (t->ext_marker && t->next == 0))
		return DGP_REASON_FORMAT;
	return DGP_REASON_OK;
}

/* Removes the first k digits (and the group boundaries inside them). */
static void drop_digits(tok_t *t, int k)
{
	memmove(t->d, t->d + k, (size_t)(t->nd - k));
	t->nd -= k;
	int w = 0;
	for (int b = 0; b < t->nb; b++)
		if (t->bound[b] - k > 0)
			t->bound[w++] = t->bound[b] - k;
	t->nb = w;
}

/* Strips +86 / 0086 / 86; returns false for another country code. */
static bool strip_country(tok_t *t)
{
	bool cc = false;
	if (t->nd >= 4 && memcmp(t->d, "0086", 4) == 0) {
		drop_digits(t, 4);
		cc = true;
	} else if (t->nd >= 2 && t->d[0] == '8' && t->d[1] == '6') {
		drop_digits(t, 2);
		cc = true;
	} else if (t->plus) {
		return false;
	}
	bool mobile = t->nd == 11 && t->d[0] == '1' && t->d[1] >= '3';
	bool service =
	    t->nd == 10 && (t->d[0] == '4' || t->d[0] == '8') && t->d[1] == '0' && t->d[2] == '0';
	if (cc && t->nd > 0 && t->d[0] != '0' && !mobile && !service) {
		/* +86 27 8893 0057, +86 10 …: the trunk 0 is dropped after a country code */
		memmove(t->d + 1, t->d, (size_t)t->nd);
		t->d[0] = '0';
		t->nd++;
		for (int b = 0; b < t->nb; b++)
			t->bound[b]++;
	}
	return true;
}

static inline bool is_mobile(const tok_t *t)
{
	return t->nd == 11 && t->d[0] == '1' && t->d[1] >= '3' && t->next == 0 && !t->ext_marker;
}

static dgp_reason_t emit(char *out, size_t out_cap, dgp_norm_result_t *res, uint32_t flags,
                         const char *a, size_t an, const char *b, size_t bn, const char *c,
                         size_t cn, const char *aux, size_t auxn)
{
	size_t len = an + (bn ? 1 + bn : 0) + (cn ? 1 + cn : 0);
	if (len + auxn > out_cap)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	char *p = out;
	memcpy(p, a, an);
	p += an;
	if (bn) {
		*p++ = '-';
		memcpy(p, b, bn);
		p += bn;
	}
	if (cn) {
		*p++ = '-';
		memcpy(p, c, cn);
		p += cn;
	}
	if (auxn)
		memcpy(p, aux, auxn);
	*res = (dgp_norm_result_t){.len = len, .flags = flags};
	if (auxn) {
		res->aux_off = len;
		res->aux_len = auxn;
	}
	return DGP_REASON_OK;
}

/* 11 plain digits 1[3-9]…: most values, checked without tokenizing */
static inline bool fast_mobile(const char *in, size_t len)
{
	if (len != 11 || in[0] != '1' || in[1] < '3' || in[1] > '9')
		return false;
	uint64_t w;
	memcpy(&w, in + 2, 8);
	return (w & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull &&
	       ((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull &&
	       is_digit(in[10]);
}

static dgp_reason_t run(const char *in, size_t len, char *out, size_t out_cap,
                        dgp_norm_result_t *res, bool landline_ok)
{
	if (fast_mobile(in, len))
		return emit(out, out_cap, res, 0, in, 11, NULL, 0, NULL, 0, NULL, 0);
	char buf[PHONE_BUF];
	const char *s;
	size_t n;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	tok_t t;
	t.nd = t.nb = t.next = 0;
	t.plus = t.ext_marker = false;
	r = tokenize(s, n, &t);
	if (r != DGP_REASON_OK || !strip_country(&t))
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	if (is_mobile(&t))
		return emit(out, out_cap, res, flags, t.d, 11, NULL, 0, NULL, 0, NULL, 0);
	if (!landline_ok)
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	flags |= DGP_NF_LANDLINE;

	if (t.nd == 10 && !t.ext_marker && t.d[1] == '0' && t.d[2] == '0' &&
	    (t.d[0] == '4' || t.d[0] == '8'))
		return emit(out, out_cap, res, flags, t.d, 3, t.d + 3, 3, t.d + 6, 4, NULL, 0);
	if (t.d[0] != '0' || t.nd < 10)
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	/* 010, 02x: two digits after the 0; 03xx–09xx: three (the plan's rule) */
	int area = t.d[1] == '1' || t.d[1] == '2' ? 3 : 4;
	unsigned code = (unsigned)(t.d[1] - '0') * 10 + (unsigned)(t.d[2] - '0');
	if (area == 4)
		code = code * 10 + (unsigned)(t.d[3] - '0');
	unsigned lens = dgp_phone_area[code];
	if (!lens)
		return dgp_norm_reject(res, DGP_REASON_FORMAT); /* no such area code */
	int min_local = lens & 1 ? 7 : 8, max_local = lens & 2 ? 8 : 7;
	int local = t.nd - area;
	const char *ext = t.ext;
	int next = t.next;
	if (!t.ext_marker && local > max_local) {
		/* 027-88930057-1234: the extension is the group after a full number */
		int b = 0;
		while (b < t.nb && t.bound[b] - area < min_local)
			b++;
		if (b == t.nb || t.bound[b] - area > max_local || t.nd - t.bound[b] > MAX_EXT)
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
		local = t.bound[b] - area;
		ext = t.d + t.bound[b];
		next = t.nd - t.bound[b];
	}
	if (local < 7 || local > 8 || !(lens >> (local - 7) & 1) || t.d[area] < '2')
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	return emit(out, out_cap, res, flags, t.d, (size_t)area, t.d + area, (size_t)local, NULL, 0,
	            ext, (size_t)next);
}

dgp_reason_t dgp_norm_mobile(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                             size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	(void)rule;
	(void)ctx;
	return run(in, len, out, out_cap, res, false);
}

dgp_reason_t dgp_norm_phone(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                            size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	(void)rule;
	(void)ctx;
	return run(in, len, out, out_cap, res, true);
}
