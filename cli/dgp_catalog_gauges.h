/*
 * dgp_catalog_gauges.h — the gauges of the standard metrics set that come
 * from the catalog's statistics in PostgreSQL rather than from this
 * process's batches, shared by `dgp run` and `dgp load`:
 *
 *   dgp_catalog.resource_stats ─ dgp_catalog_status_query_resources ─▶ status
 *     ─ evaluate(now) ─▶ dgp_resource_rows{resource}          rows
 *                        dgp_resource_last_update_…{resource} last load (raised, never lowered)
 *                        dgp_catalog_resources                resources in the catalog
 *                        dgp_catalog_resources_overdue        OVERDUE
 *                        dgp_catalog_resources_never_loaded   NEVER
 *
 * So a resource loaded by another process (another `dgp load`, another
 * member of the group) has its rows and its dgp_resource_seconds_since_update
 * too.  One SELECT of one row per loaded resource; the caller's thread runs
 * it between batches, on the connection it writes with, and the scrape
 * reads the gauges' atomics without waiting for it.
 */
#ifndef DGP_CATALOG_GAUGES_H
#define DGP_CATALOG_GAUGES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "dgp_catalog.h"
#include "dgp_err.h"
#include "dgp_metrics.h"

/*
 * dgp_catalog_gauges_refresh — read resource_stats over conn (borrowed; no
 * transaction may be open on it) and set the gauges above in std for the
 * resources of cat, compliance evaluated at now (unix seconds).  Resources
 * without statistics get no dgp_resource_rows series from here.  Returns
 * DGP_OK, or the status query's error with errstr filled and the gauges as
 * they were (dgp_catalog_resources excepted, which needs no query).
 */
dgp_err_t dgp_catalog_gauges_refresh(PGconn *conn, const dgp_catalog_t *cat,
                                     const dgp_metrics_std_t *std, int64_t now, char *errstr,
                                     size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_catalog_gauges_tick — dgp_catalog_gauges_refresh() when force is set
 * or the monotonic clock has passed *next_at (seconds; 0 = at once), then
 * *next_at = now + interval_ms.  A failed refresh is logged as a warning
 * under cmd and otherwise ignored: metrics never stop a pipeline.  Cheap
 * when not due (one clock read): call it from the main loop.
 */
void dgp_catalog_gauges_tick(const char *cmd, PGconn *conn, const dgp_catalog_t *cat,
                             const dgp_metrics_std_t *std, int64_t interval_ms, bool force,
                             double *next_at);

#endif /* DGP_CATALOG_GAUGES_H */
