/*
 * dgp_chunk.h — content-defined chunks of a file's records, their
 * fingerprints, and the set of fingerprints a reload may skip.
 *
 *   raw record ──xxh3-128──▶ record hash
 *        ├─ low bits == 0 ─▶ this record closes the chunk (1 in avg_records)
 *        └─ 16 bytes ──xxh3-128 stream──▶ chunk fingerprint
 *
 * A boundary depends on the closing record's own bytes and nothing else,
 * so inserting or deleting records changes only the chunk they fall in
 * (plus one more when the inserted or deleted record is itself a
 * boundary): every other chunk keeps its records and its fingerprint.  A
 * chunk of a reloaded file whose fingerprint the previous complete load of
 * the resource also produced holds the same records in the same order, so
 * the caller may skip it without parsing it (when it may is the caller's
 * rule: see connectors/dgp_file_chunks.h).
 *
 * Fingerprints are 128 bits: a collision would skip a changed chunk, so it
 * must be out of reach (2^-128 per pair), unlike the dedup cache's 64-bit
 * hashes whose collisions only cost an extra merge.
 */
#ifndef DGP_CHUNK_H
#define DGP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_err.h"
#include "dgp_schema.h"

#define DGP_CHUNK_FP_BYTES 16 /* a fingerprint's serialised size */

typedef struct dgp_chunk_fp {
	uint64_t hi, lo;
} dgp_chunk_fp_t;

typedef struct dgp_chunker dgp_chunker_t;

/*
 * dgp_chunker_new — a chunker closing a chunk after 1 in avg_records
 * records on average (a power of two >= 1; 1 makes every record a chunk).
 * Never NULL.
 */
dgp_chunker_t *dgp_chunker_new(uint32_t avg_records);
void dgp_chunker_destroy(dgp_chunker_t *c);

/*
 * dgp_chunker_add — feed the next record's bytes (as in the file, without
 * its terminator).  Returns true when this record closes the chunk: call
 * dgp_chunker_close before the next add.
 */
bool dgp_chunker_add(dgp_chunker_t *c, const void *raw, size_t len);

/*
 * dgp_chunker_close — the fingerprint of the records added since the last
 * close (also a partial chunk, e.g. at the end of the file); *records (may
 * be NULL) gets their count.  Starts the next chunk.
 */
dgp_chunk_fp_t dgp_chunker_close(dgp_chunker_t *c, uint64_t *records);

/* dgp_chunker_pending — records added since the last close. */
uint64_t dgp_chunker_pending(const dgp_chunker_t *c);

/*
 * dgp_chunk_context — the fingerprint of everything besides a record's
 * bytes that decides what it loads as: the parse options (opts, e.g. the
 * load identity of an empty content), the CSV header (NULL for JSONL), the
 * schema's fields with their rules and dgp's version.  Chunks only match
 * within one context.
 */
dgp_chunk_fp_t dgp_chunk_context(const dgp_schema_t *schema, const char *opts, const char *header,
                                 size_t header_len);

typedef struct dgp_chunk_set dgp_chunk_set_t;

/* dgp_chunk_set_new — an empty set (grows as needed).  Never NULL. */
dgp_chunk_set_t *dgp_chunk_set_new(size_t expected);
void dgp_chunk_set_destroy(dgp_chunk_set_t *s);

/* dgp_chunk_set_add — add fp (a fingerprint already present is kept once). */
void dgp_chunk_set_add(dgp_chunk_set_t *s, dgp_chunk_fp_t fp);
bool dgp_chunk_set_has(const dgp_chunk_set_t *s, dgp_chunk_fp_t fp);
size_t dgp_chunk_set_count(const dgp_chunk_set_t *s);

/*
 * dgp_chunk_set_bytes — the set serialised, DGP_CHUNK_FP_BYTES per
 * fingerprint, big-endian (hi then lo), into a malloc'd array (free it);
 * *len gets its size.  The order is the table's, not the file's.
 */
void *dgp_chunk_set_bytes(const dgp_chunk_set_t *s, size_t *len);

/*
 * dgp_chunk_set_from_bytes — a set read back from dgp_chunk_set_bytes'
 * form; a length that is not a multiple of DGP_CHUNK_FP_BYTES is
 * DGP_ERR_PARSE with errstr naming it.
 */
dgp_err_t dgp_chunk_set_from_bytes(const void *p, size_t len, dgp_chunk_set_t **out, char *errstr,
                                   size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_CHUNK_H */
