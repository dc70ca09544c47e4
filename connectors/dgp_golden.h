/*
 * dgp_golden.h — the golden worker: drains dgp_ops.golden_queue into
 * dgp_base.person / legal_entity, off the write path.
 *
 *   sink batch ─(same transaction, one row)─▶ dgp_ops.golden_queue (id, base, keys[],
 *                                              enqueued_at)
 *   dgp_golden_drain, one transaction per chunk of the head rows whose keys add
 *   up to at most max_keys (one row at least, however many keys it holds):
 *     advisory lock 'dgp golden refresh' (the refresh functions take it too)
 *     ─▶ which bases' refresh functions exist ─▶ one statement, the keys never
 *        leaving the server: DELETE … WHERE id <= the chunk's last id RETURNING
 *        base, keys ─▶ unnest, per base its distinct keys sorted bytewise
 *        ─▶ dgp_base.refresh_person(keys) / refresh_legal_entity(keys), once per
 *        base ─▶ COMMIT
 *
 * A crash or error before COMMIT rolls the DELETE back: the keys are queued
 * again and nothing is lost.  A key queued while a chunk runs is not visible
 * to its DELETE (whatever its id) and is taken by a later chunk.  Two workers
 * may run at once (dgp run's thread beside dgp load or dgp golden): the lock
 * makes the second wait for the first one's commit, then take the rows after
 * its chunk, so no row is locked by one and waited for or skipped by the
 * other.  A base whose refresh function does not exist (catalog not synced
 * yet) keeps its keys queued.
 */
#ifndef DGP_GOLDEN_H
#define DGP_GOLDEN_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "dgp_err.h"
#include "dgp_metrics.h"

typedef struct dgp_golden_report {
	uint64_t keys;         /* queued keys taken and refreshed (a key queued twice: 2) */
	uint64_t distinct;     /* distinct (base, key) handed to the refresh functions */
	uint64_t transactions; /* chunks committed */
} dgp_golden_report_t;

/*
 * dgp_golden_drain — refresh queued golden keys in chunks of at most max_keys
 * keys (one transaction each; a queue row of more keys is a chunk of its own)
 * until the queue holds no row this worker can take, or after one chunk when
 * once is true.  Adds to *report.  On error the current chunk is rolled back
 * (its keys stay queued) and the error is returned with a message in errstr;
 * committed chunks stay committed.
 */
dgp_err_t dgp_golden_drain(PGconn *conn, int64_t max_keys, bool once, dgp_golden_report_t *report,
                           char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_golden_lag — the keys queued (the sum of the rows' key counts) and the
 * age in seconds of the oldest row (0 when empty).
 */
dgp_err_t dgp_golden_lag(PGconn *conn, int64_t *keys, double *oldest_s, char *errstr,
                         size_t errstr_size) DGP_MUST_CHECK;

/*
 * The worker on a thread with its own connection (dgp run; dgp load while it
 * reads its files): every interval_ms
 * it drains the queue in chunks of max_keys and sets the two gauges (may be
 * NULL) from dgp_golden_lag.  A failed connection or drain is logged and
 * tried again at the next interval; the keys stay queued meanwhile.
 */
typedef struct dgp_golden_worker dgp_golden_worker_t;

/*
 * dgp_golden_worker_start — start the thread; conninfo is copied.  Returns
 * DGP_OK with *out set, or an error (thread creation) with errstr.
 */
dgp_err_t dgp_golden_worker_start(const char *conninfo, int64_t connect_timeout_ms,
                                  int64_t max_keys, int64_t interval_ms, dgp_metric_t *keys_gauge,
                                  dgp_metric_t *lag_gauge, dgp_golden_worker_t **out, char *errstr,
                                  size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_golden_worker_wake — keys were queued: the worker starts its next
 * drain within 20 ms instead of at the end of its interval (one drain
 * takes every key queued before it).  For a writer in the same process
 * after each committed batch.  Any thread; NULL w is a no-op.
 */
void dgp_golden_worker_wake(dgp_golden_worker_t *w);

/*
 * dgp_golden_worker_stop — stop and join the thread; frees w.  A drain
 * under way ends after its chunk in progress (the keys left stay queued).
 * final_drain: one last drain first, until the queue is empty or, when
 * deadline_s > 0, until dgp_clock_mono_s() passes it (checked between
 * chunks: a chunk started before it commits).  report (may be NULL) gets
 * the sum of what its drains refreshed (drains that failed count what they
 * committed before).  NULL w is a no-op.
 */
void dgp_golden_worker_stop(dgp_golden_worker_t *w, bool final_drain, double deadline_s,
                            dgp_golden_report_t *report);

#endif
