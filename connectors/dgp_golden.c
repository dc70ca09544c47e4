/*
 * dgp_golden.c — the golden worker: set-based refreshes of the keys the sink
 * queued in dgp_ops.golden_queue (design in dgp_golden.h).
 */
#include "dgp_golden.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_clock.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_pg.h"

/* The bases and their refresh functions; the queue's base column names one of them. */
static const struct {
	const char *base;
	const char *sql;
} BASES[] = {
    {"person", "SELECT dgp_base.refresh_person($1::text[])"},
    {"legal_entity", "SELECT dgp_base.refresh_legal_entity($1::text[])"},
};

/*
 * Serialises the drains: the refresh functions take the same lock, so a
 * second worker (dgp run's thread next to a dgp load or dgp golden) waits
 * here for the first one's commit and then takes the rows after its chunk,
 * instead of blocking on (or skipping) rows another worker is deleting.
 */
static const char LOCK_SQL[] = "SELECT pg_advisory_xact_lock(hashtext('dgp golden refresh'))";

/*
 * Take the queue's head: the first rows of the bases whose refresh function
 * exists, in id order, while their keys add up to at most $1 (always one row,
 * so a row of more keys than that is taken whole).  At most $1 rows are read
 * for that (every row holds one key at least), then deleted as one range of
 * the primary key, no row locked before its delete.  A row queued by a
 * transaction that commits later is not visible to this statement and stays
 * queued for the next chunk, whatever its id.  The keys are made distinct in
 * one hash (k), per base: keys taken, distinct keys, the keys.
 */
static const char TAKE_SQL[] =
    "WITH b AS (SELECT b FROM unnest(ARRAY['person','legal_entity']) AS b"
    "  WHERE to_regprocedure('dgp_base.refresh_' || b || '(text[])') IS NOT NULL),"
    " h AS (SELECT id, sum(n_keys) OVER (ORDER BY id) AS n"
    "  FROM (SELECT id, n_keys FROM dgp_ops.golden_queue"
    "   WHERE base = ANY (ARRAY(SELECT b FROM b)) ORDER BY id LIMIT $1::bigint) q),"
    " d AS (DELETE FROM dgp_ops.golden_queue WHERE base = ANY (ARRAY(SELECT b FROM b))"
    "  AND id <= (SELECT coalesce(max(id) FILTER (WHERE n <= $1::bigint), min(id)) FROM h)"
    "  RETURNING base, keys),"
    " k AS (SELECT base, key, count(*) AS n FROM d, unnest(d.keys) AS u (key)"
    "  GROUP BY base, key)"
    " SELECT base, sum(n), count(*), array_agg(key)::text FROM k GROUP BY base";

static dgp_err_t fail(PGconn *conn, dgp_err_t e, char *errstr, size_t errstr_size, const char *what)
{
	char inner[512];
	snprintf(inner, sizeof(inner), "%s", errstr);
	snprintf(errstr, errstr_size, "golden worker: %s: %s", what, inner);
	if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	return e;
}

/* The refresh call of base, NULL for a base this worker does not know. */
static const char *refresh_sql(const char *base)
{
	for (size_t b = 0; b < sizeof(BASES) / sizeof(BASES[0]); b++)
		if (!strcmp(BASES[b].base, base))
			return BASES[b].sql;
	return NULL;
}

/*
 * One chunk in one transaction; *taken gets the queued keys it took.  Each
 * statement's time goes to the debug log (counts only, never a key), which is
 * how a drain's cost is split between the take, the refreshes and the commit.
 */
static dgp_err_t drain_chunk(PGconn *conn, int64_t max_keys, dgp_golden_report_t *rep,
                             uint64_t *taken, char *errstr, size_t errstr_size)
{
	*taken = 0;
	double t0 = dgp_clock_mono_s();
	dgp_err_t e = dgp_pg_exec(conn, "BEGIN", errstr, errstr_size);
	if (e == DGP_OK)
		e = dgp_pg_exec(conn, LOCK_SQL, errstr, errstr_size);
	if (e != DGP_OK)
		return fail(conn, e, errstr, errstr_size, "begin");
	double t_lock = dgp_clock_mono_s();
	char lim[24];
	snprintf(lim, sizeof(lim), "%lld", (long long)max_keys);
	const char *p[1] = {lim};
	PGresult *r = PQexecParams(conn, TAKE_SQL, 1, NULL, p, NULL, NULL, 0);
	e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e != DGP_OK) {
		PQclear(r);
		return fail(conn, e, errstr, errstr_size, "take keys from dgp_ops.golden_queue");
	}
	double t_take = dgp_clock_mono_s(), t_refresh = 0;
	uint64_t keys = 0, distinct = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *base = PQgetvalue(r, i, 0);
		const char *sql = refresh_sql(base);
		if (!sql)
			continue; /* TAKE_SQL only takes the bases above */
		double t = dgp_clock_mono_s();
		const char *arr[1] = {PQgetvalue(r, i, 3)};
		PGresult *rr = PQexecParams(conn, sql, 1, NULL, arr, NULL, NULL, 0);
		e = dgp_pg_result_err(conn, rr, errstr, errstr_size);
		PQclear(rr);
		if (e != DGP_OK) {
			char what[64];
			snprintf(what, sizeof(what), "refresh of base %s", base);
			PQclear(r);
			return fail(conn, e, errstr, errstr_size, what);
		}
		uint64_t n = strtoull(PQgetvalue(r, i, 1), NULL, 10);
		uint64_t nd = strtoull(PQgetvalue(r, i, 2), NULL, 10);
		t_refresh += dgp_clock_mono_s() - t;
		dgp_log(DGP_LOG_DEBUG, "golden", "refresh_%s: %llu keys in %.3f s", base,
		        (unsigned long long)nd, dgp_clock_mono_s() - t);
		keys += n;
		distinct += nd;
	}
	PQclear(r);
	double t_commit = dgp_clock_mono_s();
	e = dgp_pg_exec(conn, "COMMIT", errstr, errstr_size);
	if (e != DGP_OK)
		return fail(conn, e, errstr, errstr_size, "commit");
	double t_end = dgp_clock_mono_s();
	if (keys)
		dgp_log(DGP_LOG_DEBUG, "golden",
		        "chunk of %llu queued keys (%llu distinct): lock %.3f s, take %.3f s, "
		        "refresh %.3f s, commit %.3f s, total %.3f s",
		        (unsigned long long)keys, (unsigned long long)distinct, t_lock - t0,
		        t_take - t_lock, t_refresh, t_end - t_commit, t_end - t0);
	*taken = keys;
	rep->keys += keys;
	rep->distinct += distinct;
	rep->transactions += keys > 0;
	return DGP_OK;
}

dgp_err_t dgp_golden_drain(PGconn *conn, int64_t max_keys, bool once, dgp_golden_report_t *report,
                           char *errstr, size_t errstr_size)
{
	if (max_keys < 1)
		max_keys = 1;
	for (;;) {
		uint64_t taken = 0;
		dgp_err_t e = drain_chunk(conn, max_keys, report, &taken, errstr, errstr_size);
		if (e != DGP_OK || once || taken == 0)
			return e;
	}
}

dgp_err_t dgp_golden_lag(PGconn *conn, int64_t *keys, double *oldest_s, char *errstr,
                         size_t errstr_size)
{
	*keys = 0;
	*oldest_s = 0;
	PGresult *r = PQexec(conn, "SELECT COALESCE(sum(n_keys), 0),"
	                           " COALESCE(extract(epoch FROM"
	                           " clock_timestamp() - min(enqueued_at)), 0)"
	                           " FROM dgp_ops.golden_queue");
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e == DGP_OK && PQntuples(r) == 1) {
		*keys = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		*oldest_s = strtod(PQgetvalue(r, 0, 1), NULL);
	}
	PQclear(r);
	if (e != DGP_OK)
		return fail(conn, e, errstr, errstr_size, "read dgp_ops.golden_queue");
	return DGP_OK;
}

/* ------------------------------------------------------------ worker thread */

struct dgp_golden_worker {
	pthread_t thread;
	char *conninfo;
	int64_t connect_timeout_ms, max_keys, interval_ms;
	dgp_metric_t *keys_gauge, *lag_gauge;
	atomic_bool stop, final_drain, wake;
	PGconn *conn;
	dgp_golden_report_t total; /* written by the thread only, read after the join */
};

/* One full drain and a gauge update; errors are logged, the keys stay queued. */
static void worker_pass(dgp_golden_worker_t *w)
{
	char err[1024];
	if (!w->conn || PQstatus(w->conn) != CONNECTION_OK) {
		PQfinish(w->conn);
		w->conn = NULL;
		if (dgp_pg_connect(w->conninfo, w->connect_timeout_ms, &w->conn, err,
		                   sizeof(err)) != DGP_OK) {
			dgp_log(DGP_LOG_WARN, "golden", "postgresql: %s; retrying", err);
			PQfinish(w->conn);
			w->conn = NULL;
			return;
		}
	}
	dgp_golden_report_t r = {0};
	dgp_err_t e = dgp_golden_drain(w->conn, w->max_keys, false, &r, err, sizeof(err));
	w->total.keys += r.keys;
	w->total.distinct += r.distinct;
	w->total.transactions += r.transactions;
	if (e != DGP_OK)
		dgp_log(DGP_LOG_WARN, "golden", "%s; the keys stay queued", err);
	else if (r.keys)
		dgp_log(DGP_LOG_DEBUG, "golden", "%llu keys refreshed in %llu transactions",
		        (unsigned long long)r.keys, (unsigned long long)r.transactions);
	int64_t keys;
	double lag;
	if (dgp_golden_lag(w->conn, &keys, &lag, err, sizeof(err)) == DGP_OK) {
		if (w->keys_gauge)
			dgp_metric_set(w->keys_gauge, (double)keys);
		if (w->lag_gauge)
			dgp_metric_set(w->lag_gauge, lag);
	}
}

static void *worker_main(void *arg)
{
	dgp_golden_worker_t *w = arg;
	while (!atomic_load(&w->stop)) {
		worker_pass(w);
		for (int64_t ms = 0; ms < w->interval_ms && !atomic_load(&w->stop) &&
		                     !atomic_exchange(&w->wake, false);
		     ms += 20) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	if (atomic_load(&w->final_drain))
		worker_pass(w);
	PQfinish(w->conn);
	w->conn = NULL;
	return NULL;
}

dgp_err_t dgp_golden_worker_start(const char *conninfo, int64_t connect_timeout_ms,
                                  int64_t max_keys, int64_t interval_ms, dgp_metric_t *keys_gauge,
                                  dgp_metric_t *lag_gauge, dgp_golden_worker_t **out, char *errstr,
                                  size_t errstr_size)
{
	*out = NULL;
	dgp_golden_worker_t *w = calloc(1, sizeof(*w));
	if (!w || !(w->conninfo = strdup(conninfo))) {
		free(w);
		snprintf(errstr, errstr_size, "golden worker: out of memory");
		return DGP_ERR_IO;
	}
	w->connect_timeout_ms = connect_timeout_ms;
	w->max_keys = max_keys;
	w->interval_ms = interval_ms;
	w->keys_gauge = keys_gauge;
	w->lag_gauge = lag_gauge;
	atomic_init(&w->stop, false);
	atomic_init(&w->final_drain, false);
	atomic_init(&w->wake, false);
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc) {
		snprintf(errstr, errstr_size, "golden worker: thread: %s", strerror(rc));
		free(w->conninfo);
		free(w);
		return DGP_ERR_IO;
	}
	*out = w;
	return DGP_OK;
}

void dgp_golden_worker_wake(dgp_golden_worker_t *w)
{
	if (w)
		atomic_store(&w->wake, true);
}

void dgp_golden_worker_stop(dgp_golden_worker_t *w, bool final_drain, dgp_golden_report_t *report)
{
	if (!w)
		return;
	atomic_store(&w->final_drain, final_drain);
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	if (report)
		*report = w->total;
	free(w->conninfo);
	free(w);
}
