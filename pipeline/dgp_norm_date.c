/*
 * dgp_norm_date.c — the date and datetime rules (STANDARDS.md §8, §9 + ISO 8601 / GB/T 7408).
 *
 *   in ─[fast YYYY-MM-DD / YYYYMMDD]─────────────────────────────┐
 *      ─dgp_norm_prep (fold full-width, trim)─▶ [长期 → 9999-12-31] ├─▶ calendar check
 *      ─▶ parse_date ─▶ [parse_time] ─▶ [datetime: shift to the zone]┘
 *      ─▶ max_date / min_date ─▶ system-default flag ─▶ out "YYYY-MM-DD" | "YYYY-MM-DD
 * HH:MM:SS[.f]+hh"
 *
 * Accepted dates (after full-width folding and trimming):
 *   YYYY年M月D日   (日 or 号 optional; spaces allowed around 年/月/日)
 *   YYYY-M-D, YYYY/M/D, YYYY.M.D   (one or two digits for M and D, one separator kind)
 *   YYYYMMDD
 * Accepted times, after the date and 'T' or spaces (or nothing after 日):
 *   HH:MM[:SS[.fffffffff]][Z | ±hh:mm | ±hhmm | ±hh]   (ISO 8601 extended)
 *   after 'T' also hhmm[ss[.fff]] (GB/T 7408 basic: 20240105T083000, 2024-01-05T083000)
 *   H时M分[S秒]   (点 accepted for 时)
 * and YYYYMMDDhhmmss as one run of 14 digits (basic format without the T).
 *
 * Rejects: an impossible date (2023-02-29, month 13, day 0, hour 24) or a
 * partial one (2024年1月, 2024-01, 2024, 202401; for datetime also a date
 * without a time) → date; after the upper bound → future_date when the
 * bound is today (max_date=today, the default), date_range when it is a
 * fixed date (max_date=YYYY-MM-DD); max_date=none has no upper bound;
 * before rule->min_date → date_range; anything else → format.
 *
 * Bounds are compared with the date in the configured zone (ctx): "today"
 * is that zone's date (Asia/Shanghai by default), not UTC's.
 *
 * long_term=yes (validity dates): 长期, 长期有效 and 永久 mean "no end";
 * they are stored as 9999-12-31 with the flag long_term (PostgreSQL's date
 * holds it, and it sorts after every real date), and 9999-12-31 itself gets
 * the same flag.  Without long_term=yes they are format.
 *
 * System-default dates, not facts: 0001-01-01,
 * 1753-01-01 (SQL Server's minimum), 1899-12-30 / 1899-12-31 (spreadsheet
 * day 0), 1900-01-01, 1970-01-01 (Unix epoch), 9999-12-31 (unless
 * long_term) — are accepted with the flag placeholder_date when within the
 * bounds.
 *
 * date: a valid time part after the date is accepted and dropped (database
 * exports write dates as "1990-03-07 00:00:00"); the date is the one written.
 *
 * datetime output is one canonical spelling per instant, exactly what
 * PostgreSQL's timestamptz output gives under a session TimeZone of the
 * configured fixed offset (DateStyle ISO), so two values PostgreSQL holds
 * equal have equal text (dedup keys, ON CONFLICT) and the cache warmed
 * from `key::text` matches:
 *   "YYYY-MM-DD HH:MM:SS" in the configured zone (a value with an offset
 *   is shifted into it, one without is taken as that zone's wall clock),
 *   ".ffffff" with trailing zeros dropped (none when zero; more than six
 *   significant fraction digits → range: PostgreSQL keeps microseconds and
 *   would round), then the zone's offset "+08" (or "+05:30", "-03").
 *   2024-01-01 12:00:00+08:00 and 2024-01-01 04:00:00Z both give
 *   "2024-01-01 12:00:00+08" at UTC+8.  A shift that leaves years 1–9999
 *   → date.
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

/* A fraction ('.' or ',' and 1–9 digits) at s[*i], if any. */
static dgp_reason_t parse_frac(const char *s, size_t n, size_t *i, dt_t *t)
{
	if (*i < n && (s[*i] == '.' || s[*i] == ',')) {
		(*i)++;
		size_t start = *i;
		int ignored;
		size_t k = digits(s, n, i, &ignored);
		if (k < 1 || k > 9)
			return DGP_REASON_FORMAT;
		t->frac = s + start;
		t->frac_len = (int)k;
	}
	return DGP_REASON_OK;
}

/* An optional offset after the time, spaces allowed before it. */
static dgp_reason_t parse_opt_offset(const char *s, size_t n, size_t *i, dt_t *t)
{
	skip_spaces(s, n, i);
	if (*i < n && (s[*i] == 'Z' || s[*i] == 'z' || s[*i] == '+' || s[*i] == '-'))
		return parse_offset(s, n, i, t);
	return DGP_REASON_OK;
}

/* GB/T 7408 basic time: hhmm or hhmmss (v holds the k digits), fraction, offset. */
static dgp_reason_t basic_time(const char *s, size_t n, size_t *i, dt_t *t, size_t k, int v)
{
	t->has_time = true;
	if (k == 4) {
		t->hh = v / 100;
		t->mi = v % 100;
		return parse_opt_offset(s, n, i, t);
	}
	t->hh = v / 10000;
	t->mi = v / 100 % 100;
	t->ss = v % 100;
	dgp_reason_t r = parse_frac(s, n, i, t);
	return r != DGP_REASON_OK ? r : parse_opt_offset(s, n, i, t);
}

/* The time part at s[*i] (after the separator; after_t: the separator was 'T'). */
static dgp_reason_t parse_time(const char *s, size_t n, size_t *i, dt_t *t, bool after_t)
{
	size_t k = digits(s, n, i, &t->hh);
	if (after_t && (k == 4 || k == 6)) {
		int v = t->hh;
		t->hh = 0;
		return basic_time(s, n, i, t, k, v);
	}
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
			dgp_reason_t r = parse_frac(s, n, i, t);
			if (r != DGP_REASON_OK)
				return r;
		}
		return parse_opt_offset(s, n, i, t);
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

/* Length of the run of digits at the start of s. */
static size_t lead_digits(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && is_digit(s[k]))
		k++;
	return k;
}

/* Parses and checks a whole value; want_time: the datetime rule. */
static dgp_reason_t parse_value(const char *s, size_t n, dt_t *t, bool want_time)
{
	size_t i = 0;
	dgp_reason_t r;
	if (lead_digits(s, n) == 14) { /* YYYYMMDDhhmmss */
		size_t d8 = 8;
		r = parse_date(s, d8, &i, t);
		if (r != DGP_REASON_OK)
			return r;
		int v;
		digits(s, n, &i, &v); /* the six time digits */
		r = basic_time(s, n, &i, t, 6, v);
		if (r != DGP_REASON_OK)
			return r;
		if (i != n)
			return DGP_REASON_FORMAT;
	} else {
		r = parse_date(s, n, &i, t);
		if (r != DGP_REASON_OK)
			return r;
	}
	if (i < n) {
		size_t before = i;
		bool after_t = s[i] == 'T' || s[i] == 't';
		if (after_t)
			i++;
		else
			skip_spaces(s, n, &i);
		/* Only a Chinese date may run straight into its time (…5日10时30分). */
		if (i == before && !(before >= 3 && ((unsigned char)s[before - 1] & 0x80)))
			return DGP_REASON_FORMAT;
		r = parse_time(s, n, &i, t, after_t);
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

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Moves t's wall clock from its own offset (if any) to zone_min minutes east of UTC. */
static dgp_reason_t shift_to_zone(dt_t *t, int zone_min)
{
	if (!t->has_off)
		return DGP_REASON_OK;
	int own = (t->off_h * 60 + t->off_m) * (t->off_sign == '-' ? -1 : 1);
	int64_t mins =
	    days_from_civil(t->y, t->m, t->d) * 1440 + t->hh * 60 + t->mi + (zone_min - own);
	int64_t days = mins >= 0 ? mins / 1440 : -((-mins + 1439) / 1440);
	int64_t rem = mins - days * 1440;
	civil_from_days(days, &t->y, &t->m, &t->d);
	t->hh = (int)(rem / 60);
	t->mi = (int)(rem % 60);
	if (t->y < 1 || t->y > 9999)
		return DGP_REASON_DATE;
	return DGP_REASON_OK;
}

/* 长期 / 长期有效 / 永久: a validity without end. */
static bool is_long_term(const char *s, size_t n)
{
	static const char *const words[] = {"长期", "长期有效", "永久"};
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (n == strlen(words[k]) && memcmp(s, words[k], n) == 0)
			return true;
	return false;
}

#define LONG_TERM_YMD 99991231

static bool is_system_default(int32_t ymd)
{
	switch (ymd) {
	case 10101:    /* 0001-01-01 */
	case 17530101: /* SQL Server datetime minimum */
	case 18991230: /* spreadsheet day 0 */
	case 18991231:
	case 19000101:
	case 19700101: /* Unix epoch */
	case LONG_TERM_YMD:
		return true;
	default:
		return false;
	}
}

/* The fraction with trailing zeros dropped; more than 6 digits left → range (PostgreSQL keeps µs).
 */
static dgp_reason_t trim_frac(dt_t *t)
{
	while (t->frac_len > 0 && t->frac[t->frac_len - 1] == '0')
		t->frac_len--;
	return t->frac_len > 6 ? DGP_REASON_RANGE : DGP_REASON_OK;
}

/* "+08", "+05:30", "-03": PostgreSQL's spelling of a zone offset; returns its length. */
static size_t put_zone(char *p, int zone_min)
{
	int a = zone_min < 0 ? -zone_min : zone_min;
	p[0] = zone_min < 0 ? '-' : '+';
	put2(p + 1, a / 60);
	if (a % 60 == 0)
		return 3;
	p[3] = ':';
	put2(p + 4, a % 60);
	return 6;
}

static dgp_reason_t run(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                        size_t len, char *out, size_t out_cap, dgp_norm_result_t *res,
                        bool want_time)
{
	uint32_t flags = 0;
	dt_t t = {0};
	char buf[DATE_BUF]; /* folded input: t.frac may point into it until the output is written */
	bool long_term = false;
	int zone = ctx ? ctx->utc_offset_min : 0;
	if (want_time || !fast_date(in, len, &t)) {
		const char *s;
		size_t n;
		dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
		if (r != DGP_REASON_OK)
			return dgp_norm_reject(res, r);
		if (!want_time && rule && rule->long_term && is_long_term(s, n)) {
			long_term = true;
			t.y = 9999, t.m = 12, t.d = 31;
		} else {
			r = parse_value(s, n, &t, want_time);
			if (r == DGP_REASON_OK && want_time)
				r = shift_to_zone(&t, zone);
			if (r == DGP_REASON_OK && want_time)
				r = trim_frac(&t);
			if (r != DGP_REASON_OK)
				return dgp_norm_reject(res, r);
		}
	} else if (!calendar_ok(t.y, t.m, t.d)) {
		return dgp_norm_reject(res, DGP_REASON_DATE);
	}
	int32_t ymd = t.y * 10000 + t.m * 100 + t.d;
	if (rule && rule->long_term && ymd == LONG_TERM_YMD)
		long_term = true;
	int32_t max = rule ? rule->max_date : DGP_NORM_MAX_TODAY;
	if (long_term)
		flags |= DGP_NF_LONG_TERM; /* no end: beyond every upper bound by design */
	else if (max == DGP_NORM_MAX_TODAY && ctx && ctx->today > 0 && ymd > ctx->today)
		return dgp_norm_reject(res, DGP_REASON_FUTURE_DATE);
	else if (max > 0 && ymd > max)
		return dgp_norm_reject(res, DGP_REASON_DATE_RANGE);
	if (rule && rule->min_date > 0 && ymd < rule->min_date)
		return dgp_norm_reject(res, DGP_REASON_DATE_RANGE);
	if (!long_term && is_system_default(ymd))
		flags |= DGP_NF_PLACEHOLDER_DATE;

	char zone_text[8];
	size_t zone_len = want_time ? put_zone(zone_text, zone) : 0;
	size_t need = 10;
	if (want_time)
		need += 9 + (t.frac_len ? 1 + (size_t)t.frac_len : 0) + zone_len;
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
		memcpy(p, zone_text, zone_len);
	}
	*res = (dgp_norm_result_t){.len = need, .flags = flags};
	return DGP_REASON_OK;
}

dgp_reason_t dgp_norm_date(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                           size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	return run(rule, ctx, in, len, out, out_cap, res, false);
}

dgp_reason_t dgp_norm_datetime(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                               const char *in, size_t len, char *out, size_t out_cap,
                               dgp_norm_result_t *res)
{
	return run(rule, ctx, in, len, out, out_cap, res, true);
}
