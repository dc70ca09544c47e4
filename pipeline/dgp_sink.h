/*
 * dgp_sink.h — one interface for where the engine writes a batch: the
 * PostgreSQL sink (connectors/dgp_pg_sink.c), a test's fake.
 *
 *   engine ─write(batch, progress)─▶ one transaction: rows, rejects, progress
 *          ◀─ OK | CONN_LOST | STALE | ALREADY_COMMITTED | REFUSED
 *   engine ─stored(source, partition)─▶ where the committed progress stands
 *   engine ─warm(schema, cache)─▶ the dedup cache from what the sink holds
 *   engine ─reconnect()─▶ after CONN_LOST, before writing again
 *
 * A row the sink refuses is the sink's business: it isolates and rejects
 * the row inside the same transaction and answers OK (dgp_batch_refuse).
 * REFUSED means the batch as a whole failed for a reason about no row.
 */
#ifndef DGP_SINK_H
#define DGP_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_batch.h"
#include "dgp_dedup.h"
#include "dgp_err.h"
#include "dgp_schema.h"

typedef enum dgp_sink_status {
	DGP_SINK_OK = 0,    /* committed */
	DGP_SINK_CONN_LOST, /* connection lost, outcome unknown: reconnect, write again */
	DGP_SINK_STALE,     /* another writer committed part of the batch's span: nothing written */
	DGP_SINK_ALREADY_COMMITTED, /* the stored progress stands at or past the batch: nothing
	                               written */
	DGP_SINK_REFUSED,           /* the batch failed for a reason about no row: rolled back */
} dgp_sink_status_t;

/* One (source, partition) a batch read from: where it started and where reading resumes. */
typedef struct dgp_sink_span {
	const char *source;  /* topic or path */
	int32_t partition;   /* -1: a file */
	int64_t from_offset; /* the stored progress this batch resumed from (streams: the fence
	                        of the stale-writer check); nothing stored: the first offset read */
	int64_t next_offset; /* resume point after the batch */
	int64_t next_line;   /* files: line at next_offset; streams: -1 */
	uint64_t records;    /* records of this span in the batch */
	bool complete;       /* the source was read to its end */
} dgp_sink_span_t;

/* Where the input stands once the batch is committed (absolute values: writing twice is harmless).
 */
typedef struct dgp_sink_progress {
	size_t n_spans;
	const dgp_sink_span_t *spans;
	/* field names the schema does not know, with the records that carried each since
	 * the last committed batch */
	size_t n_unknown;
	const char *const *unknown_names;
	const uint64_t *unknown_records;
} dgp_sink_progress_t;

typedef struct dgp_sink_result {
	uint64_t inserted, updated; /* rows written */
	uint64_t deleted, absent;   /* deletes that removed a row / found none */
	bool met_existing;          /* keys the cache took for new were there (merged) */
} dgp_sink_result_t;

typedef struct dgp_sink {
	void *opaque;
	/*
	 * write — the batch with its progress in one transaction; on OK the
	 * caller updates the cache.  result and errstr (why, never a value)
	 * are filled; the batch is only read, except refused rows made rejects.
	 */
	dgp_sink_status_t (*write)(void *opaque, dgp_batch_t *batch,
	                           const dgp_sink_progress_t *progress, dgp_sink_result_t *result,
	                           char *errstr, size_t errstr_size);
	/*
	 * stored — the committed progress of (source, partition): *found false
	 * when none.  DGP_ERR_PG_CONN when the connection is down (reconnect).
	 */
	dgp_err_t (*stored)(void *opaque, const char *source, int32_t partition, bool *found,
	                    int64_t *next_offset, int64_t *next_line, char *errstr,
	                    size_t errstr_size);
	/*
	 * warm — load what the sink holds of schema into cache (keys and
	 * content hashes, key hashes masked); *loaded rows read.
	 * DGP_ERR_PG_CONN when the connection is down (reconnect, retry).
	 */
	dgp_err_t (*warm)(void *opaque, const dgp_schema_t *schema, dgp_dedup_t *cache,
	                  uint64_t key_hash_mask, uint64_t *loaded, char *errstr,
	                  size_t errstr_size);
	/* reconnect — replace a lost connection; DGP_OK when the sink can write again. */
	dgp_err_t (*reconnect)(void *opaque, char *errstr, size_t errstr_size);
} dgp_sink_t;

#endif /* DGP_SINK_H */
