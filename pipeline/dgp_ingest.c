/*
 * dgp_ingest.c — the ingest engine (see dgp_ingest.h for the flow).
 *
 *   step(): source.next ─▶ route (source → lane, resolved once) ─▶ lane
 *             warm the lane's cache if it is not ─▶ parse into the batch arena
 *             ─▶ dgp_batch_add ─▶ span (source, partition) of the lane moved on
 *           full lanes, old lanes ─▶ write_lane()
 *   write_lane(): classify against the cache and the pending batch ─▶ hand
 *           off ─▶ settle: the pending batch's keys into the cache
 *   reap(): the retry loop — one policy for every command:
 *           OK ─▶ count, source.commit per span, hook; the batch's keys pending
 *                 (pipelined; else into the cache now)
 *           CONN_LOST ─▶ pause source, backoff, reconnect, again
 *           REFUSED ─▶ backoff, again, up to refused_tries
 *           STALE / ALREADY_COMMITTED (not ours) ─▶ drop_stale()
 *
 * The stale-writer protocol: a member stuck past its session timeout loses
 * its partitions while it still holds a batch; the new owner resumes from
 * the same stored offset, so both hold overlapping batches.  The first to
 * commit wins; the sink answers the other STALE (the stored offset is no
 * longer where that batch started).  The loser drops the batch uncounted,
 * seeks its spans to the stored progress and warms its cache again (the
 * winner wrote keys).
 */
#include "dgp_ingest.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_arena.h"
#include "dgp_clock.h"
#include "dgp_log.h"

/* Where the stored progress of (source, partition) stood when the engine last looked. */
typedef struct pos {
	char *source;
	int32_t partition;
	int64_t stored;   /* -1: nothing stored */
	int64_t inflight; /* next_offset of the batch in flight, -1: none */
} pos_t;

/* A source name resolved to its lane (NULL: no resource, records skipped). */
typedef struct route {
	char *source;
	dgp_ingest_lane_t *lane;
} route_t;

/*
 * A lane's other set of per-batch buffers (double buffering): while its
 * batch is written they hold the batch in flight; otherwise the next one
 * to fill.  Swapped with the lane's own fields, which callers read.
 */
struct dgp_ingest_bufs {
	dgp_batch_t *batch; /* NULL until the lane's first hand-off */
	dgp_sink_span_t *spans;
	size_t n_spans, cap_spans;
	int64_t *ts_ms;
	size_t n_ts, cap_ts;
	double first_at;
};

/* The write in flight: at most one per engine (one sink connection). */
typedef struct flight {
	dgp_ingest_lane_t *lane; /* NULL: nothing in flight */
	dgp_batch_t *batch;
	bool swapped; /* the batch is in lane->other (pipelined), else in lane->batch */
	bool held;    /* given up (refused, timed out): written again first by the next write */
	dgp_sink_progress_t pp;
	size_t size;             /* the batch's records, read and rejected at hand-off (the sink */
	uint64_t read, rejected; /* may turn refused rows into rejects meanwhile) */
	const uint64_t *unknown_snap[2]; /* the parsers' unknown-name counts at hand-off */
	size_t n_unknown_snap[2];
	double started, backoff; /* the retry policy's state */
	int refused;
	bool paused_here, outcome_unknown;
	/* written by the attempt (the write thread), read once done is seen under mu */
	bool done;
	dgp_sink_status_t st;
	dgp_sink_result_t res;
	double took_s;
	char err[1024];
} flight_t;

struct dgp_ingest {
	dgp_ingest_opts_t o;
	dgp_source_t *src;
	dgp_sink_t *sink;
	dgp_ingest_lane_t *lanes;
	route_t *routes;
	size_t n_routes, cap_routes;
	route_t *last_route;
	pos_t *pos;
	size_t n_pos, cap_pos;
	dgp_norm_ctx_t ctx;
	dgp_ingest_totals_t totals;
	dgp_source_record_t last;
	bool sink_ok, paused, stopping;
	double deadline;
	uint64_t expect; /* records still to come (dgp_ingest_expect), 0: no hint pending */
	flight_t fl;
	/* the write thread (pipelined): one job at a time, handed over under mu */
	pthread_t writer;
	bool writer_up, job, quit;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

#define MOD(eng) ((eng)->o.log_module ? (eng)->o.log_module : "ingest")

/* The engine's clock: batch ages, spans and retries need no better than the
 * coarse clock's milliseconds, and it is read once per record. */
static double now_of(const dgp_ingest_t *eng)
{
	if (eng->o.hooks.clock)
		return eng->o.hooks.clock(eng->o.hooks.opaque);
	return dgp_clock_mono_coarse_s();
}

static void sleep_for(const dgp_ingest_t *eng, double s)
{
	if (eng->o.hooks.sleep) {
		eng->o.hooks.sleep(eng->o.hooks.opaque, s);
		return;
	}
	dgp_clock_sleep_s(s);
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = dgp_xmalloc(n);
	memcpy(d, s, n);
	return d;
}

static double backoff_next(const dgp_ingest_t *eng, double b)
{
	double max = eng->o.retry.backoff_max_s;
	return b * 2 < max ? b * 2 : max;
}

/* ---- positions ------------------------------------------------------------------- */

static pos_t *pos_get(dgp_ingest_t *eng, const char *source, int32_t partition)
{
	for (size_t i = 0; i < eng->n_pos; i++)
		if (eng->pos[i].partition == partition && strcmp(eng->pos[i].source, source) == 0)
			return &eng->pos[i];
	if (eng->n_pos == eng->cap_pos) {
		eng->cap_pos = eng->cap_pos ? eng->cap_pos * 2 : 16;
		eng->pos = dgp_xrealloc(eng->pos, eng->cap_pos * sizeof(*eng->pos));
	}
	eng->pos[eng->n_pos] = (pos_t){xstrdup(source), partition, -1, -1};
	return &eng->pos[eng->n_pos++];
}

/*
 * The stored progress of (source, partition), asked of the sink; a lost
 * connection is replaced and the question asked again with backoff (while
 * stopping: given up at the deadline).
 */
static dgp_err_t stored_get(dgp_ingest_t *eng, const char *source, int32_t partition, bool *found,
                            int64_t *next, int64_t *next_line, char *err, size_t err_size)
{
	double backoff = eng->o.retry.backoff_first_s;
	for (;;) {
		*found = false;
		*next = -1;
		*next_line = -1;
		dgp_err_t e = eng->sink->stored(eng->sink->opaque, source, partition, found, next,
		                                next_line, err, err_size);
		if (e == DGP_OK) {
			pos_get(eng, source, partition)->stored = *found ? *next : -1;
			return DGP_OK;
		}
		if (e != DGP_ERR_PG_CONN || (eng->stopping && now_of(eng) >= eng->deadline))
			return e;
		eng->sink_ok = false;
		dgp_log(DGP_LOG_WARN, MOD(eng),
		        "cannot read the stored progress of %s [%d] (%s); "
		        "retrying in %.1f s",
		        source, (int)partition, err, backoff);
		sleep_for(eng, backoff);
		backoff = backoff_next(eng, backoff);
		char rerr[512];
		if (eng->sink->reconnect(eng->sink->opaque, rerr, sizeof(rerr)) != DGP_OK)
			dgp_log(DGP_LOG_WARN, MOD(eng), "reconnect failed: %s", rerr);
	}
}

/* ---- lanes ----------------------------------------------------------------------- */

static char *default_header(const dgp_schema_t *s)
{
	size_t len = 1;
	for (size_t i = 0; i < s->nfields; i++)
		len += strlen(s->fields[i].source_name) + 1;
	char *h = dgp_xmalloc(len), *p = h;
	for (size_t i = 0; i < s->nfields; i++) {
		if (i)
			*p++ = ',';
		size_t n = strlen(s->fields[i].source_name);
		memcpy(p, s->fields[i].source_name, n);
		p += n;
	}
	*p = '\0';
	return h;
}

static dgp_ingest_lane_t *lane_new(dgp_ingest_t *eng, const dgp_ingest_lane_info_t *info)
{
	dgp_ingest_lane_t *l = dgp_xcalloc(1, sizeof(*l));
	l->info = *info;
	const dgp_schema_t *s = info->schema;
	l->batch = dgp_batch_new(s, eng->o.batch_max_rows, eng->o.key_hash_mask);
	dgp_batch_set_deferred(l->batch, true); /* classified at hand-off: see write_lane */
	l->other = dgp_xcalloc(1, sizeof(*l->other));
	dgp_parse_opts_t jo = {DGP_FORMAT_JSONL, 0, 0, info->strict_unknown};
	dgp_parse_opts_t co = {DGP_FORMAT_CSV, info->csv_delim, info->csv_quote,
	                       info->strict_unknown};
	l->parser[0] = dgp_parse_new(s, &jo);
	l->parser[1] = dgp_parse_new(s, &co);
	l->default_header = default_header(s);
	l->vals = dgp_xcalloc(s->nfields + 1, sizeof(*l->vals));
	if (eng->o.std)
		dgp_metrics_std_resource(eng->o.std, s->resource_code, &l->m);
	l->next = eng->lanes;
	eng->lanes = l;
	return l;
}

static void lane_free(dgp_ingest_lane_t *l)
{
	dgp_dedup_destroy(l->cache);
	dgp_batch_destroy(l->batch);
	for (int i = 0; i < 2; i++) {
		dgp_parse_destroy(l->parser[i]);
		free(l->unknown_counted[i]);
		free(l->unknown_prog[i]);
	}
	free(l->csv_header);
	free(l->default_header);
	free(l->vals);
	free(l->spans);
	free(l->ts_ms);
	dgp_batch_destroy(l->other->batch);
	free(l->other->spans);
	free(l->other->ts_ms);
	free(l->other);
	free(l);
}

static void routes_free(dgp_ingest_t *eng)
{
	for (size_t i = 0; i < eng->n_routes; i++)
		free(eng->routes[i].source);
	eng->n_routes = 0;
	eng->last_route = NULL;
}

static bool flight_done(dgp_ingest_t *eng, bool wait);

void dgp_ingest_forget_lanes(dgp_ingest_t *eng)
{
	if (eng->fl.lane) { /* a batch given up, or one dropped by a crash-like destroy */
		(void)flight_done(eng, true);
		eng->fl.lane = NULL;
	}
	for (size_t i = 0; i < eng->n_pos; i++)
		eng->pos[i].inflight = -1;
	while (eng->lanes) {
		dgp_ingest_lane_t *n = eng->lanes->next;
		lane_free(eng->lanes);
		eng->lanes = n;
	}
	routes_free(eng);
}

/* The route of source, resolving it on first sight.  NULL with errstr on a resolver error. */
static route_t *route_of(dgp_ingest_t *eng, const char *source, dgp_err_t *error, char *err,
                         size_t err_size)
{
	if (eng->last_route && strcmp(eng->last_route->source, source) == 0)
		return eng->last_route;
	for (size_t i = 0; i < eng->n_routes; i++)
		if (strcmp(eng->routes[i].source, source) == 0)
			return eng->last_route = &eng->routes[i];
	dgp_ingest_lane_info_t info = {0};
	dgp_ingest_lane_t *lane = NULL;
	dgp_err_t e = eng->o.hooks.resolve(eng->o.hooks.opaque, source, &info, err, err_size);
	if (e != DGP_OK && e != DGP_ERR_NOT_FOUND) {
		*error = e;
		return NULL;
	}
	if (e == DGP_OK) {
		for (dgp_ingest_lane_t *l = eng->lanes; l; l = l->next)
			if (l->info.schema == info.schema)
				lane = l;
		if (!lane)
			lane = lane_new(eng, &info);
	}
	if (eng->n_routes == eng->cap_routes) {
		eng->cap_routes = eng->cap_routes ? eng->cap_routes * 2 : 16;
		eng->routes = dgp_xrealloc(eng->routes, eng->cap_routes * sizeof(*eng->routes));
	}
	eng->routes[eng->n_routes] = (route_t){xstrdup(source), lane};
	return eng->last_route = &eng->routes[eng->n_routes++];
}

/* Empty the lane's open batch; a pending one is emptied by settle, after its keys went in. */
static void lane_reset(dgp_ingest_lane_t *l)
{
	if (l->batch != l->pending)
		dgp_batch_reset(l->batch);
	l->n_spans = 0;
	l->n_ts = 0;
	l->first_at = 0;
}

/*
 * Put the pending batch's keys in the lane's cache (into: false drops them:
 * the cache is warmed again from PostgreSQL, which holds them) and empty it.
 * Pipelined, a committed batch's keys go in only after the next batch of
 * the lane was classified against them (dgp_batch_classify_after) and
 * handed to the write thread, so these random writes into a large table
 * happen while PostgreSQL writes, not between two of its batches.
 */
static void settle(dgp_ingest_lane_t *l, bool into)
{
	if (!l->pending)
		return;
	if (into && l->cache)
		dgp_batch_commit_cache(l->pending, l->cache);
	dgp_batch_reset(l->pending);
	l->pending = NULL;
}

/* Warm lane's cache from the sink; a lost connection is replaced and the load retried. */
static dgp_err_t warm(dgp_ingest_t *eng, dgp_ingest_lane_t *l, char *err, size_t err_size)
{
	double t0 = now_of(eng), backoff = eng->o.retry.backoff_first_s;
	uint64_t loaded = 0;
	const dgp_schema_t *s = l->info.schema;
	settle(l, false);
	for (;;) {
		dgp_dedup_destroy(l->cache);
		l->cache = dgp_dedup_new(0);
		loaded = 0;
		dgp_err_t e = eng->sink->warm(eng->sink->opaque, s, l->cache, eng->o.key_hash_mask,
		                              &loaded, err, err_size);
		if (e == DGP_OK)
			break;
		if (e != DGP_ERR_PG_CONN)
			return DGP_ERR_CATALOG;
		if (eng->stopping && now_of(eng) >= eng->deadline)
			return DGP_ERR_TIMEOUT;
		eng->sink_ok = false;
		dgp_log(DGP_LOG_WARN, MOD(eng), "warming %s: %s; retrying", s->resource_code, err);
		sleep_for(eng, backoff);
		backoff = backoff_next(eng, backoff);
		char rerr[512];
		if (eng->sink->reconnect(eng->sink->opaque, rerr, sizeof(rerr)) != DGP_OK)
			dgp_log(DGP_LOG_WARN, MOD(eng), "reconnect failed: %s", rerr);
	}
	l->warm = true;
	dgp_log(DGP_LOG_INFO, MOD(eng), "%s %s: %" PRIu64 " keys warm from dgp_src.%s in %.1f s",
	        s->resource_code, s->resource_name, loaded, s->table, now_of(eng) - t0);
	if (eng->o.std)
		dgp_metric_set(eng->o.std->dedup_entries, (double)dgp_dedup_count(l->cache));
	return DGP_OK;
}

/* The span of (source, partition) in lane's batch; a new one starts where the sink stood. */
static dgp_sink_span_t *span_of(dgp_ingest_t *eng, dgp_ingest_lane_t *l, const char *source,
                                int32_t partition, int64_t first_offset)
{
	for (size_t i = 0; i < l->n_spans; i++)
		if (l->spans[i].partition == partition &&
		    (l->spans[i].source == source || strcmp(l->spans[i].source, source) == 0))
			return &l->spans[i];
	if (l->n_spans == l->cap_spans) {
		l->cap_spans = l->cap_spans ? l->cap_spans * 2 : 8;
		l->spans = dgp_xrealloc(l->spans, l->cap_spans * sizeof(*l->spans));
	}
	pos_t *p = pos_get(eng, source, partition);
	/* behind a batch in flight, this one resumes where that one ends */
	int64_t from = p->inflight >= 0 ? p->inflight : p->stored >= 0 ? p->stored : first_offset;
	l->spans[l->n_spans] = (dgp_sink_span_t){.source = p->source,
	                                         .partition = partition,
	                                         .from_offset = from,
	                                         .next_offset = first_offset,
	                                         .next_line = -1};
	return &l->spans[l->n_spans++];
}

/* Swap the lane's per-batch buffers with its other set (the batch in flight ⇄ the open one). */
static void bufs_swap(dgp_ingest_lane_t *l)
{
	struct dgp_ingest_bufs *o = l->other, t = *o;
	*o = (struct dgp_ingest_bufs){l->batch, l->spans, l->n_spans, l->cap_spans,
	                              l->ts_ms, l->n_ts,  l->cap_ts,  l->first_at};
	l->batch = t.batch;
	l->spans = t.spans;
	l->n_spans = t.n_spans;
	l->cap_spans = t.cap_spans;
	l->ts_ms = t.ts_ms;
	l->n_ts = t.n_ts;
	l->cap_ts = t.cap_ts;
	l->first_at = t.first_at;
}

/* ---- writing --------------------------------------------------------------------- */

/* The unknown names of lane's parsers whose records are not yet in committed progress. */
static void unknown_progress(dgp_ingest_lane_t *l, dgp_sink_progress_t *pp)
{
	dgp_arena_t *a = dgp_batch_arena(l->batch);
	size_t n0, n1;
	dgp_parse_unknown_fields(l->parser[0], &n0);
	dgp_parse_unknown_fields(l->parser[1], &n1);
	const char **names = n0 + n1 ? dgp_arena_alloc(a, (n0 + n1) * sizeof(*names)) : NULL;
	uint64_t *recs = n0 + n1 ? dgp_arena_alloc(a, (n0 + n1) * sizeof(*recs)) : NULL;
	size_t k = 0;
	for (int p = 0; p < 2; p++) {
		size_t n;
		const dgp_unknown_field_t *u = dgp_parse_unknown_fields(l->parser[p], &n);
		for (size_t i = 0; i < n; i++) {
			uint64_t before = i < l->unknown_sent[p] ? l->unknown_prog[p][i] : 0;
			if (u[i].records > before) {
				/* the parser goes on with the next batch while this one is written
				 */
				names[k] = dgp_arena_strdup(a, u[i].name);
				recs[k++] = u[i].records - before;
			}
		}
	}
	pp->n_unknown = k;
	pp->unknown_names = names;
	pp->unknown_records = recs;
}

/* The unknown names' record counts of lane's parsers now, in the batch arena (at hand-off). */
static void unknown_snapshot(dgp_ingest_lane_t *l, flight_t *f)
{
	dgp_arena_t *a = dgp_batch_arena(l->batch);
	for (int p = 0; p < 2; p++) {
		size_t n;
		const dgp_unknown_field_t *u = dgp_parse_unknown_fields(l->parser[p], &n);
		uint64_t *c = n ? dgp_arena_alloc(a, n * sizeof(*c)) : NULL;
		for (size_t i = 0; i < n; i++)
			c[i] = u[i].records;
		f->unknown_snap[p] = c;
		f->n_unknown_snap[p] = n;
	}
}

/* After a commit: the unknown names' records counted at its hand-off are in the stored progress. */
static void unknown_committed(dgp_ingest_lane_t *l, const flight_t *f)
{
	for (int p = 0; p < 2; p++) {
		size_t n = f->n_unknown_snap[p];
		if (n > l->unknown_sent[p]) {
			l->unknown_prog[p] = dgp_xrealloc(l->unknown_prog[p], n * sizeof(uint64_t));
			l->unknown_sent[p] = n;
		}
		for (size_t i = 0; i < n; i++)
			l->unknown_prog[p][i] = f->unknown_snap[p][i];
	}
}

static void pause_source(dgp_ingest_t *eng, bool pause)
{
	if (eng->paused == pause || !eng->src || !eng->src->pause)
		return;
	eng->src->pause(eng->src->opaque, pause);
	eng->paused = pause;
}

/*
 * Another writer committed (part of) lane's batch: forget it uncounted
 * (dgp_batches_total{outcome="stale"}), seek its spans back to the stored
 * progress and warm the cache again.  While stopping nothing is read
 * again, so there is nothing to seek.
 */
static bool span_in(const dgp_sink_span_t *spans, size_t n, const dgp_sink_span_t *s)
{
	for (size_t i = 0; i < n; i++)
		if (spans[i].partition == s->partition && strcmp(spans[i].source, s->source) == 0)
			return true;
	return false;
}

/*
 * Seek the spans of lane's batch back to the stored progress, but those
 * also in done[n_done] (sought already).  While stopping nothing is read
 * again, so there is nothing to seek.
 */
static void seek_back(dgp_ingest_t *eng, dgp_ingest_lane_t *l, const dgp_sink_span_t *done,
                      size_t n_done)
{
	for (size_t i = 0; i < l->n_spans && !eng->stopping; i++) {
		const dgp_sink_span_t *s = &l->spans[i];
		if (span_in(done, n_done, s))
			continue;
		bool found;
		int64_t next, line;
		char err[512];
		if (stored_get(eng, s->source, s->partition, &found, &next, &line, err,
		               sizeof(err)) != DGP_OK) {
			dgp_log(DGP_LOG_WARN, MOD(eng),
			        "cannot read the stored progress of %s [%d]: %s", s->source,
			        (int)s->partition, err);
			continue;
		}
		if (eng->src && eng->src->seek &&
		    eng->src->seek(eng->src->opaque, s->source, s->partition, found ? next : -1,
		                   found ? line : -1, err, sizeof(err)) != DGP_OK)
			dgp_log(DGP_LOG_INFO, MOD(eng),
			        "%s (its next owner reads it from the stored "
			        "progress)",
			        err);
	}
}

static void drop_stale(dgp_ingest_t *eng, dgp_ingest_lane_t *l, const char *why)
{
	if (eng->o.std)
		dgp_metric_inc(l->m.batches_stale, 1);
	eng->totals.stale_batches++;
	dgp_log(DGP_LOG_WARN, MOD(eng),
	        "%s: %s; dropped the batch (%zu records), its partitions "
	        "are read again from the stored offsets",
	        l->info.schema->resource_code, why, dgp_batch_size(l->batch));
	seek_back(eng, l, NULL, 0);
	lane_reset(l);
	l->warm = false;
}

static void count_committed(dgp_ingest_t *eng, dgp_ingest_lane_t *l, const dgp_sink_result_t *res,
                            double now)
{
	const dgp_batch_counts_t *c = dgp_batch_counts(l->batch);
	if (eng->o.std && l->cache) {
		dgp_metrics_std_batch(eng->o.std, &l->m, c, now - l->first_at, (double)time(NULL));
		dgp_metric_set(eng->o.std->dedup_entries, (double)dgp_dedup_count(l->cache));
		dgp_metric_set(eng->o.std->dedup_bytes, (double)dgp_dedup_bytes(l->cache));
	}
	eng->totals.read += c->read;
	eng->totals.rejected += c->rejected;
	eng->totals.rows_written += res->inserted + res->updated;
	eng->totals.deleted += res->deleted;
	eng->totals.absent += res->absent;
	eng->totals.batches++;
}

/* ---- the write in flight ------------------------------------------------------------ */

/* One write of the batch in flight; on the write thread when pipelined.  Touches only fl. */
static void attempt(dgp_ingest_t *eng)
{
	flight_t *f = &eng->fl;
	memset(&f->res, 0, sizeof(f->res));
	f->err[0] = '\0';
	double t0 = dgp_clock_mono_s();
	f->st =
	    eng->sink->write(eng->sink->opaque, f->batch, &f->pp, &f->res, f->err, sizeof(f->err));
	f->took_s = dgp_clock_mono_s() - t0;
}

static void *writer_main(void *opaque)
{
	dgp_ingest_t *eng = opaque;
	pthread_mutex_lock(&eng->mu);
	for (;;) {
		while (!eng->job && !eng->quit)
			pthread_cond_wait(&eng->cv, &eng->mu);
		if (!eng->job)
			break;
		pthread_mutex_unlock(&eng->mu);
		attempt(eng);
		pthread_mutex_lock(&eng->mu);
		eng->job = false;
		eng->fl.done = true;
		pthread_cond_broadcast(&eng->cv);
	}
	pthread_mutex_unlock(&eng->mu);
	return NULL;
}

/* Start the write of fl: on the write thread when pipelined, else now, on this one. */
static void submit(dgp_ingest_t *eng)
{
	if (eng->o.pipelined && !eng->writer_up) {
		if (pthread_create(&eng->writer, NULL, writer_main, eng) == 0) {
			eng->writer_up = true;
		} else {
			dgp_log(DGP_LOG_WARN, MOD(eng),
			        "cannot start the write thread; batches are written in turn");
			eng->o.pipelined = false;
		}
	}
	if (!eng->o.pipelined) {
		attempt(eng);
		eng->fl.done = true;
		return;
	}
	pthread_mutex_lock(&eng->mu);
	eng->fl.done = false;
	eng->job = true;
	pthread_cond_broadcast(&eng->cv);
	pthread_mutex_unlock(&eng->mu);
}

/* Whether fl's attempt finished; wait: until it has. */
static bool flight_done(dgp_ingest_t *eng, bool wait)
{
	if (!eng->o.pipelined || !eng->writer_up)
		return eng->fl.done;
	pthread_mutex_lock(&eng->mu);
	if (wait && !eng->fl.done) {
		double t0 = dgp_clock_mono_s();
		while (!eng->fl.done)
			pthread_cond_wait(&eng->cv, &eng->mu);
		eng->totals.wait_s += dgp_clock_mono_s() - t0;
	}
	bool done = eng->fl.done;
	pthread_mutex_unlock(&eng->mu);
	return done;
}

/*
 * The batch in flight was committed, found stale, or found committed by
 * another writer: account for it on this thread.  Nothing is in flight
 * from here on, so the sink may be asked (stored progress, warming).
 */
static void finish(dgp_ingest_t *eng)
{
	flight_t *f = &eng->fl;
	dgp_ingest_lane_t *l = f->lane;
	f->lane = NULL;
	eng->sink_ok = true;
	if (f->paused_here)
		pause_source(eng, false);
	if (f->swapped)
		bufs_swap(
		    l); /* the lane shows the batch written, for the code below and the hook */
	for (size_t i = 0; i < l->n_spans; i++)
		pos_get(eng, l->spans[i].source, l->spans[i].partition)->inflight = -1;
	bool stale =
	    f->st == DGP_SINK_STALE || (f->st == DGP_SINK_ALREADY_COMMITTED && !f->outcome_unknown);
	if (stale) {
		/* Not ours when none of our COMMITs was in doubt: a member that took the
		 * partitions over while this one was stopped committed past the batch. */
		/* the stale batch's spans, before drop_stale empties them (the array stays) */
		const dgp_sink_span_t *gone = l->spans;
		size_t n_gone = l->n_spans;
		drop_stale(eng, l,
		           f->st == DGP_SINK_STALE
		               ? f->err
		               : "stale batch: the stored offsets already stand at or past its "
		                 "end (another member committed it meanwhile); nothing written");
		if (f->swapped) {
			/* The open batch read on from the stale one: read again too, uncounted. */
			bufs_swap(l);
			seek_back(eng, l, gone, n_gone);
			lane_reset(l);
		}
		return;
	}
	if (f->res.met_existing)
		dgp_log(DGP_LOG_WARN, MOD(eng),
		        "a batch of %s met rows the cache did not know; they "
		        "were merged (another writer, or a stale cache)",
		        l->info.schema->table);
	if (eng->o.std)
		dgp_histogram_observe(eng->o.std->pg_roundtrip, f->took_s);
	/* l->cache NULL: a lane that read no record (an empty file) */
	if (l->cache && f->swapped)
		l->pending = l->batch; /* settled after the next hand-off (write_lane) */
	else if (l->cache)
		dgp_batch_commit_cache(l->batch, l->cache);
	count_committed(eng, l, &f->res, now_of(eng));
	unknown_committed(l, f);
	for (size_t i = 0; i < l->n_spans; i++) {
		const dgp_sink_span_t *s = &l->spans[i];
		pos_get(eng, s->source, s->partition)->stored = s->next_offset;
		if (eng->src && eng->src->commit)
			eng->src->commit(eng->src->opaque, s->source, s->partition, s->next_offset);
	}
	if (eng->o.hooks.committed)
		eng->o.hooks.committed(eng->o.hooks.opaque, l, &f->res);
	lane_reset(l);
	if (f->swapped)
		bufs_swap(l);
}

static void retry_reset(dgp_ingest_t *eng)
{
	flight_t *f = &eng->fl;
	f->started = now_of(eng);
	f->backoff = eng->o.retry.backoff_first_s;
	f->refused = 0;
	f->paused_here = f->outcome_unknown = false;
	f->held = false;
}

typedef enum reap_mode {
	REAP_POLL, /* only if the attempt finished; a given-up batch stays held */
	REAP_IDLE, /* wait until nothing is in flight (the sink is free); a held batch stays */
	REAP_ALL,  /* wait until the batch in flight is committed, a held one written again first */
} reap_mode_t;

/*
 * Take the answer of the write in flight per the retry policy: committed,
 * stale ─▶ finish(); CONN_LOST ─▶ pause the source, backoff, reconnect,
 * again; REFUSED ─▶ backoff, again, up to refused_tries.  A batch given up
 * is held (returns DGP_ERR_PG | DGP_ERR_TIMEOUT with errstr).  Backoff,
 * reconnect and the policy run on this thread; only sink.write is the
 * write thread's.
 */
static dgp_err_t reap(dgp_ingest_t *eng, reap_mode_t mode, char *err, size_t err_size)
{
	flight_t *f = &eng->fl;
	while (f->lane) {
		if (f->held) {
			if (mode != REAP_ALL)
				return DGP_OK;
			retry_reset(eng);
			submit(eng);
		}
		if (!flight_done(eng, mode != REAP_POLL))
			return DGP_OK;
		eng->totals.write_s += f->took_s;
		dgp_sink_status_t st = f->st;
		if (st == DGP_SINK_OK || st == DGP_SINK_STALE || st == DGP_SINK_ALREADY_COMMITTED) {
			finish(eng);
			continue;
		}
		dgp_ingest_lane_t *l = f->lane;
		const char *code = l->info.schema->resource_code;
		if (st == DGP_SINK_CONN_LOST)
			f->outcome_unknown =
			    true; /* the COMMIT may have landed: "already committed" is ours */
		if (st == DGP_SINK_REFUSED && ++f->refused >= eng->o.retry.refused_tries) {
			if (eng->o.std)
				dgp_metric_inc(l->m.batches_failed, 1);
			dgp_log(DGP_LOG_ERROR, MOD(eng),
			        "postgresql refused a batch of %s %d times: %s", code, f->refused,
			        f->err);
			pause_source(eng, false);
			snprintf(err, err_size, "%s", f->err);
			f->held = true;
			return DGP_ERR_PG;
		}
		double t = now_of(eng);
		bool give_up = st == DGP_SINK_CONN_LOST && eng->o.retry.conn_give_up_s > 0 &&
		               t - f->started >= eng->o.retry.conn_give_up_s;
		if (give_up || (eng->stopping && t >= eng->deadline)) {
			if (eng->o.std)
				dgp_metric_inc(l->m.batches_failed, 1);
			pause_source(eng, false);
			snprintf(err, err_size, "%s", f->err);
			f->held = true;
			return DGP_ERR_TIMEOUT;
		}
		if (st == DGP_SINK_CONN_LOST)
			eng->sink_ok = false;
		if (!eng->paused) {
			pause_source(eng, true);
			f->paused_here = true;
		}
		dgp_log(DGP_LOG_WARN, MOD(eng),
		        "writing a batch of %s failed (%s); retrying in %.1f s", code, f->err,
		        f->backoff);
		sleep_for(eng, f->backoff);
		f->backoff = backoff_next(eng, f->backoff);
		if (st == DGP_SINK_CONN_LOST) {
			char rerr[512];
			if (eng->sink->reconnect(eng->sink->opaque, rerr, sizeof(rerr)) != DGP_OK)
				dgp_log(DGP_LOG_WARN, MOD(eng), "reconnect failed: %s", rerr);
		}
		submit(eng);
	}
	return DGP_OK;
}

/*
 * Close lane's batch and hand it to the sink.  Only one batch is in
 * flight: the previous one is committed first (its cache updates are what
 * this batch is classified against).  Pipelined, the write goes on while
 * the caller reads on into the lane's other buffers; else it is finished
 * before returning.  A lane with no span (nothing read) writes nothing.
 */
static dgp_err_t write_lane(dgp_ingest_t *eng, dgp_ingest_lane_t *l, char *err, size_t err_size)
{
	if (!l->n_spans)
		return DGP_OK;
	dgp_err_t e = reap(eng, REAP_ALL, err, err_size);
	if (e != DGP_OK || !l->n_spans) /* given up; or dropped behind a stale batch */
		return e;
	dgp_batch_classify_after(l->batch, l->cache, l->pending);
	flight_t *f = &eng->fl;
	f->lane = l;
	f->batch = l->batch;
	f->size = dgp_batch_size(l->batch);
	f->read = dgp_batch_counts(l->batch)->read;
	f->rejected = dgp_batch_counts(l->batch)->rejected;
	f->pp = (dgp_sink_progress_t){.n_spans = l->n_spans, .spans = l->spans};
	unknown_progress(l, &f->pp);
	unknown_snapshot(l, f);
	for (size_t i = 0; i < l->n_spans; i++)
		pos_get(eng, l->spans[i].source, l->spans[i].partition)->inflight =
		    l->spans[i].next_offset;
	f->swapped = eng->o.pipelined;
	if (f->swapped) {
		if (!l->other->batch) {
			l->other->batch = dgp_batch_new(l->info.schema, eng->o.batch_max_rows,
			                                eng->o.key_hash_mask);
			dgp_batch_set_deferred(l->other->batch, true);
		}
		bufs_swap(l);
	}
	retry_reset(eng);
	submit(eng);
	settle(l, true); /* while the batch is written; its buffers are the lane's open ones now */
	return eng->o.pipelined ? DGP_OK : reap(eng, REAP_ALL, err, err_size);
}

dgp_err_t dgp_ingest_flush(dgp_ingest_t *eng, char *err, size_t err_size)
{
	/* A batch given up stops the flush: every later one is behind it in the one connection. */
	for (dgp_ingest_lane_t *l = eng->lanes; l; l = l->next) {
		dgp_err_t e = write_lane(eng, l, err, err_size);
		if (e != DGP_OK)
			return e;
	}
	dgp_err_t e = reap(eng, REAP_ALL, err, err_size);
	for (dgp_ingest_lane_t *l = eng->lanes; e == DGP_OK && l; l = l->next)
		settle(l, true); /* flushed: the caches hold every committed key */
	return e;
}

/* ---- the listener (rebalances, from inside source.next) --------------------------- */

static void on_revoke(void *opaque, const char *source, int32_t partition)
{
	(void)source;
	(void)partition; /* a batch spans the partitions of its lane: commit them all */
	dgp_ingest_t *eng = opaque;
	char err[1024];
	if (dgp_ingest_flush(eng, err, sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_ERROR, MOD(eng),
		        "could not commit before giving partitions up (%s); "
		        "their uncommitted messages will be read again by the next owner",
		        err);
}

static dgp_err_t on_stored(void *opaque, const char *source, int32_t partition, bool *found,
                           int64_t *next, char *err, size_t err_size)
{
	dgp_ingest_t *eng = opaque;
	int64_t line;
	/* one attempt: the source asks again on an error */
	*found = false;
	dgp_err_t e = reap(eng, REAP_IDLE, err, err_size); /* the connection is free */
	if (e != DGP_OK)
		return e;
	e = eng->sink->stored(eng->sink->opaque, source, partition, found, next, &line, err,
	                      err_size);
	if (e == DGP_OK) {
		pos_get(eng, source, partition)->stored = *found ? *next : -1;
		return DGP_OK;
	}
	if (e == DGP_ERR_PG_CONN) {
		char rerr[512];
		eng->sink_ok = false;
		if (eng->sink->reconnect(eng->sink->opaque, rerr, sizeof(rerr)) != DGP_OK)
			dgp_log(DGP_LOG_WARN, MOD(eng), "reconnect failed: %s", rerr);
		else
			eng->sink_ok = true;
	}
	return e;
}

/* Another member may have written the keys of source: commit, then warm its lane again before use.
 */
static void on_assigned(void *opaque, const char *source, int32_t partition)
{
	(void)partition;
	dgp_ingest_t *eng = opaque;
	for (size_t i = 0; i < eng->n_routes; i++) {
		dgp_ingest_lane_t *l = eng->routes[i].lane;
		if (!l || strcmp(eng->routes[i].source, source) != 0)
			continue;
		char err[1024];
		if (write_lane(eng, l, err, sizeof(err)) == DGP_OK)
			l->warm = false;
	}
	if (eng->o.hooks.assigned)
		eng->o.hooks.assigned(eng->o.hooks.opaque, source, partition);
}

/* ---- reading ---------------------------------------------------------------------- */

/* The CSV parser of l set to header h; false with detail when the header is unusable. */
static bool csv_header(dgp_ingest_lane_t *l, const char *h, size_t hl, char *detail, size_t dsize)
{
	if (l->csv_header && l->csv_header_len == hl && memcmp(l->csv_header, h, hl) == 0) {
		if (!l->csv_header_ok)
			snprintf(detail, dsize, "unusable CSV header");
		return l->csv_header_ok;
	}
	free(l->csv_header);
	l->csv_header = dgp_xmalloc(hl + 1);
	memcpy(l->csv_header, h, hl);
	l->csv_header[hl] = '\0';
	l->csv_header_len = hl;
	char err[512];
	l->csv_header_ok = dgp_parse_csv_header(l->parser[1], h, hl, err, sizeof(err)) == DGP_OK;
	if (!l->csv_header_ok)
		snprintf(detail, dsize, "CSV header: %.400s", err);
	return l->csv_header_ok;
}

static dgp_err_t add_record(dgp_ingest_t *eng, dgp_ingest_lane_t *l, dgp_source_record_t *rec,
                            char *err, size_t err_size)
{
	if (!l->warm) {
		dgp_err_t e = reap(eng, REAP_IDLE, err, err_size); /* the connection is free */
		if (e == DGP_OK)
			e = warm(eng, l, err, err_size);
		if (e != DGP_OK)
			return e;
	}
	if (eng->expect) {
		if (dgp_dedup_count(l->cache) < eng->expect)
			dgp_dedup_reserve(l->cache, eng->expect);
		eng->expect = 0;
	}
	dgp_arena_t *a = dgp_batch_arena(l->batch);
	char detail[512];
	dgp_reason_t reason = rec->reason;
	dgp_op_t op = rec->op;
	const char *raw =
	    rec->raw; /* the arena's copy once there is one: a payload is copied once */
	if (reason == DGP_REASON_OK && op == DGP_OP_DELETE) { /* a tombstone: its key alone */
		char *key = dgp_arena_memdup(a, rec->raw, rec->raw_len);
		raw = key;
		reason = dgp_parse_key(l->info.schema, key, rec->raw_len, l->vals, detail,
		                       sizeof(detail));
	} else if (reason == DGP_REASON_OK && eng->src && eng->src->text)
		reason = eng->src->text(eng->src->opaque, rec, l->info.encoding);
	const char *det = rec->detail;
	bool csv_text = false; /* values of checked text by the CSV parser: no NUL in them */
	if (op == DGP_OP_DELETE)
		det = reason == DGP_REASON_OK ? NULL : detail;
	else if (reason == DGP_REASON_OK) {
		dgp_parser_t *p = l->parser[0];
		if (rec->format == DGP_FORMAT_CSV) {
			p = l->parser[1];
			const char *h = rec->csv_header ? rec->csv_header : l->default_header;
			size_t hl =
			    rec->csv_header ? rec->csv_header_len : strlen(l->default_header);
			if (!csv_header(l, h, hl, detail, sizeof(detail)))
				reason = DGP_REASON_MALFORMED;
		}
		if (reason == DGP_REASON_OK) {
			char *text = dgp_arena_memdup(a, rec->text, rec->text_len);
			if (rec->text == rec->raw && rec->text_len == rec->raw_len)
				raw = text; /* not transcoded */
			reason = dgp_parse_record(p, text, rec->text_len, a, l->vals, detail,
			                          sizeof(detail));
			op = dgp_parse_op(p); /* a delete marker */
			csv_text = rec->format == DGP_FORMAT_CSV;
		}
		det = reason == DGP_REASON_OK ? NULL : detail;
	}
	if (!dgp_batch_size(l->batch)) {
		l->first_at = now_of(eng);
		/* a run outlives midnight: "today" is taken per batch */
		eng->ctx = dgp_norm_ctx_now(eng->o.utc_offset_min);
	}
	dgp_batch_set_nul_free(l->batch, csv_text);
	dgp_batch_set_raw_kept(l->batch, raw != rec->raw);
	dgp_batch_add_op(l->batch, op, l->cache, &eng->ctx, &rec->origin, raw, rec->raw_len,
	                 reason == DGP_REASON_OK ? l->vals : NULL, reason, det);
	dgp_sink_span_t *s =
	    span_of(eng, l, rec->origin.source, rec->origin.partition, rec->origin.offset);
	s->next_offset = rec->origin.end_offset;
	s->next_line = rec->next_line;
	s->records += 1 + rec->skipped_before;
	dgp_batch_count_skipped(l->batch, rec->skipped_before);
	if (l->n_ts == l->cap_ts) {
		l->cap_ts = l->cap_ts ? l->cap_ts * 2 : 1024;
		l->ts_ms = dgp_xrealloc(l->ts_ms, l->cap_ts * sizeof(*l->ts_ms));
	}
	l->ts_ms[l->n_ts++] = rec->timestamp_ms;
	eng->totals.received++;
	if (dgp_batch_full(l->batch))
		return write_lane(eng, l, err, err_size);
	return DGP_OK;
}

/* The source ended: its lane's span is complete (a span is made for an input with no record). */
static dgp_err_t end_of_source(dgp_ingest_t *eng, const dgp_source_record_t *end, char *err,
                               size_t err_size)
{
	if (!end->origin.source)
		return dgp_ingest_flush(eng, err, err_size);
	dgp_err_t e = DGP_OK;
	route_t *r = route_of(eng, end->origin.source, &e, err, err_size);
	if (!r)
		return e;
	if (r->lane) {
		dgp_sink_span_t *s = span_of(eng, r->lane, end->origin.source,
		                             end->origin.partition, end->origin.end_offset);
		s->next_offset = end->origin.end_offset;
		s->next_line = end->next_line;
		s->records += end->skipped_before;
		dgp_batch_count_skipped(r->lane->batch, end->skipped_before);
		s->complete = true;
	}
	return dgp_ingest_flush(eng, err, err_size);
}

static dgp_err_t step(dgp_ingest_t *eng, int timeout_ms, bool *ended, char *err, size_t err_size)
{
	if (ended)
		*ended = false;
	/* A write that finished is accounted for now: its offsets committed, its hook run. */
	dgp_err_t re = reap(eng, REAP_POLL, err, err_size);
	if (re != DGP_OK)
		return re;
	dgp_source_record_t rec = {0};
	int got = eng->src->next(eng->src->opaque, timeout_ms, &rec, err, err_size);
	if (got == DGP_SOURCE_ERROR) {
		/* Damaged input: commit what was read before, then report. */
		char ferr[1024];
		if (dgp_ingest_flush(eng, ferr, sizeof(ferr)) != DGP_OK)
			dgp_log(DGP_LOG_ERROR, MOD(eng), "%s", ferr);
		return DGP_ERR_IO;
	}
	if (got == DGP_SOURCE_END) {
		dgp_err_t e = end_of_source(eng, &rec, err, err_size);
		if (ended)
			*ended = e == DGP_OK;
		return e;
	}
	if (got == DGP_SOURCE_RECORD) {
		eng->last = rec;
		dgp_err_t e = DGP_OK;
		route_t *r = route_of(eng, rec.origin.source, &e, err, err_size);
		if (!r)
			return e;
		if (!r->lane) {
			if (eng->totals.unknown_records++ % 10000 == 0)
				dgp_log(DGP_LOG_WARN, MOD(eng),
				        "topic %s names no catalog resource; "
				        "its messages are not loaded (offsets not stored: read "
				        "again once the catalog names it)",
				        rec.origin.source);
		} else {
			e = add_record(eng, r->lane, &rec, err, err_size);
			if (e != DGP_OK)
				return e;
		}
	}
	/* Batches close on age too, so latency stays bounded at low traffic. */
	if (eng->o.batch_max_age_s > 0) {
		double t = now_of(eng);
		for (dgp_ingest_lane_t *l = eng->lanes; l; l = l->next)
			if (dgp_batch_size(l->batch) && t - l->first_at >= eng->o.batch_max_age_s) {
				dgp_err_t e = write_lane(eng, l, err, err_size);
				if (e != DGP_OK)
					return e;
			}
	}
	return DGP_OK;
}

dgp_err_t dgp_ingest_step(dgp_ingest_t *eng, int timeout_ms, bool *ended, char *err,
                          size_t err_size)
{
	dgp_err_t e = step(eng, timeout_ms, ended, err, err_size);
	if (e != DGP_OK && dgp_ingest_sink_busy(eng)) {
		/* The caller may use the connection next (its error path): nothing stays in
		 * flight.  The failure reported is the first one. */
		char rerr[1024];
		if (reap(eng, REAP_IDLE, rerr, sizeof(rerr)) != DGP_OK)
			dgp_log(DGP_LOG_ERROR, MOD(eng), "%s", rerr);
	}
	return e;
}

/* ---- the rest --------------------------------------------------------------------- */

dgp_ingest_t *dgp_ingest_new(const dgp_ingest_opts_t *opts, dgp_source_t *src, dgp_sink_t *sink)
{
	dgp_ingest_t *eng = dgp_xcalloc(1, sizeof(*eng));
	eng->o = *opts;
	if (eng->o.retry.backoff_first_s <= 0)
		eng->o.retry.backoff_first_s = 0.2;
	if (eng->o.retry.backoff_max_s <= 0)
		eng->o.retry.backoff_max_s = 5;
	if (eng->o.retry.refused_tries <= 0)
		eng->o.retry.refused_tries = 3;
	if (!eng->o.batch_max_rows)
		eng->o.batch_max_rows = 1;
	if (!eng->o.key_hash_mask)
		eng->o.key_hash_mask = ~0ull;
	eng->sink = sink;
	eng->sink_ok = true;
	pthread_mutex_init(&eng->mu, NULL);
	pthread_cond_init(&eng->cv, NULL);
	eng->ctx = dgp_norm_ctx_now(opts->utc_offset_min);
	dgp_ingest_set_source(eng, src);
	return eng;
}

/*
 * Drop, uncounted, what was read and not committed: a batch given up
 * (held, its attempt done) and every lane's open batch.  Their progress
 * names the source they came from, whose stored progress stands at its
 * last committed batch, so nothing is lost: that source is read from there
 * again.  The caches are kept (they hold only what was committed).
 */
static void drop_uncommitted(dgp_ingest_t *eng)
{
	flight_t *f = &eng->fl;
	if (f->lane) {
		(void)flight_done(eng, true);
		if (f->swapped) { /* the batch in flight sits in the lane's other buffers */
			bufs_swap(f->lane);
			lane_reset(f->lane);
			bufs_swap(f->lane);
		}
		f->lane = NULL;
	}
	for (size_t i = 0; i < eng->n_pos; i++)
		eng->pos[i].inflight = -1;
	for (dgp_ingest_lane_t *l = eng->lanes; l; l = l->next)
		lane_reset(l);
}

void dgp_ingest_set_source(dgp_ingest_t *eng, dgp_source_t *src)
{
	if (src != eng->src)
		drop_uncommitted(eng);
	eng->src = src;
	eng->paused = false;
	memset(&eng->last, 0, sizeof(eng->last));
	if (src)
		src->listener = (dgp_source_listener_t){eng, on_revoke, on_stored, on_assigned};
}

void dgp_ingest_expect(dgp_ingest_t *eng, uint64_t records)
{
	eng->expect = records;
}

void dgp_ingest_destroy(dgp_ingest_t *eng)
{
	if (!eng)
		return;
	dgp_log(DGP_LOG_DEBUG, MOD(eng),
	        "%" PRIu64
	        " batches committed; writing took %.2f s, of which reading waited %.2f s",
	        eng->totals.batches, eng->totals.write_s, eng->totals.wait_s);
	if (eng->writer_up) { /* a write in flight ends first; its outcome is not accounted for */
		pthread_mutex_lock(&eng->mu);
		eng->quit = true;
		pthread_cond_broadcast(&eng->cv);
		pthread_mutex_unlock(&eng->mu);
		pthread_join(eng->writer, NULL);
		eng->writer_up = false;
	}
	eng->fl.lane = NULL;
	dgp_ingest_forget_lanes(eng);
	pthread_mutex_destroy(&eng->mu);
	pthread_cond_destroy(&eng->cv);
	free(eng->routes);
	for (size_t i = 0; i < eng->n_pos; i++)
		free(eng->pos[i].source);
	free(eng->pos);
	free(eng);
}

void dgp_ingest_stop(dgp_ingest_t *eng, double deadline_s)
{
	eng->stopping = true;
	eng->deadline = deadline_s;
}

size_t dgp_ingest_pending(const dgp_ingest_t *eng)
{
	size_t n = eng->fl.lane ? eng->fl.size : 0;
	for (const dgp_ingest_lane_t *l = eng->lanes; l; l = l->next)
		n += dgp_batch_size(l->batch);
	return n;
}

void dgp_ingest_open_counts(const dgp_ingest_t *eng, uint64_t *read, uint64_t *rejected)
{
	*read = *rejected = 0;
	if (eng->fl.lane) {
		*read += eng->fl.read;
		*rejected += eng->fl.rejected;
	}
	for (const dgp_ingest_lane_t *l = eng->lanes; l; l = l->next) {
		const dgp_batch_counts_t *c = dgp_batch_counts(l->batch);
		*read += c->read;
		*rejected += c->rejected;
	}
}

const dgp_source_record_t *dgp_ingest_last(const dgp_ingest_t *eng)
{
	return &eng->last;
}

bool dgp_ingest_sink_ok(const dgp_ingest_t *eng)
{
	return eng->sink_ok;
}

bool dgp_ingest_sink_busy(const dgp_ingest_t *eng)
{
	return eng->fl.lane && !eng->fl.held && eng->o.pipelined;
}

bool dgp_ingest_paused(const dgp_ingest_t *eng)
{
	return eng->paused;
}

const dgp_ingest_totals_t *dgp_ingest_totals(const dgp_ingest_t *eng)
{
	return &eng->totals;
}

dgp_ingest_lane_t *dgp_ingest_lanes(const dgp_ingest_t *eng)
{
	return eng->lanes;
}
