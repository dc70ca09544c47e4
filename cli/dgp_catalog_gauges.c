/*
 * dgp_catalog_gauges.c — the catalog's statistics as gauges (see the
 * header): one status query, its compliance counts and per-resource rows
 * and last load copied into the metrics registry.
 */
#include "dgp_catalog_gauges.h"
#include "dgp_clock.h"
#include "dgp_golden.h"

#include <time.h>

#include "dgp_catalog_status.h"
#include "dgp_log.h"

dgp_err_t dgp_catalog_gauges_refresh(PGconn *conn, const dgp_catalog_t *cat,
                                     const dgp_metrics_std_t *std, int64_t now, char *errstr,
                                     size_t errstr_size)
{
	size_t n;
	dgp_catalog_resources(cat, &n);
	dgp_metric_set(std->catalog_resources, (double)n);
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	dgp_err_t e = dgp_catalog_status_query_resources(st, conn, errstr, errstr_size);
	if (e == DGP_OK) {
		dgp_catalog_status_evaluate(st, now);
		const dgp_status_resource_t *res = dgp_catalog_status_resources(st, &n);
		for (size_t i = 0; i < n; i++) {
			if (!res[i].has_stats)
				continue;
			const char *const v[] = {res[i].resource->code};
			dgp_metric_set(dgp_metric_get(std->resource_rows, v), (double)res[i].rows);
			if (res[i].loaded)
				dgp_metric_set_max(dgp_metric_get(std->resource_last_update, v),
				                   (double)res[i].last_load);
		}
		size_t counts[DGP_COMPLIANCE__COUNT];
		dgp_catalog_status_counts(st, counts);
		dgp_metric_set(std->catalog_resources_overdue,
		               (double)counts[DGP_COMPLIANCE_OVERDUE]);
		dgp_metric_set(std->catalog_resources_never_loaded,
		               (double)counts[DGP_COMPLIANCE_NEVER]);
	}
	dgp_catalog_status_destroy(st);
	return e;
}

void dgp_catalog_gauges_tick(const char *cmd, PGconn *conn, const dgp_catalog_t *cat,
                             const dgp_metrics_std_t *std, int64_t interval_ms, bool force,
                             double *next_at)
{
	double t = dgp_clock_mono_s();
	if (!force && *next_at > 0 && t < *next_at)
		return;
	*next_at = t + (double)interval_ms / 1000.0;
	char err[1024];
	if (dgp_catalog_gauges_refresh(conn, cat, std, (int64_t)time(NULL), err, sizeof(err)) !=
	    DGP_OK)
		dgp_log(
		    DGP_LOG_WARN, cmd,
		    "catalog metrics not refreshed (dgp_catalog.resource_stats): %s; the gauges "
		    "keep their last values",
		    err);
	int64_t keys = 0;
	double lag = 0;
	if (dgp_golden_lag(conn, &keys, &lag, err, sizeof(err)) == DGP_OK) {
		dgp_metric_set(std->golden_queue_keys, (double)keys);
		dgp_metric_set(std->golden_lag, lag);
	} else {
		dgp_log(DGP_LOG_WARN, cmd, "golden queue metrics not refreshed: %s", err);
	}
}
