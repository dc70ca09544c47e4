/* test_norm_date.c — date and datetime rules: STANDARDS §8 worked examples, calendar edges, ISO
 * 8601. */
#include "norm_testutil.h"

#define WF DGP_NF_WIDTH_FOLDED

Test(norm_date, standards_worked_examples)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_ok(r, "2024年1月5日", "2024-01-05", 0);
	expect_ok(r, "2024/1/5", "2024-01-05", 0);
	expect_ok(r, "20240105", "2024-01-05", 0);
	expect_ok(r, "２０２４年１月５日", "2024-01-05", WF);
	expect_ok(r, "2024.1.5", "2024-01-05", 0);
	expect_reject(r, "2023年2月29日", DGP_REASON_DATE);
	expect_reject(r, "20241305", DGP_REASON_DATE);
	expect_reject(r, "2024年1月", DGP_REASON_DATE);
}

Test(norm_date, accepted_forms)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_ok(r, "2024-01-05", "2024-01-05", 0);
	expect_ok(r, "2024-1-5", "2024-01-05", 0);
	expect_ok(r, "2024/12/31", "2024-12-31", 0);
	expect_ok(r, "2024年1月5", "2024-01-05", 0);        /* 日 optional */
	expect_ok(r, "2024 年 1 月 5 日", "2024-01-05", 0); /* spaces */
	expect_ok(r, "2024年01月05号", "2024-01-05", 0);
	expect_ok(r, "  2024-01-05\t", "2024-01-05", 0); /* trimmed */
	expect_ok(r,
	          "\xE3\x80\x80"
	          "2024-01-05"
	          "\xE3\x80\x80",
	          "2024-01-05", WF);
	expect_ok(r, "２０２４－０１－０５", "2024-01-05", WF);
	expect_ok(r, "２０２４／１／５", "2024-01-05", WF);
	expect_ok(r, "１９９０．３．７", "1990-03-07", WF);
	/* a valid time after the date is accepted and dropped */
	expect_ok(r, "1990-03-07 00:00:00", "1990-03-07", 0);
	expect_ok(r, "1990-03-07T08:30:00+08:00", "1990-03-07", 0);
	expect_ok(r, "1990年3月7日 8时30分", "1990-03-07", 0);
	expect_ok(r, "0001-01-01", "0001-01-01", DGP_NF_PLACEHOLDER_DATE);
}

Test(norm_date, leap_years)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_reject(r, "1900-02-29", DGP_REASON_DATE); /* divisible by 100, not 400 */
	expect_ok(r, "2000-02-29", "2000-02-29", 0);     /* divisible by 400 */
	expect_ok(r, "2024-02-29", "2024-02-29", 0);
	expect_reject(r, "2023-02-29", DGP_REASON_DATE);
	expect_reject(r, "20230229", DGP_REASON_DATE);
	expect_reject(r, "2024-02-30", DGP_REASON_DATE);
	expect_ok(r, "1900-02-28", "1900-02-28", 0);
}

Test(norm_date, impossible_and_partial)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_reject(r, "2024-13-01", DGP_REASON_DATE);
	expect_reject(r, "2024-00-10", DGP_REASON_DATE);
	expect_reject(r, "2024-01-00", DGP_REASON_DATE);
	expect_reject(r, "20240100", DGP_REASON_DATE);
	expect_reject(r, "2024-04-31", DGP_REASON_DATE);
	expect_reject(r, "2024-01-32", DGP_REASON_DATE);
	expect_reject(r, "0000-01-01", DGP_REASON_DATE);
	expect_reject(r, "2024年13月1日", DGP_REASON_DATE);
	expect_reject(r, "2024年1月", DGP_REASON_DATE);
	expect_reject(r, "2024年", DGP_REASON_DATE);
	expect_reject(r, "2024-01", DGP_REASON_DATE);
	expect_reject(r, "2024/1", DGP_REASON_DATE);
	expect_reject(r, "2024", DGP_REASON_DATE);
	expect_reject(r, "202401", DGP_REASON_DATE);
	expect_reject(r, "1990-03-07 25:00:00", DGP_REASON_DATE);
}

Test(norm_date, format_errors)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_reject(r, "2024-1/5", DGP_REASON_FORMAT); /* mixed separators */
	expect_reject(r, "24-1-5", DGP_REASON_FORMAT);
	expect_reject(r, "05/01/2024", DGP_REASON_FORMAT); /* day first: ambiguous */
	expect_reject(r, "2024-001-05", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-005", DGP_REASON_FORMAT);
	expect_reject(r, "2024010", DGP_REASON_FORMAT);
	expect_reject(r, "202401051", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-05x", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-05T", DGP_REASON_FORMAT);
	expect_reject(r, "abc", DGP_REASON_FORMAT);
	expect_reject(r, "二〇二四年一月五日", DGP_REASON_FORMAT);
	expect_reject(r, "2024年1月5日日", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-0510:00", DGP_REASON_FORMAT);
	char longv[200];
	memset(longv, '1', sizeof(longv));
	expect_reject_n(r, longv, sizeof(longv), DGP_REASON_FORMAT);
}

Test(norm_date, empty_charset)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "   \t ", DGP_REASON_EMPTY);
	expect_reject(r, "\xE3\x80\x80", DGP_REASON_EMPTY);
	expect_reject_n(r, "2024-01-05\0", 11, DGP_REASON_CHARSET);
	expect_reject_n(r, "2024\0-01-05", 11, DGP_REASON_CHARSET);
	expect_reject(r, "2024-01-05\xC0\x80", DGP_REASON_CHARSET); /* overlong */
	expect_reject(r,
	              "2024\xED\xA0\x80"
	              "01",
	              DGP_REASON_CHARSET);                    /* lone surrogate */
	expect_reject(r, "2024\xE5\xB9", DGP_REASON_CHARSET); /* truncated 年 */
}

Test(norm_date, future_and_min_date)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL); /* today = 2026-11-27 */
	expect_ok(r, "2026-11-27", "2026-11-27", 0);
	expect_reject(r, "2026-11-28", DGP_REASON_FUTURE_DATE);
	expect_reject(r, "2030年1月1日", DGP_REASON_FUTURE_DATE);
	expect_reject(r, "2027-02-29", DGP_REASON_DATE); /* impossible beats future */
	const dgp_norm_rule_t *m = rule_of("date", "min_date=1890-01-01");
	expect_ok(m, "1890-01-01", "1890-01-01", 0);
	expect_reject(m, "1889-12-31", DGP_REASON_DATE_RANGE);
	expect_reject(m, "0001-01-01", DGP_REASON_DATE_RANGE);
}

Test(norm_date, output_buffer_too_small)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_cap(r, "2024-01-05", 10, DGP_REASON_OK);
	expect_cap(r, "2024-01-05", 9, DGP_REASON_TOO_LONG);
	expect_cap(r, "2024-01-05", 0, DGP_REASON_TOO_LONG);
	const dgp_norm_rule_t *t = rule_of("datetime", NULL);
	expect_cap(t, "2024-01-05 10:30:00", 22, DGP_REASON_OK);
	expect_cap(t, "2024-01-05 10:30:00", 21, DGP_REASON_TOO_LONG);
	expect_cap(t, "2024-01-05T10:30:00.123+08:00", 26, DGP_REASON_OK);
	expect_cap(t, "2024-01-05T10:30:00.123+08:00", 25, DGP_REASON_TOO_LONG);
}

Test(norm_datetime, iso_8601)
{
	const dgp_norm_rule_t *r = rule_of("datetime", NULL);
	expect_ok(r, "2024-01-05T10:30", "2024-01-05 10:30:00+08", 0);
	expect_ok(r, "2024-01-05T10:30:15", "2024-01-05 10:30:15+08", 0);
	expect_ok(r, "2024-01-05T10:30:15.123", "2024-01-05 10:30:15.123+08", 0);
	expect_ok(r, "2024-01-05T10:30:15,5", "2024-01-05 10:30:15.5+08", 0);
	expect_ok(r, "2024-01-05T10:30:15Z", "2024-01-05 18:30:15+08", 0);
	expect_ok(r, "2024-01-05T10:30:15+08:00", "2024-01-05 10:30:15+08", 0);
	expect_ok(r, "2024-01-05T10:30:15-0530", "2024-01-06 00:00:15+08", 0);
	expect_ok(r, "2024-01-05T10:30:15.123456000+08", "2024-01-05 10:30:15.123456+08", 0);
	expect_reject(r, "2024-01-05T10:30:15.123456789+08",
	              DGP_REASON_RANGE); /* PostgreSQL keeps µs */
	expect_ok(r, "2024-01-05 10:30:15", "2024-01-05 10:30:15+08", 0);
	expect_ok(r, "2024/1/5 9:05:00", "2024-01-05 09:05:00+08", 0);
	expect_ok(r, "20240105 23:59:59", "2024-01-05 23:59:59+08", 0);
	expect_ok(r, "2024-01-05  00:00:00", "2024-01-05 00:00:00+08", 0);
	expect_ok(r, "２０２４－０１－０５　１０：３０：１５", "2024-01-05 10:30:15+08", WF);
	/* a fraction read from the folded copy of the input (found by fuzzing) */
	expect_ok(r, "2024年1月5T10:30:15.02", "2024-01-05 10:30:15.02+08", 0);
	expect_ok(r, "２０２４-01-05T10:30:15.123", "2024-01-05 10:30:15.123+08", WF);
}

Test(norm_datetime, chinese)
{
	const dgp_norm_rule_t *r = rule_of("datetime", NULL);
	expect_ok(r, "2024年1月5日 10时30分15秒", "2024-01-05 10:30:15+08", 0);
	expect_ok(r, "2024年1月5日10时30分15秒", "2024-01-05 10:30:15+08", 0);
	expect_ok(r, "2024年1月5日 8时5分", "2024-01-05 08:05:00+08", 0);
	expect_ok(r, "2024年1月5日 8点5分3秒", "2024-01-05 08:05:03+08", 0);
	expect_ok(r, "2024年1月5日 10:30:15", "2024-01-05 10:30:15+08", 0);
	expect_reject(r, "2024年1月5日 10时", DGP_REASON_DATE);
	expect_reject(r, "2024年1月5日 10时30", DGP_REASON_FORMAT);
}

Test(norm_datetime, rejects)
{
	const dgp_norm_rule_t *r = rule_of("datetime", NULL);
	expect_reject(r, "2024-01-05", DGP_REASON_DATE); /* no time: partial */
	expect_reject(r, "2024-01-05T24:00:00", DGP_REASON_DATE);
	expect_reject(r, "2024-01-05T10:60:00", DGP_REASON_DATE);
	expect_reject(r, "2024-01-05T10:30:60", DGP_REASON_DATE);
	expect_reject(r, "2024-01-05T10:30:00+15:00", DGP_REASON_DATE);
	expect_reject(r, "2023-02-29T10:30:00", DGP_REASON_DATE);
	expect_reject(r, "2024-01-05T10", DGP_REASON_DATE);
	expect_reject(r, "2024-01-05T10:3", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-05T10:30:1", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-05T10:30:15.", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-05T10:30:15.1234567890", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-05T10:30:15+8", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-05T10:30:15 PM", DGP_REASON_FORMAT);
	expect_reject(r, "2024-01-0510:30:15", DGP_REASON_FORMAT);
	expect_reject(r, "2026-11-28 00:00:00", DGP_REASON_FUTURE_DATE);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject_n(r, "2024-01-05 10:30:15\0", 20, DGP_REASON_CHARSET);
	const dgp_norm_rule_t *m = rule_of("datetime", "min_date=2000-01-01");
	expect_reject(m, "1999-12-31 23:59:59", DGP_REASON_DATE_RANGE);
}

Test(norm_date, max_date_bounds_the_future_per_field)
{
	/* today = 2026-11-27: a still-valid licence's expiry must load */
	const dgp_norm_rule_t *none = rule_of("date", "max_date=none");
	expect_ok(none, "2030-06-30", "2030-06-30", 0);
	expect_ok(none, "2099年12月31日", "2099-12-31", 0);
	const dgp_norm_rule_t *today = rule_of("date", "max_date=today");
	expect_ok(today, "2026-11-27", "2026-11-27", 0);
	expect_reject(today, "2026-11-28", DGP_REASON_FUTURE_DATE);
	const dgp_norm_rule_t *fixed = rule_of("date", "max_date=2030-12-31");
	expect_ok(fixed, "2030-12-31", "2030-12-31", 0);
	expect_reject(fixed, "2031-01-01", DGP_REASON_DATE_RANGE);
	const dgp_norm_rule_t *dt = rule_of("datetime", "max_date=none");
	expect_ok(dt, "2030-01-05 08:00:00", "2030-01-05 08:00:00+08", 0);
}

Test(norm_date, long_term_is_9999_12_31_with_a_flag)
{
	const dgp_norm_rule_t *r = rule_of("date", "max_date=none;long_term=yes");
	expect_ok(r, "长期", "9999-12-31", DGP_NF_LONG_TERM);
	expect_ok(r, "长期有效", "9999-12-31", DGP_NF_LONG_TERM);
	expect_ok(r, " 永久 ", "9999-12-31", DGP_NF_LONG_TERM);
	expect_ok(r, "9999-12-31", "9999-12-31", DGP_NF_LONG_TERM);
	expect_ok(r, "2030-01-01", "2030-01-01", 0);
	/* long_term needs no max_date=none: "no end" is not a future date */
	const dgp_norm_rule_t *t = rule_of("date", "long_term=yes");
	expect_ok(t, "长期", "9999-12-31", DGP_NF_LONG_TERM);
	const dgp_norm_rule_t *no = rule_of("date", "max_date=none");
	expect_reject(no, "长期", DGP_REASON_FORMAT);
	expect_ok(no, "9999-12-31", "9999-12-31", DGP_NF_PLACEHOLDER_DATE);
	expect_reject(rule_of("date", NULL), "9999-12-31", DGP_REASON_FUTURE_DATE);
}

Test(norm_date, today_is_the_configured_zones_date)
{
	/* 2026-11-27 23:30 UTC is 2026-11-28 07:30 in Beijing */
	int64_t instant = (int64_t)1795822200; /* 2026-11-27T23:30:00Z */
	dgp_norm_ctx_t bj = dgp_norm_ctx_at(instant, 480);
	cr_expect_eq(bj.today, 20261128);
	cr_expect_eq(bj.utc_offset_min, 480);
	cr_expect_eq(dgp_norm_ctx_at(instant, 0).today, 20261127);
	cr_expect_eq(dgp_norm_ctx_at(instant - 24 * 3600 + 1800, 480).today,
	             20261127); /* 00:00 Beijing */
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	char out[64];
	dgp_norm_result_t res;
	cr_expect_eq(dgp_norm_apply(r, &bj, "2026-11-28", 10, out, sizeof(out), &res),
	             DGP_REASON_OK);
	cr_expect_eq(dgp_norm_apply(r, &bj, "2026-11-29", 10, out, sizeof(out), &res),
	             DGP_REASON_FUTURE_DATE);
	/* a datetime with Beijing's date, written in UTC, is not in the future either */
	const dgp_norm_rule_t *t = rule_of("datetime", NULL);
	const char *v = "2026-11-27T23:10:00Z";
	cr_expect_eq(dgp_norm_apply(t, &bj, v, strlen(v), out, sizeof(out), &res), DGP_REASON_OK);
	cr_expect_eq(res.len, 22);
	cr_expect_eq(memcmp(out, "2026-11-28 07:10:00+08", 22), 0);
}

Test(norm_date, placeholder_dates_are_flagged)
{
	const dgp_norm_rule_t *r = rule_of("date", NULL);
	expect_ok(r, "1900-01-01", "1900-01-01", DGP_NF_PLACEHOLDER_DATE);
	expect_ok(r, "19700101", "1970-01-01", DGP_NF_PLACEHOLDER_DATE);
	expect_ok(r, "0001-01-01", "0001-01-01", DGP_NF_PLACEHOLDER_DATE);
	expect_ok(r, "1899-12-31", "1899-12-31", DGP_NF_PLACEHOLDER_DATE);
	expect_ok(r, "1899-12-30", "1899-12-30", DGP_NF_PLACEHOLDER_DATE);
	expect_ok(r, "1753-01-01", "1753-01-01", DGP_NF_PLACEHOLDER_DATE);
	expect_ok(r, "1970-01-02", "1970-01-02", 0);
	expect_ok(r, "1900-01-02", "1900-01-02", 0);
	const dgp_norm_rule_t *t = rule_of("datetime", NULL);
	expect_ok(t, "1970-01-01 00:00:00", "1970-01-01 00:00:00+08", DGP_NF_PLACEHOLDER_DATE);
	/* a birth-date bound still rejects what is out of it */
	const dgp_norm_rule_t *b = rule_of("date", "min_date=1850-01-01");
	expect_reject(b, "0001-01-01", DGP_REASON_DATE_RANGE);
	expect_ok(b, "1900-01-01", "1900-01-01", DGP_NF_PLACEHOLDER_DATE);
}

Test(norm_datetime, gb_t_7408_basic_forms)
{
	const dgp_norm_rule_t *r = rule_of("datetime", NULL);
	expect_ok(r, "20240105083000", "2024-01-05 08:30:00+08", 0);
	expect_ok(r, "20240105T083000", "2024-01-05 08:30:00+08", 0);
	expect_ok(r, "2024-01-05T083000", "2024-01-05 08:30:00+08", 0);
	expect_ok(r, "20240105T0830", "2024-01-05 08:30:00+08", 0);
	expect_ok(r, "20240105T083000.5", "2024-01-05 08:30:00.5+08", 0);
	expect_ok(r, "20240105T083000Z", "2024-01-05 16:30:00+08", 0);
	expect_ok(r, "20240105T083000+0800", "2024-01-05 08:30:00+08", 0);
	expect_ok(r, "20240105083000+08", "2024-01-05 08:30:00+08", 0);
	expect_reject(r, "20240105T083", DGP_REASON_FORMAT);
	expect_reject(r, "20240105T0830001", DGP_REASON_FORMAT);
	expect_reject(r, "20240105246000", DGP_REASON_DATE);
	expect_reject(r, "20241305083000", DGP_REASON_DATE);
	expect_reject(r, "202401050830", DGP_REASON_FORMAT);
	/* the date rule takes the same forms and keeps the date */
	expect_ok(rule_of("date", NULL), "20240105083000", "2024-01-05", 0);
	expect_ok(rule_of("date", NULL), "2024-01-05T083000", "2024-01-05", 0);
}

Test(norm_datetime, one_instant_one_spelling)
{
	const dgp_norm_rule_t *r = rule_of("datetime", NULL);
	expect_ok(r, "2024-01-01 12:00:00+08:00", "2024-01-01 12:00:00+08", 0);
	expect_ok(r, "2024-01-01 04:00:00Z", "2024-01-01 12:00:00+08", 0);
	expect_ok(r, "2024-01-01T04:00:00+00", "2024-01-01 12:00:00+08", 0);
	expect_ok(r, "2024-01-01 12:00:00", "2024-01-01 12:00:00+08", 0);
	expect_ok(r, "2023-12-31 23:00:00-05:00", "2024-01-01 12:00:00+08", 0);
	expect_ok(r, "2024-01-01 12:00:00.500", "2024-01-01 12:00:00.5+08", 0);
	expect_ok(r, "2024-01-01 12:00:00.000", "2024-01-01 12:00:00+08", 0);
	/* crossing a year and leaving the years PostgreSQL's text form writes with four digits */
	expect_ok(r, "2023-12-31T20:00:00Z", "2024-01-01 04:00:00+08", 0);
	expect_reject(r, "9999-12-31T20:00:00Z", DGP_REASON_DATE);
	expect_reject(rule_of("datetime", "max_date=none"), "9999-12-31T20:00:00Z",
	              DGP_REASON_DATE);
	expect_ok(r, "0001-01-01T02:00:00+10:00", "0001-01-01 00:00:00+08",
	          DGP_NF_PLACEHOLDER_DATE);
	expect_reject(r, "0001-01-01T01:00:00+10:00", DGP_REASON_DATE);
}
