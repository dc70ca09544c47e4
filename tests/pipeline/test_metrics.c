/*
 * test_metrics.c — the registry renders the exact bytes of the Prometheus
 * text format 0.0.4 (HELP/TYPE, label escaping, histogram buckets, _total),
 * counts exactly under concurrent bumps, and is scraped while it grows.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dgp_batch.h"
#include "dgp_metrics.h"

static char *render(dgp_metrics_t *reg, dgp_arena_t *a)
{
	size_t len;
	char *s = dgp_metrics_render(reg, a, &len);
	cr_assert_eq(strlen(s), len);
	return s;
}

Test(metrics, counter_and_gauge_exact_bytes)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_arena_t *a = dgp_arena_new(0);
	static const char *const l[] = {"resource", "reason", NULL};
	dgp_metric_family_t *rej = dgp_metrics_counter(
	    reg, "dgp_records_rejected_total", "Records rejected.\nPer reason \\ resource.", l);
	dgp_metric_t *m1 = dgp_metric_get(rej, (const char *const[]){"人口_户籍", "checksum"});
	dgp_metric_t *m2 = dgp_metric_get(rej, (const char *const[]){"a\"b\\c\nd", "format"});
	dgp_metric_inc(m1, 3);
	dgp_metric_inc(m1, 4);
	dgp_metric_inc(m2, 1);
	cr_assert_eq(dgp_metric_get(rej, (const char *const[]){"人口_户籍", "checksum"}), m1,
	             "the same combination gives the same handle");
	dgp_metric_t *g =
	    dgp_metric_get(dgp_metrics_gauge(reg, "dgp_dedup_bytes", "Bytes.", NULL), NULL);
	dgp_metric_set(g, 1.5e9);
	dgp_metric_add(g, -0.25);
	dgp_metric_t *nan = dgp_metric_get(dgp_metrics_gauge(reg, "dgp_x_ratio", "X.", NULL), NULL);
	dgp_metric_set(nan, NAN);
	cr_assert_str_eq(
	    render(reg, a),
	    "# HELP dgp_records_rejected_total Records rejected.\\nPer reason \\\\ resource.\n"
	    "# TYPE dgp_records_rejected_total counter\n"
	    "dgp_records_rejected_total{resource=\"人口_户籍\",reason=\"checksum\"} 7\n"
	    "dgp_records_rejected_total{resource=\"a\\\"b\\\\c\\nd\",reason=\"format\"} 1\n"
	    "# HELP dgp_dedup_bytes Bytes.\n"
	    "# TYPE dgp_dedup_bytes gauge\n"
	    "dgp_dedup_bytes 1499999999.75\n"
	    "# HELP dgp_x_ratio X.\n"
	    "# TYPE dgp_x_ratio gauge\n"
	    "dgp_x_ratio NaN\n");
	dgp_arena_destroy(a);
	dgp_metrics_destroy(reg);
}

Test(metrics, histogram_exact_bytes)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_arena_t *a = dgp_arena_new(0);
	static const double b[] = {0.005, 0.1, 1};
	static const char *const l[] = {"op", NULL};
	dgp_histogram_t *h = dgp_histogram_get(
	    dgp_metrics_histogram(reg, "dgp_pg_roundtrip_seconds", "Round trips.", l, b, 3),
	    (const char *const[]){"copy"});
	dgp_histogram_observe(h, 0.005); /* le is inclusive */
	dgp_histogram_observe(h, 0.05);
	dgp_histogram_observe(h, 0.5);
	dgp_histogram_observe(h, 7);
	dgp_histogram_t *empty = dgp_histogram_get(
	    dgp_metrics_histogram(reg, "dgp_batch_rows", "Rows.", NULL, (const double[]){10}, 1),
	    NULL);
	(void)empty;
	cr_assert_str_eq(render(reg, a),
	                 "# HELP dgp_pg_roundtrip_seconds Round trips.\n"
	                 "# TYPE dgp_pg_roundtrip_seconds histogram\n"
	                 "dgp_pg_roundtrip_seconds_bucket{op=\"copy\",le=\"0.005\"} 1\n"
	                 "dgp_pg_roundtrip_seconds_bucket{op=\"copy\",le=\"0.1\"} 2\n"
	                 "dgp_pg_roundtrip_seconds_bucket{op=\"copy\",le=\"1\"} 3\n"
	                 "dgp_pg_roundtrip_seconds_bucket{op=\"copy\",le=\"+Inf\"} 4\n"
	                 "dgp_pg_roundtrip_seconds_sum{op=\"copy\"} 7.555\n"
	                 "dgp_pg_roundtrip_seconds_count{op=\"copy\"} 4\n"
	                 "# HELP dgp_batch_rows Rows.\n"
	                 "# TYPE dgp_batch_rows histogram\n"
	                 "dgp_batch_rows_bucket{le=\"10\"} 0\n"
	                 "dgp_batch_rows_bucket{le=\"+Inf\"} 0\n"
	                 "dgp_batch_rows_sum 0\n"
	                 "dgp_batch_rows_count 0\n");
	dgp_arena_destroy(a);
	dgp_metrics_destroy(reg);
}

static void collect(dgp_metrics_emitter_t *em, void *opaque)
{
	int *calls = opaque;
	(*calls)++;
	dgp_metrics_emit(em, (const char *const[]){"t1"}, 42);
	dgp_metrics_emit(em, (const char *const[]){"t2"}, 0.5);
}

Test(metrics, callback_gauge_runs_at_scrape)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_arena_t *a = dgp_arena_new(0);
	int calls = 0;
	static const char *const l[] = {"table", NULL};
	dgp_metrics_gauge_fn(reg, "dgp_dedup_entries", "Entries.", l, collect, &calls);
	cr_assert_eq(calls, 0);
	cr_assert_str_eq(render(reg, a), "# HELP dgp_dedup_entries Entries.\n"
	                                 "# TYPE dgp_dedup_entries gauge\n"
	                                 "dgp_dedup_entries{table=\"t1\"} 42\n"
	                                 "dgp_dedup_entries{table=\"t2\"} 0.5\n");
	cr_assert_eq(calls, 1);
	dgp_arena_destroy(a);
	dgp_metrics_destroy(reg);
}

Test(metrics, registering_twice_returns_the_family)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	static const char *const l[] = {"resource", NULL};
	dgp_metric_family_t *f1 = dgp_metrics_counter(reg, "dgp_a_total", "A.", l);
	dgp_metric_family_t *f2 = dgp_metrics_counter(reg, "dgp_a_total", "A.", l);
	cr_assert_eq(f1, f2);
	dgp_metrics_std_t s1, s2;
	dgp_metrics_std_register(reg, &s1);
	dgp_metrics_std_register(reg, &s2);
	cr_assert_eq(s1.records_read, s2.records_read);
	cr_assert_eq(s1.batch_rows, s2.batch_rows);
	dgp_metrics_destroy(reg);
}

Test(metrics, counter_without_total_aborts, .signal = SIGABRT)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_metrics_counter(reg, "dgp_records_read", "no suffix", NULL);
}

Test(metrics, bad_label_name_aborts, .signal = SIGABRT)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_metrics_gauge(reg, "dgp_g", "g", (const char *const[]){"__name__", NULL});
}

Test(metrics, std_set_names_and_resource_handles)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_metrics_std_t std;
	dgp_metrics_std_register(reg, &std);
	dgp_metrics_resource_t r;
	dgp_metrics_std_resource(&std, "gaj_hjrk", &r);
	dgp_metric_inc(r.read, 10);
	dgp_metric_inc(r.rejected[DGP_REASON_CHECKSUM], 2);
	dgp_metric_set(r.last_update, 1.0);
	dgp_histogram_observe(std.batch_rows, 500);
	const char *s = render(reg, a);
	static const char *const want[] = {
	    "dgp_records_read_total{resource=\"gaj_hjrk\"} 10\n",
	    "dgp_records_new_total{resource=\"gaj_hjrk\"} 0\n",
	    "dgp_records_changed_total{resource=\"gaj_hjrk\"} 0\n",
	    "dgp_records_unchanged_total{resource=\"gaj_hjrk\"} 0\n",
	    "dgp_records_duplicate_total{resource=\"gaj_hjrk\"} 0\n",
	    "dgp_records_rejected_total{resource=\"gaj_hjrk\",reason=\"checksum\"} 2\n",
	    "dgp_records_rejected_total{resource=\"gaj_hjrk\",reason=\"format\"} 0\n",
	    "dgp_batch_rows_bucket{le=\"1024\"} 1\n",
	    "# TYPE dgp_batch_duration_seconds histogram\n",
	    "# TYPE dgp_pg_roundtrip_seconds histogram\n",
	    "# TYPE dgp_kafka_consumer_lag gauge\n",
	    "dgp_dedup_entries 0\n",
	    "dgp_dedup_bytes 0\n",
	    "dgp_catalog_resources 0\n",
	    "dgp_catalog_resources_overdue 0\n",
	    "dgp_catalog_resources_never_loaded 0\n",
	    "dgp_resource_rows{resource=\"gaj_hjrk\"} 0\n",
	    "dgp_resource_seconds_since_update{resource=\"gaj_hjrk\"} 1",
	    "# TYPE dgp_availability_ratio gauge\n",
	    "dgp_build_info{version=\"",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(s, want[i]), "missing %s in:\n%s", want[i], s);
	dgp_arena_destroy(a);
	dgp_metrics_destroy(reg);
}

/* A committed batch's deleted rows count in dgp_records_deleted_total. */
Test(metrics, a_batch_counts_its_deleted_rows)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_metrics_std_t std;
	dgp_metrics_std_register(reg, &std);
	dgp_metrics_resource_t r;
	dgp_metrics_std_resource(&std, "gaj_hjrk", &r);
	dgp_batch_counts_t c = {.read = 3, .deletes = 3, .deleted = 2, .absent = 1};
	dgp_metrics_std_batch(&std, &r, &c, 0.1, 1.0);
	const char *s = render(reg, a);
	cr_expect(strstr(s, "dgp_records_deleted_total{resource=\"gaj_hjrk\"} 2\n"), "%s", s);
	dgp_arena_destroy(a);
	dgp_metrics_destroy(reg);
}

Test(metrics, set_max_never_moves_back)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_metric_t *t = dgp_metric_get(dgp_metrics_gauge(reg, "dgp_t_seconds", "T.", NULL), NULL);
	dgp_metric_set_max(t, 1700000000);
	cr_expect_eq(dgp_metric_gauge_value(t), 1700000000.0, "raised from 0");
	dgp_metric_set_max(t, 1600000000);
	cr_expect_eq(dgp_metric_gauge_value(t), 1700000000.0, "an older time leaves it");
	dgp_metric_set_max(t, 1700000060.5);
	cr_expect_eq(dgp_metric_gauge_value(t), 1700000060.5, "a later time raises it");
	dgp_metrics_destroy(reg);
}

/* Four threads bump one counter and register series while a fifth renders. */
typedef struct {
	dgp_metrics_std_t *std;
	dgp_metric_t *shared;
	int id;
} worker_t;

static void *bump(void *arg)
{
	worker_t *w = arg;
	for (int i = 0; i < 200000; i++) {
		dgp_metric_inc(w->shared, 1);
		if (i % 5000 == 0) {
			char name[32];
			snprintf(name, sizeof(name), "r%d_%d", w->id, i);
			dgp_metrics_resource_t r;
			dgp_metrics_std_resource(w->std, name, &r);
			dgp_metric_inc(r.read, 1);
			dgp_histogram_observe(w->std->batch_duration, 0.01);
		}
	}
	return NULL;
}

static void *scrape(void *arg)
{
	dgp_metrics_t *reg = arg;
	dgp_arena_t *a = dgp_arena_new(0);
	for (int i = 0; i < 200; i++) {
		size_t len;
		char *s = dgp_metrics_render(reg, a, &len);
		cr_assert(len > 0 && s[len - 1] == '\n');
		dgp_arena_reset(a);
	}
	dgp_arena_destroy(a);
	return NULL;
}

Test(metrics, concurrent_bumps_are_exact_while_scraped)
{
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_metrics_std_t std;
	dgp_metrics_std_register(reg, &std);
	dgp_metric_t *shared = dgp_metric_get(std.records_read, (const char *const[]){"all"});
	pthread_t th[5];
	worker_t w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (worker_t){&std, shared, i};
		pthread_create(&th[i], NULL, bump, &w[i]);
	}
	pthread_create(&th[4], NULL, scrape, reg);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(dgp_metric_value(shared), 800000);
	dgp_metrics_destroy(reg);
}
