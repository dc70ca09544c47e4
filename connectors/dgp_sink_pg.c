/*
 * dgp_sink_pg.c — the PostgreSQL sink behind the engine's sink interface
 * (see dgp_sink_pg.h): maps spans to progress rows and answers to
 * statuses; the writing itself is dgp_pg_sink.c's.
 */
#include "dgp_sink_pg.h"

#include <stdio.h>
#include <string.h>

#include "dgp_pg.h"

static void set_down(dgp_sink_pg_t *s, bool down)
{
	if (s->ready)
		dgp_http_readiness_set(s->ready, down ? DGP_SINK_PG_DOWN : NULL);
}

/* A failed read on a broken connection is a lost connection (reconnect, ask again). */
static dgp_err_t conn_err(dgp_sink_pg_t *s, dgp_err_t e)
{
	if (e != DGP_OK && PQstatus(s->conn) != CONNECTION_OK) {
		set_down(s, true);
		return DGP_ERR_PG_CONN;
	}
	return e;
}

static dgp_sink_status_t pg_write(void *opaque, dgp_batch_t *batch,
                                  const dgp_sink_progress_t *progress, dgp_sink_result_t *result,
                                  char *err, size_t err_size)
{
	dgp_sink_pg_t *s = opaque;
	dgp_pg_progress_t pp = {.n_unknown = progress->n_unknown,
	                        .unknown_names = progress->unknown_names,
	                        .unknown_records = progress->unknown_records};
	const dgp_sink_span_t *file = NULL;
	if (progress->n_spans && progress->spans[0].partition < 0) {
		file = &progress->spans[0];
		pp.kind = DGP_PG_PROGRESS_FILE;
		pp.file_id = s->file_id;
		pp.path = s->path;
		pp.resource_code = s->resource_code;
		pp.next_offset = file->next_offset;
		pp.next_line = file->next_line;
		pp.records = s->records_base + (int64_t)file->records;
		pp.complete = file->complete;
		pp.load_log_id = s->load_log_id;
	} else if (progress->n_spans) {
		dgp_pg_offset_t *offs =
		    dgp_arena_alloc(dgp_batch_arena(batch), progress->n_spans * sizeof(*offs));
		for (size_t i = 0; i < progress->n_spans; i++)
			offs[i] = (dgp_pg_offset_t){
			    progress->spans[i].source, progress->spans[i].partition,
			    progress->spans[i].from_offset, progress->spans[i].next_offset};
		pp.kind = DGP_PG_PROGRESS_KAFKA;
		pp.group_id = s->group_id;
		pp.n_offsets = progress->n_spans;
		pp.offsets = offs;
	}
	dgp_pg_sink_result_t res;
	dgp_err_t e = dgp_pg_sink_write_batch(s->pg, batch, &pp, &res, err, err_size);
	switch (e) {
	case DGP_OK:
		if (file)
			s->records_base = pp.records;
		if (res.already_committed)
			return DGP_SINK_ALREADY_COMMITTED;
		*result = (dgp_sink_result_t){res.inserted, res.updated, res.deleted, res.absent,
		                              res.met_existing};
		return DGP_SINK_OK;
	case DGP_ERR_PG_CONN:
		set_down(s, true);
		return DGP_SINK_CONN_LOST;
	case DGP_ERR_STALE:
		return DGP_SINK_STALE;
	default:
		return DGP_SINK_REFUSED;
	}
}

static dgp_err_t pg_stored(void *opaque, const char *source, int32_t partition, bool *found,
                           int64_t *next_offset, int64_t *next_line, char *err, size_t err_size)
{
	dgp_sink_pg_t *s = opaque;
	*next_line = -1;
	if (partition >= 0)
		return conn_err(s, dgp_pg_sink_offsets_get(s->conn, s->group_id, source, partition,
		                                           found, next_offset, err, err_size));
	int64_t records = 0;
	bool complete = false;
	dgp_err_t e = dgp_pg_sink_file_progress_get(s->conn, s->file_id, found, next_offset,
	                                            next_line, &records, &complete, err, err_size);
	if (e == DGP_OK)
		s->records_base = *found ? records : 0;
	return conn_err(s, e);
}

static dgp_err_t pg_warm(void *opaque, const dgp_schema_t *schema, dgp_dedup_t *cache,
                         uint64_t key_hash_mask, uint64_t *loaded, char *err, size_t err_size)
{
	dgp_sink_pg_t *s = opaque;
	dgp_err_t e =
	    dgp_pg_sink_warm_cache(s->conn, schema, cache, key_hash_mask, loaded, err, err_size);
	e = conn_err(s, e);
	if (e != DGP_OK && e != DGP_ERR_PG_CONN) {
		size_t n = strlen(err);
		snprintf(err + n, err_size - n, " (is the catalog synced? run: dgp catalog sync)");
	}
	return e;
}

static dgp_err_t pg_reconnect(void *opaque, char *err, size_t err_size)
{
	dgp_sink_pg_t *s = opaque;
	PGconn *c;
	dgp_err_t e =
	    dgp_pg_connect(s->cfg->pg_conninfo, s->cfg->pg_connect_timeout_ms, &c, err, err_size);
	if (e != DGP_OK)
		return e;
	e = dgp_pg_set_time_zone(c, (int32_t)s->cfg->norm_utc_offset_minutes, err, err_size);
	if (e != DGP_OK) {
		PQfinish(c);
		return e;
	}
	PQfinish(s->conn);
	s->conn = c;
	dgp_pg_sink_set_conn(s->pg, c);
	set_down(s, false);
	return DGP_OK;
}

void dgp_sink_pg_init(dgp_sink_pg_t *s, const dgp_config_t *cfg, PGconn *conn,
                      dgp_http_readiness_t *ready)
{
	*s = (dgp_sink_pg_t){
	    .sink = {s, pg_write, pg_stored, pg_warm, pg_reconnect},
	    .cfg = cfg,
	    .conn = conn,
	    .pg = dgp_pg_sink_new(conn, &(dgp_pg_sink_opts_t){.staged_only = !cfg->pg_copy_direct}),
	    .ready = ready};
	set_down(s, false);
}

void dgp_sink_pg_fini(dgp_sink_pg_t *s)
{
	dgp_pg_sink_destroy(s->pg);
	PQfinish(s->conn);
	s->pg = NULL;
	s->conn = NULL;
}

void dgp_sink_pg_renew(dgp_sink_pg_t *s)
{
	dgp_pg_sink_destroy(s->pg);
	s->pg =
	    dgp_pg_sink_new(s->conn, &(dgp_pg_sink_opts_t){.staged_only = !s->cfg->pg_copy_direct});
}

void dgp_sink_pg_set_file(dgp_sink_pg_t *s, const char *file_id, const char *path,
                          const char *resource_code, int64_t records, int64_t load_log_id)
{
	s->file_id = file_id;
	s->path = path;
	s->resource_code = resource_code;
	s->records_base = records;
	s->load_log_id = load_log_id;
}
