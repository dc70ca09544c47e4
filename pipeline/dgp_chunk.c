/*
 * dgp_chunk.c — content-defined chunking on record boundaries, chunk
 * fingerprints and the fingerprint set.
 *
 *   raw ──XXH3_128──▶ h (16 bytes) ──▶ chunk stream state (XXH3_128, reset per chunk)
 *                     h.low64 & (avg-1) == 0 ─▶ boundary after this record
 *
 * One hash per record serves both the boundary and the fingerprint; the
 * stream hashes 16 bytes per record, so a record's bytes are read once.
 * The set is open addressing over a flat array of fingerprints (all-zero
 * marks an empty slot; the one fingerprint that is all zero is kept in a
 * flag).
 */
#include "dgp_chunk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dgp_arena.h"
#include "dgp_norm.h"
#include "dgp_version.h"

struct dgp_chunker {
	uint64_t mask;
	uint64_t pending;
	XXH3_state_t *st;
};

dgp_chunker_t *dgp_chunker_new(uint32_t avg_records)
{
	dgp_chunker_t *c = dgp_xcalloc(1, sizeof(*c));
	c->mask = avg_records ? (uint64_t)avg_records - 1 : 0;
	c->st = XXH3_createState();
	if (!c->st)
		dgp_oom(0, "xxh3 state");
	XXH3_128bits_reset(c->st);
	return c;
}

void dgp_chunker_destroy(dgp_chunker_t *c)
{
	if (!c)
		return;
	XXH3_freeState(c->st);
	free(c);
}

bool dgp_chunker_add(dgp_chunker_t *c, const void *raw, size_t len)
{
	XXH128_hash_t h = XXH3_128bits(raw, len);
	XXH128_canonical_t canon;
	XXH128_canonicalFromHash(&canon, h);
	XXH3_128bits_update(c->st, &canon, sizeof(canon));
	c->pending++;
	return (h.low64 & c->mask) == 0;
}

dgp_chunk_fp_t dgp_chunker_close(dgp_chunker_t *c, uint64_t *records)
{
	XXH128_hash_t h = XXH3_128bits_digest(c->st);
	if (records)
		*records = c->pending;
	c->pending = 0;
	XXH3_128bits_reset(c->st);
	return (dgp_chunk_fp_t){h.high64, h.low64};
}

uint64_t dgp_chunker_pending(const dgp_chunker_t *c)
{
	return c->pending;
}

/* Each part length-prefixed, so no two different contexts stream the same bytes. */
static void ctx_str(XXH3_state_t *st, const char *s, size_t len)
{
	uint64_t l = s ? (uint64_t)len : UINT64_MAX;
	XXH3_128bits_update(st, &l, sizeof(l));
	if (s && len)
		XXH3_128bits_update(st, s, len);
}

static void ctx_cstr(XXH3_state_t *st, const char *s)
{
	ctx_str(st, s, s ? strlen(s) : 0);
}

dgp_chunk_fp_t dgp_chunk_context(const dgp_schema_t *schema, const char *opts, const char *header,
                                 size_t header_len)
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		dgp_oom(0, "xxh3 state");
	XXH3_128bits_reset(st);
	ctx_cstr(st, DGP_VERSION);
	ctx_cstr(st, opts);
	ctx_str(st, header, header_len);
	ctx_cstr(st, schema->resource_code);
	ctx_cstr(st, schema->table);
	for (size_t i = 0; i < schema->nfields; i++) {
		const dgp_field_spec_t *f = &schema->fields[i];
		ctx_cstr(st, f->source_name);
		ctx_cstr(st, f->column);
		ctx_cstr(st, f->pg_type);
		const dgp_norm_rule_t *r = f->rule;
		char args[256];
		snprintf(args, sizeof(args), "%d %d %u %d %d %d %d %lld %lld %d %d",
		         (int)f->required, (int)f->key, r ? r->max_chars : 0, r ? r->min_date : 0,
		         r ? r->max_date : 0, r ? (int)r->long_term : 0, r ? r->scale : 0,
		         r ? (long long)r->min : 0, r ? (long long)r->max : 0,
		         r ? (int)r->has_range : 0, r ? (int)r->region_current_only : 0);
		ctx_cstr(st, args);
		ctx_cstr(st, r ? r->name : NULL);
		ctx_cstr(st, r ? r->charset : NULL);
		ctx_cstr(st, r ? r->allow_pairs : NULL);
	}
	for (size_t k = 0; k < schema->nkeys; k++)
		XXH3_128bits_update(st, &schema->key_fields[k], sizeof(schema->key_fields[k]));
	XXH128_hash_t h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	return (dgp_chunk_fp_t){h.high64, h.low64};
}

/* ---- the set ------------------------------------------------------------- */

struct dgp_chunk_set {
	dgp_chunk_fp_t *slot;
	size_t cap; /* power of two, at most half full */
	size_t n;
	bool has_zero;
};

static bool fp_zero(dgp_chunk_fp_t fp)
{
	return fp.hi == 0 && fp.lo == 0;
}

dgp_chunk_set_t *dgp_chunk_set_new(size_t expected)
{
	dgp_chunk_set_t *s = dgp_xcalloc(1, sizeof(*s));
	s->cap = 16;
	while (s->cap < 2 * expected)
		s->cap <<= 1;
	s->slot = dgp_xcalloc(s->cap, sizeof(*s->slot));
	return s;
}

void dgp_chunk_set_destroy(dgp_chunk_set_t *s)
{
	if (!s)
		return;
	free(s->slot);
	free(s);
}

/* The slot holding fp, or the empty slot where it would go. */
static size_t find(const dgp_chunk_set_t *s, dgp_chunk_fp_t fp)
{
	size_t m = s->cap - 1;
	for (size_t i = (size_t)(fp.lo ^ fp.hi) & m;; i = (i + 1) & m) {
		const dgp_chunk_fp_t *e = &s->slot[i];
		if (fp_zero(*e) || (e->hi == fp.hi && e->lo == fp.lo))
			return i;
	}
}

static void grow(dgp_chunk_set_t *s)
{
	dgp_chunk_fp_t *old = s->slot;
	size_t oldcap = s->cap;
	s->cap <<= 1;
	s->slot = dgp_xcalloc(s->cap, sizeof(*s->slot));
	for (size_t i = 0; i < oldcap; i++)
		if (!fp_zero(old[i]))
			s->slot[find(s, old[i])] = old[i];
	free(old);
}

void dgp_chunk_set_add(dgp_chunk_set_t *s, dgp_chunk_fp_t fp)
{
	if (fp_zero(fp)) {
		s->n += !s->has_zero;
		s->has_zero = true;
		return;
	}
	if (2 * (s->n + 1) > s->cap)
		grow(s);
	size_t i = find(s, fp);
	if (fp_zero(s->slot[i])) {
		s->slot[i] = fp;
		s->n++;
	}
}

bool dgp_chunk_set_has(const dgp_chunk_set_t *s, dgp_chunk_fp_t fp)
{
	if (fp_zero(fp))
		return s->has_zero;
	return !fp_zero(s->slot[find(s, fp)]);
}

size_t dgp_chunk_set_count(const dgp_chunk_set_t *s)
{
	return s->n;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void *dgp_chunk_set_bytes(const dgp_chunk_set_t *s, size_t *len)
{
	unsigned char *out = dgp_xmalloc(s->n * DGP_CHUNK_FP_BYTES + 1);
	size_t o = 0;
	if (s->has_zero) {
		memset(out, 0, DGP_CHUNK_FP_BYTES);
		o += DGP_CHUNK_FP_BYTES;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (fp_zero(s->slot[i]))
			continue;
		put_be64(out + o, s->slot[i].hi);
		put_be64(out + o + 8, s->slot[i].lo);
		o += DGP_CHUNK_FP_BYTES;
	}
	*len = o;
	return out;
}

dgp_err_t dgp_chunk_set_from_bytes(const void *p, size_t len, dgp_chunk_set_t **out, char *errstr,
                                   size_t errstr_size)
{
	if (len % DGP_CHUNK_FP_BYTES) {
		snprintf(errstr, errstr_size,
		         "chunk fingerprints: %zu bytes is not a multiple of %d (damaged row)", len,
		         DGP_CHUNK_FP_BYTES);
		return DGP_ERR_PARSE;
	}
	const unsigned char *b = p;
	dgp_chunk_set_t *s = dgp_chunk_set_new(len / DGP_CHUNK_FP_BYTES);
	for (size_t o = 0; o < len; o += DGP_CHUNK_FP_BYTES)
		dgp_chunk_set_add(s, (dgp_chunk_fp_t){get_be64(b + o), get_be64(b + o + 8)});
	*out = s;
	return DGP_OK;
}
