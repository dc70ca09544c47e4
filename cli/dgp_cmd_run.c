/*
 * dgp_cmd_run.c — `dgp run`: the long-running service, Kafka → PostgreSQL.
 *
 *   kafka_source ─message─▶ resource of the topic (catalog, run.topic.prefix)
 *     ─copy into batch arena─▶ parser (JSON | CSV with its header) ─▶ raw slices
 *     ─dgp_batch_add─▶ normalise, hash, classify (the record path of `dgp load`)
 *     ─batch full (batch.max.rows) or old (batch.max.ms)─▶
 *     sink: one transaction = rows + rejects + dgp_ops.offsets of the batch
 *     ─COMMIT─▶ dedup cache, metrics, informational Kafka commit, reject.topic
 *
 * One batch per resource; a batch carries, for every partition it read
 * from, the offset it resumed from and the next offset, written in the
 * batch's own transaction, so PostgreSQL always stands at a batch boundary.
 * Partitions are revoked only after their batches committed, assigned at
 * the offsets PostgreSQL holds.
 *
 * Stale writer: a member stuck past the session timeout (PostgreSQL slow)
 * loses its partitions while it still holds a batch; the new owner resumes
 * from the same stored offset, so both hold overlapping batches.  The first
 * to commit wins; the sink refuses the other with DGP_ERR_STALE (the stored
 * offset is no longer where that batch started).  Its owner drops the batch
 * uncounted, seeks its partitions to the stored offsets and reads on.  The
 * from offset of a partition is where PostgreSQL stood when this member
 * last looked (assignment, its own last commit), not the batch's first
 * message offset, so gaps in a partition (compaction, transaction markers)
 * never look stale.
 *
 * When PostgreSQL is down, the batch in flight is kept, fetching is paused
 * (memory stays at one batch per resource plus librdkafka's bounded
 * prefetch), the write is retried with backoff, then fetching resumes.
 *
 * After a rebalance the dedup caches of the newly assigned resources are
 * warmed again from dgp_src, because another member may have written their
 * keys meanwhile (a stale cache could call a changed record UNCHANGED).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgp_clock.h"
#include "dgp_batch.h"
#include "dgp_catalog.h"
#include "dgp_catalog_gauges.h"
#include "dgp_golden.h"
#include "dgp_catalog_schema.h"
#include "dgp_catalog_sync.h"
#include "dgp_cmd.h"
#include "dgp_dedup.h"
#include "dgp_http.h"
#include "dgp_kafka.h"
#include "dgp_kafka_source.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_parse.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "dgp run: shutdown.timeout.ms passed before the batch in flight "
				  "was committed; exiting without it (it is read again at restart)\n";
	ssize_t w = write(2, msg, sizeof(msg) - 1);
	(void)w;
	_exit(1);
}

/* One resource being consumed: its batch in flight and where its partitions stand. */
typedef struct res_state {
	const dgp_catalog_resource_t *res;
	char *topic; /* full topic name */
	const dgp_schema_t *schema;
	dgp_dedup_t *cache;
	bool warm;
	dgp_batch_t *batch;
	dgp_parser_t *json, *csv;
	size_t unknown_logged[2]; /* names of json, csv reported (dgp_cli_unknown_fields) */
	uint64_t *unknown_counted[2];
	char *csv_header; /* header the csv parser holds, NULL none */
	size_t csv_header_len;
	bool csv_header_ok;
	char *default_header; /* catalog field order */
	dgp_slice_t *vals;
	dgp_pg_offset_t *offs; /* from and next offset per partition read in this batch */
	size_t n_offs, cap_offs;
	double first_at; /* monotonic time of the batch's first record */
	int64_t *ts_ms;  /* message timestamps of the batch, for the end-to-end latency */
	size_t n_ts, cap_ts;
	dgp_metrics_resource_t m;
	struct res_state *next;
} res_state_t;

/* Where a partition stands in PostgreSQL as this member last saw it: the next batch's from offset. */
typedef struct part_pos {
	char *topic;
	int32_t partition;
	int64_t stored; /* -1: nothing stored when assigned */
} part_pos_t;

typedef struct run {
	dgp_cli_t *cli;
	const char *catalog_dir; /* --catalog, NULL: catalog.dir; SIGHUP reloads it */
	dgp_catalog_t *cat;
	dgp_arena_t *arena; /* schemas: lives as long as cat */
	PGconn *conn;
	dgp_pg_sink_t *sink;
	dgp_kafka_source_t *src;
	rd_kafka_t *reject_producer;
	res_state_t *resources, *last_hit;
	part_pos_t *pos; /* every partition ever assigned */
	size_t n_pos, cap_pos;
	uint64_t key_mask;
	dgp_norm_ctx_t ctx;
	dgp_metrics_t *reg;
	dgp_metrics_std_t std;
	dgp_histogram_t *e2e; /* dgp_kafka_end_to_end_seconds */
	double gauges_at;     /* monotonic time of the next catalog gauges refresh */
	dgp_http_t *http;
	_Atomic bool pg_ok;
	bool stopping;
	/* totals */
	uint64_t read, rows_written, rejected, batches, unknown_topic;
	uint64_t log_read, log_rows;
	double log_at, last_msg_at;
} run_t;

static dgp_err_t reconnect(run_t *r, char *err, size_t err_size)
{
	PGconn *c;
	dgp_err_t e = dgp_pg_connect(r->cli->cfg->pg_conninfo, r->cli->cfg->pg_connect_timeout_ms,
				     &c, err, err_size);
	if (e != DGP_OK)
		return e;
	e = dgp_pg_set_time_zone(c, (int32_t)r->cli->cfg->norm_utc_offset_minutes, err, err_size);
	if (e != DGP_OK) {
		PQfinish(c);
		return e;
	}
	PQfinish(r->conn);
	r->conn = c;
	dgp_pg_sink_set_conn(r->sink, c);
	atomic_store(&r->pg_ok, true);
	return DGP_OK;
}

/* ---- partition positions ------------------------------------------------------------ */

static part_pos_t *pos_get(run_t *r, const char *topic, int32_t partition)
{
	for (size_t i = 0; i < r->n_pos; i++)
		if (r->pos[i].partition == partition && strcmp(r->pos[i].topic, topic) == 0)
			return &r->pos[i];
	if (r->n_pos == r->cap_pos) {
		r->cap_pos = r->cap_pos ? r->cap_pos * 2 : 16;
		r->pos = dgp_xrealloc(r->pos, r->cap_pos * sizeof(*r->pos));
	}
	size_t len = strlen(topic) + 1;
	r->pos[r->n_pos] = (part_pos_t){dgp_xmalloc(len), partition, -1};
	memcpy(r->pos[r->n_pos].topic, topic, len);
	return &r->pos[r->n_pos++];
}

static void pos_free(run_t *r)
{
	for (size_t i = 0; i < r->n_pos; i++)
		free(r->pos[i].topic);
	free(r->pos);
}

/* ---- reject topic ---------------------------------------------------------------- */

static void produce_rejects(run_t *r, res_state_t *rs)
{
	if (!r->reject_producer)
		return;
	const char *rt = r->cli->cfg->reject_topic;
	size_t n = dgp_batch_size(rs->batch);
	for (size_t i = 0; i < n; i++) {
		const dgp_record_t *rec = dgp_batch_record(rs->batch, i);
		if (rec->reason == DGP_REASON_OK)
			continue;
		char part[16], off[24];
		snprintf(part, sizeof(part), "%" PRId32, rec->origin.partition);
		snprintf(off, sizeof(off), "%" PRId64, rec->origin.offset);
		const char *field = rec->reject_field >= 0
					    ? rs->schema->fields[rec->reject_field].source_name
					    : "";
		const char *reason = dgp_reason_name(rec->reason);
		rd_kafka_resp_err_t e;
		for (int tries = 0; tries < 100; tries++) {
			e = rd_kafka_producev(
				r->reject_producer, RD_KAFKA_V_TOPIC(rt),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_VALUE((void *)rec->raw.p, rec->raw.len),
				RD_KAFKA_V_HEADER("dgp-reason", reason, -1),
				RD_KAFKA_V_HEADER("dgp-field", field, -1),
				RD_KAFKA_V_HEADER("dgp-resource", rs->res->code, -1),
				RD_KAFKA_V_HEADER("dgp-topic", rec->origin.source, -1),
				RD_KAFKA_V_HEADER("dgp-partition", part, -1),
				RD_KAFKA_V_HEADER("dgp-offset", off, -1), RD_KAFKA_V_END);
			if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			rd_kafka_poll(r->reject_producer, 100);
		}
		if (e)
			dgp_log(DGP_LOG_WARN, "run", "reject.topic %s: %s (the reject is in "
				"dgp_ops.reject)", rt, rd_kafka_err2str(e));
	}
	rd_kafka_poll(r->reject_producer, 0);
}

/* ---- writing a batch ------------------------------------------------------------- */

static void bump_metrics(run_t *r, res_state_t *rs, double started)
{
	const dgp_batch_counts_t *c = dgp_batch_counts(rs->batch);
	dgp_metrics_std_batch(&r->std, &rs->m, c, dgp_clock_mono_s() - started, (double)time(NULL));
	dgp_metric_set(r->std.dedup_entries, (double)dgp_dedup_count(rs->cache));
	r->read += c->read;
	r->rejected += c->rejected;
	r->batches++;
}

static dgp_err_t hook_stored_offset(void *opaque, const char *topic, int32_t partition,
				    bool *found, int64_t *next, char *err, size_t err_size);

/*
 * Another writer committed part of rs's batch (see the file comment): forget
 * the batch without counting its records (dgp_batches_total{outcome="stale"}
 * counts the batch), seek its partitions back to the offsets
 * PostgreSQL holds, and warm the cache again (that writer wrote keys).
 * While stopping nothing is read again, so there is nothing to seek.
 */
static void drop_stale(run_t *r, res_state_t *rs, const char *why)
{
	dgp_metric_inc(rs->m.batches_stale, 1);
	dgp_log(DGP_LOG_WARN, "run", "%s: %s; dropped the batch (%zu records), its partitions "
		"are read again from the stored offsets", rs->res->code, why,
		dgp_batch_size(rs->batch));
	for (size_t i = 0; i < rs->n_offs && !r->stopping; i++) {
		const dgp_pg_offset_t *o = &rs->offs[i];
		bool found = false;
		int64_t next = -1;
		char err[512];
		double backoff = 0.2;
		while (hook_stored_offset(r, o->topic, o->partition, &found, &next, err,
					  sizeof(err)) != DGP_OK) {
			dgp_log(DGP_LOG_WARN, "run", "cannot read the stored offset of %s [%d] (%s); "
				"retrying in %.1f s", o->topic, (int)o->partition, err, backoff);
			dgp_clock_sleep_s(backoff);
			backoff = backoff < 5 ? backoff * 2 : 5;
		}
		if (dgp_kafka_source_seek(r->src, o->topic, o->partition, found ? next : -1, err,
					  sizeof(err)) != DGP_OK)
			dgp_log(DGP_LOG_INFO, "run", "%s (its next owner reads it from PostgreSQL)",
				err);
	}
	dgp_batch_reset(rs->batch);
	rs->n_offs = 0;
	rs->n_ts = 0;
	rs->first_at = 0;
	rs->warm = false;
}

/*
 * Write rs's batch with its offsets; on a lost connection pause the
 * consumer and retry with backoff until it commits (or, while stopping,
 * until shutdown.timeout.ms).  Returns DGP_OK or an error already logged.
 */
static dgp_err_t flush(run_t *r, res_state_t *rs)
{
	if (!dgp_batch_size(rs->batch))
		return DGP_OK;
	dgp_pg_progress_t pp = {.kind = DGP_PG_PROGRESS_KAFKA,
				.group_id = dgp_kafka_source_group(r->src),
				.n_offsets = rs->n_offs,
				.offsets = rs->offs};
	/* The unknown names of both parsers (at most one is in use per topic). */
	dgp_cli_unknown_progress(rs->json, rs->unknown_logged[0], rs->unknown_counted[0],
				 dgp_batch_arena(rs->batch), &pp);
	if (!pp.n_unknown)
		dgp_cli_unknown_progress(rs->csv, rs->unknown_logged[1], rs->unknown_counted[1],
					 dgp_batch_arena(rs->batch), &pp);
	double started = dgp_clock_mono_s(), backoff = 0.2;
	int refused = 0;
	bool paused_here = false, outcome_unknown = false;
	char err[2048];
	dgp_pg_sink_result_t res;
	dgp_err_t e;
	for (;;) {
		double t0 = dgp_clock_mono_s();
		e = dgp_pg_sink_write_batch(r->sink, rs->batch, &pp, &res, err, sizeof(err));
		if (e == DGP_OK) {
			dgp_histogram_observe(r->std.pg_roundtrip, dgp_clock_mono_s() - t0);
			break;
		}
		if (e == DGP_ERR_STALE)
			break;
		if (e == DGP_ERR_PG_CONN)
			outcome_unknown = true; /* the COMMIT may have landed: "already committed" is ours */
		if (e == DGP_ERR_PG && ++refused >= 3) {
			dgp_metric_inc(rs->m.batches_failed, 1);
			dgp_log(DGP_LOG_ERROR, "run", "postgresql refused a batch of %s three times: %s",
				rs->res->code, err);
			return e;
		}
		if (r->stopping && dgp_clock_mono_s() > started + r->cli->cfg->shutdown_timeout_ms / 1000.0)
			return DGP_ERR_TIMEOUT;
		atomic_store(&r->pg_ok, false);
		if (!dgp_kafka_source_paused(r->src)) {
			dgp_kafka_source_pause(r->src, true);
			paused_here = true;
		}
		dgp_log(DGP_LOG_WARN, "run", "writing a batch of %s failed (%s); retrying in %.1f s",
			rs->res->code, err, backoff);
		dgp_clock_sleep_s(backoff);
		backoff = backoff < 5 ? backoff * 2 : 5;
		if (e == DGP_ERR_PG_CONN || PQstatus(r->conn) != CONNECTION_OK) {
			char rerr[512];
			if (reconnect(r, rerr, sizeof(rerr)) != DGP_OK)
				dgp_log(DGP_LOG_WARN, "run", "reconnect failed: %s", rerr);
		}
	}
	atomic_store(&r->pg_ok, true);
	if (paused_here)
		dgp_kafka_source_pause(r->src, false);
	if (e == DGP_ERR_STALE) {
		drop_stale(r, rs, err);
		return DGP_OK;
	}
	if (res.already_committed && !outcome_unknown) {
		/* Not our COMMIT (none of ours was in doubt): a member that took the
		 * partitions over while this one was stopped committed past the batch. */
		drop_stale(r, rs, "stale batch: the stored offsets already stand at or past its end "
				  "(another member committed it meanwhile); nothing written");
		return DGP_OK;
	}
	if (res.met_existing)
		dgp_log(DGP_LOG_INFO, "run", "a batch of %s met keys the cache did not know (another "
			"member wrote them); merged", rs->res->code);
	dgp_batch_commit_cache(rs->batch, rs->cache);
	bump_metrics(r, rs, rs->first_at ? rs->first_at : started);
	int64_t now_ms = (int64_t)time(NULL) * 1000;
	struct timespec wall;
	if (clock_gettime(CLOCK_REALTIME, &wall) == 0)
		now_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
	for (size_t i = 0; i < rs->n_ts; i++)
		if (rs->ts_ms[i] > 0)
			dgp_histogram_observe(r->e2e, (double)(now_ms - rs->ts_ms[i]) / 1000.0);
	rs->n_ts = 0;
	r->rows_written += res.inserted + res.updated;
	for (size_t i = 0; i < rs->n_offs; i++) {
		pos_get(r, rs->offs[i].topic, rs->offs[i].partition)->stored = rs->offs[i].next_offset;
		dgp_kafka_source_commit(r->src, rs->offs[i].topic, rs->offs[i].partition,
					rs->offs[i].next_offset);
	}
	produce_rejects(r, rs);
	dgp_cli_unknown_fields("run", rs->res->code, rs->json, r->std.unknown_fields,
			       &rs->unknown_logged[0], &rs->unknown_counted[0]);
	dgp_cli_unknown_fields("run", rs->res->code, rs->csv, r->std.unknown_fields,
			       &rs->unknown_logged[1], &rs->unknown_counted[1]);
	dgp_batch_reset(rs->batch);
	rs->n_offs = 0;
	rs->first_at = 0;
	return DGP_OK;
}

static dgp_err_t flush_all(run_t *r)
{
	dgp_err_t result = DGP_OK;
	for (res_state_t *rs = r->resources; rs; rs = rs->next)
		if (flush(r, rs) != DGP_OK)
			result = DGP_ERR_PG;
	return result;
}

/* ---- resources --------------------------------------------------------------------- */

static dgp_err_t warm(run_t *r, res_state_t *rs, char *err, size_t err_size)
{
	dgp_dedup_destroy(rs->cache);
	rs->cache = dgp_dedup_new(0);
	uint64_t loaded = 0;
	double t0 = dgp_clock_mono_s();
	for (;;) {
		if (dgp_pg_sink_warm_cache(r->conn, rs->schema, rs->cache, r->key_mask, &loaded, err,
					   err_size) == DGP_OK)
			break;
		if (PQstatus(r->conn) == CONNECTION_OK)
			return DGP_ERR_PG; /* e.g. table missing: catalog not synced */
		dgp_log(DGP_LOG_WARN, "run", "warming %s: %s; retrying", rs->res->code, err);
		dgp_clock_sleep_s(1);
		char rerr[512];
		if (reconnect(r, rerr, sizeof(rerr)) != DGP_OK)
			dgp_log(DGP_LOG_WARN, "run", "reconnect failed: %s", rerr);
		dgp_dedup_destroy(rs->cache);
		rs->cache = dgp_dedup_new(0);
	}
	rs->warm = true;
	dgp_log(DGP_LOG_INFO, "run", "%s: %" PRIu64 " keys warm from dgp_src.%s in %.1f s",
		rs->res->code, loaded, rs->schema->table, dgp_clock_mono_s() - t0);
	return DGP_OK;
}

static const char *strip_prefix(run_t *r, const char *topic)
{
	const char *p = r->cli->cfg->run_topic_prefix;
	size_t n = strlen(p);
	return strncmp(topic, p, n) == 0 ? topic + n : NULL;
}

static res_state_t *state_for_topic(run_t *r, const char *topic)
{
	if (r->last_hit && strcmp(r->last_hit->topic, topic) == 0)
		return r->last_hit;
	for (res_state_t *rs = r->resources; rs; rs = rs->next)
		if (strcmp(rs->topic, topic) == 0)
			return r->last_hit = rs;
	const char *bare = strip_prefix(r, topic);
	const dgp_catalog_resource_t *res = bare ? dgp_catalog_find_by_topic(r->cat, bare) : NULL;
	if (!res)
		return NULL;
	char err[2048];
	res_state_t *rs = dgp_arena_calloc(r->arena, sizeof(*rs));
	rs->res = res;
	rs->topic = dgp_arena_strdup(r->arena, topic);
	if (dgp_catalog_schema_build(r->cat, res, r->arena, &rs->schema, err, sizeof(err)) != DGP_OK) {
		dgp_log(DGP_LOG_ERROR, "run", "%s: %s", res->code, err);
		return NULL;
	}
	rs->batch = dgp_batch_new(rs->schema, (size_t)r->cli->cfg->batch_max_rows, r->key_mask);
	bool strict = dgp_cli_strict_unknown(r->cli->cfg, res->code);
	dgp_parse_opts_t jo = {DGP_FORMAT_JSONL, 0, 0, strict}, co = {DGP_FORMAT_CSV, 0, 0, strict};
	rs->json = dgp_parse_new(rs->schema, &jo);
	rs->csv = dgp_parse_new(rs->schema, &co);
	size_t len = 0;
	for (size_t i = 0; i < rs->schema->nfields; i++)
		len += strlen(rs->schema->fields[i].source_name) + 1;
	rs->default_header = dgp_arena_alloc(r->arena, len + 1);
	rs->default_header[0] = '\0';
	for (size_t i = 0; i < rs->schema->nfields; i++) {
		if (i)
			strcat(rs->default_header, ",");
		strcat(rs->default_header, rs->schema->fields[i].source_name);
	}
	rs->vals = dgp_arena_calloc(r->arena, (rs->schema->nfields + 1) * sizeof(*rs->vals));
	dgp_metrics_std_resource(&r->std, res->code, &rs->m);
	rs->next = r->resources;
	r->resources = rs;
	return r->last_hit = rs;
}

static void state_free(res_state_t *rs)
{
	dgp_dedup_destroy(rs->cache);
	dgp_batch_destroy(rs->batch);
	dgp_parse_destroy(rs->json);
	dgp_parse_destroy(rs->csv);
	free(rs->unknown_counted[0]);
	free(rs->unknown_counted[1]);
	free(rs->csv_header);
	free(rs->offs);
	free(rs->ts_ms);
}

static void states_free(run_t *r)
{
	for (res_state_t *rs = r->resources; rs; rs = rs->next)
		state_free(rs);
	r->resources = r->last_hit = NULL;
}

/* ---- one message ------------------------------------------------------------------- */

/* offset of partition went into rs's batch; a partition new to the batch starts where PostgreSQL stood. */
static void note_offset(run_t *r, res_state_t *rs, int32_t partition, int64_t offset)
{
	for (size_t i = 0; i < rs->n_offs; i++)
		if (rs->offs[i].partition == partition) {
			rs->offs[i].next_offset = offset + 1;
			return;
		}
	if (rs->n_offs == rs->cap_offs) {
		rs->cap_offs = rs->cap_offs ? rs->cap_offs * 2 : 8;
		rs->offs = dgp_xrealloc(rs->offs, rs->cap_offs * sizeof(*rs->offs));
	}
	int64_t stored = pos_get(r, rs->topic, partition)->stored;
	rs->offs[rs->n_offs++] = (dgp_pg_offset_t){.topic = rs->topic,
						   .partition = partition,
						   .from_offset = stored >= 0 ? stored : offset,
						   .next_offset = offset + 1};
}

/* The CSV parser of rs set to header h; false with detail when the header is unusable. */
static bool csv_header(res_state_t *rs, const char *h, size_t hl, char *detail, size_t dsize)
{
	if (rs->csv_header && rs->csv_header_len == hl && memcmp(rs->csv_header, h, hl) == 0) {
		if (!rs->csv_header_ok)
			snprintf(detail, dsize, "unusable CSV header");
		return rs->csv_header_ok;
	}
	free(rs->csv_header);
	rs->csv_header = dgp_xmalloc(hl + 1);
	memcpy(rs->csv_header, h, hl);
	rs->csv_header[hl] = '\0';
	rs->csv_header_len = hl;
	char err[512];
	rs->csv_header_ok = dgp_parse_csv_header(rs->csv, h, hl, err, sizeof(err)) == DGP_OK;
	if (!rs->csv_header_ok)
		snprintf(detail, dsize, "CSV header: %.400s", err);
	return rs->csv_header_ok;
}

static dgp_err_t handle_message(run_t *r, dgp_kafka_msg_t *m)
{
	res_state_t *rs = state_for_topic(r, m->topic);
	if (!rs) {
		if (r->unknown_topic++ % 10000 == 0)
			dgp_log(DGP_LOG_WARN, "run", "topic %s names no catalog resource; its "
				"messages are not loaded (offsets not stored: read again once the "
				"catalog names it)", m->topic);
		return DGP_OK;
	}
	char err[2048];
	if (!rs->warm && warm(r, rs, err, sizeof(err)) != DGP_OK) {
		dgp_log(DGP_LOG_ERROR, "run", "%s: %s (is the catalog synced? dgp catalog sync)",
			rs->res->code, err);
		return DGP_ERR_PG;
	}
	dgp_arena_t *a = dgp_batch_arena(rs->batch);
	dgp_origin_t origin = {.source = rs->topic,
			       .partition = m->partition,
			       .offset = m->offset,
			       .line = -1,
			       .end_offset = m->offset + 1};
	char detail[512];
	/* The charset the message names, else the resource's encoding (catalog). */
	dgp_reason_t reason =
		dgp_kafka_source_text(r->src, m, dgp_catalog_encoding_name(rs->res->encoding));
	const char *det = m->detail;
	if (reason == DGP_REASON_OK) {
		dgp_parser_t *p = rs->json;
		if (m->format == DGP_FORMAT_CSV) {
			p = rs->csv;
			const char *h = m->csv_header ? m->csv_header : rs->default_header;
			size_t hl = m->csv_header ? m->csv_header_len : strlen(rs->default_header);
			if (!csv_header(rs, h, hl, detail, sizeof(detail)))
				reason = DGP_REASON_MALFORMED;
		}
		if (reason == DGP_REASON_OK) {
			char *text = dgp_arena_memdup(a, m->payload, m->len);
			reason = dgp_parse_record(p, text, m->len, a, rs->vals, detail,
						  sizeof(detail));
		}
		det = reason == DGP_REASON_OK ? NULL : detail;
	}
	if (!dgp_batch_size(rs->batch)) {
		rs->first_at = dgp_clock_mono_s();
		/* a run outlives midnight: "today" is taken per batch */
		r->ctx = dgp_norm_ctx_now(r->ctx.utc_offset_min);
	}
	dgp_batch_add(rs->batch, rs->cache, &r->ctx, &origin, m->raw, m->raw_len,
		      reason == DGP_REASON_OK ? rs->vals : NULL, reason, det);
	note_offset(r, rs, m->partition, m->offset);
	if (rs->n_ts == rs->cap_ts) {
		rs->cap_ts = rs->cap_ts ? rs->cap_ts * 2 : 1024;
		rs->ts_ms = dgp_xrealloc(rs->ts_ms, rs->cap_ts * sizeof(*rs->ts_ms));
	}
	rs->ts_ms[rs->n_ts++] = m->timestamp_ms;
	r->log_read++;
	if (dgp_batch_full(rs->batch))
		return flush(r, rs);
	return DGP_OK;
}

/* ---- consumer hooks ---------------------------------------------------------------- */

static void hook_revoke(void *opaque, const rd_kafka_topic_partition_list_t *parts)
{
	(void)parts; /* batches span partitions of a topic: commit them all */
	run_t *r = opaque;
	if (flush_all(r) != DGP_OK)
		dgp_log(DGP_LOG_ERROR, "run", "could not commit before giving partitions up; "
			"their uncommitted messages will be read again by the next owner");
}

static dgp_err_t hook_stored_offset(void *opaque, const char *topic, int32_t partition,
				    bool *found, int64_t *next, char *err, size_t err_size)
{
	run_t *r = opaque;
	dgp_err_t e = dgp_pg_sink_offsets_get(r->conn, dgp_kafka_source_group(r->src), topic,
					      partition, found, next, err, err_size);
	if (e == DGP_OK)
		pos_get(r, topic, partition)->stored = *found ? *next : -1;
	if (e != DGP_OK && PQstatus(r->conn) != CONNECTION_OK) {
		char rerr[512];
		atomic_store(&r->pg_ok, false);
		if (reconnect(r, rerr, sizeof(rerr)) != DGP_OK)
			dgp_log(DGP_LOG_WARN, "run", "reconnect failed: %s", rerr);
	}
	return e;
}

static void hook_assigned(void *opaque, const rd_kafka_topic_partition_list_t *parts)
{
	run_t *r = opaque;
	r->last_msg_at = dgp_clock_mono_s(); /* --until-idle counts from the assignment */
	/* Another member may have written these keys: warm their caches again before use. */
	for (int i = 0; i < parts->cnt; i++)
		for (res_state_t *rs = r->resources; rs; rs = rs->next)
			if (strcmp(rs->topic, parts->elems[i].topic) == 0) {
				if (flush(r, rs) == DGP_OK)
					rs->warm = false;
			}
}

static bool ready(void *opaque, char *why, size_t why_size)
{
	run_t *r = opaque;
	if (!atomic_load(&r->pg_ok)) {
		snprintf(why, why_size, "postgresql unreachable");
		return false;
	}
	if (!r->src || dgp_kafka_source_assigned(r->src) == 0) {
		snprintf(why, why_size, "no kafka partitions assigned");
		return false;
	}
	return true;
}

/* ---- subscription, reload --------------------------------------------------------- */

static dgp_err_t subscribe(run_t *r, char *err, size_t err_size)
{
	const dgp_config_t *cfg = r->cli->cfg;
	size_t n = 0, cap = 16;
	char **topics = dgp_xcalloc(cap, sizeof(*topics));
	if (*cfg->run_topics) {
		char *copy = strdup(cfg->run_topics), *save = NULL;
		for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
			if (n == cap)
				topics = dgp_xrealloc(topics, (cap *= 2) * sizeof(*topics));
			/* a name gets the prefix like the catalog's names; a regex is the
			 * operator's own and must match the prefixed names */
			const char *pre = t[0] == '^' ? "" : cfg->run_topic_prefix;
			size_t l = strlen(pre) + strlen(t) + 1;
			topics[n] = dgp_xmalloc(l);
			snprintf(topics[n++], l, "%s%s", pre, t);
		}
		free(copy);
	} else {
		size_t nres;
		const dgp_catalog_resource_t *res = dgp_catalog_resources(r->cat, &nres);
		topics = dgp_xrealloc(topics, (nres + 1) * sizeof(*topics));
		for (size_t i = 0; i < nres; i++) {
			size_t l = strlen(cfg->run_topic_prefix) + strlen(res[i].topic) + 1;
			topics[n] = dgp_xmalloc(l);
			snprintf(topics[n++], l, "%s%s", cfg->run_topic_prefix, res[i].topic);
		}
	}
	dgp_err_t e = dgp_kafka_source_subscribe(r->src, (const char *const *)topics, n, err,
						 err_size);
	if (e == DGP_OK)
		dgp_log(DGP_LOG_INFO, "run", "subscribed to %zu topic%s%s%s in group %s", n,
			n == 1 ? "" : "s", *cfg->run_topics ? ": " : "",
			*cfg->run_topics ? cfg->run_topics : "", dgp_kafka_source_group(r->src));
	for (size_t i = 0; i < n; i++)
		free(topics[i]);
	free(topics);
	return e;
}

static void reload(run_t *r)
{
	dgp_catalog_t *cat;
	dgp_log(DGP_LOG_INFO, "run", "SIGHUP: reloading the catalog");
	if (dgp_cli_load_catalog(r->cli, "run", r->catalog_dir, &cat) != DGP_EXIT_OK) {
		dgp_log(DGP_LOG_ERROR, "run", "catalog reload failed; keeping the old catalog");
		return;
	}
	char err[2048];
	dgp_catalog_sync_report_t rep;
	if (flush_all(r) != DGP_OK || dgp_catalog_sync(r->conn, cat, &rep, err, sizeof(err)) != DGP_OK) {
		dgp_log(DGP_LOG_ERROR, "run", "catalog reload: sync failed (%s); keeping the old "
			"catalog", err);
		dgp_catalog_destroy(cat);
		return;
	}
	states_free(r);
	dgp_arena_destroy(r->arena);
	dgp_catalog_destroy(r->cat);
	r->cat = cat;
	r->arena = dgp_arena_new(0);
	/* New schema pointers: a new sink, so no SQL built for the old ones survives. */
	dgp_pg_sink_destroy(r->sink);
	r->sink = dgp_pg_sink_new(r->conn, NULL);
	dgp_catalog_gauges_tick("run", r->conn, cat, &r->std,
				r->cli->cfg->metrics_catalog_interval_ms, true, &r->gauges_at);
	size_t nres;
	dgp_catalog_resources(cat, &nres);
	dgp_log(DGP_LOG_INFO, "run", "catalog reloaded: %zu resources; %zu tables created, %zu "
		"columns added", nres, rep.tables_created, rep.columns_added);
	if (subscribe(r, err, sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_ERROR, "run", "%s", err);
}

/* ---- progress line ----------------------------------------------------------------- */

typedef struct lag_ctx {
	run_t *r;
} lag_ctx_t;

static void lag_one(void *opaque, const char *topic, int32_t partition, int64_t lag)
{
	run_t *r = opaque;
	char p[16];
	snprintf(p, sizeof(p), "%" PRId32, partition);
	const char *v[] = {topic, p};
	dgp_metric_set(dgp_metric_get(r->std.kafka_lag, v), (double)lag);
}

static int64_t log_progress(run_t *r, bool force)
{
	double t = dgp_clock_mono_s();
	if (!force && t - r->log_at < r->cli->cfg->run_log_interval_ms / 1000.0)
		return -1;
	int64_t lag = dgp_kafka_source_lag(r->src, lag_one, r);
	double el = t - r->log_at;
	dgp_log(DGP_LOG_INFO, "run",
		"%.0f records/s, %" PRIu64 " records, %" PRIu64 " rows written, %" PRIu64
		" rejected, %" PRIu64 " batches committed, %zu partitions, lag %" PRId64 "%s",
		el > 0 ? (double)r->log_read / el : 0, r->read, r->rows_written, r->rejected,
		r->batches, dgp_kafka_source_assigned(r->src), lag,
		dgp_kafka_source_paused(r->src) ? " (paused: postgresql)" : "");
	r->log_at = t;
	r->log_read = 0;
	return lag;
}

/* ---- the command ------------------------------------------------------------------- */

static int run_loop(run_t *r, double until_idle_s)
{
	char err[2048];
	r->log_at = r->last_msg_at = dgp_clock_mono_s();
	double backlog_at = 0;
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			reload(r);
		}
		dgp_kafka_msg_t m;
		int got = dgp_kafka_source_next(r->src, 100, &m, err, sizeof(err));
		if (got < 0) {
			dgp_log(DGP_LOG_ERROR, "run", "%s", err);
			return DGP_EXIT_FAIL;
		}
		double t = dgp_clock_mono_s();
		if (got > 0) {
			r->last_msg_at = t;
			if (handle_message(r, &m) != DGP_OK)
				return DGP_EXIT_FAIL;
		}
		/* Batches close on age too, so latency stays bounded at low traffic. */
		double max_age = r->cli->cfg->batch_max_ms / 1000.0;
		for (res_state_t *rs = r->resources; rs; rs = rs->next)
			if (dgp_batch_size(rs->batch) && t - rs->first_at >= max_age &&
			    flush(r, rs) != DGP_OK)
				return DGP_EXIT_FAIL;
		log_progress(r, false);
		dgp_catalog_gauges_tick("run", r->conn, r->cat, &r->std,
					r->cli->cfg->metrics_catalog_interval_ms, false, &r->gauges_at);
		if (until_idle_s > 0 && t - r->last_msg_at >= until_idle_s &&
		    dgp_kafka_source_assigned(r->src) > 0) {
			bool pending = false;
			for (res_state_t *rs = r->resources; rs; rs = rs->next)
				pending |= dgp_batch_size(rs->batch) > 0;
			/* Every partition of every subscribed topic, held here or not
			 * (one added a moment ago too), must stand committed at its
			 * high-water mark; asked at most once a second. */
			if (!pending && t >= backlog_at) {
				backlog_at = t + 1;
				int64_t backlog = dgp_kafka_source_backlog(r->src, 5000, err, sizeof(err));
				if (backlog == 0) {
					dgp_log(DGP_LOG_INFO, "run", "idle for %.1f s with every "
						"partition of the subscribed topics committed at its "
						"high-water mark; stopping (--until-idle)", until_idle_s);
					return DGP_EXIT_OK;
				}
				if (backlog < 0)
					dgp_log(DGP_LOG_WARN, "run", "--until-idle: %s", err);
			}
		}
	}
	return DGP_EXIT_OK;
}

static rd_kafka_t *reject_producer_new(const dgp_config_t *cfg, char *err, size_t err_size)
{
	rd_kafka_conf_t *conf = dgp_kafka_conf_new(cfg, err, err_size);
	if (!conf)
		return NULL;
	char msg[512];
	rd_kafka_conf_set(conf, "enable.idempotence", "true", msg, sizeof(msg));
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, err_size);
	if (!p)
		rd_kafka_conf_destroy(conf);
	return p;
}

int dgp_cmd_run(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"until-idle", required_argument, NULL, 'i'},
		{"catalog", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	const char *catalog_dir = NULL;
	double until_idle_s = 0;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0) {
				dgp_cli_err("run", "--until-idle takes milliseconds > 0, not \"%s\"",
					    optarg);
				return DGP_EXIT_USAGE;
			}
			until_idle_s = v / 1000.0;
			break;
		}
		case 'C':
			catalog_dir = optarg;
			break;
		default:
			return DGP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		dgp_cli_err("run", "unexpected argument \"%s\" (try \"dgp run --help\")", argv[optind]);
		return DGP_EXIT_USAGE;
	}
	run_t r = {.cli = cli, .catalog_dir = catalog_dir};
	if (dgp_cli_load_catalog(cli, "run", catalog_dir, &r.cat) != DGP_EXIT_OK)
		return DGP_EXIT_FAIL;
	char err[2048];
	if (dgp_pg_connect(cli->cfg->pg_conninfo, cli->cfg->pg_connect_timeout_ms, &r.conn, err,
			   sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "postgresql unreachable within pg.connect.timeout.ms (%lld ms): %s",
			    (long long)cli->cfg->pg_connect_timeout_ms, err);
		dgp_catalog_destroy(r.cat);
		return DGP_EXIT_FAIL;
	}
	if (dgp_pg_set_time_zone(r.conn, (int32_t)cli->cfg->norm_utc_offset_minutes, err,
				 sizeof(err)) != DGP_OK ||
	    dgp_pg_sink_ensure_ops(r.conn, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "postgresql: %s", err);
		PQfinish(r.conn);
		dgp_catalog_destroy(r.cat);
		return DGP_EXIT_FAIL;
	}
	atomic_store(&r.pg_ok, true);
	r.arena = dgp_arena_new(0);
	r.sink = dgp_pg_sink_new(r.conn, NULL);
	int bits = (int)cli->cfg->dedup_key_hash_bits;
	r.key_mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
	r.ctx = dgp_norm_ctx_now((int32_t)cli->cfg->norm_utc_offset_minutes);
	r.reg = dgp_metrics_new();
	dgp_metrics_std_register(r.reg, &r.std);
	static const double e2e_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
					    0.8, 0.9, 1, 1.25, 1.5, 2, 3, 5, 10, 30, 60};
	r.e2e = dgp_histogram_get(
		dgp_metrics_histogram(r.reg, "dgp_kafka_end_to_end_seconds",
				      "From the message's Kafka timestamp (produce time) to the "
				      "COMMIT of its batch in PostgreSQL.",
				      NULL, e2e_bounds, sizeof(e2e_bounds) / sizeof(e2e_bounds[0])),
		NULL);
	/* Rows, last loads and compliance of every resource, whoever loaded them. */
	dgp_catalog_gauges_tick("run", r.conn, r.cat, &r.std, cli->cfg->metrics_catalog_interval_ms,
				true, &r.gauges_at);

	int rc = DGP_EXIT_FAIL;
	dgp_kafka_source_opts_t so = {
		.cfg = cli->cfg,
		.connect_timeout_ms = (int)cli->cfg->run_kafka_timeout_ms,
		.max_message_bytes = (size_t)cli->cfg->load_max_record_bytes,
		.hooks = {&r, hook_revoke, hook_stored_offset, hook_assigned},
	};
	if (dgp_kafka_source_new(&so, &r.src, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "%s (run.kafka.timeout.ms)", err);
		goto out;
	}
	if (*cli->cfg->reject_topic &&
	    !(r.reject_producer = reject_producer_new(cli->cfg, err, sizeof(err)))) {
		dgp_cli_err("run", "reject.topic producer: %s", err);
		goto out;
	}
	if (dgp_http_start_config(cli->cfg, r.reg, ready, &r, &r.http, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "http endpoint: %s", err);
		goto out;
	}
	if (r.http)
		dgp_log(DGP_LOG_INFO, "run", "metrics on port %u (/metrics, /healthz, /readyz)",
			(unsigned)dgp_http_port(r.http));
	if (subscribe(&r, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "%s", err);
		goto out;
	}
	/* Golden records off the write path: the batches queue their keys, this
	 * thread refreshes them on its own connection every golden.interval.ms. */
	dgp_golden_worker_t *golden = NULL;
	if (dgp_golden_worker_start(cli->cfg->pg_conninfo, cli->cfg->pg_connect_timeout_ms,
				    cli->cfg->golden_batch_keys, cli->cfg->golden_interval_ms,
				    r.std.golden_queue_keys, r.std.golden_lag, &golden, err,
				    sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "%s", err);
		goto out;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);

	rc = run_loop(&r, until_idle_s);
	/* Shutdown: finish and commit the batches, leave the group, within the timeout. */
	r.stopping = true;
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)((cli->cfg->shutdown_timeout_ms + 999) / 1000));
	if (flush_all(&r) != DGP_OK)
		rc = DGP_EXIT_FAIL;
	dgp_kafka_source_close(r.src); /* the revoke hook runs: nothing left to flush */
	r.src = NULL;
	if (r.reject_producer)
		rd_kafka_flush(r.reject_producer, 5000);
	/* A last drain for what the final batches queued; past the shutdown
	 * timeout the keys stay queued for the next dgp run or dgp golden. */
	dgp_golden_worker_stop(golden, true);
	alarm(0);
	printf("dgp run: %" PRIu64 " records, %" PRIu64 " rows written, %" PRIu64
	       " rejected, %" PRIu64 " batches committed\n",
	       r.read, r.rows_written, r.rejected, r.batches);
out:
	dgp_http_stop(r.http);
	dgp_kafka_source_close(r.src);
	if (r.reject_producer)
		rd_kafka_destroy(r.reject_producer);
	states_free(&r);
	pos_free(&r);
	dgp_metrics_destroy(r.reg);
	dgp_pg_sink_destroy(r.sink);
	PQfinish(r.conn);
	dgp_arena_destroy(r.arena);
	dgp_catalog_destroy(r.cat);
	return rc;
}
