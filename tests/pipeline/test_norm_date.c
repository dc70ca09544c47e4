/* test_norm_date.c — date and datetime rules: STANDARDS §8 worked examples, calendar edges, ISO 8601. */
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
	expect_ok(r, "2024年1月5", "2024-01-05", 0);         /* 日 optional */
	expect_ok(r, "2024 年 1 月 5 日", "2024-01-05", 0);  /* spaces */
	expect_ok(r, "2024年01月05号", "2024-01-05", 0);
	expect_ok(r, "  2024-01-05\t", "2024-01-05", 0);     /* trimmed */
	expect_ok(r, "\xE3\x80\x80" "2024-01-05" "\xE3\x80\x80", "2024-01-05", WF);
	expect_ok(r, "２０２４－０１－０５", "2024-01-05", WF);
	expect_ok(r, "２０２４／１／５", "2024-01-05", WF);
	expect_ok(r, "１９９０．３．７", "1990-03-07", WF);
	/* a valid time after the date is accepted and dropped */
	expect_ok(r, "1990-03-07 00:00:00", "1990-03-07", 0);
	expect_ok(r, "1990-03-07T08:30:00+08:00", "1990-03-07", 0);
	expect_ok(r, "1990年3月7日 8时30分", "1990-03-07", 0);
	expect_ok(r, "0001-01-01", "0001-01-01", 0);
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
	expect_reject(r, "2024-1/5", DGP_REASON_FORMAT);   /* mixed separators */
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
	expect_reject(r, "2024-01-05\xC0\x80", DGP_REASON_CHARSET);   /* overlong */
	expect_reject(r, "2024\xED\xA0\x80" "01", DGP_REASON_CHARSET); /* lone surrogate */
	expect_reject(r, "2024\xE5\xB9", DGP_REASON_CHARSET);          /* truncated 年 */
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
	expect_cap(t, "2024-01-05 10:30:00", 19, DGP_REASON_OK);
	expect_cap(t, "2024-01-05 10:30:00", 18, DGP_REASON_TOO_LONG);
	expect_cap(t, "2024-01-05T10:30:00.123+08:00", 29, DGP_REASON_OK);
	expect_cap(t, "2024-01-05T10:30:00.123+08:00", 28, DGP_REASON_TOO_LONG);
}

Test(norm_datetime, iso_8601)
{
	const dgp_norm_rule_t *r = rule_of("datetime", NULL);
	expect_ok(r, "2024-01-05T10:30", "2024-01-05 10:30:00", 0);
	expect_ok(r, "2024-01-05T10:30:15", "2024-01-05 10:30:15", 0);
	expect_ok(r, "2024-01-05T10:30:15.123", "2024-01-05 10:30:15.123", 0);
	expect_ok(r, "2024-01-05T10:30:15,5", "2024-01-05 10:30:15.5", 0);
	expect_ok(r, "2024-01-05T10:30:15Z", "2024-01-05 10:30:15+00:00", 0);
	expect_ok(r, "2024-01-05T10:30:15+08:00", "2024-01-05 10:30:15+08:00", 0);
	expect_ok(r, "2024-01-05T10:30:15-0530", "2024-01-05 10:30:15-05:30", 0);
	expect_ok(r, "2024-01-05T10:30:15.123456789+08", "2024-01-05 10:30:15.123456789+08:00", 0);
	expect_ok(r, "2024-01-05 10:30:15", "2024-01-05 10:30:15", 0);
	expect_ok(r, "2024/1/5 9:05:00", "2024-01-05 09:05:00", 0);
	expect_ok(r, "20240105 23:59:59", "2024-01-05 23:59:59", 0);
	expect_ok(r, "2024-01-05  00:00:00", "2024-01-05 00:00:00", 0);
	expect_ok(r, "２０２４－０１－０５　１０：３０：１５", "2024-01-05 10:30:15", WF);
	/* a fraction read from the folded copy of the input (found by fuzzing) */
	expect_ok(r, "2024年1月5T10:30:15.02", "2024-01-05 10:30:15.02", 0);
	expect_ok(r, "２０２４-01-05T10:30:15.123", "2024-01-05 10:30:15.123", WF);
}

Test(norm_datetime, chinese)
{
	const dgp_norm_rule_t *r = rule_of("datetime", NULL);
	expect_ok(r, "2024年1月5日 10时30分15秒", "2024-01-05 10:30:15", 0);
	expect_ok(r, "2024年1月5日10时30分15秒", "2024-01-05 10:30:15", 0);
	expect_ok(r, "2024年1月5日 8时5分", "2024-01-05 08:05:00", 0);
	expect_ok(r, "2024年1月5日 8点5分3秒", "2024-01-05 08:05:03", 0);
	expect_ok(r, "2024年1月5日 10:30:15", "2024-01-05 10:30:15", 0);
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
