/*
 * dgp_cmd_load.c — `dgp load [--resource CODE] FILE...`: the bulk load,
 * wiring a file source and the PostgreSQL sink to the ingest engine.
 *
 *   FILE ─dgp_source_file─▶ engine (dgp_ingest: parse, normalise, classify,
 *        batch full / file end) ─dgp_sink_pg─▶ one transaction (rows, rejects,
 *        golden records, stats, file progress) ─COMMIT─▶ dedup cache updated
 *
 * This file keeps what is the command's own: which resource a file is for,
 * the file's identity and stored progress, the encoding check, the
 * dgp_ops.load_log row, progress output and the summary.
 *
 * The file's progress (content id, byte offset, line) is committed with
 * every batch, so an interrupted load resumes where it stopped and a
 * repeated load of a complete file does nothing.  The dedup cache of each
 * resource is warmed from its dgp_src table first, so reloading unchanged
 * data writes nothing at all.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgp_clock.h"
#include "dgp_batch.h"
#include "dgp_catalog.h"
#include "dgp_catalog_gauges.h"
#include "dgp_catalog_schema.h"
#include "dgp_cmd.h"
#include "dgp_dedup.h"
#include "dgp_file_chunks.h"
#include "dgp_file_source.h"
#include "dgp_golden.h"
#include "dgp_http.h"
#include "dgp_ingest.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_parse.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"
#include "dgp_sink_pg.h"
#include "dgp_source_file.h"

/* Records checked for a wrong encoding before a file's first batch. */
#define LOAD_ENCODING_SAMPLE 100

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* One resource seen in this run: its schema (its lane, cache included, is the engine's). */
typedef struct res_state {
	const dgp_catalog_resource_t *res;
	const dgp_schema_t *schema;
	struct res_state *next;
} res_state_t;

/*
 * Progress: on a terminal one line redrawn in place (4 times a second);
 * otherwise a first log line after 3 s (so its rate means something), then one
 * every 10 s, with the share of the file's bytes behind the records read.
 * Rows count what was read, committed or still in the open batch, so a slow
 * PostgreSQL does not freeze the figures.
 */
typedef struct progress {
	double start, last;
	uint64_t rows, rejects;        /* committed */
	uint64_t pending, pending_rej; /* in the batch being filled */
	uint64_t consumed;             /* bytes of the records read so far (plain files) */
} progress_t;

typedef struct load {
	dgp_cli_t *cli;
	dgp_catalog_t *cat;
	dgp_arena_t *arena; /* schemas, per run */
	/* /readyz reads this, never sink.conn: a reconnect frees the connection on the load thread
	 */
	dgp_http_readiness_t ready;
	dgp_sink_pg_t sink;
	dgp_ingest_t *eng;
	res_state_t *resources;
	/* the file being loaded: the resolver's answer and what its batches add up to */
	const res_state_t *cur;
	dgp_ingest_lane_info_t cur_info;
	dgp_source_file_t *cur_src; /* the file being loaded (its chunk gate), NULL between files */
	dgp_batch_counts_t file_counts;
	progress_t prog;
	dgp_metrics_t *reg; /* served on http.listen while the load runs */
	dgp_metrics_std_t std;
	dgp_http_t *http;
	double gauges_at; /* monotonic time of the next catalog gauges refresh */
	bool progress_tty;
	bool quiet;
	/* options */
	const char *resource_code;
	const char *encoding;
	char delim, quote;
	bool again; /* --again: forget a file's progress, load it from its start */
	/* totals */
	dgp_batch_counts_t total;
	uint64_t files_done, files_skipped, files_failed;
	dgp_golden_worker_t *golden; /* woken by each batch that wrote: its keys are queued */
} load_t;

static void counts_add(dgp_batch_counts_t *a, const dgp_batch_counts_t *b)
{
	a->read += b->read;
	a->parsed += b->parsed;
	for (int i = 0; i < 4; i++)
		a->cls[i] += b->cls[i];
	a->rejected += b->rejected;
	for (int i = 0; i < DGP_REASON__COUNT; i++) {
		a->by_reason[i] += b->by_reason[i];
		a->field_by_reason[i] += b->field_by_reason[i];
	}
	a->field_rejects += b->field_rejects;
	a->flagged += b->flagged;
	a->skipped += b->skipped;
	a->deletes += b->deletes;
	a->deleted += b->deleted;
	a->absent += b->absent;
	a->repeated += b->repeated;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* .jsonl / .json / .ndjson (optionally .gz) → JSON lines; everything else CSV. */
static dgp_format_t format_of(const char *path)
{
	char base[4096];
	snprintf(base, sizeof(base), "%s", path);
	if (ends_with(base, ".gz"))
		base[strlen(base) - 3] = '\0';
	if (ends_with(base, ".jsonl") || ends_with(base, ".json") || ends_with(base, ".ndjson"))
		return DGP_FORMAT_JSONL;
	return DGP_FORMAT_CSV;
}

/* The resource state of res, its schema built on first use. */
static res_state_t *resource_state(load_t *l, const dgp_catalog_resource_t *res, char *err,
                                   size_t err_size)
{
	for (res_state_t *r = l->resources; r; r = r->next)
		if (r->res == res)
			return r;
	res_state_t *r = dgp_arena_calloc(l->arena, sizeof(*r));
	r->res = res;
	if (dgp_catalog_schema_build(l->cat, res, l->arena, &r->schema, err, err_size) != DGP_OK)
		return NULL;
	r->next = l->resources;
	l->resources = r;
	return r;
}

/* The engine's resolver: every record of the file being loaded is for its resource. */
static dgp_err_t resolve(void *opaque, const char *source, dgp_ingest_lane_info_t *info, char *err,
                         size_t err_size)
{
	(void)source;
	(void)err;
	(void)err_size;
	load_t *l = opaque;
	*info = l->cur_info;
	return DGP_OK;
}

/* A log line (no terminal) waits this long, so the first one has a real rate. */
#define PROGRESS_LOG_FIRST_S 3.0
#define PROGRESS_LOG_EVERY_S 10.0

/*
 * How far the load is into the file, in bytes (*done of *total).  The source
 * reads ahead: for a plain file the records' own end offset (consumed) says
 * how far the load is; a compressed file has only its compressed bytes read.
 */
static void file_done(const dgp_file_source_t *src, const char *path, uint64_t consumed,
                      uint64_t *done, uint64_t *total)
{
	dgp_file_source_progress(src, done, total);
	size_t plen = strlen(path);
	if (!(plen > 3 && strcmp(path + plen - 3, ".gz") == 0) && consumed <= *total)
		*done = consumed;
}

/* After this many records of a file the engine is told how many more to expect. */
#define EXPECT_AFTER 8192

/*
 * Tell the engine how many records the rest of the file holds, at the rate
 * of bytes the first records (since start_offset) took: a first load's
 * dedup cache is then sized once, not grown step by step.
 */
static void expect_rest(load_t *l, const dgp_file_source_t *src, const char *path, uint64_t records,
                        int64_t start_offset)
{
	uint64_t done, total;
	file_done(src, path, l->prog.consumed, &done, &total);
	if (start_offset < 0 || done <= (uint64_t)start_offset || total <= done)
		return;
	double per_byte = (double)records / (double)(done - (uint64_t)start_offset);
	dgp_ingest_expect(l->eng, records + (uint64_t)(per_byte * (double)(total - done)));
}

static void show_progress(load_t *l, progress_t *p, const dgp_file_source_t *src, const char *path,
                          bool final)
{
	double t = dgp_clock_mono_coarse_s(); /* read once per record */
	if (!final && l->progress_tty && t - p->last < 0.25)
		return;
	if (!final && !l->progress_tty &&
	    (t - p->start < PROGRESS_LOG_FIRST_S ||
	     (p->last > p->start && t - p->last < PROGRESS_LOG_EVERY_S)))
		return;
	if (!l->progress_tty && l->quiet)
		return;
	p->last = t;
	uint64_t done, total;
	file_done(src, path, p->consumed, &done, &total);
	uint64_t rows = p->rows + (final ? 0 : p->pending);
	uint64_t rejects = p->rejects + (final ? 0 : p->pending_rej);
	double el = t - p->start, rate = el > 0 ? (double)rows / el : 0;
	double frac = total ? (double)done / (double)total : 1.0;
	double eta = frac > 0 && frac < 1 ? el * (1 - frac) / frac : 0;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (l->progress_tty) {
		int w = 24, fill = (int)(frac * w + 0.5);
		char bar[32];
		for (int i = 0; i < w; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[w] = '\0';
		fprintf(stderr,
		        "\r%-28.28s [%s] %3.0f%% %10llu rows %8.0f rows/s %6llu rejected ETA "
		        "%02d:%02d ",
		        base, bar, frac * 100, (unsigned long long)rows, rate,
		        (unsigned long long)rejects, (int)eta / 60, (int)eta % 60);
		if (final)
			fputc('\n', stderr);
	} else if (!final) {
		dgp_log(DGP_LOG_INFO, "load",
		        "%s: %.0f%% of %.1f MiB, %llu rows, %.0f rows/s, %llu rejected, ETA %d s",
		        base, frac * 100, (double)total / (1 << 20), (unsigned long long)rows, rate,
		        (unsigned long long)rejects, (int)eta);
	}
}

/*
 * The file's dgp_ops.load_log row, inserted before its first batch with
 * status "running"; every batch adds its counts in its own transaction
 * (dgp_pg_progress_t.load_log_id), so a killed load leaves a row counting
 * exactly what it committed.  Returns the row's id, 0 when it could not be
 * written (warned; the load goes on).
 */
static int64_t load_log_open(load_t *l, const char *path, const char *code)
{
	const char *params[] = {path, code};
	PGresult *r = PQexecParams(l->sink.conn,
	                           "INSERT INTO dgp_ops.load_log (command, source, resource_code, "
	                           "started_at, status) VALUES ('load', $1, $2, now(), 'running') "
	                           "RETURNING id",
	                           2, NULL, params, NULL, NULL, 0);
	char err[512];
	int64_t id = 0;
	if (dgp_pg_result_err(l->sink.conn, r, err, sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_WARN, "load", "could not write dgp_ops.load_log: %s", err);
	else if (PQntuples(r) == 1)
		id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return id;
}

static void load_log_close(load_t *l, int64_t id, const char *status)
{
	if (id <= 0)
		return;
	char v[24];
	snprintf(v, sizeof(v), "%lld", (long long)id);
	const char *params[] = {v, status};
	PGresult *r = PQexecParams(l->sink.conn,
	                           "UPDATE dgp_ops.load_log SET finished_at = now(), status = $2 "
	                           "WHERE id = $1::bigint",
	                           2, NULL, params, NULL, NULL, 0);
	char err[512];
	if (dgp_pg_result_err(l->sink.conn, r, err, sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_WARN, "load", "could not update dgp_ops.load_log: %s", err);
	PQclear(r);
}

static void print_counts(const char *label, const dgp_batch_counts_t *c, double elapsed)
{
	printf("%s: read %llu, new %llu, changed %llu, unchanged %llu", label,
	       (unsigned long long)c->read, (unsigned long long)c->cls[DGP_DEDUP_NEW],
	       (unsigned long long)c->cls[DGP_DEDUP_CHANGED],
	       (unsigned long long)c->cls[DGP_DEDUP_UNCHANGED]);
	if (c->skipped)
		printf(" (%llu skipped)", (unsigned long long)c->skipped);
	printf(", duplicate %llu, rejected %llu", (unsigned long long)c->cls[DGP_DEDUP_DUPLICATE],
	       (unsigned long long)c->rejected);
	if (c->deletes)
		printf(", deleted %llu / absent %llu", (unsigned long long)c->deleted,
		       (unsigned long long)c->absent);
	if (c->field_rejects)
		printf(" (+%llu values rejected in optional fields)",
		       (unsigned long long)c->field_rejects);
	printf(", %.1f s, %.0f rows/s\n", elapsed, elapsed > 0 ? (double)c->read / elapsed : 0.0);
	/* two groups: whole records kept out, and values dropped from records that loaded */
	if (c->rejected)
		printf("  records rejected (%llu), not loaded:\n", (unsigned long long)c->rejected);
	for (int i = 1; i < DGP_REASON__COUNT; i++)
		if (c->by_reason[i] > c->field_by_reason[i])
			printf("    %-14s %llu\n", dgp_reason_name((dgp_reason_t)i),
			       (unsigned long long)(c->by_reason[i] - c->field_by_reason[i]));
	if (c->field_rejects)
		printf("  values rejected in optional fields (%llu), their records loaded without "
		       "them:\n",
		       (unsigned long long)c->field_rejects);
	for (int i = 1; i < DGP_REASON__COUNT; i++)
		if (c->field_by_reason[i])
			printf("    %-14s %llu\n", dgp_reason_name((dgp_reason_t)i),
			       (unsigned long long)c->field_by_reason[i]);
}

/* The names the catalog does not know, with the records that carried them (never values). */
static void print_unknown_fields(const dgp_parser_t *parser)
{
	size_t n;
	const dgp_unknown_field_t *u = dgp_parse_unknown_fields(parser, &n);
	for (size_t i = 0; i < n; i++)
		printf("  unknown field %s in %llu records (not in the catalog, not loaded)\n",
		       u[i].name, (unsigned long long)u[i].records);
}

/* The catalog gauges: forced at start and end, on metrics.catalog.interval.ms between batches. */
static void catalog_gauges(load_t *l, bool force)
{
	dgp_catalog_gauges_tick("load", l->sink.conn, l->cat, &l->std,
	                        l->cli->cfg->metrics_catalog_interval_ms, force, &l->gauges_at);
}

/*
 * Before a file's first batch: a file whose first records do not decode in
 * the encoding in use but do in another would only fill dgp_ops.reject
 * with charset rejects and mark the file loaded.  Refuse it, naming the
 * likely encoding.  Returns DGP_OK or an error already reported.
 */
static dgp_err_t refuse_wrong_encoding(load_t *l, const char *path,
                                       const dgp_catalog_resource_t *res,
                                       const dgp_file_source_opts_t *so)
{
	char err[2048];
	const char *likely = NULL;
	if (dgp_file_source_guess_encoding(path, so, LOAD_ENCODING_SAMPLE, &likely, err,
	                                   sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "%s", err);
		return DGP_ERR_IO;
	}
	if (!likely)
		return DGP_OK;
	const char *enc = so->encoding && *so->encoding ? so->encoding : "UTF-8";
	if (l->encoding)
		dgp_cli_err("load",
		            "%s: its first records are not valid %s (given with --encoding) but "
		            "are valid %s; nothing was loaded.  If the file is %s, load it with "
		            "--encoding %s",
		            path, enc, likely, likely, likely);
	else
		dgp_cli_err("load",
		            "%s: its first records are not valid %s, the encoding the catalog "
		            "declares for resource %s, but are valid %s; nothing was loaded.  If "
		            "the file is %s, load it with --encoding %s",
		            path, enc, res->code, likely, likely, likely);
	return DGP_ERR_PARSE;
}

/* After a batch committed: the chunks of its rejects (records and values) are never skipped. */
static void chunks_taint_rejects(dgp_file_chunks_t *gate, const dgp_batch_t *b)
{
	for (size_t i = 0; i < dgp_batch_size(b); i++) {
		const dgp_record_t *rec = dgp_batch_record(b, i);
		if (rec->reason != DGP_REASON_OK)
			dgp_file_chunks_taint(gate, rec->origin.line);
	}
	size_t n;
	const dgp_field_reject_t *fr = dgp_batch_field_rejects(b, &n);
	for (size_t i = 0; i < n; i++)
		dgp_file_chunks_taint(gate, fr[i].rec->origin.line);
}

/* The engine committed a batch of the file being loaded: count it, report unknown fields. */
static void on_committed(void *opaque, dgp_ingest_lane_t *lane, const dgp_sink_result_t *res)
{
	load_t *l = opaque;
	if (res->inserted || res->updated || res->deleted)
		dgp_golden_worker_wake(l->golden);
	const dgp_batch_counts_t *bc = dgp_batch_counts(lane->batch);
	counts_add(&l->file_counts, bc);
	l->prog.rows += bc->read;
	l->prog.rejects += bc->rejected;
	l->prog.pending = l->prog.pending_rej = 0;
	dgp_file_chunks_t *gate = l->cur_src ? dgp_source_file_chunks(l->cur_src) : NULL;
	if (gate)
		chunks_taint_rejects(gate, lane->batch);
	for (int i = 0; i < 2; i++)
		dgp_cli_unknown_fields("load", lane->info.schema->resource_code, lane->parser[i],
		                       l->std.unknown_fields, &lane->unknown_logged[i],
		                       &lane->unknown_counted[i]);
	catalog_gauges(l, false);
}

/*
 * A CSV file's header, checked before the first record: a header naming no
 * key or required column would reject every record.  Returns DGP_OK, or an
 * error already reported.
 */
static dgp_err_t check_csv_header(dgp_source_file_t *src, const char *path,
                                  const dgp_schema_t *schema, const dgp_parse_opts_t *po)
{
	size_t hl;
	const char *h = dgp_file_source_header(dgp_source_file_reader(src), &hl);
	if (!h) {
		printf("%s: empty file (no header row)\n", path);
		return DGP_OK;
	}
	char err[2048];
	dgp_parser_t *parser = dgp_parse_new(schema, po);
	dgp_err_t e = dgp_parse_csv_header(parser, h, hl, err, sizeof(err));
	dgp_parse_destroy(parser);
	if (e != DGP_OK) {
		dgp_cli_err("load", "%s:1: header: %s", path, err);
		return DGP_ERR_PARSE;
	}
	return DGP_OK;
}

/* The names the catalog does not know in the lane of schema (never values). */
static void print_lane_unknown_fields(load_t *l, const dgp_schema_t *schema)
{
	for (dgp_ingest_lane_t *lane = dgp_ingest_lanes(l->eng); lane; lane = lane->next)
		if (lane->info.schema == schema)
			for (int i = 0; i < 2; i++)
				print_unknown_fields(lane->parser[i]);
}

/*
 * The chunk gate of a file (connectors/dgp_file_chunks.h): its context
 * (parse options, CSV header, the resource's fields) and the fingerprints
 * of the resource's last complete load when they may be skipped.  A read
 * failure only costs the skipping (warned).
 */
static void chunks_open(load_t *l, const dgp_catalog_resource_t *res, const dgp_schema_t *schema,
                        const dgp_file_source_opts_t *so, dgp_source_file_t *src,
                        dgp_chunk_fp_t *context, dgp_chunk_set_t **prev)
{
	char opts_id[DGP_FILE_ID_HEX], err[512];
	dgp_file_load_id("", res->code, so, opts_id);
	size_t hl = 0;
	const char *h = so->format == DGP_FORMAT_CSV
	                    ? dgp_file_source_header(dgp_source_file_reader(src), &hl)
	                    : NULL;
	*context = dgp_chunk_context(schema, opts_id, h, hl);
	*prev = NULL;
	if (l->cli->cfg->load_skip_unchanged_chunks &&
	    dgp_file_chunks_prev(l->sink.conn, res->code, *context, prev, err, sizeof(err)) !=
	        DGP_OK)
		dgp_log(DGP_LOG_WARN, "load",
		        "could not read dgp_ops.file_chunks of %s (every record is parsed): %s",
		        res->code, err);
	dgp_source_file_use_chunks(src, *prev, 1u << l->cli->cfg->load_chunk_bits);
}

/*
 * After a file's load: the fingerprints the next load of the resource may
 * skip, kept only when this load read the whole file from its first record
 * through one gate (no seek dropped it), committed it, and met no key twice
 * (each key in one chunk); otherwise the resource's fingerprints are dropped.
 */
static void chunks_close(load_t *l, const dgp_catalog_resource_t *res, dgp_source_file_t *src,
                         dgp_chunk_fp_t context, bool whole_file, const dgp_batch_counts_t *counts,
                         int64_t load_log_id)
{
	char err[512];
	uint64_t records = 0;
	dgp_file_chunks_t *gate = dgp_source_file_chunks(src);
	const dgp_chunk_set_t *seen = gate ? dgp_file_chunks_seen(gate, &records) : NULL;
	dgp_err_t e = seen && whole_file && counts->repeated == 0
	                  ? dgp_file_chunks_store(l->sink.conn, res->code, context, seen, records,
	                                          load_log_id, err, sizeof(err))
	                  : dgp_file_chunks_forget(l->sink.conn, res->code, err, sizeof(err));
	if (e != DGP_OK)
		dgp_log(DGP_LOG_WARN, "load", "could not write dgp_ops.file_chunks of %s: %s",
		        res->code, err);
}

/* Load one file.  Returns DGP_OK, or an error already reported. */
static dgp_err_t load_file(load_t *l, const char *path)
{
	char err[2048];
	const dgp_catalog_resource_t *res =
	    l->resource_code ? dgp_catalog_find_resource(l->cat, l->resource_code)
	                     : dgp_catalog_find_by_file(l->cat, path);
	if (!res) {
		if (l->resource_code)
			dgp_cli_err("load", "no resource %s in the catalog", l->resource_code);
		else
			dgp_cli_err(
			    "load",
			    "%s: no catalog resource's file_pattern matches this file name; "
			    "name the resource with --resource CODE",
			    path);
		return DGP_ERR_NOT_FOUND;
	}
	res_state_t *rs = resource_state(l, res, err, sizeof(err));
	if (!rs) {
		dgp_cli_err("load", "%s: %s", path, err);
		return DGP_ERR_CATALOG;
	}

	dgp_file_source_opts_t so = {
	    .format = format_of(path),
	    .csv_delim = l->delim,
	    .csv_quote = l->quote,
	    .encoding = l->encoding ? l->encoding : dgp_catalog_encoding_name(res->encoding),
	    .max_record_bytes = (size_t)l->cli->cfg->load_max_record_bytes,
	    .max_quoted_lines = (size_t)l->cli->cfg->load_csv_max_quoted_lines,
	};
	/* A load is the file's content read for one resource one way. */
	char content_id[DGP_FILE_ID_HEX], file_id[DGP_FILE_ID_HEX];
	if (dgp_file_id(path, content_id, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "%s", err);
		return DGP_ERR_IO;
	}
	dgp_file_load_id(content_id, res->code, &so, file_id);
	PGconn *conn = l->sink.conn;
	if (l->again &&
	    dgp_pg_sink_file_progress_forget(conn, file_id, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "%s: forgetting dgp_ops.file_progress (--again): %s", path,
		            err);
		return DGP_ERR_PG;
	}
	bool found = false, complete = false;
	int64_t next_offset = 0, next_line = 1, records = 0;
	if (dgp_pg_sink_file_progress_get(conn, file_id, &found, &next_offset, &next_line, &records,
	                                  &complete, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "%s: reading dgp_ops.file_progress: %s", path, err);
		return DGP_ERR_PG;
	}
	if (found && complete) {
		printf("%s: already loaded completely for %s (load %s, %lld records); nothing to "
		       "do (--again loads it once more)\n",
		       path, res->code, file_id, (long long)records);
		l->files_skipped++;
		return DGP_OK;
	}
	if (found)
		dgp_log(DGP_LOG_INFO, "load",
		        "%s: resuming at line %lld (byte %lld) after %lld records", path,
		        (long long)next_line, (long long)next_offset, (long long)records);
	so.start_offset = found ? next_offset : 0;
	so.start_line = found ? next_line : 1;
	if (!found && refuse_wrong_encoding(l, path, res, &so) != DGP_OK)
		return DGP_ERR_PARSE;
	dgp_source_file_t *src;
	if (dgp_source_file_open(path, &so, &src, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "%s", err);
		return DGP_ERR_IO;
	}
	bool strict = dgp_cli_strict_unknown(l->cli->cfg, res->code);
	dgp_parse_opts_t po = {so.format, l->delim, l->quote, strict};
	if (so.format == DGP_FORMAT_CSV && check_csv_header(src, path, rs->schema, &po) != DGP_OK) {
		dgp_source_close(dgp_source_file_source(src));
		return DGP_ERR_PARSE;
	}

	l->cur = rs;
	l->cur_info = (dgp_ingest_lane_info_t){.schema = rs->schema,
	                                       .encoding = so.encoding,
	                                       .csv_delim = l->delim,
	                                       .csv_quote = l->quote,
	                                       .strict_unknown = strict};
	memset(&l->file_counts, 0, sizeof(l->file_counts));
	l->prog = (progress_t){.start = dgp_clock_mono_s(), .consumed = (uint64_t)so.start_offset};
	int64_t load_log_id = load_log_open(l, path, res->code);
	dgp_sink_pg_set_file(&l->sink, file_id, path, res->code, records, load_log_id);
	dgp_chunk_fp_t chunk_ctx;
	dgp_chunk_set_t *chunk_prev;
	chunks_open(l, res, rs->schema, &so, src, &chunk_ctx, &chunk_prev);
	l->cur_src = src;
	dgp_ingest_set_source(l->eng, dgp_source_file_source(src));
	dgp_file_source_t *reader = dgp_source_file_reader(src);

	dgp_err_t result = DGP_OK;
	int64_t at_line = so.start_line; /* line of the next record to read */
	uint64_t steps = 0;
	for (;;) {
		if (stop_requested) {
			result = dgp_ingest_flush(l->eng, err, sizeof(err));
			if (result == DGP_OK)
				result = DGP_ERR_INTERRUPTED;
			else
				dgp_cli_err("load", "%s: writing to PostgreSQL: %s", path, err);
			break;
		}
		bool ended;
		dgp_err_t e = dgp_ingest_step(l->eng, 0, &ended, err, sizeof(err));
		const dgp_source_record_t *last = dgp_ingest_last(l->eng);
		if (last->origin.source) {
			at_line = last->next_line;
			l->prog.consumed = (uint64_t)last->origin.end_offset;
		}
		if (e != DGP_OK) {
			if (e == DGP_ERR_IO)
				dgp_cli_err("load", "%s",
				            err); /* damaged input, read part committed */
			else if (e == DGP_ERR_CATALOG)
				dgp_cli_err("load", "%s: %s", path, err);
			else
				dgp_cli_err("load", "%s: writing to PostgreSQL: %s", path, err);
			result = e;
			break;
		}
		if (ended)
			break;
		if (steps + 1 == EXPECT_AFTER)
			expect_rest(l, reader, path, EXPECT_AFTER, so.start_offset);
		if ((++steps & 1023) == 0)
			dgp_ingest_open_counts(l->eng, &l->prog.pending, &l->prog.pending_rej);
		show_progress(l, &l->prog, reader, path, false);
	}
	show_progress(l, &l->prog, reader, path, true);
	double elapsed = dgp_clock_mono_s() - l->prog.start;
	char label[4200];
	snprintf(label, sizeof(label), "%s → %s (dgp_src.%s)", path, res->code, rs->schema->table);
	print_counts(label, &l->file_counts, elapsed);
	print_lane_unknown_fields(l, rs->schema);
	if (result == DGP_ERR_INTERRUPTED)
		printf("%s: interrupted after line %lld; run the same command again to resume\n",
		       path, (long long)at_line - 1);
	if (result == DGP_OK)
		chunks_close(l, res, src, chunk_ctx, so.start_offset == 0, &l->file_counts,
		             load_log_id);
	load_log_close(l, load_log_id,
	               result == DGP_OK                ? "complete"
	               : result == DGP_ERR_INTERRUPTED ? "interrupted"
	                                               : "failed");
	counts_add(&l->total, &l->file_counts);
	if (result == DGP_OK)
		l->files_done++;
	else
		l->files_failed++;
	dgp_ingest_set_source(l->eng, NULL);
	l->cur_src = NULL;
	dgp_source_close(dgp_source_file_source(src));
	dgp_chunk_set_destroy(chunk_prev);
	return result;
}

int dgp_cmd_load(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"resource", required_argument, NULL, 'r'},
	    {"encoding", required_argument, NULL, 'e'},
	    {"delimiter", required_argument, NULL, 'd'},
	    {"quote", required_argument, NULL, 'Q'},
	    {"catalog", required_argument, NULL, 'C'},
	    {"no-progress", no_argument, NULL, 'P'},
	    {"again", no_argument, NULL, 'A'},
	    {"no-golden-wait", no_argument, NULL, 'G'},
	    {NULL, 0, NULL, 0},
	};
	load_t l = {.cli = cli};
	const char *catalog_dir = NULL;
	bool no_progress = false;
	bool golden_wait = true;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:e:", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			l.resource_code = optarg;
			break;
		case 'e':
			l.encoding = optarg;
			break;
		case 'd':
		case 'Q':
			if (strlen(optarg) != 1 || optarg[0] == '\n' || optarg[0] == '\r') {
				dgp_cli_err("load", "--%s takes one character, not \"%s\"",
				            opt == 'd' ? "delimiter" : "quote", optarg);
				return DGP_EXIT_USAGE;
			}
			if (opt == 'd')
				l.delim = strcmp(optarg, "\\t") == 0 ? '\t' : optarg[0];
			else
				l.quote = optarg[0];
			break;
		case 'C':
			catalog_dir = optarg;
			break;
		case 'P':
			no_progress = true;
			break;
		case 'A':
			l.again = true;
			break;
		case 'G':
			golden_wait = false;
			break;
		default:
			return DGP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		dgp_cli_err("load", "no files given (try \"dgp load --help\")");
		return DGP_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		if (access(argv[i], R_OK) != 0) {
			dgp_cli_err("load", "%s: %s", argv[i], strerror(errno));
			return DGP_EXIT_FAIL;
		}
	}
	if (dgp_cli_load_catalog(cli, "load", catalog_dir, &l.cat) != DGP_EXIT_OK)
		return DGP_EXIT_FAIL;
	if (l.resource_code && !dgp_catalog_find_resource(l.cat, l.resource_code)) {
		dgp_cli_err("load", "no resource %s in the catalog", l.resource_code);
		dgp_catalog_destroy(l.cat);
		return DGP_EXIT_FAIL;
	}

	char err[2048];
	PGconn *conn;
	if (dgp_pg_connect(cli->cfg->pg_conninfo, cli->cfg->pg_connect_timeout_ms, &conn, err,
	                   sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "postgresql: %s", err);
		dgp_catalog_destroy(l.cat);
		return DGP_EXIT_FAIL;
	}
	if (dgp_pg_set_time_zone(conn, (int32_t)cli->cfg->norm_utc_offset_minutes, err,
	                         sizeof(err)) != DGP_OK ||
	    dgp_pg_sink_ensure_ops(conn, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "postgresql: %s", err);
		PQfinish(conn);
		dgp_catalog_destroy(l.cat);
		return DGP_EXIT_FAIL;
	}
	/* ready while the connection is up */
	dgp_sink_pg_init(&l.sink, cli->cfg, conn, &l.ready);
	l.arena = dgp_arena_new(0);
	int bits = (int)cli->cfg->dedup_key_hash_bits;
	l.quiet = !dgp_log_enabled(DGP_LOG_INFO); /* -q: the summary only */
	l.progress_tty = cli->stderr_tty && !no_progress && !l.quiet;
	l.reg = dgp_metrics_new();
	dgp_metrics_std_register(l.reg, &l.std);
	/* Batches close when full or at a file's end; a lost connection is given
	 * pg.connect.timeout.ms to come back. */
	dgp_ingest_opts_t io = {
	    .log_module = "load",
	    .batch_max_rows = (size_t)cli->cfg->batch_max_rows,
	    .key_hash_mask = bits >= 64 ? ~0ull : (1ull << bits) - 1,
	    .utc_offset_min = (int32_t)cli->cfg->norm_utc_offset_minutes,
	    .pipelined = cli->cfg->batch_pipelined != 0,
	    .retry = {.conn_give_up_s = (double)cli->cfg->pg_connect_timeout_ms / 1000.0},
	    .std = &l.std,
	    .hooks = {.opaque = &l, .resolve = resolve, .committed = on_committed},
	};
	l.eng = dgp_ingest_new(&io, NULL, &l.sink.sink);
	/* Metrics are for watching a long load; a busy port must not stop it. */
	if (dgp_http_start_config(cli->cfg, l.reg, dgp_http_readiness_check, &l.ready, &l.http, err,
	                          sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_WARN, "load", "no metrics endpoint (http.listen %s): %s",
		        cli->cfg->http_listen, err);
	else if (l.http)
		dgp_log(DGP_LOG_INFO, "load", "metrics on port %u (/metrics, /healthz, /readyz)",
		        (unsigned)dgp_http_port(l.http));

	catalog_gauges(&l, true);

	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	double t0 = dgp_clock_mono_s();
	int rc = DGP_EXIT_OK;
	/* The golden worker refreshes the keys the batches queue while the files are read, on
	 * its own connection, so its work overlaps theirs (as dgp run's does); what it has not
	 * taken when they are done is drained below. */
	if (golden_wait &&
	    dgp_golden_worker_start(cli->cfg->pg_conninfo, cli->cfg->pg_connect_timeout_ms,
	                            cli->cfg->golden_batch_keys, cli->cfg->golden_interval_ms,
	                            l.std.golden_queue_keys, l.std.golden_lag, &l.golden, err,
	                            sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_WARN, "load", "%s; golden records are refreshed after the files",
		        err);
	for (int i = optind; i < argc && !stop_requested; i++)
		if (load_file(&l, argv[i]) != DGP_OK)
			rc = DGP_EXIT_FAIL;
	/* the worker ends the drain it is in (it may be the rest of the queue) */
	double g0 = dgp_clock_mono_s();
	dgp_golden_report_t gr = {0};
	dgp_golden_worker_stop(l.golden, false, 0, &gr);
	l.golden = NULL;
	if (argc - optind > 1)
		print_counts("total", &l.total, dgp_clock_mono_s() - t0);
	if (l.files_skipped)
		printf("%llu file%s already loaded\n", (unsigned long long)l.files_skipped,
		       l.files_skipped == 1 ? "" : "s");
	/* The batches queued their golden keys; a load is done when its golden
	 * records are (unless --no-golden-wait leaves them to dgp golden / dgp run). */
	if (golden_wait && !stop_requested) {
		dgp_err_t ge = DGP_OK;
		while (!stop_requested && ge == DGP_OK) {
			uint64_t before = gr.keys;
			ge = dgp_golden_drain(l.sink.conn, cli->cfg->golden_batch_keys, true, &gr,
			                      err, sizeof(err));
			if (gr.keys == before)
				break;
		}
		if (ge != DGP_OK) {
			dgp_cli_err("load",
			            "golden records: %s (the keys stay queued for dgp golden)",
			            err);
			rc = DGP_EXIT_FAIL;
		} else if (gr.keys) {
			dgp_log(DGP_LOG_INFO, "load",
			        "golden records: %llu keys refreshed in %llu transactions, current"
			        " %.1f s after the files",
			        (unsigned long long)gr.keys, (unsigned long long)gr.transactions,
			        dgp_clock_mono_s() - g0);
		}
	}
	catalog_gauges(&l, true); /* what the load left, for a last scrape */

	dgp_http_stop(l.http);
	dgp_metrics_destroy(l.reg);
	dgp_ingest_destroy(l.eng);
	dgp_sink_pg_fini(&l.sink);
	dgp_arena_destroy(l.arena);
	dgp_catalog_destroy(l.cat);
	return stop_requested ? 130 : rc;
}
