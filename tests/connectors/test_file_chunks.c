/*
 * test_file_chunks.c — the chunk gate over a real file source (no
 * PostgreSQL): the records it hands out, the records it skips, and the
 * fingerprints it collects, for a first load, an identical reload, a
 * reload with one record changed and the same records gzipped.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dgp_file_chunks.h"

#define ROWS 2000

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/dgp_file_chunks_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(file_chunks, .init = setup, .fini = teardown);

/* ROWS JSON lines; line `changed` (0-based, or -1) with another name. */
static const char *write_rows(const char *name, long changed, bool gz)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = gz ? NULL : fopen(path, "wb");
	gzFile g = gz ? gzopen(path, "wb6") : NULL;
	for (long i = 0; i < ROWS; i++) {
		char line[96];
		int n = snprintf(line, sizeof(line), "{\"ID\":\"%06ld\",\"XM\":\"%s %ld\"}\n", i,
		                 i == changed ? "other" : "name", i);
		if (gz)
			cr_assert_eq(gzwrite(g, line, (unsigned)n), n);
		else
			cr_assert_eq(fwrite(line, 1, (size_t)n, f), (size_t)n);
	}
	if (gz)
		cr_assert_eq(gzclose(g), Z_OK);
	else
		cr_assert_eq(fclose(f), 0);
	return path;
}

typedef struct pass {
	uint64_t handed, skipped, records;
	int64_t first_line, last_line; /* of the records handed out */
	bool in_order;
	dgp_chunk_set_t *seen; /* a copy */
} pass_t;

static pass_t run_tainted(const char *path, const dgp_chunk_set_t *prev, int64_t taint)
{
	dgp_file_source_opts_t so = {.format = DGP_FORMAT_JSONL};
	dgp_file_source_t *src;
	char err[512];
	cr_assert_eq(dgp_file_source_open(path, &so, &src, err, sizeof(err)), DGP_OK, "%s", err);
	dgp_file_chunks_t *g = dgp_file_chunks_new(src, prev, 16);
	pass_t p = {.first_line = -1, .in_order = true};
	dgp_file_record_t rec;
	int got;
	int64_t prev_line = 0;
	while ((got = dgp_file_chunks_next(g, &rec, err, sizeof(err))) == 1) {
		p.handed++;
		p.skipped += dgp_file_chunks_take_skipped(g);
		if (p.first_line < 0)
			p.first_line = rec.origin.line;
		p.last_line = rec.origin.line;
		p.in_order = p.in_order && rec.origin.line > prev_line;
		prev_line = rec.origin.line;
		cr_assert_eq(rec.text, rec.raw, "UTF-8: the text is the raw copy");
		char want[96];
		int n =
		    snprintf(want, sizeof(want), "{\"ID\":\"%06ld\"", (long)rec.origin.line - 1);
		cr_assert_eq(memcmp(rec.raw, want, (size_t)n), 0, "line %lld is its own record",
		             (long long)rec.origin.line);
	}
	cr_assert_eq(got, 0, "%s", err);
	p.skipped += dgp_file_chunks_take_skipped(g);
	if (taint > 0)
		dgp_file_chunks_taint(g, taint);
	size_t len;
	void *b = dgp_chunk_set_bytes(dgp_file_chunks_seen(g, &p.records), &len);
	cr_assert_eq(dgp_chunk_set_from_bytes(b, len, &p.seen, err, sizeof(err)), DGP_OK);
	free(b);
	dgp_file_chunks_destroy(g);
	dgp_file_source_close(src);
	return p;
}

static pass_t run(const char *path, const dgp_chunk_set_t *prev)
{
	return run_tainted(path, prev, 0);
}

Test(file_chunks, a_first_load_hands_out_every_record_in_order)
{
	pass_t p = run(write_rows("a.jsonl", -1, false), NULL);
	cr_expect_eq(p.handed, ROWS);
	cr_expect_eq(p.skipped, 0);
	cr_expect_eq(p.records, ROWS);
	cr_expect(p.in_order);
	cr_expect_eq(p.first_line, 1);
	cr_expect_eq(p.last_line, ROWS);
	cr_expect_gt(dgp_chunk_set_count(p.seen), ROWS / 32);
	dgp_chunk_set_destroy(p.seen);
}

Test(file_chunks, an_identical_reload_skips_everything_also_gzipped)
{
	pass_t first = run(write_rows("a.jsonl", -1, false), NULL);
	pass_t again = run(write_rows("a.jsonl", -1, false), first.seen);
	cr_expect_eq(again.handed, 0);
	cr_expect_eq(again.skipped, ROWS);
	cr_expect_eq(again.records, ROWS);
	pass_t gz = run(write_rows("a.jsonl.gz", -1, true), first.seen);
	cr_expect_eq(gz.handed, 0, "the chunks are the records' bytes, not the file's");
	cr_expect_eq(gz.skipped, ROWS);
	dgp_chunk_set_destroy(first.seen);
	dgp_chunk_set_destroy(again.seen);
	dgp_chunk_set_destroy(gz.seen);
}

Test(file_chunks, a_reload_with_one_record_changed_parses_its_chunk_only)
{
	pass_t first = run(write_rows("a.jsonl", -1, false), NULL);
	pass_t one = run(write_rows("b.jsonl", 1234, false), first.seen);
	cr_expect_eq(one.handed + one.skipped, ROWS, "each record handed out or skipped, once");
	cr_expect_gt(one.handed, 0);
	cr_expect_lt(one.handed, 200, "one chunk of about 16 records: %llu",
	             (unsigned long long)one.handed);
	cr_expect(one.first_line <= 1235 && 1235 <= one.last_line,
	          "lines %lld..%lld hold line 1235", (long long)one.first_line,
	          (long long)one.last_line);
	cr_expect_eq((uint64_t)(one.last_line - one.first_line + 1), one.handed,
	             "the records handed out are one run of lines");
	/* the next reload of the changed file skips everything */
	pass_t again = run(write_rows("b.jsonl", 1234, false), one.seen);
	cr_expect_eq(again.skipped, ROWS);
	dgp_chunk_set_destroy(first.seen);
	dgp_chunk_set_destroy(one.seen);
	dgp_chunk_set_destroy(again.seen);
}

/* A rejected record's chunk is left out of the set: the next load parses it again. */
Test(file_chunks, the_chunk_of_a_rejected_record_is_parsed_again)
{
	pass_t first = run_tainted(write_rows("a.jsonl", -1, false), NULL, 777);
	pass_t again = run(write_rows("a.jsonl", -1, false), first.seen);
	cr_expect_eq(again.handed + again.skipped, ROWS);
	cr_expect_gt(again.handed, 0);
	cr_expect(again.first_line <= 777 && 777 <= again.last_line,
	          "lines %lld..%lld hold line 777", (long long)again.first_line,
	          (long long)again.last_line);
	cr_expect_eq((uint64_t)(again.last_line - again.first_line + 1), again.handed,
	             "only that chunk");
	dgp_chunk_set_destroy(first.seen);
	dgp_chunk_set_destroy(again.seen);
}

/* The gate checks (or transcodes) a record's text only when it hands it out: as the reader would.
 */
Test(file_chunks, records_handed_out_have_their_text_checked_or_transcoded)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/bad.jsonl", dir);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	/* line 2: a byte 0xFF (no character in either) at byte 8; line 3: 汉 in GBK (BA BA) */
	cr_assert_gt(fprintf(f, "{\"XM\":\"a\"}\n{\"XM\":\"b\xFF\"}\n{\"XM\":\"\xBA\xBA\"}\n"), 0);
	cr_assert_eq(fclose(f), 0);
	static const struct {
		const char *enc;
		dgp_reason_t reason[3];
		const char *detail[3]; /* of a rejected record */
		const char *text[3];   /* of an accepted one */
		uint32_t flags;
	} want[] = {
	    {"UTF-8",
	     {DGP_REASON_OK, DGP_REASON_CHARSET, DGP_REASON_CHARSET},
	     {NULL, "invalid UTF-8 at byte 8", "invalid UTF-8 at byte 7"},
	     {"{\"XM\":\"a\"}", NULL, NULL},
	     0},
	    {"GBK",
	     {DGP_REASON_OK, DGP_REASON_CHARSET, DGP_REASON_OK},
	     {NULL, "invalid GBK at byte 8", NULL},
	     {"{\"XM\":\"a\"}", NULL, "{\"XM\":\"汉\"}"},
	     DGP_NF_TRANSCODED},
	};
	for (size_t e = 0; e < sizeof(want) / sizeof(want[0]); e++) {
		dgp_file_source_opts_t so = {.format = DGP_FORMAT_JSONL, .encoding = want[e].enc};
		dgp_file_source_t *src;
		char err[512];
		cr_assert_eq(dgp_file_source_open(path, &so, &src, err, sizeof(err)), DGP_OK, "%s",
		             err);
		dgp_file_chunks_t *g = dgp_file_chunks_new(src, NULL, 16);
		for (int i = 0; i < 3; i++) {
			dgp_file_record_t r;
			cr_assert_eq(dgp_file_chunks_next(g, &r, err, sizeof(err)), 1, "%s", err);
			cr_assert_eq(r.reason, want[e].reason[i], "%s line %d", want[e].enc, i + 1);
			if (want[e].detail[i]) {
				cr_assert_str_eq(r.detail, want[e].detail[i]);
				cr_assert_null(r.text);
				continue;
			}
			cr_assert_eq(r.text_len, strlen(want[e].text[i]));
			cr_assert_eq(memcmp(r.text, want[e].text[i], r.text_len), 0);
			cr_assert_eq(r.flags, want[e].flags);
			if (!want[e].flags)
				cr_assert_eq(r.text, r.raw,
				             "UTF-8: the text is the record's bytes");
		}
		dgp_file_record_t end;
		cr_assert_eq(dgp_file_chunks_next(g, &end, err, sizeof(err)), 0, "%s", err);
		dgp_file_chunks_destroy(g);
		dgp_file_source_close(src);
	}
}
