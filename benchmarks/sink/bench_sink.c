/*
 * bench_sink.c — rows/s of the PostgreSQL sink (connectors/dgp_pg_sink.c).
 *
 *   seeded generator ─▶ batch of records (arena, not timed)
 *                    ─▶ dgp_pg_sink_write (timed: wall + this process's CPU)
 *                    ─▶ dgp_src.bench_person (10 text columns + the dgp columns, PK)
 *
 *   dgp_bench_sink table              drop and create dgp_src.bench_person
 *   dgp_bench_sink tsv FILE [N]       the same N rows as COPY text (for psql \copy)
 *   dgp_bench_sink load FORMAT PATH [N] [BATCH]
 *        FORMAT text|binary; PATH insert (COPY fast path) | merge (stage +
 *        upsert into an empty table) | remerge (upsert of rows already there
 *        with other content); run.sh makes the table (and checkpoints) first
 *
 * Prints one line: "mode rows seconds rows/s cpu_us_per_row round_trips".
 * Connection from DGP_PG_CONNINFO.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dgp_arena.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"

enum { NF = 10 };

static const dgp_field_spec_t FIELDS[NF] = {
    {.source_name = "GMSFHM", .column = "gmsfhm", .pg_type = "text", .key = true, .required = true},
    {.source_name = "XM", .column = "xm", .pg_type = "text"},
    {.source_name = "XB", .column = "xb", .pg_type = "text"},
    {.source_name = "MZ", .column = "mz", .pg_type = "text"},
    {.source_name = "CSRQ", .column = "csrq", .pg_type = "text"},
    {.source_name = "ZZ", .column = "zz", .pg_type = "text"},
    {.source_name = "LXDH", .column = "lxdh", .pg_type = "text"},
    {.source_name = "HJDZ", .column = "hjdz", .pg_type = "text"},
    {.source_name = "GZDW", .column = "gzdw", .pg_type = "text"},
    {.source_name = "WHCD", .column = "whcd", .pg_type = "text"},
};
static const size_t KEYS[1] = {0};
static const dgp_schema_t SCHEMA = {.resource_code = "BENCH/1",
                                    .table = "bench_person",
                                    .base = DGP_BASE_NONE,
                                    .nfields = NF,
                                    .fields = FIELDS,
                                    .nkeys = 1,
                                    .key_fields = KEYS};

static const char DDL[] =
    "SET client_min_messages = warning;"
    "CREATE SCHEMA IF NOT EXISTS dgp_src;"
    "DROP TABLE IF EXISTS dgp_src.bench_person;"
    "CREATE TABLE dgp_src.bench_person (gmsfhm text, xm text, xb text, mz text, csrq text,"
    " zz text, lxdh text, hjdz text, gzdw text, whcd text,"
    " _dgp_content_hash bigint NOT NULL, _dgp_origin text NOT NULL,"
    " _dgp_loaded_at timestamptz NOT NULL DEFAULT now(),"
    " _dgp_updated_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (gmsfhm));"
    "DELETE FROM dgp_catalog.resource_stats WHERE resource_code = 'BENCH/1';"
    "DELETE FROM dgp_ops.file_progress WHERE file_id = 'bench'";

static const char *const SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
static const char *const GIVEN[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊",   "军",
                                    "洋", "勇", "艳", "杰",   "娟", "涛", "明", "超", "秀兰", "霞"};
static const char *const STREETS[] = {"中南路街道", "紫阳街道",   "白沙洲街道", "首义路街道",
                                      "杨园街道",   "徐家棚街道", "积玉桥街道", "粮道街道"};
static const char *const ROADS[] = {"中南二路", "武珞路", "友谊大道", "和平大道",
                                    "解放路",   "民主路", "临江大道", "八一路"};
static const char *const EMPLOYERS[] = {"武汉市武昌区人民政府", "湖北省某某建设有限公司",
                                        "武汉大学", "中国建设银行武汉分行", "武汉某某科技有限公司"};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static dgp_slice_t put(dgp_arena_t *a, const char *s)
{
	size_t n = strlen(s);
	return (dgp_slice_t){dgp_arena_memdup(a, s, n), n};
}

/* Row i (0-based), version v (0 = first load; v > 0 = changed content for remerge). */
static void gen_row(dgp_arena_t *a, uint64_t i, unsigned v, dgp_record_t *r)
{
	char b[128];
	uint64_t h = mix(i * 0x9E3779B97F4A7C15ULL + 1), h2 = mix(h);
	r->vals = dgp_arena_alloc(a, NF * sizeof(dgp_slice_t));
	/* unique, scattered keys: i ↦ i·2654435761 mod 10^12 is a bijection (coprime) */
	uint64_t k = (i * 2654435761ULL) % 1000000000000ULL;
	snprintf(b, sizeof(b), "420106%012" PRIu64, k);
	r->vals[0] = put(a, b);
	snprintf(b, sizeof(b), "%s%s", SURNAMES[h % 20], GIVEN[(h >> 8) % 20]);
	r->vals[1] = put(a, b);
	r->vals[2] = put(a, (h >> 16) & 1 ? "1" : "2");
	snprintf(b, sizeof(b), "%02u", (unsigned)((h >> 17) % 56) + 1);
	r->vals[3] = put(a, b);
	snprintf(b, sizeof(b), "%04u-%02u-%02u", 1930 + (unsigned)((h >> 24) % 90),
	         1 + (unsigned)((h >> 32) % 12), 1 + (unsigned)((h >> 36) % 28));
	r->vals[4] = put(a, b);
	snprintf(b, sizeof(b), "湖北省武汉市武昌区%s%s%u号%u栋%u室", STREETS[(h >> 40) % 8],
	         ROADS[(h >> 44) % 8], (unsigned)(h2 % 300) + 1 + v,
	         (unsigned)((h2 >> 10) % 30) + 1, (unsigned)((h2 >> 20) % 2000) + 101);
	r->vals[5] = put(a, b);
	snprintf(b, sizeof(b), "1%02u%08u", 30 + (unsigned)((h2 >> 32) % 60),
	         (unsigned)((h2 >> 8) % 100000000));
	r->vals[6] = put(a, b);
	snprintf(b, sizeof(b), "湖北省武汉市武昌区%s%s%u号", STREETS[(h2 >> 40) % 8],
	         ROADS[(h2 >> 44) % 8], (unsigned)((h2 >> 48) % 500) + 1);
	r->vals[7] = put(a, b);
	r->vals[8] = put(a, EMPLOYERS[(h2 >> 52) % 5]);
	snprintf(b, sizeof(b), "%u0", 1 + (unsigned)((h2 >> 56) % 9));
	r->vals[9] = put(a, b);
	r->content_hash = mix(h2 + v) & ~1ULL;
	r->key = r->vals[0];
	r->key_hash = dgp_dedup_hash(r->vals[0].p, r->vals[0].len);
	r->origin = (dgp_origin_t){.source = "/data/bench/gaj_syrk.csv",
	                           .partition = -1,
	                           .offset = (int64_t)i * 200,
	                           .line = (int64_t)i + 2,
	                           .end_offset = (int64_t)i * 200 + 200};
	r->reject_field = -1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static PGconn *connect_env(void)
{
	const char *ci = getenv("DGP_PG_CONNINFO");
	char err[512];
	PGconn *c;
	if (!ci) {
		fprintf(stderr, "dgp_bench_sink: DGP_PG_CONNINFO is not set\n");
		exit(2);
	}
	if (dgp_pg_connect(ci, 10000, &c, err, sizeof(err)) != DGP_OK) {
		fprintf(stderr, "dgp_bench_sink: %s\n", err);
		exit(1);
	}
	return c;
}

static void must(dgp_err_t e, const char *err)
{
	if (e != DGP_OK) {
		fprintf(stderr, "dgp_bench_sink: %s\n", err);
		exit(1);
	}
}

static void make_table(PGconn *c)
{
	char err[512];
	must(dgp_pg_sink_ensure_ops(c, err, sizeof(err)), err);
	must(dgp_pg_exec(c, DDL, err, sizeof(err)), err);
}

static void copy_text(FILE *f, dgp_slice_t v)
{
	for (size_t i = 0; i < v.len; i++) {
		char ch = v.p[i];
		if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r')
			fputc('\\', f), ch = ch == '\t'   ? 't'
			                     : ch == '\n' ? 'n'
			                     : ch == '\r' ? 'r'
			                                  : ch;
		fputc(ch, f);
	}
}

/* The exact bytes the sink's text COPY sends, for psql \copy into the same table. */
static int write_tsv(const char *path, uint64_t n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	dgp_arena_t *a = dgp_arena_new(1 << 20);
	for (uint64_t i = 0; i < n; i++) {
		dgp_record_t r = {0};
		gen_row(a, i, 0, &r);
		for (int k = 0; k < NF; k++) {
			copy_text(f, r.vals[k]);
			fputc('\t', f);
		}
		fprintf(f, "%" PRId64 "\t%s:%" PRId64 "\n", (int64_t)r.content_hash,
		        r.origin.source, r.origin.line);
		if ((i & 0xFFFF) == 0xFFFF)
			dgp_arena_reset(a);
	}
	dgp_arena_destroy(a);
	return fclose(f) == 0 ? 0 : 1;
}

static int load(const char *format, const char *path, uint64_t n, size_t batch)
{
	PGconn *c = connect_env();
	bool merge = strcmp(path, "merge") == 0, remerge = strcmp(path, "remerge") == 0;
	unsigned version = remerge ? 1 + (unsigned)(time(NULL) % 1000) : 0; /* differs run to run */
	char err[512];
	dgp_pg_sink_opts_t o = {.format = strcmp(format, "binary") == 0 ? DGP_PG_COPY_BINARY
	                                                                : DGP_PG_COPY_TEXT};
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, &o);
	dgp_arena_t *a = dgp_arena_new(1 << 22);
	dgp_record_t *recs = dgp_xcalloc(batch, sizeof(*recs));
	dgp_record_t **ptrs = dgp_xcalloc(batch, sizeof(*ptrs));
	double wall = 0, cpu = 0;
	int rts = 0;
	uint64_t written = 0;
	for (uint64_t start = 0; start < n; start += batch) {
		size_t m = (size_t)(n - start < batch ? n - start : batch);
		dgp_arena_reset(a);
		for (size_t i = 0; i < m; i++) {
			memset(&recs[i], 0, sizeof(recs[i]));
			gen_row(a, start + i, version, &recs[i]);
			ptrs[i] = &recs[i];
		}
		dgp_batch_counts_t counts = {.read = m};
		dgp_pg_sink_input_t in = {.schema = &SCHEMA, .counts = &counts};
		if (merge || remerge) {
			in.merges = ptrs;
			in.n_merges = m;
		} else {
			in.inserts = ptrs;
			in.n_inserts = m;
		}
		dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
		                        .file_id = "bench",
		                        .path = "/data/bench/gaj_syrk.csv",
		                        .next_offset = (int64_t)(start + m) * 200,
		                        .next_line = (int64_t)(start + m) + 2,
		                        .records = (int64_t)(start + m)};
		dgp_pg_sink_result_t res;
		double t0 = now_s(), c0 = cpu_s();
		must(dgp_pg_sink_write(sk, &in, remerge ? NULL : &pr, &res, err, sizeof(err)), err);
		wall += now_s() - t0;
		cpu += cpu_s() - c0;
		rts += res.round_trips;
		written += res.inserted + res.updated;
	}
	if (written != n) {
		fprintf(stderr, "dgp_bench_sink: wrote %" PRIu64 " of %" PRIu64 " rows\n", written,
		        n);
		return 1;
	}
	printf("%s-%s %" PRIu64 " %.3f %.0f %.3f %.1f\n", format, path, n, wall, (double)n / wall,
	       cpu * 1e6 / (double)n, (double)rts / (double)((n + batch - 1) / batch));
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	free(recs);
	free(ptrs);
	PQfinish(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "table") == 0) {
		PGconn *c = connect_env();
		make_table(c);
		PQfinish(c);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "tsv") == 0)
		return write_tsv(argv[2], argc > 3 ? strtoull(argv[3], NULL, 10) : 1000000);
	if (argc >= 4 && strcmp(argv[1], "load") == 0)
		return load(argv[2], argv[3], argc > 4 ? strtoull(argv[4], NULL, 10) : 1000000,
		            argc > 5 ? strtoull(argv[5], NULL, 10) : 10000);
	fprintf(stderr, "usage: dgp_bench_sink table | tsv FILE [N] | "
	                "load text|binary insert|merge|remerge [N] [BATCH]\n");
	return 2;
}
