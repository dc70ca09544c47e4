/*
 * test_norm_pg_cast.c — the invariant between the normalisers and the
 * dgp_src column types: every value a rule accepts is accepted by
 * PostgreSQL's input function for the type the catalog gives that rule
 * with those arguments (dgp_catalog_column_type), and reads back as the
 * very same text; for datetime, values PostgreSQL holds equal have equal
 * normalised text.
 *
 *   generator (deterministic: mixed valid, dirty, edge-case inputs, the
 *   fuzz seeds) ──rule──▶ accepted outputs ──COPY──▶ temp table (v text)
 *   ──one INSERT … SELECT v::type──▶ typed temp table  (a failed cast fails the test, naming the
 * value) ──one SELECT count(*) WHERE v::type::text <> v──▶ 0
 *
 * Real PostgreSQL 15 (scripts/services.sh start), session TimeZone set as
 * dgp load/run set it (dgp_pg_set_time_zone, UTC+8).  Nothing is faked.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_catalog_schema.h"
#include "dgp_norm.h"
#include "dgp_pg.h"
#include "dgp_sql.h"

#define VALUES_PER_RULE 100000

static const dgp_norm_ctx_t ctx = {.today = 20261127, .utc_offset_min = 480};

/* ---- deterministic generator ------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *pick(const char *const *a, size_t n)
{
	return a[rnd((uint32_t)n)];
}
#define PICK(a) pick((a), sizeof(a) / sizeof((a)[0]))

/* A year that is often an edge: 1, 1753, 1850, 1899, 1900, 1970, 2026, 9999, or anything. */
static int gen_year(void)
{
	static const int edge[] = {1,    1753, 1849, 1850, 1899, 1900,
	                           1970, 2000, 2024, 2026, 2027, 9999};
	return rnd(4) ? 1900 + (int)rnd(140) : edge[rnd(sizeof(edge) / sizeof(edge[0]))];
}

static int gen_date(char *o, size_t cap)
{
	int y = gen_year(), m = 1 + (int)rnd(rnd(20) ? 12 : 14),
	    d = 1 + (int)rnd(rnd(20) ? 31 : 33);
	switch (rnd(8)) {
	case 0:
		return snprintf(o, cap, "%04d-%02d-%02d", y, m, d);
	case 1:
		return snprintf(o, cap, "%04d%02d%02d", y, m, d);
	case 2:
		return snprintf(o, cap, "%d年%d月%d日", y, m, d);
	case 3:
		return snprintf(o, cap, "%d/%d/%d", y, m, d);
	case 4:
		return snprintf(o, cap, "%d.%d.%d", y, m, d);
	case 5:
		return snprintf(o, cap, "%s",
		                PICK(((const char *const[]){"长期", "长期有效", "永久",
		                                            "9999-12-31", "2024年1月"})));
	case 6:
		return snprintf(o, cap, " %04d-%02d-%02d 00:00:00", y, m, d);
	default:
		return snprintf(o, cap, "%04d-%d-%d", y, m, d);
	}
}

static int gen_datetime(char *o, size_t cap)
{
	static const char *const offs[] = {"",    "Z",      "+08:00", "+0800",   "+08", "-05:30",
	                                   "+14", "-12:00", "+05:45", " +09:00", "z",   "+00:00"};
	static const char *const fracs[] = {"",         ".5",  ".000",   ".123456",
	                                    ".1234567", ",25", ".000001"};
	int y = gen_year(), m = 1 + (int)rnd(12), d = 1 + (int)rnd(31);
	int hh = (int)rnd(rnd(30) ? 24 : 25), mi = (int)rnd(60), ss = (int)rnd(rnd(30) ? 60 : 61);
	const char *f = PICK(fracs), *z = PICK(offs);
	switch (rnd(6)) {
	case 0:
		return snprintf(o, cap, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, m, d, hh, mi, ss, f,
		                z);
	case 1:
		return snprintf(o, cap, "%04d-%02d-%02d %02d:%02d:%02d%s%s", y, m, d, hh, mi, ss, f,
		                z);
	case 2:
		return snprintf(o, cap, "%04d%02d%02d%02d%02d%02d", y, m, d, hh, mi, ss);
	case 3:
		return snprintf(o, cap, "%04d%02d%02dT%02d%02d%02d%s%s", y, m, d, hh, mi, ss, f, z);
	case 4:
		return snprintf(o, cap, "%04d-%02d-%02dT%02d%02d%02d%s", y, m, d, hh, mi, ss, z);
	default:
		return snprintf(o, cap, "%d年%d月%d日 %d时%d分%d秒", y, m, d, hh, mi, ss);
	}
}

static int gen_digits(char *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		o[i] = (char)('0' + rnd(10));
	return (int)n;
}

static int gen_number(char *o, size_t cap)
{
	static const char *const units[] = {"",       "",     "元",   "万",   "万元",
	                                    "亿",     "亿元", "百万", "万亿", "千万元",
	                                    "人民币", "美元", " RMB"};
	static const char *const pre[] = {"", "", "", "-", "+", "￥", "¥", "RMB ", "$", "１"};
	char ip[48], fp[16];
	size_t il = rnd(5) ? 1 + rnd(8) : 1 + rnd(40);
	gen_digits(ip, il);
	ip[il] = '\0';
	size_t fl = rnd(3) ? rnd(4) : rnd(12);
	gen_digits(fp, fl);
	fp[fl] = '\0';
	return snprintf(o, cap, "%s%s%s%s%s", PICK(pre), ip, fl ? "." : "", fp, PICK(units));
}

/* An 18-character 身份证号 with the right check character (sometimes a wrong one). */
static int gen_idcard(char *o, size_t cap)
{
	static const char *const regions[] = {"110105", "420106", "440524", "810000", "999999"};
	char b[24];
	int n = snprintf(b, sizeof(b), "%s%04d%02d%02d%03u", PICK(regions), gen_year(),
	                 1 + (int)rnd(12), 1 + (int)rnd(28), rnd(1000));
	if (n != 17)
		return snprintf(o, cap, "%s", b);
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (b[i] - '0') * (int)((1u << (17 - i)) % 11);
	b[17] = rnd(20) ? "10X98765432"[sum % 11] : '0';
	b[18] = '\0';
	return snprintf(o, cap, "%s", b);
}

/* Any bytes, often UTF-8 text with full-width forms, controls, NULs and invalid sequences. */
static int gen_dirty(char *o, size_t cap)
{
	static const char *const parts[] = {"张三",
	                                    "（集团）",
	                                    "　",
	                                    " ",
	                                    "\t",
	                                    "Ａ",
	                                    "１",
	                                    "·",
	                                    "\xC0\x80",
	                                    "\xE4\xB8",
	                                    "\x01",
	                                    "'",
	                                    "\\",
	                                    "\"",
	                                    "\n",
	                                    "有限公司",
	                                    "2024",
	                                    "-",
	                                    "男",
	                                    "汉族",
	                                    "0",
	                                    "X",
	                                    "138",
	                                    "\xEF\xBB\xBF",
	                                    "\xE2\x80\x8B",
	                                    "DROP TABLE x;--"};
	size_t n = 0, k = rnd(6);
	for (size_t i = 0; i <= k; i++) {
		const char *p = PICK(parts);
		size_t l = strlen(p);
		if (n + l + 1 > cap)
			break;
		memcpy(o + n, p, l);
		n += l;
	}
	if (rnd(50) == 0 && n + 1 < cap)
		o[n++] = '\0';
	return (int)n;
}

/* The fuzz seeds of the rule (tests/fuzz/seeds/RULE/…), read once. */
typedef struct seeds {
	char **v;
	size_t *len, n;
} seeds_t;

static seeds_t read_seeds(const char *rule)
{
	seeds_t s = {0};
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/seeds/%s", DGP_SOURCE_DIR, rule);
	DIR *d = opendir(dir);
	if (!d)
		return s;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		char buf[4096];
		size_t l = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		s.v = realloc(s.v, (s.n + 1) * sizeof(*s.v));
		s.len = realloc(s.len, (s.n + 1) * sizeof(*s.len));
		s.v[s.n] = malloc(l ? l : 1);
		memcpy(s.v[s.n], buf, l);
		s.len[s.n++] = l;
	}
	closedir(d);
	return s;
}

/* One input for rule: mostly of the rule's own family, some of every other shape. */
static size_t gen_input(const char *rule, const seeds_t *seeds, size_t i, char *o, size_t cap)
{
	if (i < seeds->n) {
		memcpy(o, seeds->v[i], seeds->len[i]);
		return seeds->len[i];
	}
	int n;
	uint32_t r = rnd(10);
	if (r == 0)
		n = gen_dirty(o, cap);
	else if (r == 1)
		n = gen_number(o, cap);
	else if (r == 2)
		n = gen_date(o, cap);
	else if (!strcmp(rule, "date"))
		n = gen_date(o, cap);
	else if (!strcmp(rule, "datetime"))
		n = gen_datetime(o, cap);
	else if (!strcmp(rule, "integer") || !strcmp(rule, "decimal") || !strcmp(rule, "money"))
		n = gen_number(o, cap);
	else if (!strcmp(rule, "idcard"))
		n = gen_idcard(o, cap);
	else if (!strcmp(rule, "region"))
		n = snprintf(
		    o, cap, "%s",
		    PICK(((const char *const[]){"110105", "420106", "420102", "440524", "110000",
		                                "429004", "４２０１０６", "810000"})));
	else if (!strcmp(rule, "code_list"))
		n = snprintf(o, cap, "%s",
		             PICK(((const char *const[]){"10", "20", "未婚", " 已婚 ", "９０",
		                                         "其他", "30"})));
	else if (!strcmp(rule, "mobile") || !strcmp(rule, "phone") || !strcmp(rule, "orgcode") ||
	         !strcmp(rule, "uscc"))
		n = gen_digits(o, 6 + rnd(13));
	else
		n = gen_dirty(o, cap);
	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/* ---- PostgreSQL -------------------------------------------------------- */

static PGconn *connect_or_fail(void)
{
	const char *ci = getenv("DGP_PG_CONNINFO");
	cr_assert_not_null(ci, "DGP_PG_CONNINFO is not set: start the services with "
	                       "scripts/services.sh start (make test does)");
	char err[512];
	PGconn *c;
	cr_assert_eq(dgp_pg_connect(ci, 10000, &c, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_eq(dgp_pg_set_time_zone(c, ctx.utc_offset_min, err, sizeof(err)), DGP_OK, "%s",
	             err);
	cr_assert_eq(dgp_pg_exec(c, "SET client_min_messages = warning", err, sizeof(err)), DGP_OK);
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	char err[1024];
	cr_assert_eq(dgp_pg_exec(c, sql, err, sizeof(err)), DGP_OK, "%s: %s", sql, err);
}

static long long query_count(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
	long long n = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

static const dgp_codelist_t *lookup(const char *name, void *opaque)
{
	dgp_arena_t *a = opaque;
	dgp_codelist_t *l = dgp_codelist_new(a, name);
	dgp_codelist_add(l, "10", "未婚");
	dgp_codelist_add(l, "20", "已婚");
	dgp_codelist_add(l, "９０", "其他");
	return l;
}

/* Argument sets per rule; a rule not listed runs with none. */
static const struct {
	const char *rule, *args;
} arg_sets[] = {
    {"idcard", "min_date=1850-01-01"},
    {"date", "max_date=none;long_term=yes"},
    {"date", "min_date=1850-01-01;max_date=today"},
    {"datetime", "max_date=none"},
    {"text", "max=20"},
    {"code_list", "list=HYZK"},
    {"encoding", "charset=GBK"},
    {"encoding", "charset=GB18030"},
    {"integer", "range=-1000..1000"},
    {"decimal", "scale=2"},
    {"decimal", "scale=9"},
    {"money", "scale=6"},
    {"money", "scale=2"},
    {"money", "scale=9"},
    {"region", "current=Y"},
};

typedef struct outcome {
	size_t accepted, values;
} outcome_t;

/*
 * Normalises VALUES_PER_RULE generated inputs with rule(args), COPYs the
 * accepted outputs into a temp table and casts them all to the column type
 * in one statement; then checks every value reads back as the same text.
 */
static outcome_t check_rule(PGconn *c, dgp_arena_t *arena, const char *name, const char *args,
                            size_t n_values)
{
	const dgp_norm_rule_t *rule;
	char err[512];
	cr_assert_eq(
	    dgp_norm_rule_compile(name, args, arena, lookup, arena, &rule, err, sizeof(err)),
	    DGP_OK, "%s(%s): %s", name, args ? args : "", err);
	const char *type = dgp_catalog_column_type(name, args);
	seeds_t seeds = read_seeds(name);
	dgp_buf_t copy = {0};
	outcome_t o = {0, n_values};
	char in[512], out[DGP_NORM_OUT_CAP(512)];
	for (size_t i = 0; i < n_values; i++) {
		size_t len = gen_input(name, &seeds, i, in, sizeof(in));
		dgp_norm_result_t res;
		if (dgp_norm_apply(rule, &ctx, in, len, out, sizeof(out), &res) != DGP_REASON_OK)
			continue;
		o.accepted++;
		dgp_buf_printf(&copy, "%zu\t", i);
		dgp_sql_copy_text(&copy, out, res.len);
		dgp_buf_append(&copy, "\n", 1);
	}
	for (size_t i = 0; i < seeds.n; i++)
		free(seeds.v[i]);
	free(seeds.v);
	free(seeds.len);

	exec_ok(c, "DROP TABLE IF EXISTS pg_cast_in, pg_cast_typed");
	exec_ok(c, "CREATE TEMP TABLE pg_cast_in (i int, v text)");
	PGresult *r = PQexec(c, "COPY pg_cast_in FROM STDIN");
	cr_assert_eq(PQresultStatus(r), PGRES_COPY_IN, "%s", PQresultErrorMessage(r));
	PQclear(r);
	cr_assert_eq(PQputCopyData(c, copy.p ? copy.p : "", (int)copy.len), 1);
	cr_assert_eq(PQputCopyEnd(c, NULL), 1);
	r = PQgetResult(c);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s(%s): COPY refused a value: %s", name,
	             args ? args : "", PQresultErrorMessage(r));
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	dgp_buf_free(&copy);

	char sql[512];
	snprintf(sql, sizeof(sql),
	         "CREATE TEMP TABLE pg_cast_typed AS SELECT i, v::%s AS x FROM pg_cast_in", type);
	r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK,
	             "%s(%s): a value the rule accepted is refused by %s: %s", name,
	             args ? args : "", type, PQresultErrorMessage(r));
	PQclear(r);
	cr_expect_eq(query_count(c, "SELECT count(*) FROM pg_cast_typed"), (long long)o.accepted);
	/* the text PostgreSQL gives back (warm cache, exports) is the normalised text */
	long long differ = query_count(c, "SELECT count(*) FROM pg_cast_in JOIN pg_cast_typed "
	                                  "USING (i) WHERE x::text IS DISTINCT FROM v");
	if (differ) {
		PGresult *e =
		    PQexec(c, "SELECT v, x::text FROM pg_cast_in JOIN pg_cast_typed USING (i) "
		              "WHERE x::text IS DISTINCT FROM v LIMIT 1");
		cr_expect_fail(
		    "%s(%s): %lld values read back as other text from %s, e.g. \"%s\" -> \"%s\"",
		    name, args ? args : "", differ, type, PQgetvalue(e, 0, 0), PQgetvalue(e, 0, 1));
		PQclear(e);
	}
	if (strcmp(type, "text") != 0) {
		/* values PostgreSQL holds equal have one spelling */
		cr_expect_eq(query_count(c, "SELECT count(*) FROM (SELECT x FROM pg_cast_in JOIN "
		                            "pg_cast_typed USING (i) GROUP BY x "
		                            "HAVING count(DISTINCT v) > 1) d"),
		             0, "%s(%s): equal %s values with different normalised text", name,
		             args ? args : "", type);
	}
	return o;
}

Test(norm_pg_cast, every_accepted_value_parses_as_its_column_type_and_reads_back_unchanged,
     .timeout = 300)
{
	PGconn *c = connect_or_fail();
	dgp_arena_t *arena = dgp_arena_new(0);
	size_t ndefs;
	const dgp_norm_def_t *defs = dgp_norm_defs(&ndefs);
	for (size_t d = 0; d < ndefs; d++) {
		const char *name = defs[d].name;
		size_t nsets = 0;
		for (size_t k = 0; k < sizeof(arg_sets) / sizeof(arg_sets[0]); k++)
			nsets += strcmp(arg_sets[k].rule, name) == 0;
		/* every rule runs with no arguments too, except those that need one */
		bool bare = strcmp(name, "code_list") != 0;
		size_t runs = nsets + bare, per = VALUES_PER_RULE / runs, accepted = 0;
		if (bare)
			accepted += check_rule(c, arena, name, NULL, per).accepted;
		for (size_t k = 0; k < sizeof(arg_sets) / sizeof(arg_sets[0]); k++)
			if (strcmp(arg_sets[k].rule, name) == 0)
				accepted +=
				    check_rule(c, arena, name, arg_sets[k].args, per).accepted;
		/* the generator must reach the accepting paths, or the test proves nothing */
		cr_expect_gt(accepted, (size_t)50, "%s: only %zu of %d generated values accepted",
		             name, accepted, VALUES_PER_RULE);
	}
	dgp_arena_destroy(arena);
	PQfinish(c);
}

Test(norm_pg_cast, one_instant_written_two_ways_is_one_key)
{
	/* the 21000 of a batch keyed by a datetime: two spellings, one instant */
	PGconn *c = connect_or_fail();
	dgp_arena_t *arena = dgp_arena_new(0);
	const dgp_norm_rule_t *rule;
	char err[256], a[64], b[64];
	cr_assert_eq(
	    dgp_norm_rule_compile("datetime", NULL, arena, NULL, NULL, &rule, err, sizeof(err)),
	    DGP_OK);
	dgp_norm_result_t ra, rb;
	const char *x = "2024-01-01 12:00:00+08:00", *y = "2024-01-01 04:00:00Z";
	cr_assert_eq(dgp_norm_apply(rule, &ctx, x, strlen(x), a, sizeof(a), &ra), DGP_REASON_OK);
	cr_assert_eq(dgp_norm_apply(rule, &ctx, y, strlen(y), b, sizeof(b), &rb), DGP_REASON_OK);
	a[ra.len] = b[rb.len] = '\0';
	cr_expect_str_eq(a, b);
	const char *params[] = {a};
	PGresult *r =
	    PQexecParams(c, "SELECT $1::timestamptz::text", 1, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	cr_expect_str_eq(PQgetvalue(r, 0, 0), a);
	PQclear(r);
	dgp_arena_destroy(arena);
	PQfinish(c);
}
