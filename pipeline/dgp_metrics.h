/*
 * dgp_metrics.h — a metrics registry with Prometheus semantics.
 *
 *   registration (start-up, or the first time a label combination appears)
 *        family = dgp_metrics_counter(reg, "dgp_records_read_total", help, labels)
 *        handle = dgp_metric_get(family, values)          ← mutex among registrants
 *   hot path
 *        dgp_metric_inc(handle, n)                        ← one relaxed atomic add
 *        dgp_histogram_observe(hist, v)                   ← three atomic ops, no lock
 *   scrape (any thread, any number at once)
 *        dgp_metrics_render(reg, arena, &len)             ← reads atomics, takes no lock
 *
 * Families and series live in append-only lists published with release
 * stores, so a scrape walks them without a lock while the pipeline adds a
 * series, and the pipeline never waits for a scrape.  Nothing is ever
 * removed before dgp_metrics_destroy(); handles stay valid until then.
 *
 * Rendering follows the Prometheus text exposition format 0.0.4: one
 * `# HELP` and `# TYPE` per family, label values escaped (\\, \", \n),
 * histograms as cumulative `_bucket{le="…"}` series ending in `le="+Inf"`,
 * then `_sum` and `_count`.  Names are the caller's: counters must end in
 * `_total`, units go in the name (`_seconds`, `_bytes`) — the registration
 * functions check the name's characters and the `_total` suffix.
 */
#ifndef DGP_METRICS_H
#define DGP_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_arena.h"
#include "dgp_err.h"
#include "dgp_norm.h"

typedef struct dgp_metrics dgp_metrics_t;
typedef struct dgp_metric_family dgp_metric_family_t;
typedef struct dgp_histogram dgp_histogram_t;

/*
 * One counter or gauge series.  The body is visible only so that the bump
 * below inlines to a single instruction; callers use the functions.  A
 * counter holds an integer, a gauge the bits of a double.
 */
typedef struct dgp_metric {
	_Atomic uint64_t bits;
} dgp_metric_t;

/* Most labels a family may have. */
#define DGP_METRICS_MAX_LABELS 4

/* dgp_metrics_new — an empty registry.  Never NULL; free with dgp_metrics_destroy(). */
dgp_metrics_t *dgp_metrics_new(void);

/*
 * dgp_metrics_destroy — free the registry, its families and series.  No
 * thread may use a handle or render any more (stop the HTTP endpoint
 * first).  NULL is a no-op.
 */
void dgp_metrics_destroy(dgp_metrics_t *reg);

/*
 * dgp_metrics_counter / dgp_metrics_gauge — register a family.  labels is a
 * NULL-terminated list of label names (NULL or {NULL} for none), fixed for
 * the family's life; strings are copied.  Registering a name twice with
 * the same type and labels returns the existing family (so two modules may
 * both ask for it); anything else invalid — a name that is not
 * `[a-zA-Z_:][a-zA-Z0-9_:]*`, a counter not ending in `_total`, a label
 * name starting with `__`, more than DGP_METRICS_MAX_LABELS labels, the
 * same name with another type or label set — is a programming error and
 * aborts with a message, as the names are literals in dgp's code.
 */
dgp_metric_family_t *dgp_metrics_counter(dgp_metrics_t *reg, const char *name, const char *help,
                                         const char *const *labels);
dgp_metric_family_t *dgp_metrics_gauge(dgp_metrics_t *reg, const char *name, const char *help,
                                       const char *const *labels);

/*
 * dgp_metrics_histogram — register a histogram family with nbounds upper
 * bounds, strictly increasing and finite (the `+Inf` bucket is implicit).
 * bounds is copied.  Same rules as above.
 */
dgp_metric_family_t *dgp_metrics_histogram(dgp_metrics_t *reg, const char *name, const char *help,
                                           const char *const *labels, const double *bounds,
                                           size_t nbounds);

/*
 * A callback gauge family: its series are produced at scrape time by fn,
 * which calls dgp_metrics_emit() once per series.  fn runs on the scraping
 * thread, possibly on several at once, while the pipeline runs: it must
 * only read (atomics, or data under the owner's own short lock) and must
 * not call back into the registry except dgp_metrics_emit().
 */
typedef struct dgp_metrics_emitter dgp_metrics_emitter_t;
typedef void dgp_metrics_collect_fn(dgp_metrics_emitter_t *em, void *opaque);

dgp_metric_family_t *dgp_metrics_gauge_fn(dgp_metrics_t *reg, const char *name, const char *help,
                                          const char *const *labels, dgp_metrics_collect_fn *fn,
                                          void *opaque);

/* dgp_metrics_emit — one series of a callback family: values as many as its labels. */
void dgp_metrics_emit(dgp_metrics_emitter_t *em, const char *const *values, double v);

/*
 * dgp_metric_get — the series of a counter or gauge family for one label
 * combination (values: as many strings as the family has labels; NULL for
 * a family without labels), created at 0 on first use.  Takes the
 * registry's mutex: call it once per combination and keep the handle,
 * not per record.  Values are copied; any bytes are allowed (they are
 * escaped when rendered).  Never NULL; aborts on a histogram or callback
 * family.
 */
dgp_metric_t *dgp_metric_get(dgp_metric_family_t *fam, const char *const *values);

/* dgp_histogram_get — the same for a histogram family. */
dgp_histogram_t *dgp_histogram_get(dgp_metric_family_t *fam, const char *const *values);

/* dgp_metric_inc — add n to a counter.  One relaxed atomic add; safe from any thread. */
static inline void dgp_metric_inc(dgp_metric_t *m, uint64_t n)
{
	atomic_fetch_add_explicit(&m->bits, n, memory_order_relaxed);
}

/* dgp_metric_set — set a gauge.  One relaxed atomic store. */
void dgp_metric_set(dgp_metric_t *m, double v);

/* dgp_metric_add — add v (may be negative) to a gauge; a short CAS loop. */
void dgp_metric_add(dgp_metric_t *m, double v);

/*
 * dgp_metric_set_max — set a gauge to v unless it already holds more (a
 * timestamp that two writers advance must never move backwards); a short
 * CAS loop, safe from any thread.
 */
void dgp_metric_set_max(dgp_metric_t *m, double v);

/* dgp_metric_value — a counter's count, or for a gauge use dgp_metric_gauge_value(). */
uint64_t dgp_metric_value(const dgp_metric_t *m);
double dgp_metric_gauge_value(const dgp_metric_t *m);

/*
 * dgp_histogram_observe — count v in its bucket (v <= bound; NaN goes to
 * +Inf) and add it to the sum.  Lock-free; a concurrent scrape may see the
 * sum of an observation before its bucket, never a _count that disagrees
 * with the +Inf bucket (both are rendered from the same counts).
 */
void dgp_histogram_observe(dgp_histogram_t *h, double v);

/*
 * dgp_metrics_render — the whole registry in the text exposition format
 * 0.0.4, NUL-terminated, allocated in arena; *len (if not NULL) gets the
 * length without the NUL.  Families in registration order, series in
 * creation order; a family with no series yet renders HELP and TYPE only.
 */
char *dgp_metrics_render(dgp_metrics_t *reg, dgp_arena_t *arena, size_t *len);

/* The content type of dgp_metrics_render()'s output. */
#define DGP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Histogram bounds of the standard set, exported for tests and dashboards. */
extern const double dgp_metrics_batch_rows_bounds[];
extern const size_t dgp_metrics_batch_rows_nbounds;
extern const double dgp_metrics_seconds_bounds[];
extern const size_t dgp_metrics_seconds_nbounds;

/*
 * The standard set: every family issue 7 names, registered by one call so
 * `dgp load` and `dgp run` expose the same names.  Label sets:
 *   records_* (counters)          {resource}
 *   records_rejected (counter)    {resource, reason}   reason = dgp_reason_name()
 *   batch_rows, batch_duration, pg_roundtrip (histograms)   {} — one series each
 *   kafka_consumer_lag (gauge)    {topic, partition}
 *   dedup_entries, dedup_bytes    (gauges, no labels)
 *   catalog_resources, catalog_resources_overdue, catalog_resources_never_loaded
 *                                 (gauges, no labels)
 *   golden_queue_keys, golden_lag_seconds (gauges, no labels)
 *   resource_rows (gauge)         {resource}
 *   resource_last_update (gauge)  {resource}  unix time of the last load
 *   resource_seconds_since_update (callback over resource_last_update)
 *   availability_* (gauges)       {target, window} / {target, kind}
 * The batch path sets only what a committed batch knows (counters,
 * last_update).  The catalog gauges and resource_rows come from the
 * catalog's statistics in PostgreSQL, so they count loads of every process:
 * cli/dgp_catalog_gauges.h reads them at start and every
 * metrics.catalog.interval.ms, and raises last_update (never lowers it) to
 * the last load recorded there.  Overdue counts resources loaded before but
 * late for their update cycle; never-loaded ones are a separate gauge, as a
 * new centre has hundreds of them and should not page on that.
 */
typedef struct dgp_metrics_std {
	dgp_metrics_t *reg;
	dgp_metric_family_t *records_read;            /* dgp_records_read_total */
	dgp_metric_family_t *records_new;             /* dgp_records_new_total */
	dgp_metric_family_t *records_changed;         /* dgp_records_changed_total */
	dgp_metric_family_t *records_unchanged;       /* dgp_records_unchanged_total */
	dgp_metric_family_t *records_duplicate;       /* dgp_records_duplicate_total */
	dgp_metric_family_t *records_deleted;         /* dgp_records_deleted_total */
	dgp_metric_family_t *records_rejected;        /* dgp_records_rejected_total */
	dgp_metric_family_t *batches;                 /* dgp_batches_total {resource, outcome} */
	dgp_histogram_t *batch_rows;                  /* dgp_batch_rows */
	dgp_histogram_t *batch_duration;              /* dgp_batch_duration_seconds */
	dgp_histogram_t *pg_roundtrip;                /* dgp_pg_roundtrip_seconds */
	dgp_metric_family_t *kafka_lag;               /* dgp_kafka_consumer_lag */
	dgp_metric_family_t *unknown_fields;          /* dgp_unknown_fields_total{resource,field} */
	dgp_metric_t *dedup_entries;                  /* dgp_dedup_entries */
	dgp_metric_t *dedup_bytes;                    /* dgp_dedup_bytes */
	dgp_metric_t *catalog_resources;              /* dgp_catalog_resources */
	dgp_metric_t *catalog_resources_overdue;      /* dgp_catalog_resources_overdue */
	dgp_metric_t *catalog_resources_never_loaded; /* dgp_catalog_resources_never_loaded */
	dgp_metric_t *golden_queue_keys;              /* dgp_golden_queue_keys */
	dgp_metric_t *golden_lag;                     /* dgp_golden_lag_seconds */
	dgp_metric_family_t *resource_rows;           /* dgp_resource_rows */
	dgp_metric_family_t *resource_last_update;  /* dgp_resource_last_update_timestamp_seconds */
	dgp_metric_family_t *probe_up;              /* dgp_probe_up {target, kind} */
	dgp_metric_family_t *probe_duration;        /* dgp_probe_duration_seconds {target, kind} */
	dgp_metric_family_t *availability_ratio;    /* dgp_availability_ratio {target, window} */
	dgp_metric_family_t *availability_observed; /* dgp_availability_observed_seconds */
	dgp_metric_family_t *availability_outages;  /* dgp_availability_outages {target, window} */
	dgp_metric_family_t *availability_breaches; /* dgp_availability_sla_breaches */
	dgp_metric_family_t
	    *availability_open_outage; /* dgp_availability_open_outage_seconds {target} */
} dgp_metrics_std_t;

/*
 * dgp_metrics_std_register — register the standard set in reg (plus
 * dgp_build_info and dgp_process_start_time_seconds) and fill *std.
 * Idempotent per registry.
 */
void dgp_metrics_std_register(dgp_metrics_t *reg, dgp_metrics_std_t *std);

/*
 * The handles of one resource, obtained once (e.g. when the resource's
 * first batch starts) so the record loop only does dgp_metric_inc().
 * rejected[r] is for reason r (a dgp_reason_t; [DGP_REASON_OK] is NULL).
 */
typedef struct dgp_metrics_resource {
	dgp_metric_t *read, *new_, *changed, *unchanged, *duplicate, *deleted;
	dgp_metric_t *rejected[DGP_REASON__COUNT];
	dgp_metric_t *batches_ok, *batches_failed, *batches_stale; /* dgp_batches_total{outcome} */
	dgp_metric_t *rows;        /* gauge: rows in dgp_src.<resource> */
	dgp_metric_t *last_update; /* gauge: unix seconds of the last committed batch */
} dgp_metrics_resource_t;

/*
 * dgp_metrics_std_resource — fill *out with resource's handles (created at
 * 0, so a resource with no rejects still shows its series).  Takes the
 * registry's mutex: once per resource, not per batch.
 */
void dgp_metrics_std_resource(dgp_metrics_std_t *std, const char *resource,
                              dgp_metrics_resource_t *out);

/*
 * dgp_metrics_std_batch — what a committed batch adds, for load and run
 * alike: per-resource read / class / reject counters, batches_ok and
 * last_update (raised to now_unix), the batch size and duration histograms.  Only
 * relaxed atomic adds and histogram observations: cheap on the hot path.
 */
struct dgp_batch_counts;
void dgp_metrics_std_batch(const dgp_metrics_std_t *std, const dgp_metrics_resource_t *res,
                           const struct dgp_batch_counts *counts, double seconds, double now_unix);

#endif /* DGP_METRICS_H */
