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

#include "dgp_buf.h"
#include "dgp_clock.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_pg.h"

/* The bases, in the queue's base column; dgp_base.refresh_<base>(text[]) refreshes one. */
static const char *const BASES[] = {"person", "legal_entity"};

/*
 * Serialises the drains: the refresh functions take the same lock, so a
 * second worker (dgp run's thread next to a dgp load or dgp golden) waits
 * here for the first one's commit and then takes the rows after its chunk,
 * instead of blocking on (or skipping) rows another worker is deleting.
 */
static const char LOCK_SQL[] = "SELECT pg_advisory_xact_lock(hashtext('dgp golden refresh'))";

#define N_BASES (sizeof(BASES) / sizeof(BASES[0]))

/* Which bases' refresh functions exist: one boolean column per base, in BASES order. */
static char *exists_sql(void)
{
	dgp_buf_t b = {0};
	for (size_t i = 0; i < N_BASES; i++)
		dgp_buf_printf(&b, "%sto_regprocedure('dgp_base.refresh_%s(text[])') IS NOT NULL",
		               i ? ", " : "SELECT ", BASES[i]);
	dgp_buf_cstr(&b);
	return b.p;
}

/*
 * The statement that takes a chunk and refreshes it, for the bases in
 * bases[0..n) (their functions exist; names from BASES, so quoted as is).  It takes the queue's
 * head: the first rows of those bases in id order while their keys add up to at most $1 (always one
 * row, so a row of more keys than that is taken whole).  At most $1 rows are read for that (every
 * row holds one key at least), by their key counts alone (n_keys: no array is read), then deleted
 * as one range of the primary key, no row locked before its delete.  A row queued by a transaction
 * that commits later is not visible to this statement and stays queued for the next chunk, whatever
 * its id.  Per base with keys taken: the keys taken, then the distinct ones, sorted bytewise (the
 * order the refresh probes in), handed to its refresh function in the same statement — so the keys
 * never travel to the client and back.  One row per such base: base, keys taken, distinct keys. The
 * leading comment names the statement in pg_stat_activity.
 */
static char *take_sql(const char *const *bases, size_t n, const char *in)
{
	dgp_buf_t b = {0};
	dgp_buf_printf(&b,
	               "/* dgp golden: take and refresh */"
	               " WITH h AS (SELECT id, sum(n_keys) OVER (ORDER BY id) AS n"
	               " FROM (SELECT id, n_keys FROM dgp_ops.golden_queue"
	               "  WHERE base IN (%1$s) ORDER BY id LIMIT $1::bigint) q),"
	               " d AS (DELETE FROM dgp_ops.golden_queue WHERE base IN (%1$s)"
	               "  AND id <= (SELECT coalesce(max(id) FILTER (WHERE n <= $1::bigint),"
	               "  min(id)) FROM h) RETURNING base, keys)",
	               in);
	for (size_t i = 0; i < n; i++)
		dgp_buf_printf(
		    &b,
		    ", k%zu AS (SELECT count(*) AS n, array_agg(DISTINCT u.k COLLATE \"C\""
		    " ORDER BY u.k COLLATE \"C\") AS keys"
		    " FROM d, unnest(d.keys) AS u (k) WHERE d.base = '%s')",
		    i, bases[i]);
	for (size_t i = 0; i < n; i++)
		dgp_buf_printf(&b,
		               "%s SELECT '%s', k%zu.n, cardinality(k%zu.keys),"
		               " dgp_base.refresh_%s(k%zu.keys) FROM k%zu WHERE k%zu.n > 0",
		               i ? " UNION ALL" : "", bases[i], i, i, bases[i], i, i, i);
	dgp_buf_cstr(&b);
	return b.p;
}

static dgp_err_t fail(PGconn *conn, dgp_err_t e, char *errstr, size_t errstr_size, const char *what)
{
	char inner[512];
	snprintf(inner, sizeof(inner), "%s", errstr);
	snprintf(errstr, errstr_size, "golden worker: %s: %s", what, inner);
	if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	return e;
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
	char *sql = exists_sql();
	PGresult *r = PQexec(conn, sql);
	free(sql);
	e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	const char *bases[N_BASES];
	size_t nb = 0;
	dgp_buf_t in = {0}, names = {0}; /* 'person', … for the statement; person, … for errors */
	for (size_t i = 0; e == DGP_OK && i < N_BASES; i++)
		if (PQgetvalue(r, 0, (int)i)[0] == 't') {
			dgp_buf_printf(&in, "%s'%s'", nb ? ", " : "", BASES[i]);
			dgp_buf_printf(&names, "%s%s", nb ? ", " : "", BASES[i]);
			bases[nb++] = BASES[i];
		}
	PQclear(r);
	if (e != DGP_OK || !nb) {
		free(in.p);
		free(names.p);
		if (e != DGP_OK)
			return fail(conn, e, errstr, errstr_size, "look up the refresh functions");
		/* no base's keys can be taken: nothing to commit */
		return dgp_pg_exec(conn, "ROLLBACK", errstr, errstr_size);
	}
	char lim[24];
	snprintf(lim, sizeof(lim), "%lld", (long long)max_keys);
	const char *p[1] = {lim};
	sql = take_sql(bases, nb, dgp_buf_cstr(&in));
	r = PQexecParams(conn, sql, 1, NULL, p, NULL, NULL, 0);
	free(sql);
	free(in.p);
	e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e != DGP_OK) {
		char what[96];
		snprintf(what, sizeof(what), "take and refresh of base%s %s", nb > 1 ? "s" : "",
		         dgp_buf_cstr(&names));
		free(names.p);
		PQclear(r);
		return fail(conn, e, errstr, errstr_size, what);
	}
	free(names.p);
	double t_take = dgp_clock_mono_s();
	uint64_t keys = 0, distinct = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		uint64_t n = strtoull(PQgetvalue(r, i, 1), NULL, 10);
		uint64_t nd = strtoull(PQgetvalue(r, i, 2), NULL, 10);
		dgp_log(DGP_LOG_DEBUG, "golden", "refresh_%s: %llu keys (%llu distinct)",
		        PQgetvalue(r, i, 0), (unsigned long long)n, (unsigned long long)nd);
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
		        "chunk of %llu queued keys (%llu distinct): lock %.3f s, take and "
		        "refresh %.3f s, commit %.3f s, total %.3f s",
		        (unsigned long long)keys, (unsigned long long)distinct, t_lock - t0,
		        t_take - t_lock, t_end - t_commit, t_end - t0);
	*taken = keys;
	rep->keys += keys;
	rep->distinct += distinct;
	rep->transactions += keys > 0;
	return DGP_OK;
}

/*
 * Chunks until the queue is empty, an error, one chunk when once, or
 * more(opaque) false before a chunk (*cut set; more may be NULL).
 */
static dgp_err_t drain_chunks(PGconn *conn, int64_t max_keys, bool once, bool (*more)(void *opaque),
                              void *opaque, bool *cut, dgp_golden_report_t *report, char *errstr,
                              size_t errstr_size)
{
	if (max_keys < 1)
		max_keys = 1;
	for (;;) {
		if (more && !more(opaque)) {
			*cut = true;
			return DGP_OK;
		}
		uint64_t taken = 0;
		dgp_err_t e = drain_chunk(conn, max_keys, report, &taken, errstr, errstr_size);
		if (e != DGP_OK || once || taken == 0)
			return e;
	}
}

dgp_err_t dgp_golden_drain(PGconn *conn, int64_t max_keys, bool once, dgp_golden_report_t *report,
                           char *errstr, size_t errstr_size)
{
	return drain_chunks(conn, max_keys, once, NULL, NULL, NULL, report, errstr, errstr_size);
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
	double deadline; /* the final drain's, monotonic seconds (0: none); set before stop */
	PGconn *conn;
	dgp_golden_report_t total; /* written by the thread only, read after the join */
};

/*
 * Whether a pass takes another chunk: an ordinary pass ends between two
 * chunks once the worker is asked to stop; the final pass runs until the
 * queue is empty or its deadline.  What is left stays queued.
 */
static bool not_stopped(void *opaque)
{
	dgp_golden_worker_t *w = opaque;
	return !atomic_load(&w->stop);
}

static bool before_deadline(void *opaque)
{
	dgp_golden_worker_t *w = opaque;
	return w->deadline <= 0 || dgp_clock_mono_s() < w->deadline;
}

/* A drain (chunk by chunk, see not_stopped) and a gauge update; errors are logged, the keys
 * stay queued. */
static void worker_pass(dgp_golden_worker_t *w, bool final)
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
	bool cut = false;
	dgp_err_t e =
	    drain_chunks(w->conn, w->max_keys, false, final ? before_deadline : not_stopped, w,
	                 &cut, &r, err, sizeof(err));
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
		if (final && cut && keys)
			dgp_log(DGP_LOG_INFO, "golden",
			        "stopped at the shutdown deadline: %lld keys stay queued for the "
			        "next dgp run or dgp golden",
			        (long long)keys);
	}
}

static void *worker_main(void *arg)
{
	dgp_golden_worker_t *w = arg;
	while (!atomic_load(&w->stop)) {
		worker_pass(w, false);
		for (int64_t ms = 0; ms < w->interval_ms && !atomic_load(&w->stop) &&
		                     !atomic_exchange(&w->wake, false);
		     ms += 20) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	if (atomic_load(&w->final_drain))
		worker_pass(w, true);
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

void dgp_golden_worker_stop(dgp_golden_worker_t *w, bool final_drain, double deadline_s,
                            dgp_golden_report_t *report)
{
	if (!w)
		return;
	w->deadline = deadline_s; /* seen by the thread once it sees stop */
	atomic_store(&w->final_drain, final_drain);
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	if (report)
		*report = w->total;
	free(w->conninfo);
	free(w);
}
