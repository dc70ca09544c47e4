/*
 * bench_norm.c — throughput of the normalisation rules, one core.
 *
 *   generator (seeded, realistic mix: clean values, lower-case x, 15-digit
 *   numbers, full-width forms, phones with +86 and dashes, dirty dates, a
 *   few invalid ones) ──▶ pool of 2^20 values in 64-byte slots
 *   ──bench_loop: dgp_norm_apply over N values (cycling the pool)──▶ ns/value
 *
 * Each rule: N values (default 10M) per run, the median of R runs (default
 * 5); the pool holds min(2^20, N rounded up) distinct values.  --record: a whole 人口 person record
 * of 10 fields (idcard, person_name, gender, ethnicity, birth date, mobile, region, address text,
 * registration date, phone) per iteration.  Rules are looked up in the
 * registry by name, so rules not registered yet are reported as missing.
 * malloc/calloc/realloc are wrapped (-Wl,--wrap) and counted during the
 * timed loops: the figure must be 0.
 *
 * usage: dgp_bench_norm [--values N] [--runs R] [--record] [RULE...]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_arena.h"
#include "dgp_norm.h"
#include "dgp_region.h"

/* ── allocation counter ─────────────────────────────────────────────── */

static volatile long n_allocs;
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n)
{
	n_allocs++;
	return __real_malloc(n);
}
void *__wrap_calloc(size_t a, size_t b)
{
	n_allocs++;
	return __real_calloc(a, b);
}
void *__wrap_realloc(void *p, size_t n)
{
	n_allocs++;
	return __real_realloc(p, n);
}

/* ── value generators ───────────────────────────────────────────────── */

#define POOL_MAX (1u << 20)
#define SLOT     64
static uint32_t POOL = POOL_MAX; /* a power of two: smaller for short (callgrind) runs */

typedef struct pool {
	char *buf;    /* POOL × SLOT bytes */
	uint8_t *len; /* POOL lengths */
} pool_t;

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}
static int pct(unsigned p)
{
	return rnd(100) < p;
}

static uint32_t *counties;
static size_t n_counties;
static uint32_t *all_codes;
static size_t n_codes;

static void load_regions(void)
{
	size_t n = dgp_region_count(NULL, NULL);
	counties = malloc(n * sizeof(*counties));
	all_codes = malloc(n * sizeof(*all_codes));
	for (size_t i = 0; i < n; i++) {
		dgp_region_status_t st;
		uint32_t c = dgp_region_at(i, &st, NULL);
		all_codes[n_codes++] = c;
		if (c % 100 && dgp_region_province_ok(c / 10000) && st == DGP_REGION_CURRENT)
			counties[n_counties++] = c;
	}
}

/* Full-width copy of ASCII s (digits and letters → U+FF10…), into out. */
static int fullwidth(const char *s, char *out)
{
	int o = 0;
	for (; *s; s++) {
		unsigned cp = (unsigned char)*s;
		if (cp > 0x20 && cp < 0x7F) {
			cp += 0xFEE0;
			out[o++] = (char)(0xE0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return o;
}

static void birth(int *y, int *m, int *d)
{
	*y = 1930 + (int)rnd(95);
	*m = 1 + (int)rnd(12);
	*d = 1 + (int)rnd(28);
}

static int gen_idcard(char *o)
{
	static const char chk[] = "10X98765432";
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	char id[19];
	int y, m, d;
	birth(&y, &m, &d);
	uint32_t region = counties[rnd((uint32_t)n_counties)];
	if (pct(3)) { /* old number, 15 digits, born in the 1900s */
		return sprintf(o, "%06u%02d%02d%02d%03u", region, 50 + (int)rnd(50), m, d,
		               rnd(1000));
	}
	snprintf(id, sizeof(id), "%06u%04d%02d%02d%03u", region, y, m, d, rnd(1000));
	int s = 0;
	for (int i = 0; i < 17; i++)
		s += (id[i] - '0') * w[i];
	id[17] = chk[s % 11];
	id[18] = '\0';
	if (pct(2))
		id[5 + rnd(12)] ^= 1; /* a typo: checksum */
	if (id[17] == 'X' && pct(30))
		id[17] = 'x';
	if (pct(1))
		return fullwidth(id, o);
	return sprintf(o, "%s", id);
}

static const char a31[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int gen_uscc(char *o)
{
	static const char *pairs[] = {"91", "91", "91", "91", "92", "92",
	                              "93", "12", "11", "52", "51"};
	static const int w_org[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	char u[19];
	memcpy(u, pairs[rnd(11)], 2);
	snprintf(u + 2, 7, "%06u", counties[rnd((uint32_t)n_counties)]);
	u[8] = 'M';
	u[9] = 'A';
	for (int i = 10; i < 16; i++)
		u[i] = a31[rnd(pct(70) ? 10 : 31)];
	int s = 0;
	for (int i = 0; i < 8; i++) {
		char c = u[8 + i];
		s += (c <= '9' ? c - '0' : c - 'A' + 10) * w_org[i];
	}
	int c9 = 11 - s % 11;
	u[16] = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
	s = 0;
	for (int i = 0, p = 1; i < 17; i++, p = p * 3 % 31)
		s += (int)(strchr(a31, u[i]) - a31) * p;
	u[17] = a31[(31 - s % 31) % 31];
	u[18] = '\0';
	if (pct(2))
		u[17] = a31[rnd(31)];
	if (pct(3))
		for (int i = 0; i < 18; i++)
			u[i] = (char)(u[i] >= 'A' && u[i] <= 'Z' ? u[i] + 32 : u[i]);
	if (pct(1))
		return fullwidth(u, o);
	return sprintf(o, "%s", u);
}

static int gen_orgcode(char *o)
{
	char u[128];
	gen_uscc(u);
	if (strlen(u) != 18)
		return sprintf(o, "MA4K12345");
	return pct(50) ? sprintf(o, "%.8s-%c", u + 8, u[16]) : sprintf(o, "%.9s", u + 8);
}

static int gen_region(char *o)
{
	if (pct(2))
		return sprintf(o, "%06u", 100000 + rnd(900000));
	if (pct(10))
		return sprintf(o, "%06u", all_codes[rnd((uint32_t)n_codes)]);
	return sprintf(o, "%06u", counties[rnd((uint32_t)n_counties)]);
}

static int gen_date(char *o)
{
	int y, m, d;
	birth(&y, &m, &d);
	switch (rnd(20)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 7:
		return sprintf(o, "%04d-%02d-%02d", y, m, d);
	case 8:
	case 9:
	case 10:
		return sprintf(o, "%04d/%d/%d", y, m, d);
	case 11:
	case 12:
	case 13:
	case 14:
		return sprintf(o, "%04d年%d月%d日", y, m, d);
	case 15:
	case 16:
	case 17:
		return sprintf(o, "%04d%02d%02d", y, m, d);
	case 18:
		return sprintf(o, "%04d.%d.%d", y, m, d);
	default:
		return sprintf(o, "%04d-02-30", y); /* impossible */
	}
}

static int gen_datetime(char *o)
{
	int y, m, d;
	birth(&y, &m, &d);
	if (pct(50))
		return sprintf(o, "%04d-%02d-%02d %02u:%02u:%02u", y, m, d, rnd(24), rnd(60),
		               rnd(60));
	return sprintf(o, "%04d-%02d-%02dT%02u:%02u:%02u+08:00", y, m, d, rnd(24), rnd(60),
	               rnd(60));
}

static int gen_mobile(char *o)
{
	char m[16];
	snprintf(m, sizeof(m), "1%u%09u", 3 + rnd(7), rnd(1000000000));
	switch (rnd(20)) {
	case 0:
	case 1:
		return sprintf(o, "+86 %.3s-%.4s-%.4s", m, m + 3, m + 7);
	case 2:
	case 3:
		return sprintf(o, "%.3s %.4s %.4s", m, m + 3, m + 7);
	case 4:
		return sprintf(o, "0086%s", m);
	case 5:
		return fullwidth(m, o);
	case 6:
		return sprintf(o, "1%u%08u", 2 + rnd(8), rnd(100000000)); /* 10 digits: bad */
	default:
		return sprintf(o, "%s", m);
	}
}

static int gen_phone(char *o)
{
	if (pct(30))
		return sprintf(o, "027-%08u", 80000000 + rnd(10000000));
	return gen_mobile(o);
}

static int gen_gender(char *o)
{
	static const char *v[] = {"1", "2", "1", "2", "男", "女", "男性", "女性", "9", "0"};
	return sprintf(o, "%s", v[rnd(10)]);
}

static int gen_ethnicity(char *o)
{
	static const char *v[] = {"01", "01", "01",   "汉族",   "汉族",
	                          "汉", "03", "回族", "土家族", "15"};
	return sprintf(o, "%s", v[rnd(10)]);
}

static const char *surnames[] = {"张", "王", "李", "刘", "陈",   "杨",
                                 "黄", "赵", "吴", "周", "欧阳", "司马"};
static const char *given[] = {"伟", "芳", "娜", "敏",   "静",   "丽",  "强",
                              "磊", "军", "洋", "子涵", "浩然", "一诺"};

static int gen_person_name(char *o)
{
	if (pct(2))
		return sprintf(o, "阿卜杜拉·买买提");
	if (pct(3))
		return sprintf(o, " %s %s ", surnames[rnd(12)], given[rnd(13)]);
	return sprintf(o, "%s%s", surnames[rnd(12)], given[rnd(13)]);
}

static int gen_text(char *o)
{
	static const char *roads[] = {"中北路", "中南路",   "友谊大道",
	                              "武珞路", "徐东大街", "和平大道"};
	if (pct(20))
		return sprintf(o, "湖北省武汉市武昌区%s１０８号　３栋２单元", roads[rnd(6)]);
	return sprintf(o, "湖北省武汉市武昌区%s%u号%u栋", roads[rnd(6)], 1 + rnd(300), 1 + rnd(30));
}

static int gen_org_name(char *o)
{
	return sprintf(o, pct(50) ? "武汉光谷（集团）有限公司" : " 武汉%s科技有限公司 ",
	               given[rnd(13)]);
}

static int gen_integer(char *o)
{
	return sprintf(o, "%u", rnd(1000000));
}

static int gen_decimal(char *o)
{
	return sprintf(o, "%u.%02u", rnd(100000), rnd(100));
}

static int gen_money(char *o)
{
	return pct(50) ? sprintf(o, "%u万元人民币", 1 + rnd(5000))
	               : sprintf(o, "%u.%02u", rnd(1000000), rnd(100));
}

static int gen_encoding(char *o)
{
	static const char gbk[] =
	    "\xce\xe4\xba\xba\xca\xd0\xce\xe4\xb2\xfd\xc7\xf8"; /* 武汉市武昌区 */
	memcpy(o, gbk, sizeof(gbk) - 1);
	return (int)sizeof(gbk) - 1;
}

typedef struct bench_rule {
	const char *name;
	const char *args;
	int (*gen)(char *out);
} bench_rule_t;

static const bench_rule_t bench_rules[] = {
    {"idcard", NULL, gen_idcard},
    {"uscc", NULL, gen_uscc},
    {"orgcode", NULL, gen_orgcode},
    {"region", NULL, gen_region},
    {"date", NULL, gen_date},
    {"datetime", NULL, gen_datetime},
    {"mobile", NULL, gen_mobile},
    {"phone", NULL, gen_phone},
    {"gender", NULL, gen_gender},
    {"ethnicity", NULL, gen_ethnicity},
    {"text", NULL, gen_text},
    {"person_name", NULL, gen_person_name},
    {"org_name", NULL, gen_org_name},
    {"integer", NULL, gen_integer},
    {"decimal", "scale=2", gen_decimal},
    {"money", NULL, gen_money},
    {"encoding", "charset=GBK", gen_encoding},
};
#define N_BENCH_RULES (sizeof(bench_rules) / sizeof(bench_rules[0]))

static pool_t make_pool(int (*gen)(char *))
{
	pool_t p = {malloc((size_t)POOL * SLOT), malloc(POOL)};
	char tmp[256];
	for (uint32_t i = 0; i < POOL; i++) {
		int n = gen(tmp);
		if (n >= SLOT)
			n = SLOT - 1;
		memcpy(p.buf + (size_t)i * SLOT, tmp, (size_t)n);
		p.len[i] = (uint8_t)n;
	}
	return p;
}

/*
 * The thread's CPU time, not the wall clock: the benchmark machine is shared
 * (2 cores, other builds and benchmarks running), and time spent descheduled
 * is not time the rule took.  On a quiet machine the two agree.
 */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const dgp_norm_ctx_t ctx = {.today = 20261127, .utc_offset_min = 480};
static volatile size_t sink;

/* The timed loop (callgrind: --toggle-collect=bench_loop). */
__attribute__((noinline)) size_t bench_loop(const dgp_norm_rule_t *r, const pool_t *p, long n,
                                            long *n_ok)
{
	char out[DGP_NORM_OUT_CAP(SLOT)];
	dgp_norm_result_t res;
	size_t acc = 0;
	long ok = 0;
	for (long i = 0; i < n; i++) {
		uint32_t k = (uint32_t)i & (POOL - 1);
		ok += dgp_norm_apply(r, &ctx, p->buf + (size_t)k * SLOT, p->len[k], out,
		                     sizeof(out), &res) == DGP_REASON_OK;
		acc += res.len;
	}
	*n_ok = ok;
	return acc;
}

#define N_FIELDS 10
/* The timed loop of a person record: each field through its own rule. */
__attribute__((noinline)) size_t bench_record_loop(const dgp_norm_rule_t *const *rules,
                                                   const pool_t *pools, int n_fields, long n)
{
	char out[DGP_NORM_OUT_CAP(SLOT)];
	dgp_norm_result_t res;
	size_t acc = 0;
	for (long i = 0; i < n; i++) {
		uint32_t k = (uint32_t)i & (POOL - 1);
		for (int f = 0; f < n_fields; f++) {
			const pool_t *p = &pools[f];
			dgp_norm_apply(rules[f], &ctx, p->buf + (size_t)k * SLOT, p->len[k], out,
			               sizeof(out), &res);
			acc += res.len;
		}
	}
	return acc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static const dgp_norm_rule_t *compile(dgp_arena_t *arena, const char *name, const char *args)
{
	const dgp_norm_rule_t *r;
	char err[256];
	if (!dgp_norm_find(name))
		return NULL;
	if (dgp_norm_rule_compile(name, args, arena, NULL, NULL, &r, err, sizeof(err)) != DGP_OK) {
		fprintf(stderr, "bench_norm: %s\n", err);
		return NULL;
	}
	return r;
}

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	long n_values = 10000000;
	int runs = 5;
	int record = 0, n_selected = 0;
	const char *selected[64];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--values") == 0 && i + 1 < argc)
			n_values = atol(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--record") == 0)
			record = 1;
		else if (n_selected < 64)
			selected[n_selected++] = argv[i];
	}
	if (runs < 1 || runs > 99 || n_values < 1) {
		fprintf(stderr,
		        "usage: dgp_bench_norm [--values N] [--runs R] [--record] [RULE...]\n");
		return 2;
	}
	while (POOL > 4096 &&
	       POOL / 2 >= (uint32_t)(n_values < (long)POOL_MAX ? n_values : POOL_MAX))
		POOL /= 2;
	load_regions();
	dgp_arena_t *arena = dgp_arena_new(0);
	double t[99];

	{
		printf("%-12s %10s %14s %8s %8s\n", "rule", "ns/value", "values/s", "ok %",
		       "mallocs");
		for (size_t b = 0; b < N_BENCH_RULES; b++) {
			const bench_rule_t *br = &bench_rules[b];
			int want = !n_selected;
			for (int s = 0; s < n_selected; s++)
				want |= strcmp(selected[s], br->name) == 0;
			if (!want)
				continue;
			const dgp_norm_rule_t *r = compile(arena, br->name, br->args);
			if (!r) {
				printf("%-12s %10s\n", br->name, "(missing)");
				continue;
			}
			pool_t p = make_pool(br->gen);
			long ok = 0, allocs = 0;
			for (int k = 0; k < runs; k++) {
				long before = n_allocs;
				double t0 = now_ns();
				sink += bench_loop(r, &p, n_values, &ok);
				t[k] = (now_ns() - t0) / (double)n_values;
				allocs += n_allocs - before;
			}
			double med = median_of(t, runs);
			printf("%-12s %10.1f %14.0f %8.1f %8ld\n", br->name, med, 1e9 / med,
			       100.0 * (double)ok / (double)n_values, allocs);
			fflush(stdout);
			free(p.buf);
			free(p.len);
		}
	}

	if (record) {
		static const struct {
			const char *field, *rule;
			int (*gen)(char *);
		} fields[N_FIELDS] = {
		    {"公民身份号码", "idcard", gen_idcard},
		    {"姓名", "person_name", gen_person_name},
		    {"性别", "gender", gen_gender},
		    {"民族", "ethnicity", gen_ethnicity},
		    {"出生日期", "date", gen_date},
		    {"手机号码", "mobile", gen_mobile},
		    {"户籍地区划", "region", gen_region},
		    {"现住址", "text", gen_text},
		    {"登记日期", "date", gen_date},
		    {"联系电话", "phone", gen_phone},
		};
		const dgp_norm_rule_t *rules[N_FIELDS];
		pool_t pools[N_FIELDS];
		int nf = 0;
		/*
		 * 16,384 records (10 MiB of field slots): a batch the parser has
		 * just written is in cache, so the record loop should not measure
		 * ten streams from DRAM.
		 */
		POOL = 1u << 14;
		printf("\nperson record fields:");
		for (int f = 0; f < N_FIELDS; f++) {
			const dgp_norm_rule_t *r = compile(arena, fields[f].rule, NULL);
			if (!r) {
				printf(" [%s: %s missing]", fields[f].field, fields[f].rule);
				continue;
			}
			printf(" %s(%s)", fields[f].field, fields[f].rule);
			rules[nf] = r;
			pools[nf++] = make_pool(fields[f].gen);
		}
		long n_rec = n_values / 5 > 0 ? n_values / 5 : 1;
		long allocs = 0;
		for (int k = 0; k < runs; k++) {
			long before = n_allocs;
			double t0 = now_ns();
			sink += bench_record_loop(rules, pools, nf, n_rec);
			t[k] = (now_ns() - t0) / (double)n_rec;
			allocs += n_allocs - before;
		}
		double med = median_of(t, runs);
		printf("\n%-12s %10.1f ns/record (%d fields) %12.0f records/s  mallocs %ld\n",
		       "record", med, nf, 1e9 / med, allocs);
		for (int f = 0; f < nf; f++) {
			free(pools[f].buf);
			free(pools[f].len);
		}
	}
	dgp_arena_destroy(arena);
	return 0;
}
