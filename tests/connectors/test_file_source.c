/* test_file_source.c — bulk files: plain/gz, CRLF, BOM, quoted newlines, GBK, damaged gzip, long
 * lines, resume. */
#include <criterion/criterion.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "dgp_file_source.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/dgp_file_source_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(file_source, .init = setup, .fini = teardown);

static char *fixture(const char *name)
{
	static char path[4][128];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, 128, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static void write_gz(const char *path, const void *data, size_t len)
{
	gzFile g = gzopen(path, "wb6");
	cr_assert_not_null(g);
	cr_assert_eq(gzwrite(g, data, (unsigned)len), (int)len);
	cr_assert_eq(gzclose(g), Z_OK);
}

/* All records of a file (up to max) with a copy of their raw bytes. */
typedef struct got {
	char raw[8192];
	size_t raw_len;
	char text[8192];
	size_t text_len;
	dgp_origin_t origin;
	int64_t next_line;
	dgp_reason_t reason;
	char detail[256];
	uint32_t flags;
} got_t;

static got_t recs[64];

/* Reads every record; returns how many, *end_rc the final return (0 or an error). */
static int read_all(const char *path, const dgp_file_source_opts_t *o, int *end_rc, char *errstr)
{
	dgp_file_source_t *src;
	char err[512];
	cr_assert_eq(dgp_file_source_open(path, o, &src, err, sizeof(err)), DGP_OK, "%s", err);
	int n = 0, r;
	dgp_file_record_t rec;
	while ((r = dgp_file_source_next(src, &rec, err, sizeof(err))) == 1) {
		cr_assert_lt(n, 64);
		got_t *g = &recs[n++];
		memset(g, 0, sizeof(*g));
		g->raw_len = rec.raw_len;
		memcpy(g->raw, rec.raw,
		       rec.raw_len < sizeof(g->raw) ? rec.raw_len : sizeof(g->raw));
		if (rec.text) {
			g->text_len = rec.text_len;
			memcpy(g->text, rec.text, rec.text_len);
		}
		g->origin = rec.origin;
		g->next_line = rec.next_line;
		g->reason = rec.reason;
		g->flags = rec.flags;
		if (rec.detail)
			snprintf(g->detail, sizeof(g->detail), "%s", rec.detail);
		cr_expect_eq(rec.text == NULL, rec.reason != DGP_REASON_OK);
		cr_expect_str_eq(rec.origin.source, path);
		cr_expect_eq(rec.origin.partition, -1);
	}
	*end_rc = r;
	if (errstr)
		strcpy(errstr, r < 0 ? err : "");
	dgp_file_source_close(src);
	return n;
}

static void expect_rec(int i, const char *raw, int64_t line, int64_t off, int64_t end)
{
	cr_expect_eq(recs[i].reason, DGP_REASON_OK, "rec %d: %s", i, recs[i].detail);
	cr_expect_eq(recs[i].raw_len, strlen(raw), "rec %d raw_len %zu", i, recs[i].raw_len);
	cr_expect(memcmp(recs[i].raw, raw, strlen(raw)) == 0, "rec %d: \"%.*s\"", i,
	          (int)recs[i].raw_len, recs[i].raw);
	cr_expect_eq(recs[i].origin.line, line, "rec %d line %lld", i,
	             (long long)recs[i].origin.line);
	cr_expect_eq(recs[i].origin.offset, off, "rec %d offset %lld", i,
	             (long long)recs[i].origin.offset);
	cr_expect_eq(recs[i].origin.end_offset, end, "rec %d end %lld", i,
	             (long long)recs[i].origin.end_offset);
}

static const char jsonl[] = "{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":\"'; DROP TABLE x; --\"}\n{\"a\":4}";

Test(file_source, jsonl_lines_offsets_crlf_and_empty_lines)
{
	const char *path = fixture("a.jsonl");
	write_file(path, jsonl, strlen(jsonl));
	int rc;
	cr_assert_eq(read_all(path, NULL, &rc, NULL), 4);
	cr_expect_eq(rc, 0);
	expect_rec(0, "{\"a\":1}", 1, 0, 8);
	expect_rec(1, "{\"a\":2}", 3, 9, 18);
	expect_rec(2, "{\"a\":\"'; DROP TABLE x; --\"}", 4, 18, 46);
	expect_rec(3, "{\"a\":4}", 5, 46, 53);
	cr_expect_eq(recs[1].next_line, 4);
	cr_expect_eq(recs[0].text_len, 7);
}

Test(file_source, gz_gives_the_same_records_and_offsets)
{
	const char *path = fixture("a.jsonl.gz");
	write_gz(path, jsonl, strlen(jsonl));
	int rc;
	cr_assert_eq(read_all(path, NULL, &rc, NULL), 4);
	cr_expect_eq(rc, 0);
	expect_rec(1, "{\"a\":2}", 3, 9, 18);
	expect_rec(3, "{\"a\":4}", 5, 46, 53);
}

Test(file_source, utf8_bom_is_skipped)
{
	const char *path = fixture("bom.jsonl");
	const char data[] = "\xEF\xBB\xBF{\"a\":\"武汉\"}\n";
	write_file(path, data, strlen(data));
	int rc;
	cr_assert_eq(read_all(path, NULL, &rc, NULL), 1);
	expect_rec(0, "{\"a\":\"武汉\"}", 1, 3, (int64_t)strlen(data));
}

static const char csv[] = "\xEF\xBB\xBFGMSFHM,XM,ZZ\r\n"
                          "1,\"张三\",\"line one\r\nline two\"\r\n"
                          "2,李四,\"say \"\"hi\"\"\n\n\"\r\n"
                          "\r\n"
                          "3,\"'; DROP TABLE x; --\",x";

Test(file_source, csv_header_quoted_newlines_and_line_numbers)
{
	const char *path = fixture("a.csv");
	write_file(path, csv, strlen(csv));
	dgp_file_source_opts_t o = {.format = DGP_FORMAT_CSV};
	dgp_file_source_t *src;
	char err[256];
	cr_assert_eq(dgp_file_source_open(path, &o, &src, err, sizeof(err)), DGP_OK, "%s", err);
	size_t hl;
	const char *h = dgp_file_source_header(src, &hl);
	cr_assert_not_null(h);
	cr_expect_str_eq(h, "GMSFHM,XM,ZZ");
	cr_expect_eq(hl, 12);
	dgp_file_source_close(src);

	int rc;
	cr_assert_eq(read_all(path, &o, &rc, NULL), 3);
	cr_expect_eq(rc, 0);
	expect_rec(0, "1,\"张三\",\"line one\r\nline two\"", 2, 17, 50);
	expect_rec(1, "2,李四,\"say \"\"hi\"\"\n\n\"", 4, 50, 75);
	expect_rec(2, "3,\"'; DROP TABLE x; --\",x", 8, 77, (int64_t)strlen(csv));
	cr_expect_eq(recs[0].next_line, 4);
	cr_expect_eq(recs[1].next_line, 7);
}

Test(file_source, csv_stray_quote_does_not_swallow_following_lines)
{
	const char *path = fixture("stray.csv");
	const char data[] = "A,B\n1,2\"x\n3,4\n";
	write_file(path, data, strlen(data));
	int rc;
	cr_assert_eq(read_all(path, &(dgp_file_source_opts_t){.format = DGP_FORMAT_CSV}, &rc, NULL),
	             2);
	expect_rec(0, "1,2\"x", 2, 4, 10);
	expect_rec(1, "3,4", 3, 10, 14);
}

/* UTF-8 → enc with iconv, as a department's export would be written. */
static size_t to_enc(const char *enc, const char *utf8, char *out, size_t cap)
{
	iconv_t cd = iconv_open(enc, "UTF-8");
	cr_assert_neq(cd, (iconv_t)-1);
	char *in = (char *)utf8, *o = out;
	size_t inleft = strlen(utf8), outleft = cap;
	cr_assert_neq(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1, "%s", strerror(errno));
	iconv_close(cd);
	return (size_t)(o - out);
}

Test(file_source, gbk_is_transcoded_and_invalid_bytes_rejected)
{
	char data[512];
	size_t n = to_enc("GBK", "GMSFHM|XM|ZZ\n1|张三|武汉市洪山区\n", data, sizeof(data));
	/* 0x81 0x7C is a GBK character whose trail byte is '|': not a delimiter */
	memcpy(data + n, "2|\x81\x7C|x\n3|\x81\x20|x\n4|\xFF|x\n5|ok|\x81", 26);
	n += 26;
	const char *path = fixture("gbk.csv");
	write_file(path, data, n);
	dgp_file_source_opts_t o = {.format = DGP_FORMAT_CSV, .csv_delim = '|', .encoding = "GBK"};
	int rc;
	cr_assert_eq(read_all(path, &o, &rc, NULL), 5);
	cr_expect_eq(rc, 0);
	cr_expect_eq(recs[0].reason, DGP_REASON_OK);
	cr_expect_eq(recs[0].text_len, strlen("1|张三|武汉市洪山区"));
	cr_expect(memcmp(recs[0].text, "1|张三|武汉市洪山区", recs[0].text_len) == 0);
	cr_expect_eq(recs[0].raw_len, 2 + 4 + 1 + 12, "raw stays GBK");
	cr_expect_eq(recs[0].flags, DGP_NF_TRANSCODED);
	cr_expect_eq(recs[1].reason, DGP_REASON_OK, "%s", recs[1].detail);
	cr_expect_eq(recs[1].raw_len, 6);
	cr_expect_eq(recs[2].reason, DGP_REASON_CHARSET);
	cr_expect_str_eq(recs[2].detail, "invalid GBK at byte 2");
	cr_expect_eq(recs[2].raw_len, 6);
	cr_expect_eq(recs[3].reason, DGP_REASON_CHARSET);
	cr_expect_str_eq(recs[3].detail, "invalid GBK at byte 2");
	cr_expect_eq(recs[4].reason, DGP_REASON_CHARSET);
	cr_expect_str_eq(recs[4].detail, "truncated GBK at byte 5");
	cr_expect_eq(recs[4].origin.line, 6);
}

Test(file_source, gb18030_four_byte_sequences)
{
	char data[256];
	size_t n = to_enc("GB18030", "{\"XM\":\"\xF0\xA0\x80\x80 €\"}\n", data, sizeof(data));
	const char *path = fixture("gb.jsonl");
	write_file(path, data, n);
	int rc;
	cr_assert_eq(read_all(path, &(dgp_file_source_opts_t){.encoding = "GB18030"}, &rc, NULL),
	             1);
	cr_expect_eq(recs[0].reason, DGP_REASON_OK, "%s", recs[0].detail);
	cr_expect_str_eq(recs[0].text, "{\"XM\":\"\xF0\xA0\x80\x80 €\"}");
}

Test(file_source, invalid_utf8_and_nul_bytes_are_charset_rejects_with_raw_kept)
{
	const char data[] = "{\"a\":\"ok\"}\n{\"a\":\"\xC0\xAF\"}\n{\"a\":\"x\0y\"}\n{\"a\":2}\n";
	const char *path = fixture("bad.jsonl");
	write_file(path, data, sizeof(data) - 1);
	int rc;
	cr_assert_eq(read_all(path, NULL, &rc, NULL), 4);
	cr_expect_eq(rc, 0);
	cr_expect_eq(recs[1].reason, DGP_REASON_CHARSET);
	cr_expect_str_eq(recs[1].detail, "invalid UTF-8 at byte 6");
	cr_expect_eq(recs[1].raw_len, 10);
	cr_expect(memcmp(recs[1].raw, "{\"a\":\"\xC0\xAF\"}", 10) == 0);
	cr_expect_eq(recs[2].reason, DGP_REASON_CHARSET);
	cr_expect_str_eq(recs[2].detail, "NUL byte at byte 7");
	cr_expect_eq(recs[2].raw_len, 11);
	expect_rec(3, "{\"a\":2}", 4, 34, 42);
}

Test(file_source, record_limit_boundary_and_csv_quoted_overflow)
{
	/* limit 10: 10 bytes pass, 11 are too_long (the first 10 bytes kept), the next line is fine
	 */
	const char data[] = "0123456789\r\n0123456789A\n\"ab\ncdefghijklmnop\nq\",1\nok\n";
	const char *path = fixture("limit.txt");
	write_file(path, data, strlen(data));
	dgp_file_source_opts_t o = {
	    .format = DGP_FORMAT_CSV, .max_record_bytes = 10, .read_size = 3};
	dgp_file_source_t *src;
	char err[256];
	/* the first row is the header here */
	cr_assert_eq(dgp_file_source_open(path, &o, &src, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_str_eq(dgp_file_source_header(src, NULL), "0123456789");
	dgp_file_source_close(src);
	int rc;
	cr_assert_eq(read_all(path, &o, &rc, NULL), 5);
	cr_expect_eq(rc, 0);
	cr_expect_eq(recs[0].reason, DGP_REASON_TOO_LONG);
	cr_expect_str_eq(recs[0].detail,
	                 "record of 11 bytes at byte offset 12 is longer than load.max.record.bytes"
	                 " (10); raw keeps its first 10 bytes, 1 more are in the file");
	cr_expect_eq(recs[0].raw_len, 10);
	cr_expect(memcmp(recs[0].raw, "0123456789", 10) == 0);
	/* the detail's offset and length cut the whole record out of the file again */
	cr_expect(memcmp(data + 12, "0123456789A\n", 12) == 0);
	cr_expect_eq(recs[0].origin.offset, 12);
	cr_expect_eq(recs[0].origin.end_offset, 24);
	cr_expect_eq(recs[0].origin.line, 2);
	/* an open quote across lines past the limit: only its own line is the record */
	expect_rec(1, "\"ab", 3, 24, 28);
	cr_expect_eq(recs[1].next_line, 4);
	cr_expect_eq(recs[2].reason, DGP_REASON_TOO_LONG, "%s", recs[2].detail);
	cr_expect_eq(recs[2].raw_len, 10);
	cr_expect(memcmp(recs[2].raw, "cdefghijkl", 10) == 0);
	cr_expect_eq(recs[2].origin.line, 4);
	cr_expect_eq(recs[2].origin.offset, 28);
	cr_expect_eq(recs[2].origin.end_offset, 43);
	cr_expect_eq(recs[2].next_line, 5);
	expect_rec(3, "q\",1", 5, 43, 48);
	expect_rec(4, "ok", 6, 48, 51);
}

/*
 * 1,000 rows, one of them with a stray quote opening a field: every other
 * row comes out as it is, the stray row alone, whole, at its own line.
 * tail is what follows the stray row: plain rows (the quote never closes),
 * or rows with quoted fields (the stray quote "closes" at the next one).
 */
static void stray_quote_case(const char *name, int stray_row, bool quoted_rows, size_t limit,
                             size_t read_size)
{
	const char *path = fixture(name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs("id,name,note\n", f);
	for (int i = 1; i <= 1000; i++) {
		if (i == stray_row)
			fprintf(f, "%d,\"stray %d,note\n", i, i);
		else if (quoted_rows && i % 3 == 0)
			fprintf(f, "%d,\"name, %d\",\"a \"\"b\"\"\"\n", i, i);
		else
			fprintf(f, "%d,name %d,%.*s\n", i, i, 60,
			        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	}
	cr_assert_eq(fclose(f), 0);
	dgp_file_source_opts_t o = {
	    .format = DGP_FORMAT_CSV, .max_record_bytes = limit, .read_size = read_size};
	dgp_file_source_t *src;
	char err[256];
	cr_assert_eq(dgp_file_source_open(path, &o, &src, err, sizeof(err)), DGP_OK, "%s", err);
	dgp_file_record_t rec;
	int n = 0, r;
	while ((r = dgp_file_source_next(src, &rec, err, sizeof(err))) == 1) {
		n++;
		cr_assert_eq(rec.reason, DGP_REASON_OK, "row %d: %s", n, rec.detail);
		cr_assert_eq(rec.origin.line, n + 1, "row %d at line %lld", n,
		             (long long)rec.origin.line);
		cr_assert_eq(rec.next_line, n + 2);
		char want[128];
		int wl =
		    n == stray_row ? snprintf(want, sizeof(want), "%d,\"stray %d,note", n, n)
		    : quoted_rows && n % 3 == 0
		        ? snprintf(want, sizeof(want), "%d,\"name, %d\",\"a \"\"b\"\"\"", n, n)
		        : snprintf(
		              want, sizeof(want), "%d,name %d,%.*s", n, n, 60,
		              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		cr_assert_eq(rec.raw_len, (size_t)wl, "row %d: %.*s", n, (int)rec.raw_len, rec.raw);
		cr_assert(memcmp(rec.raw, want, (size_t)wl) == 0, "row %d: %.*s", n,
		          (int)rec.raw_len, rec.raw);
	}
	cr_expect_eq(r, 0, "%s", err);
	cr_expect_eq(n, 1000);
	dgp_file_source_close(src);
}

Test(file_source, a_stray_quote_costs_its_own_line_only)
{
	/* the quote never closes: cut back after load.csv.max.quoted.lines */
	stray_quote_case("stray1.csv", 500, false, 64 << 10, 0);
	/* it "closes" at the next row's quoted field, followed by a letter */
	stray_quote_case("stray2.csv", 500, true, 64 << 10, 0);
	/* near the end of the file: open at EOF */
	stray_quote_case("stray3.csv", 995, false, 64 << 10, 0);
	/* a limit smaller than the lines it would swallow, tiny reads */
	stray_quote_case("stray4.csv", 10, false, 1024, 7);
}

Test(file_source, a_quoted_field_across_a_few_lines_is_one_record)
{
	const char data[] = "a,b\n1,\"x\ny\nz\"\n2,\"p\n\"\"q\"\"\"\n3,r\n";
	const char *path = fixture("multi.csv");
	write_file(path, data, strlen(data));
	dgp_file_source_opts_t o = {.format = DGP_FORMAT_CSV, .max_quoted_lines = 2};
	int rc;
	cr_assert_eq(read_all(path, &o, &rc, NULL), 3);
	cr_expect_eq(rc, 0);
	expect_rec(0, "1,\"x\ny\nz\"", 2, 4, 14);
	cr_expect_eq(recs[0].next_line, 5);
	expect_rec(1, "2,\"p\n\"\"q\"\"\"", 5, 14, 26);
	expect_rec(2, "3,r", 7, 26, 30);
	/* one newline more than allowed: the quote is taken for a stray one */
	o.max_quoted_lines = 1;
	cr_assert_eq(read_all(path, &o, &rc, NULL), 5);
	expect_rec(0, "1,\"x", 2, 4, 9);
	expect_rec(1, "y", 3, 9, 11);
	expect_rec(2, "z\"", 4, 11, 14);
	expect_rec(3, "2,\"p\n\"\"q\"\"\"", 5, 14, 26);
	expect_rec(4, "3,r", 7, 26, 30);
}

Test(file_source, a_100_mb_line_is_rejected_without_holding_it, .timeout = 120)
{
	const char *path = fixture("huge.jsonl");
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs("{\"a\":1}\n{\"a\":\"", f);
	static char chunk[1 << 20];
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		cr_assert_eq(fwrite(chunk, 1, sizeof(chunk), f), sizeof(chunk));
	fputs("\"}\n{\"a\":3}\n", f);
	cr_assert_eq(fclose(f), 0);

	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	int rc;
	cr_assert_eq(read_all(path, NULL, &rc, NULL), 3);
	getrusage(RUSAGE_SELF, &after);
	cr_expect_eq(rc, 0);
	int64_t huge = 6 + (100 << 20) + 2;
	cr_expect_eq(recs[1].reason, DGP_REASON_TOO_LONG);
	cr_expect_eq(recs[1].raw_len, 16u << 20); /* the first load.max.record.bytes bytes */
	cr_expect(memcmp(recs[1].raw, "{\"a\":\"xxxx", 10) == 0);
	cr_expect_eq(recs[1].origin.offset, 8);
	cr_expect_eq(recs[1].origin.end_offset, 8 + huge + 1);
	char want[256];
	snprintf(want, sizeof(want),
	         "record of %lld bytes at byte offset 8 is longer than load.max.record.bytes"
	         " (16777216); raw keeps its first 16777216 bytes, %lld more are in the file",
	         (long long)huge, (long long)huge - (16 << 20));
	cr_expect_str_eq(recs[1].detail, want);
	expect_rec(2, "{\"a\":3}", 3, 8 + huge + 1, 8 + huge + 1 + 8);
	/* the buffer may grow to the 16 MiB limit (~31 MiB of reallocs, more
	 * under ASan's quarantine), never to the line's 100 MB */
	cr_expect_lt(after.ru_maxrss - before.ru_maxrss, 80 * 1024, "grew by %ld KiB",
	             after.ru_maxrss - before.ru_maxrss);
}

/* n JSON lines {"i":<i>,…}: compressible, so damage breaks the deflate codes, not only the CRC. */
static char *many_lines(int n, size_t *len)
{
	char *buf = malloc((size_t)n * 80);
	size_t o = 0;
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		o += (size_t)sprintf(buf + o, "{\"i\":%d,\"XM\":\"name %d\",\"ZZ\":\"road %d\"}\n",
		                     i, (int)(x % 1000), (int)(x % 97));
	}
	*len = o;
	return buf;
}

/*
 * Reads path to the end; returns how many leading records are lines 0, 1, …
 * in order (damaged deflate data can inflate to garbage before zlib
 * notices, so only the prefix is checked), *total all records, *rc the end.
 */
static int count_ordered(const char *path, int *total, int *rc, char *err, size_t err_size)
{
	dgp_file_source_t *src;
	cr_assert_eq(dgp_file_source_open(path, NULL, &src, err, err_size), DGP_OK, "%s", err);
	dgp_file_record_t rec;
	int n = 0, prefix = -1;
	while ((*rc = dgp_file_source_next(src, &rec, err, err_size)) == 1) {
		char want[32];
		int wl = snprintf(want, sizeof(want), "{\"i\":%d,", n);
		if (prefix < 0 && (rec.raw_len <= (size_t)wl || memcmp(rec.raw, want, (size_t)wl)))
			prefix = n;
		n++;
	}
	dgp_file_source_close(src);
	*total = n;
	return prefix < 0 ? n : prefix;
}

Test(file_source, truncated_gzip_loads_the_records_before_then_fails)
{
	size_t len;
	char *data = many_lines(20000, &len);
	const char *path = fixture("t.jsonl.gz");
	write_gz(path, data, len);
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	cr_assert_eq(truncate(path, size / 2), 0);
	int rc;
	char err[512];
	int total, n = count_ordered(path, &total, &rc, err, sizeof(err));
	cr_expect_eq(rc, DGP_ERR_IO);
	cr_expect_eq(n, total, "truncation cannot produce wrong records");
	cr_expect_gt(n, 1000);
	cr_expect_lt(n, 20000);
	cr_expect(strstr(err, path) && strstr(err, "unexpected end of file"), "%s", err);
	free(data);
}

Test(file_source, corrupt_gzip_is_an_error_naming_file_and_offset)
{
	size_t len;
	char *data = many_lines(20000, &len);
	const char *path = fixture("c.jsonl.gz");
	write_gz(path, data, len);
	FILE *f = fopen(path, "r+b");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size / 3, SEEK_SET);
	/* random bytes: all-ones or all-zeros runs are valid Huffman codes and only fail the CRC */
	uint32_t x = 2463534242u;
	for (int i = 0; i < 64; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		fputc((int)(x & 0xFF), f);
	}
	fclose(f);
	int rc;
	char err[512];
	int total, n = count_ordered(path, &total, &rc, err, sizeof(err));
	cr_expect_eq(rc, DGP_ERR_IO);
	cr_expect_gt(n, 1000, "records before the damage are returned");
	cr_expect_lt(n, 20000);
	cr_expect(strstr(err, "damaged gzip data in") && strstr(err, path) &&
	              strstr(err, "of the uncompressed stream"),
	          "%s", err);
	free(data);

	/* not gzip at all after a valid magic: fails on the first read */
	const char *bad = fixture("bad.gz");
	write_file(bad, "\x1F\x8B\x08\x00garbage-garbage-garbage", 27);
	dgp_file_source_t *src;
	cr_expect_eq(dgp_file_source_open(bad, NULL, &src, err, sizeof(err)), DGP_ERR_IO);
	cr_expect(strstr(err, "damaged gzip data"), "%s", err);
}

static void expect_resume_reproduces_rest(const char *path, const dgp_file_source_opts_t *o, int n)
{
	got_t all[64];
	memcpy(all, recs, sizeof(got_t) * (size_t)n);
	for (int k = 0; k < n; k++) {
		dgp_file_source_opts_t r = *o;
		r.start_offset = all[k].origin.end_offset;
		r.start_line = all[k].next_line;
		int rc;
		int m = read_all(path, &r, &rc, NULL);
		cr_expect_eq(rc, 0);
		cr_assert_eq(m, n - k - 1, "resume after record %d: %d records", k, m);
		for (int i = 0; i < m; i++) {
			const got_t *a = &all[k + 1 + i], *b = &recs[i];
			cr_expect(a->raw_len == b->raw_len &&
			              memcmp(a->raw, b->raw, a->raw_len) == 0 &&
			              a->origin.line == b->origin.line &&
			              a->origin.offset == b->origin.offset &&
			              a->origin.end_offset == b->origin.end_offset &&
			              a->reason == b->reason,
			          "resume after %d: record %d differs", k, i);
		}
	}
}

Test(file_source, resume_from_an_offset_reproduces_exactly_the_remaining_records)
{
	const char *plain = fixture("r.csv"), *gz = fixture("r.csv.gz");
	write_file(plain, csv, strlen(csv));
	write_gz(gz, csv, strlen(csv));
	dgp_file_source_opts_t o = {.format = DGP_FORMAT_CSV};
	int rc;
	int n = read_all(plain, &o, &rc, NULL);
	cr_assert_eq(n, 3);
	expect_resume_reproduces_rest(plain, &o, n);
	n = read_all(gz, &o, &rc, NULL);
	expect_resume_reproduces_rest(gz, &o, n);

	const char *j = fixture("r.jsonl.gz");
	write_gz(j, jsonl, strlen(jsonl));
	n = read_all(j, NULL, &rc, NULL);
	cr_assert_eq(n, 4);
	expect_resume_reproduces_rest(j, &(dgp_file_source_opts_t){0}, n);

	dgp_file_source_t *src;
	char err[256];
	cr_expect_eq(dgp_file_source_open(j, &(dgp_file_source_opts_t){.start_offset = 55}, &src,
	                                  err, sizeof(err)),
	             DGP_ERR_INVALID);
	cr_expect(strstr(err, "resume offset 55 is past the end of"), "%s", err);
}

Test(file_source, tiny_reads_split_exactly_like_large_ones)
{
	char data[1024];
	size_t n = to_enc("GBK", "GMSFHM|XM\n1|\"张\n三\"\n2|李四\r\n", data, sizeof(data));
	static const char tail[] = "3|\x81\x7C\n4|\"\x81\"|x\n5|ok\n";
	memcpy(data + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	const char *path = fixture("tiny.csv");
	write_file(path, data, n);
	dgp_file_source_opts_t o = {.format = DGP_FORMAT_CSV, .csv_delim = '|', .encoding = "GBK"};
	int rc;
	int big = read_all(path, &o, &rc, NULL);
	cr_assert_eq(rc, 0);
	got_t want[64];
	memcpy(want, recs, sizeof(want));
	for (size_t rs = 1; rs < 9; rs++) {
		o.read_size = rs;
		cr_assert_eq(read_all(path, &o, &rc, NULL), big, "read size %zu", rs);
		for (int i = 0; i < big; i++)
			cr_expect(recs[i].raw_len == want[i].raw_len &&
			              memcmp(recs[i].raw, want[i].raw, want[i].raw_len) == 0 &&
			              recs[i].origin.line == want[i].origin.line &&
			              recs[i].origin.end_offset == want[i].origin.end_offset,
			          "read size %zu record %d", rs, i);
	}
	cr_expect_eq(big, 5, "%d records", big); /* the damaged quoted field stays in its record */
	cr_expect_eq(want[3].reason, DGP_REASON_CHARSET);
	cr_expect_eq(want[4].reason, DGP_REASON_OK);
	cr_expect_eq(want[1].origin.line, 4);
}

Test(file_source, file_id_is_xxh3_128_of_the_bytes_and_progress_reaches_the_size)
{
	const char *path = fixture("id.jsonl");
	write_file(path, jsonl, strlen(jsonl));
	char hex[DGP_FILE_ID_HEX], err[256], want[33];
	cr_assert_eq(dgp_file_id(path, hex, err, sizeof(err)), DGP_OK, "%s", err);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits(jsonl, strlen(jsonl)));
	for (int i = 0; i < 16; i++)
		sprintf(want + 2 * i, "%02x", c.digest[i]);
	cr_expect_str_eq(hex, want);
	cr_expect_eq(dgp_file_id(fixture("missing"), hex, err, sizeof(err)), DGP_ERR_IO);

	dgp_file_source_t *src;
	cr_assert_eq(dgp_file_source_open(path, NULL, &src, err, sizeof(err)), DGP_OK);
	dgp_file_record_t rec;
	while (dgp_file_source_next(src, &rec, err, sizeof(err)) == 1)
		;
	uint64_t rd, total;
	dgp_file_source_progress(src, &rd, &total);
	cr_expect_eq(total, strlen(jsonl));
	cr_expect_eq(rd, total);
	dgp_file_source_close(src);
}

Test(file_source, open_errors_name_the_file)
{
	dgp_file_source_t *src;
	char err[256];
	cr_expect_eq(dgp_file_source_open(fixture("nope.csv"), NULL, &src, err, sizeof(err)),
	             DGP_ERR_IO);
	cr_expect(strstr(err, "nope.csv") && strstr(err, "No such file"), "%s", err);
	cr_expect_null(src);
	const char *path = fixture("x.jsonl");
	write_file(path, "{}\n", 3);
	cr_expect_eq(dgp_file_source_open(path, &(dgp_file_source_opts_t){.encoding = "KLINGON"},
	                                  &src, err, sizeof(err)),
	             DGP_ERR_INVALID);
	cr_expect(strstr(err, "KLINGON"), "%s", err);
}

/* The run loop's use of the file source with the parser (dgp_parse.h): copy into the arena, parse.
 */
static const dgp_field_spec_t fields[] = {
    {.name = "公民身份号码", .source_name = "GMSFHM", .key = true},
    {.name = "姓名", .source_name = "XM"},
    {.name = "住址", .source_name = "ZZ"},
};
static const size_t key_fields[] = {0};
static const dgp_schema_t schema = {.resource_code = "101041/000001",
                                    .nfields = 3,
                                    .fields = fields,
                                    .nkeys = 1,
                                    .key_fields = key_fields};

Test(file_source, with_the_parser_wrong_column_count_and_sql_looking_values)
{
	const char data[] = "gmsfhm,XM,zz,extra\n"
	                    "1,'; DROP TABLE x; --,\"Robert\"\"); DROP TABLE students;--\",e\n"
	                    "2,short,row\n"
	                    "3,a,b,c,d\n";
	const char *path = fixture("p.csv.gz");
	write_gz(path, data, strlen(data));
	dgp_file_source_t *src;
	char err[256];
	dgp_file_source_opts_t o = {.format = DGP_FORMAT_CSV};
	cr_assert_eq(dgp_file_source_open(path, &o, &src, err, sizeof(err)), DGP_OK, "%s", err);
	dgp_parser_t *p = dgp_parse_new(&schema, &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV});
	size_t hl;
	const char *h = dgp_file_source_header(src, &hl);
	cr_assert_eq(dgp_parse_csv_header(p, h, hl, err, sizeof(err)), DGP_OK, "%s", err);
	dgp_arena_t *arena = dgp_arena_new(0);
	dgp_slice_t vals[3];
	char detail[256];
	dgp_reason_t want[] = {DGP_REASON_OK, DGP_REASON_COLUMNS, DGP_REASON_COLUMNS};
	const char *want_detail[] = {"", "3 columns, header has 4", "5 columns, header has 4"};
	dgp_file_record_t rec;
	int n = 0;
	while (dgp_file_source_next(src, &rec, err, sizeof(err)) == 1) {
		cr_assert_lt(n, 3);
		char *text = dgp_arena_memdup(arena, rec.text, rec.text_len);
		dgp_reason_t r =
		    dgp_parse_record(p, text, rec.text_len, arena, vals, detail, sizeof(detail));
		cr_expect_eq(r, want[n], "record %d: %s", n, detail);
		cr_expect_str_eq(detail, want_detail[n]);
		if (n == 0) {
			cr_expect_eq(vals[1].len, 19);
			cr_expect(memcmp(vals[1].p, "'; DROP TABLE x; --", 19) == 0);
			const char *bobby = "Robert\"); DROP TABLE students;--";
			cr_expect_eq(vals[2].len, strlen(bobby));
			cr_expect(memcmp(vals[2].p, bobby, strlen(bobby)) == 0);
		}
		n++;
	}
	cr_expect_eq(n, 3);
	dgp_arena_destroy(arena);
	dgp_parse_destroy(p);
	dgp_file_source_close(src);

	/* a missing key column is an error at header time, naming it */
	const char *nokey = fixture("nokey.csv");
	write_file(nokey, "XM,ZZ\na,b\n", 10);
	cr_assert_eq(dgp_file_source_open(nokey, &o, &src, err, sizeof(err)), DGP_OK, "%s", err);
	p = dgp_parse_new(&schema, &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV});
	h = dgp_file_source_header(src, &hl);
	cr_expect_eq(dgp_parse_csv_header(p, h, hl, err, sizeof(err)), DGP_ERR_CATALOG);
	cr_expect(strstr(err, "\"GMSFHM\""), "%s", err);
	dgp_parse_destroy(p);
	dgp_file_source_close(src);
}
