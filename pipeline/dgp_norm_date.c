/*
 * dgp_norm_date.c — the date and datetime rules (STANDARDS.md §8 + ISO 8601).
 *
 *   in ─dgp_norm_prep (fold full-width, trim)─▶ parse_date ─▶ [parse_time] ─▶ calendar
 *      check ─▶ today / min_date ─▶ out "YYYY-MM-DD" | "YYYY-MM-DD HH:MM:SS[.f][±hh:mm]"
 *
 * Accepted dates (after full-width folding and trimming):
 *   YYYY年M月D日   (日 or 号 optional; spaces allowed around 年/月/日)
 *   YYYY-M-D, YYYY/M/D, YYYY.M.D   (one or two digits for M and D, one separator kind)
 *   YYYYMMDD
 * Accepted times, after the date and 'T' or spaces (or nothing after 日):
 *   HH:MM[:SS[.fffffffff]][Z | ±hh:mm | ±hhmm | ±hh]   (ISO 8601 extended)
 *   H时M分[S秒]   (点 accepted for 时)
 *
 * Rejects: an impossible date (2023-02-29, month 13, day 0, hour 24) or a
 * partial one (2024年1月, 2024-01, 2024, 202401; for datetime also a date
 * without a time) → date; after ctx->today → future_date; before
 * rule->min_date → date_range; anything else → format.
 *
 * date: a valid time part after the date is accepted and dropped (database
 * exports write dates as "1990-03-07 00:00:00").
 *
 * datetime output: the wall-clock time as written, never converted to UTC:
 * "YYYY-MM-DD HH:MM:SS", plus ".fff…" when the input had a fraction (kept
 * digit for digit, not rounded), plus "±hh:mm" when — and only when — the
 * input gave an offset ('Z' is written "+00:00").  A value without an
 * offset stays a local time: inventing one would be guessing.  Both forms
 * are accepted by PostgreSQL's timestamp/timestamptz input.  The future
 * check compares the date part, in the value's own offset, with ctx->today.
 */
#include "dgp_norm.h"
#include "dgp_norm_prep.h"

#define DATE_BUF 96 /* the longest datetime with full-width digits fits; longer is format */

typedef struct dt {
	int y, m, d;
	int hh, mi, ss;
	bool has_time, has_off;
	int frac_len;
	const char *frac;
	char off_sign;
	int off_h, off_m;
} dt_t;

static inline bool is_digit(char c)
{
	return (unsigned)(c - '0') < 10u;
}

/* Reads a run of digits at s[*i]: returns its length (any) and, when ≤ 9, its value. */
static inline size_t digits(const char *s, size_t n, size_t *i, int *val)
{
	size_t k = *i;
	int v = 0;
	while (k < n && is_digit(s[k])) {
		if (k - *i < 9)
			v = v * 10 + (s[k] - '0');
		k++;
	}
	size_t len = k - *i;
	*i = k;
	*val = v;
	return len;
}

static inline void skip_spaces(const char *s, size_t n, size_t *i)
{
	while (*i < n && s[*i] == ' ')
		(*i)++;
}

static inline bool lit(const char *s, size_t n, size_t *i, const char *w, size_t wl)
{
	if (n - *i < wl || memcmp(s + *i, w, wl) != 0)
		return false;
	*i += wl;
	return true;
}
#define LIT(w) lit(s, n, i, (w), sizeof(w) - 1)

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool calendar_ok(int y, int m, int d)
{
	static const unsigned char dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= dim[m] + (m == 2 && leap(y));
}

/* The date part at s[*i]: format, date (partial) or ok; calendar not yet checked. */
static dgp_reason_t parse_date(const char *s, size_t n, size_t *i, dt_t *t)
{
	int v;
	size_t k = digits(s, n, i, &v);
	if (k == 8) {
		t->y = v / 10000;
		t->m = v / 100 % 100;
		t->d = v % 100;
		return DGP_REASON_OK;
	}
	if (k == 6 && *i == n)
		return DGP_REASON_DATE; /* YYYYMM */
	if (k != 4)
		return DGP_REASON_FORMAT;
	t->y = v;
	if (*i == n)
		return DGP_REASON_DATE; /* a year alone */
	char sep = s[*i];
	if (sep == '-' || sep == '/' || sep == '.') {
		(*i)++;
		k = digits(s, n, i, &t->m);
		if (k == 0 && *i == n)
			return DGP_REASON_DATE;
		if (k < 1 || k > 2)
			return DGP_REASON_FORMAT;
		if (*i == n || (s[*i] == sep && *i + 1 == n))
			return DGP_REASON_DATE; /* 2024-01, 2024-01- */
		if (s[*i] != sep)
			return DGP_REASON_FORMAT;
		(*i)++;
		k = digits(s, n, i, &t->d);
		if (k < 1 || k > 2)
			return DGP_REASON_FORMAT;
		return DGP_REASON_OK;
	}
	skip_spaces(s, n, i);
	if (!LIT("年"))
		return DGP_REASON_FORMAT;
	skip_spaces(s, n, i);
	if (*i == n)
		return DGP_REASON_DATE; /* 2024年 */
	k = digits(s, n, i, &t->m);
	if (k < 1 || k > 2)
		return DGP_REASON_FORMAT;
	skip_spaces(s, n, i);
	if (!LIT("月"))
		return *i == n ? DGP_REASON_DATE : DGP_REASON_FORMAT;
	skip_spaces(s, n, i);
	if (*i == n)
		return DGP_REASON_DATE; /* 2024年1月 */
	k = digits(s, n, i, &t->d);
	if (k < 1 || k > 2)
		return DGP_REASON_FORMAT;
	size_t before = *i;
	skip_spaces(s, n, i);
	if (!LIT("日") && !LIT("号"))
		*i = before;
	return DGP_REASON_OK;
}

/* "±hh:mm", "±hhmm", "±hh" or "Z" at s[*i]. */
static dgp_reason_t parse_offset(const char *s, size_t n, size_t *i, dt_t *t)
{
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		t->has_off = true;
		t->off_sign = '+';
		return DGP_REASON_OK;
	}
	t->off_sign = s[*i];
	(*i)++;
	int v;
	size_t k = digits(s, n, i, &v);
	if (k == 4) {
		t->off_h = v / 100;
		t->off_m = v % 100;
	} else if (k == 2) {
		t->off_h = v;
		if (*i < n && s[*i] == ':') {
			(*i)++;
			if (digits(s, n, i, &t->off_m) != 2)
				return DGP_REASON_FORMAT;
		}
	} else {
		return DGP_REASON_FORMAT;
	}
	if (t->off_h > 14 || t->off_m > 59)
		return DGP_REASON_DATE;
	t->has_off = true;
	return DGP_REASON_OK;
}

/* The time part at s[*i] (after the separator). */
static dgp_reason_t parse_time(const char *s, size_t n, size_t *i, dt_t *t)
{
	size_t k = digits(s, n, i, &t->hh);
	if (k < 1 || k > 2)
		return DGP_REASON_FORMAT;
	t->has_time = true;
	if (*i < n && s[*i] == ':') {
		(*i)++;
		if (digits(s, n, i, &t->mi) != 2)
			return DGP_REASON_FORMAT;
		if (*i < n && s[*i] == ':') {
			(*i)++;
			if (digits(s, n, i, &t->ss) != 2)
				return DGP_REASON_FORMAT;
			if (*i < n && (s[*i] == '.' || s[*i] == ',')) {
				(*i)++;
				size_t start = *i;
				int ignored;
				k = digits(s, n, i, &ignored);
				if (k < 1 || k > 9)
					return DGP_REASON_FORMAT;
				t->frac = s + start;
				t->frac_len = (int)k;
			}
		}
		skip_spaces(s, n, i);
		if (*i < n && (s[*i] == 'Z' || s[*i] == 'z' || s[*i] == '+' || s[*i] == '-')) {
			dgp_reason_t r = parse_offset(s, n, i, t);
			if (r != DGP_REASON_OK)
				return r;
		}
		return DGP_REASON_OK;
	}
	skip_spaces(s, n, i);
	if (!LIT("时") && !LIT("点"))
		return *i == n ? DGP_REASON_DATE : DGP_REASON_FORMAT;
	skip_spaces(s, n, i);
	if (*i == n)
		return DGP_REASON_DATE; /* 10时 */
	k = digits(s, n, i, &t->mi);
	if (k < 1 || k > 2)
		return DGP_REASON_FORMAT;
	skip_spaces(s, n, i);
	if (!LIT("分"))
		return DGP_REASON_FORMAT;
	skip_spaces(s, n, i);
	if (*i == n)
		return DGP_REASON_OK;
	k = digits(s, n, i, &t->ss);
	if (k < 1 || k > 2)
		return DGP_REASON_FORMAT;
	skip_spaces(s, n, i);
	if (!LIT("秒"))
		return DGP_REASON_FORMAT;
	return DGP_REASON_OK;
}

/* Parses and checks a whole value; want_time: the datetime rule. */
static dgp_reason_t parse_value(const char *s, size_t n, dt_t *t, bool want_time)
{
	size_t i = 0;
	dgp_reason_t r = parse_date(s, n, &i, t);
	if (r != DGP_REASON_OK)
		return r;
	if (i < n) {
		size_t before = i;
		if (s[i] == 'T' || s[i] == 't')
			i++;
		else
			skip_spaces(s, n, &i);
		/* Only a Chinese date may run straight into its time (…5日10时30分). */
		if (i == before && !(before >= 3 && ((unsigned char)s[before - 1] & 0x80)))
			return DGP_REASON_FORMAT;
		r = parse_time(s, n, &i, t);
		if (r != DGP_REASON_OK)
			return r;
		if (i != n)
			return DGP_REASON_FORMAT;
	}
	if (!calendar_ok(t->y, t->m, t->d))
		return DGP_REASON_DATE;
	if (t->has_time && (t->hh > 23 || t->mi > 59 || t->ss > 59))
		return DGP_REASON_DATE;
	if (want_time && !t->has_time)
		return DGP_REASON_DATE; /* a date alone is a partial datetime */
	return DGP_REASON_OK;
}

static const char two_digits[201] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";

static inline void put2(char *p, int v)
{
	memcpy(p, two_digits + 2 * v, 2);
}

static inline void put_date(char *p, const dt_t *t)
{
	put2(p, t->y / 100);
	put2(p + 2, t->y % 100);
	p[4] = '-';
	put2(p + 5, t->m);
	p[7] = '-';
	put2(p + 8, t->d);
}

/* true when the 8 bytes at p are all ASCII digits (SWAR: no per-byte branches) */
static inline bool all_digits8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return (w & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull &&
	       ((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull;
}

static inline int d2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/*
 * The two shapes most dates arrive in, YYYY-MM-DD and YYYYMMDD, parsed
 * without the general machinery (the hot loop sees hundreds of millions).
 */
static inline bool fast_date(const char *in, size_t len, dt_t *t)
{
	char d[8];
	if (len == 10 && in[4] == '-' && in[7] == '-') {
		memcpy(d, in, 4);
		memcpy(d + 4, in + 5, 2);
		memcpy(d + 6, in + 8, 2);
	} else if (len == 8) {
		memcpy(d, in, 8);
	} else {
		return false;
	}
	if (!all_digits8(d))
		return false;
	t->y = d2(d) * 100 + d2(d + 2);
	t->m = d2(d + 4);
	t->d = d2(d + 6);
	return true;
}

static dgp_reason_t run(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
			size_t len, char *out, size_t out_cap, dgp_norm_result_t *res,
			bool want_time)
{
	uint32_t flags = 0;
	dt_t t = {0};
	char buf[DATE_BUF]; /* folded input: t.frac may point into it until the output is written */
	if (want_time || !fast_date(in, len, &t)) {
		const char *s;
		size_t n;
		dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
		if (r != DGP_REASON_OK)
			return dgp_norm_reject(res, r);
		r = parse_value(s, n, &t, want_time);
		if (r != DGP_REASON_OK)
			return dgp_norm_reject(res, r);
	} else if (!calendar_ok(t.y, t.m, t.d)) {
		return dgp_norm_reject(res, DGP_REASON_DATE);
	}
	int32_t ymd = t.y * 10000 + t.m * 100 + t.d;
	if (ctx && ctx->today > 0 && ymd > ctx->today)
		return dgp_norm_reject(res, DGP_REASON_FUTURE_DATE);
	if (rule && rule->min_date > 0 && ymd < rule->min_date)
		return dgp_norm_reject(res, DGP_REASON_DATE_RANGE);

	size_t need = 10;
	if (want_time)
		need += 9 + (t.frac_len ? 1 + (size_t)t.frac_len : 0) + (t.has_off ? 6 : 0);
	if (out_cap < need)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	put_date(out, &t);
	if (want_time) {
		char *p = out + 10;
		p[0] = ' ';
		put2(p + 1, t.hh);
		p[3] = ':';
		put2(p + 4, t.mi);
		p[6] = ':';
		put2(p + 7, t.ss);
		p += 9;
		if (t.frac_len) {
			*p++ = '.';
			memcpy(p, t.frac, (size_t)t.frac_len);
			p += t.frac_len;
		}
		if (t.has_off) {
			p[0] = t.off_sign;
			put2(p + 1, t.off_h);
			p[3] = ':';
			put2(p + 4, t.off_m);
		}
	}
	*res = (dgp_norm_result_t){.len = need, .flags = flags};
	return DGP_REASON_OK;
}

dgp_reason_t dgp_norm_date(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
			   const char *in, size_t len, char *out, size_t out_cap,
			   dgp_norm_result_t *res)
{
	return run(rule, ctx, in, len, out, out_cap, res, false);
}

dgp_reason_t dgp_norm_datetime(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
			       const char *in, size_t len, char *out, size_t out_cap,
			       dgp_norm_result_t *res)
{
	return run(rule, ctx, in, len, out, out_cap, res, true);
}
