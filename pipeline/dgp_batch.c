/*
 * dgp_batch.c — normalise, hash and classify the records of one batch.
 *
 *   raw_vals[i] ─rule─▶ arena, length-prefixed ─xxh3─▶ content_hash
 *                       vals[i] slice those bytes where they were written
 *   vals[key fields] ─join 0x1F─▶ key ─xxh3 & mask─▶ key_hash
 *   key table of this batch (exact key bytes) ─miss─▶ dedup cache
 *
 * The key table remembers, per distinct key in the batch, the latest record
 * and whether that record must be written; dgp_batch_writes() walks the
 * records in input order so the sink sees a deterministic sequence.  A
 * delete is a version of its key like any other: the latest version, an
 * upsert or a delete, is the one applied.
 */
#include "dgp_batch.h"

#include <stdlib.h>
#include <string.h>

#define NULL_LEN 0xFFFFFFFFu

typedef struct kslot {
	uint64_t hash;
	uint64_t content;
	uint32_t rec;        /* 1 + index of the latest record with this key; 0 = empty slot */
	bool existed_before; /* key in the cache (so in PostgreSQL) before this batch */
	bool write;          /* the latest record must be written */
	bool del;            /* the latest record is a delete */
} kslot_t;

struct dgp_batch {
	const dgp_schema_t *schema;
	size_t max_rows;
	uint64_t mask;
	dgp_arena_t *arena;

	dgp_record_t *recs;
	int32_t *rec_slot; /* key-table slot of each accepted record, -1 otherwise */
	size_t n;
	size_t classified; /* records [0, classified) went through classify() (or were rejected) */
	bool deferred;     /* dgp_batch_add leaves classifying to dgp_batch_classify */
	bool nul_free;     /* raw values hold no NUL: the caller checked (dgp_batch_set_nul_free) */
	bool raw_kept;     /* raw bytes already in the arena (dgp_batch_set_raw_kept) */

	kslot_t *ktab;
	size_t kcap; /* power of two, >= 2 * max_rows */

	dgp_record_t **ins, **mrg, **del;
	size_t nins, nmrg, ndel;
	bool writes_ready;

	dgp_field_reject_t *frej;
	size_t nfrej, frej_cap;

	dgp_batch_counts_t counts;
	dgp_field_count_t *fcounts;

	char *scratch;
	size_t scratch_cap;
	uint32_t
	    *voff; /* per companion (after nfields): offset of its bytes in aux, NULL_LEN: none */
	char *aux; /* companions' bytes of the record being normalised */
	size_t aux_cap;
};

dgp_batch_t *dgp_batch_new(const dgp_schema_t *schema, size_t max_rows, uint64_t key_hash_mask)
{
	dgp_batch_t *b = dgp_xcalloc(1, sizeof(*b));
	b->schema = schema;
	b->max_rows = max_rows ? max_rows : 1;
	b->mask = key_hash_mask;
	b->arena = dgp_arena_new(1 << 20);
	b->recs = dgp_xcalloc(b->max_rows, sizeof(*b->recs));
	b->rec_slot = dgp_xcalloc(b->max_rows, sizeof(*b->rec_slot));
	b->kcap = 16;
	while (b->kcap < 2 * b->max_rows)
		b->kcap <<= 1;
	b->ktab = dgp_xcalloc(b->kcap, sizeof(*b->ktab));
	b->ins = dgp_xcalloc(b->max_rows, sizeof(*b->ins));
	b->mrg = dgp_xcalloc(b->max_rows, sizeof(*b->mrg));
	b->del = dgp_xcalloc(b->max_rows, sizeof(*b->del));
	b->fcounts = dgp_xcalloc(schema->nfields ? schema->nfields : 1, sizeof(*b->fcounts));
	b->scratch_cap = 64 * 1024;
	b->scratch = dgp_xmalloc(b->scratch_cap);
	b->voff = dgp_xcalloc(schema->nfields + schema->ncompanions + 1, sizeof(*b->voff));
	b->aux_cap = 256;
	b->aux = dgp_xmalloc(b->aux_cap);
	return b;
}

void dgp_batch_destroy(dgp_batch_t *b)
{
	if (!b)
		return;
	dgp_arena_destroy(b->arena);
	free(b->recs);
	free(b->rec_slot);
	free(b->ktab);
	free(b->ins);
	free(b->mrg);
	free(b->del);
	free(b->frej);
	free(b->fcounts);
	free(b->scratch);
	free(b->voff);
	free(b->aux);
	free(b);
}

static void classify(dgp_batch_t *b, dgp_record_t *rec, const dgp_dedup_t *cache,
                     const dgp_batch_t *prev);

void dgp_batch_reset(dgp_batch_t *b)
{
	dgp_arena_reset(b->arena);
	memset(b->ktab, 0, b->kcap * sizeof(*b->ktab));
	memset(&b->counts, 0, sizeof(b->counts));
	memset(b->fcounts, 0, (b->schema->nfields ? b->schema->nfields : 1) * sizeof(*b->fcounts));
	b->n = b->nins = b->nmrg = b->ndel = b->nfrej = b->classified = 0;
	b->writes_ready = false;
}

void dgp_batch_set_deferred(dgp_batch_t *b, bool deferred)
{
	b->deferred = deferred;
}

void dgp_batch_set_nul_free(dgp_batch_t *b, bool nul_free)
{
	b->nul_free = nul_free;
}

void dgp_batch_set_raw_kept(dgp_batch_t *b, bool kept)
{
	b->raw_kept = kept;
}

void dgp_batch_classify(dgp_batch_t *b, const dgp_dedup_t *cache)
{
	dgp_batch_classify_after(b, cache, NULL);
}

/* How many records ahead the cache's buckets are prefetched (its probes miss the cache). */
#define PREFETCH_AHEAD 8

void dgp_batch_classify_after(dgp_batch_t *b, const dgp_dedup_t *cache, const dgp_batch_t *prev)
{
	for (size_t i = b->classified; i < b->n; i++) {
		if (cache && i + PREFETCH_AHEAD < b->n)
			dgp_dedup_prefetch(cache, b->recs[i + PREFETCH_AHEAD].key_hash);
		if (b->recs[i].reason == DGP_REASON_OK)
			classify(b, &b->recs[i], cache, prev);
	}
	b->classified = b->n;
	b->writes_ready = false;
}

dgp_arena_t *dgp_batch_arena(dgp_batch_t *b)
{
	return b->arena;
}

const dgp_schema_t *dgp_batch_schema(const dgp_batch_t *b)
{
	return b->schema;
}

size_t dgp_batch_size(const dgp_batch_t *b)
{
	return b->n;
}

bool dgp_batch_full(const dgp_batch_t *b)
{
	return b->n >= b->max_rows;
}

dgp_record_t *dgp_batch_record(const dgp_batch_t *b, size_t i)
{
	return &b->recs[i];
}

static void scratch_reserve(dgp_batch_t *b, size_t need)
{
	if (need <= b->scratch_cap)
		return;
	while (b->scratch_cap < need)
		b->scratch_cap *= 2;
	free(b->scratch);
	b->scratch = dgp_xmalloc(b->scratch_cap);
}

static void field_reject(dgp_batch_t *b, const dgp_record_t *rec, int field, dgp_reason_t reason,
                         dgp_slice_t raw)
{
	if (b->nfrej == b->frej_cap) {
		b->frej_cap = b->frej_cap ? b->frej_cap * 2 : 64;
		b->frej = dgp_xrealloc(b->frej, b->frej_cap * sizeof(*b->frej));
	}
	b->frej[b->nfrej++] = (dgp_field_reject_t){rec, field, reason, raw};
}

static bool is_blank(dgp_slice_t v)
{
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] != ' ' && v.p[i] != '\t' && v.p[i] != '\r' && v.p[i] != '\n')
			return false;
	return true;
}

static dgp_record_t *reject_record(dgp_batch_t *b, dgp_record_t *rec, dgp_reason_t reason,
                                   int field, const char *detail, size_t frej_mark)
{
	rec->reason = reason;
	rec->reject_field = field;
	rec->reject_detail = detail ? dgp_arena_strdup(b->arena, detail) : NULL;
	b->nfrej = frej_mark; /* the record-level reject supersedes its field rejects */
	b->counts.rejected++;
	b->counts.by_reason[reason]++;
	return rec;
}

/*
 * The companion columns of field i (a money field's currency code) from its
 * aux output, kept in b->aux until the record's fields are done; *aux_len is
 * the bytes of b->aux in use.
 */
static void put_companions(dgp_batch_t *b, dgp_record_t *rec, size_t i, const char *out,
                           const dgp_norm_result_t *res, size_t *aux_len)
{
	const dgp_schema_t *s = b->schema;
	for (size_t k = 0; k < s->ncompanions; k++)
		if (s->companions[k].field == i && res->aux_len) {
			if (*aux_len + res->aux_len > b->aux_cap) {
				while (b->aux_cap < *aux_len + res->aux_len)
					b->aux_cap *= 2;
				b->aux = dgp_xrealloc(b->aux, b->aux_cap);
			}
			memcpy(b->aux + *aux_len, out + res->aux_off, res->aux_len);
			b->voff[s->nfields + k] = (uint32_t)*aux_len;
			rec->vals[s->nfields + k].len = res->aux_len;
			*aux_len += res->aux_len;
		}
}

static void put_len(char *p, uint32_t l)
{
	memcpy(p, &l, 4);
}

/*
 * Normalise every field; returns false when the record was rejected.  After
 * a key or required field rejected the record, the remaining fields are
 * still examined for the field counts (nothing else: no values, no field
 * rejects), so every field's fill rate has the same total.
 *
 * The values are normalised straight into the arena in the content-hash
 * layout (per column a 4-byte length, NULL_LEN for an absent value, then
 * its bytes; the companions after the fields): the worst case is reserved
 * (DGP_NORM_OUT_CAP per value), the content hash reads the values where
 * they were written, vals[] slice them there and the unused tail goes back
 * to the arena.  No copy.
 */
static bool normalise_fields(dgp_batch_t *b, dgp_record_t *rec, const dgp_norm_ctx_t *ctx,
                             const dgp_slice_t *raw_vals, size_t frej_mark)
{
	const dgp_schema_t *s = b->schema;
	bool rejected = false;
	size_t o = 0, aux_len = 0;
	size_t ncols = s->nfields + s->ncompanions;
	b->counts.parsed++;
	size_t need = 4 * ncols;
	for (size_t i = 0; i < s->nfields; i++)
		if (raw_vals[i].p)
			need += DGP_NORM_OUT_CAP(raw_vals[i].len);
	for (size_t k = 0; k < s->ncompanions; k++) { /* a companion is its field's aux output */
		b->voff[s->nfields + k] = NULL_LEN;
		if (raw_vals[s->companions[k].field].p)
			need += DGP_NORM_OUT_CAP(raw_vals[s->companions[k].field].len);
	}
	char *base = dgp_arena_alloc(b->arena, need);
	for (size_t i = 0; i < s->nfields; i++) {
		const dgp_field_spec_t *f = &s->fields[i];
		dgp_slice_t raw = raw_vals[i];
		put_len(base + o, NULL_LEN); /* overwritten when the value is kept */
		if (!raw.p || raw.len == 0 || is_blank(raw)) {
			if ((f->required || f->key) && !rejected) {
				reject_record(b, rec, DGP_REASON_EMPTY, (int)i, NULL, frej_mark);
				rejected = true;
			}
			o += 4;
			continue;
		}
		b->fcounts[i].present++;
		size_t cap = DGP_NORM_OUT_CAP(raw.len);
		char *out = base + o + 4;
		dgp_norm_result_t res;
		/* A NUL (JSON \u0000) is a bad value whatever the rule: charset. */
		dgp_reason_t r = !b->nul_free && memchr(raw.p, 0, raw.len)
		                     ? DGP_REASON_CHARSET
		                     : dgp_norm_apply(f->rule, ctx, raw.p, raw.len, out, cap, &res);
		if (r == DGP_REASON_OK) {
			b->fcounts[i].valid++;
			if (rejected) {
				o += 4;
				continue;
			}
			if (s->ncompanions)
				put_companions(b, rec, i, out, &res, &aux_len);
			put_len(base + o, (uint32_t)res.len);
			rec->vals[i] = (dgp_slice_t){out, res.len};
			o += 4 + res.len;
			rec->flags |= res.flags;
			continue;
		}
		o += 4;
		if (rejected)
			continue;
		if (f->required || f->key) {
			reject_record(b, rec, r, (int)i, NULL, frej_mark);
			rejected = true;
			continue;
		}
		if (r != DGP_REASON_EMPTY) {
			field_reject(b, rec, (int)i, r, raw);
			b->counts.by_reason[r]++;
			b->counts.field_by_reason[r]++;
			b->counts.field_rejects++;
		}
	}
	if (rejected) {
		memset(rec->vals, 0, ncols * sizeof(*rec->vals)); /* a reject has no values */
		dgp_arena_shrink(b->arena, base, need, 0);
		return false;
	}

	/* The companions after the fields, from b->aux. */
	for (size_t k = s->nfields; k < ncols; k++) {
		size_t l = rec->vals[k].len;
		if (b->voff[k] == NULL_LEN) {
			put_len(base + o, NULL_LEN);
			rec->vals[k] = (dgp_slice_t){NULL, 0};
			o += 4;
			continue;
		}
		put_len(base + o, (uint32_t)l);
		memcpy(base + o + 4, b->aux + b->voff[k], l);
		rec->vals[k] = (dgp_slice_t){base + o + 4, l};
		o += 4 + l;
	}
	/* The cache keeps the low bit for its own use. */
	rec->content_hash = dgp_dedup_hash(base, o) & ~1ull;
	dgp_arena_shrink(b->arena, base, need, o);
	return true;
}

/*
 * A delete's key fields, each with its field's rule as an insert's would be
 * (so the key matches the stored one); the other fields stay absent and no
 * field is counted (a delete carries no data).  Returns false when the
 * record was rejected.
 */
static bool normalise_key(dgp_batch_t *b, dgp_record_t *rec, const dgp_norm_ctx_t *ctx,
                          const dgp_slice_t *raw_vals)
{
	const dgp_schema_t *s = b->schema;
	for (size_t k = 0; k < s->nkeys; k++) {
		size_t i = s->key_fields[k];
		dgp_slice_t raw = raw_vals[i];
		if (!raw.p || raw.len == 0 || is_blank(raw)) {
			reject_record(b, rec, DGP_REASON_EMPTY, (int)i, "delete", b->nfrej);
			return false;
		}
		size_t cap = DGP_NORM_OUT_CAP(raw.len);
		scratch_reserve(b, cap);
		dgp_norm_result_t res;
		dgp_reason_t r = !b->nul_free && memchr(raw.p, 0, raw.len)
		                     ? DGP_REASON_CHARSET
		                     : dgp_norm_apply(s->fields[i].rule, ctx, raw.p, raw.len,
		                                      b->scratch, cap, &res);
		if (r != DGP_REASON_OK) {
			reject_record(b, rec, r, (int)i, "delete", b->nfrej);
			return false;
		}
		rec->vals[i] =
		    (dgp_slice_t){dgp_arena_memdup(b->arena, b->scratch, res.len), res.len};
	}
	return true;
}

/* The key and its hash (an upsert's content hash is normalise_fields'). */
static void hash_record(dgp_batch_t *b, dgp_record_t *rec)
{
	const dgp_schema_t *s = b->schema;
	/* Key: key fields joined with 0x1F. */
	size_t klen = s->nkeys ? s->nkeys - 1 : 0;
	for (size_t k = 0; k < s->nkeys; k++)
		klen += rec->vals[s->key_fields[k]].len;
	char *key = dgp_arena_alloc(b->arena, klen + 1);
	size_t o = 0;
	for (size_t k = 0; k < s->nkeys; k++) {
		dgp_slice_t v = rec->vals[s->key_fields[k]];
		if (k)
			key[o++] = DGP_KEY_SEP;
		memcpy(key + o, v.p, v.len);
		o += v.len;
	}
	key[o] = '\0';
	rec->key = (dgp_slice_t){key, klen};
	/* as the dedup table keys it (never 0), so one key has one probe chain here */
	rec->key_hash = dgp_dedup_key(dgp_dedup_hash(key, klen) & b->mask);
}

/* Slot of rec's key in the batch table: found (same key bytes) or the empty slot to use. */
static size_t ktab_find(const dgp_batch_t *b, const dgp_record_t *rec, bool *found)
{
	size_t m = b->kcap - 1;
	for (size_t i = (size_t)(rec->key_hash ^ (rec->key_hash >> 29)) & m;; i = (i + 1) & m) {
		const kslot_t *s = &b->ktab[i];
		if (!s->rec) {
			*found = false;
			return i;
		}
		if (s->hash == rec->key_hash) {
			const dgp_record_t *o = &b->recs[s->rec - 1];
			if (o->key.len == rec->key.len &&
			    memcmp(o->key.p, rec->key.p, o->key.len) == 0) {
				*found = true;
				return i;
			}
		}
	}
}

/*
 * The last version of a key in the batch is the one compared with the cache:
 * a new version takes the key's slot and is classified afresh against the
 * cache (which does not change during the batch), and the version it
 * supersedes becomes DUPLICATE, so an in-file change that ends where
 * PostgreSQL already is writes nothing.  A later identical version is the
 * DUPLICATE instead, so the first record of the final content is the one
 * written (its origin kept).  A delete is a version without content: it
 * supersedes an upsert and is superseded by one (insert then delete: the
 * delete; delete then insert: the insert, classified against the cache);
 * a second delete in a row is the DUPLICATE.  A delete is applied whatever
 * the cache says (PostgreSQL tells whether the key was there); it counts in
 * counts.deletes, not in a class.
 */
/*
 * The cache's entry for key_hash once prev's keys are put in it
 * (dgp_batch_commit_cache): prev's latest committed version of that hash
 * when prev holds one, else the cache's own.  As there, a hash is one key:
 * of prev's keys with this hash, the version of the latest record wins; a
 * delete removes the entry; a refused record (rec_slot -1) puts nothing.
 */
static bool entry_get(const dgp_batch_t *prev, const dgp_dedup_t *cache, uint64_t h,
                      uint64_t *content, bool *this_run)
{
	if (prev) {
		size_t m = prev->kcap - 1;
		const kslot_t *best = NULL;
		for (size_t i = (size_t)(h ^ (h >> 29)) & m; prev->ktab[i].rec; i = (i + 1) & m) {
			const kslot_t *s = &prev->ktab[i];
			if (s->hash == h && prev->rec_slot[s->rec - 1] == (int32_t)i &&
			    (!best || s->rec > best->rec))
				best = s;
		}
		if (best) {
			*content = best->content;
			*this_run = !best->del;
			return !best->del;
		}
	}
	*this_run = false;
	return cache && dgp_dedup_get(cache, h, content, this_run);
}

static void classify(dgp_batch_t *b, dgp_record_t *rec, const dgp_dedup_t *cache,
                     const dgp_batch_t *prev)
{
	bool found;
	size_t si = ktab_find(b, rec, &found);
	kslot_t *s = &b->ktab[si];
	uint32_t self = (uint32_t)(rec - b->recs) + 1;
	bool del = rec->op == DGP_OP_DELETE;
	bool seen = found;
	if (found && s->del == del && (del || s->content == rec->content_hash)) {
		rec->cls = DGP_DEDUP_DUPLICATE;
		del = false; /* counted as the duplicate it is */
	} else {
		bool in_cache = false;
		uint64_t stored = 0;
		bool present = entry_get(prev, cache, rec->key_hash, &stored, &in_cache);
		/* a delete: DUPLICATE once superseded; until then in deletes */
		rec->cls = del ? DGP_DEDUP_DUPLICATE
		               : dgp_dedup_class_of(present, stored, in_cache, rec->content_hash);
		seen = seen || in_cache;
		if (found) {
			dgp_record_t *old = &b->recs[s->rec - 1];
			if (s->del)
				b->counts.deletes--;
			else
				b->counts.cls[old->cls]--;
			old->cls = DGP_DEDUP_DUPLICATE;
			b->counts.cls[DGP_DEDUP_DUPLICATE]++;
		} else {
			*s = (kslot_t){.hash = rec->key_hash, .existed_before = present};
		}
		s->content = del ? 0 : rec->content_hash;
		s->rec = self;
		s->del = del;
		s->write = del || rec->cls == DGP_DEDUP_NEW || rec->cls == DGP_DEDUP_CHANGED;
	}
	b->rec_slot[self - 1] = (int32_t)si;
	if (del)
		b->counts.deletes++;
	else
		b->counts.cls[rec->cls]++;
	b->counts.repeated += seen;
}

void dgp_batch_count_skipped(dgp_batch_t *b, uint64_t n)
{
	b->counts.read += n;
	b->counts.cls[DGP_DEDUP_UNCHANGED] += n;
	b->counts.skipped += n;
}

dgp_record_t *dgp_batch_add(dgp_batch_t *b, const dgp_dedup_t *cache, const dgp_norm_ctx_t *ctx,
                            const dgp_origin_t *origin, const char *raw, size_t raw_len,
                            const dgp_slice_t *raw_vals, dgp_reason_t parse_reason,
                            const char *parse_detail)
{
	return dgp_batch_add_op(b, DGP_OP_UPSERT, cache, ctx, origin, raw, raw_len, raw_vals,
	                        parse_reason, parse_detail);
}

dgp_record_t *dgp_batch_add_op(dgp_batch_t *b, dgp_op_t op, const dgp_dedup_t *cache,
                               const dgp_norm_ctx_t *ctx, const dgp_origin_t *origin,
                               const char *raw, size_t raw_len, const dgp_slice_t *raw_vals,
                               dgp_reason_t parse_reason, const char *parse_detail)
{
	dgp_record_t *rec = &b->recs[b->n];
	b->rec_slot[b->n] = -1;
	b->n++;
	b->writes_ready = false;
	*rec = (dgp_record_t){0};
	rec->origin = *origin;
	rec->op = op;
	rec->raw =
	    (dgp_slice_t){b->raw_kept ? raw : dgp_arena_memdup(b->arena, raw, raw_len), raw_len};
	rec->reject_field = -1;
	b->counts.read++;

	if (parse_reason != DGP_REASON_OK)
		return reject_record(b, rec, parse_reason, -1, parse_detail, b->nfrej);

	size_t ncols = b->schema->nfields + b->schema->ncompanions;
	rec->vals = dgp_arena_calloc(b->arena, (ncols ? ncols : 1) * sizeof(dgp_slice_t));
	if (op == DGP_OP_DELETE ? !normalise_key(b, rec, ctx, raw_vals)
	                        : !normalise_fields(b, rec, ctx, raw_vals, b->nfrej))
		return rec;
	if (rec->flags)
		b->counts.flagged++;
	hash_record(b, rec);
	if (!b->deferred) {
		classify(b, rec, cache, NULL);
		b->classified = b->n;
	}
	return rec;
}

void dgp_batch_writes(dgp_batch_t *b, dgp_record_t ***inserts, size_t *n_ins,
                      dgp_record_t ***merges, size_t *n_mrg)
{
	if (!b->writes_ready) {
		b->nins = b->nmrg = b->ndel = 0;
		for (size_t i = 0; i < b->n; i++) {
			int32_t si = b->rec_slot[i];
			if (si < 0)
				continue;
			const kslot_t *s = &b->ktab[si];
			if (s->rec != i + 1 || !s->write)
				continue;
			if (s->del)
				b->del[b->ndel++] = &b->recs[i];
			else if (s->existed_before)
				b->mrg[b->nmrg++] = &b->recs[i];
			else
				b->ins[b->nins++] = &b->recs[i];
		}
		b->writes_ready = true;
	}
	*inserts = b->ins;
	*n_ins = b->nins;
	*merges = b->mrg;
	*n_mrg = b->nmrg;
}

dgp_record_t **dgp_batch_deletes(dgp_batch_t *b, size_t *n)
{
	dgp_record_t **ins, **mrg;
	size_t ni, nm;
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	*n = b->ndel;
	return b->del;
}

const dgp_field_reject_t *dgp_batch_field_rejects(const dgp_batch_t *b, size_t *n)
{
	*n = b->nfrej;
	return b->frej;
}

const dgp_batch_counts_t *dgp_batch_counts(const dgp_batch_t *b)
{
	return &b->counts;
}

const dgp_field_count_t *dgp_batch_field_counts(const dgp_batch_t *b)
{
	return b->fcounts;
}

void dgp_batch_refuse(dgp_batch_t *b, dgp_record_t *rec, dgp_reason_t reason, const char *detail)
{
	size_t i = (size_t)(rec - b->recs);
	if (i >= b->n || b->rec_slot[i] < 0 || rec->reason != DGP_REASON_OK)
		return;
	b->counts.cls[rec->cls]--;
	b->rec_slot[i] = -1; /* out of writes and of the cache commit */
	b->writes_ready = false;
	reject_record(b, rec, reason, -1, detail, b->nfrej);
}

void dgp_batch_deleted(dgp_batch_t *b, uint64_t deleted, uint64_t absent)
{
	b->counts.deleted = deleted;
	b->counts.absent = absent;
}

void dgp_batch_commit_cache(const dgp_batch_t *b, dgp_dedup_t *cache)
{
	/* The latest version of every key of the batch: written ones take their
	 * new content, unchanged ones keep theirs; both are now "seen this run",
	 * so a later identical record counts DUPLICATE, not UNCHANGED.  A deleted
	 * key is forgotten: its next record is NEW. */
	for (size_t i = 0; i < b->n; i++) {
		if (i + PREFETCH_AHEAD < b->n)
			dgp_dedup_prefetch(cache, b->recs[i + PREFETCH_AHEAD].key_hash);
		int32_t si = b->rec_slot[i];
		if (si < 0)
			continue;
		const kslot_t *s = &b->ktab[si];
		if (s->rec != i + 1)
			continue;
		if (s->del)
			dgp_dedup_remove(cache, b->recs[i].key_hash);
		else
			dgp_dedup_put(cache, b->recs[i].key_hash, s->content, true);
	}
}
