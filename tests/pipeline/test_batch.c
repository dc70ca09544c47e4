/*
 * test_batch.c — the batch's classification and write set, with two small
 * test rules (so it does not depend on the real normalisers):
 *   digits  keeps [0-9], rejects anything else with "format"
 *   upper   ASCII upper-case, rejects "BAD" with "not_in_list"
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dgp_batch.h"

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
	if (len == 3 && memcmp(out, "BAD", 3) == 0)
		return dgp_norm_reject(res, DGP_REASON_NOT_IN_LIST);
	*res = (dgp_norm_result_t){.len = len, .flags = len > 5 ? DGP_NF_WIDTH_FOLDED : 0};
	return DGP_REASON_OK;
}

static const dgp_norm_rule_t digits = {.name = "digits", .fn = rule_digits};
static const dgp_norm_rule_t upper = {.name = "upper", .fn = rule_upper};

/* id (key, digits), name (required, upper), note (optional, upper) */
static const dgp_field_spec_t fields[] = {
    {"编号", "ID", "id", "text", &digits, true, true, NULL, 0},
    {"名称", "NAME", "name", "text", &upper, true, false, NULL, 0},
    {"备注", "NOTE", "note", "text", &upper, false, false, NULL, 0},
};
static const size_t key_fields[] = {0};
static const dgp_schema_t schema = {
    "900001/000001", "测试资源", "test_res", DGP_BASE_NONE, 3, fields, 1,
    key_fields,      0,          NULL,       NULL};

static dgp_norm_ctx_t ctx = {.today = 20261127, .utc_offset_min = 480};
static int64_t line;

static dgp_record_t *add(dgp_batch_t *b, const dgp_dedup_t *cache, const char *id, const char *name,
                         const char *note)
{
	dgp_slice_t v[3] = {{id, id ? strlen(id) : 0},
	                    {name, name ? strlen(name) : 0},
	                    {note, note ? strlen(note) : 0}};
	dgp_origin_t o = {"t.csv", -1, line * 10, line, line * 10 + 10};
	line++;
	return dgp_batch_add(b, cache, &ctx, &o, "raw", 3, v, DGP_REASON_OK, NULL);
}

Test(batch, the_last_version_of_a_key_is_classified_and_written)
{
	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	dgp_record_t *r1 = add(b, NULL, "1", "a", NULL);
	dgp_record_t *r2 = add(b, NULL, "1", "a", NULL);
	dgp_record_t *r3 = add(b, NULL, "1", "b", NULL);
	dgp_record_t *r4 = add(b, NULL, "2", "x", "n");
	cr_expect_eq(r1->cls, DGP_DEDUP_DUPLICATE, "superseded by r3");
	cr_expect_eq(r2->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(r3->cls, DGP_DEDUP_NEW, "the last version meets an empty cache");
	cr_expect_eq(r4->cls, DGP_DEDUP_NEW);
	dgp_record_t **ins, **mrg;
	size_t ni, nm;
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	cr_assert_eq(ni, 2);
	cr_expect_eq(nm, 0);
	cr_expect_eq(ins[0], r3, "only the last version of key 1 is written");
	cr_expect_eq(ins[1], r4);
	cr_expect_eq(r3->vals[1].len, 1);
	cr_expect_eq(memcmp(r3->vals[1].p, "B", 1), 0);
	const dgp_batch_counts_t *c = dgp_batch_counts(b);
	cr_expect_eq(c->read, 4);
	cr_expect_eq(c->cls[DGP_DEDUP_NEW], 2);
	cr_expect_eq(c->cls[DGP_DEDUP_DUPLICATE], 2);
	cr_expect_eq(c->cls[DGP_DEDUP_CHANGED], 0);
	cr_expect_eq(c->cls[DGP_DEDUP_UNCHANGED], 0);
	dgp_batch_destroy(b);
}

/*
 * A file with in-file versions, loaded and then reloaded against the state
 * the load left (the warm cache of a new run): the reload classifies every
 * key UNCHANGED and writes nothing, whatever versions the batch holds.
 *   key 1: a, b, a      key 2: x, y      key 3: p      key 4: m, m
 */
Test(batch, a_reload_with_in_file_versions_writes_nothing)
{
	static const char *const rows[][2] = {{"1", "a"}, {"2", "x"}, {"1", "b"}, {"3", "p"},
	                                      {"2", "y"}, {"4", "m"}, {"1", "a"}, {"4", "m"}};
	static const dgp_dedup_class_t first[] = {
	    DGP_DEDUP_DUPLICATE, DGP_DEDUP_DUPLICATE, DGP_DEDUP_DUPLICATE, DGP_DEDUP_NEW,
	    DGP_DEDUP_NEW,       DGP_DEDUP_NEW,       DGP_DEDUP_NEW,       DGP_DEDUP_DUPLICATE};
	static const dgp_dedup_class_t again[] = {
	    DGP_DEDUP_DUPLICATE, DGP_DEDUP_DUPLICATE, DGP_DEDUP_DUPLICATE, DGP_DEDUP_UNCHANGED,
	    DGP_DEDUP_UNCHANGED, DGP_DEDUP_UNCHANGED, DGP_DEDUP_UNCHANGED, DGP_DEDUP_DUPLICATE};
	const size_t n = sizeof(rows) / sizeof(rows[0]);
	dgp_dedup_t *run1 = dgp_dedup_new(0);
	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	dgp_record_t *recs[8];
	for (size_t i = 0; i < n; i++)
		recs[i] = add(b, run1, rows[i][0], rows[i][1], NULL);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(recs[i]->cls, first[i], "first load, row %zu: %s", i,
		             dgp_dedup_class_name(recs[i]->cls));
	dgp_record_t **ins, **mrg;
	size_t ni, nm;
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	cr_assert_eq(ni, 4);
	cr_expect_eq(nm, 0);
	cr_expect_eq(ins[0], recs[3]);
	cr_expect_eq(ins[1], recs[4]);
	cr_expect_eq(ins[2], recs[5], "key 4: the first record of its final content");
	cr_expect_eq(ins[3], recs[6]);

	/* The next run warms its cache from what the first load wrote. */
	dgp_dedup_t *warm = dgp_dedup_new(0);
	for (size_t i = 0; i < ni; i++)
		dgp_dedup_put(warm, ins[i]->key_hash, ins[i]->content_hash, false);
	dgp_batch_reset(b);
	for (size_t i = 0; i < n; i++)
		recs[i] = add(b, warm, rows[i][0], rows[i][1], NULL);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(recs[i]->cls, again[i], "reload, row %zu: %s", i,
		             dgp_dedup_class_name(recs[i]->cls));
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	cr_expect_eq(ni + nm, 0, "an identical reload writes nothing");
	const dgp_batch_counts_t *c = dgp_batch_counts(b);
	cr_expect_eq(c->cls[DGP_DEDUP_NEW], 0);
	cr_expect_eq(c->cls[DGP_DEDUP_CHANGED], 0);
	cr_expect_eq(c->cls[DGP_DEDUP_UNCHANGED], 4);
	cr_expect_eq(c->cls[DGP_DEDUP_DUPLICATE], 4);

	/* A reload whose key 2 now ends on x: one merge, the superseded y a duplicate. */
	dgp_batch_reset(b);
	dgp_record_t *x = add(b, warm, "2", "y", NULL);
	dgp_record_t *y = add(b, warm, "2", "x", NULL);
	cr_expect_eq(x->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(y->cls, DGP_DEDUP_CHANGED);
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	cr_expect_eq(ni, 0);
	cr_assert_eq(nm, 1);
	cr_expect_eq(mrg[0], y);
	dgp_batch_destroy(b);
	dgp_dedup_destroy(warm);
	dgp_dedup_destroy(run1);
}

Test(batch, second_batch_against_the_cache)
{
	dgp_dedup_t *cache = dgp_dedup_new(0);
	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	add(b, cache, "1", "a", NULL);
	add(b, cache, "2", "b", NULL);
	dgp_batch_commit_cache(b, cache);
	dgp_batch_reset(b);

	dgp_record_t *u = add(b, cache, "1", "a", NULL); /* same as batch 1: seen this run */
	dgp_record_t *c = add(b, cache, "2", "c", NULL);
	dgp_record_t *n = add(b, cache, "3", "d", NULL);
	cr_expect_eq(u->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(c->cls, DGP_DEDUP_CHANGED);
	cr_expect_eq(n->cls, DGP_DEDUP_NEW);
	dgp_record_t **ins, **mrg;
	size_t ni, nm;
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	cr_assert_eq(ni, 1);
	cr_assert_eq(nm, 1);
	cr_expect_eq(ins[0], n);
	cr_expect_eq(mrg[0], c);
	dgp_batch_destroy(b);

	/* A warm-loaded key (before this run) is UNCHANGED, then DUPLICATE. */
	dgp_dedup_t *warm = dgp_dedup_new(0);
	dgp_batch_t *w = dgp_batch_new(&schema, 100, ~0ull);
	dgp_record_t *probe = add(w, NULL, "7", "z", NULL);
	dgp_dedup_put(warm, probe->key_hash, probe->content_hash, false);
	dgp_batch_reset(w);
	cr_expect_eq(add(w, warm, "7", "z", NULL)->cls, DGP_DEDUP_UNCHANGED);
	cr_expect_eq(add(w, warm, "7", "z", NULL)->cls, DGP_DEDUP_DUPLICATE);
	dgp_batch_writes(w, &ins, &ni, &mrg, &nm);
	cr_expect_eq(ni + nm, 0, "unchanged records cost PostgreSQL nothing");
	dgp_batch_commit_cache(w, warm);
	dgp_batch_reset(w);
	cr_expect_eq(add(w, warm, "7", "z", NULL)->cls, DGP_DEDUP_DUPLICATE);
	dgp_batch_destroy(w);
	dgp_dedup_destroy(warm);
	dgp_dedup_destroy(cache);
}

Test(batch, a_deferred_batch_is_classified_against_the_cache_as_it_stands_at_classify)
{
	dgp_dedup_t *cache = dgp_dedup_new(0);
	dgp_batch_t *b1 = dgp_batch_new(&schema, 100, ~0ull);
	dgp_batch_t *b2 = dgp_batch_new(&schema, 100, ~0ull);
	dgp_batch_set_deferred(b2, true);
	add(b1, cache, "1", "a", NULL);
	add(b1, cache, "2", "b", NULL);
	/* b2 filled while b1 is not committed yet: nothing classified */
	dgp_record_t *c = add(b2, NULL, "1", "x", NULL);
	dgp_record_t *d = add(b2, NULL, "2", "b", NULL);
	dgp_record_t *c2 = add(b2, NULL, "1", "y", NULL);
	dgp_record_t *n = add(b2, NULL, "3", "z", NULL);
	cr_expect_eq(dgp_batch_counts(b2)->read, 4);
	cr_expect_eq(dgp_batch_counts(b2)->cls[DGP_DEDUP_NEW], 0);
	dgp_batch_commit_cache(b1, cache);
	dgp_batch_classify(b2, cache);
	cr_expect_eq(c->cls, DGP_DEDUP_DUPLICATE); /* superseded by c2 in the batch */
	cr_expect_eq(d->cls, DGP_DEDUP_DUPLICATE); /* what b1 wrote */
	cr_expect_eq(c2->cls, DGP_DEDUP_CHANGED);  /* new in b1, changed here: never new twice */
	cr_expect_eq(n->cls, DGP_DEDUP_NEW);
	const dgp_batch_counts_t *k = dgp_batch_counts(b2);
	cr_expect_eq(k->cls[DGP_DEDUP_NEW], 1);
	cr_expect_eq(k->cls[DGP_DEDUP_CHANGED], 1);
	cr_expect_eq(k->cls[DGP_DEDUP_DUPLICATE], 2);
	cr_expect_eq(k->repeated, 3);
	dgp_record_t **ins, **mrg;
	size_t ni, nm;
	dgp_batch_writes(b2, &ins, &ni, &mrg, &nm);
	cr_assert_eq(ni, 1);
	cr_assert_eq(nm, 1);
	cr_expect_eq(ins[0], n);
	cr_expect_eq(mrg[0], c2);
	/* a record added after classifying is classified by the next call alone */
	dgp_record_t *e = add(b2, NULL, "3", "w", NULL);
	dgp_batch_classify(b2, cache);
	cr_expect_eq(e->cls, DGP_DEDUP_NEW);
	cr_expect_eq(n->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(dgp_batch_counts(b2)->cls[DGP_DEDUP_NEW], 1);
	dgp_batch_destroy(b1);
	dgp_batch_destroy(b2);
	dgp_dedup_destroy(cache);
}

Test(batch, rejects_record_level_and_field_level)
{
	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	dgp_record_t *k = add(b, NULL, "12a", "n", NULL);
	cr_expect_eq(k->reason, DGP_REASON_FORMAT);
	cr_expect_eq(k->reject_field, 0);
	dgp_record_t *e = add(b, NULL, "   ", "n", NULL);
	cr_expect_eq(e->reason, DGP_REASON_EMPTY, "blank key is empty");
	dgp_record_t *m = add(b, NULL, "5", NULL, NULL);
	cr_expect_eq(m->reason, DGP_REASON_EMPTY);
	cr_expect_eq(m->reject_field, 1);
	/* Optional field invalid: the record loads with NULL, the value is a field reject. */
	dgp_record_t *f = add(b, NULL, "6", "ok", "bad");
	cr_expect_eq(f->reason, DGP_REASON_OK);
	cr_expect_null(f->vals[2].p);
	/* Optional invalid, then a required field fails: only the record reject remains. */
	dgp_record_t *g = add(b, NULL, "7x", "ok", "bad");
	cr_expect_eq(g->reason, DGP_REASON_FORMAT);
	size_t nf;
	const dgp_field_reject_t *fr = dgp_batch_field_rejects(b, &nf);
	cr_assert_eq(nf, 1);
	cr_expect_eq(fr[0].rec, f);
	cr_expect_eq(fr[0].field, 2);
	cr_expect_eq(fr[0].reason, DGP_REASON_NOT_IN_LIST);
	cr_expect_eq(fr[0].raw.len, 3);
	/* A parser-level reject. */
	dgp_origin_t o = {"t.csv", -1, 0, 99, 10};
	dgp_record_t *p = dgp_batch_add(b, NULL, &ctx, &o, "{oops", 5, NULL, DGP_REASON_MALFORMED,
	                                "unexpected end of input at byte 5");
	cr_expect_eq(p->reason, DGP_REASON_MALFORMED);
	cr_expect_str_eq(p->reject_detail, "unexpected end of input at byte 5");
	cr_expect_eq(p->raw.len, 5);
	const dgp_batch_counts_t *c = dgp_batch_counts(b);
	cr_expect_eq(c->read, 6);
	cr_expect_eq(c->parsed, 5);
	cr_expect_eq(c->rejected, 5);
	cr_expect_eq(c->field_rejects, 1);
	cr_expect_eq(c->by_reason[DGP_REASON_FORMAT], 2);
	cr_expect_eq(c->by_reason[DGP_REASON_EMPTY], 2);
	cr_expect_eq(c->by_reason[DGP_REASON_NOT_IN_LIST], 1);
	cr_expect_eq(c->by_reason[DGP_REASON_MALFORMED], 1);
	const dgp_field_count_t *fc = dgp_batch_field_counts(b);
	cr_expect_eq(fc[2].present, 2, "fields after a record-level reject are counted too");
	cr_expect_eq(fc[2].valid, 0);
	dgp_batch_destroy(b);
}

Test(batch, null_differs_from_empty_in_content_hash)
{
	dgp_batch_t *b = dgp_batch_new(&schema, 10, ~0ull);
	dgp_record_t *a = add(b, NULL, "1", "x", NULL);
	dgp_record_t *c = add(b, NULL, "2", "x", "y");
	cr_expect_neq(a->content_hash, c->content_hash);
	cr_expect_eq(a->content_hash & 1, 0, "low bit belongs to the cache");
	dgp_batch_destroy(b);
}

Test(batch, forced_key_hash_collisions_never_lose_a_change, .timeout = 60)
{
	/* Mask 0x3: only four key hashes for 1000 keys.  Every record must be
	 * written once, and every change must reach a write, in every batch. */
	dgp_dedup_t *cache = dgp_dedup_new(0);
	dgp_batch_t *b = dgp_batch_new(&schema, 1000, 0x3);
	char id[16], name[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "%d", i);
		add(b, cache, id, "v", NULL);
	}
	dgp_record_t **ins, **mrg;
	size_t ni, nm;
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	cr_expect_eq(ni + nm, 1000, "inside a batch keys are compared by bytes");
	cr_expect_eq(ni, 1000);
	dgp_batch_commit_cache(b, cache);
	dgp_batch_reset(b);
	/* Batch 2: every key changes.  The cache confuses keys, but every
	 * record must still be written (as a merge, resolved by the real key). */
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "%d", i);
		snprintf(name, sizeof(name), "v%d", i);
		add(b, cache, id, name, NULL);
	}
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	cr_expect_eq(ni + nm, 1000, "no change lost: %zu inserts + %zu merges", ni, nm);
	cr_expect_eq(nm, 1000, "the cache knows the colliding hashes: merge path");
	dgp_batch_commit_cache(b, cache);
	dgp_batch_reset(b);
	/* Batch 3: half the keys change back.  A collision can make an unchanged
	 * key look changed (an extra merge), never a changed key look unchanged. */
	size_t changed = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "%d", i);
		snprintf(name, sizeof(name), i % 2 ? "w%d" : "v%d", i);
		changed += i % 2;
		add(b, cache, id, name, NULL);
	}
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	size_t odd_written = 0;
	for (size_t i = 0; i < nm; i++)
		odd_written += mrg[i]->vals[1].p[0] == 'W';
	cr_expect_eq(odd_written, changed, "every changed record reaches the merge path");
	dgp_batch_destroy(b);
	dgp_dedup_destroy(cache);
}

/* A record PostgreSQL refused becomes a reject of the batch: counts move, its key stays out of the
 * cache. */
Test(batch, a_refused_record_is_a_reject_and_stays_out_of_the_cache)
{
	dgp_dedup_t *cache = dgp_dedup_new(0);
	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	add(b, cache, "1", "a", NULL);
	add(b, cache, "2", "b", NULL);
	dgp_batch_commit_cache(b, cache);
	dgp_batch_reset(b);

	dgp_record_t *changed = add(b, cache, "1", "a2", NULL);
	dgp_record_t *fresh = add(b, cache, "3", "c", NULL);
	dgp_record_t *ok = add(b, cache, "4", "d", NULL);
	cr_assert_eq(changed->cls, DGP_DEDUP_CHANGED);
	cr_assert_eq(fresh->cls, DGP_DEDUP_NEW);
	dgp_batch_refuse(b, changed, DGP_REASON_DB_REFUSED,
	                 "23514: new row violates check constraint");
	dgp_batch_refuse(b, fresh, DGP_REASON_DB_REFUSED, "22001: value too long");
	dgp_batch_refuse(b, fresh, DGP_REASON_DB_REFUSED, "twice"); /* no effect */
	const dgp_batch_counts_t *c = dgp_batch_counts(b);
	cr_expect_eq(c->read, 3);
	cr_expect_eq(c->cls[DGP_DEDUP_NEW], 1);
	cr_expect_eq(c->cls[DGP_DEDUP_CHANGED], 0);
	cr_expect_eq(c->rejected, 2);
	cr_expect_eq(c->by_reason[DGP_REASON_DB_REFUSED], 2);
	cr_expect_eq(changed->reason, DGP_REASON_DB_REFUSED);
	cr_expect_eq(changed->reject_field, -1);
	cr_expect_str_eq(fresh->reject_detail, "22001: value too long");
	dgp_record_t **ins, **mrg;
	size_t nins, nmrg;
	dgp_batch_writes(b, &ins, &nins, &mrg, &nmrg);
	cr_expect_eq(nins, 1);
	cr_expect_eq(nmrg, 0);
	cr_expect_eq(ins[0], ok);
	dgp_batch_commit_cache(b, cache);
	dgp_batch_reset(b);

	/* the cache still holds key 1's old content (seen this run) and knows nothing of key 3 */
	cr_expect_eq(add(b, cache, "1", "a", NULL)->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(add(b, cache, "3", "c", NULL)->cls, DGP_DEDUP_NEW);
	cr_expect_eq(add(b, cache, "4", "d", NULL)->cls, DGP_DEDUP_DUPLICATE);
	dgp_batch_destroy(b);
	dgp_dedup_destroy(cache);
}

/*
 * Field counts: every field of every record parsed into fields, also after
 * a key or required field rejected the record; records rejected before
 * parsing count in no field.  Expected counts worked out by hand below.
 */
Test(batch, field_counts_cover_every_field_of_every_parsed_record)
{
	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	add(b, NULL, "1", "a", "n");     /* ok: 3 present, 3 valid */
	add(b, NULL, "x", "b", "bad");   /* key format: name, note still counted */
	add(b, NULL, NULL, "c", "n");    /* key empty: name, note still counted */
	add(b, NULL, "2", NULL, "n");    /* name empty: id and note counted */
	add(b, NULL, "3", "BAD", "BAD"); /* name not_in_list: note counted, no field reject */
	add(b, NULL, "4", "d", "BAD");   /* ok, note rejected (field reject) */
	dgp_origin_t o = {"t.csv", -1, 0, 99, 10};
	dgp_batch_add(b, NULL, &ctx, &o, "\xff", 1, NULL, DGP_REASON_CHARSET, "invalid UTF-8");
	dgp_batch_add(b, NULL, &ctx, &o, "x", 1, NULL, DGP_REASON_TOO_LONG, NULL);
	dgp_batch_add(b, NULL, &ctx, &o, "{", 1, NULL, DGP_REASON_MALFORMED, NULL);
	const dgp_batch_counts_t *c = dgp_batch_counts(b);
	cr_expect_eq(c->read, 9);
	cr_expect_eq(c->parsed, 6);
	cr_expect_eq(c->rejected, 7);
	cr_expect_eq(c->by_reason[DGP_REASON_FORMAT], 1);
	cr_expect_eq(c->by_reason[DGP_REASON_EMPTY], 2);
	cr_expect_eq(c->by_reason[DGP_REASON_NOT_IN_LIST], 2); /* the name, and rec 6's note */
	cr_expect_eq(c->field_rejects, 1);
	size_t nfr;
	dgp_batch_field_rejects(b, &nfr);
	cr_expect_eq(nfr, 1);
	const dgp_field_count_t *f = dgp_batch_field_counts(b);
	/* id: present in 1,x,2,3,4 (5); valid 1,2,3,4 (4) */
	cr_expect_eq(f[0].present, 5);
	cr_expect_eq(f[0].valid, 4);
	/* name: present a,b,c,BAD,d (5); valid a,b,c,d (4) */
	cr_expect_eq(f[1].present, 5);
	cr_expect_eq(f[1].valid, 4);
	/* note: present in all 6; valid n,n,n (3) */
	cr_expect_eq(f[2].present, 6);
	cr_expect_eq(f[2].valid, 3);
	dgp_batch_destroy(b);
}

/* A NUL in a value (JSON \u0000): charset, as a field reject in an optional
 * field (the record loads), as the record's reject in a required one. */
Test(batch, a_nul_in_a_value_is_charset_like_any_bad_value)
{
	dgp_batch_t *b = dgp_batch_new(&schema, 10, ~0ull);
	dgp_slice_t v[3] = {{"1", 1}, {"a", 1}, {"x\0y", 3}};
	dgp_origin_t o = {"t.jsonl", -1, 0, 1, 10};
	dgp_record_t *r = dgp_batch_add(b, NULL, &ctx, &o, "raw", 3, v, DGP_REASON_OK, NULL);
	cr_expect_eq(r->reason, DGP_REASON_OK);
	cr_expect_null(r->vals[2].p);
	size_t n;
	const dgp_field_reject_t *fr = dgp_batch_field_rejects(b, &n);
	cr_assert_eq(n, 1);
	cr_expect_eq(fr[0].reason, DGP_REASON_CHARSET);
	cr_expect_eq(fr[0].field, 2);
	dgp_slice_t w[3] = {{"2", 1}, {"a\0", 2}, {NULL, 0}};
	r = dgp_batch_add(b, NULL, &ctx, &o, "raw", 3, w, DGP_REASON_OK, NULL);
	cr_expect_eq(r->reason, DGP_REASON_CHARSET);
	cr_expect_eq(r->reject_field, 1);
	dgp_batch_destroy(b);
}

/* A money field allowing foreign currencies: its code lands in the companion column after the
 * fields. */
Test(batch, a_currency_companion_holds_the_amounts_code_or_null)
{
	static dgp_norm_rule_t money = {.name = "money", .fn = dgp_norm_money};
	money.currencies = "any";
	const dgp_field_spec_t mf[] = {
	    {"编号", "ID", "id", "text", &digits, true, true, NULL, 0},
	    {"注册资本", "ZCZB", "zczb", "numeric(20,2)", &money, false, false, NULL, 0},
	};
	const dgp_companion_t comp[] = {{1, "zczb_currency", "character(3)"}};
	const dgp_schema_t ms = {"900001/000002", "外资", "wz", DGP_BASE_NONE, 2, mf, 1,
	                         key_fields,      1,      comp, NULL};
	dgp_batch_t *b = dgp_batch_new(&ms, 8, ~0ull);
	dgp_origin_t o = {.source = "t", .partition = -1, .offset = 0, .line = 1};
	const char *amounts[] = {"100万美元", "100万日元", "", "12元"};
	const char *want[][2] = {
	    {"1000000.00", "USD"}, {"1000000.00", "JPY"}, {NULL, NULL}, {"12.00", "CNY"}};
	uint64_t hashes[4];
	for (int i = 0; i < 4; i++) {
		dgp_slice_t v[2] = {{"1", 1}, {amounts[i], strlen(amounts[i])}};
		dgp_record_t *r =
		    dgp_batch_add(b, NULL, &ctx, &o, "raw", 3, v, DGP_REASON_OK, NULL);
		cr_assert_eq(r->reason, DGP_REASON_OK);
		for (int c = 0; c < 2; c++) {
			dgp_slice_t got = r->vals[1 + c];
			if (!want[i][c])
				cr_expect_null(got.p, "record %d column %d", i, c);
			else
				cr_expect(got.p && got.len == strlen(want[i][c]) &&
				              memcmp(got.p, want[i][c], got.len) == 0,
				          "record %d column %d: %.*s", i, c, (int)got.len, got.p);
		}
		hashes[i] = r->content_hash;
	}
	/* the same amount in another currency is other content */
	cr_expect_neq(hashes[0], hashes[1]);
	dgp_batch_destroy(b);
}

static dgp_record_t *del(dgp_batch_t *b, const dgp_dedup_t *cache, const char *id)
{
	dgp_slice_t v[3] = {{id, id ? strlen(id) : 0}, {NULL, 0}, {NULL, 0}};
	dgp_origin_t o = {"t.csv", -1, line * 10, line, line * 10 + 10};
	line++;
	return dgp_batch_add_op(b, DGP_OP_DELETE, cache, &ctx, &o, "raw", 3, v, DGP_REASON_OK,
	                        NULL);
}

/*
 * A delete is a version of its key: the last version wins.  Against a
 * cache holding keys 1, 2 and 3 (PostgreSQL has them):
 *   key 1: upsert a, delete          → the delete
 *   key 2: delete, upsert b (stored) → unchanged: nothing to write
 *   key 3: delete, upsert q (new)    → changed: merged
 *   key 4: delete, delete            → one delete (the first), one duplicate
 *   key 5: delete, upsert z          → new: inserted (5 is not stored)
 * A required non-key field is not needed in a delete.
 */
Test(batch, a_delete_is_a_version_of_its_key_and_the_last_version_wins)
{
	dgp_dedup_t *cache = dgp_dedup_new(0);
	dgp_batch_t *seed = dgp_batch_new(&schema, 100, ~0ull);
	add(seed, NULL, "1", "a", NULL);
	add(seed, NULL, "2", "b", NULL);
	add(seed, NULL, "3", "p", NULL);
	dgp_batch_commit_cache(seed, cache);
	dgp_dedup_t *fresh = dgp_dedup_new(0); /* a warm start: stored before this run */
	for (size_t i = 0; i < 3; i++) {
		uint64_t c;
		dgp_record_t *r = dgp_batch_record(seed, i);
		cr_assert(dgp_dedup_get(cache, r->key_hash, &c, NULL));
		dgp_dedup_put(fresh, r->key_hash, c, false);
	}

	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	dgp_record_t *r1a = add(b, fresh, "1", "a", NULL);
	dgp_record_t *r1d = del(b, fresh, "1");
	dgp_record_t *r2d = del(b, fresh, "2");
	dgp_record_t *r2b = add(b, fresh, "2", "b", NULL);
	dgp_record_t *r3d = del(b, fresh, "3");
	dgp_record_t *r3q = add(b, fresh, "3", "q", NULL);
	dgp_record_t *r4d = del(b, fresh, "4");
	dgp_record_t *r4e = del(b, fresh, "4");
	dgp_record_t *r5d = del(b, fresh, "5");
	dgp_record_t *r5z = add(b, fresh, "5", "z", NULL);

	cr_expect_eq(r1a->cls, DGP_DEDUP_DUPLICATE, "superseded by the delete");
	cr_expect_eq(r1d->op, DGP_OP_DELETE);
	cr_expect_eq(r1d->reason, DGP_REASON_OK, "a delete needs no required non-key field");
	cr_expect_eq(r2d->cls, DGP_DEDUP_DUPLICATE, "superseded by the insert");
	cr_expect_eq(r2b->cls, DGP_DEDUP_UNCHANGED);
	cr_expect_eq(r3d->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(r3q->cls, DGP_DEDUP_CHANGED);
	cr_expect_eq(r4e->cls, DGP_DEDUP_DUPLICATE, "a second delete in a row");
	cr_expect_eq(r5d->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(r5z->cls, DGP_DEDUP_NEW);

	dgp_record_t **ins, **mrg;
	size_t ni, nm, nd;
	dgp_batch_writes(b, &ins, &ni, &mrg, &nm);
	dgp_record_t **dels = dgp_batch_deletes(b, &nd);
	cr_assert_eq(ni, 1);
	cr_expect_eq(ins[0], r5z);
	cr_assert_eq(nm, 1);
	cr_expect_eq(mrg[0], r3q, "key 3 was stored: the merge path");
	cr_assert_eq(nd, 2);
	cr_expect_eq(dels[0], r1d);
	cr_expect_eq(dels[1], r4d,
	             "a key the cache does not know is deleted too (PostgreSQL decides)");
	cr_expect_eq(dels[1]->key.len, 1);
	cr_expect_eq(memcmp(dels[1]->key.p, "4", 1), 0);

	const dgp_batch_counts_t *c = dgp_batch_counts(b);
	cr_expect_eq(c->read, 10);
	cr_expect_eq(c->deletes, 2);
	cr_expect_eq(c->cls[DGP_DEDUP_DUPLICATE], 5);
	cr_expect_eq(c->cls[DGP_DEDUP_UNCHANGED], 1);
	cr_expect_eq(c->cls[DGP_DEDUP_CHANGED], 1);
	cr_expect_eq(c->cls[DGP_DEDUP_NEW], 1);
	cr_expect_eq(c->rejected, 0);
	cr_expect_eq(c->parsed, 4, "a delete is counted in no field");

	/* After COMMIT: the deleted key is forgotten, so its next record is NEW again. */
	dgp_batch_commit_cache(b, fresh);
	cr_expect_not(dgp_dedup_get(fresh, r1d->key_hash, NULL, NULL));
	cr_expect(dgp_dedup_get(fresh, r3q->key_hash, NULL, NULL));
	dgp_batch_reset(b);
	dgp_record_t *again = add(b, fresh, "1", "a", NULL);
	cr_expect_eq(again->cls, DGP_DEDUP_NEW);
	dgp_batch_destroy(b);
	dgp_batch_destroy(seed);
	dgp_dedup_destroy(cache);
	dgp_dedup_destroy(fresh);
}

/* A delete's key is normalised by its field's rule: an invalid or empty one rejects it. */
Test(batch, a_delete_with_a_bad_key_is_rejected_with_the_fields_reason)
{
	dgp_batch_t *b = dgp_batch_new(&schema, 100, ~0ull);
	dgp_record_t *bad = del(b, NULL, "1x");
	dgp_record_t *empty = del(b, NULL, " ");
	cr_expect_eq(bad->reason, DGP_REASON_FORMAT);
	cr_expect_eq(bad->reject_field, 0);
	cr_expect_eq(empty->reason, DGP_REASON_EMPTY);
	size_t nd;
	dgp_batch_deletes(b, &nd);
	cr_expect_eq(nd, 0);
	const dgp_batch_counts_t *c = dgp_batch_counts(b);
	cr_expect_eq(c->rejected, 2);
	cr_expect_eq(c->deletes, 0);
	dgp_batch_destroy(b);
}

/* The content hash input, column by column: a 4-byte length (0xFFFFFFFF for NULL), the bytes. */
static size_t put_col(char *o, const char *v)
{
	uint32_t l = v ? (uint32_t)strlen(v) : 0xFFFFFFFFu;
	memcpy(o, &l, 4);
	if (v)
		memcpy(o + 4, v, strlen(v));
	return 4 + (v ? strlen(v) : 0);
}

/*
 * Content hashes are stored (dgp_ops keys) and compared on every reload, so
 * their input bytes are fixed: normalised values in column order, NULL apart
 * from empty, companions after the fields.
 */
Test(batch, the_content_hash_is_xxh3_of_the_length_prefixed_columns)
{
	dgp_batch_t *b = dgp_batch_new(&schema, 10, ~0ull);
	char buf[128];
	size_t n = put_col(buf, "12");
	n += put_col(buf + n, "ABC");
	n += put_col(buf + n, NULL);
	dgp_record_t *r = add(b, NULL, "12", "abc", NULL);
	cr_expect_eq(r->content_hash, dgp_dedup_hash(buf, n) & ~1ull);
	/* a rejected optional value is NULL content as well */
	dgp_record_t *bad = add(b, NULL, "13", "abc", "bad");
	n = put_col(buf, "13");
	n += put_col(buf + n, "ABC");
	n += put_col(buf + n, NULL);
	cr_expect_eq(bad->content_hash, dgp_dedup_hash(buf, n) & ~1ull);
	cr_expect_null(bad->vals[2].p);
	cr_expect(bad->vals[1].len == 3 && memcmp(bad->vals[1].p, "ABC", 3) == 0);
	dgp_batch_destroy(b);

	static dgp_norm_rule_t money = {.name = "money", .fn = dgp_norm_money};
	money.currencies = "any";
	const dgp_field_spec_t mf[] = {
	    {"编号", "ID", "id", "text", &digits, true, true, NULL, 0},
	    {"注册资本", "ZCZB", "zczb", "numeric(20,2)", &money, false, false, NULL, 0},
	    {"备注", "NOTE", "note", "text", &upper, false, false, NULL, 0},
	};
	const dgp_companion_t comp[] = {{1, "zczb_currency", "character(3)"}};
	const dgp_schema_t ms = {"900001/000002", "外资", "wz", DGP_BASE_NONE, 3, mf, 1,
	                         key_fields,      1,      comp, NULL};
	b = dgp_batch_new(&ms, 8, ~0ull);
	dgp_origin_t o = {.source = "t", .partition = -1, .offset = 0, .line = 1};
	dgp_slice_t v[3] = {{"7", 1}, {"100万美元", strlen("100万美元")}, {"x", 1}};
	r = dgp_batch_add(b, NULL, &ctx, &o, "raw", 3, v, DGP_REASON_OK, NULL);
	cr_assert_eq(r->reason, DGP_REASON_OK);
	n = put_col(buf, "7");
	n += put_col(buf + n, "1000000.00");
	n += put_col(buf + n, "X");
	n += put_col(buf + n, "USD");
	cr_expect_eq(r->content_hash, dgp_dedup_hash(buf, n) & ~1ull);
	dgp_batch_destroy(b);
}

/* One random version: an upsert of key k with one of four names, or (1 in 5) a delete. */
static dgp_record_t *add_random(dgp_batch_t *b, const dgp_dedup_t *cache, unsigned *seed)
{
	static const char *names[] = {"a", "b", "c", "d"};
	char id[8];
	snprintf(id, sizeof(id), "%d", rand_r(seed) % 12);
	if (rand_r(seed) % 5 == 0)
		return del(b, cache, id);
	return add(b, cache, id, names[rand_r(seed) % 4], NULL);
}

/*
 * dgp_batch_classify_after(q, cache, p) is what the engine does while p's
 * keys are not yet in the cache: it must give exactly what committing p
 * first and then classifying q gives — every record's class, the counts,
 * the write sets — and the cache after both commits must be the same.
 * Random batches over 12 keys with deletes, refused records in p, and
 * key-hash masks of 2 and 3 bits (forced collisions, hash 0 among them) and 64.
 */
Test(batch, classify_after_a_pending_batch_equals_classify_after_its_commit, .timeout = 120)
{
	unsigned seed = 20261204;
	for (int round = 0; round < 3000; round++) {
		uint64_t mask = round % 3 == 0 ? ~0ull : round % 3 == 1 ? 0x7 : 0x3;
		dgp_dedup_t *ca = dgp_dedup_new(0), *cb = dgp_dedup_new(0);
		/* what PostgreSQL held before the run (not this run's) */
		dgp_batch_t *w = dgp_batch_new(&schema, 64, mask);
		for (int i = rand_r(&seed) % 10; i > 0; i--) {
			dgp_record_t *r =
			    add(w, NULL, (char[]){(char)('0' + rand_r(&seed) % 10), 0}, "a", NULL);
			dgp_dedup_put(ca, r->key_hash, r->content_hash, false);
			dgp_dedup_put(cb, r->key_hash, r->content_hash, false);
		}
		dgp_batch_t *p = dgp_batch_new(&schema, 64, mask);
		dgp_batch_t *q1 = dgp_batch_new(&schema, 64, mask);
		dgp_batch_t *q2 = dgp_batch_new(&schema, 64, mask);
		dgp_batch_set_deferred(q2, true);
		int np = 1 + rand_r(&seed) % 12, nq = 1 + rand_r(&seed) % 12;
		for (int i = 0; i < np; i++)
			add_random(p, ca, &seed);
		for (int i = 0; i < np; i++)
			if (rand_r(&seed) % 6 == 0)
				dgp_batch_refuse(p, dgp_batch_record(p, (size_t)i),
				                 DGP_REASON_DB_REFUSED, "23514");
		dgp_batch_commit_cache(p, ca);
		for (int i = 0; i < nq; i++) {
			unsigned s2 = seed;
			add_random(q1, ca, &seed);
			add_random(q2, NULL, &s2);
		}
		dgp_batch_classify_after(q2, cb, p);
		for (int i = 0; i < nq; i++)
			cr_assert_eq(dgp_batch_record(q1, (size_t)i)->cls,
			             dgp_batch_record(q2, (size_t)i)->cls, "round %d, record %d",
			             round, i);
		const dgp_batch_counts_t *k1 = dgp_batch_counts(q1), *k2 = dgp_batch_counts(q2);
		cr_assert_arr_eq(k1->cls, k2->cls, sizeof(k1->cls), "round %d", round);
		cr_assert_eq(k1->deletes, k2->deletes, "round %d", round);
		cr_assert_eq(k1->repeated, k2->repeated, "round %d", round);
		dgp_record_t **i1, **m1, **i2, **m2;
		size_t ni1, nm1, ni2, nm2, nd1, nd2;
		dgp_batch_writes(q1, &i1, &ni1, &m1, &nm1);
		dgp_batch_writes(q2, &i2, &ni2, &m2, &nm2);
		dgp_record_t **d1 = dgp_batch_deletes(q1, &nd1), **d2 = dgp_batch_deletes(q2, &nd2);
		cr_assert(ni1 == ni2 && nm1 == nm2 && nd1 == nd2, "round %d", round);
		dgp_record_t *b1 = dgp_batch_record(q1, 0), *b2 = dgp_batch_record(q2, 0);
		for (size_t i = 0; i < ni1; i++)
			cr_assert_eq(i1[i] - b1, i2[i] - b2, "round %d", round);
		for (size_t i = 0; i < nm1; i++)
			cr_assert_eq(m1[i] - b1, m2[i] - b2, "round %d", round);
		for (size_t i = 0; i < nd1; i++)
			cr_assert_eq(d1[i] - b1, d2[i] - b2, "round %d", round);
		/* the engine's order: p's keys go in after q was handed on, then q's */
		dgp_batch_commit_cache(p, cb);
		dgp_batch_commit_cache(q1, ca);
		dgp_batch_commit_cache(q2, cb);
		cr_assert_eq(dgp_dedup_count(ca), dgp_dedup_count(cb), "round %d", round);
		for (int k = 0; k < 12; k++) {
			char id[8];
			snprintf(id, sizeof(id), "%d", k);
			uint64_t h = add(w, NULL, id, "a", NULL)->key_hash, c1 = 0, c2 = 0;
			bool r1 = false, r2 = false;
			cr_assert_eq(dgp_dedup_get(ca, h, &c1, &r1),
			             dgp_dedup_get(cb, h, &c2, &r2));
			cr_assert(c1 == c2 && r1 == r2, "round %d, key %d", round, k);
		}
		dgp_batch_destroy(w);
		dgp_batch_destroy(p);
		dgp_batch_destroy(q1);
		dgp_batch_destroy(q2);
		dgp_dedup_destroy(ca);
		dgp_dedup_destroy(cb);
	}
}
