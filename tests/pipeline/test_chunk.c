/*
 * test_chunk.c — content-defined chunks: boundaries that an insertion or a
 * deletion moves only locally, the exact chunks a reload may skip, and the
 * fingerprint set's serialised form.  Records are generated strings; no
 * file, no parser.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dgp_chunk.h"

#define N 3000

typedef struct chunks {
	dgp_chunk_fp_t fp[N + 1];
	uint64_t records[N + 1];
	size_t first[N + 1]; /* index of the chunk's first record */
	size_t n;
} chunks_t;

static char recs[N + 1][40];

static void make_records(void)
{
	for (int i = 0; i < N; i++)
		snprintf(recs[i], sizeof(recs[i]), "{\"ID\":\"%06d\",\"XM\":\"name %d\"}", i,
		         i * 7);
}

/* Chunk the records at idx[0..n) (avg 8 records per chunk); the file's end closes the last one. */
static void chunk(const size_t *idx, size_t n, const char *(*rec)(size_t), chunks_t *out)
{
	dgp_chunker_t *c = dgp_chunker_new(8);
	out->n = 0;
	size_t first = 0;
	for (size_t i = 0; i < n; i++) {
		const char *r = rec(idx[i]);
		if (dgp_chunker_add(c, r, strlen(r)) || i + 1 == n) {
			out->first[out->n] = first;
			out->fp[out->n] = dgp_chunker_close(c, &out->records[out->n]);
			out->n++;
			first = i + 1;
		}
	}
	cr_assert_eq(dgp_chunker_pending(c), 0);
	dgp_chunker_destroy(c);
}

static const char *plain(size_t i)
{
	return recs[i];
}

static dgp_chunk_set_t *set_of(const chunks_t *c)
{
	dgp_chunk_set_t *s = dgp_chunk_set_new(0);
	for (size_t i = 0; i < c->n; i++)
		dgp_chunk_set_add(s, c->fp[i]);
	return s;
}

/* Chunks of a missing from b's set. */
static size_t missing(const chunks_t *a, const chunks_t *b)
{
	dgp_chunk_set_t *s = set_of(b);
	size_t m = 0;
	for (size_t i = 0; i < a->n; i++)
		m += !dgp_chunk_set_has(s, a->fp[i]);
	dgp_chunk_set_destroy(s);
	return m;
}

static bool is_boundary(const char *r)
{
	dgp_chunker_t *c = dgp_chunker_new(8);
	bool b = dgp_chunker_add(c, r, strlen(r));
	dgp_chunker_destroy(c);
	return b;
}

static size_t idx[N + 1];
static chunks_t base, edited;

Test(chunk, an_insertion_changes_only_the_chunk_it_falls_in)
{
	make_records();
	for (size_t i = 0; i < N; i++)
		idx[i] = i;
	chunk(idx, N, plain, &base);
	cr_assert_gt(base.n, N / 16, "about N/8 chunks: %zu", base.n);
	cr_assert_lt(base.n, N / 4);

	/* A record that is no boundary itself, inserted before record 1500. */
	static char extra[40] = "{\"ID\":\"999999\",\"XM\":\"new\"}";
	for (int t = 0; is_boundary(extra); t++)
		snprintf(extra, sizeof(extra), "{\"ID\":\"999999\",\"XM\":\"new %d\"}", t);
	strcpy(recs[N], extra);
	size_t k = 0;
	for (size_t i = 0; i < N; i++) {
		if (i == 1500)
			idx[k++] = N;
		idx[k++] = i;
	}
	chunk(idx, N + 1, plain, &edited);
	cr_expect_eq(edited.n, base.n);
	cr_expect_eq(missing(&base, &edited), 1, "one old chunk is gone");
	cr_expect_eq(missing(&edited, &base), 1, "one new chunk: the one holding the insertion");
}

Test(chunk, a_deletion_changes_one_chunk_or_joins_two)
{
	make_records();
	for (size_t i = 0; i < N; i++)
		idx[i] = i;
	chunk(idx, N, plain, &base);
	/* delete a record inside a chunk, then the record closing another chunk */
	size_t inner = 1000, closing = 0;
	while (is_boundary(recs[inner]))
		inner++;
	for (size_t i = 2000; i < N; i++)
		if (is_boundary(recs[i])) {
			closing = i;
			break;
		}
	cr_assert_gt(closing, 0);

	size_t k = 0;
	for (size_t i = 0; i < N; i++)
		if (i != inner)
			idx[k++] = i;
	chunk(idx, k, plain, &edited);
	cr_expect_eq(edited.n, base.n);
	cr_expect_eq(missing(&base, &edited), 1);
	cr_expect_eq(missing(&edited, &base), 1);

	k = 0;
	for (size_t i = 0; i < N; i++)
		if (i != closing)
			idx[k++] = i;
	chunk(idx, k, plain, &edited);
	cr_expect_eq(edited.n, base.n - 1, "the two chunks around the deleted boundary join");
	cr_expect_eq(missing(&base, &edited), 2);
	cr_expect_eq(missing(&edited, &base), 1);
}

static size_t changed_at;
static const char *one_changed(size_t i)
{
	return i == changed_at ? "{\"ID\":\"000000\",\"XM\":\"changed\"}" : recs[i];
}

/* A reload with one record changed: exactly the records of that record's chunk are parsed. */
Test(chunk, a_reload_skips_every_chunk_but_the_changed_one)
{
	make_records();
	for (size_t i = 0; i < N; i++)
		idx[i] = i;
	chunk(idx, N, plain, &base);
	dgp_chunk_set_t *prev = set_of(&base);
	changed_at = 777;
	chunk(idx, N, one_changed, &edited);
	uint64_t skipped = 0, parsed = 0;
	size_t parsed_chunk = SIZE_MAX;
	for (size_t i = 0; i < edited.n; i++) {
		if (dgp_chunk_set_has(prev, edited.fp[i])) {
			skipped += edited.records[i];
		} else {
			parsed += edited.records[i];
			parsed_chunk = i;
		}
	}
	cr_assert_neq(parsed_chunk, SIZE_MAX);
	size_t lo = edited.first[parsed_chunk];
	cr_expect(lo <= changed_at && changed_at < lo + edited.records[parsed_chunk],
	          "the parsed chunk [%zu, +%llu) holds record %zu", lo,
	          (unsigned long long)edited.records[parsed_chunk], changed_at);
	cr_expect_eq(parsed, edited.records[parsed_chunk], "one chunk parsed");
	cr_expect_eq(skipped + parsed, N);
	/* the unchanged file: everything skipped */
	chunk(idx, N, plain, &edited);
	skipped = 0;
	for (size_t i = 0; i < edited.n; i++)
		skipped += dgp_chunk_set_has(prev, edited.fp[i]) ? edited.records[i] : 0;
	cr_expect_eq(skipped, N);
	dgp_chunk_set_destroy(prev);
}

Test(chunk, every_record_a_chunk_with_avg_one)
{
	dgp_chunker_t *c = dgp_chunker_new(1);
	cr_expect(dgp_chunker_add(c, "a", 1));
	uint64_t n;
	dgp_chunk_fp_t a = dgp_chunker_close(c, &n);
	cr_expect_eq(n, 1);
	cr_expect(dgp_chunker_add(c, "a", 1));
	dgp_chunk_fp_t a2 = dgp_chunker_close(c, NULL);
	cr_expect(a.hi == a2.hi && a.lo == a2.lo, "same record, same fingerprint");
	/* "ab" as one record differs from "a" + "b" as two */
	dgp_chunker_add(c, "ab", 2);
	dgp_chunk_fp_t ab = dgp_chunker_close(c, NULL);
	dgp_chunker_add(c, "a", 1);
	dgp_chunker_add(c, "b", 1);
	dgp_chunk_fp_t a_b = dgp_chunker_close(c, &n);
	cr_expect_eq(n, 2);
	cr_expect(ab.hi != a_b.hi || ab.lo != a_b.lo);
	dgp_chunker_destroy(c);
}

Test(chunk, the_set_round_trips_through_its_bytes)
{
	dgp_chunk_set_t *s = dgp_chunk_set_new(0);
	for (uint64_t i = 0; i < 1000; i++)
		dgp_chunk_set_add(s, (dgp_chunk_fp_t){i * 0x9E3779B97F4A7C15ull, i});
	dgp_chunk_set_add(s, (dgp_chunk_fp_t){5 * 0x9E3779B97F4A7C15ull, 5}); /* again: kept once */
	cr_expect_eq(dgp_chunk_set_count(s), 1000, "i = 0 is the all-zero fingerprint, kept too");
	size_t len;
	void *bytes = dgp_chunk_set_bytes(s, &len);
	cr_expect_eq(len, 1000 * DGP_CHUNK_FP_BYTES);
	dgp_chunk_set_t *r;
	char err[128];
	cr_assert_eq(dgp_chunk_set_from_bytes(bytes, len, &r, err, sizeof(err)), DGP_OK);
	cr_expect_eq(dgp_chunk_set_count(r), 1000);
	for (uint64_t i = 0; i < 1000; i++)
		cr_expect(dgp_chunk_set_has(r, (dgp_chunk_fp_t){i * 0x9E3779B97F4A7C15ull, i}));
	cr_expect_not(dgp_chunk_set_has(r, (dgp_chunk_fp_t){1, 1}));
	cr_expect_eq(dgp_chunk_set_from_bytes(bytes, 17, &r, err, sizeof(err)), DGP_ERR_PARSE);
	cr_expect_str_eq(err, "chunk fingerprints: 17 bytes is not a multiple of 16 (damaged row)");
	free(bytes);
	dgp_chunk_set_destroy(r);
	dgp_chunk_set_destroy(s);
}

static const dgp_norm_rule_t r_text = {.name = "text", .max_chars = 50};
static const dgp_norm_rule_t r_text60 = {.name = "text", .max_chars = 60};
static dgp_field_spec_t fields[] = {
    {"编号", "ID", "id", "text", &r_text, true, true, NULL, 0},
    {"名称", "XM", "xm", "text", &r_text, true, false, NULL, 0},
};
static const size_t key_fields[] = {0};
static const dgp_schema_t schema = {
    "900001/000001", "测试资源", "test_res", DGP_BASE_NONE, 2, fields, 1,
    key_fields,      0,          NULL,       NULL};

static bool fp_eq(dgp_chunk_fp_t a, dgp_chunk_fp_t b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

Test(chunk, the_context_covers_options_header_and_rules)
{
	dgp_chunk_fp_t c = dgp_chunk_context(&schema, "csv GBK , \"", "ID,XM", 5);
	cr_expect(fp_eq(c, dgp_chunk_context(&schema, "csv GBK , \"", "ID,XM", 5)));
	cr_expect_not(fp_eq(c, dgp_chunk_context(&schema, "csv UTF-8 , \"", "ID,XM", 5)));
	cr_expect_not(fp_eq(c, dgp_chunk_context(&schema, "csv GBK , \"", "XM,ID", 5)),
	              "another column order: the same line means something else");
	cr_expect_not(fp_eq(c, dgp_chunk_context(&schema, "csv GBK , \"", NULL, 0)));
	fields[1].rule = &r_text60;
	cr_expect_not(fp_eq(c, dgp_chunk_context(&schema, "csv GBK , \"", "ID,XM", 5)),
	              "a changed rule argument");
	fields[1].rule = &r_text;
	fields[1].required = false;
	cr_expect_not(fp_eq(c, dgp_chunk_context(&schema, "csv GBK , \"", "ID,XM", 5)));
	fields[1].required = true;
}
