/*
 * dgp_sink_pg.h — the PostgreSQL sink as the engine's dgp_sink_t.
 *
 *   engine ─write(batch, spans)─▶ spans → dgp_pg_progress_t (file progress for
 *           partition -1, else the group's Kafka offsets) ─▶ dgp_pg_sink_write_batch
 *           ─▶ DGP_OK | already committed | DGP_ERR_PG_CONN | DGP_ERR_STALE | other
 *           ─▶ OK | ALREADY_COMMITTED | CONN_LOST | STALE | REFUSED
 *   engine ─stored / warm / reconnect─▶ dgp_pg_sink_offsets_get / file_progress_get,
 *           dgp_pg_sink_warm_cache, a new connection (pg.conninfo, time zone)
 *
 * The adapter owns the connection; a reconnect replaces it under the sink.
 * Readiness (/readyz) follows the connection: down from a lost connection
 * until a reconnect succeeds.
 */
#ifndef DGP_SINK_PG_H
#define DGP_SINK_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "dgp_config.h"
#include "dgp_http.h"
#include "dgp_pg_sink.h"
#include "dgp_sink.h"

/* The reason /readyz gives while a lost PostgreSQL connection is being replaced. */
#define DGP_SINK_PG_DOWN "postgresql connection is down"

typedef struct dgp_sink_pg {
	dgp_sink_t sink; /* the interface; opaque is this */
	const dgp_config_t *cfg;
	PGconn *conn; /* owned; replaced by reconnect */
	dgp_pg_sink_t *pg;
	dgp_http_readiness_t *ready; /* may be NULL */
	const char *group_id;        /* Kafka progress: this consumer group's offsets */
	/* file progress: the file being loaded (dgp_sink_pg_set_file) */
	const char *file_id, *path, *resource_code;
	int64_t load_log_id;
	int64_t records_base; /* records of the file committed before the current batch */
} dgp_sink_pg_t;

/*
 * dgp_sink_pg_init — s over conn (taken over: closed by dgp_sink_pg_fini),
 * reconnecting with cfg's pg.conninfo, pg.connect.timeout.ms and
 * norm.utc.offset.minutes.  ready may be NULL.
 */
void dgp_sink_pg_init(dgp_sink_pg_t *s, const dgp_config_t *cfg, PGconn *conn,
                      dgp_http_readiness_t *ready);

/* dgp_sink_pg_fini — destroy the sink, close the connection. */
void dgp_sink_pg_fini(dgp_sink_pg_t *s);

/* dgp_sink_pg_renew — a new dgp_pg_sink_t on the same connection (a reloaded catalog's schemas). */
void dgp_sink_pg_renew(dgp_sink_pg_t *s);

/*
 * dgp_sink_pg_set_file — batches of partition -1 are file_id's progress from
 * now on (strings borrowed until the next call), records counted from
 * records (what the stored progress says), load_log_id > 0: its
 * dgp_ops.load_log row gets each batch's counts.
 */
void dgp_sink_pg_set_file(dgp_sink_pg_t *s, const char *file_id, const char *path,
                          const char *resource_code, int64_t records, int64_t load_log_id);

#endif /* DGP_SINK_PG_H */
