/*
 * dgp_probe.h — availability probes of the interfaces dgp is told to watch,
 * and their history in dgp_catalog.availability.
 *
 *   probe.targets ─parse─▶ targets ─probe (HTTP GET | libpq SELECT 1 | Kafka metadata)─▶ result
 *        result ─▶ dgp_probe_store_insert() ─▶ dgp_catalog.availability (one row per result)
 *        result ─▶ dgp_avail_record()        ─▶ ratios, outages ─▶ metrics gauges
 *   dgp_catalog.availability ─dgp_probe_store_load()─▶ dgp_avail (report, probe restart)
 *
 * Target text (probe.targets), entries separated by ';', blanks around
 * them ignored:
 *   NAME=http://HOST/PATH [STATUS]     GET; up when the status is STATUS (default 200)
 *   NAME=https://HOST/PATH [STATUS]
 *   NAME=pg:CONNINFO                   up when SELECT 1 answers; empty CONNINFO = pg.conninfo
 *   NAME=kafka:HOST:PORT[,HOST:PORT]   up when the cluster returns metadata; empty = kafka.brokers
 * NAME is [A-Za-z0-9_.-]{1,63} and unique.  Conninfos may hold a password:
 * details written to the table and the log come from libpq / libcurl /
 * librdkafka error texts, which do not repeat it, and the targets text is
 * never logged.
 */
#ifndef DGP_PROBE_H
#define DGP_PROBE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "dgp_arena.h"
#include "dgp_avail.h"
#include "dgp_config.h"
#include "dgp_err.h"
#include "dgp_pg.h"

typedef enum dgp_probe_kind { DGP_PROBE_HTTP, DGP_PROBE_PG, DGP_PROBE_KAFKA } dgp_probe_kind_t;

/* "http", "pg", "kafka": the kind column and the metrics label. */
const char *dgp_probe_kind_name(dgp_probe_kind_t kind);

typedef struct dgp_probe_target {
	const char *name;
	dgp_probe_kind_t kind;
	const char *spec;  /* URL, conninfo or bootstrap list (defaults already applied) */
	int expect_status; /* HTTP only */
} dgp_probe_target_t;

/*
 * dgp_probe_targets_parse — targets from text (probe.targets syntax above),
 * allocated in arena; empty pg: / kafka: specs take cfg's pg.conninfo /
 * kafka.brokers.  Returns DGP_OK with *n possibly 0, or DGP_ERR_CONF_INVALID
 * with errstr naming the entry by position and name (never echoing a
 * conninfo).
 */
dgp_err_t dgp_probe_targets_parse(const char *text, const dgp_config_t *cfg, dgp_arena_t *arena,
                                  dgp_probe_target_t **targets, size_t *n, char *errstr,
                                  size_t errstr_size) DGP_MUST_CHECK;

typedef struct dgp_probe_result {
	int64_t at_ms; /* wall clock when the probe started */
	bool up;
	double seconds;   /* how long the probe took */
	int http_status;  /* HTTP: status received, 0 if none; others 0 */
	char detail[256]; /* why it is down ("" when up); no secrets */
} dgp_probe_result_t;

/*
 * dgp_probe_run — probe t once, giving up after timeout_ms; cfg supplies
 * the kafka.* security settings for Kafka targets.  Never fails as a
 * function: an unreachable interface is a result with up = false.
 * Thread-safe (separate handles per call).
 */
void dgp_probe_run(const dgp_probe_target_t *t, const dgp_config_t *cfg, int64_t timeout_ms,
                   dgp_probe_result_t *out);

/*
 * dgp_probe_store_init — create schema dgp_catalog and table
 * dgp_catalog.availability (and its index) if missing.  Idempotent.
 */
dgp_err_t dgp_probe_store_init(PGconn *conn, char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_probe_store_insert — one row for result r of t; values as parameters.
 * Returns as dgp_pg_result_err(); *cls (when not NULL) gets the outcome's
 * dgp_pg_classify() class, so the caller can tell a row PostgreSQL refused
 * (DGP_PG_ROW_REFUSED: no retry stores it) from a lost connection.
 */
dgp_err_t dgp_probe_store_insert(PGconn *conn, const dgp_probe_target_t *t,
                                 const dgp_probe_result_t *r, dgp_pg_class_t *cls, char *errstr,
                                 size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_probe_store_load — feed every row with probed_at >= since_ms (all
 * targets, or only `target` when not NULL) into avail, oldest first.
 * *rows (if not NULL) gets the number of rows read.
 */
dgp_err_t dgp_probe_store_load(PGconn *conn, int64_t since_ms, const char *target,
                               dgp_avail_t *avail, size_t *rows, char *errstr,
                               size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_PROBE_H */
