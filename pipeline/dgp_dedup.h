/*
 * dgp_dedup.h — the dedup cache: natural-key hash → content hash.
 *
 * One entry per natural key (身份证号, 统一社会信用代码, composite key), 16
 * bytes: xxh3-64 of the normalised key and xxh3-64 of the normalised
 * content.  Buckets of four entries (one cache line), two candidate buckets
 * per key (bucketized cuckoo hashing), so a lookup reads at most two cache
 * lines and the table runs at 70–93 % load: 17–23 bytes per key including
 * slack, 390 M keys in under 9 GiB.
 *
 * It is a cache.  PostgreSQL's unique key is the truth; the table only
 * decides which path a record takes:
 *   absent               → NEW        (COPY fast path)
 *   same content hash    → UNCHANGED  (no PostgreSQL work)
 *   other content hash   → CHANGED    (merge path)
 * Two keys with equal 64-bit key hashes look like one key with changed
 * content: the record goes to the merge path, which upserts by the real key,
 * so a collision costs an extra merge, never a lost change.  A content-hash
 * collision (same key, different content, equal 63 bits) would hide a
 * change; at 2^-63 per change it is accepted by design (DESIGN.md).
 *
 * The low bit of the stored content hash marks "written by this run", which
 * tells DUPLICATE (seen earlier in this run's input) from UNCHANGED (already
 * in PostgreSQL before the run).
 *
 * Not thread-safe; one table per process, owned by the record path.
 */
#ifndef DGP_DEDUP_H
#define DGP_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_err.h"

typedef struct dgp_dedup dgp_dedup_t;

typedef enum dgp_dedup_class {
	DGP_DEDUP_NEW = 0,
	DGP_DEDUP_CHANGED,
	DGP_DEDUP_UNCHANGED,
	DGP_DEDUP_DUPLICATE,
} dgp_dedup_class_t;

/* dgp_dedup_class_name — "new", "changed", "unchanged", "duplicate". */
const char *dgp_dedup_class_name(dgp_dedup_class_t c);

/* dgp_dedup_hash — xxh3-64 of len bytes at p (the hash used for keys and contents). */
uint64_t dgp_dedup_hash(const void *p, size_t len);

/*
 * dgp_dedup_new — an empty table sized for expected_keys without growing
 * (0 is fine: it grows as needed).  Never NULL; aborts on out of memory.
 */
dgp_dedup_t *dgp_dedup_new(size_t expected_keys);
void dgp_dedup_destroy(dgp_dedup_t *t);

/*
 * dgp_dedup_reserve — make room for more_keys further keys without growing
 * on the way (a table grown 1.3× at a time moves each entry about 4 times
 * before it holds a million).  Keeps every entry; does nothing when there is
 * room already.  A hint too small only means growing later.  Aborts on out
 * of memory.
 */
void dgp_dedup_reserve(dgp_dedup_t *t, size_t more_keys);

/*
 * dgp_dedup_classify — how a record with these hashes relates to the table
 * (does not change it).  A record whose key was written by this run with
 * the same content is DUPLICATE; written before the run, UNCHANGED.
 */
dgp_dedup_class_t dgp_dedup_classify(const dgp_dedup_t *t, uint64_t key_hash,
                                     uint64_t content_hash);

/*
 * dgp_dedup_class_of — dgp_dedup_classify's rule for an entry held
 * elsewhere (a batch's keys not yet put, dgp_batch_classify_after): found,
 * the entry's content hash and whether this run wrote it, against a
 * record's content hash.  Content hashes compare without their low bit, as
 * the table stores them.
 */
dgp_dedup_class_t dgp_dedup_class_of(bool found, uint64_t stored, bool this_run,
                                     uint64_t content_hash);

/*
 * dgp_dedup_key — key_hash as the table keys it: 0 is taken as 1 (0 marks an
 * empty slot), so two hashes are one key when their dgp_dedup_key agree.
 */
uint64_t dgp_dedup_key(uint64_t key_hash);

/*
 * dgp_dedup_prefetch — start loading the two buckets key_hash may live in,
 * for a get or put a few keys later: a large table's probe is a cache miss
 * (and a TLB miss) that would otherwise stall the caller.  No effect on
 * the table.
 */
void dgp_dedup_prefetch(const dgp_dedup_t *t, uint64_t key_hash);

/*
 * dgp_dedup_get — the stored content hash of key_hash (low bit cleared) and
 * whether this run wrote it.  Returns false when the key is absent.
 */
bool dgp_dedup_get(const dgp_dedup_t *t, uint64_t key_hash, uint64_t *content_hash, bool *this_run);

/*
 * dgp_dedup_put — insert or replace key_hash → content_hash.  Call it only
 * after PostgreSQL committed the row (so a rolled-back batch leaves the
 * cache as it was); this_run is false for warm loading.
 */
void dgp_dedup_put(dgp_dedup_t *t, uint64_t key_hash, uint64_t content_hash, bool this_run);

/*
 * dgp_dedup_remove — forget key_hash (its row was deleted from PostgreSQL):
 * a later record of the key is NEW again.  Call it only after the delete
 * committed.  A key hash shared with another key forgets that key too,
 * which only sends its next record to the merge path.  Returns whether the
 * key was there.
 */
bool dgp_dedup_remove(dgp_dedup_t *t, uint64_t key_hash);

/* dgp_dedup_count — keys stored.  dgp_dedup_bytes — bytes of the entry array. */
size_t dgp_dedup_count(const dgp_dedup_t *t);
size_t dgp_dedup_bytes(const dgp_dedup_t *t);

/*
 * dgp_dedup_save — write a zlib-compressed snapshot to path (via path.tmp
 * and rename, so a crash leaves the old snapshot), with meta_len bytes of
 * caller metadata (e.g. the Kafka offsets the snapshot corresponds to).
 */
dgp_err_t dgp_dedup_save(const dgp_dedup_t *t, const char *path, const void *meta, size_t meta_len,
                         char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_dedup_load — read a snapshot written by dgp_dedup_save.  On success
 * *out is a new table (every entry marked "before this run") and *meta a
 * malloc'd copy of the metadata (*meta_len bytes; free it).  A truncated or
 * corrupt file is DGP_ERR_PARSE naming the offset.
 */
dgp_err_t dgp_dedup_load(const char *path, dgp_dedup_t **out, void **meta, size_t *meta_len,
                         char *errstr, size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_DEDUP_H */
