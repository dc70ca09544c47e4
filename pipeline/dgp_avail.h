/*
 * dgp_avail.h — availability bookkeeping: probe results → up/down time,
 * outages, time to repair, SLA breaches.  Pure: no I/O, an injectable
 * clock, so it is tested with a fake one and used the same way by the
 * probe loop (fed live) and by `dgp availability report` (fed from
 * dgp_catalog.availability).
 *
 *   result (t, up) ─▶ timeline of segments [start, end) up | down, gaps unobserved
 *                 └─▶ outages: first down result … first up result after it
 *
 * Semantics, stated once:
 *   - A result at t stands for the interface's state from t until the next
 *     result, but for at most max_gap_ms: a longer silence (dgp was not
 *     probing) is unobserved and counts neither as up nor as down.  The
 *     last result stands until min(now, t + max_gap_ms).
 *   - ratio(window) = up / (up + down) over [now − window, now]; NaN when
 *     nothing in the window was observed.  It is the measured figure: no
 *     rounding, no grace.
 *   - An outage starts at the first down result and ends at the first up
 *     result after it, whatever the gaps between (we cannot claim a repair
 *     we did not see).  Time to repair = end − start; for an open outage
 *     now − start.  A breach is a time to repair over repair_target_ms
 *     (strictly over: exactly 24 h meets a 24 h target).
 *
 * Not thread-safe: one owner thread (the probe loop) feeds and reads it;
 * it publishes figures to metrics gauges, never the other way round.
 */
#ifndef DGP_AVAIL_H
#define DGP_AVAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_err.h"

typedef struct dgp_avail dgp_avail_t;

/* A clock: milliseconds since the Unix epoch.  NULL in dgp_avail_new() means CLOCK_REALTIME. */
typedef int64_t dgp_avail_clock_fn(void *opaque);

/* The three windows issue 7 asks for, with their label values. */
#define DGP_AVAIL_DAY_MS   INT64_C(86400000)
#define DGP_AVAIL_NWINDOWS 3
extern const int64_t dgp_avail_window_ms[DGP_AVAIL_NWINDOWS];       /* 1 d, 30 d, 365 d */
extern const char *const dgp_avail_window_name[DGP_AVAIL_NWINDOWS]; /* "1d" "30d" "365d" */

/*
 * dgp_avail_new — empty bookkeeping.  max_gap_ms > 0 (the probe loop uses
 * three probe intervals); repair_target_ms > 0 (24 h by default);
 * horizon_ms is how much history to keep (at least the longest window,
 * 0 = keep all).  clock/opaque as above.  Never NULL; free with
 * dgp_avail_destroy().
 */
dgp_avail_t *dgp_avail_new(int64_t max_gap_ms, int64_t repair_target_ms, int64_t horizon_ms,
                           dgp_avail_clock_fn *clock, void *opaque);
void dgp_avail_destroy(dgp_avail_t *a);

/* dgp_avail_now — the clock's now, in ms. */
int64_t dgp_avail_now(const dgp_avail_t *a);

/*
 * dgp_avail_record — the result of one probe of target (name copied; a
 * new name adds a target) at at_ms.  Results of one target must come in
 * non-decreasing time order: an older one returns DGP_ERR_INVALID and
 * changes nothing.  kind ("http", "pg", "kafka"; copied) is kept for
 * reports, the first one given wins.
 */
dgp_err_t dgp_avail_record(dgp_avail_t *a, const char *target, const char *kind, int64_t at_ms,
                           bool up) DGP_MUST_CHECK;

/* Targets in the order they were first recorded. */
size_t dgp_avail_ntargets(const dgp_avail_t *a);
const char *dgp_avail_target_name(const dgp_avail_t *a, size_t i);
const char *dgp_avail_target_kind(const dgp_avail_t *a, size_t i);

/* The figures of one target over [now − window_ms, now]. */
typedef struct dgp_avail_stats {
	int64_t up_ms, down_ms; /* observed time in each state */
	double ratio;           /* up / (up + down); NaN when up + down == 0 */
	size_t outages;         /* outages overlapping the window, open one included */
	size_t breaches;        /* of those, with time to repair > target */
	int64_t longest_ttr_ms; /* longest time to repair among them, 0 if none */
} dgp_avail_stats_t;

/* dgp_avail_stats — figures of target i for the window ending now. */
void dgp_avail_stats(const dgp_avail_t *a, size_t i, int64_t window_ms, dgp_avail_stats_t *out);

typedef struct dgp_avail_outage {
	int64_t start_ms;
	int64_t end_ms; /* first up result; -1 while open */
	int64_t ttr_ms; /* end − start, or now − start while open */
	bool open;
	bool breach; /* ttr_ms > repair target */
} dgp_avail_outage_t;

/*
 * dgp_avail_outages — outages of target i that end at or after since_ms
 * (or are open), oldest first, written to out[0..max) and counted in the
 * return value (which may exceed max: call again with a bigger array).
 */
size_t dgp_avail_outages(const dgp_avail_t *a, size_t i, int64_t since_ms, dgp_avail_outage_t *out,
                         size_t max);

/* dgp_avail_last — the last result of target i: its time and state; false if none. */
bool dgp_avail_last(const dgp_avail_t *a, size_t i, int64_t *at_ms, bool *up);

#endif /* DGP_AVAIL_H */
