/*
 * dgp_cmd_load.c — `dgp load [--resource CODE] FILE...`: the bulk load.
 *
 *   FILE ─file source─▶ record (raw + UTF-8 text + origin)
 *        ─copy into batch arena─▶ parser ─▶ raw field slices
 *        ─dgp_batch_add─▶ normalise, hash, classify against the dedup cache
 *        ─batch full / file end─▶ sink: one transaction (rows, rejects,
 *                                 golden records, stats, file progress)
 *        ─COMMIT─▶ dedup cache updated
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
#include "dgp_file_source.h"
#include "dgp_golden.h"
#include "dgp_http.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_parse.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"

/* Records checked for a wrong encoding before a file's first batch. */
#define LOAD_ENCODING_SAMPLE 100

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* One resource seen in this run: its schema and its dedup cache. */
typedef struct res_state {
	const dgp_catalog_resource_t *res;
	const dgp_schema_t *schema;
	dgp_dedup_t *cache;
	dgp_metrics_resource_t m; /* this resource's metric handles */
	struct res_state *next;
} res_state_t;

typedef struct load {
	dgp_cli_t *cli;
	dgp_catalog_t *cat;
	dgp_arena_t *arena; /* schemas, per run */
	PGconn *conn;
	/* /readyz reads this, never conn: a reconnect frees conn on the load thread */
	dgp_http_readiness_t ready;
	dgp_pg_sink_t *sink;
	res_state_t *resources;
	dgp_metrics_t *reg; /* served on http.listen while the load runs */
	dgp_metrics_std_t std;
	dgp_http_t *http;
	double gauges_at; /* monotonic time of the next catalog gauges refresh */
	uint64_t key_mask;
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

/* /readyz's reason while a lost PostgreSQL connection is being replaced. */
#define PG_DOWN "postgresql connection is down"

static dgp_err_t reconnect(load_t *l, char *err, size_t err_size)
{
	PGconn *c;
	dgp_err_t e = dgp_pg_connect(l->cli->cfg->pg_conninfo, l->cli->cfg->pg_connect_timeout_ms,
				     &c, err, err_size);
	if (e != DGP_OK)
		return e;
	e = dgp_pg_set_time_zone(c, (int32_t)l->cli->cfg->norm_utc_offset_minutes, err, err_size);
	if (e != DGP_OK) {
		PQfinish(c);
		return e;
	}
	PQfinish(l->conn);
	l->conn = c;
	dgp_pg_sink_set_conn(l->sink, c);
	dgp_http_readiness_set(&l->ready, NULL);
	return DGP_OK;
}

/* The resource state of res, created (schema built, cache warmed) on first use. */
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
	r->cache = dgp_dedup_new(0);
	uint64_t loaded = 0;
	double t0 = dgp_clock_mono_s();
	if (dgp_pg_sink_warm_cache(l->conn, r->schema, r->cache, l->key_mask, &loaded, err,
				   err_size) != DGP_OK) {
		dgp_dedup_destroy(r->cache);
		size_t n = strlen(err);
		snprintf(err + n, err_size - n,
			 " (is the catalog synced? run: dgp catalog sync)");
		return NULL;
	}
	dgp_log(DGP_LOG_INFO, "load", "%s %s: %llu keys warm from dgp_src.%s in %.1f s",
		res->code, res->name, (unsigned long long)loaded, r->schema->table, dgp_clock_mono_s() - t0);
	dgp_metrics_std_resource(&l->std, res->code, &r->m);
	r->next = l->resources;
	l->resources = r;
	return r;
}

/*
 * Progress: on a terminal one line redrawn in place (4 times a second);
 * otherwise a first log line after 3 s (so its rate means something), then one
 * every 10 s, with the share of the file's bytes behind the records read.
 * Rows count what was read, committed or still in the open batch, so a slow
 * PostgreSQL does not freeze the figures.
 */
typedef struct progress {
	double start, last;
	uint64_t rows, rejects;       /* committed */
	uint64_t pending, pending_rej; /* in the batch being filled */
	uint64_t consumed;            /* bytes of the records read so far (plain files) */
} progress_t;

/* A log line (no terminal) waits this long, so the first one has a real rate. */
#define PROGRESS_LOG_FIRST_S 3.0
#define PROGRESS_LOG_EVERY_S 10.0

static void show_progress(load_t *l, progress_t *p, const dgp_file_source_t *src, const char *path,
			  bool final)
{
	double t = dgp_clock_mono_s();
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
	dgp_file_source_progress(src, &done, &total);
	/* the source reads ahead: for a plain file the records' own end offset says how
	 * far the load is; a compressed file has only its compressed bytes read */
	size_t plen = strlen(path);
	if (!(plen > 3 && strcmp(path + plen - 3, ".gz") == 0) && p->consumed <= total)
		done = p->consumed;
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
		fprintf(stderr, "\r%-28.28s [%s] %3.0f%% %10llu rows %8.0f rows/s %6llu rejected ETA %02d:%02d ",
			base, bar, frac * 100, (unsigned long long)rows, rate,
			(unsigned long long)rejects, (int)eta / 60, (int)eta % 60);
		if (final)
			fputc('\n', stderr);
	} else if (!final) {
		dgp_log(DGP_LOG_INFO, "load",
			"%s: %.0f%% of %.1f MiB, %llu rows, %.0f rows/s, %llu rejected, ETA %d s", base,
			frac * 100, (double)total / (1 << 20), (unsigned long long)rows, rate,
			(unsigned long long)rejects, (int)eta);
	}
}

/* Write the batch, reconnecting after lost connections until pg.connect.timeout.ms runs out. */
static dgp_err_t write_batch(load_t *l, dgp_batch_t *b, const dgp_pg_progress_t *prog, char *err,
			     size_t err_size)
{
	double deadline = dgp_clock_mono_s() + (double)l->cli->cfg->pg_connect_timeout_ms / 1000.0;
	for (;;) {
		dgp_pg_sink_result_t res;
		double t0 = dgp_clock_mono_s();
		dgp_err_t e = dgp_pg_sink_write_batch(l->sink, b, prog, &res, err, err_size);
		if (e == DGP_OK) {
			dgp_histogram_observe(l->std.pg_roundtrip, dgp_clock_mono_s() - t0);
			if (res.met_existing)
				dgp_log(DGP_LOG_WARN, "load",
					"a batch of %s met rows the cache did not know; they were merged "
					"(another writer, or a stale cache)",
					dgp_batch_schema(b)->table);
			return DGP_OK;
		}
		if (e == DGP_ERR_PG_CONN)
			dgp_http_readiness_set(&l->ready, PG_DOWN);
		if (e != DGP_ERR_PG_CONN || dgp_clock_mono_s() > deadline)
			return e;
		dgp_log(DGP_LOG_WARN, "load", "postgresql connection lost (%s); reconnecting", err);
		struct timespec ts = {1, 0};
		nanosleep(&ts, NULL);
		char rerr[512];
		if (reconnect(l, rerr, sizeof(rerr)) != DGP_OK)
			dgp_log(DGP_LOG_WARN, "load", "reconnect failed: %s", rerr);
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
	PGresult *r = PQexecParams(l->conn,
				   "INSERT INTO dgp_ops.load_log (command, source, resource_code, "
				   "started_at, status) VALUES ('load', $1, $2, now(), 'running') "
				   "RETURNING id",
				   2, NULL, params, NULL, NULL, 0);
	char err[512];
	int64_t id = 0;
	if (dgp_pg_result_err(l->conn, r, err, sizeof(err)) != DGP_OK)
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
	PGresult *r = PQexecParams(l->conn,
				   "UPDATE dgp_ops.load_log SET finished_at = now(), status = $2 "
				   "WHERE id = $1::bigint",
				   2, NULL, params, NULL, NULL, 0);
	char err[512];
	if (dgp_pg_result_err(l->conn, r, err, sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_WARN, "load", "could not update dgp_ops.load_log: %s", err);
	PQclear(r);
}

static void print_counts(const char *label, const dgp_batch_counts_t *c, double elapsed)
{
	printf("%s: read %llu, new %llu, changed %llu, unchanged %llu, duplicate %llu, rejected %llu",
	       label, (unsigned long long)c->read, (unsigned long long)c->cls[DGP_DEDUP_NEW],
	       (unsigned long long)c->cls[DGP_DEDUP_CHANGED],
	       (unsigned long long)c->cls[DGP_DEDUP_UNCHANGED],
	       (unsigned long long)c->cls[DGP_DEDUP_DUPLICATE], (unsigned long long)c->rejected);
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
		printf("  values rejected in optional fields (%llu), their records loaded without them:\n",
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
	dgp_catalog_gauges_tick("load", l->conn, l->cat, &l->std,
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
			dgp_cli_err("load",
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
	if (l->again &&
	    dgp_pg_sink_file_progress_forget(l->conn, file_id, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "%s: forgetting dgp_ops.file_progress (--again): %s", path, err);
		return DGP_ERR_PG;
	}
	bool found = false, complete = false;
	int64_t next_offset = 0, next_line = 1, records = 0;
	if (dgp_pg_sink_file_progress_get(l->conn, file_id, &found, &next_offset, &next_line,
					  &records, &complete, err, sizeof(err)) != DGP_OK) {
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
		dgp_log(DGP_LOG_INFO, "load", "%s: resuming at line %lld (byte %lld) after %lld records",
			path, (long long)next_line, (long long)next_offset, (long long)records);
	so.start_offset = found ? next_offset : 0;
	so.start_line = found ? next_line : 1;
	if (!found && refuse_wrong_encoding(l, path, res, &so) != DGP_OK)
		return DGP_ERR_PARSE;
	dgp_file_source_t *src;
	if (dgp_file_source_open(path, &so, &src, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "%s", err);
		return DGP_ERR_IO;
	}
	dgp_parse_opts_t po = {so.format, l->delim, l->quote,
			       dgp_cli_strict_unknown(l->cli->cfg, res->code)};
	size_t unknown_logged = 0;
	uint64_t *unknown_counted = NULL;
	dgp_parser_t *parser = dgp_parse_new(rs->schema, &po);
	if (so.format == DGP_FORMAT_CSV) {
		size_t hl;
		const char *h = dgp_file_source_header(src, &hl);
		if (!h) {
			printf("%s: empty file (no header row)\n", path);
		} else if (dgp_parse_csv_header(parser, h, hl, err, sizeof(err)) != DGP_OK) {
			dgp_cli_err("load", "%s:1: header: %s", path, err);
			dgp_parse_destroy(parser);
			dgp_file_source_close(src);
			return DGP_ERR_PARSE;
		}
	}

	dgp_batch_t *batch = dgp_batch_new(rs->schema, (size_t)l->cli->cfg->batch_max_rows,
					   l->key_mask);
	dgp_slice_t *vals = dgp_xcalloc(rs->schema->nfields + 1, sizeof(*vals));
	dgp_norm_ctx_t ctx = dgp_norm_ctx_now((int32_t)l->cli->cfg->norm_utc_offset_minutes);
	dgp_batch_counts_t file_counts = {0};
	progress_t prog = {.start = dgp_clock_mono_s()};
	dgp_pg_progress_t pp = {.kind = DGP_PG_PROGRESS_FILE,
				.file_id = file_id,
				.path = path,
				.resource_code = res->code,
				.next_offset = so.start_offset,
				.next_line = so.start_line,
				.records = records,
				.load_log_id = load_log_open(l, path, res->code)};
	dgp_err_t result = DGP_OK;
	bool eof = false;
	char detail[256];

	while (!eof && result == DGP_OK) {
		dgp_file_record_t rec;
		int got = 0;
		double batch_started = dgp_clock_mono_s();
		while (!dgp_batch_full(batch) && !stop_requested) {
			got = dgp_file_source_next(src, &rec, err, sizeof(err));
			if (got <= 0)
				break;
			dgp_arena_t *a = dgp_batch_arena(batch);
			dgp_reason_t r = rec.reason;
			const char *det = rec.detail;
			if (r == DGP_REASON_OK) {
				char *text = dgp_arena_memdup(a, rec.text, rec.text_len);
				r = dgp_parse_record(parser, text, rec.text_len, a, vals, detail,
						     sizeof(detail));
				det = r == DGP_REASON_OK ? NULL : detail;
			}
			dgp_batch_add(batch, rs->cache, &ctx, &rec.origin, rec.raw, rec.raw_len,
				      r == DGP_REASON_OK ? vals : NULL, r, det);
			pp.next_offset = rec.origin.end_offset;
			prog.consumed = pp.next_offset;
			pp.next_line = rec.next_line;
			pp.records++;
			if ((pp.records & 1023) == 0) {
				const dgp_batch_counts_t *open = dgp_batch_counts(batch);
				prog.pending = open->read;
				prog.pending_rej = open->rejected;
				show_progress(l, &prog, src, path, false);
			}
		}
		if (got < 0) {
			/* Damaged input: commit what was read, then report. */
			dgp_cli_err("load", "%s", err);
			result = DGP_ERR_IO;
		} else if (got == 0 && !stop_requested) {
			eof = true;
		}
		pp.complete = eof;
		dgp_cli_unknown_progress(parser, unknown_logged, unknown_counted, dgp_batch_arena(batch),
					 &pp);
		if (dgp_batch_size(batch) || eof) {
			dgp_err_t e = write_batch(l, batch, &pp, err, sizeof(err));
			if (e != DGP_OK) {
				dgp_cli_err("load", "%s: writing to PostgreSQL: %s", path, err);
				result = e;
				break;
			}
			dgp_batch_commit_cache(batch, rs->cache);
			const dgp_batch_counts_t *bc = dgp_batch_counts(batch);
			dgp_metrics_std_batch(&l->std, &rs->m, bc, dgp_clock_mono_s() - batch_started,
					      (double)time(NULL));
			dgp_metric_set(l->std.dedup_entries, (double)dgp_dedup_count(rs->cache));
			dgp_metric_set(l->std.dedup_bytes, (double)dgp_dedup_bytes(rs->cache));
			counts_add(&file_counts, bc);
			prog.rows += bc->read;
			prog.rejects += bc->rejected;
			prog.pending = prog.pending_rej = 0;
			dgp_batch_reset(batch);
			dgp_cli_unknown_fields("load", res->code, parser, l->std.unknown_fields,
					       &unknown_logged, &unknown_counted);
			catalog_gauges(l, false);
		}
		show_progress(l, &prog, src, path, false);
		if (stop_requested) {
			result = DGP_ERR_INTERRUPTED;
			break;
		}
	}
	show_progress(l, &prog, src, path, true);
	double elapsed = dgp_clock_mono_s() - prog.start;
	char label[4200];
	snprintf(label, sizeof(label), "%s → %s (dgp_src.%s)", path, res->code, rs->schema->table);
	print_counts(label, &file_counts, elapsed);
	print_unknown_fields(parser);
	free(unknown_counted);
	if (result == DGP_ERR_INTERRUPTED)
		printf("%s: interrupted after line %lld; run the same command again to resume\n", path,
		       (long long)pp.next_line - 1);
	load_log_close(l, pp.load_log_id,
		       result == DGP_OK		       ? "complete"
		       : result == DGP_ERR_INTERRUPTED ? "interrupted"
						       : "failed");
	counts_add(&l->total, &file_counts);
	if (result == DGP_OK)
		l->files_done++;
	else
		l->files_failed++;
	free(vals);
	dgp_batch_destroy(batch);
	dgp_parse_destroy(parser);
	dgp_file_source_close(src);
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
	if (dgp_pg_connect(cli->cfg->pg_conninfo, cli->cfg->pg_connect_timeout_ms, &l.conn, err,
			   sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "postgresql: %s", err);
		dgp_catalog_destroy(l.cat);
		return DGP_EXIT_FAIL;
	}
	if (dgp_pg_set_time_zone(l.conn, (int32_t)cli->cfg->norm_utc_offset_minutes, err,
				 sizeof(err)) != DGP_OK ||
	    dgp_pg_sink_ensure_ops(l.conn, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("load", "postgresql: %s", err);
		PQfinish(l.conn);
		dgp_catalog_destroy(l.cat);
		return DGP_EXIT_FAIL;
	}
	dgp_http_readiness_set(&l.ready, NULL); /* ready while the connection is up */
	l.arena = dgp_arena_new(0);
	l.sink = dgp_pg_sink_new(l.conn, NULL);
	int bits = (int)cli->cfg->dedup_key_hash_bits;
	l.key_mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
	l.quiet = !dgp_log_enabled(DGP_LOG_INFO); /* -q: the summary only */
	l.progress_tty = cli->stderr_tty && !no_progress && !l.quiet;
	l.reg = dgp_metrics_new();
	dgp_metrics_std_register(l.reg, &l.std);
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
	for (int i = optind; i < argc && !stop_requested; i++)
		if (load_file(&l, argv[i]) != DGP_OK)
			rc = DGP_EXIT_FAIL;
	if (argc - optind > 1)
		print_counts("total", &l.total, dgp_clock_mono_s() - t0);
	if (l.files_skipped)
		printf("%llu file%s already loaded\n", (unsigned long long)l.files_skipped,
		       l.files_skipped == 1 ? "" : "s");
	/* The batches queued their golden keys; a load is done when its golden
	 * records are (unless --no-golden-wait leaves them to dgp golden / dgp run). */
	if (golden_wait && !stop_requested) {
		dgp_golden_report_t gr = {0};
		double g0 = dgp_clock_mono_s();
		dgp_err_t ge = DGP_OK;
		while (!stop_requested && ge == DGP_OK) {
			uint64_t before = gr.keys;
			ge = dgp_golden_drain(l.conn, cli->cfg->golden_batch_keys, true, &gr, err,
					      sizeof(err));
			if (gr.keys == before)
				break;
		}
		if (ge != DGP_OK) {
			dgp_cli_err("load", "golden records: %s (the keys stay queued for dgp golden)",
				    err);
			rc = DGP_EXIT_FAIL;
		} else if (gr.keys) {
			dgp_log(DGP_LOG_INFO, "load",
				"golden records: %llu keys refreshed in %llu transactions, %.1f s",
				(unsigned long long)gr.keys, (unsigned long long)gr.transactions,
				dgp_clock_mono_s() - g0);
		}
	}
	catalog_gauges(&l, true); /* what the load left, for a last scrape */

	dgp_http_stop(l.http);
	dgp_metrics_destroy(l.reg);
	for (res_state_t *r = l.resources; r; r = r->next)
		dgp_dedup_destroy(r->cache);
	dgp_pg_sink_destroy(l.sink);
	PQfinish(l.conn);
	dgp_arena_destroy(l.arena);
	dgp_catalog_destroy(l.cat);
	return stop_requested ? 130 : rc;
}
