/*
 * dgp_ingest.h — the ingest engine: one loop for `dgp load` and `dgp run`.
 *
 *   source ─next()─▶ record ─resolver: source → lane (schema, encoding)─▶ lane
 *     lane: one per resource — its batch, dedup cache, parsers, spans
 *     ─copy into the batch arena─▶ parser (JSON | CSV with its header) ─▶ slices
 *     ─dgp_batch_add─▶ normalise, hash, classify against the lane's cache
 *     ─batch full (max_rows) | old (max_age) | input end | revoke | flush─▶
 *   sink.write(batch, spans of every (source, partition) it read)
 *     OK                 ─▶ cache updated, counted, source.commit(), committed hook
 *     CONN_LOST          ─▶ source paused, sink.reconnect(), write again with
 *                           backoff (the same batch, the same progress)
 *     REFUSED            ─▶ written again with backoff, given up after refused_tries
 *     STALE              ─▶ batch dropped uncounted, its spans sought back to the
 *                           stored progress, the lane's cache warmed again
 *     ALREADY_COMMITTED  ─▶ ours when an earlier attempt of this batch lost its
 *                           connection (counted as OK); else handled as STALE
 *
 * Exactly-once rests on the sink: the progress of a batch is committed in
 * the batch's own transaction, so the stored progress always stands at a
 * batch boundary.  The engine keeps, per (source, partition), where the
 * stored progress stood when it last looked (assignment, its own last
 * commit): a batch's from_offset, never its first record's offset, so gaps
 * in a partition never look stale.
 *
 * Pipelined (opts.pipelined; `batch.pipelined`): a closed batch is handed
 * to a write thread and the caller reads on into the lane's other buffers,
 * so PostgreSQL writes batch N while dgp parses and normalises batch N+1.
 *
 *   caller's thread:  read, parse, normalise, hash N+1 ──full──▶ wait for N
 *                     ◀── N's answer: retry policy, cache, counts, source
 *                         commit, committed hook ── classify N+1 ─▶ hand off
 *   write thread:     sink.write(N)  ...........  sink.write(N+1)
 *
 *   - One batch in flight per engine (one sink connection), so at most one
 *     batch in flight and one filling per lane; a full batch waits for the
 *     one in flight (back-pressure).  Batches commit, and their source
 *     offsets are committed, in the order they closed.
 *   - Classifying against the dedup cache is split from normalising: a
 *     lane's batch is filled unclassified and classified when it is handed
 *     off, after the previous batch's commit put its keys in the cache
 *     (a key new in N and changed in N+1 is CHANGED in N+1, never NEW
 *     twice).  Classifying is a probe per record; normalising, the cost,
 *     overlaps the write.
 *   - The sink's connection is the write thread's while a write is in
 *     flight: a caller sharing it checks dgp_ingest_sink_busy first.
 *   - Only sink.write runs on the write thread.  The answer is taken on
 *     the caller's thread, at the next step, write or flush: the retry
 *     policy (backoff, reconnect, pause), the cache update, counts, source
 *     commit and the committed hook all run there, as does every other sink
 *     call (stored progress, warming), and only when nothing is in flight.
 *   - A new span behind a batch in flight starts at that batch's end (the
 *     stale-writer fence is where the sink will stand once it commits).
 *   - STALE on N: N and the lane's open batch N+1 are dropped uncounted
 *     (one stale batch), their spans sought back to the stored progress,
 *     the cache warmed again.  Revoke, flush, end of input, assignment and
 *     warming wait for the write in flight; destroy waits for it too but
 *     takes no account of it (as a crash: the stored progress decides).
 *   - A batch given up (REFUSED refused_tries times, CONN_LOST past
 *     conn_give_up_s, stopping past the deadline) is held and written first
 *     by the next write or flush, ahead of the batches read after it.
 * Without it each write finishes before the step returns; same protocol.
 *
 * Memory: records live in their lane's batch arena; the per-lane arrays
 * (spans, timestamps) grow to their high-water mark and are reused.
 * Pipelined, each lane holds two batches (the second made at its first
 * hand-off): the peak is twice a batch per lane (batch.max.rows records,
 * about 2 KiB each: 2 × 20,000 × 2 KiB ≈ 80 MiB per resource by default).
 */
#ifndef DGP_INGEST_H
#define DGP_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_batch.h"
#include "dgp_dedup.h"
#include "dgp_err.h"
#include "dgp_metrics.h"
#include "dgp_parse.h"
#include "dgp_schema.h"
#include "dgp_sink.h"
#include "dgp_source.h"

typedef struct dgp_ingest dgp_ingest_t;

/* What the resolver says about a source (topic or file): the lane it feeds. */
typedef struct dgp_ingest_lane_info {
	const dgp_schema_t *schema; /* lanes are one per schema pointer; must outlive the lane */
	const char *encoding;       /* for source.text(); NULL: UTF-8 */
	char csv_delim, csv_quote;  /* 0: ',' and '"' */
	bool strict_unknown;        /* unknown JSON keys / CSV columns reject the record */
	void *user;                 /* the caller's (e.g. its catalog resource), kept in the lane */
} dgp_ingest_lane_info_t;

/*
 * One lane: the batch in flight of one resource and what it needs.  The
 * engine owns it; callers only read it (hooks, dgp_ingest_lanes).
 */
typedef struct dgp_ingest_lane {
	dgp_ingest_lane_info_t info;
	dgp_batch_t *batch;
	dgp_dedup_t *cache; /* NULL until warmed */
	bool warm;
	dgp_parser_t *parser[2];  /* [0] JSON lines, [1] CSV */
	size_t unknown_logged[2]; /* unknown names of each parser already reported (caller's use) */
	uint64_t *unknown_counted[2];
	size_t unknown_sent[2];    /* names of each parser whose records went into progress */
	uint64_t *unknown_prog[2]; /* records of each name already in committed progress */
	dgp_metrics_resource_t m;  /* zero when the engine has no metrics */
	char *csv_header;          /* the header the CSV parser holds, NULL none */
	size_t csv_header_len;
	bool csv_header_ok;
	char *default_header; /* the schema's fields in order, for CSV without a header */
	dgp_slice_t *vals;
	dgp_sink_span_t *spans; /* per (source, partition) read in this batch */
	size_t n_spans, cap_spans;
	int64_t *ts_ms; /* the records' produce times, for end-to-end latency */
	size_t n_ts, cap_ts;
	double first_at;               /* engine clock at the batch's first record */
	struct dgp_ingest_bufs *other; /* the engine's: batch buffers in flight or spare */
	dgp_batch_t *pending; /* the engine's: committed, its keys not yet in cache (settle) */
	struct dgp_ingest_lane *next;
} dgp_ingest_lane_t;

/* One retry policy for every write: backoff doubling from first to max. */
typedef struct dgp_ingest_retry {
	double backoff_first_s; /* 0: 0.2 */
	double backoff_max_s;   /* 0: 5 */
	int refused_tries;      /* REFUSED answers before the batch fails; 0: 3 */
	double conn_give_up_s;  /* CONN_LOST for this long fails the batch; 0: never */
} dgp_ingest_retry_t;

/* Totals of what was committed (never a dropped or refused batch). */
typedef struct dgp_ingest_totals {
	uint64_t read, rejected, rows_written, batches;
	uint64_t deleted, absent; /* deletes that removed a row / found none to remove */
	uint64_t received;        /* records put into lanes, committed or not (progress rates) */
	uint64_t stale_batches;   /* dropped: stale or committed by another writer */
	uint64_t unknown_records; /* records of sources the resolver did not know (not loaded) */
	double write_s;           /* seconds in sink.write, every attempt (the write thread's) */
	double wait_s; /* seconds the caller's thread waited for a write in flight (pipelined) */
} dgp_ingest_totals_t;

/* Every hook runs on the thread calling the engine, never on its write thread. */
typedef struct dgp_ingest_hooks {
	void *opaque;
	/*
	 * resolve — the lane info of source (topic or path).  DGP_ERR_NOT_FOUND:
	 * no resource; its records are skipped, their progress not stored.
	 * Another error stops the engine (errstr says why).  Asked once per source.
	 */
	dgp_err_t (*resolve)(void *opaque, const char *source, dgp_ingest_lane_info_t *info,
	                     char *errstr, size_t errstr_size);
	/* assigned — may be NULL: the source took (source, partition) on (lanes warmed again). */
	void (*assigned)(void *opaque, const char *source, int32_t partition);
	/* committed — may be NULL: lane's batch was committed (before its reset). */
	void (*committed)(void *opaque, dgp_ingest_lane_t *lane, const dgp_sink_result_t *result);
	/* clock — may be NULL (monotonic seconds); sleep — may be NULL (nanosleep).  Tests
	 * inject both so batch age and backoff run without waiting. */
	double (*clock)(void *opaque);
	void (*sleep)(void *opaque, double seconds);
} dgp_ingest_hooks_t;

typedef struct dgp_ingest_opts {
	const char *log_module; /* dgp_log module of the engine's lines ("run", "load") */
	size_t batch_max_rows;  /* > 0 */
	double batch_max_age_s; /* a batch this old is written; 0: only full / at the end */
	uint64_t key_hash_mask; /* ~0 in production */
	int32_t utc_offset_min; /* for the normalisers' "today" */
	dgp_ingest_retry_t retry;
	bool pipelined;         /* a write thread writes a batch while the next is read (below) */
	dgp_metrics_std_t *std; /* may be NULL: no metrics */
	dgp_ingest_hooks_t hooks;
} dgp_ingest_opts_t;

/*
 * dgp_ingest_new — an engine reading src and writing sink (both borrowed:
 * they must outlive it; src may be NULL until dgp_ingest_set_source).
 * Sets src->listener.  opts are copied.  Never NULL.
 */
dgp_ingest_t *dgp_ingest_new(const dgp_ingest_opts_t *opts, dgp_source_t *src, dgp_sink_t *sink);

/* dgp_ingest_destroy — free lanes, caches, parsers; writes nothing.  NULL is a no-op. */
void dgp_ingest_destroy(dgp_ingest_t *eng);

/*
 * dgp_ingest_set_source — read from src from now on.  Lanes and caches are
 * kept; dgp_ingest_last forgets; what the previous source left uncommitted
 * (a batch given up after an error) is dropped uncounted, since its
 * progress belongs to that source (read from its stored progress again).
 */
void dgp_ingest_set_source(dgp_ingest_t *eng, dgp_source_t *src);

/*
 * dgp_ingest_step — read one record (waiting up to timeout_ms), put it in
 * its lane, write the lanes that are full or old.  *ended (may be NULL)
 * becomes true when the source reached its end (every lane that read from
 * it committed, the last span marked complete).  Returns DGP_OK; or
 * DGP_ERR_IO (the source failed: what was read before is committed
 * first), DGP_ERR_PG (a batch refused refused_tries times), DGP_ERR_TIMEOUT
 * (the connection stayed lost, or stopping past its deadline),
 * DGP_ERR_CATALOG (the sink cannot warm a lane's cache: no table), or the
 * resolver's error — errstr says why.  After an error no write is in
 * flight (dgp_ingest_sink_busy is false).
 */
dgp_err_t dgp_ingest_step(dgp_ingest_t *eng, int timeout_ms, bool *ended, char *errstr,
                          size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_ingest_expect — about records more records will come from the
 * source (a hint, e.g. a file's size over the bytes of its records so far).
 * The lane of the next record makes room for that many keys at once when
 * its cache holds fewer: a first load's cache is then sized once instead of
 * growing step by step, each step moving every key (1M keys: 12 % of dgp's
 * CPU); a reload's cache, which holds the keys, is left as it is.
 */
void dgp_ingest_expect(dgp_ingest_t *eng, uint64_t records);

/* dgp_ingest_flush — write every lane's batch now (shutdown, reload).  Errors as dgp_ingest_step.
 */
dgp_err_t dgp_ingest_flush(dgp_ingest_t *eng, char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_ingest_stop — from now on writes give up once deadline_s (engine
 * clock; 0: at once after one attempt) has passed, and a dropped batch
 * is not sought back (nothing is read again).
 */
void dgp_ingest_stop(dgp_ingest_t *eng, double deadline_s);

/* dgp_ingest_forget_lanes — drop every lane (caller flushed first; e.g. a new catalog). */
void dgp_ingest_forget_lanes(dgp_ingest_t *eng);

/* dgp_ingest_pending — records read but not yet committed, over every lane. */
size_t dgp_ingest_pending(const dgp_ingest_t *eng);

/* dgp_ingest_open_counts — the counts of the batches being filled, summed. */
void dgp_ingest_open_counts(const dgp_ingest_t *eng, uint64_t *read, uint64_t *rejected);

/* dgp_ingest_last — the origin of the last record read (source NULL before any). */
const dgp_source_record_t *dgp_ingest_last(const dgp_ingest_t *eng);

/* dgp_ingest_sink_ok — false while a write is being retried after CONN_LOST (readiness). */
bool dgp_ingest_sink_ok(const dgp_ingest_t *eng);

/*
 * dgp_ingest_sink_busy — whether a write is in flight on the write thread:
 * the sink's connection is the engine's until it is taken (at the next
 * step, write or flush).  A caller that shares the connection (metrics
 * queries) uses it only while this is false, from the engine's thread.
 */
bool dgp_ingest_sink_busy(const dgp_ingest_t *eng);

/* dgp_ingest_paused — whether the engine holds the source paused. */
bool dgp_ingest_paused(const dgp_ingest_t *eng);

const dgp_ingest_totals_t *dgp_ingest_totals(const dgp_ingest_t *eng);

/* dgp_ingest_lanes — the first lane (follow ->next), NULL none. */
dgp_ingest_lane_t *dgp_ingest_lanes(const dgp_ingest_t *eng);

#endif /* DGP_INGEST_H */
