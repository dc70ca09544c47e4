/*
 * test_ingest.c — the ingest engine against a fake source and a fake sink,
 * with an injected clock (batch age and backoff cost no waiting).
 *
 * Faked:
 *   source  topics of partitions of JSON messages {"ID":"<n>","NAME":"N"}; on its
 *           first next() it takes its partitions on at the stored progress
 *           (listener.stored, then listener.assigned), as the Kafka source does on
 *           assignment; a scripted call revokes them (listener.revoke); paused it
 *           delivers nothing; seek moves a partition's position.  A message
 *           given a tombstone key comes as a tombstone (op delete, raw = the key).
 *   sink    a "database": the stored next offset per (topic, partition) and how
 *           often each message was committed.  It follows the PostgreSQL sink's
 *           protocol (stored == from: write; stored >= next: already committed;
 *           else stale) and can lose its connection or refuse batches on demand,
 *           or lose the reply of a COMMIT that landed.
 * Two small rules keep the test off the real normalisers: digits (key), upper.
 *
 * The tests above "pipelined" run the engine writing in turn (each write
 * finished before the step returns).  The pipelined ones run its write
 * thread: the fake sink can hold writes at a gate the test opens, so what
 * happens while a batch is in flight is fixed, never left to timing; the
 * test reads the sink only after a flush (which waits for the write).
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dgp_ingest.h"
#include "dgp_log.h"

static dgp_reason_t rule_digits(const dgp_norm_rule_t *r, const dgp_norm_ctx_t *c, const char *in,
                                size_t len, char *out, size_t cap, dgp_norm_result_t *res)
{
	(void)r;
	(void)c;
	if (len > cap)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)in[i]))
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
	memcpy(out, in, len);
	*res = (dgp_norm_result_t){.len = len};
	return DGP_REASON_OK;
}

static dgp_reason_t rule_upper(const dgp_norm_rule_t *r, const dgp_norm_ctx_t *c, const char *in,
                               size_t len, char *out, size_t cap, dgp_norm_result_t *res)
{
	(void)r;
	(void)c;
	if (len > cap)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	for (size_t i = 0; i < len; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	*res = (dgp_norm_result_t){.len = len};
	return DGP_REASON_OK;
}

static const dgp_norm_rule_t digits = {.name = "digits", .fn = rule_digits};
static const dgp_norm_rule_t upper = {.name = "upper", .fn = rule_upper};
static const dgp_field_spec_t fields[] = {
    {"编号", "ID", "id", "text", &digits, true, true, NULL, 0},
    {"名称", "NAME", "name", "text", &upper, true, false, NULL, 0},
};
static const size_t key_fields[] = {0};
static const dgp_schema_t schema_a = {
    "900001/000001", "资源甲", "res_a", DGP_BASE_NONE, 2, fields, 1, key_fields, 0, NULL, NULL};
static const dgp_schema_t schema_b = {
    "900001/000002", "资源乙", "res_b", DGP_BASE_NONE, 2, fields, 1, key_fields, 0, NULL, NULL};

#define MAX_PARTS 2
#define MAX_MSGS  64

/* ---- the fake source --------------------------------------------------------------- */

typedef struct fpart {
	const char *topic;
	int32_t partition;
	int n;       /* messages in the partition: offsets 0..n-1 */
	int64_t pos; /* next offset to deliver */
} fpart_t;

typedef struct fsrc {
	dgp_source_t src;
	fpart_t parts[4];
	int nparts, cursor;
	bool assigned, revoked, paused;
	int calls, revoke_at; /* revoke every partition at this call (0: never) */
	int pauses, resumes, seeks, commits;
	const char *tombstone[MAX_MSGS]; /* partition 0: the key of a tombstone at that offset */

	int key_mod; /* > 0: keys repeat every key_mod offsets (a new name each time) */
	char buf[128];
} fsrc_t;

static int fsrc_next(void *opaque, int timeout_ms, dgp_source_record_t *rec, char *err,
                     size_t err_size)
{
	(void)timeout_ms;
	(void)err;
	(void)err_size;
	fsrc_t *s = opaque;
	s->calls++;
	if (s->revoke_at && s->calls == s->revoke_at) {
		for (int i = 0; i < s->nparts; i++)
			s->src.listener.revoke(s->src.listener.engine, s->parts[i].topic,
			                       s->parts[i].partition);
		s->revoked = true;
	}
	if (s->revoked)
		return DGP_SOURCE_IDLE;
	if (!s->assigned) {
		for (int i = 0; i < s->nparts; i++) {
			bool found = false;
			int64_t next = -1;
			char e[256];
			cr_assert_eq(s->src.listener.stored(
			                 s->src.listener.engine, s->parts[i].topic,
			                 s->parts[i].partition, &found, &next, e, sizeof(e)),
			             DGP_OK);
			s->parts[i].pos = found ? next : 0;
			s->src.listener.assigned(s->src.listener.engine, s->parts[i].topic,
			                         s->parts[i].partition);
		}
		s->assigned = true;
	}
	if (s->paused)
		return DGP_SOURCE_IDLE;
	for (int k = 0; k < s->nparts; k++) {
		fpart_t *p = &s->parts[(s->cursor + k) % s->nparts];
		if (p->pos >= p->n)
			continue;
		s->cursor = (s->cursor + k + 1) % s->nparts;
		int64_t off = p->pos++;
		int64_t key = s->key_mod ? off % s->key_mod : off;
		int len = snprintf(s->buf, sizeof(s->buf), "{\"ID\":\"%d\",\"NAME\":\"n%d\"}",
		                   (int)(p->partition * 1000 + key + 1), (int)off);
		*rec = (dgp_source_record_t){
		    .origin = {p->topic, p->partition, off, -1, off + 1},
		    .next_line = -1,
		    .timestamp_ms = -1,
		    .raw = s->buf,
		    .raw_len = (size_t)len,
		    .text = s->buf,
		    .text_len = (size_t)len,
		    .format = DGP_FORMAT_JSONL,
		};
		const char *tomb = p->partition == 0 && off < MAX_MSGS ? s->tombstone[off] : NULL;
		if (tomb) {
			rec->op = DGP_OP_DELETE;
			rec->raw = rec->text = tomb;
			rec->raw_len = rec->text_len = strlen(tomb);
		}
		return DGP_SOURCE_RECORD;
	}
	return DGP_SOURCE_IDLE;
}

static void fsrc_pause(void *opaque, bool pause)
{
	fsrc_t *s = opaque;
	s->paused = pause;
	if (pause)
		s->pauses++;
	else
		s->resumes++;
}

static dgp_err_t fsrc_seek(void *opaque, const char *source, int32_t partition, int64_t next,
                           int64_t next_line, char *err, size_t err_size)
{
	(void)next_line;
	(void)err;
	(void)err_size;
	fsrc_t *s = opaque;
	for (int i = 0; i < s->nparts; i++)
		if (s->parts[i].partition == partition && strcmp(s->parts[i].topic, source) == 0) {
			s->parts[i].pos = next < 0 ? 0 : next;
			s->seeks++;
			return DGP_OK;
		}
	return DGP_ERR_STATE;
}

static void fsrc_commit(void *opaque, const char *source, int32_t partition, int64_t next)
{
	(void)source;
	(void)partition;
	(void)next;
	((fsrc_t *)opaque)->commits++;
}

/* A source of topic with partitions of n[i] messages each. */
static void fsrc_init(fsrc_t *s, const char *topic, int nparts, const int *n)
{
	memset(s, 0, sizeof(*s));
	s->src = (dgp_source_t){.opaque = s,
	                        .next = fsrc_next,
	                        .pause = fsrc_pause,
	                        .seek = fsrc_seek,
	                        .commit = fsrc_commit};
	for (int i = 0; i < nparts; i++)
		s->parts[s->nparts++] = (fpart_t){topic, i, n[i], 0};
}

static void fsrc_add(fsrc_t *s, const char *topic, int32_t partition, int n)
{
	s->parts[s->nparts++] = (fpart_t){topic, partition, n, 0};
}

/* ---- the fake sink ----------------------------------------------------------------- */

typedef struct fsink {
	dgp_sink_t sink;
	const char *topics[2];
	int64_t stored[2][MAX_PARTS];        /* -1: nothing stored */
	int written[2][MAX_PARTS][MAX_MSGS]; /* commits of each message */
	int writes, commits, warms, reconnects;
	int conn_fail;               /* the next writes that lose their connection */
	bool conn_fail_after_commit; /* …after their COMMIT landed (the reply is lost) */
	int refuse;                  /* the next writes refused as a whole */
	int refuse_row;              /* > 0: the record at offset refuse_row - 1 is refused, once */
	size_t batch_sizes[16];
	const dgp_schema_t *batch_schemas[16];
	char deletes[256]; /* the keys of the deletes written, "key;" each */
	char rejects[256]; /* the record rejects written, "offset:reason:raw;" each */

	uint64_t inserted[16], updated[16]; /* per commit: the batch's NEW and CHANGED keys */
	/* the gate (pipelined tests): while closed, writes wait in write() */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool gated;
	int waiting; /* writes waiting at the gate */
} fsink_t;

static void gate_close(fsink_t *k)
{
	pthread_mutex_lock(&k->mu);
	k->gated = true;
	pthread_mutex_unlock(&k->mu);
}

static void gate_open(fsink_t *k)
{
	pthread_mutex_lock(&k->mu);
	k->gated = false;
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

/* Wait until a write stands at the closed gate (so it is in flight, the step returned). */
static void gate_wait_for_write(fsink_t *k)
{
	pthread_mutex_lock(&k->mu);
	while (!k->waiting)
		pthread_cond_wait(&k->cv, &k->mu);
	pthread_mutex_unlock(&k->mu);
}

static void gate_pass(fsink_t *k)
{
	pthread_mutex_lock(&k->mu);
	k->waiting++;
	pthread_cond_broadcast(&k->cv);
	while (k->gated)
		pthread_cond_wait(&k->cv, &k->mu);
	k->waiting--;
	pthread_mutex_unlock(&k->mu);
}

static int topic_ix(fsink_t *k, const char *topic)
{
	for (int i = 0; i < 2; i++)
		if (k->topics[i] && strcmp(k->topics[i], topic) == 0)
			return i;
	cr_assert_fail("unknown topic %s", topic);
	return -1;
}

static void fsink_commit(fsink_t *k, dgp_batch_t *b, const dgp_sink_progress_t *pp)
{
	for (size_t i = 0; i < dgp_batch_size(b); i++) {
		const dgp_record_t *r = dgp_batch_record(b, i);
		k->written[topic_ix(k, r->origin.source)][r->origin.partition][r->origin.offset]++;
	}
	for (size_t i = 0; i < pp->n_spans; i++)
		k->stored[topic_ix(k, pp->spans[i].source)][pp->spans[i].partition] =
		    pp->spans[i].next_offset;
	size_t nd;
	dgp_record_t **d = dgp_batch_deletes(b, &nd);
	for (size_t i = 0; i < nd; i++) {
		size_t o = strlen(k->deletes);
		snprintf(k->deletes + o, sizeof(k->deletes) - o, "%.*s;", (int)d[i]->key.len,
		         d[i]->key.p);
	}
	for (size_t i = 0; i < dgp_batch_size(b); i++) {
		const dgp_record_t *r = dgp_batch_record(b, i);
		size_t o = strlen(k->rejects);
		if (r->reason != DGP_REASON_OK)
			snprintf(k->rejects + o, sizeof(k->rejects) - o, "%lld:%s:%.*s;",
			         (long long)r->origin.offset, dgp_reason_name(r->reason),
			         (int)r->raw.len, r->raw.p);
	}
	if (k->commits < 16) {
		k->batch_sizes[k->commits] = dgp_batch_size(b);
		k->batch_schemas[k->commits] = dgp_batch_schema(b);
	}
	k->commits++;
}

static dgp_sink_status_t fsink_write(void *opaque, dgp_batch_t *b, const dgp_sink_progress_t *pp,
                                     dgp_sink_result_t *res, char *err, size_t err_size)
{
	fsink_t *k = opaque;
	gate_pass(k);
	k->writes++;
	if (k->refuse > 0) {
		k->refuse--;
		snprintf(err, err_size, "XX000: refused");
		return DGP_SINK_REFUSED;
	}
	if (k->conn_fail > 0 && !k->conn_fail_after_commit) {
		k->conn_fail--;
		snprintf(err, err_size, "connection lost");
		return DGP_SINK_CONN_LOST;
	}
	int committed = 0, writable = 0;
	for (size_t i = 0; i < pp->n_spans; i++) {
		const dgp_sink_span_t *s = &pp->spans[i];
		int64_t st = k->stored[topic_ix(k, s->source)][s->partition];
		if (st < 0 || st == s->from_offset)
			writable++;
		else if (st >= s->next_offset)
			committed++;
	}
	if ((size_t)committed == pp->n_spans)
		return DGP_SINK_ALREADY_COMMITTED;
	if ((size_t)writable != pp->n_spans) {
		snprintf(err, err_size, "stale batch");
		return DGP_SINK_STALE;
	}
	for (size_t i = 0; k->refuse_row > 0 && i < dgp_batch_size(b); i++)
		if (dgp_batch_record(b, i)->origin.offset == k->refuse_row - 1) {
			dgp_batch_refuse(b, dgp_batch_record(b, i), DGP_REASON_DB_REFUSED, "23514");
			k->refuse_row = 0;
		}
	fsink_commit(k, b, pp);
	dgp_record_t **ins, **mrg;
	size_t n_ins, n_mrg;
	dgp_batch_writes(b, &ins, &n_ins, &mrg, &n_mrg);
	res->inserted = n_ins;
	res->updated = n_mrg;
	if (k->commits <= 16) {
		k->inserted[k->commits - 1] = n_ins;
		k->updated[k->commits - 1] = n_mrg;
	}
	if (k->conn_fail > 0) {
		k->conn_fail--;
		snprintf(err, err_size, "connection lost");
		return DGP_SINK_CONN_LOST;
	}
	return DGP_SINK_OK;
}

static dgp_err_t fsink_stored(void *opaque, const char *source, int32_t partition, bool *found,
                              int64_t *next, int64_t *next_line, char *err, size_t err_size)
{
	(void)err;
	(void)err_size;
	fsink_t *k = opaque;
	if (strcmp(source, "c") == 0 ||
	    strcmp(source, "x") == 0) { /* no resource: nothing stored */
		*found = false;
		return DGP_OK;
	}
	int64_t st = k->stored[topic_ix(k, source)][partition];
	*found = st >= 0;
	*next = st;
	*next_line = -1;
	return DGP_OK;
}

static dgp_err_t fsink_warm(void *opaque, const dgp_schema_t *schema, dgp_dedup_t *cache,
                            uint64_t mask, uint64_t *loaded, char *err, size_t err_size)
{
	(void)schema;
	(void)cache;
	(void)mask;
	(void)err;
	(void)err_size;
	((fsink_t *)opaque)->warms++;
	*loaded = 0;
	return DGP_OK;
}

static dgp_err_t fsink_reconnect(void *opaque, char *err, size_t err_size)
{
	(void)err;
	(void)err_size;
	((fsink_t *)opaque)->reconnects++;
	return DGP_OK;
}

static void fsink_init(fsink_t *k, const char *t0, const char *t1)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	k->sink = (dgp_sink_t){k, fsink_write, fsink_stored, fsink_warm, fsink_reconnect};
	k->topics[0] = t0;
	k->topics[1] = t1;
	for (int t = 0; t < 2; t++)
		for (int p = 0; p < MAX_PARTS; p++)
			k->stored[t][p] = -1;
}

/* Messages of (topic t, partition p) committed exactly once over [0, n), none past n. */
static void expect_exactly_once(fsink_t *k, int t, int p, int n)
{
	for (int o = 0; o < MAX_MSGS; o++)
		cr_expect_eq(k->written[t][p][o], o < n ? 1 : 0,
		             "topic %d [%d] offset %d written %d times", t, p, o,
		             k->written[t][p][o]);
	cr_expect_eq(k->stored[t][p], n);
}

/* ---- the engine under test ------------------------------------------------------------ */

static double clock_now, slept;
static double fake_clock(void *o)
{
	(void)o;
	return clock_now;
}
static void fake_sleep(void *o, double s)
{
	(void)o;
	slept += s;
	clock_now += s;
}

/* the fake sink whose gate the resolver opens when asked for topic "x" (see below) */
static fsink_t *gate_of_x;
static bool x_asked;

static void *open_gate_once_x_is_asked(void *opaque)
{
	fsink_t *k = opaque;
	pthread_mutex_lock(&k->mu);
	while (!x_asked)
		pthread_cond_wait(&k->cv, &k->mu);
	k->gated = false;
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* topic "a" → schema_a, "b" → schema_b, "x" → a resolver error, anything else: no resource */
static dgp_err_t resolve(void *opaque, const char *source, dgp_ingest_lane_info_t *info, char *err,
                         size_t err_size)
{
	(void)opaque;
	if (strcmp(source, "x") == 0) {
		if (gate_of_x) {
			pthread_mutex_lock(&gate_of_x->mu);
			x_asked = true;
			pthread_cond_broadcast(&gate_of_x->cv);
			pthread_mutex_unlock(&gate_of_x->mu);
		}
		snprintf(err, err_size, "catalog unreadable");
		return DGP_ERR_CATALOG;
	}
	if (strcmp(source, "a") == 0 || strcmp(source, "a2") == 0) /* a2: a second file of a */
		info->schema = &schema_a;
	else if (strcmp(source, "b") == 0)
		info->schema = &schema_b;
	else
		return DGP_ERR_NOT_FOUND;
	return DGP_OK;
}

static int committed_hooks;
static bool pipelined;          /* the engines the next tests make */
static uint64_t hook_cls[8][4]; /* per committed hook: the batch's counts by class */
static void on_committed(void *opaque, dgp_ingest_lane_t *lane, const dgp_sink_result_t *res)
{
	(void)opaque;
	(void)res;
	if (committed_hooks < 8)
		memcpy(hook_cls[committed_hooks], dgp_batch_counts(lane->batch)->cls,
		       sizeof(hook_cls[0]));
	committed_hooks++;
}

static dgp_ingest_t *engine(fsrc_t *s, fsink_t *k, size_t max_rows, double max_age)
{
	dgp_ingest_opts_t o = {
	    .log_module = "test",
	    .batch_max_rows = max_rows,
	    .batch_max_age_s = max_age,
	    .key_hash_mask = ~0ull,
	    .utc_offset_min = 480,
	    .pipelined = pipelined,
	    .hooks = {.resolve = resolve,
	              .committed = on_committed,
	              .clock = fake_clock,
	              .sleep = fake_sleep},
	};
	return dgp_ingest_new(&o, s ? &s->src : NULL, &k->sink);
}

static void steps(dgp_ingest_t *eng, int n)
{
	char err[512];
	for (int i = 0; i < n; i++)
		cr_assert_eq(dgp_ingest_step(eng, 0, NULL, err, sizeof(err)), DGP_OK, "%s", err);
}

static void flush(dgp_ingest_t *eng)
{
	char err[512];
	cr_assert_eq(dgp_ingest_flush(eng, err, sizeof(err)), DGP_OK, "%s", err);
}

static void quiet(void)
{
	dgp_log_set_level(DGP_LOG_ERROR);
	clock_now = slept = 0;
	committed_hooks = 0;
	memset(hook_cls, 0, sizeof(hook_cls));
	pipelined = false;
}

TestSuite(ingest, .init = quiet);

Test(ingest, a_crash_mid_batch_resumes_from_the_stored_progress_with_nothing_lost_or_doubled)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s1;
	fsrc_init(&s1, "a", 1, (int[]){10});
	dgp_ingest_t *e1 = engine(&s1, &k, 4, 0);
	steps(e1, 6); /* one batch of 4 committed, 2 read and lost in the crash */
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.stored[0][0], 4);
	cr_expect_eq(dgp_ingest_pending(e1), 2);
	dgp_ingest_destroy(e1); /* the crash: nothing more is written */

	fsrc_t s2;
	fsrc_init(&s2, "a", 1, (int[]){10});
	dgp_ingest_t *e2 = engine(&s2, &k, 4, 0);
	steps(e2, 8);
	flush(e2);
	cr_expect_eq(dgp_ingest_totals(e2)->read, 6);
	cr_expect_eq(dgp_ingest_totals(e2)->batches, 2);
	cr_expect_eq(k.commits, 3);
	expect_exactly_once(&k, 0, 0, 10);
	dgp_ingest_destroy(e2);
}

Test(ingest, a_revoke_mid_batch_commits_what_was_read_and_the_next_owner_resumes_there)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s1;
	fsrc_init(&s1, "a", 2, (int[]){3, 3});
	s1.revoke_at = 4; /* after 3 messages: 2 of partition 0, 1 of partition 1 */
	dgp_ingest_t *e1 = engine(&s1, &k, 100, 0);
	steps(e1, 4);
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.batch_sizes[0], 3);
	cr_expect_eq(k.stored[0][0], 2);
	cr_expect_eq(k.stored[0][1], 1);
	cr_expect_eq(dgp_ingest_totals(e1)->read, 3);
	cr_expect_eq(dgp_ingest_pending(e1), 0);

	fsrc_t s2;
	fsrc_init(&s2, "a", 2, (int[]){3, 3});
	dgp_ingest_t *e2 = engine(&s2, &k, 100, 0);
	steps(e2, 5);
	flush(e2);
	cr_expect_eq(dgp_ingest_totals(e2)->read, 3);
	expect_exactly_once(&k, 0, 0, 3);
	expect_exactly_once(&k, 0, 1, 3);
	dgp_ingest_destroy(e1);
	dgp_ingest_destroy(e2);
}

Test(ingest, a_stale_writer_drops_its_batch_uncounted_seeks_to_the_stored_offset_and_warms_again)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){6});
	dgp_ingest_t *e = engine(&s, &k, 100, 0);
	steps(e, 3); /* offsets 0..2 in the batch, from offset: none stored → 0 */
	cr_expect_eq(k.warms, 1);
	/* another member took the partition over and committed offsets 0 and 1 */
	k.stored[0][0] = 2;
	k.written[0][0][0] = k.written[0][0][1] = 1;
	flush(e);
	cr_expect_eq(k.commits, 0);
	cr_expect_eq(dgp_ingest_totals(e)->read, 0);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 0);
	cr_expect_eq(dgp_ingest_totals(e)->stale_batches, 1);
	cr_expect_eq(committed_hooks, 0);
	cr_expect_eq(s.seeks, 1);
	cr_expect_eq(s.parts[0].pos, 2);
	cr_expect_eq(dgp_ingest_pending(e), 0);
	steps(e, 4); /* offsets 2..5 again, the cache warmed first */
	cr_expect_eq(k.warms, 2);
	flush(e);
	cr_expect_eq(dgp_ingest_totals(e)->read, 4);
	expect_exactly_once(&k, 0, 0, 6);
	dgp_ingest_destroy(e);
}

Test(ingest, postgresql_down_pauses_the_source_retries_with_backoff_and_writes_exactly_once)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){5});
	dgp_ingest_t *e = engine(&s, &k, 5, 0);
	k.conn_fail = 3;
	steps(e, 5); /* the fifth fills the batch: written after 3 lost connections */
	cr_expect_eq(k.writes, 4);
	cr_expect_eq(k.reconnects, 3);
	cr_expect_eq(s.pauses, 1);
	cr_expect_eq(s.resumes, 1);
	cr_expect_eq(s.paused, false);
	cr_expect_float_eq(slept, 0.2 + 0.4 + 0.8, 1e-9);
	cr_expect_eq(dgp_ingest_sink_ok(e), true);
	cr_expect_eq(dgp_ingest_totals(e)->read, 5);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 1);
	cr_expect_eq(s.commits, 1);
	expect_exactly_once(&k, 0, 0, 5);
	dgp_ingest_destroy(e);
}

Test(ingest, a_commit_whose_reply_was_lost_counts_once_when_the_retry_finds_it_committed)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){4});
	dgp_ingest_t *e = engine(&s, &k, 4, 0);
	k.conn_fail = 1;
	k.conn_fail_after_commit = true;
	steps(e, 4);
	cr_expect_eq(k.writes, 2); /* the second answers already committed: ours */
	cr_expect_eq(dgp_ingest_totals(e)->read, 4);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 1);
	cr_expect_eq(dgp_ingest_totals(e)->stale_batches, 0);
	cr_expect_eq(committed_hooks, 1);
	cr_expect_eq(s.seeks, 0);
	expect_exactly_once(&k, 0, 0, 4);
	dgp_ingest_destroy(e);
}

Test(ingest, a_batch_another_member_already_committed_counts_nothing)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){5});
	dgp_ingest_t *e = engine(&s, &k, 100, 0);
	steps(e, 3);
	/* another member committed past the batch's end meanwhile */
	k.stored[0][0] = 5;
	for (int o = 0; o < 5; o++)
		k.written[0][0][o] = 1;
	flush(e);
	cr_expect_eq(k.writes, 1);
	cr_expect_eq(k.commits, 0);
	cr_expect_eq(dgp_ingest_totals(e)->read, 0);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 0);
	cr_expect_eq(dgp_ingest_totals(e)->stale_batches, 1);
	cr_expect_eq(committed_hooks, 0);
	cr_expect_eq(s.parts[0].pos, 5);
	steps(e, 2);
	cr_expect_eq(dgp_ingest_pending(e), 0);
	expect_exactly_once(&k, 0, 0, 5);
	dgp_ingest_destroy(e);
}

Test(ingest, a_batch_refused_three_times_fails_uncounted)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){2});
	dgp_ingest_t *e = engine(&s, &k, 100, 0);
	steps(e, 2);
	k.refuse = 3;
	char err[512];
	cr_expect_eq(dgp_ingest_flush(e, err, sizeof(err)), DGP_ERR_PG);
	cr_expect_str_eq(err, "XX000: refused");
	cr_expect_eq(k.writes, 3);
	cr_expect_eq(k.reconnects, 0);
	cr_expect_eq(s.paused, false);
	cr_expect_eq(dgp_ingest_totals(e)->read, 0);
	cr_expect_eq(k.stored[0][0], -1);
	dgp_ingest_destroy(e);
}

/*
 * What a source left uncommitted (a batch given up) is dropped when the
 * engine moves on to another source, as dgp load does to its next file:
 * written later it would be stored under that source's progress.
 */
static void left_uncommitted_stays_with_its_source(void)
{
	fsink_t k;
	fsink_init(&k, "a", "a2");
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){2});
	dgp_ingest_t *e = engine(&s, &k, 100, 0);
	steps(e, 2);
	k.refuse = 3;
	char err[512];
	cr_expect_eq(dgp_ingest_flush(e, err, sizeof(err)), DGP_ERR_PG);
	fsrc_t s2;
	fsrc_init(&s2, "a2", 1, (int[]){3});
	dgp_ingest_set_source(e, &s2.src);
	cr_expect_eq(dgp_ingest_pending(e), 0);
	steps(e, 3);
	flush(e);
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.batch_sizes[0], 3, "a's 2 records stayed behind");
	cr_expect_eq(k.stored[0][0], -1);
	expect_exactly_once(&k, 1, 0, 3);
	cr_expect_eq(dgp_ingest_totals(e)->read, 3);
	dgp_ingest_destroy(e);
}

Test(ingest, a_batch_given_up_stays_with_its_source_when_the_next_one_is_read)
{
	left_uncommitted_stays_with_its_source();
}

Test(ingest, pipelined_a_batch_given_up_stays_with_its_source_when_the_next_one_is_read)
{
	pipelined = true;
	left_uncommitted_stays_with_its_source();
}

Test(ingest, batches_close_when_full)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){10});
	dgp_ingest_t *e = engine(&s, &k, 4, 0);
	steps(e, 10);
	cr_expect_eq(k.commits, 2);
	cr_expect_eq(k.batch_sizes[0], 4);
	cr_expect_eq(k.batch_sizes[1], 4);
	cr_expect_eq(dgp_ingest_pending(e), 2);
	cr_expect_eq(k.stored[0][0], 8);
	dgp_ingest_destroy(e);
}

Test(ingest, batches_close_when_old)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){2});
	dgp_ingest_t *e = engine(&s, &k, 100, 1.0);
	clock_now = 10.0;
	steps(e, 2); /* the batch's first record at 10.0 */
	clock_now = 10.5;
	steps(e, 1); /* idle, half a second old */
	cr_expect_eq(k.commits, 0);
	cr_expect_eq(dgp_ingest_pending(e), 2);
	clock_now = 11.0;
	steps(e, 1); /* idle, one second old: written */
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.batch_sizes[0], 2);
	cr_expect_eq(dgp_ingest_pending(e), 0);
	expect_exactly_once(&k, 0, 0, 2);
	dgp_ingest_destroy(e);
}

Test(ingest, each_resource_has_its_own_lane_and_an_unknown_topic_is_skipped)
{
	fsink_t k;
	fsink_init(&k, "a", "b");
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){3});
	fsrc_add(&s, "b", 0, 2);
	fsrc_add(&s, "c", 0, 2); /* no resource */
	dgp_ingest_t *e = engine(&s, &k, 3, 0);
	steps(e, 7); /* a0 b0 c0 a1 b1 c1 a2: lane a full */
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.batch_schemas[0], &schema_a);
	cr_expect_eq(k.batch_sizes[0], 3);
	cr_expect_eq(dgp_ingest_pending(e), 2);
	cr_expect_eq(dgp_ingest_totals(e)->unknown_records, 2);
	flush(e);
	cr_expect_eq(k.commits, 2);
	cr_expect_eq(k.batch_schemas[1], &schema_b);
	cr_expect_eq(k.batch_sizes[1], 2);
	cr_expect_eq(k.warms, 2);
	int lanes = 0;
	for (dgp_ingest_lane_t *l = dgp_ingest_lanes(e); l; l = l->next)
		lanes++;
	cr_expect_eq(lanes, 2);
	expect_exactly_once(&k, 0, 0, 3);
	expect_exactly_once(&k, 1, 0, 2);
	dgp_ingest_destroy(e);
}

/* ---- pipelined: a write thread writes batch N while batch N+1 is read ------------- */

/* Steps until the engine took n records in (a paused source delivers nothing meanwhile). */
static void steps_until_received(dgp_ingest_t *eng, uint64_t n)
{
	for (int i = 0; i < 100000 && dgp_ingest_totals(eng)->received < n; i++)
		steps(eng, 1);
	cr_assert_eq(dgp_ingest_totals(eng)->received, n);
}

Test(ingest, pipelined_the_next_batch_is_read_while_the_previous_one_is_written)
{
	pipelined = true;
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){10});
	dgp_ingest_t *e = engine(&s, &k, 4, 0);
	gate_close(&k);
	steps(e, 4); /* the first batch full: handed to the write thread */
	gate_wait_for_write(&k);
	steps(e, 3); /* read on while it waits at the gate */
	cr_expect_eq(dgp_ingest_sink_busy(e), true);
	cr_expect_eq(dgp_ingest_totals(e)->received, 7);
	cr_expect_eq(dgp_ingest_pending(e), 7);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 0);
	cr_expect_eq(committed_hooks, 0);
	cr_expect_eq(s.commits, 0);
	gate_open(&k);
	steps(e, 3); /* the second batch closes after the first committed */
	flush(e);
	cr_expect_eq(k.commits, 3);
	cr_expect_eq(k.batch_sizes[0], 4);
	cr_expect_eq(k.batch_sizes[1], 4);
	cr_expect_eq(k.batch_sizes[2], 2);
	cr_expect_eq(dgp_ingest_sink_busy(e), false);
	cr_expect_eq(s.commits, 3);
	cr_expect_eq(committed_hooks, 3);
	cr_expect_eq(dgp_ingest_totals(e)->read, 10);
	cr_expect_eq(dgp_ingest_pending(e), 0);
	expect_exactly_once(&k, 0, 0, 10);
	dgp_ingest_destroy(e);
}

/*
 * Pipelined, batches of 4 from one partition of 8 messages whose offsets
 * 4..7 carry the keys of 0..3 with other names, the second batch read while
 * the first waits at the gate; flushed.  k is initialised by the caller.
 */
static dgp_ingest_t *two_versions_of_four_keys(fsink_t *k, fsrc_t *s)
{
	pipelined = true;
	fsrc_init(s, "a", 1, (int[]){8});
	s->key_mod = 4;
	dgp_ingest_t *e = engine(s, k, 4, 0);
	gate_close(k);
	steps(e, 4);
	gate_wait_for_write(k);
	steps(e, 3); /* normalised while the first batch (the keys' first versions) waits */
	gate_open(k);
	steps(e, 1);
	flush(e);
	return e;
}

Test(ingest, pipelined_a_key_new_in_one_batch_and_changed_in_the_next_is_changed_there)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	dgp_ingest_t *e = two_versions_of_four_keys(&k, &s);
	cr_expect_eq(k.commits, 2);
	cr_expect_eq(k.inserted[0], 4);
	cr_expect_eq(k.updated[0], 0);
	cr_expect_eq(k.inserted[1], 0);
	cr_expect_eq(k.updated[1], 4);
	cr_expect_eq(hook_cls[0][DGP_DEDUP_NEW], 4);
	cr_expect_eq(hook_cls[1][DGP_DEDUP_NEW], 0);
	cr_expect_eq(hook_cls[1][DGP_DEDUP_CHANGED], 4);
	expect_exactly_once(&k, 0, 0, 8);
	dgp_ingest_destroy(e);
}

/*
 * The cache takes a committed batch's keys only after the next batch was
 * classified against them and handed on: a key whose row PostgreSQL
 * refused is not among them (NEW again next time), and after a flush the
 * cache holds every committed key.
 */
Test(ingest, pipelined_a_refused_row_is_new_in_the_next_batch_and_a_flush_settles_the_cache)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	k.refuse_row = 1 + 1; /* key 1's first version */
	fsrc_t s;
	dgp_ingest_t *e = two_versions_of_four_keys(&k, &s);
	cr_expect_eq(k.commits, 2);
	cr_expect_eq(k.inserted[0], 3);
	cr_expect_eq(k.inserted[1], 1);
	cr_expect_eq(k.updated[1], 3);
	cr_expect_eq(hook_cls[0][DGP_DEDUP_NEW], 3);
	cr_expect_eq(hook_cls[1][DGP_DEDUP_NEW], 1);
	cr_expect_eq(hook_cls[1][DGP_DEDUP_CHANGED], 3);
	cr_expect_eq(dgp_ingest_totals(e)->rejected, 1);
	dgp_ingest_lane_t *l = dgp_ingest_lanes(e);
	cr_assert_not_null(l->cache);
	cr_expect_eq(dgp_dedup_count(l->cache), 4);
	cr_expect_null(l->pending);
	expect_exactly_once(&k, 0, 0, 8);
	dgp_ingest_destroy(e);
}

Test(ingest, pipelined_a_stale_batch_drops_the_open_one_too_and_both_are_read_again)
{
	pipelined = true;
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){10});
	dgp_ingest_t *e = engine(&s, &k, 4, 0);
	gate_close(&k);
	steps(e, 4); /* offsets 0..3 in flight */
	gate_wait_for_write(&k);
	steps(e, 2); /* offsets 4, 5 in the open batch */
	/* another member took the partition over and committed offsets 0 and 1 */
	k.stored[0][0] = 2;
	k.written[0][0][0] = k.written[0][0][1] = 1;
	gate_open(&k);
	flush(e);
	cr_expect_eq(k.commits, 0);
	cr_expect_eq(dgp_ingest_totals(e)->read, 0);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 0);
	cr_expect_eq(dgp_ingest_totals(e)->stale_batches, 1);
	cr_expect_eq(committed_hooks, 0);
	cr_expect_eq(s.seeks, 1);
	cr_expect_eq(s.parts[0].pos, 2);
	cr_expect_eq(dgp_ingest_pending(e), 0);
	cr_expect_eq(k.warms, 1);
	steps(e, 8); /* offsets 2..9 again, the cache warmed first */
	flush(e);
	cr_expect_eq(k.warms, 2);
	cr_expect_eq(dgp_ingest_totals(e)->read, 8);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 2);
	expect_exactly_once(&k, 0, 0, 10);
	dgp_ingest_destroy(e);
}

Test(ingest, pipelined_postgresql_down_retries_the_batch_in_flight_and_writes_in_order)
{
	pipelined = true;
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){10});
	dgp_ingest_t *e = engine(&s, &k, 5, 0);
	k.conn_fail = 3;
	steps_until_received(e, 10);
	flush(e);
	cr_expect_eq(k.writes, 3 + 2);
	cr_expect_eq(k.reconnects, 3);
	cr_expect_eq(s.pauses, 1);
	cr_expect_eq(s.resumes, 1);
	cr_expect_eq(s.paused, false);
	cr_expect_float_eq(slept, 0.2 + 0.4 + 0.8, 1e-9);
	cr_expect_eq(dgp_ingest_sink_ok(e), true);
	cr_expect_eq(dgp_ingest_totals(e)->read, 10);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 2);
	cr_expect_eq(s.commits, 2);
	cr_expect_eq(k.batch_sizes[0], 5);
	cr_expect_eq(k.batch_sizes[1], 5);
	expect_exactly_once(&k, 0, 0, 10);
	dgp_ingest_destroy(e);
}

Test(ingest, pipelined_a_revoke_waits_for_the_write_in_flight_and_commits_the_open_batch)
{
	pipelined = true;
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){6});
	s.revoke_at = 4; /* after 3 messages: 2 in flight, 1 in the open batch */
	dgp_ingest_t *e = engine(&s, &k, 2, 0);
	steps(e, 4);
	cr_expect_eq(k.commits, 2);
	cr_expect_eq(k.batch_sizes[0], 2);
	cr_expect_eq(k.batch_sizes[1], 1);
	cr_expect_eq(k.stored[0][0], 3);
	cr_expect_eq(s.commits, 2);
	cr_expect_eq(dgp_ingest_totals(e)->read, 3);
	cr_expect_eq(dgp_ingest_pending(e), 0);
	expect_exactly_once(&k, 0, 0, 3);
	dgp_ingest_destroy(e);
}

Test(ingest, pipelined_a_batch_refused_three_times_is_held_and_written_first_by_the_next_flush)
{
	pipelined = true;
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){6});
	dgp_ingest_t *e = engine(&s, &k, 2, 0);
	k.refuse = 3;
	steps(e, 3); /* offsets 0, 1 handed off; 2 read */
	char err[512];
	cr_expect_eq(dgp_ingest_flush(e, err, sizeof(err)), DGP_ERR_PG);
	cr_expect_str_eq(err, "XX000: refused");
	cr_expect_eq(k.writes, 3);
	cr_expect_eq(k.commits, 0);
	cr_expect_eq(s.paused, false);
	cr_expect_eq(dgp_ingest_totals(e)->read, 0);
	cr_expect_eq(dgp_ingest_pending(e), 3);
	cr_expect_eq(k.stored[0][0], -1);
	steps(e, 3); /* offsets 3..5: the held batch is written again first, then 2..3 */
	flush(e);
	cr_expect_eq(k.commits, 3);
	cr_expect_eq(k.batch_sizes[0], 2);
	cr_expect_eq(k.batch_sizes[1], 2);
	cr_expect_eq(k.batch_sizes[2], 2);
	cr_expect_eq(dgp_ingest_totals(e)->read, 6);
	expect_exactly_once(&k, 0, 0, 6);
	dgp_ingest_destroy(e);
}

Test(ingest, pipelined_a_crash_with_a_write_in_flight_resumes_from_the_stored_progress)
{
	pipelined = true;
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s1;
	fsrc_init(&s1, "a", 1, (int[]){10});
	dgp_ingest_t *e1 = engine(&s1, &k, 4, 0);
	gate_close(&k);
	steps(e1, 6); /* 4 in flight, 2 read */
	gate_wait_for_write(&k);
	gate_open(&k);
	dgp_ingest_destroy(e1); /* the crash: the write ends, nothing more is written */
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.stored[0][0], 4);
	cr_expect_eq(s1.commits, 0); /* its outcome was never taken: the offsets stay */

	fsrc_t s2;
	fsrc_init(&s2, "a", 1, (int[]){10});
	dgp_ingest_t *e2 = engine(&s2, &k, 4, 0);
	steps(e2, 8);
	flush(e2);
	cr_expect_eq(dgp_ingest_totals(e2)->read, 6);
	cr_expect_eq(k.commits, 3);
	expect_exactly_once(&k, 0, 0, 10);
	dgp_ingest_destroy(e2);
}

Test(ingest, pipelined_a_step_that_fails_leaves_no_write_in_flight)
{
	pipelined = true;
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){1});
	fsrc_add(&s, "x", 0, 1);
	dgp_ingest_t *e = engine(&s, &k, 1, 0);
	gate_close(&k);
	gate_of_x = &k;
	x_asked = false;
	pthread_t opener;
	cr_assert_eq(pthread_create(&opener, NULL, open_gate_once_x_is_asked, &k), 0);
	steps(e, 1); /* a0 fills its batch: in flight, held at the gate */
	char err[512];
	cr_expect_eq(dgp_ingest_step(e, 0, NULL, err, sizeof(err)), DGP_ERR_CATALOG);
	cr_expect_str_eq(err, "catalog unreadable");
	/* the caller may use the connection on its error path: the write was taken */
	cr_expect_eq(dgp_ingest_sink_busy(e), false);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 1);
	cr_expect_eq(committed_hooks, 1);
	pthread_join(opener, NULL);
	gate_of_x = NULL;
	expect_exactly_once(&k, 0, 0, 1);
	dgp_ingest_destroy(e);
}

/* ---- a file: partition -1, the end of input marks the progress complete ------------- */

typedef struct ffile {
	dgp_source_t src;
	int n, next;   /* records 0..n-1, each "{…}\n" of 20 bytes on its own line */
	int64_t start; /* the byte offset reading started at */
	int skipped;   /* records before the first, skipped unread (the chunk gate) */
	char buf[64];
} ffile_t;

#define REC_BYTES 20

static int ffile_next(void *opaque, int timeout_ms, dgp_source_record_t *rec, char *err,
                      size_t err_size)
{
	(void)timeout_ms;
	(void)err;
	(void)err_size;
	ffile_t *f = opaque;
	if (f->next >= f->n) {
		int64_t end = f->next ? (int64_t)f->next * REC_BYTES : f->start;
		*rec =
		    (dgp_source_record_t){.origin = {"f.jsonl", -1, end, end / REC_BYTES + 1, end},
		                          .next_line = end / REC_BYTES + 1,
		                          .timestamp_ms = -1,
		                          .skipped_before = f->n ? 0 : (uint64_t)f->skipped};
		return DGP_SOURCE_END;
	}
	int i = f->next++;
	int len = snprintf(f->buf, sizeof(f->buf), "{\"ID\":\"%d\",\"NAME\":\"x\"}", 100 + i);
	int64_t off = (int64_t)i * REC_BYTES;
	*rec = (dgp_source_record_t){.origin = {"f.jsonl", -1, off, i + 1, off + REC_BYTES},
	                             .next_line = i + 2,
	                             .timestamp_ms = -1,
	                             .raw = f->buf,
	                             .raw_len = (size_t)len,
	                             .text = f->buf,
	                             .text_len = (size_t)len,
	                             .format = DGP_FORMAT_JSONL,
	                             .skipped_before = i ? 0 : (uint64_t)f->skipped};
	return DGP_SOURCE_RECORD;
}

typedef struct fprog {
	dgp_sink_t sink;
	int warms;
	int commits;
	dgp_sink_span_t last[4]; /* the spans of the last commit */
	size_t n_last;
	size_t sizes[8];
	dgp_dedup_t *cache; /* the lane's, as the last warm filled it */
	uint64_t warm_keys; /* keys the warm puts in (as if PostgreSQL held them) */
} fprog_t;

static dgp_sink_status_t fprog_write(void *opaque, dgp_batch_t *b, const dgp_sink_progress_t *pp,
                                     dgp_sink_result_t *res, char *err, size_t err_size)
{
	(void)res;
	(void)err;
	(void)err_size;
	fprog_t *k = opaque;
	k->n_last = pp->n_spans;
	memcpy(k->last, pp->spans, pp->n_spans * sizeof(*pp->spans));
	if (k->commits < 8)
		k->sizes[k->commits] = dgp_batch_size(b);
	k->commits++;
	return DGP_SINK_OK;
}

static dgp_err_t fprog_stored(void *opaque, const char *source, int32_t partition, bool *found,
                              int64_t *next, int64_t *next_line, char *err, size_t err_size)
{
	(void)opaque, (void)source, (void)partition, (void)next, (void)next_line, (void)err,
	    (void)err_size;
	*found = false;
	return DGP_OK;
}

static dgp_err_t resolve_file(void *opaque, const char *source, dgp_ingest_lane_info_t *info,
                              char *err, size_t err_size)
{
	(void)opaque, (void)err, (void)err_size;
	cr_assert_str_eq(source, "f.jsonl");
	info->schema = &schema_a;
	return DGP_OK;
}

static dgp_err_t fprog_warm(void *opaque, const dgp_schema_t *schema, dgp_dedup_t *cache,
                            uint64_t mask, uint64_t *loaded, char *err, size_t err_size)
{
	(void)schema, (void)mask, (void)err, (void)err_size;
	fprog_t *k = opaque;
	k->warms++;
	k->cache = cache;
	for (uint64_t i = 0; i < k->warm_keys; i++)
		dgp_dedup_put(cache, dgp_dedup_hash(&i, sizeof(i)), i, false);
	*loaded = k->warm_keys;
	return DGP_OK;
}

static dgp_ingest_t *file_engine(ffile_t *f, fprog_t *k, size_t max_rows)
{
	k->sink = (dgp_sink_t){k, fprog_write, fprog_stored, fprog_warm, fsink_reconnect};
	f->src = (dgp_source_t){.opaque = f, .next = ffile_next};
	dgp_ingest_opts_t o = {
	    .log_module = "test",
	    .batch_max_rows = max_rows,
	    .hooks = {.resolve = resolve_file, .clock = fake_clock, .sleep = fake_sleep}};
	return dgp_ingest_new(&o, &f->src, &k->sink);
}

Test(ingest, a_file_read_to_its_end_commits_its_last_batch_marked_complete)
{
	ffile_t f = {.n = 5};
	fprog_t k = {0};
	dgp_ingest_t *e = file_engine(&f, &k, 4);
	char err[256];
	bool ended = false;
	int steps_taken = 0;
	while (!ended) {
		cr_assert_eq(dgp_ingest_step(e, 0, &ended, err, sizeof(err)), DGP_OK, "%s", err);
		steps_taken++;
	}
	cr_expect_eq(steps_taken, 6);
	cr_expect_eq(k.commits, 2);
	cr_expect_eq(k.sizes[0], 4);
	cr_expect_eq(k.sizes[1], 1);
	cr_expect_eq(k.n_last, 1);
	cr_expect_eq(k.last[0].partition, -1);
	cr_expect_eq(k.last[0].next_offset, 5 * REC_BYTES);
	cr_expect_eq(k.last[0].next_line, 6);
	cr_expect_eq(k.last[0].records, 1);
	cr_expect_eq(k.last[0].complete, true);
	cr_expect_eq(dgp_ingest_totals(e)->read, 5);
	dgp_ingest_destroy(e);
}

Test(ingest, a_file_with_no_record_left_is_still_marked_complete)
{
	ffile_t f = {.n = 0, .start = 7 * REC_BYTES}; /* resumed at its end */
	fprog_t k = {0};
	dgp_ingest_t *e = file_engine(&f, &k, 4);
	char err[256];
	bool ended = false;
	cr_assert_eq(dgp_ingest_step(e, 0, &ended, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(ended, true);
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.sizes[0], 0);
	cr_expect_eq(k.last[0].next_offset, 7 * REC_BYTES);
	cr_expect_eq(k.last[0].next_line, 8);
	cr_expect_eq(k.last[0].records, 0);
	cr_expect_eq(k.last[0].complete, true);
	cr_expect_eq(dgp_ingest_totals(e)->read, 0);
	cr_expect_eq(dgp_ingest_totals(e)->batches, 1);
	dgp_ingest_destroy(e);
}

/*
 * A tombstone's key is split on 0x1F into the key fields and normalised
 * like an insert's: "1" deletes key 1 (its insert earlier in the batch is
 * superseded), a key with two parts for a one-field key is delete_key, a
 * key its rule refuses gets the rule's reason; the raw of either reject is
 * the key.
 */
Test(ingest, a_tombstone_is_a_delete_of_its_key_split_and_normalised)
{
	fsink_t k;
	fsink_init(&k, "a", NULL);
	fsrc_t s;
	fsrc_init(&s, "a", 1, (int[]){6});
	s.tombstone[3] = "1";
	s.tombstone[4] = "2\x1f"
	                 "9";
	s.tombstone[5] = "x";
	dgp_ingest_t *e = engine(&s, &k, 10, 0);
	steps(e, 6);
	flush(e);
	cr_expect_eq(k.commits, 1);
	cr_expect_str_eq(k.deletes, "1;");
	cr_expect_str_eq(k.rejects, "4:delete_key:2\x1f"
	                            "9;5:format:x;");
	cr_expect_eq(dgp_ingest_totals(e)->read, 6);
	cr_expect_eq(dgp_ingest_totals(e)->rejected, 2);
	expect_exactly_once(&k, 0, 0, 6);
	dgp_ingest_destroy(e);
}

/* An identical reload: every record skipped by the chunk gate, so the lane's cache is never warmed.
 */
Test(ingest, a_file_whose_records_are_all_skipped_never_warms_the_cache)
{
	ffile_t f = {.n = 0, .skipped = 5};
	fprog_t k = {0};
	dgp_ingest_t *e = file_engine(&f, &k, 4);
	char err[256];
	bool ended = false;
	cr_assert_eq(dgp_ingest_step(e, 0, &ended, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(ended, true);
	cr_expect_eq(k.warms, 0);
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.sizes[0], 0);
	cr_expect_eq(k.last[0].records, 5);
	cr_expect_eq(k.last[0].complete, true);
	dgp_ingest_destroy(e);
}

/* Skipped records first, then parsed ones: the cache is warmed once, when the first parsed one
 * comes. */
Test(ingest, the_cache_is_warmed_once_when_the_first_parsed_record_comes)
{
	ffile_t f = {.n = 3, .skipped = 4};
	fprog_t k = {0};
	dgp_ingest_t *e = file_engine(&f, &k, 10);
	char err[256];
	bool ended = false;
	while (!ended)
		cr_assert_eq(dgp_ingest_step(e, 0, &ended, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(k.warms, 1);
	cr_expect_eq(k.commits, 1);
	cr_expect_eq(k.sizes[0], 3);
	cr_expect_eq(k.last[0].records, 7);
	cr_expect_eq(dgp_ingest_totals(e)->read, 7); /* skipped records count as read (unchanged) */
	dgp_ingest_destroy(e);
}

/* A first load told how many records come sizes its cache once, before the first key goes in. */
Test(ingest, an_expected_record_count_sizes_an_empty_cache_once)
{
	ffile_t f = {.n = 3};
	fprog_t k = {0};
	dgp_ingest_t *e = file_engine(&f, &k, 10);
	dgp_ingest_expect(e, 100000);
	char err[256];
	bool ended = false;
	cr_assert_eq(dgp_ingest_step(e, 0, &ended, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_not_null(k.cache);
	/* room for 100,000 keys: 16-byte entries at most 0.93 full */
	cr_expect_geq(dgp_dedup_bytes(k.cache), (size_t)(100000 * 16 / 0.93), "%zu bytes",
	              dgp_dedup_bytes(k.cache));
	dgp_ingest_destroy(e);
}

/* A reload's cache already holds the keys: the hint leaves it as it is. */
Test(ingest, an_expected_record_count_leaves_a_warm_cache_that_holds_more_keys)
{
	ffile_t f = {.n = 3};
	fprog_t k = {.warm_keys = 5000};
	dgp_ingest_t *e = file_engine(&f, &k, 10);
	dgp_ingest_expect(e, 4000);
	char err[256];
	bool ended = false;
	cr_assert_eq(dgp_ingest_step(e, 0, &ended, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_not_null(k.cache);
	dgp_dedup_t *alone = dgp_dedup_new(0);
	for (uint64_t i = 0; i < 5000; i++)
		dgp_dedup_put(alone, dgp_dedup_hash(&i, sizeof(i)), i, false);
	cr_expect_eq(dgp_dedup_bytes(k.cache), dgp_dedup_bytes(alone));
	dgp_dedup_destroy(alone);
	dgp_ingest_destroy(e);
}
