/*
 * bench_metrics.c — what metrics cost the load path, before `dgp load`
 * embeds them: the price of one counter bump, of one histogram
 * observation, of rendering a registry the size of the real catalog
 * (390 resources × the standard per-resource series), and whether a
 * scraper rendering in a loop slows a thread that bumps counters.
 *
 *   dgp_bench_metrics [SECONDS_PER_CASE]      (default 2)
 *
 * Times are thread CPU time (CLOCK_THREAD_CPUTIME_ID), so a loaded machine
 * shows the work done, not the waiting; wall time is printed beside.
 * Figures and their reading are in benchmarks/RESULTS.md.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dgp_metrics.h"

#define NRESOURCES 390

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static dgp_metrics_t *reg;
static dgp_metrics_std_t std_set;
static dgp_metrics_resource_t res[NRESOURCES];
static double seconds = 2;

/* The per-record bumps of the load path: read + one outcome, spread over resources. */
static uint64_t record_loop(double secs, double *cpu)
{
	uint64_t n = 0;
	double c0 = cpu_s(), w0 = wall_s();
	while (wall_s() - w0 < secs) {
		for (int i = 0; i < 10000; i++) {
			dgp_metrics_resource_t *r = &res[(n + (uint64_t)i) % NRESOURCES];
			dgp_metric_inc(r->read, 1);
			dgp_metric_inc(i & 1 ? r->new_ : r->unchanged, 1);
		}
		n += 10000;
	}
	*cpu = cpu_s() - c0;
	return n;
}

static atomic_bool scraping;
static atomic_uint_fast64_t scrapes;

static void *scraper(void *arg)
{
	(void)arg;
	dgp_arena_t *a = dgp_arena_new(1 << 20);
	while (atomic_load(&scraping)) {
		size_t len;
		(void)dgp_metrics_render(reg, a, &len);
		dgp_arena_reset(a);
		atomic_fetch_add(&scrapes, 1);
	}
	dgp_arena_destroy(a);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		seconds = atof(argv[1]);
	reg = dgp_metrics_new();
	dgp_metrics_std_register(reg, &std_set);
	char name[32];
	for (int i = 0; i < NRESOURCES; i++) {
		snprintf(name, sizeof(name), "dept%02d_res%03d", i % 40, i);
		dgp_metrics_std_resource(&std_set, name, &res[i]);
	}

	/* 1. one counter bump */
	dgp_metric_t *m = res[0].read;
	const uint64_t N = 200000000;
	double c0 = cpu_s();
	for (uint64_t i = 0; i < N; i++)
		dgp_metric_inc(m, 1);
	double bump_ns = (cpu_s() - c0) / (double)N * 1e9;
	printf("counter bump (uncontended)        %8.2f ns\n", bump_ns);

	/* 2. one histogram observation */
	const uint64_t H = 20000000;
	c0 = cpu_s();
	for (uint64_t i = 0; i < H; i++)
		dgp_histogram_observe(std_set.pg_roundtrip, (double)(i % 1000) * 1e-4);
	printf("histogram observe                 %8.2f ns\n", (cpu_s() - c0) / (double)H * 1e9);

	/* 3. one scrape of a catalog-sized registry */
	dgp_arena_t *a = dgp_arena_new(1 << 20);
	size_t len = 0;
	int R = 50;
	double w0 = wall_s();
	c0 = cpu_s();
	for (int i = 0; i < R; i++) {
		(void)dgp_metrics_render(reg, a, &len);
		dgp_arena_reset(a);
	}
	double render_ms = (cpu_s() - c0) / R * 1e3;
	size_t nseries = 0;
	char *text = dgp_metrics_render(reg, a, &len);
	for (char *p = text; *p; p++)
		if (*p == '\n' && p[1] && p[1] != '#')
			nseries++;
	printf("render %zu series, %zu bytes      %8.2f ms cpu (%.2f ms wall)\n", nseries, len,
	       render_ms, (wall_s() - w0) / R * 1e3);
	dgp_arena_destroy(a);

	/* 4. the record loop alone, then with a scraper rendering back to back */
	double cpu_off, cpu_on;
	uint64_t off = record_loop(seconds, &cpu_off);
	atomic_store(&scraping, true);
	pthread_t t;
	pthread_create(&t, NULL, scraper, NULL);
	uint64_t on = record_loop(seconds, &cpu_on);
	atomic_store(&scraping, false);
	pthread_join(t, NULL);
	double ns_off = cpu_off / (double)off * 1e9, ns_on = cpu_on / (double)on * 1e9;
	printf("record loop, 2 bumps/record: %.2f ns/record alone, %.2f ns/record while "
	       "%llu back-to-back scrapes ran (%+.1f%%)\n",
	       ns_off, ns_on, (unsigned long long)atomic_load(&scrapes),
	       (ns_on - ns_off) / ns_off * 100);
	printf("scraped once a second: %.3f%% of one core\n", render_ms / 10);
	dgp_metrics_destroy(reg);
	return 0;
}
