/*
 * dgp_dedup.c — bucketized cuckoo hash table of (key hash, content hash).
 *
 *   key hash ─┬─ fastrange(h1) → bucket A [e0 e1 e2 e3]   one 64-byte line
 *             └─ fastrange(h2) → bucket B [e0 e1 e2 e3]   one 64-byte line
 *
 * Lookup reads A then B.  Insert takes a free entry in A or B; when both
 * are full it evicts a random entry to that entry's other bucket, up to
 * MAX_KICKS times, and grows the table by GROW_FACTOR when that fails or
 * the load passes MAX_LOAD.  Bucket counts are not powers of two
 * (fastrange maps a hash onto any count), so growth by 1.3 keeps the load
 * between MAX_LOAD / GROW_FACTOR and MAX_LOAD: 17–23 bytes per key.
 * Key hash 0 marks an empty entry; a key that hashes to 0 is stored as 1
 * (a collision, handled like any other).
 */
#include "dgp_dedup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "dgp_arena.h"

#define BUCKET_SLOTS 4
#define MAX_LOAD     0.93
#define GROW_FACTOR  1.3
#define MAX_KICKS    500
#define THIS_RUN_BIT 1ull

typedef struct entry {
	uint64_t key;
	uint64_t content; /* content hash with the low bit = written by this run */
} entry_t;

typedef struct bucket {
	entry_t e[BUCKET_SLOTS];
} __attribute__((aligned(64))) bucket_t;

struct dgp_dedup {
	bucket_t *buckets;
	size_t nbuckets;
	size_t count;
	uint64_t rng; /* xorshift state for choosing victims */
};

static const char *const class_names[] = {"new", "changed", "unchanged", "duplicate"};

const char *dgp_dedup_class_name(dgp_dedup_class_t c)
{
	return (unsigned)c < 4 ? class_names[c] : "unknown";
}

uint64_t dgp_dedup_hash(const void *p, size_t len)
{
	return XXH3_64bits(p, len);
}

static inline size_t fastrange(uint64_t h, size_t n)
{
	return (size_t)(((__uint128_t)h * n) >> 64);
}

static inline uint64_t alt_hash(uint64_t k)
{
	/* Independent-enough second hash: a murmur3 finaliser of the key hash. */
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static inline void buckets_of(const dgp_dedup_t *t, uint64_t key, size_t *a, size_t *b)
{
	*a = fastrange(key, t->nbuckets);
	*b = fastrange(alt_hash(key), t->nbuckets);
	if (*b == *a)
		*b = *a + 1 == t->nbuckets ? 0 : *a + 1;
}

/*
 * A table of millions of keys is probed at random: with 4 KiB pages nearly
 * every probe also misses the TLB.  From HUGE_MIN bytes the array is aligned
 * to and advised as transparent huge pages (where the kernel has them: its
 * "madvise" mode or "always"; elsewhere the advice is ignored).
 */
#define HUGE_PAGE (2u << 20)
#define HUGE_MIN  (8u << 20)

static bucket_t *buckets_alloc(size_t n)
{
	size_t used = n * sizeof(bucket_t);
	bool huge = used >= HUGE_MIN;
	size_t align = huge ? HUGE_PAGE : 64;
	size_t bytes = (used + align - 1) / align * align; /* aligned_alloc: a multiple */
	bucket_t *b = aligned_alloc(align, bytes);
	if (!b)
		dgp_oom(bytes, "dedup table");
#ifdef MADV_HUGEPAGE
	if (huge)
		(void)madvise(b, bytes, MADV_HUGEPAGE);
#endif
	memset(b, 0, used); /* the rounding's tail is never touched */
	return b;
}

static size_t buckets_for(size_t keys)
{
	size_t n = (size_t)((double)keys / (MAX_LOAD * 0.9) / BUCKET_SLOTS) + 1;
	return n < 2 ? 2 : n;
}

dgp_dedup_t *dgp_dedup_new(size_t expected_keys)
{
	dgp_dedup_t *t = dgp_xcalloc(1, sizeof(*t));
	t->nbuckets = buckets_for(expected_keys);
	t->buckets = buckets_alloc(t->nbuckets);
	t->rng = 0x9E3779B97F4A7C15ull;
	return t;
}

void dgp_dedup_destroy(dgp_dedup_t *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t);
}

static inline uint64_t fix_key(uint64_t k)
{
	return k ? k : 1;
}

static entry_t *find(const dgp_dedup_t *t, uint64_t key)
{
	size_t a, b;
	buckets_of(t, key, &a, &b);
	bucket_t *ba = &t->buckets[a], *bb = &t->buckets[b];
	for (int i = 0; i < BUCKET_SLOTS; i++)
		if (ba->e[i].key == key)
			return &ba->e[i];
	for (int i = 0; i < BUCKET_SLOTS; i++)
		if (bb->e[i].key == key)
			return &bb->e[i];
	return NULL;
}

void dgp_dedup_prefetch(const dgp_dedup_t *t, uint64_t key_hash)
{
	size_t a, b;
	buckets_of(t, fix_key(key_hash), &a, &b);
	__builtin_prefetch(&t->buckets[a]);
	__builtin_prefetch(&t->buckets[b]);
}

bool dgp_dedup_get(const dgp_dedup_t *t, uint64_t key_hash, uint64_t *content_hash, bool *this_run)
{
	entry_t *e = find(t, fix_key(key_hash));
	if (!e)
		return false;
	if (content_hash)
		*content_hash = e->content & ~THIS_RUN_BIT;
	if (this_run)
		*this_run = e->content & THIS_RUN_BIT;
	return true;
}

dgp_dedup_class_t dgp_dedup_classify(const dgp_dedup_t *t, uint64_t key_hash, uint64_t content_hash)
{
	uint64_t stored = 0;
	bool this_run = false;
	bool found = dgp_dedup_get(t, key_hash, &stored, &this_run);
	return dgp_dedup_class_of(found, stored, this_run, content_hash);
}

dgp_dedup_class_t dgp_dedup_class_of(bool found, uint64_t stored, bool this_run,
                                     uint64_t content_hash)
{
	if (!found)
		return DGP_DEDUP_NEW;
	if ((stored & ~THIS_RUN_BIT) != (content_hash & ~THIS_RUN_BIT))
		return DGP_DEDUP_CHANGED;
	return this_run ? DGP_DEDUP_DUPLICATE : DGP_DEDUP_UNCHANGED;
}

uint64_t dgp_dedup_key(uint64_t key_hash)
{
	return fix_key(key_hash);
}

static inline uint64_t rng_next(dgp_dedup_t *t)
{
	uint64_t x = t->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return t->rng = x;
}

static bool place_in(bucket_t *bk, entry_t e)
{
	for (int i = 0; i < BUCKET_SLOTS; i++) {
		if (bk->e[i].key == 0) {
			bk->e[i] = e;
			return true;
		}
	}
	return false;
}

/* Insert an entry known to be absent; returns false (and *homeless set) when the kicks run out. */
static bool insert_new(dgp_dedup_t *t, entry_t e, entry_t *homeless)
{
	size_t a, b;
	buckets_of(t, e.key, &a, &b);
	if (place_in(&t->buckets[a], e) || place_in(&t->buckets[b], e))
		return true;
	size_t cur = (rng_next(t) & 1) ? a : b;
	for (int kick = 0; kick < MAX_KICKS; kick++) {
		int victim = (int)(rng_next(t) % BUCKET_SLOTS);
		entry_t out = t->buckets[cur].e[victim];
		t->buckets[cur].e[victim] = e;
		e = out;
		size_t ea, eb;
		buckets_of(t, e.key, &ea, &eb);
		cur = cur == ea ? eb : ea;
		if (place_in(&t->buckets[cur], e))
			return true;
	}
	*homeless = e;
	return false;
}

#define REHASH_AHEAD 2 /* old buckets: about 7 entries */

/* Move every entry (and pending, unless its key is 0) into a table of at least n buckets. */
static void rehash(dgp_dedup_t *t, size_t n, entry_t pending)
{
	size_t old_n = t->nbuckets;
	bucket_t *old = t->buckets;
	for (;;) {
		bool ok = true;
		entry_t homeless;
		t->nbuckets = n;
		t->buckets = buckets_alloc(n);
		for (size_t i = 0; i < old_n && ok; i++) {
			/* the old array is read in order, the new one at random: prefetch
			 * the homes of the entries REHASH_AHEAD buckets on */
			if (i + REHASH_AHEAD < old_n)
				for (int s = 0; s < BUCKET_SLOTS; s++)
					if (old[i + REHASH_AHEAD].e[s].key)
						dgp_dedup_prefetch(t,
						                   old[i + REHASH_AHEAD].e[s].key);
			for (int s = 0; s < BUCKET_SLOTS && ok; s++)
				if (old[i].e[s].key)
					ok = insert_new(t, old[i].e[s], &homeless);
		}
		if (ok && pending.key)
			ok = insert_new(t, pending, &homeless);
		if (ok)
			break;
		/* Vanishingly rare: start over one step larger. */
		free(t->buckets);
		n = (size_t)((double)n * 1.1) + 1;
	}
	free(old);
}

static void grow(dgp_dedup_t *t, entry_t pending)
{
	rehash(t, (size_t)((double)t->nbuckets * GROW_FACTOR) + 1, pending);
}

void dgp_dedup_reserve(dgp_dedup_t *t, size_t more_keys)
{
	size_t keys = t->count + more_keys;
	if ((double)keys > MAX_LOAD * (double)(t->nbuckets * BUCKET_SLOTS))
		rehash(t, buckets_for(keys), (entry_t){0, 0});
}

void dgp_dedup_put(dgp_dedup_t *t, uint64_t key_hash, uint64_t content_hash, bool this_run)
{
	uint64_t key = fix_key(key_hash);
	uint64_t content = (content_hash & ~THIS_RUN_BIT) | (this_run ? THIS_RUN_BIT : 0);
	entry_t *e = find(t, key);
	if (e) {
		e->content = content;
		return;
	}
	entry_t ne = {key, content}, homeless;
	t->count++;
	if ((double)t->count > MAX_LOAD * (double)(t->nbuckets * BUCKET_SLOTS)) {
		grow(t, ne);
		return;
	}
	if (!insert_new(t, ne, &homeless))
		grow(t, homeless);
}

bool dgp_dedup_remove(dgp_dedup_t *t, uint64_t key_hash)
{
	entry_t *e = find(t, fix_key(key_hash));
	if (!e)
		return false;
	*e = (entry_t){0, 0}; /* key 0 marks a free slot; cuckoo lookups need no tombstone */
	t->count--;
	return true;
}

size_t dgp_dedup_count(const dgp_dedup_t *t)
{
	return t->count;
}

size_t dgp_dedup_bytes(const dgp_dedup_t *t)
{
	return t->nbuckets * sizeof(bucket_t);
}

/* Snapshot format (inside gzip): magic, version, count, meta_len, meta, count × (key, content). */
static const char snap_magic[8] = {'D', 'G', 'P', 'D', 'E', 'D', 'U', 'P'};
#define SNAP_VERSION 1u

dgp_err_t dgp_dedup_save(const dgp_dedup_t *t, const char *path, const void *meta, size_t meta_len,
                         char *errstr, size_t errstr_size)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "snapshot path too long");
	gzFile gz = gzopen(tmp, "wb1"); /* level 1: hashes barely compress; speed matters */
	if (!gz)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "could not create %s: %s",
		                      tmp, strerror(errno));
	uint64_t hdr[3] = {SNAP_VERSION, t->count, meta_len};
	bool ok = gzwrite(gz, snap_magic, sizeof(snap_magic)) == sizeof(snap_magic) &&
	          gzwrite(gz, hdr, sizeof(hdr)) == sizeof(hdr) &&
	          (meta_len == 0 || gzwrite(gz, meta, (unsigned)meta_len) == (int)meta_len);
	entry_t buf[1024];
	size_t nb = 0;
	for (size_t i = 0; ok && i < t->nbuckets; i++) {
		for (int s = 0; s < BUCKET_SLOTS; s++) {
			if (!t->buckets[i].e[s].key)
				continue;
			buf[nb] = t->buckets[i].e[s];
			buf[nb].content &= ~THIS_RUN_BIT;
			if (++nb == 1024) {
				ok = gzwrite(gz, buf, sizeof(buf)) == (int)sizeof(buf);
				nb = 0;
			}
		}
	}
	if (ok && nb)
		ok = gzwrite(gz, buf, (unsigned)(nb * sizeof(entry_t))) ==
		     (int)(nb * sizeof(entry_t));
	if (gzclose(gz) != Z_OK)
		ok = false;
	if (!ok) {
		unlink(tmp);
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "could not write %s", tmp);
	}
	if (rename(tmp, path) != 0)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO,
		                      "could not rename %s to %s: %s", tmp, path, strerror(errno));
	return DGP_OK;
}

dgp_err_t dgp_dedup_load(const char *path, dgp_dedup_t **out, void **meta, size_t *meta_len,
                         char *errstr, size_t errstr_size)
{
	*out = NULL;
	*meta = NULL;
	*meta_len = 0;
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "could not open %s: %s",
		                      path, strerror(errno));
	char magic[8];
	uint64_t hdr[3];
	dgp_err_t err = DGP_OK;
	if (gzread(gz, magic, sizeof(magic)) != sizeof(magic) ||
	    memcmp(magic, snap_magic, sizeof(magic)) != 0 ||
	    gzread(gz, hdr, sizeof(hdr)) != sizeof(hdr) || hdr[0] != SNAP_VERSION ||
	    hdr[2] > (64u << 20)) {
		gzclose(gz);
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE,
		                      "%s is not a dgp dedup snapshot (bad header)", path);
	}
	void *m = dgp_xmalloc(hdr[2] ? hdr[2] : 1);
	if (hdr[2] && gzread(gz, m, (unsigned)hdr[2]) != (int)hdr[2]) {
		free(m);
		gzclose(gz);
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE,
		                      "%s: truncated in the metadata", path);
	}
	dgp_dedup_t *t = dgp_dedup_new(hdr[1]);
	entry_t buf[1024];
	uint64_t left = hdr[1];
	while (left) {
		unsigned want = (unsigned)((left < 1024 ? left : 1024) * sizeof(entry_t));
		int got = gzread(gz, buf, want);
		if (got != (int)want) {
			err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE,
			                     "%s: truncated after %llu of %llu entries", path,
			                     (unsigned long long)(hdr[1] - left),
			                     (unsigned long long)hdr[1]);
			break;
		}
		for (unsigned i = 0; i < want / sizeof(entry_t); i++)
			dgp_dedup_put(t, buf[i].key, buf[i].content, false);
		left -= want / sizeof(entry_t);
	}
	gzclose(gz);
	if (err != DGP_OK) {
		free(m);
		dgp_dedup_destroy(t);
		return err;
	}
	*out = t;
	*meta = m;
	*meta_len = hdr[2];
	return DGP_OK;
}
