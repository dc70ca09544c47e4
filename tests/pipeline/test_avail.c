/*
 * test_avail.c — availability bookkeeping with a fake clock: outage start
 * and end, time to repair, the 24 h breach (strictly over), ratios per
 * window, unobserved gaps, out-of-order results.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "dgp_avail.h"

#define MIN  INT64_C(60000)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

static int64_t fake_now;
static int64_t fake_clock(void *opaque)
{
	(void)opaque;
	return fake_now;
}

static const int64_t T0 = INT64_C(1780000000000); /* some day in 2026 */

static dgp_avail_t *new_avail(void)
{
	fake_now = T0;
	return dgp_avail_new(3 * MIN, DAY, 366 * DAY, fake_clock, NULL);
}

/* Probe every minute from `from` (inclusive) to `to` (exclusive). */
static void probe(dgp_avail_t *a, const char *t, int64_t from, int64_t to, bool up)
{
	for (int64_t at = from; at < to; at += MIN)
		cr_assert_eq(dgp_avail_record(a, t, "http", at, up), DGP_OK);
}

Test(avail, outage_start_end_and_ttr)
{
	dgp_avail_t *a = new_avail();
	probe(a, "api", T0, T0 + HOUR, true);
	probe(a, "api", T0 + HOUR, T0 + HOUR + 10 * MIN, false);
	probe(a, "api", T0 + HOUR + 10 * MIN, T0 + 2 * HOUR + MIN, true);
	fake_now = T0 + 2 * HOUR;
	dgp_avail_outage_t o[4];
	cr_assert_eq(dgp_avail_outages(a, 0, 0, o, 4), 1);
	cr_expect_eq(o[0].start_ms, T0 + HOUR);
	cr_expect_eq(o[0].end_ms, T0 + HOUR + 10 * MIN);
	cr_expect_eq(o[0].ttr_ms, 10 * MIN);
	cr_expect(!o[0].open);
	cr_expect(!o[0].breach);
	dgp_avail_stats_t s;
	dgp_avail_stats(a, 0, DAY, &s);
	cr_expect_eq(s.down_ms, 10 * MIN);
	cr_expect_eq(s.up_ms, 2 * HOUR - 10 * MIN);
	cr_expect(fabs(s.ratio - 110.0 / 120.0) < 1e-12, "ratio %f", s.ratio);
	cr_expect_eq(s.outages, 1);
	cr_expect_eq(s.breaches, 0);
	cr_expect_str_eq(dgp_avail_target_kind(a, 0), "http");
	dgp_avail_destroy(a);
}

Test(avail, open_outage_grows_and_breaches_after_24h)
{
	dgp_avail_t *a = new_avail();
	probe(a, "pg", T0, T0 + HOUR, true);
	/* Down from T0+1h, probed every 10 minutes: a down result keeps standing. */
	for (int64_t at = T0 + HOUR; at <= T0 + HOUR + DAY; at += 2 * MIN)
		cr_assert_eq(dgp_avail_record(a, "pg", "pg", at, false), DGP_OK);
	dgp_avail_outage_t o;
	fake_now = T0 + HOUR + DAY; /* exactly 24 h: meets the target */
	cr_assert_eq(dgp_avail_outages(a, 0, 0, &o, 1), 1);
	cr_expect(o.open);
	cr_expect_eq(o.end_ms, -1);
	cr_expect_eq(o.ttr_ms, DAY);
	cr_expect(!o.breach, "exactly 24 h is not over 24 h");
	fake_now += 1; /* one millisecond later it is a breach */
	cr_assert_eq(dgp_avail_outages(a, 0, 0, &o, 1), 1);
	cr_expect(o.breach);
	dgp_avail_stats_t s;
	dgp_avail_stats(a, 0, DAY, &s);
	cr_expect_eq(s.breaches, 1);
	cr_expect_eq(s.up_ms, 0, "the last day was all down");
	cr_expect_eq(s.ratio, 0.0);
	/* Repaired after 25 h: a closed breach. */
	cr_assert_eq(dgp_avail_record(a, "pg", "pg", T0 + HOUR + 25 * HOUR, true), DGP_OK);
	fake_now = T0 + 30 * HOUR;
	cr_assert_eq(dgp_avail_outages(a, 0, 0, &o, 1), 1);
	cr_expect(!o.open);
	cr_expect_eq(o.ttr_ms, 25 * HOUR);
	cr_expect(o.breach);
	dgp_avail_destroy(a);
}

Test(avail, gaps_are_unobserved_not_up)
{
	dgp_avail_t *a = new_avail();
	probe(a, "k", T0, T0 + HOUR, true);
	/* dgp stopped for 10 hours, then the interface is found down for 30 min. */
	probe(a, "k", T0 + 11 * HOUR, T0 + 11 * HOUR + 30 * MIN, false);
	probe(a, "k", T0 + 11 * HOUR + 30 * MIN, T0 + 12 * HOUR, true);
	fake_now = T0 + 12 * HOUR - MIN; /* the last result stands until now */
	dgp_avail_stats_t s;
	dgp_avail_stats(a, 0, DAY, &s);
	/* up: first hour (60 results, the last one credited 3 min = max gap), then 29 min */
	cr_expect_eq(s.up_ms, HOUR + 2 * MIN + 29 * MIN, "up %lld", (long long)s.up_ms);
	cr_expect_eq(s.down_ms, 30 * MIN);
	cr_expect_lt(s.up_ms + s.down_ms, 12 * HOUR, "the gap is not counted");
	/* 30 days from now: silent for a month, the figures for 1 d are NaN */
	fake_now = T0 + 40 * DAY;
	dgp_avail_stats(a, 0, DAY, &s);
	cr_expect(isnan(s.ratio));
	dgp_avail_stats(a, 0, 365 * DAY, &s);
	cr_expect(!isnan(s.ratio));
	cr_expect_eq(s.outages, 1);
	dgp_avail_destroy(a);
}

Test(avail, windows_differ)
{
	dgp_avail_t *a = new_avail();
	/* 40 days up, one 2-hour outage 10 days ago, up since. */
	int64_t end = T0 + 40 * DAY;
	int64_t down = end - 10 * DAY;
	for (int64_t at = T0; at < end; at += 2 * MIN)
		cr_assert_eq(
		    dgp_avail_record(a, "x", "kafka", at, !(at >= down && at < down + 2 * HOUR)),
		    DGP_OK);
	fake_now = end - 2 * MIN + 2 * MIN;
	dgp_avail_stats_t d1, d30, d365;
	dgp_avail_stats(a, 0, dgp_avail_window_ms[0], &d1);
	dgp_avail_stats(a, 0, dgp_avail_window_ms[1], &d30);
	dgp_avail_stats(a, 0, dgp_avail_window_ms[2], &d365);
	cr_expect_eq(d1.ratio, 1.0);
	cr_expect_eq(d1.outages, 0);
	cr_expect(fabs(d30.ratio - (1.0 - 2.0 / (30 * 24))) < 1e-9, "30d %.9f", d30.ratio);
	cr_expect_eq(d30.outages, 1);
	cr_expect(fabs(d365.ratio - (1.0 - 2.0 / (40 * 24))) < 1e-9, "365d %.9f", d365.ratio);
	cr_expect_lt(d365.ratio, 1.0, "the measured figure, not rounded up");
	cr_expect_str_eq(dgp_avail_window_name[2], "365d");
	dgp_avail_destroy(a);
}

Test(avail, out_of_order_result_is_refused)
{
	dgp_avail_t *a = new_avail();
	cr_assert_eq(dgp_avail_record(a, "x", "http", T0 + MIN, true), DGP_OK);
	cr_assert_eq(dgp_avail_record(a, "x", "http", T0, false), DGP_ERR_INVALID);
	cr_assert_eq(dgp_avail_record(a, "y", "http", T0, false), DGP_OK, "other target");
	cr_assert_eq(dgp_avail_ntargets(a), 2);
	int64_t at;
	bool up;
	cr_assert(dgp_avail_last(a, 0, &at, &up));
	cr_expect_eq(at, T0 + MIN);
	cr_expect(up);
	dgp_avail_outage_t o;
	fake_now = T0 + 5 * MIN;
	cr_expect_eq(dgp_avail_outages(a, 0, 0, &o, 1), 0);
	cr_expect_eq(dgp_avail_outages(a, 1, 0, &o, 1), 1, "first result down opens an outage");
	dgp_avail_destroy(a);
}

Test(avail, history_past_the_horizon_is_pruned)
{
	fake_now = T0;
	dgp_avail_t *a = dgp_avail_new(3 * MIN, DAY, 2 * DAY, fake_clock, NULL);
	cr_assert_eq(dgp_avail_record(a, "x", "http", T0, false), DGP_OK);
	cr_assert_eq(dgp_avail_record(a, "x", "http", T0 + HOUR, true), DGP_OK);
	cr_assert_eq(dgp_avail_record(a, "x", "http", T0 + 5 * DAY, true), DGP_OK);
	fake_now = T0 + 5 * DAY;
	dgp_avail_outage_t o;
	cr_expect_eq(dgp_avail_outages(a, 0, 0, &o, 1), 0, "the old outage is forgotten");
	dgp_avail_destroy(a);
}
