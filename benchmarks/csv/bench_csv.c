/*
 * bench_csv.c — CSV parsing for pipeline/parse: hand-written vs libcsv.
 *
 *   generate N person rows (8 columns; 20% of addresses quoted with a
 *   comma, 5% of remarks with doubled quotes, 1% with a quoted newline)
 *     ├─ per row, pre-split:   dgp_parse_record()   vs  csv_parse()+csv_fini()
 *     └─ per file (tmp file):  dgp_file_source_next() + dgp_parse_record()
 *                              vs  fread(1 MiB) + csv_parse() streaming
 *
 * Both sides produce the same thing: one dgp_slice_t per schema field in
 * an arena reset every 10 000 rows (libcsv hands each field in its own
 * reused buffer, so its callback must copy it to keep it).  Times are
 * thread CPU time (the VM is shared), best of 5 runs.
 *
 * Usage: dgp_bench_csv [ROWS]   (default 1000000)
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgp_file_source.h"
#include "dgp_parse.h"

#define NF 8
static const dgp_field_spec_t fields[NF] = {
    {.name = "公民身份号码", .source_name = "GMSFHM", .key = true},
    {.name = "姓名", .source_name = "XM"},
    {.name = "性别", .source_name = "XB"},
    {.name = "出生日期", .source_name = "CSRQ"},
    {.name = "民族", .source_name = "MZ"},
    {.name = "住址", .source_name = "ZZ"},
    {.name = "联系电话", .source_name = "LXDH"},
    {.name = "备注", .source_name = "BZ"},
};
static const size_t key_fields[] = {0};
static const dgp_schema_t schema = {.resource_code = "bench",
                                    .nfields = NF,
                                    .fields = fields,
                                    .nkeys = 1,
                                    .key_fields = key_fields};
static const char header[] = "GMSFHM,XM,XB,CSRQ,MZ,ZZ,LXDH,BZ";

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static char *generate(size_t rows, size_t **starts, size_t *len)
{
	static const char *const names[] = {"张伟", "王芳", "李娜", "刘洋", "陈静", "欧阳明辉"};
	static const char *const roads[] = {"武昌区中山路", "洪山区珞喻路", "江岸区解放大道"};
	char *buf = malloc(rows * 200 + 64);
	*starts = malloc((rows + 1) * sizeof(**starts));
	size_t o = 0;
	for (size_t i = 0; i < rows; i++) {
		uint64_t r = next_rand();
		(*starts)[i] = o;
		o += (size_t)sprintf(buf + o, "4201061990%02d%02d%04u,%s,%d,19%02d-%02d-%02d,01,",
		                     (int)(r % 12) + 1, (int)(r / 12 % 28) + 1,
		                     (unsigned)(r % 10000), names[r % 6], (int)(r % 2) + 1,
		                     (int)(r % 100), (int)(r / 7 % 12) + 1, (int)(r / 11 % 28) + 1);
		if (r % 5 == 0)
			o += (size_t)sprintf(buf + o, "\"%s%d号, %d栋\",", roads[r % 3],
			                     (int)(r % 300), (int)(r % 20));
		else
			o += (size_t)sprintf(buf + o, "%s%d号,", roads[r % 3], (int)(r % 300));
		o += (size_t)sprintf(buf + o, "138%08u,", (unsigned)(r % 100000000));
		if (r % 20 == 1)
			o += (size_t)sprintf(buf + o, "\"自称\"\"小%s\"\"\"", names[r % 6]);
		else if (r % 100 == 2)
			o += (size_t)sprintf(buf + o, "\"第一行\n第二行\"");
		buf[o++] = '\n';
	}
	(*starts)[rows] = o;
	*len = o;
	return buf;
}

/* ---- libcsv side: callbacks copy each field into the arena ---- */
typedef struct lc {
	dgp_arena_t *arena;
	dgp_slice_t vals[NF];
	size_t col, rows;
	int map[NF];
} lc_t;

static void lc_field(void *s, size_t len, void *data)
{
	lc_t *c = data;
	if (c->col < NF && c->map[c->col] >= 0)
		c->vals[c->map[c->col]] =
		    (dgp_slice_t){s ? dgp_arena_memdup(c->arena, s, len) : NULL, len};
	c->col++;
}

static void lc_row(int term, void *data)
{
	(void)term;
	lc_t *c = data;
	if (c->col != NF) {
		fprintf(stderr, "libcsv: %zu columns\n", c->col);
		exit(1);
	}
	c->col = 0;
	if (++c->rows % 10000 == 0)
		dgp_arena_reset(c->arena);
}

static double run_dgp_rows(const char *buf, const size_t *starts, size_t rows)
{
	dgp_parser_t *p = dgp_parse_new(&schema, &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV});
	char err[256];
	if (dgp_parse_csv_header(p, header, strlen(header), err, sizeof(err)) != DGP_OK)
		exit(1);
	dgp_arena_t *a = dgp_arena_new(1 << 20);
	dgp_slice_t vals[NF];
	double t = cpu_now();
	for (size_t i = 0; i < rows; i++) {
		size_t len = starts[i + 1] - starts[i] - 1;
		if (dgp_parse_record(p, buf + starts[i], len, a, vals, err, sizeof(err)))
			fprintf(stderr, "dgp: row %zu: %s\n", i, err), exit(1);
		if (i % 10000 == 9999)
			dgp_arena_reset(a);
	}
	t = cpu_now() - t;
	dgp_arena_destroy(a);
	dgp_parse_destroy(p);
	return t;
}

static double run_libcsv_rows(const char *buf, const size_t *starts, size_t rows)
{
	struct csv_parser cp;
	csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL);
	lc_t c = {.arena = dgp_arena_new(1 << 20)};
	for (int i = 0; i < NF; i++)
		c.map[i] = i;
	double t = cpu_now();
	for (size_t i = 0; i < rows; i++) {
		size_t len = starts[i + 1] - starts[i] - 1;
		if (csv_parse(&cp, buf + starts[i], len, lc_field, lc_row, &c) != len ||
		    csv_fini(&cp, lc_field, lc_row, &c) != 0)
			fprintf(stderr, "libcsv: row %zu: %s\n", i, csv_strerror(csv_error(&cp))),
			    exit(1);
	}
	t = cpu_now() - t;
	csv_free(&cp);
	dgp_arena_destroy(c.arena);
	return t;
}

static double run_dgp_file(const char *path, size_t rows)
{
	dgp_file_source_t *src;
	char err[512];
	if (dgp_file_source_open(path, &(dgp_file_source_opts_t){.format = DGP_FORMAT_CSV}, &src,
	                         err, sizeof(err)) != DGP_OK)
		fprintf(stderr, "%s\n", err), exit(1);
	dgp_parser_t *p = dgp_parse_new(&schema, &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV});
	size_t hl;
	const char *h = dgp_file_source_header(src, &hl);
	if (dgp_parse_csv_header(p, h, hl, err, sizeof(err)) != DGP_OK)
		exit(1);
	dgp_arena_t *a = dgp_arena_new(1 << 20);
	dgp_slice_t vals[NF];
	dgp_file_record_t rec;
	size_t n = 0;
	double t = cpu_now();
	while (dgp_file_source_next(src, &rec, err, sizeof(err)) == 1) {
		/* the run loop's copy into the batch arena (dgp_parse.h) */
		char *text = dgp_arena_memdup(a, rec.text, rec.text_len);
		if (dgp_parse_record(p, text, rec.text_len, a, vals, err, sizeof(err)))
			fprintf(stderr, "dgp: %s\n", err), exit(1);
		if (++n % 10000 == 0)
			dgp_arena_reset(a);
	}
	t = cpu_now() - t;
	if (n != rows)
		fprintf(stderr, "dgp file: %zu rows\n", n), exit(1);
	dgp_arena_destroy(a);
	dgp_parse_destroy(p);
	dgp_file_source_close(src);
	return t;
}

static double run_libcsv_file(const char *path, size_t rows)
{
	FILE *f = fopen(path, "rb");
	char *chunk = malloc(1 << 20);
	struct csv_parser cp;
	csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL | CSV_APPEND_NULL);
	lc_t c = {.arena = dgp_arena_new(1 << 20)};
	for (int i = 0; i < NF; i++)
		c.map[i] = i;
	c.rows = (size_t)-1; /* the header row */
	double t = cpu_now();
	size_t n;
	while ((n = fread(chunk, 1, 1 << 20, f)) > 0)
		if (csv_parse(&cp, chunk, n, lc_field, lc_row, &c) != n)
			fprintf(stderr, "libcsv: %s\n", csv_strerror(csv_error(&cp))), exit(1);
	csv_fini(&cp, lc_field, lc_row, &c);
	t = cpu_now() - t;
	if (c.rows != rows)
		fprintf(stderr, "libcsv file: %zu rows\n", c.rows), exit(1);
	csv_free(&cp);
	dgp_arena_destroy(c.arena);
	free(chunk);
	fclose(f);
	return t;
}

typedef double run_fn(void);

int main(int argc, char **argv)
{
	size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t *starts, len;
	char *buf = generate(rows, &starts, &len);
	char path[] = "/tmp/dgp_bench_csv_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "wb");
	fprintf(f, "%s\n", header);
	fwrite(buf, 1, len, f);
	fclose(f);

	const char *names[4] = {"dgp_parse_record, per row", "libcsv csv_parse+csv_fini, per row",
	                        "dgp file source + parse, file", "libcsv fread + csv_parse, file"};
	double best[4] = {1e30, 1e30, 1e30, 1e30};
	for (int run = 0; run < 5; run++) {
		double t[4] = {run_dgp_rows(buf, starts, rows), run_libcsv_rows(buf, starts, rows),
		               run_dgp_file(path, rows), run_libcsv_file(path, rows)};
		for (int i = 0; i < 4; i++)
			if (t[i] < best[i])
				best[i] = t[i];
	}
	unlink(path);
	printf("%zu rows, %.1f MB, %.1f bytes/row; thread CPU time, best of 5\n", rows,
	       (double)len / 1e6, (double)len / (double)rows);
	printf("%-38s %10s %10s %8s\n", "parser", "ns/row", "MB/s", "rel");
	for (int i = 0; i < 4; i++)
		printf("%-38s %10.1f %10.1f %7.2fx\n", names[i], best[i] * 1e9 / (double)rows,
		       (double)len / 1e6 / best[i], best[i] / best[i & ~1]);
	free(buf);
	free(starts);
	return 0;
}
