/*
 * dgp_batch.h — one batch of records of one resource: normalise, hash,
 * classify, and hand the sink exactly what it must write.
 *
 *   dgp_batch_add(raw field slices)            per record
 *     ├─ normalise each field (schema rule) ─▶ vals in the batch arena
 *     │    required/key field invalid ─▶ record rejected (reason, field)
 *     │    optional field invalid     ─▶ value NULL + a field reject
 *     ├─ key hash, content hash (xxh3)
 *     └─ classify against this batch, then the dedup cache:
 *          NEW | CHANGED | UNCHANGED | DUPLICATE
 *   dgp_batch_writes()   the last version of every key to write,
 *                        split into insert (key not in PostgreSQL before:
 *                        COPY) and merge (key present: upsert)
 *   dgp_batch_deletes()  the keys whose last version is a delete
 *   dgp_batch_commit_cache()  after PostgreSQL committed: update the cache
 *
 * Within a batch the last version of a key wins before it meets the cache:
 * it is classified against the cache (NEW | CHANGED | UNCHANGED | DUPLICATE)
 * and every earlier record of that key counts DUPLICATE, so a key sent as
 * a, b, a counts DUPLICATE, DUPLICATE, then whatever a is to the cache, and
 * a reload of an identical batch writes nothing whatever versions it holds.
 * Only the last version per key is written.  Across batches each batch is
 * compared with what the earlier ones committed: a key whose versions fall
 * in two batches is written by both when they differ.  Keys are compared by their
 * bytes inside a batch, so even a forced key-hash collision never merges two
 * records; across batches the cache sees a collision as CHANGED, which the
 * merge path resolves by the real key (never a lost change).
 */
#ifndef DGP_BATCH_H
#define DGP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_arena.h"
#include "dgp_dedup.h"
#include "dgp_norm.h"
#include "dgp_record.h"
#include "dgp_schema.h"

typedef struct dgp_batch dgp_batch_t;

/* A value rejected in an optional field: the record still loads, with NULL there. */
typedef struct dgp_field_reject {
	const dgp_record_t *rec;
	int field;
	dgp_reason_t reason;
	dgp_slice_t raw; /* the rejected raw value */
} dgp_field_reject_t;

/*
 * Per-field counts of this batch, for dgp_catalog.field_stats.  Every field
 * of every record parsed into fields is counted, also when the record is
 * rejected on another field; records rejected before parsing (charset,
 * too_long, malformed, columns, …) count in no field.  So a field's fill
 * rate is present / dgp_batch_counts_t.parsed and its validity valid /
 * present, each field's independently of the others.
 */
typedef struct dgp_field_count {
	uint64_t present; /* non-empty raw value */
	uint64_t valid;   /* accepted by the rule */
} dgp_field_count_t;

typedef struct dgp_batch_counts {
	uint64_t read;
	uint64_t parsed;   /* records parsed into fields: the field counts' total */
	uint64_t cls[4];   /* by dgp_dedup_class_t, accepted records only */
	uint64_t rejected; /* records rejected */
	uint64_t by_reason[DGP_REASON__COUNT];       /* record rejects + field rejects */
	uint64_t field_by_reason[DGP_REASON__COUNT]; /* field rejects alone */
	uint64_t field_rejects;
	uint64_t flagged;  /* accepted records with any quality flag */
	uint64_t skipped;  /* records of unchanged chunks not parsed, counted in read and
	                    * cls[UNCHANGED] too (dgp_batch_count_skipped) */
	uint64_t repeated; /* accepted records whose key this run met before (earlier
	                    * in the batch or in an earlier batch) */
	uint64_t deletes;  /* accepted deletes that are their key's last version (to apply);
	                    * a superseded delete counts in cls[DUPLICATE].  So read =
	                    * rejected + the cls + deletes */
	uint64_t deleted;  /* of the deletes: rows PostgreSQL held and removed, */
	uint64_t absent;   /* and keys it did not hold (dgp_batch_deleted, after COMMIT) */
} dgp_batch_counts_t;

/*
 * dgp_batch_new — an empty batch for schema holding at most max_rows
 * records.  key_hash_mask is ANDed into every key hash: ~0 in production;
 * tests pass a small mask to force collisions.  The schema must outlive
 * the batch.  Never NULL.
 */
dgp_batch_t *dgp_batch_new(const dgp_schema_t *schema, size_t max_rows, uint64_t key_hash_mask);
void dgp_batch_destroy(dgp_batch_t *b);

/* dgp_batch_reset — forget all records (one arena reset); keeps the allocation. */
void dgp_batch_reset(dgp_batch_t *b);

/* dgp_batch_arena — the arena records and their bytes live in (parsers allocate raw values here).
 */
dgp_arena_t *dgp_batch_arena(dgp_batch_t *b);

const dgp_schema_t *dgp_batch_schema(const dgp_batch_t *b);
size_t dgp_batch_size(const dgp_batch_t *b);
bool dgp_batch_full(const dgp_batch_t *b);

/*
 * dgp_batch_add — add one record.  raw_vals holds schema->nfields raw
 * values (p == NULL: absent), already in the batch arena or otherwise
 * outliving the batch; raw is the record's bytes as received (copied into
 * the arena, unless dgp_batch_set_raw_kept).  parse_reason != OK makes it a record-level reject
 * (parse_detail, may be NULL, is copied).  cache may be NULL (everything
 * absent).  Returns the record, owned by the batch.  Must not be called on
 * a full batch.
 */
dgp_record_t *dgp_batch_add(dgp_batch_t *b, const dgp_dedup_t *cache, const dgp_norm_ctx_t *ctx,
                            const dgp_origin_t *origin, const char *raw, size_t raw_len,
                            const dgp_slice_t *raw_vals, dgp_reason_t parse_reason,
                            const char *parse_detail);

/*
 * dgp_batch_add_op — dgp_batch_add for a record asking op.  A delete
 * (DGP_OP_DELETE) needs only the key fields in raw_vals (the others are
 * ignored); each is normalised with its field's rule, an empty or invalid
 * one rejects the delete with that field's reason.  A delete is counted in
 * no field's statistics.
 */
dgp_record_t *dgp_batch_add_op(dgp_batch_t *b, dgp_op_t op, const dgp_dedup_t *cache,
                               const dgp_norm_ctx_t *ctx, const dgp_origin_t *origin,
                               const char *raw, size_t raw_len, const dgp_slice_t *raw_vals,
                               dgp_reason_t parse_reason, const char *parse_detail);

/*
 * dgp_batch_set_deferred — deferred: dgp_batch_add normalises and hashes
 * but leaves the record unclassified (its cache argument unused) until
 * dgp_batch_classify.  So a batch can be filled while the cache still
 * waits for the previous batch's commit.  Kept across resets.
 */
void dgp_batch_set_deferred(dgp_batch_t *b, bool deferred);

/*
 * dgp_batch_set_nul_free — nul_free: the raw values of the records added
 * from now on hold no NUL byte, so the per-value NUL check (a NUL is a
 * charset reject whatever the rule) is skipped.  True only when the caller
 * knows it: CSV values of text that passed dgp_parse_check_text (the CSV
 * parser never makes a NUL; JSON's \u0000 does).  Default false; kept
 * across resets.
 */
void dgp_batch_set_nul_free(dgp_batch_t *b, bool nul_free);

/*
 * dgp_batch_set_raw_kept — kept: the raw bytes of the records added from
 * now on are already in the batch arena, NUL-terminated (raw[raw_len] ==
 * '\0'), so the record points at them instead of copying them: the engine
 * copies a UTF-8 record once, for the parser and the reject path alike.
 * Default false; kept across resets.
 */
void dgp_batch_set_raw_kept(dgp_batch_t *b, bool kept);

/*
 * dgp_batch_classify — classify the records added since the last call, in
 * input order, against cache (NULL: everything absent), exactly as
 * dgp_batch_add would have.  The cache must not change between two calls
 * for one batch.  Counts by class, dgp_batch_writes and
 * dgp_batch_commit_cache see a deferred record only once it is classified.
 */
void dgp_batch_classify(dgp_batch_t *b, const dgp_dedup_t *cache);

/*
 * dgp_batch_classify_after — dgp_batch_classify against the cache as it
 * will be once prev (NULL: none), a committed batch, is put in it by
 * dgp_batch_commit_cache, without putting it: the same classes, the same
 * writes.  So the next batch can be handed to the sink before the cache
 * takes the previous one's keys (random writes into a large table).  prev
 * must not change until this returns; its refusals (dgp_batch_refuse)
 * already made.
 */
void dgp_batch_classify_after(dgp_batch_t *b, const dgp_dedup_t *cache, const dgp_batch_t *prev);

/*
 * dgp_batch_count_skipped — n records of the batch's input were skipped
 * unparsed (a chunk unchanged since the resource's last load): they count
 * as read and unchanged, and in skipped, so statistics count every record
 * once.  They are no records of the batch (not in dgp_batch_size).
 */
void dgp_batch_count_skipped(dgp_batch_t *b, uint64_t n);

/* dgp_batch_record — the i-th record added (0-based). */
dgp_record_t *dgp_batch_record(const dgp_batch_t *b, size_t i);

/*
 * dgp_batch_writes — the records the sink must write: the last version of
 * each key whose content differs from PostgreSQL's.  *inserts (n_ins) are
 * keys absent from the cache before this batch (COPY path); *merges (n_mrg)
 * keys present (upsert path).  Arrays owned by the batch, valid until reset.
 */
void dgp_batch_writes(dgp_batch_t *b, dgp_record_t ***inserts, size_t *n_ins,
                      dgp_record_t ***merges, size_t *n_mrg);

/*
 * dgp_batch_deletes — the deletes the sink must apply: the last version of
 * each key that is a delete, in input order (*n of them), whether or not
 * the cache knows the key (PostgreSQL is asked).  Owned by the batch, valid
 * until reset.
 */
dgp_record_t **dgp_batch_deletes(dgp_batch_t *b, size_t *n);

/* dgp_batch_field_rejects — optional-field rejects of this batch. */
const dgp_field_reject_t *dgp_batch_field_rejects(const dgp_batch_t *b, size_t *n);

/* dgp_batch_counts — counters of this batch; field counts has schema->nfields rows. */
const dgp_batch_counts_t *dgp_batch_counts(const dgp_batch_t *b);
const dgp_field_count_t *dgp_batch_field_counts(const dgp_batch_t *b);

/*
 * dgp_batch_refuse — after COMMIT: rec, one of dgp_batch_writes(), was not
 * written because PostgreSQL refused it; it becomes a record reject
 * (reason, detail copied into the arena) in the counts, and its key stays
 * out of the cache (whatever the cache knew of it before stays true).
 */
void dgp_batch_refuse(dgp_batch_t *b, dgp_record_t *rec, dgp_reason_t reason, const char *detail);

/*
 * dgp_batch_deleted — after COMMIT: of dgp_batch_deletes(), deleted keys
 * were stored and are gone now, absent were not stored (nothing to delete);
 * into the counts (set, not added: a retried write tells the last answer).
 */
void dgp_batch_deleted(dgp_batch_t *b, uint64_t deleted, uint64_t absent);

/*
 * dgp_batch_commit_cache — after COMMIT: record the latest version of every
 * key of the batch in cache, marked "seen this run" (written or unchanged);
 * a key whose latest version is a delete leaves the cache.
 */
void dgp_batch_commit_cache(const dgp_batch_t *b, dgp_dedup_t *cache);

#endif /* DGP_BATCH_H */
