/*
 * dgp_cmd_availability.c — `dgp availability probe|report`.
 *
 *   probe:  every probe.interval.ms, for each target in probe.targets
 *             dgp_probe_run() ─▶ dgp_avail_record() ─▶ gauges on /metrics
 *                             └▶ pending queue ─▶ dgp_catalog.availability
 *           (results wait in memory while PostgreSQL is down, up to a bound)
 *   report: dgp_catalog.availability ─▶ dgp_avail ─▶ text or JSON
 *
 * The figures are printed as measured: a ratio is truncated, never rounded
 * up, so 99.99996% does not read as 100%.
 */
#define _GNU_SOURCE /* strptime, timegm */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_clock.h"
#include "dgp_avail.h"
#include "dgp_cmd.h"
#include "dgp_http.h"
#include "dgp_json.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_pg.h"
#include "dgp_probe.h"

#define HORIZON_MS  (366 * DGP_AVAIL_DAY_MS)
#define MAX_PENDING 100000

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_stop_signal; /* no SA_RESTART: sleeps return early */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* "2026-11-27T16:04:05Z" */
static const char *iso(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* "3d 4h 5m", "24h", "5m 6s", "1.250s": zero units dropped, at most three units. */
static const char *span(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;
	if (s < 60) {
		snprintf(buf, size, "%lld.%03llds", (long long)s, (long long)(ms % 1000));
		return buf;
	}
	const int64_t unit[] = {86400, 3600, 60, 1};
	const char *name[] = {"d", "h", "m", "s"};
	size_t o = 0;
	int shown = 0;
	buf[0] = '\0';
	for (int i = 0; i < 4 && shown < 3; i++) {
		int64_t v = i ? s / unit[i] % (unit[i - 1] / unit[i]) : s / unit[i];
		if (v == 0) {
			if (shown)
				shown++; /* keep the precision to three units from the first */
			continue;
		}
		int n =
		    snprintf(buf + o, size - o, "%s%lld%s", o ? " " : "", (long long)v, name[i]);
		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
		shown++;
	}
	return buf;
}

/* The measured ratio as a percentage, truncated (never rounded up to 100%). */
static const char *percent(double ratio, char *buf, size_t size)
{
	if (isnan(ratio))
		snprintf(buf, size, "no data");
	else if (ratio >= 1.0)
		snprintf(buf, size, "100%%");
	else
		snprintf(buf, size, "%.4f%%", floor(ratio * 1e6) / 1e4);
	return buf;
}

/* ---- probe --------------------------------------------------------------- */

typedef struct pending {
	size_t target;
	dgp_probe_result_t r;
} pending_t;

typedef struct prober {
	dgp_cli_t *cli;
	dgp_probe_target_t *targets;
	size_t ntargets;
	dgp_avail_t *avail;
	dgp_metrics_std_t std;
	PGconn *conn;
	bool history_loaded; /* avail holds the stored history, not only this run's results */
	bool store_warned;   /* "cannot store" logged once per outage of the store */
	atomic_bool store_ok;
	pending_t *pending;
	size_t npending, cappending;
	uint64_t refused; /* results PostgreSQL refused to store (dropped) */
	dgp_metric_t *stored, *store_failed, *dropped_m;
} prober_t;

static bool prober_ready(void *opaque, char *why, size_t why_size)
{
	prober_t *p = opaque;
	if (atomic_load(&p->store_ok))
		return true;
	snprintf(why, why_size, "postgresql (pg.conninfo) is not reachable for storing results");
	return false;
}

static void store_disconnect(prober_t *p)
{
	PQfinish(p->conn);
	p->conn = NULL;
	atomic_store(&p->store_ok, false);
}

/*
 * Rebuild the bookkeeping from dgp_catalog.availability (the last 366 days),
 * so the figures on /metrics cover more than this process's lifetime.  Run
 * once, when the store is first reachable and nothing is pending: the rows
 * then include every result of this run too.
 */
static void history_load(prober_t *p)
{
	char err[1024];
	const dgp_config_t *cfg = p->cli->cfg;
	dgp_avail_t *a = dgp_avail_new(3 * cfg->probe_interval_ms,
	                               cfg->probe_repair_target_s * 1000, HORIZON_MS, NULL, NULL);
	size_t total = 0;
	for (size_t i = 0; i < p->ntargets; i++) {
		size_t rows;
		if (dgp_probe_store_load(p->conn, dgp_clock_wall_ms() - HORIZON_MS,
		                         p->targets[i].name, a, &rows, err,
		                         sizeof(err)) != DGP_OK) {
			dgp_log(DGP_LOG_WARN, "availability",
			        "could not load the history of %s: %s", p->targets[i].name, err);
			dgp_avail_destroy(a);
			return;
		}
		total += rows;
	}
	dgp_avail_destroy(p->avail);
	p->avail = a;
	p->history_loaded = true;
	dgp_log(DGP_LOG_INFO, "availability", "loaded %zu stored results of %zu targets", total,
	        p->ntargets);
}

/*
 * One connection attempt, bounded by connect_timeout (libpq's default is to
 * wait forever on a host that drops packets, which would stall the probe
 * loop); the error is flattened to one line for the log.  Returns DGP_OK,
 * DGP_ERR_PG_AUTH when the server refused the login (dgp_pg_login_class:
 * waiting cannot fix it) or DGP_ERR_PG_CONN (unreachable: the next round
 * tries again).
 */
static dgp_err_t store_dial(const char *conninfo, int64_t timeout_ms, PGconn **out, char *err,
                            size_t err_size)
{
	char ct[24];
	int64_t s = (timeout_ms + 999) / 1000;
	snprintf(ct, sizeof(ct), "%lld", (long long)(s < 2 ? 2 : s));
	static const char *const keys[] = {"dbname", "connect_timeout", "application_name",
	                                   "client_encoding", NULL};
	const char *vals[] = {conninfo ? conninfo : "", ct, "dgp", "UTF8", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c && PQstatus(c) == CONNECTION_OK) {
		*out = c;
		return DGP_OK;
	}
	dgp_err_t e =
	    dgp_pg_class_err(c ? dgp_pg_login_class(PQerrorMessage(c)) : DGP_PG_CONN_LOST);
	snprintf(err, err_size, "%s", c ? PQerrorMessage(c) : "out of memory");
	for (char *q = err; *q; q++)
		if (*q == '\n' || *q == '\t')
			*q = ' ';
	for (size_t n = strlen(err); n && err[n - 1] == ' ';)
		err[--n] = '\0';
	PQfinish(c);
	*out = NULL;
	return e;
}

/*
 * (Re)connect the store; load_history: also rebuild the bookkeeping from it.
 * Returns DGP_OK or the error of the connection (store_dial) or of creating
 * the table, with err set; the caller decides whether to go on without it.
 */
static dgp_err_t store_connect(prober_t *p, int64_t timeout_ms, bool load_history, char *err,
                               size_t err_size)
{
	if (p->conn && PQstatus(p->conn) == CONNECTION_OK)
		return DGP_OK;
	store_disconnect(p);
	dgp_err_t e = store_dial(p->cli->cfg->pg_conninfo, timeout_ms, &p->conn, err, err_size);
	if (e == DGP_OK)
		e = dgp_probe_store_init(p->conn, err, err_size);
	if (e != DGP_OK) {
		store_disconnect(p);
		return e;
	}
	if (p->store_warned)
		dgp_log(DGP_LOG_INFO, "availability", "storing results again");
	p->store_warned = false;
	atomic_store(&p->store_ok, true);
	if (load_history)
		history_load(p);
	return DGP_OK;
}

/* A store that cannot be reached while probing: said once per outage, results kept. */
static void store_warn(prober_t *p, dgp_err_t e, const char *err)
{
	if (p->store_warned)
		return;
	p->store_warned = true;
	if (e == DGP_ERR_PG_AUTH)
		dgp_log(DGP_LOG_ERROR, "availability",
		        "postgresql refused the login, keeping results until it accepts it (check "
		        "pg.conninfo and pg_hba.conf): %s",
		        err);
	else
		dgp_log(DGP_LOG_WARN, "availability",
		        "cannot store results in dgp_catalog.availability, keeping them until "
		        "PostgreSQL answers: %s",
		        err);
}

static void pending_push(prober_t *p, size_t target, const dgp_probe_result_t *r)
{
	if (p->npending == MAX_PENDING) {
		/* Keep the newest: drop the oldest and say so in the metrics. */
		memmove(p->pending, p->pending + 1, (p->npending - 1) * sizeof(*p->pending));
		p->npending--;
		dgp_metric_inc(p->dropped_m, 1);
	}
	if (p->npending == p->cappending) {
		p->cappending = p->cappending ? p->cappending * 2 : 64;
		p->pending = dgp_xrealloc(p->pending, p->cappending * sizeof(*p->pending));
	}
	p->pending[p->npending++] = (pending_t){target, *r};
}

static void pending_flush(prober_t *p, int64_t timeout_ms)
{
	if (!p->npending)
		return;
	char err[1024];
	dgp_err_t e = store_connect(p, timeout_ms, false, err, sizeof(err));
	if (e != DGP_OK) {
		store_warn(p, e, err);
		return;
	}
	size_t done = 0;
	for (; done < p->npending; done++) {
		pending_t *pe = &p->pending[done];
		const dgp_probe_target_t *t = &p->targets[pe->target];
		dgp_pg_class_t cls;
		if (dgp_probe_store_insert(p->conn, t, &pe->r, &cls, err, sizeof(err)) == DGP_OK) {
			dgp_metric_inc(p->stored, 1);
		} else if (cls == DGP_PG_ROW_REFUSED) {
			/* No retry stores it, and kept it would hold back every later result. */
			char at[32];
			dgp_log(DGP_LOG_ERROR, "availability",
			        "postgresql refused the result of %s at %s, dropped: %s", t->name,
			        iso(pe->r.at_ms, at, sizeof(at)), err);
			dgp_metric_inc(p->dropped_m, 1);
			p->refused++;
		} else {
			dgp_log(DGP_LOG_WARN, "availability",
			        "storing results failed, %zu kept for later: %s",
			        p->npending - done, err);
			dgp_metric_inc(p->store_failed, 1);
			store_disconnect(p);
			break;
		}
	}
	memmove(p->pending, p->pending + done, (p->npending - done) * sizeof(*p->pending));
	p->npending -= done;
	if (!p->npending && !p->history_loaded && p->conn)
		history_load(p);
}

static void publish_figures(prober_t *p)
{
	for (size_t i = 0; i < dgp_avail_ntargets(p->avail); i++) {
		const char *name = dgp_avail_target_name(p->avail, i);
		for (int w = 0; w < DGP_AVAIL_NWINDOWS; w++) {
			dgp_avail_stats_t s;
			dgp_avail_stats(p->avail, i, dgp_avail_window_ms[w], &s);
			const char *const l[] = {name, dgp_avail_window_name[w]};
			if (!isnan(s.ratio))
				dgp_metric_set(dgp_metric_get(p->std.availability_ratio, l),
				               s.ratio);
			dgp_metric_set(dgp_metric_get(p->std.availability_observed, l),
			               (double)(s.up_ms + s.down_ms) / 1000);
			dgp_metric_set(dgp_metric_get(p->std.availability_outages, l),
			               (double)s.outages);
			dgp_metric_set(dgp_metric_get(p->std.availability_breaches, l),
			               (double)s.breaches);
		}
		dgp_avail_outage_t o;
		size_t n = dgp_avail_outages(p->avail, i, dgp_avail_now(p->avail), &o, 1);
		double open = n && o.open ? (double)o.ttr_ms / 1000 : 0;
		dgp_metric_set(
		    dgp_metric_get(p->std.availability_open_outage, (const char *const[]){name}),
		    open);
	}
}

static size_t avail_index(const dgp_avail_t *a, const char *name)
{
	for (size_t i = 0; i < dgp_avail_ntargets(a); i++)
		if (strcmp(dgp_avail_target_name(a, i), name) == 0)
			return i;
	return (size_t)-1;
}

static void probe_round(prober_t *p, bool print)
{
	const dgp_config_t *cfg = p->cli->cfg;
	for (size_t i = 0; i < p->ntargets && !stop_requested; i++) {
		const dgp_probe_target_t *t = &p->targets[i];
		const char *kind = dgp_probe_kind_name(t->kind);
		dgp_probe_result_t r;
		dgp_probe_run(t, cfg, cfg->probe_timeout_ms, &r);

		size_t ai = avail_index(p->avail, t->name);
		int64_t last_at = 0;
		bool last_up = true,
		     had = ai != (size_t)-1 && dgp_avail_last(p->avail, ai, &last_at, &last_up);
		if (dgp_avail_record(p->avail, t->name, kind, r.at_ms, r.up) != DGP_OK)
			dgp_log(DGP_LOG_WARN, "availability",
			        "%s: result older than the last one (clock stepped back?)",
			        t->name);
		if ((!had || last_up) && !r.up)
			dgp_log(DGP_LOG_WARN, "availability", "%s (%s) is down: %s", t->name, kind,
			        r.detail);
		else if (had && !last_up && r.up) {
			ai = avail_index(p->avail, t->name);
			dgp_avail_outage_t o[1];
			size_t n = dgp_avail_outages(p->avail, ai, r.at_ms, o, 1);
			char buf[48];
			dgp_log(DGP_LOG_INFO, "availability", "%s (%s) is up again after %s",
			        t->name, kind, n ? span(o[0].ttr_ms, buf, sizeof(buf)) : "?");
		}
		const char *const l[] = {t->name, kind};
		dgp_metric_set(dgp_metric_get(p->std.probe_up, l), r.up ? 1 : 0);
		dgp_metric_set(dgp_metric_get(p->std.probe_duration, l), r.seconds);
		pending_push(p, i, &r);
		if (print)
			printf("%-20s %-6s %-4s %8.3fs%s%s\n", t->name, kind, r.up ? "up" : "down",
			       r.seconds, r.detail[0] ? "  " : "", r.detail);
	}
	pending_flush(p, cfg->probe_timeout_ms);
	publish_figures(p);
}

/* Sleep until deadline (monotonic ms) or a stop signal. */
static void sleep_until(int64_t deadline)
{
	while (!stop_requested) {
		int64_t left = deadline - dgp_clock_mono_ms();
		if (left <= 0)
			return;
		if (left > 200)
			left =
			    200; /* a signal between the check and the sleep costs at most this */
		struct timespec ts = {left / 1000, (left % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
}

static int cmd_probe(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"once", no_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	bool once = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'o')
			return DGP_EXIT_USAGE;
		once = true;
	}
	if (optind != argc) {
		dgp_cli_err("availability", "unexpected argument \"%s\"", argv[optind]);
		return DGP_EXIT_USAGE;
	}
	const dgp_config_t *cfg = cli->cfg;
	char err[1024];
	dgp_arena_t *arena = dgp_arena_new(0);
	prober_t p = {.cli = cli, .history_loaded = once /* one round needs no history */};
	if (dgp_probe_targets_parse(cfg->probe_targets, cfg, arena, &p.targets, &p.ntargets, err,
	                            sizeof(err)) != DGP_OK) {
		dgp_cli_err("availability", "%s", err);
		dgp_arena_destroy(arena);
		return DGP_EXIT_FAIL;
	}
	if (p.ntargets == 0) {
		dgp_cli_err("availability", "no probe targets: set probe.targets (see "
		                            "CONFIGURATION.md)");
		dgp_arena_destroy(arena);
		return DGP_EXIT_FAIL;
	}
	install_signals();
	dgp_metrics_t *reg = dgp_metrics_new();
	dgp_metrics_std_register(reg, &p.std);
	p.stored = dgp_metric_get(dgp_metrics_counter(reg, "dgp_probe_results_stored_total",
	                                              "Probe results written to "
	                                              "dgp_catalog.availability.",
	                                              NULL),
	                          NULL);
	p.store_failed = dgp_metric_get(
	    dgp_metrics_counter(reg, "dgp_probe_store_failures_total",
	                        "Failed attempts to write probe results (they are retried).", NULL),
	    NULL);
	p.dropped_m = dgp_metric_get(
	    dgp_metrics_counter(reg, "dgp_probe_results_dropped_total",
	                        "Probe results dropped unstored: PostgreSQL was down too "
	                        "long, or refused the row.",
	                        NULL),
	    NULL);
	p.avail = dgp_avail_new(3 * cfg->probe_interval_ms, cfg->probe_repair_target_s * 1000,
	                        HORIZON_MS, NULL, NULL);

	dgp_http_t *http = NULL;
	int rc = DGP_EXIT_OK;
	if (!once &&
	    dgp_http_start_config(cfg, reg, prober_ready, &p, &http, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("availability", "http.listen: %s", err);
		rc = DGP_EXIT_FAIL;
		goto out;
	}
	/* A refused login is final (waiting cannot fix it); an unreachable store is
	 * tried again each round while the results wait. */
	dgp_err_t e = store_connect(&p, once ? cfg->pg_connect_timeout_ms : cfg->probe_timeout_ms,
	                            !once, err, sizeof(err));
	if (e == DGP_ERR_PG_AUTH) {
		dgp_cli_pg_login_refused(cli, "availability", err);
		rc = DGP_EXIT_FAIL;
		goto out;
	}
	if (e != DGP_OK)
		store_warn(&p, e, err);
	if (once)
		dgp_log(DGP_LOG_INFO, "availability", "probing %zu targets once", p.ntargets);
	else
		dgp_log(DGP_LOG_INFO, "availability", "probing %zu targets every %lld ms",
		        p.ntargets, (long long)cfg->probe_interval_ms);
	while (!stop_requested) {
		int64_t next = dgp_clock_mono_ms() + cfg->probe_interval_ms;
		probe_round(&p, once);
		if (once)
			break;
		if (dgp_clock_mono_ms() > next)
			dgp_log(DGP_LOG_WARN, "availability",
			        "a probe round took longer than probe.interval.ms; lower "
			        "probe.timeout.ms or probe fewer targets");
		sleep_until(next);
	}
	pending_flush(&p, cfg->probe_timeout_ms);
	if (p.npending) {
		dgp_cli_err("availability",
		            "%zu results could not be stored in "
		            "dgp_catalog.availability",
		            p.npending);
		rc = DGP_EXIT_FAIL;
	}
	if (p.refused) {
		dgp_cli_err("availability",
		            "%" PRIu64 " results refused by dgp_catalog.availability (see the log)",
		            p.refused);
		rc = DGP_EXIT_FAIL;
	}
	if (stop_requested)
		dgp_log(DGP_LOG_INFO, "availability", "stopped by signal");
out:
	dgp_http_stop(http);
	store_disconnect(&p);
	free(p.pending);
	dgp_avail_destroy(p.avail);
	dgp_metrics_destroy(reg);
	dgp_arena_destroy(arena);
	return rc;
}

/* ---- report -------------------------------------------------------------- */

/*
 * --since: "30d", "12h", "90m", "45s" before now, or a UTC date/time
 * "2026-11-01", "2026-11-01T08:00", "2026-11-01T08:00:00Z".
 */
static bool parse_since(const char *s, int64_t now, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!errno && end != s && v >= 0 && end[0] && !end[1]) {
		int64_t unit = end[0] == 'd'   ? DGP_AVAIL_DAY_MS
		               : end[0] == 'h' ? 3600000
		               : end[0] == 'm' ? 60000
		               : end[0] == 's' ? 1000
		                               : 0;
		if (unit && v <= 36500LL * DGP_AVAIL_DAY_MS / unit) {
			*out = now - v * unit;
			return true;
		}
	}
	struct tm tm = {0};
	const char *formats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ",
	                         "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		const char *e = strptime(s, formats[i], &tm);
		if (e && !*e) {
			*out = (int64_t)timegm(&tm) * 1000;
			return true;
		}
	}
	return false;
}

/*
 * removed_targets — per target of a, whether probe.targets no longer names it.
 * With probe.targets empty (a report run away from the prober) every target
 * counts as current.  Caller frees the array.
 */
static bool *removed_targets(const dgp_avail_t *a, const dgp_config_t *cfg)
{
	size_t n = dgp_avail_ntargets(a);
	bool *removed = dgp_xcalloc(n ? n : 1, sizeof(*removed));
	dgp_arena_t *arena = dgp_arena_new(0);
	dgp_probe_target_t *t = NULL;
	size_t nt = 0;
	char err[256];
	if (cfg->probe_targets && *cfg->probe_targets &&
	    dgp_probe_targets_parse(cfg->probe_targets, cfg, arena, &t, &nt, err, sizeof(err)) ==
	        DGP_OK &&
	    nt > 0) {
		for (size_t i = 0; i < n; i++) {
			removed[i] = true;
			for (size_t k = 0; k < nt && removed[i]; k++)
				removed[i] = strcmp(t[k].name, dgp_avail_target_name(a, i)) != 0;
		}
	}
	dgp_arena_destroy(arena);
	return removed;
}

/* needs_attention — the 100 % target missed in a measured window, or an SLA breach */
static bool needs_attention(const dgp_avail_t *a, int64_t since)
{
	for (size_t i = 0; i < dgp_avail_ntargets(a); i++) {
		for (int w = 0; w < DGP_AVAIL_NWINDOWS; w++) {
			dgp_avail_stats_t s;
			dgp_avail_stats(a, i, dgp_avail_window_ms[w], &s);
			if ((!isnan(s.ratio) && s.ratio < 1.0) || s.breaches)
				return true;
		}
		size_t n = dgp_avail_outages(a, i, since, NULL, 0);
		dgp_avail_outage_t *o = dgp_xcalloc(n ? n : 1, sizeof(*o));
		dgp_avail_outages(a, i, since, o, n);
		bool breach = false;
		for (size_t k = 0; k < n; k++)
			breach |= o[k].breach;
		free(o);
		if (breach)
			return true;
	}
	return false;
}

/* observed — the share of window_ms covered by results, truncated, as "12.3%" */
static const char *observed(const dgp_avail_stats_t *s, int64_t window_ms, char *buf, size_t size)
{
	snprintf(buf, size, "%.1f%%",
	         floor(1000.0 * (double)(s->up_ms + s->down_ms) / (double)window_ms) / 10);
	return buf;
}

static void report_json(const dgp_avail_t *a, const bool *removed, int64_t since, int64_t now,
                        int64_t target_s)
{
	char b1[32];
	printf("{\"generated_at\":\"%s\",", iso(now, b1, sizeof(b1)));
	printf("\"since\":\"%s\",\"repair_target_seconds\":%lld,\"targets\":[",
	       iso(since, b1, sizeof(b1)), (long long)target_s);
	for (size_t i = 0; i < dgp_avail_ntargets(a); i++) {
		printf("%s{\"name\":", i ? "," : "");
		dgp_json_put_string(stdout, dgp_avail_target_name(a, i));
		printf(",\"kind\":");
		dgp_json_put_string(stdout, dgp_avail_target_kind(a, i));
		printf(",\"removed\":%s", removed[i] ? "true" : "false");
		int64_t at;
		bool up;
		if (dgp_avail_last(a, i, &at, &up))
			printf(",\"last\":{\"at\":\"%s\",\"up\":%s}", iso(at, b1, sizeof(b1)),
			       up ? "true" : "false");
		printf(",\"windows\":[");
		for (int w = 0; w < DGP_AVAIL_NWINDOWS; w++) {
			dgp_avail_stats_t s;
			dgp_avail_stats(a, i, dgp_avail_window_ms[w], &s);
			printf("%s{\"window\":\"%s\",\"ratio\":", w ? "," : "",
			       dgp_avail_window_name[w]);
			if (isnan(s.ratio))
				printf("null");
			else
				printf("%.17g", s.ratio);
			printf(",\"observed_share\":%.9g,\"up_seconds\":%.3f,\"down_seconds\":%.3f,"
			       "\"observed_seconds\":%.3f,\"window_seconds\":%lld,\"outages\":%zu,"
			       "\"sla_breaches\":%zu}",
			       (double)(s.up_ms + s.down_ms) / (double)dgp_avail_window_ms[w],
			       s.up_ms / 1000.0, s.down_ms / 1000.0, (s.up_ms + s.down_ms) / 1000.0,
			       (long long)(dgp_avail_window_ms[w] / 1000), s.outages, s.breaches);
		}
		printf("],\"outages\":[");
		size_t n = dgp_avail_outages(a, i, since, NULL, 0);
		dgp_avail_outage_t *o = dgp_xcalloc(n ? n : 1, sizeof(*o));
		dgp_avail_outages(a, i, since, o, n);
		for (size_t k = 0; k < n; k++) {
			printf("%s{\"start\":\"%s\",\"end\":", k ? "," : "",
			       iso(o[k].start_ms, b1, sizeof(b1)));
			if (o[k].open)
				printf("null");
			else
				printf("\"%s\"", iso(o[k].end_ms, b1, sizeof(b1)));
			printf(",\"time_to_repair_seconds\":%.3f,\"open\":%s,\"sla_breach\":%s}",
			       o[k].ttr_ms / 1000.0, o[k].open && !removed[i] ? "true" : "false",
			       o[k].breach ? "true" : "false");
		}
		free(o);
		printf("]}");
	}
	printf("]}\n");
}

static void report_text(const dgp_avail_t *a, const bool *removed, int64_t since, int64_t now,
                        int64_t target_s)
{
	char b1[32], b2[32], b3[48], b4[48];
	printf("dgp availability report, %s; results since %s\n", iso(now, b1, sizeof(b1)),
	       iso(since, b2, sizeof(b2)));
	printf("service target: available 100%% of the time; every outage repaired within %s\n\n",
	       span(target_s * 1000, b3, sizeof(b3)));
	if (!dgp_avail_ntargets(a)) {
		printf("no probe results in this period: run `dgp availability probe`\n");
		return;
	}
	printf("%-20s %-6s %-6s %-12s %-9s %-14s %-14s %-8s %s\n", "TARGET", "KIND", "WINDOW",
	       "MEASURED", "OBSERVED", "UP", "DOWN", "OUTAGES", "SLA BREACHES");
	size_t total_breaches = 0, total_open = 0;
	bool all_full = true;
	double least_observed = 1.0;
	for (size_t i = 0; i < dgp_avail_ntargets(a); i++) {
		for (int w = 0; w < DGP_AVAIL_NWINDOWS; w++) {
			dgp_avail_stats_t s;
			dgp_avail_stats(a, i, dgp_avail_window_ms[w], &s);
			char pct[24], obs[16];
			printf("%-20s %-6s %-6s %-12s %-9s %-14s %-14s %-8zu %zu\n",
			       w ? "" : dgp_avail_target_name(a, i),
			       w ? "" : dgp_avail_target_kind(a, i), dgp_avail_window_name[w],
			       percent(s.ratio, pct, sizeof(pct)),
			       observed(&s, dgp_avail_window_ms[w], obs, sizeof(obs)),
			       span(s.up_ms, b3, sizeof(b3)), span(s.down_ms, b4, sizeof(b4)),
			       s.outages, s.breaches);
			if (!isnan(s.ratio) && s.ratio < 1.0)
				all_full = false;
			double share =
			    (double)(s.up_ms + s.down_ms) / (double)dgp_avail_window_ms[w];
			if (share < least_observed)
				least_observed = share;
		}
	}
	printf("\nOBSERVED is the share of the window covered by probe results; the rest was\n"
	       "not measured (dgp was not probing, or the history starts later) and counts\n"
	       "as neither up nor down: a MEASURED ratio speaks only for its OBSERVED share.\n");
	for (size_t i = 0; i < dgp_avail_ntargets(a); i++)
		if (removed[i])
			printf(
			    "%s is no longer in probe.targets: its history is shown, and an outage "
			    "open when it was removed is not counted as still down.\n",
			    dgp_avail_target_name(a, i));
	printf("\noutages since %s:\n", iso(since, b1, sizeof(b1)));
	bool any = false;
	for (size_t i = 0; i < dgp_avail_ntargets(a); i++) {
		size_t n = dgp_avail_outages(a, i, since, NULL, 0);
		dgp_avail_outage_t *o = dgp_xcalloc(n ? n : 1, sizeof(*o));
		dgp_avail_outages(a, i, since, o, n);
		for (size_t k = 0; k < n; k++) {
			if (!any)
				printf("%-20s %-21s %-21s %-16s %s\n", "TARGET", "START", "END",
				       "TIME TO REPAIR", "SLA");
			any = true;
			printf("%-20s %-21s %-21s %-16s %s\n", dgp_avail_target_name(a, i),
			       iso(o[k].start_ms, b1, sizeof(b1)),
			       !o[k].open   ? iso(o[k].end_ms, b2, sizeof(b2))
			       : removed[i] ? "(target removed)"
			                    : "(still down)",
			       span(o[k].ttr_ms, b3, sizeof(b3)),
			       o[k].breach                ? "BREACH"
			       : o[k].open && !removed[i] ? "open, within target"
			       : o[k].open                ? "not measured after removal"
			                                  : "met");
			total_breaches += o[k].breach;
			total_open += o[k].open && !removed[i];
		}
		free(o);
	}
	if (!any)
		printf("  none\n");
	printf("\nverdict: %s; %zu SLA breach%s (repair over %s), %zu outage%s still open\n",
	       all_full ? "100% availability target met in every window measured"
	                : "100% availability target NOT met",
	       total_breaches, total_breaches == 1 ? "" : "es",
	       span(target_s * 1000, b3, sizeof(b3)), total_open, total_open == 1 ? "" : "s");
	if (all_full && least_observed < 0.999)
		printf("note: the least-observed window was covered %.1f%% by probe results; the "
		       "target is met only for what was measured\n",
		       floor(least_observed * 1000) / 10);
}

static int cmd_report(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"since", required_argument, NULL, 's'},
	                                     {"format", required_argument, NULL, 'f'},
	                                     {NULL, 0, NULL, 0}};
	const dgp_config_t *cfg = cli->cfg;
	int64_t now = dgp_clock_wall_ms(), since = now - 365 * DGP_AVAIL_DAY_MS;
	bool json = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (!parse_since(optarg, now, &since)) {
				dgp_cli_err("availability",
				            "invalid --since \"%s\": expected e.g. 30d, 12h or "
				            "2026-11-01[T08:00[:00]][Z] (UTC)",
				            optarg);
				return DGP_EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") != 0) {
				dgp_cli_err("availability", "invalid --format \"%s\": text or json",
				            optarg);
				return DGP_EXIT_USAGE;
			}
			break;
		default:
			return DGP_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		dgp_cli_err("availability", "unexpected argument \"%s\"", argv[optind]);
		return DGP_EXIT_USAGE;
	}
	char err[1024];
	PGconn *conn;
	if (dgp_cli_pg_connect(cli, "availability", -1, &conn) != DGP_OK)
		return DGP_EXIT_FAIL;
	PGresult *res =
	    PQexec(conn, "SELECT to_regclass('\"dgp_catalog\".\"availability\"') IS NULL");
	bool missing = dgp_pg_result_err(conn, res, err, sizeof(err)) == DGP_OK &&
	               PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	dgp_avail_t *a = dgp_avail_new(3 * cfg->probe_interval_ms,
	                               cfg->probe_repair_target_s * 1000, 0, NULL, NULL);
	int rc = DGP_EXIT_OK;
	if (!missing &&
	    dgp_probe_store_load(conn, since, NULL, a, NULL, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("availability", "reading dgp_catalog.availability: %s", err);
		rc = DGP_EXIT_FAIL;
	} else {
		bool *removed = removed_targets(a, cfg);
		if (json)
			report_json(a, removed, since, now, cfg->probe_repair_target_s);
		else
			report_text(a, removed, since, now, cfg->probe_repair_target_s);
		free(removed);
		if (needs_attention(a, since))
			rc = DGP_EXIT_ATTENTION;
	}
	dgp_avail_destroy(a);
	PQfinish(conn);
	return rc;
}

int dgp_cmd_availability(dgp_cli_t *cli, int argc, char **argv)
{
	if (argc < 2) {
		dgp_cli_err("availability", "expected probe or report");
		return DGP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "probe") == 0)
		return cmd_probe(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(cli, argc - 1, argv + 1);
	dgp_cli_err("availability", "unknown action \"%s\"; expected probe or report", argv[1]);
	return DGP_EXIT_USAGE;
}
