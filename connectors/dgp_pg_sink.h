/*
 * dgp_pg_sink.h — the PostgreSQL sink: one batch, one transaction.
 *
 *   batch ─▶ inserts + merges ─COPY─▶ temp stage ─INSERT … ON CONFLICT DO UPDATE
 *                               WHERE content hash differs ─▶ dgp_src."<table>"
 *              └─ a row PostgreSQL refuses ─▶ isolated (halving), rejected db_refused
 *         ─▶ record + field rejects ─COPY─▶ dgp_ops.reject (raw bytes as bytea)
 *         ─▶ changed keys ─▶ dgp_ops.golden_queue, one row of them (refreshed later by dgp_golden)
 *         ─▶ progress ─▶ dgp_ops.file_progress | dgp_ops.offsets
 *         ─▶ counts   ─▶ dgp_catalog.resource_stats / reject_stats / field_stats
 *   all between one BEGIN and one COMMIT (SCHEMA.md is the table contract).
 *
 * Exactly-once: the progress row is locked and read at the start of the
 * transaction; when it already stands at or past this batch's progress the
 * batch was committed before (e.g. the COMMIT's reply was lost) and nothing
 * is written.  So after DGP_ERR_PG_CONN the caller reconnects and calls
 * again with the same batch and progress, as often as needed.  The lock
 * also serialises two writers of one file or partition.
 *
 * Kafka batches also say where each partition started (from_offset), which
 * fences off a stale writer: after a rebalance two members can hold batches
 * that overlap (the old owner was stuck past the session timeout, the new
 * one resumed from the same stored offset).  Whichever commits first wins;
 * the other then finds the stored offset neither at its start nor at or
 * past its end, and gets DGP_ERR_STALE instead of writing rows twice:
 *
 *   per partition   no row                  → accept (first batch ever; a
 *                                             row is inserted at from_offset
 *                                             and locked, so two first
 *                                             writers serialise too)
 *                   stored >= next_offset   → committed before
 *                   stored == from_offset   → write
 *                   otherwise               → stale
 *   whole batch     every partition committed before → already_committed
 *                   every partition writable         → write
 *                   anything else (mixed, stale)     → DGP_ERR_STALE
 *
 * The caller drops the batch, seeks its partitions to the stored offsets
 * (dgp_pg_sink_offsets_get) and reads them again.
 *
 * No failure of the rows is ever a logged ERROR (whose DETAIL would put a
 * key or a whole row into PostgreSQL's server log): the stage is text, and
 * the merge runs in a temporary function that catches what PostgreSQL
 * refuses and returns (SQLSTATE, message).  A key the cache took for new
 * but PostgreSQL holds (a stale cache, another writer) is merged.
 *
 * Direct COPY: the rows the cache took for new (a first load: all) go by
 * COPY straight into the dgp_src table, in a savepoint, when the role may
 * SET log_min_messages (a superuser, or GRANT SET ON PARAMETER
 * log_min_messages, PostgreSQL 15) and opts->staged_only is false: the
 * server does not log that COPY's errors (SET LOCAL log_min_messages =
 * fatal, reset after it).  If PostgreSQL refuses it (a key there after
 * all, a value refused), the savepoint is rolled back and every row goes
 * through the stage as above.  The COPY is binary (dgp_pg_bin.h) when
 * every column's type, read after the table is locked, has a binary form
 * there (text, varchar, char, date, numeric, bigint), else text; a value
 * without its rule's canonical text ends a binary COPY (the stage takes
 * the batch).  The binary direct COPY costs the server about half of the
 * staged insert (benchmarks/RESULTS.md).
 *
 * When PostgreSQL refuses the rows for a reason it blames on a row
 * (DGP_PG_ROW_REFUSED, dgp_pg.h: a type's range, a constraint, a trigger,
 * two spellings of one key), the rows are written again in halves, in the
 * same transaction, down to the refused rows, which become db_refused
 * rejects.  k refused rows among n cost about 1.5 k log2(n) spans of 3
 * round trips (one in 10,000: about 60).
 *
 * Inserts, then merges, are sent in key order (B-tree locality); rejects in
 * batch order.  Round trips per batch: 4 with rows (+1 the first time per
 * session, +3 with a direct COPY), +1 with rejects.
 *
 * Used by `dgp load` (file progress) and `dgp run` (Kafka offsets) alike:
 *
 *   sink = dgp_pg_sink_new(conn, NULL);              once per connection
 *   dgp_pg_sink_file_progress_get(…) / _offsets_get  where to resume
 *   dgp_pg_sink_warm_cache(conn, schema, cache, ~0)  per resource at start
 *   loop: fill batch; e = dgp_pg_sink_write_batch(sink, batch, &progress, …)
 *         DGP_OK        → result.already_committed and no earlier DGP_ERR_PG_CONN of
 *                         this batch: another writer committed it, drop it as stale;
 *                         else dgp_batch_commit_cache(batch, cache); reset batch
 *         DGP_ERR_PG_CONN → PQfinish, reconnect (backoff), set_conn, same call
 *         DGP_ERR_STALE → drop the batch, seek to the stored offsets, go on
 *         other         → stop (the batch was rolled back; errstr says why)
 */
#ifndef DGP_PG_SINK_H
#define DGP_PG_SINK_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_batch.h"
#include "dgp_dedup.h"
#include "dgp_err.h"
#include "dgp_record.h"
#include "dgp_schema.h"

typedef struct dgp_pg_sink dgp_pg_sink_t;

/* COPY format of the insert and stage paths. */
typedef enum dgp_pg_copy_format {
	DGP_PG_COPY_AUTO =
	    0, /* binary when every column is text (RESULTS.md: faster, half the CPU), else text */
	DGP_PG_COPY_TEXT,
	DGP_PG_COPY_BINARY, /* only honoured when every column is text; else text */
} dgp_pg_copy_format_t;

/* One Kafka partition's span in the batch: where it resumed, where it resumes next. */
typedef struct dgp_pg_offset {
	const char *topic;
	int32_t partition;
	int64_t from_offset; /* the stored offset this batch resumed from (the previous batch's
	                        next_offset, or the one sought on assignment); with nothing stored,
	                        the batch's first offset */
	int64_t next_offset; /* offset of the next message to consume (last offset + 1) */
} dgp_pg_offset_t;

typedef enum dgp_pg_progress_kind {
	DGP_PG_PROGRESS_NONE = 0, /* tests and tools: no progress row */
	DGP_PG_PROGRESS_FILE,     /* dgp_ops.file_progress */
	DGP_PG_PROGRESS_KAFKA,    /* dgp_ops.offsets */
} dgp_pg_progress_kind_t;

/*
 * Where the input stands once this batch is committed.  Values are
 * absolute (not increments), so writing them twice is harmless.
 */
typedef struct dgp_pg_progress {
	dgp_pg_progress_kind_t kind;
	/* DGP_PG_PROGRESS_FILE */
	const char *file_id; /* xxh3-128 hex of the file's bytes */
	const char *path;
	const char *resource_code;
	int64_t next_offset; /* byte offset to resume at */
	int64_t next_line;   /* line number of the byte at next_offset (1-based) */
	int64_t records;     /* records read from the file so far, this batch included */
	bool complete;       /* the file is read to its end */
	int64_t load_log_id; /* > 0: add the batch's counts to this dgp_ops.load_log row */
	/* JSON keys / CSV columns the catalog does not know, by name, with the records
	 * that carried each since the last committed batch: added to
	 * dgp_catalog.unknown_field_stats.  Any kind of progress. */
	size_t n_unknown;
	const char *const *unknown_names;
	const uint64_t *unknown_records;
	/* DGP_PG_PROGRESS_KAFKA */
	const char *group_id;
	size_t n_offsets;
	const dgp_pg_offset_t *offsets;
} dgp_pg_progress_t;

/*
 * What the sink writes, for callers that hold records outside a dgp_batch_t
 * (tests, tools).  dgp_pg_sink_write_batch() fills it from a batch.
 * Record rejects are the records with reason != OK.
 */
typedef struct dgp_pg_sink_input {
	const dgp_schema_t *schema;
	dgp_record_t *const *inserts; /* keys absent from the cache: COPY */
	size_t n_inserts;
	dgp_record_t *const *merges; /* keys present: upsert */
	size_t n_merges;
	dgp_record_t *const *deletes; /* keys to delete (no key among the inserts / merges) */
	size_t n_deletes;
	const dgp_record_t *const *rejects;
	size_t n_rejects;
	const dgp_field_reject_t *field_rejects;
	size_t n_field_rejects;
	const dgp_batch_counts_t *counts; /* may be NULL: no statistics */
	/* every record of the batch, in read order, for counting a record once however
	 * often it is read (dgp_ops.counted); NULL: all count as read for the first time */
	const dgp_record_t *const *records;
	size_t n_records;
	const dgp_field_count_t *field_counts; /* schema->nfields rows; may be NULL */
} dgp_pg_sink_input_t;

/* A record PostgreSQL refused: not written, rejected as db_refused in the same transaction. */
typedef struct dgp_pg_refusal {
	dgp_record_t *rec;  /* one of the input's inserts or merges */
	const char *detail; /* "SQLSTATE: primary message" as stored in dgp_ops.reject.detail */
} dgp_pg_refusal_t;

/* What one dgp_pg_sink_write() did (for metrics and the load summary). */
typedef struct dgp_pg_sink_result {
	uint64_t inserted;       /* rows inserted into dgp_src (key was not there) */
	uint64_t updated;        /* rows updated (key there, content differed) */
	uint64_t deleted;        /* rows deleted from dgp_src (moved to dgp_ops.deleted) */
	uint64_t absent;         /* deletes of a key dgp_src did not hold: nothing to delete */
	uint64_t rejects;        /* rows added to dgp_ops.reject, refusals included */
	uint64_t refreshed_keys; /* keys handed to the golden-record function */
	bool met_existing;       /* fewer rows inserted than the cache expected new: a stale
	                            cache or another writer (nothing wrong, the rows were merged) */
	bool already_committed;  /* progress showed the batch committed before: wrote nothing */
	size_t n_refused;        /* records PostgreSQL refused (see refused) */
	const dgp_pg_refusal_t *refused; /* owned by the sink, valid until its next write */
	int round_trips;                 /* client/server round trips of the write, every attempt */
} dgp_pg_sink_result_t;

typedef struct dgp_pg_sink_opts {
	dgp_pg_copy_format_t format;
	/* Never COPY new rows straight into the table (pg.copy.direct = false): every row goes
	 * through the stage.  Otherwise the direct COPY is used when the role may SET
	 * log_min_messages (see dgp_pg_sink_write). */
	bool staged_only;
} dgp_pg_sink_opts_t;

/*
 * dgp_pg_sink_ensure_ops — create the dgp_ops and dgp_catalog schemas and
 * the tables the sink writes (reject, file_progress, offsets, load_log,
 * resource_stats, reject_stats, field_stats) when missing, per SCHEMA.md.
 * Idempotent, safe against concurrent callers (advisory lock), silent (no
 * NOTICEs).  Alters an existing table only to add what a later version
 * needs: resource_stats.replayed and .deleted; the unique index reject_origin, after
 * deleting the copies of a reject that replays added before it existed.
 */
dgp_err_t dgp_pg_sink_ensure_ops(PGconn *conn, char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_sink_new — a sink writing through conn (borrowed: the caller keeps
 * ownership and must not use it for anything else while a write runs).
 * opts may be NULL (defaults).  SQL is built once per schema on first use.
 * Never NULL.
 */
dgp_pg_sink_t *dgp_pg_sink_new(PGconn *conn, const dgp_pg_sink_opts_t *opts);
void dgp_pg_sink_destroy(dgp_pg_sink_t *sink);

/*
 * dgp_pg_sink_set_conn — continue on a new connection (after reconnecting
 * on DGP_ERR_PG_CONN); forgets everything that lived in the old session
 * (temp stage tables, looked-up functions).  The old connection is not
 * touched.
 */
void dgp_pg_sink_set_conn(dgp_pg_sink_t *sink, PGconn *conn);

/*
 * dgp_pg_sink_write — write in one transaction (see the file comment).
 * progress may be NULL (no progress row).  result may be NULL.  Schemas
 * are told apart by pointer: a schema must stay alive and unchanged while
 * the sink exists (a reloaded catalog gives new schema pointers).
 *
 * Returns DGP_OK (committed, or already committed before: result says);
 * DGP_ERR_PG_CONN — connection lost, outcome unknown: reconnect, call
 * dgp_pg_sink_set_conn(), call again with the same input and progress;
 * DGP_ERR_STALE — Kafka progress only: another writer committed part of
 * this batch's span (see the file comment); nothing was written, errstr
 * names the topic, partition, stored and from offsets;
 * DGP_ERR_PG — PostgreSQL failed the batch for a reason that is about no
 * row (rolled back; errstr has the SQLSTATE and message, never row values).
 * Rows PostgreSQL refuses are no error: DGP_OK, result->refused lists them
 * (rejected as db_refused in the committed transaction).  The batch's
 * arrays are only read.
 */
dgp_err_t dgp_pg_sink_write(dgp_pg_sink_t *sink, const dgp_pg_sink_input_t *in,
                            const dgp_pg_progress_t *progress, dgp_pg_sink_result_t *result,
                            char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_sink_write_batch — dgp_pg_sink_write() of everything batch holds:
 * dgp_batch_writes(), its record and field rejects, counts.  On DGP_OK the
 * refused records are made rejects of the batch (dgp_batch_refuse: counts,
 * reject topic, kept out of the cache) and the caller calls
 * dgp_batch_commit_cache().
 */
dgp_err_t dgp_pg_sink_write_batch(dgp_pg_sink_t *sink, dgp_batch_t *batch,
                                  const dgp_pg_progress_t *progress, dgp_pg_sink_result_t *result,
                                  char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_sink_file_progress_get — the stored progress of file_id: *found
 * false (outputs untouched) when the file was never loaded.  Any output
 * pointer may be NULL.
 */
dgp_err_t dgp_pg_sink_file_progress_get(PGconn *conn, const char *file_id, bool *found,
                                        int64_t *next_offset, int64_t *next_line, int64_t *records,
                                        bool *complete, char *errstr,
                                        size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_sink_file_progress_forget — delete file_id's progress row, so the
 * next load of the file starts at its first record (`dgp load --again`).
 */
dgp_err_t dgp_pg_sink_file_progress_forget(PGconn *conn, const char *file_id, char *errstr,
                                           size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_sink_offsets_get — the stored next offset of (group, topic,
 * partition); *found false when none is stored (then seek per
 * auto.offset.reset).
 */
dgp_err_t dgp_pg_sink_offsets_get(PGconn *conn, const char *group_id, const char *topic,
                                  int32_t partition, bool *found, int64_t *next_offset,
                                  char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_sink_warm_cache — stream (key columns, _dgp_content_hash) of
 * dgp_src."<schema->table>" into dedup as "before this run" entries; key
 * hashes are computed as dgp_batch computes them (key fields' text joined
 * with 0x1F, dgp_dedup_hash, & key_hash_mask).  Key columns must print as
 * their normalised text (text, bigint, ISO dates do).  *loaded (may be
 * NULL) gets the number of rows read.  A missing table is DGP_ERR_PG.
 * A key column that is not text is printed by PostgreSQL (a timestamptz as
 * the wall-clock time in the session's zone) and normalised again by the
 * field's rule, so the hash is of dgp's spelling of the key.
 */
dgp_err_t dgp_pg_sink_warm_cache(PGconn *conn, const dgp_schema_t *schema, dgp_dedup_t *dedup,
                                 uint64_t key_hash_mask, uint64_t *loaded, char *errstr,
                                 size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_PG_SINK_H */
