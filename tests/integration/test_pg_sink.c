/*
 * test_pg_sink.c — the PostgreSQL sink against a real PostgreSQL 15: exact
 * rows after inserts, merges and both; a repeated batch changes nothing;
 * a key the cache took for new merged without an error; rejects with their exact bytes; progress
 * and offsets in the batch's transaction (a failure leaves nothing);
 * statistics increments; warm start of the dedup cache; SQL-looking values
 * and identifiers stored as data; a stale Kafka batch (another writer
 * committed part of its span) writes nothing.
 *
 * Runs in its own database (dgp_sink_test, recreated schemas per test), so
 * it never meets the tables of other integration tests.  Records are built
 * by hand, exactly as dgp_batch hands them over.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_pg.h"
#include "dgp_norm.h"
#include "dgp_golden.h"
#include "dgp_pg_bin.h"
#include "dgp_pg_sink.h"

#define TESTDB "dgp_sink_test"

static char err[1024];

static PGconn *connect_db(const char *dbname)
{
	const char *ci = getenv("DGP_PG_CONNINFO");
	cr_assert_not_null(ci, "DGP_PG_CONNINFO is not set: start the services with "
	                       "scripts/services.sh start (make test does)");
	char full[1024];
	snprintf(full, sizeof(full), "%s%s%s", ci, dbname ? " dbname=" : "", dbname ? dbname : "");
	PGconn *c;
	cr_assert_eq(dgp_pg_connect(full, 10000, &c, err, sizeof(err)), DGP_OK, "%s", err);
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	cr_assert_eq(dgp_pg_exec(c, sql, err, sizeof(err)), DGP_OK, "%s\n%s", err, sql);
}

/* First column of the first row, as text ("<null>" for NULL, "<none>" for no row); caller frees. */
static char *q1(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s\n%s", PQerrorMessage(c), sql);
	char *s = strdup(PQntuples(r) == 0      ? "<none>"
	                 : PQgetisnull(r, 0, 0) ? "<null>"
	                                        : PQgetvalue(r, 0, 0));
	PQclear(r);
	return s;
}

/* The golden worker's job, done before golden rows are looked at: the sink
 * only queues the keys (dgp_ops.golden_queue). */
static void golden_drain(PGconn *c)
{
	dgp_golden_report_t gr = {0};
	cr_assert_eq(dgp_golden_drain(c, 100000, false, &gr, err, sizeof(err)), DGP_OK, "%s", err);
}

/* The queued keys, all rows', in key order. */
#define QUEUED_KEYS                                                                                \
	"SELECT string_agg(k, ',' ORDER BY k) FROM dgp_ops.golden_queue, unnest(keys) AS u (k)"

/* As expect_q, without the golden drain: for what the queue holds before it. */
static void expect_raw(PGconn *c, const char *sql, const char *want)
{
	char *got = q1(c, sql);
	cr_expect_str_eq(got, want, "%s", sql);
	free(got);
}

static void expect_q(PGconn *c, const char *sql, const char *want)
{
	if (strstr(sql, "dgp_base."))
		golden_drain(c);
	char *got = q1(c, sql);
	cr_expect_str_eq(got, want, "%s", sql);
	free(got);
}

static const char PERSON_TABLE[] = "CREATE TABLE dgp_src.sinktest_person ("
                                   " gmsfhm text, xm text, xb text, zz text,"
                                   " _dgp_content_hash bigint NOT NULL, _dgp_origin text NOT NULL,"
                                   " _dgp_loaded_at timestamptz NOT NULL DEFAULT now(),"
                                   " _dgp_updated_at timestamptz NOT NULL DEFAULT now(),"
                                   " PRIMARY KEY (gmsfhm))";

/* dgp_base.person and its refresh function, written by hand per SCHEMA.md. */
static const char GOLDEN_PERSON[] =
    "CREATE TABLE dgp_base.person (gmsfhm text PRIMARY KEY, xm text, zz text,"
    " _dgp_sources jsonb, _dgp_updated_at timestamptz);"
    "CREATE FUNCTION dgp_base.refresh_person(keys text[]) RETURNS void LANGUAGE sql AS $f$"
    " DELETE FROM dgp_base.person p WHERE p.gmsfhm = ANY(keys) AND NOT EXISTS"
    "  (SELECT 1 FROM dgp_src.sinktest_person s WHERE s.gmsfhm = p.gmsfhm);"
    " INSERT INTO dgp_base.person AS p (gmsfhm, xm, zz, _dgp_sources, _dgp_updated_at)"
    "  SELECT s.gmsfhm, s.xm, s.zz,"
    "   jsonb_strip_nulls(jsonb_build_object('xm', CASE WHEN s.xm IS NOT NULL THEN 'T/1' END,"
    "                                         'zz', CASE WHEN s.zz IS NOT NULL THEN 'T/1' END)),"
    "   now()"
    "  FROM dgp_src.sinktest_person s WHERE s.gmsfhm = ANY(keys)"
    " ON CONFLICT (gmsfhm) DO UPDATE SET xm = EXCLUDED.xm, zz = EXCLUDED.zz,"
    "  _dgp_sources = EXCLUDED._dgp_sources, _dgp_updated_at = now();"
    "$f$";

static PGconn *fresh_db(void)
{
	PGconn *admin = connect_db(NULL);
	char *has = q1(admin, "SELECT 1 FROM pg_database WHERE datname = '" TESTDB "'");
	if (strcmp(has, "1") != 0)
		exec_ok(admin, "CREATE DATABASE " TESTDB);
	free(has);
	PQfinish(admin);
	PGconn *c = connect_db(TESTDB);
	exec_ok(c, "DROP SCHEMA IF EXISTS dgp_src, dgp_base, dgp_ops, dgp_catalog CASCADE;"
	           "CREATE SCHEMA dgp_src; CREATE SCHEMA dgp_base");
	exec_ok(c, PERSON_TABLE);
	exec_ok(c, GOLDEN_PERSON);
	cr_assert_eq(dgp_pg_sink_ensure_ops(c, err, sizeof(err)), DGP_OK, "%s", err);
	return c;
}

/* ------------------------------------------------------------ test data */

enum { NF = 4 };

static const dgp_field_spec_t PERSON_FIELDS[NF] = {
    {.name = "公民身份号码",
     .source_name = "GMSFHM",
     .column = "gmsfhm",
     .pg_type = "text",
     .required = true,
     .key = true,
     .base_column = "gmsfhm",
     .priority = 1},
    {.name = "姓名",
     .source_name = "XM",
     .column = "xm",
     .pg_type = "text",
     .base_column = "xm",
     .priority = 1},
    {.name = "性别", .source_name = "XB", .column = "xb", .pg_type = "text"},
    {.name = "住址",
     .source_name = "ZZ",
     .column = "zz",
     .pg_type = "text",
     .base_column = "zz",
     .priority = 1},
};
static const size_t PERSON_KEYS[1] = {0};
static const dgp_schema_t PERSON = {.resource_code = "T/1",
                                    .resource_name = "测试人口",
                                    .table = "sinktest_person",
                                    .base = DGP_BASE_PERSON,
                                    .nfields = NF,
                                    .fields = PERSON_FIELDS,
                                    .nkeys = 1,
                                    .key_fields = PERSON_KEYS};

/* A record as dgp_batch builds it: vals, key joined with 0x1F, hashes, origin. */
static dgp_record_t *mkrec(dgp_arena_t *a, const dgp_schema_t *s, const char *const *vals,
                           const char *source, int64_t line)
{
	dgp_record_t *r = dgp_arena_calloc(a, sizeof(*r));
	r->vals = dgp_arena_calloc(a, s->nfields * sizeof(dgp_slice_t));
	char content[4096];
	size_t o = 0;
	for (size_t i = 0; i < s->nfields; i++) {
		if (vals[i]) {
			r->vals[i] = (dgp_slice_t){dgp_arena_strdup(a, vals[i]), strlen(vals[i])};
			o += (size_t)snprintf(content + o, sizeof(content) - o, "%zu:%s",
			                      strlen(vals[i]), vals[i]);
		} else {
			o += (size_t)snprintf(content + o, sizeof(content) - o, "-");
		}
	}
	char key[512];
	size_t kl = 0;
	for (size_t k = 0; k < s->nkeys; k++) {
		if (k)
			key[kl++] = '\x1f';
		const char *v = vals[s->key_fields[k]];
		memcpy(key + kl, v, strlen(v));
		kl += strlen(v);
	}
	r->key = (dgp_slice_t){dgp_arena_memdup(a, key, kl), kl};
	r->key_hash = dgp_dedup_hash(key, kl);
	r->content_hash = dgp_dedup_hash(content, o) & ~1ull;
	r->origin = (dgp_origin_t){.source = source,
	                           .partition = -1,
	                           .offset = line * 100,
	                           .line = line,
	                           .end_offset = line * 100 + 100};
	r->raw = (dgp_slice_t){"raw", 3};
	r->reject_field = -1;
	r->cls = DGP_DEDUP_NEW;
	return r;
}

/* Every row of dgp_src.sinktest_person equals rows[n][NF] (NULL = SQL NULL), compared by key. */
static void expect_person_rows(PGconn *c, const char *const (*rows)[NF], size_t n)
{
	PGresult *r = PQexec(c, "SELECT gmsfhm, xm, xb, zz, octet_length(xm), octet_length(zz)"
	                        " FROM dgp_src.sinktest_person");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
	cr_assert_eq((size_t)PQntuples(r), n, "rows: %d, want %zu", PQntuples(r), n);
	for (size_t i = 0; i < n; i++) {
		int row = -1;
		for (int j = 0; j < PQntuples(r); j++)
			if (strcmp(PQgetvalue(r, j, 0), rows[i][0]) == 0)
				row = j;
		cr_assert_geq(row, 0, "key %s missing", rows[i][0]);
		for (int f = 1; f < NF; f++) {
			if (!rows[i][f]) {
				cr_expect(PQgetisnull(r, row, f), "key %s field %d should be NULL",
				          rows[i][0], f);
				continue;
			}
			cr_expect(!PQgetisnull(r, row, f), "key %s field %d is NULL", rows[i][0],
			          f);
			cr_expect_str_eq(PQgetvalue(r, row, f), rows[i][f], "key %s field %d",
			                 rows[i][0], f);
		}
	}
	PQclear(r);
}

static dgp_pg_sink_input_t input(const dgp_schema_t *s, dgp_record_t **ins, size_t nins,
                                 dgp_record_t **mrg, size_t nmrg)
{
	return (dgp_pg_sink_input_t){
	    .schema = s, .inserts = ins, .n_inserts = nins, .merges = mrg, .n_merges = nmrg};
}

static const char *const ROWS1[][NF] = {
    {"110101199003070011", "张三", "1", "武汉市武昌区中南路街道\t1号"},
    {"110101199003070038", "tab\there", NULL, "back\\slash\\N"},
    {"11010119900307005X", "line\nbreak\r\n", "", "'; DROP TABLE dgp_src.sinktest_person; --"},
    {"110101199003070054", "\\.", "\"quoted\"", "Robert'); DROP TABLE x;-- \x01\x1f"},
};
#define NROWS1 (sizeof(ROWS1) / sizeof(ROWS1[0]))

/* The stage in text and in binary, and the direct COPY of new rows into the table (the dgp role
 * may SET log_min_messages: scripts/pg.sh grants it). */
static const dgp_pg_sink_opts_t OPTS[] = {
    {.format = DGP_PG_COPY_TEXT, .staged_only = true},
    {.format = DGP_PG_COPY_BINARY, .staged_only = true},
    {.format = DGP_PG_COPY_AUTO},
};
#define NOPTS (sizeof(OPTS) / sizeof(OPTS[0]))

/* Does this session hold a stage, i.e. did a write send rows through it? */
#define STAGE_EXISTS                                                                               \
	"SELECT count(*) FROM pg_class WHERE relname LIKE 'dgp_stage_%' AND relnamespace = "       \
	"pg_my_temp_schema()"

/* ------------------------------------------------------------ tests */

Test(pg_sink, ensure_ops_is_idempotent)
{
	PGconn *c = fresh_db();
	cr_assert_eq(dgp_pg_sink_ensure_ops(c, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_eq(dgp_pg_sink_ensure_ops(c, err, sizeof(err)), DGP_OK, "%s", err);
	expect_q(c,
	         "SELECT string_agg(table_schema || '.' || table_name, ' ' ORDER BY table_schema, "
	         "table_name)"
	         " FROM information_schema.tables WHERE table_schema IN ('dgp_ops', 'dgp_catalog')",
	         "dgp_catalog.field_stats dgp_catalog.reject_stats dgp_catalog.resource_stats "
	         "dgp_catalog.unknown_field_stats "
	         "dgp_ops.counted dgp_ops.deleted dgp_ops.file_chunks dgp_ops.file_progress "
	         "dgp_ops.golden_queue "
	         "dgp_ops.load_log "
	         "dgp_ops.offsets dgp_ops.reject");
	PQfinish(c);
}

Test(pg_sink, inserts_land_exactly_staged_as_text_or_binary_or_copied_direct)
{
	for (size_t fi = 0; fi < NOPTS; fi++) {
		PGconn *c = fresh_db();
		dgp_arena_t *a = dgp_arena_new(0);
		dgp_pg_sink_t *sk = dgp_pg_sink_new(c, &OPTS[fi]);
		dgp_record_t *ins[NROWS1];
		for (size_t i = 0; i < NROWS1; i++)
			ins[i] = mkrec(a, &PERSON, ROWS1[i], "/data/gaj.csv", (int64_t)i + 2);
		dgp_pg_sink_input_t in = input(&PERSON, ins, NROWS1, NULL, 0);
		dgp_pg_sink_result_t res;
		cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s",
		             err);
		cr_expect_eq(res.inserted, NROWS1);
		cr_expect_eq(res.updated, 0);
		cr_expect_not(res.met_existing);
		cr_expect_eq(res.refreshed_keys, NROWS1);
		expect_person_rows(c, ROWS1, NROWS1);
		/* the direct COPY took every row: no stage was needed */
		expect_raw(c, STAGE_EXISTS, OPTS[fi].staged_only ? "1" : "0");

		/* hash and origin of each row */
		for (size_t i = 0; i < NROWS1; i++) {
			char sql[256], want[128];
			snprintf(sql, sizeof(sql),
			         "SELECT _dgp_content_hash || ' ' || _dgp_origin FROM "
			         "dgp_src.sinktest_person"
			         " WHERE gmsfhm = '%s'",
			         ROWS1[i][0]);
			snprintf(want, sizeof(want), "%" PRId64 " /data/gaj.csv:%zu",
			         (int64_t)ins[i]->content_hash, i + 2);
			expect_q(c, sql, want);
		}
		/* golden rows follow, with their sources */
		expect_q(c,
		         "SELECT count(*) FROM dgp_base.person p JOIN dgp_src.sinktest_person s"
		         " USING (gmsfhm) WHERE p.xm = s.xm AND p.zz = s.zz",
		         "4");
		expect_q(c,
		         "SELECT _dgp_sources::text FROM dgp_base.person WHERE gmsfhm = "
		         "'110101199003070011'",
		         "{\"xm\": \"T/1\", \"zz\": \"T/1\"}");
		/* the SQL-looking values did nothing */
		expect_q(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'dgp_src'", "1");
		dgp_pg_sink_destroy(sk);
		dgp_arena_destroy(a);
		PQfinish(c);
	}
}

Test(pg_sink, merges_update_exactly_and_a_repeat_changes_nothing)
{
	for (size_t fi = 0; fi < NOPTS; fi++) {
		PGconn *c = fresh_db();
		dgp_arena_t *a = dgp_arena_new(0);
		dgp_pg_sink_t *sk = dgp_pg_sink_new(c, &OPTS[fi]);
		dgp_record_t *ins[3];
		for (size_t i = 0; i < 3; i++)
			ins[i] = mkrec(a, &PERSON, ROWS1[i], "/data/a.csv", (int64_t)i + 1);
		dgp_pg_sink_input_t in = input(&PERSON, ins, 3, NULL, 0);
		cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, NULL, err, sizeof(err)), DGP_OK, "%s",
		             err);

		/* row 0 changed, row 1 identical (e.g. a key-hash collision sent it here),
		 * row 2 changed to NULLs, row 3 absent although the cache thought present */
		static const char *const after[][NF] = {
		    {"110101199003070011", "张三丰", "1", "武汉市洪山区"},
		    {"110101199003070038", "tab\there", NULL, "back\\slash\\N"},
		    {"11010119900307005X", NULL, NULL, NULL},
		    {"110101199003070054", "李四", "2", NULL},
		};
		dgp_record_t *mrg[4];
		for (size_t i = 0; i < 4; i++)
			mrg[i] = mkrec(a, &PERSON, after[i], "gaj.hjrk", 0);
		for (size_t i = 0; i < 4; i++)
			mrg[i]->origin = (dgp_origin_t){.source = "dept.gaj.hjrk",
			                                .partition = 3,
			                                .offset = 40 + (int64_t)i,
			                                .line = -1,
			                                .end_offset = 41 + (int64_t)i};
		in = input(&PERSON, NULL, 0, mrg, 4);
		dgp_pg_sink_result_t res;
		cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s",
		             err);
		cr_expect_eq(res.updated, 2);
		cr_expect_eq(res.inserted, 1);
		expect_person_rows(c, after, 4);
		expect_q(
		    c,
		    "SELECT string_agg(gmsfhm || '=' || _dgp_origin, ' ' ORDER BY gmsfhm)"
		    " FROM dgp_src.sinktest_person WHERE _dgp_updated_at <> _dgp_loaded_at",
		    "110101199003070011=dept.gaj.hjrk/3@40 11010119900307005X=dept.gaj.hjrk/3@42");
		expect_q(c,
		         "SELECT _dgp_origin FROM dgp_src.sinktest_person WHERE gmsfhm = "
		         "'110101199003070038'",
		         "/data/a.csv:2");
		expect_q(c,
		         "SELECT coalesce(xm, '<null>') FROM dgp_base.person WHERE gmsfhm = "
		         "'11010119900307005X'",
		         "<null>");

		/* the same batch again: every content equal, nothing written */
		char *before =
		    q1(c, "SELECT string_agg(gmsfhm || _dgp_updated_at::text, ',' ORDER BY gmsfhm)"
		          " FROM dgp_src.sinktest_person");
		cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s",
		             err);
		cr_expect_eq(res.inserted + res.updated, 0);
		char *again =
		    q1(c, "SELECT string_agg(gmsfhm || _dgp_updated_at::text, ',' ORDER BY gmsfhm)"
		          " FROM dgp_src.sinktest_person");
		cr_expect_str_eq(again, before);
		free(before);
		free(again);
		expect_person_rows(c, after, 4);
		dgp_pg_sink_destroy(sk);
		dgp_arena_destroy(a);
		PQfinish(c);
	}
}

Test(pg_sink, inserts_and_merges_in_one_batch)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *first[2] = {mkrec(a, &PERSON, ROWS1[0], "f", 1),
	                          mkrec(a, &PERSON, ROWS1[1], "f", 2)};
	dgp_pg_sink_input_t in = input(&PERSON, first, 2, NULL, 0);
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, NULL, err, sizeof(err)), DGP_OK, "%s", err);

	static const char *const want[][NF] = {
	    {"110101199003070011", "张三", "2", NULL},
	    {"110101199003070038", "tab\there", NULL, "back\\slash\\N"},
	    {"11010119900307005X", "line\nbreak\r\n", "",
	     "'; DROP TABLE dgp_src.sinktest_person; --"},
	    {"110101199003070054", "\\.", "\"quoted\"", "Robert'); DROP TABLE x;-- \x01\x1f"},
	};
	dgp_record_t *ins[2] = {mkrec(a, &PERSON, want[2], "f", 3),
	                        mkrec(a, &PERSON, want[3], "f", 4)};
	dgp_record_t *mrg[2] = {mkrec(a, &PERSON, want[0], "f", 5),
	                        mkrec(a, &PERSON, want[1], "f", 6)};
	in = input(&PERSON, ins, 2, mrg, 2);
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.inserted, 2);
	cr_expect_eq(res.updated, 1);
	/* the two new rows and the one whose 住址 changed; the unchanged row queues nothing */
	cr_expect_eq(res.refreshed_keys, 3);
	expect_person_rows(c, want, 4);
	expect_q(c,
	         "SELECT s.xb || ':' || (p.zz IS NULL) FROM dgp_base.person p JOIN "
	         "dgp_src.sinktest_person s"
	         " USING (gmsfhm) WHERE gmsfhm = '110101199003070011'",
	         "2:true");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/* The golden table's rows as text, every column (_dgp_updated_at too), in key order. */
static char *golden_rows(PGconn *c)
{
	return q1(c, "SELECT string_agg(p::text, '|' ORDER BY gmsfhm) FROM dgp_base.person p");
}

/*
 * Only a change the golden record can see queues its key: 性别 (xb) feeds no
 * golden column, so a reload changing only it queues nothing and leaves
 * dgp_base as it was, byte for byte; a changed 姓名 queues exactly its keys; a
 * new row and a delete still queue theirs.
 */
Test(pg_sink, a_change_no_golden_column_sees_queues_no_golden_key)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *ins[NROWS1];
	for (size_t i = 0; i < NROWS1; i++)
		ins[i] = mkrec(a, &PERSON, ROWS1[i], "f", (int64_t)i + 1);
	dgp_pg_sink_input_t in = input(&PERSON, ins, NROWS1, NULL, 0);
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.refreshed_keys, NROWS1);
	golden_drain(c);
	char *before = golden_rows(c);
	char *before3 =
	    q1(c, "SELECT p::text FROM dgp_base.person p WHERE gmsfhm = '110101199003070054'");

	/* every row's 性别 changed, nothing else */
	const char *xb_only[NROWS1][NF];
	dgp_record_t *mrg[NROWS1];
	for (size_t i = 0; i < NROWS1; i++) {
		memcpy(xb_only[i], ROWS1[i], sizeof(xb_only[i]));
		xb_only[i][2] = "9";
		mrg[i] = mkrec(a, &PERSON, xb_only[i], "g", (int64_t)i + 1);
	}
	in = input(&PERSON, NULL, 0, mrg, NROWS1);
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.updated, NROWS1);
	cr_expect_eq(res.refreshed_keys, 0);
	expect_raw(c, "SELECT count(*) FROM dgp_ops.golden_queue", "0");
	expect_person_rows(c, (const char *const(*)[NF])xb_only, NROWS1);
	golden_drain(c);
	char *after = golden_rows(c);
	cr_expect_str_eq(after, before);
	free(after);

	/* 姓名 of rows 0 and 2 changed, 性别 of row 1: the two keys, each once */
	const char *mixed[NROWS1][NF];
	memcpy(mixed, xb_only, sizeof(mixed));
	mixed[0][1] = "张三丰";
	mixed[2][1] = "王五";
	mixed[1][2] = "1";
	dgp_record_t *mrg2[3];
	for (size_t i = 0; i < 3; i++)
		mrg2[i] = mkrec(a, &PERSON, mixed[i], "h", (int64_t)i + 1);
	in = input(&PERSON, NULL, 0, mrg2, 3);
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.updated, 3);
	cr_expect_eq(res.refreshed_keys, 2);
	expect_raw(c, "SELECT count(*) FROM dgp_ops.golden_queue", "1"); /* one row per batch */
	expect_raw(c, QUEUED_KEYS, "110101199003070011,11010119900307005X");
	expect_q(c,
	         "SELECT string_agg(gmsfhm || '=' || xm, ',' ORDER BY gmsfhm) FROM dgp_base.person"
	         " WHERE gmsfhm IN ('110101199003070011', '11010119900307005X')",
	         "110101199003070011=张三丰,11010119900307005X=王五");
	/* row 3's golden row was not refreshed: still the bytes of the first load */
	char *row3 =
	    q1(c, "SELECT p::text FROM dgp_base.person p WHERE gmsfhm = '110101199003070054'");
	cr_expect_str_eq(row3, before3);
	free(row3);
	free(before3);
	free(before);

	/* a new row queues its key; a delete queues the deleted row's key */
	static const char *const fresh[NF] = {"110101199003070070", "赵六", "1", NULL};
	dgp_record_t *ins2[1] = {mkrec(a, &PERSON, fresh, "i", 1)};
	dgp_record_t *del[1] = {mkrec(a, &PERSON, ROWS1[3], "i", 2)};
	in = input(&PERSON, ins2, 1, NULL, 0);
	in.deletes = del;
	in.n_deletes = 1;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.inserted, 1);
	cr_expect_eq(res.deleted, 1);
	cr_expect_eq(res.refreshed_keys, 2);
	expect_raw(c, "SELECT count(*) FROM dgp_ops.golden_queue", "1");
	expect_raw(c, QUEUED_KEYS, "110101199003070054,110101199003070070");
	expect_q(c,
	         "SELECT string_agg(gmsfhm || '=' || xm, ',' ORDER BY gmsfhm) FROM dgp_base.person"
	         " WHERE gmsfhm IN ('110101199003070054', '110101199003070070')",
	         "110101199003070070=赵六");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/* A source keyed by its own record number, whose 公民身份号码 is a plain field. */
static const dgp_field_spec_t MARRIAGE_FIELDS[3] = {
    {.name = "登记证号",
     .source_name = "DJZH",
     .column = "djzh",
     .pg_type = "text",
     .required = true,
     .key = true},
    {.name = "公民身份号码",
     .source_name = "GMSFHM",
     .column = "gmsfhm",
     .pg_type = "text",
     .base_column = "gmsfhm"},
    {.name = "姓名",
     .source_name = "XM",
     .column = "xm",
     .pg_type = "text",
     .base_column = "xm",
     .priority = 1},
};
static const size_t MARRIAGE_KEYS[1] = {0};
static const dgp_schema_t MARRIAGE = {.resource_code = "T/2",
                                      .resource_name = "测试婚姻",
                                      .table = "sinktest_marriage",
                                      .base = DGP_BASE_PERSON,
                                      .nfields = 3,
                                      .fields = MARRIAGE_FIELDS,
                                      .nkeys = 1,
                                      .key_fields = MARRIAGE_KEYS};

Test(pg_sink, a_changed_row_that_moves_to_another_golden_key_refreshes_both)
{
	PGconn *c = fresh_db();
	exec_ok(c, "CREATE TABLE dgp_src.sinktest_marriage (djzh text PRIMARY KEY, gmsfhm text,"
	           " xm text, _dgp_content_hash bigint NOT NULL, _dgp_origin text NOT NULL,"
	           " _dgp_loaded_at timestamptz NOT NULL DEFAULT now(),"
	           " _dgp_updated_at timestamptz NOT NULL DEFAULT now());"
	           "CREATE OR REPLACE FUNCTION dgp_base.refresh_person(keys text[]) RETURNS void"
	           " LANGUAGE sql AS $f$"
	           " DELETE FROM dgp_base.person p WHERE p.gmsfhm = ANY(keys) AND NOT EXISTS"
	           "  (SELECT 1 FROM dgp_src.sinktest_marriage s WHERE s.gmsfhm = p.gmsfhm);"
	           " INSERT INTO dgp_base.person AS p (gmsfhm, xm, _dgp_sources, _dgp_updated_at)"
	           "  SELECT s.gmsfhm, s.xm, '{\"xm\": \"T/2\"}', now()"
	           "  FROM dgp_src.sinktest_marriage s WHERE s.gmsfhm = ANY(keys)"
	           " ON CONFLICT (gmsfhm) DO UPDATE SET xm = EXCLUDED.xm;"
	           "$f$");
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	static const char *const before[3] = {"D1", "110101199003070011", "张三"};
	static const char *const after[3] = {"D1", "110101199003070038", "张三"};
	static const char *const other[3] = {"D2", "11010119900307005X", "李四"};
	dgp_record_t *ins[2] = {mkrec(a, &MARRIAGE, before, "f", 1),
	                        mkrec(a, &MARRIAGE, other, "f", 2)};
	dgp_pg_sink_input_t in = input(&MARRIAGE, ins, 2, NULL, 0);
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	expect_q(c,
	         "SELECT string_agg(gmsfhm || ' ' || xm, ',' ORDER BY gmsfhm) FROM dgp_base.person",
	         "110101199003070011 张三,11010119900307005X 李四");

	/* D1 now names another person: the old golden row goes, the new one comes */
	dgp_record_t *mrg[1] = {mkrec(a, &MARRIAGE, after, "g", 1)};
	in = input(&MARRIAGE, NULL, 0, mrg, 1);
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.updated, 1);
	cr_expect_eq(res.refreshed_keys, 2, "refreshed %" PRIu64 " keys, want the new and the old",
	             res.refreshed_keys);
	expect_q(c,
	         "SELECT string_agg(gmsfhm || ' ' || xm, ',' ORDER BY gmsfhm) FROM dgp_base.person",
	         "110101199003070038 张三,11010119900307005X 李四");

	/* the same content again: nothing merged, nothing moved, nothing queued */
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.updated, 0);
	cr_expect_eq(res.refreshed_keys, 0);
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, a_key_the_cache_took_for_new_is_merged_without_an_error)
{
	for (size_t fi = 0; fi < NOPTS; fi++) {
		PGconn *c = fresh_db();
		/* a row the cache does not know about (another instance wrote it) */
		exec_ok(c, "INSERT INTO dgp_src.sinktest_person (gmsfhm, xm, _dgp_content_hash, "
		           "_dgp_origin)"
		           " VALUES ('11010119900307005X', 'old', 7, 'elsewhere:1')");
		dgp_arena_t *a = dgp_arena_new(0);
		dgp_pg_sink_t *sk = dgp_pg_sink_new(c, &OPTS[fi]);
		dgp_record_t *ins[NROWS1];
		for (size_t i = 0; i < NROWS1; i++)
			ins[i] = mkrec(a, &PERSON, ROWS1[i], "/data/gaj.csv", (int64_t)i + 2);
		const dgp_batch_counts_t counts = {.read = NROWS1, .cls = {NROWS1}};
		dgp_field_count_t fc[NF] = {{4, 4}, {4, 4}, {2, 2}, {4, 4}};
		dgp_pg_sink_input_t in = input(&PERSON, ins, NROWS1, NULL, 0);
		in.counts = &counts;
		in.field_counts = fc;
		dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
		                        .file_id = "f00d",
		                        .path = "/data/gaj.csv",
		                        .resource_code = "T/1",
		                        .next_offset = 600,
		                        .next_line = 6,
		                        .records = 4,
		                        .complete = true};
		dgp_pg_sink_result_t res;
		cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s",
		             err);
		cr_expect(res.met_existing);
		cr_expect_eq(res.inserted, 3);
		cr_expect_eq(res.updated, 1);
		expect_person_rows(c, ROWS1, NROWS1);
		/* the direct COPY met the key and was rolled back: the stage wrote every row */
		expect_raw(c, STAGE_EXISTS, "1");
		/* and the keys the rolled-back COPY had queued went with it: each key once */
		expect_raw(c,
		           "SELECT count(k) || ' ' || count(DISTINCT k)"
		           " FROM dgp_ops.golden_queue, unnest(keys) AS u (k)",
		           "4 4");
		expect_raw(c, "SHOW log_min_messages", "warning");
		expect_q(c,
		         "SELECT \"rows\" || ' ' || records_read FROM dgp_catalog.resource_stats",
		         "3 4");
		expect_q(c, "SELECT next_offset || ' ' || complete FROM dgp_ops.file_progress",
		         "600 true");
		expect_q(c, "SELECT count(*) FROM dgp_base.person", "4");
		dgp_pg_sink_destroy(sk);
		dgp_arena_destroy(a);
		PQfinish(c);
	}
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

Test(pg_sink, rejects_keep_exact_bytes_reason_field_and_origin)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);

	unsigned char raw1[64];
	size_t n1 = 0;
	for (int b = 0; b < 0x20; b++)
		raw1[n1++] = (unsigned char)b;
	memcpy(raw1 + n1, "\\N\\\\.\xff\xc3\x28\xe4\xb8\xad'\"", 14);
	n1 += 14;
	static const char *const v[NF] = {"110101199003070011", "张三", NULL, NULL};

	dgp_record_t *malformed = mkrec(a, &PERSON, v, "/data/\xff\xfe bad.csv", 7);
	malformed->raw = (dgp_slice_t){(const char *)raw1, n1};
	malformed->reason = DGP_REASON_MALFORMED;
	malformed->reject_detail = "unexpected byte 0xff at 38\tthen \\ and \n";

	dgp_record_t *checksum = mkrec(a, &PERSON, v, "dept.gaj.hjrk", 0);
	checksum->origin = (dgp_origin_t){.source = "dept.gaj.hjrk",
	                                  .partition = 5,
	                                  .offset = 123456789012,
	                                  .line = -1,
	                                  .end_offset = 123456789013};
	checksum->raw = (dgp_slice_t){"{\"GMSFHM\":\"110101199003070012\"}", 31};
	checksum->reason = DGP_REASON_CHECKSUM;
	checksum->reject_field = 0;

	/* a loaded record with one bad optional value */
	dgp_record_t *ok = mkrec(a, &PERSON, v, "/data/gaj.csv", 9);
	ok->raw = (dgp_slice_t){"110101199003070011,张三,9,\0x", 31};
	dgp_field_reject_t frej = {
	    .rec = ok, .field = 2, .reason = DGP_REASON_NOT_IN_LIST, .raw = {"9", 1}};

	const dgp_record_t *rej[2] = {malformed, checksum};
	dgp_record_t *ins[1] = {ok};
	dgp_pg_sink_input_t in = input(&PERSON, ins, 1, NULL, 0);
	in.rejects = rej;
	in.n_rejects = 2;
	in.field_rejects = &frej;
	in.n_field_rejects = 1;
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.rejects, 3);
	cr_expect_eq(res.inserted, 1);

	PGresult *r = PQexec(
	    c,
	    "SELECT resource_code, reason, coalesce(field, '<null>'), source,"
	    " coalesce(\"partition\"::text, '<null>'), \"offset\", coalesce(line::text, '<null>'),"
	    " encode(raw, 'hex'), coalesce(detail, '<null>'), rejected_at IS NOT NULL"
	    " FROM dgp_ops.reject ORDER BY id");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
	cr_assert_eq(PQntuples(r), 3);
	char hx[256];
	hex(raw1, n1, hx);
	const char *want[3][10] = {
	    {"T/1", "malformed", "<null>", "/data/\xef\xbf\xbd\xef\xbf\xbd bad.csv", "<null>",
	     "700", "7", hx, "unexpected byte 0xff at 38\tthen \\ and \n", "t"},
	    {"T/1", "checksum", "GMSFHM", "dept.gaj.hjrk", "5", "123456789012", "<null>", "",
	     "<null>", "t"},
	    {"T/1", "not_in_list", "XB", "/data/gaj.csv", "<null>", "900", "9", "", "<null>", "t"},
	};
	char hx2[128], hx3[128];
	hex((const unsigned char *)checksum->raw.p, checksum->raw.len, hx2);
	hex((const unsigned char *)ok->raw.p, ok->raw.len, hx3);
	want[1][7] = hx2;
	want[2][7] = hx3;
	for (int i = 0; i < 3; i++)
		for (int f = 0; f < 10; f++)
			cr_expect_str_eq(PQgetvalue(r, i, f), want[i][f], "reject %d column %d", i,
			                 f);
	PQclear(r);
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, file_progress_commits_with_the_rows_and_a_retry_is_a_no_op)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	bool found = true;
	int64_t off = -1, line = -1, recs = -1;
	bool complete = true;
	cr_assert_eq(dgp_pg_sink_file_progress_get(c, "abc", &found, &off, &line, &recs, &complete,
	                                           err, sizeof(err)),
	             DGP_OK, "%s", err);
	cr_expect_not(found);

	dgp_record_t *ins[2] = {mkrec(a, &PERSON, ROWS1[0], "/d/x.csv", 2),
	                        mkrec(a, &PERSON, ROWS1[1], "/d/x.csv", 3)};
	dgp_record_t *bad = mkrec(a, &PERSON, ROWS1[2], "/d/x.csv", 4);
	bad->reason = DGP_REASON_COLUMNS;
	const dgp_record_t *rej[1] = {bad};
	dgp_batch_counts_t counts = {.read = 3, .rejected = 1, .cls = {2}};
	counts.by_reason[DGP_REASON_COLUMNS] = 1;
	dgp_pg_sink_input_t in = input(&PERSON, ins, 2, NULL, 0);
	in.rejects = rej;
	in.n_rejects = 1;
	in.counts = &counts;
	dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
	                        .file_id = "abc",
	                        .path = "/d/x.csv",
	                        .resource_code = "T/1",
	                        .next_offset = 500,
	                        .next_line = 5,
	                        .records = 3};
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_not(res.already_committed);
	cr_assert_eq(dgp_pg_sink_file_progress_get(c, "abc", &found, &off, &line, &recs, &complete,
	                                           err, sizeof(err)),
	             DGP_OK, "%s", err);
	cr_expect(found);
	cr_expect_eq(off, 500);
	cr_expect_eq(line, 5);
	cr_expect_eq(recs, 3);
	cr_expect_not(complete);
	expect_q(c, "SELECT path || ' ' || resource_code FROM dgp_ops.file_progress",
	         "/d/x.csv T/1");

	/* The COMMIT's reply was lost, say: the caller sends the same batch again. */
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect(res.already_committed);
	cr_expect_eq(res.inserted + res.rejects, 0);
	expect_q(c, "SELECT count(*) FROM dgp_ops.reject", "1");
	expect_q(c, "SELECT records_read || ' ' || rejected FROM dgp_catalog.resource_stats",
	         "3 1");
	expect_q(c, "SELECT count FROM dgp_catalog.reject_stats WHERE reason = 'columns'", "1");

	/* The last (empty) batch marks the file complete at the same offset. */
	dgp_batch_counts_t none = {0};
	dgp_pg_sink_input_t empty = input(&PERSON, NULL, 0, NULL, 0);
	empty.counts = &none;
	pr.complete = true;
	cr_assert_eq(dgp_pg_sink_write(sk, &empty, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_not(res.already_committed);
	cr_assert_eq(dgp_pg_sink_file_progress_get(c, "abc", &found, &off, NULL, NULL, &complete,
	                                           err, sizeof(err)),
	             DGP_OK, "%s", err);
	cr_expect(complete);
	cr_expect_eq(off, 500);
	/* and a repeated load of the complete file is a no-op */
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect(res.already_committed);
	expect_q(c, "SELECT count(*) FROM dgp_src.sinktest_person", "2");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, kafka_offsets_commit_with_the_rows)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *ins[2] = {mkrec(a, &PERSON, ROWS1[0], "t", 0),
	                        mkrec(a, &PERSON, ROWS1[1], "t", 0)};
	dgp_pg_sink_input_t in = input(&PERSON, ins, 2, NULL, 0);
	dgp_pg_offset_t offs[2] = {{"dept.gaj.hjrk", 0, 0, 101}, {"dept.gaj.hjrk", 7, 40, 55}};
	dgp_pg_progress_t pr = {
	    .kind = DGP_PG_PROGRESS_KAFKA, .group_id = "dgp", .n_offsets = 2, .offsets = offs};
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	bool found;
	int64_t next = 0;
	cr_assert_eq(
	    dgp_pg_sink_offsets_get(c, "dgp", "dept.gaj.hjrk", 7, &found, &next, err, sizeof(err)),
	    DGP_OK, "%s", err);
	cr_expect(found);
	cr_expect_eq(next, 55);
	cr_assert_eq(
	    dgp_pg_sink_offsets_get(c, "dgp", "dept.gaj.hjrk", 0, &found, &next, err, sizeof(err)),
	    DGP_OK, "%s", err);
	cr_expect_eq(next, 101);
	cr_assert_eq(dgp_pg_sink_offsets_get(c, "other", "dept.gaj.hjrk", 0, &found, &next, err,
	                                     sizeof(err)),
	             DGP_OK, "%s", err);
	cr_expect_not(found);

	/* redelivered batch after a lost COMMIT reply: nothing twice */
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect(res.already_committed);

	/* the next batch of partition 7 moves only its offset */
	dgp_record_t *m[1] = {mkrec(a, &PERSON, ROWS1[2], "t", 0)};
	in = input(&PERSON, m, 1, NULL, 0);
	dgp_pg_offset_t next7 = {"dept.gaj.hjrk", 7, 55, 60};
	pr.n_offsets = 1;
	pr.offsets = &next7;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_not(res.already_committed);
	expect_q(c,
	         "SELECT string_agg(topic || '/' || \"partition\" || '=' || next_offset, ' '"
	         " ORDER BY \"partition\") FROM dgp_ops.offsets WHERE group_id = 'dgp'",
	         "dept.gaj.hjrk/0=101 dept.gaj.hjrk/7=60");
	expect_q(c, "SELECT count(*) FROM dgp_src.sinktest_person", "3");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/*
 * One batch of dept.gaj.hjrk partition 0 spanning [from, next): ROWS1[i0..i1)
 * as inserts plus one malformed record, with its counts.
 */
static dgp_err_t write_span(dgp_pg_sink_t *sk, dgp_arena_t *a, size_t i0, size_t i1, int64_t from,
                            int64_t next, dgp_pg_sink_result_t *res)
{
	dgp_record_t **ins = dgp_arena_calloc(a, (i1 - i0) * sizeof(*ins));
	for (size_t i = i0; i < i1; i++) {
		ins[i - i0] = mkrec(a, &PERSON, ROWS1[i], "dept.gaj.hjrk", 0);
		ins[i - i0]->origin.partition = 0;
		ins[i - i0]->origin.offset = from + (int64_t)(i - i0);
	}
	dgp_record_t *bad = mkrec(a, &PERSON, ROWS1[0], "dept.gaj.hjrk", 0);
	bad->origin.partition = 0;
	bad->origin.offset = next - 1;
	bad->reason = DGP_REASON_MALFORMED;
	const dgp_record_t **rej = dgp_arena_calloc(a, sizeof(*rej));
	rej[0] = bad;
	dgp_batch_counts_t *counts = dgp_arena_calloc(a, sizeof(*counts));
	counts->read = i1 - i0 + 1;
	counts->rejected = 1;
	counts->cls[DGP_DEDUP_NEW] = i1 - i0;
	counts->by_reason[DGP_REASON_MALFORMED] = 1;
	dgp_pg_sink_input_t in = input(&PERSON, ins, i1 - i0, NULL, 0);
	in.rejects = rej;
	in.n_rejects = 1;
	in.counts = counts;
	dgp_pg_offset_t off = {
	    .topic = "dept.gaj.hjrk", .partition = 0, .from_offset = from, .next_offset = next};
	dgp_pg_progress_t pr = {
	    .kind = DGP_PG_PROGRESS_KAFKA, .group_id = "dgp", .n_offsets = 1, .offsets = &off};
	return dgp_pg_sink_write(sk, &in, &pr, res, err, sizeof(err));
}

/* What the batches left: rows, rejects, resource and reject statistics, the stored offset. */
static void expect_span_state(PGconn *c, const char *rows, const char *rejects, const char *stats,
                              const char *stored)
{
	expect_q(c, "SELECT count(*) FROM dgp_src.sinktest_person", rows);
	expect_q(c, "SELECT count(*) FROM dgp_ops.reject", rejects);
	expect_q(c,
	         "SELECT \"rows\" || ' ' || records_read || ' ' || rejected"
	         " FROM dgp_catalog.resource_stats WHERE resource_code = 'T/1'",
	         stats);
	expect_q(c, "SELECT coalesce(sum(count), 0) FROM dgp_catalog.reject_stats", rejects);
	expect_q(c,
	         "SELECT next_offset FROM dgp_ops.offsets WHERE group_id = 'dgp'"
	         " AND topic = 'dept.gaj.hjrk' AND \"partition\" = 0",
	         stored);
}

/*
 * Issue #6, the stale writer: member A read offsets 0..99 and got stuck past
 * the session timeout; B took the partition over and read from what was
 * stored then.  Whichever commits first wins, the other's overlapping batch
 * writes nothing.
 */
Test(pg_sink, a_stale_kafka_batch_is_refused_and_writes_nothing)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_pg_sink_result_t res;

	/* A: 0 → 100 commits (nothing stored yet: any from is accepted) */
	cr_assert_eq(write_span(sk, a, 0, 1, 0, 100, &res), DGP_OK, "%s", err);
	cr_expect_not(res.already_committed);
	cr_expect_eq(res.inserted, 1);
	expect_span_state(c, "1", "1", "1 2 1", "100");

	/* B: 50 → 150 overlaps what A committed: refused, nothing written */
	dgp_err_t e = write_span(sk, a, 1, 3, 50, 150, &res);
	cr_expect_eq(e, DGP_ERR_STALE, "%s: %s", dgp_err_name(e), err);
	cr_expect(strstr(err, "dept.gaj.hjrk [0]") && strstr(err, "offset 100") &&
	              strstr(err, "50 to 150"),
	          "%s", err);
	cr_expect_eq(res.inserted + res.updated + res.rejects, 0);
	cr_expect_not(res.already_committed);
	expect_span_state(c, "1", "1", "1 2 1", "100");
	/* nor one that would skip offsets (from past the stored one) */
	e = write_span(sk, a, 1, 3, 120, 150, &res);
	cr_expect_eq(e, DGP_ERR_STALE, "%s: %s", dgp_err_name(e), err);
	expect_span_state(c, "1", "1", "1 2 1", "100");
	/* the connection is left idle and usable */
	cr_expect_eq(PQtransactionStatus(c), PQTRANS_IDLE);

	/* C: B read again from the stored offset, 100 → 150: commits */
	cr_assert_eq(write_span(sk, a, 1, 3, 100, 150, &res), DGP_OK, "%s", err);
	cr_expect_not(res.already_committed);
	cr_expect_eq(res.inserted, 2);
	cr_expect_eq(res.rejects, 1);
	expect_span_state(c, "3", "2", "3 5 2", "150");

	/* C again (the COMMIT's reply was lost): already committed, no writes */
	cr_assert_eq(write_span(sk, a, 1, 3, 100, 150, &res), DGP_OK, "%s", err);
	cr_expect(res.already_committed);
	cr_expect_eq(res.inserted + res.updated + res.rejects, 0);
	expect_span_state(c, "3", "2", "3 5 2", "150");
	/* and so is A's batch, were it sent again now: its span is behind the stored offset */
	cr_assert_eq(write_span(sk, a, 0, 1, 0, 100, &res), DGP_OK, "%s", err);
	cr_expect(res.already_committed);
	expect_span_state(c, "3", "2", "3 5 2", "150");
	expect_person_rows(c, ROWS1, 3);
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/* A batch over partitions of which some were committed before and some not: stale as a whole. */
Test(pg_sink, a_kafka_batch_partly_committed_before_is_stale)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	exec_ok(c, "INSERT INTO dgp_ops.offsets (group_id, topic, \"partition\", next_offset)"
	           " VALUES ('dgp', 't', 0, 200), ('dgp', 't', 1, 30)");
	dgp_record_t *ins[1] = {mkrec(a, &PERSON, ROWS1[0], "t", 0)};
	dgp_pg_sink_input_t in = input(&PERSON, ins, 1, NULL, 0);
	/* partition 0 done (200 >= 150), partition 1 at its from; partition 2 never stored */
	dgp_pg_offset_t offs[3] = {{"t", 0, 100, 150}, {"t", 1, 30, 45}, {"t", 2, 0, 9}};
	dgp_pg_progress_t pr = {
	    .kind = DGP_PG_PROGRESS_KAFKA, .group_id = "dgp", .n_offsets = 3, .offsets = offs};
	dgp_pg_sink_result_t res;
	dgp_err_t e = dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err));
	cr_expect_eq(e, DGP_ERR_STALE, "%s: %s", dgp_err_name(e), err);
	cr_expect(strstr(err, "t [0]") && strstr(err, "offset 200"), "%s", err);
	expect_q(c, "SELECT count(*) FROM dgp_src.sinktest_person", "0");
	expect_q(
	    c,
	    "SELECT string_agg(\"partition\" || '=' || next_offset, ' ' ORDER BY \"partition\")"
	    " FROM dgp_ops.offsets",
	    "0=200 1=30");

	/* read again from the stored offsets, the batch lands */
	offs[0] = (dgp_pg_offset_t){"t", 0, 200, 210};
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_not(res.already_committed);
	expect_q(
	    c,
	    "SELECT string_agg(\"partition\" || '=' || next_offset, ' ' ORDER BY \"partition\")"
	    " FROM dgp_ops.offsets",
	    "0=210 1=45 2=9");
	expect_q(c, "SELECT count(*) FROM dgp_src.sinktest_person", "1");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, a_failure_mid_transaction_leaves_no_rows_and_no_progress)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	exec_ok(c,
	        "INSERT INTO dgp_src.sinktest_person (gmsfhm, xm, _dgp_content_hash, _dgp_origin)"
	        " VALUES ('110101199003070038', 'old', 7, 'x:1')");
	exec_ok(c, "CREATE FUNCTION dgp_ops.broken() RETURNS trigger LANGUAGE plpgsql AS"
	           " $f$BEGIN RAISE EXCEPTION 'golden queue broken'; END$f$;"
	           "CREATE TRIGGER broken BEFORE INSERT ON dgp_ops.golden_queue"
	           " FOR EACH STATEMENT EXECUTE FUNCTION dgp_ops.broken()");
	dgp_record_t *ins[2] = {mkrec(a, &PERSON, ROWS1[0], "/d/y.csv", 1),
	                        mkrec(a, &PERSON, ROWS1[2], "/d/y.csv", 2)};
	dgp_record_t *mrg[1] = {mkrec(a, &PERSON, ROWS1[1], "/d/y.csv", 3)};
	dgp_record_t *bad = mkrec(a, &PERSON, ROWS1[3], "/d/y.csv", 4);
	bad->reason = DGP_REASON_MALFORMED;
	const dgp_record_t *rej[1] = {bad};
	dgp_batch_counts_t counts = {.read = 4, .rejected = 1, .cls = {2, 1}};
	counts.by_reason[DGP_REASON_MALFORMED] = 1;
	dgp_pg_sink_input_t in = input(&PERSON, ins, 2, mrg, 1);
	in.rejects = rej;
	in.n_rejects = 1;
	in.counts = &counts;
	dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
	                        .file_id = "feed",
	                        .path = "/d/y.csv",
	                        .next_offset = 400,
	                        .next_line = 5,
	                        .records = 4,
	                        .complete = true};
	dgp_pg_sink_result_t res;
	dgp_err_t e = dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err));
	cr_expect_eq(e, DGP_ERR_PG, "%s", dgp_err_name(e));
	cr_expect(strstr(err, "golden queue broken") != NULL, "%s", err);
	expect_q(c, "SELECT string_agg(gmsfhm || '=' || xm, ' ') FROM dgp_src.sinktest_person",
	         "110101199003070038=old");
	expect_q(c, "SELECT count(*) FROM dgp_ops.reject", "0");
	expect_q(c, "SELECT count(*) FROM dgp_ops.file_progress", "0");
	expect_q(c, "SELECT count(*) FROM dgp_catalog.resource_stats", "0");
	expect_q(c, "SELECT count(*) FROM dgp_catalog.reject_stats", "0");
	expect_q(c, "SELECT count(*) FROM dgp_base.person", "0");

	/* Repaired, the same batch lands whole (the stage made by the failed
	 * transaction is gone with it and is made again). */
	exec_ok(c, "DROP TRIGGER broken ON dgp_ops.golden_queue");
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.inserted, 2);
	cr_expect_eq(res.updated, 1);
	expect_person_rows(c, ROWS1, 3);
	expect_q(c, "SELECT count(*) FROM dgp_ops.reject", "1");
	expect_q(c, "SELECT next_offset FROM dgp_ops.file_progress", "400");
	expect_q(c, "SELECT count(*) FROM dgp_base.person", "3");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, statistics_increment_exactly)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);

	/* batch 1: 6 read, 1 malformed, 1 record checksum, 1 field not_in_list; 3 new, 1 duplicate
	 */
	dgp_record_t *ins[3];
	for (size_t i = 0; i < 3; i++)
		ins[i] = mkrec(a, &PERSON, ROWS1[i], "s", (int64_t)i);
	dgp_batch_counts_t c1 = {
	    .read = 6, .parsed = 5, .rejected = 2, .cls = {3, 0, 0, 1}, .field_rejects = 1};
	c1.by_reason[DGP_REASON_MALFORMED] = 1;
	c1.by_reason[DGP_REASON_CHECKSUM] = 1;
	c1.by_reason[DGP_REASON_NOT_IN_LIST] = 1;
	dgp_field_count_t f1[NF] = {{5, 4}, {4, 4}, {3, 2}, {1, 1}};
	dgp_pg_sink_input_t in = input(&PERSON, ins, 3, NULL, 0);
	in.counts = &c1;
	in.field_counts = f1;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, NULL, err, sizeof(err)), DGP_OK, "%s", err);

	/* batch 2: 4 read, all unchanged: nothing written, last_change stays */
	char *change1 = q1(c, "SELECT last_change FROM dgp_catalog.resource_stats");
	char *load1 = q1(c, "SELECT last_load FROM dgp_catalog.resource_stats");
	dgp_batch_counts_t c2 = {.read = 4, .parsed = 4, .cls = {0, 0, 4}};
	c2.by_reason[DGP_REASON_CHECKSUM] = 0;
	dgp_field_count_t f2[NF] = {{4, 4}, {4, 4}, {4, 4}, {0, 0}};
	in = input(&PERSON, NULL, 0, NULL, 0);
	in.counts = &c2;
	in.field_counts = f2;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, NULL, err, sizeof(err)), DGP_OK, "%s", err);

	expect_q(c,
	         "SELECT \"rows\" || ' ' || records_read || ' ' || rejected FROM "
	         "dgp_catalog.resource_stats"
	         " WHERE resource_code = 'T/1'",
	         "3 10 2");
	char *change2 = q1(c, "SELECT last_change FROM dgp_catalog.resource_stats");
	char *load2 = q1(c, "SELECT last_load FROM dgp_catalog.resource_stats");
	cr_expect_str_eq(change2, change1);
	cr_expect_str_neq(load2, load1);
	free(change1);
	free(change2);
	free(load1);
	free(load2);
	expect_q(c,
	         "SELECT string_agg(reason || '=' || count, ' ' ORDER BY reason) FROM "
	         "dgp_catalog.reject_stats",
	         "checksum=1 malformed=1 not_in_list=1");
	/* total: records parsed into fields (batch 1: 6 − 1 malformed; batch 2: 4) */
	expect_q(c,
	         "SELECT string_agg(field || '=' || present || '/' || valid || '/' || total, ' ' "
	         "ORDER BY field)"
	         " FROM dgp_catalog.field_stats WHERE resource_code = 'T/1'",
	         "GMSFHM=9/8/9 XB=7/6/9 XM=8/8/9 ZZ=1/1/9");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, warm_cache_hashes_keys_as_the_batch_does)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *ins[NROWS1];
	for (size_t i = 0; i < NROWS1; i++)
		ins[i] = mkrec(a, &PERSON, ROWS1[i], "w", (int64_t)i);
	dgp_pg_sink_input_t in = input(&PERSON, ins, NROWS1, NULL, 0);
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, NULL, err, sizeof(err)), DGP_OK, "%s", err);

	static const uint64_t masks[] = {~0ull, 0x3ull};
	for (size_t m = 0; m < 2; m++) {
		dgp_dedup_t *d = dgp_dedup_new(0);
		uint64_t loaded = 0;
		cr_assert_eq(
		    dgp_pg_sink_warm_cache(c, &PERSON, d, masks[m], &loaded, err, sizeof(err)),
		    DGP_OK, "%s", err);
		cr_expect_eq(loaded, NROWS1);
		for (size_t i = 0; i < NROWS1 && m == 0; i++) {
			uint64_t content = 0;
			bool this_run = true;
			cr_expect(dgp_dedup_get(d, ins[i]->key_hash, &content, &this_run),
			          "key %zu", i);
			cr_expect_eq(content, ins[i]->content_hash);
			cr_expect_not(this_run);
			cr_expect_eq(dgp_dedup_classify(d, ins[i]->key_hash, ins[i]->content_hash),
			             DGP_DEDUP_UNCHANGED);
		}
		if (m == 1)
			for (size_t i = 0; i < NROWS1; i++)
				cr_expect(
				    dgp_dedup_get(d, ins[i]->key_hash & masks[m], NULL, NULL));
		dgp_dedup_destroy(d);
	}
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, connection_loss_is_reported_and_the_retry_lands_exactly)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *first[1] = {mkrec(a, &PERSON, ROWS1[0], "/d/z.csv", 1)};
	dgp_pg_sink_input_t in = input(&PERSON, first, 1, NULL, 0);
	dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
	                        .file_id = "z",
	                        .path = "/d/z.csv",
	                        .next_offset = 100,
	                        .next_line = 2,
	                        .records = 1};
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	/* a merge creates the session's stage, which dies with the session */
	dgp_record_t *m[1] = {
	    mkrec(a, &PERSON, (const char *const[]){ROWS1[0][0], "x", NULL, NULL}, "/d/z.csv", 1)};
	in = input(&PERSON, NULL, 0, m, 1);
	pr.next_offset = 150;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, NULL, err, sizeof(err)), DGP_OK, "%s", err);

	PGconn *killer = connect_db(TESTDB);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", PQbackendPID(c));
	expect_q(killer, sql, "t");

	dgp_record_t *ins[2] = {mkrec(a, &PERSON, ROWS1[1], "/d/z.csv", 2),
	                        mkrec(a, &PERSON, ROWS1[2], "/d/z.csv", 3)};
	dgp_record_t *m2[1] = {
	    mkrec(a, &PERSON, (const char *const[]){ROWS1[0][0], "y", NULL, NULL}, "/d/z.csv", 4)};
	in = input(&PERSON, ins, 2, m2, 1);
	pr.next_offset = 400;
	dgp_err_t e = dgp_pg_sink_write(sk, &in, &pr, NULL, err, sizeof(err));
	cr_expect_eq(e, DGP_ERR_PG_CONN, "%s: %s", dgp_err_name(e), err);

	PQfinish(c);
	c = connect_db(TESTDB);
	dgp_pg_sink_set_conn(sk, c);
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.inserted, 2);
	cr_expect_eq(res.updated, 1);
	expect_q(
	    c,
	    "SELECT string_agg(gmsfhm || '=' || coalesce(xm, '-'), ' ' ORDER BY gmsfhm)"
	    " FROM dgp_src.sinktest_person",
	    "110101199003070011=y 110101199003070038=tab\there 11010119900307005X=line\nbreak\r\n");
	expect_q(c, "SELECT next_offset FROM dgp_ops.file_progress", "400");
	PQfinish(killer);
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

Test(pg_sink, identifiers_are_quoted_and_types_other_than_text_use_text_copy)
{
	PGconn *c = fresh_db();
	exec_ok(c, "CREATE TABLE dgp_src.\"q\"\"t; DROP TABLE x\" (\"k ey\" text, \"we\"\"ird\" "
	           "date, n bigint,"
	           " _dgp_content_hash bigint NOT NULL, _dgp_origin text NOT NULL,"
	           " _dgp_loaded_at timestamptz NOT NULL DEFAULT now(),"
	           " _dgp_updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (\"k ey\"))");
	static const dgp_field_spec_t f[3] = {
	    {.source_name = "K",
	     .column = "k ey",
	     .pg_type = "text",
	     .key = true,
	     .required = true},
	    {.source_name = "D", .column = "we\"ird", .pg_type = "date"},
	    {.source_name = "N", .column = "n", .pg_type = "bigint"},
	};
	static const size_t keys[1] = {0};
	/* legal-entity base without a refresh function: golden step skipped */
	static const dgp_schema_t s = {.resource_code = "T/2",
	                               .table = "q\"t; DROP TABLE x",
	                               .base = DGP_BASE_LEGAL_ENTITY,
	                               .nfields = 3,
	                               .fields = f,
	                               .nkeys = 1,
	                               .key_fields = keys};
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, &(dgp_pg_sink_opts_t){.format = DGP_PG_COPY_BINARY});
	dgp_record_t *ins[2] = {
	    mkrec(a, &s, (const char *const[]){"a\"b", "1990-03-07", "42"}, "q", 1),
	    mkrec(a, &s, (const char *const[]){"c", NULL, "-7"}, "q", 2)};
	dgp_pg_sink_input_t in = input(&s, ins, 2, NULL, 0);
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.refreshed_keys, 0);
	dgp_record_t *m[1] = {mkrec(a, &s, (const char *const[]){"c", "2000-02-29", NULL}, "q", 3)};
	in = input(&s, NULL, 0, m, 1);
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.updated, 1);
	expect_q(c,
	         "SELECT string_agg(\"k ey\" || '|' || coalesce(\"we\"\"ird\"::text, '-') || '|'"
	         " || coalesce(n::text, '-'), ' ' ORDER BY \"k ey\") FROM dgp_src.\"q\"\"t; DROP "
	         "TABLE x\"",
	         "a\"b|1990-03-07|42 c|2000-02-29|-");

	dgp_dedup_t *d = dgp_dedup_new(0);
	uint64_t loaded;
	cr_assert_eq(dgp_pg_sink_warm_cache(c, &s, d, ~0ull, &loaded, err, sizeof(err)), DGP_OK,
	             "%s", err);
	cr_expect_eq(loaded, 2);
	cr_expect(dgp_dedup_get(d, ins[0]->key_hash, NULL, NULL));
	dgp_dedup_destroy(d);
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/* ------------------------------------------- with dgp_batch, as load and run drive the sink */

/* A valid 18-digit 公民身份号码 of 武昌区 born 1990-03-07 with sequence seq (0–999). */
static const char *idcard(dgp_arena_t *a, unsigned seq)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	char id[19];
	snprintf(id, sizeof(id), "42010619900307%03u", seq);
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (id[i] - '0') * w[i];
	id[17] = "10X98765432"[sum % 11];
	id[18] = '\0';
	return dgp_arena_strdup(a, id);
}

typedef struct bfix {
	PGconn *c;
	dgp_arena_t *a;
	dgp_field_spec_t f[NF];
	dgp_schema_t s;
	dgp_norm_ctx_t ctx;
	dgp_pg_sink_t *sk;
} bfix_t;

static const dgp_norm_rule_t *rule(dgp_arena_t *a, const char *name)
{
	const dgp_norm_rule_t *r;
	cr_assert_eq(dgp_norm_rule_compile(name, NULL, a, NULL, NULL, &r, err, sizeof(err)), DGP_OK,
	             "%s", err);
	return r;
}

static void bfix_init(bfix_t *x)
{
	x->c = fresh_db();
	x->a = dgp_arena_new(0);
	memcpy(x->f, PERSON_FIELDS, sizeof(x->f));
	x->f[0].rule = rule(x->a, "idcard");
	x->f[1].rule = rule(x->a, "person_name");
	x->f[2].rule = rule(x->a, "gender");
	x->f[3].rule = rule(x->a, "text");
	x->s = PERSON;
	x->s.fields = x->f;
	x->ctx = dgp_norm_ctx_now(480);
	x->sk = dgp_pg_sink_new(x->c, NULL);
}

static void bfix_done(bfix_t *x)
{
	dgp_pg_sink_destroy(x->sk);
	dgp_arena_destroy(x->a);
	PQfinish(x->c);
}

/* Add one CSV-ish record of four raw values to b. */
static dgp_record_t *badd(bfix_t *x, dgp_batch_t *b, const dgp_dedup_t *cache, int64_t line,
                          const char *id, const char *xm, const char *xb, const char *zz)
{
	const char *v[NF] = {id, xm, xb, zz};
	dgp_slice_t raw_vals[NF];
	char raw[512];
	size_t o = 0;
	for (int i = 0; i < NF; i++) {
		raw_vals[i] = (dgp_slice_t){v[i], v[i] ? strlen(v[i]) : 0};
		o += (size_t)snprintf(raw + o, sizeof(raw) - o, "%s%s", i ? "," : "",
		                      v[i] ? v[i] : "");
	}
	dgp_origin_t origin = {.source = "/data/gaj_hjrk.csv",
	                       .partition = -1,
	                       .offset = line * 100,
	                       .line = line,
	                       .end_offset = line * 100 + 100};
	return dgp_batch_add(b, cache, &x->ctx, &origin, raw, o, raw_vals, DGP_REASON_OK, NULL);
}

Test(pg_sink_batch, batches_land_exactly_and_a_warm_cache_sees_them_unchanged)
{
	bfix_t x;
	bfix_init(&x);
	dgp_dedup_t *cache = dgp_dedup_new(0);
	dgp_batch_t *b = dgp_batch_new(&x.s, 64, ~0ull);
	const char *id1 = idcard(x.a, 1), *id2 = idcard(x.a, 2), *id3 = idcard(x.a, 3),
	           *id4 = idcard(x.a, 4);

	cr_expect_eq(badd(&x, b, cache, 2, id1, "张三", "男", "武汉市武昌区中南路1号")->cls,
	             DGP_DEDUP_NEW);
	cr_expect_eq(
	    badd(&x, b, cache, 3, id2, "李四", "女", "'); DROP TABLE dgp_ops.reject; --")->cls,
	    DGP_DEDUP_NEW);
	cr_expect_eq(badd(&x, b, cache, 4, id1, "张三", "男", "武汉市武昌区中南路1号")->cls,
	             DGP_DEDUP_DUPLICATE);
	cr_expect_eq(badd(&x, b, cache, 5, "420106199003070010", "坏号", "男", NULL)->reason,
	             DGP_REASON_CHECKSUM);
	dgp_record_t *r5 = badd(&x, b, cache, 6, id3, "王五", "外星", "武汉市");
	cr_expect_eq(r5->reason, DGP_REASON_OK);
	static const char bad_raw[] = "{\"GMSFHM\":\"\x00\xff\\\"}";
	dgp_origin_t o7 = {.source = "/data/gaj_hjrk.csv",
	                   .partition = -1,
	                   .offset = 700,
	                   .line = 7,
	                   .end_offset = 800};
	dgp_batch_add(b, cache, &x.ctx, &o7, bad_raw, sizeof(bad_raw) - 1, NULL,
	              DGP_REASON_MALFORMED, "not a flat object at byte 11");

	dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
	                        .file_id = "f1",
	                        .path = "/data/gaj_hjrk.csv",
	                        .resource_code = "T/1",
	                        .next_offset = 800,
	                        .next_line = 8,
	                        .records = 6};
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write_batch(x.sk, b, &pr, &res, err, sizeof(err)), DGP_OK, "%s",
	             err);
	dgp_batch_commit_cache(b, cache);
	cr_expect_eq(res.inserted, 3);
	cr_expect_eq(res.rejects, 3);
	expect_q(x.c, "SELECT count(*) FROM dgp_src.sinktest_person", "3");
	expect_q(x.c,
	         "SELECT string_agg(reason || ':' || coalesce(field, '-') || ':' || line, ' ' "
	         "ORDER BY line, reason)"
	         " FROM dgp_ops.reject",
	         "checksum:GMSFHM:5 not_in_list:XB:6 malformed:-:7");
	char hx[128], sql[256];
	hex((const unsigned char *)bad_raw, sizeof(bad_raw) - 1, hx);
	snprintf(sql, sizeof(sql),
	         "SELECT encode(raw, 'hex') = '%s' FROM dgp_ops.reject WHERE line = 7", hx);
	expect_q(x.c, sql, "t");
	snprintf(sql, sizeof(sql),
	         "SELECT coalesce(xb, '<null>') || ' ' || xm FROM dgp_src.sinktest_person"
	         " WHERE gmsfhm = '%s'",
	         id3);
	expect_q(x.c, sql, "<null> 王五");
	expect_q(x.c,
	         "SELECT \"rows\" || ' ' || records_read || ' ' || rejected FROM "
	         "dgp_catalog.resource_stats",
	         "3 6 2");
	expect_q(x.c,
	         "SELECT string_agg(reason || '=' || count, ' ' ORDER BY reason) FROM "
	         "dgp_catalog.reject_stats",
	         "checksum=1 malformed=1 not_in_list=1");
	expect_q(
	    x.c,
	    "SELECT present || '/' || valid || '/' || total FROM dgp_catalog.field_stats WHERE "
	    "field = 'XB'",
	    "5/4/5"); /* the checksum record's XB counts too; the malformed one is not parsed */
	expect_q(x.c, "SELECT count(*) FROM dgp_base.person", "3");

	/* second batch: one change, one unchanged, one new */
	dgp_batch_reset(b);
	cr_expect_eq(badd(&x, b, cache, 8, id1, "张三", "男", "武汉市洪山区珞喻路2号")->cls,
	             DGP_DEDUP_CHANGED);
	cr_expect_eq(
	    badd(&x, b, cache, 9, id2, "李四", "女", "'); DROP TABLE dgp_ops.reject; --")->cls,
	    DGP_DEDUP_DUPLICATE);
	cr_expect_eq(badd(&x, b, cache, 10, id4, "赵六", "2", "武汉市")->cls, DGP_DEDUP_NEW);
	pr.next_offset = 1100;
	pr.records = 9;
	cr_assert_eq(dgp_pg_sink_write_batch(x.sk, b, &pr, &res, err, sizeof(err)), DGP_OK, "%s",
	             err);
	dgp_batch_commit_cache(b, cache);
	cr_expect_eq(res.inserted, 1);
	cr_expect_eq(res.updated, 1);
	snprintf(sql, sizeof(sql), "SELECT zz FROM dgp_base.person WHERE gmsfhm = '%s'", id1);
	expect_q(x.c, sql, "武汉市洪山区珞喻路2号");

	/* warm start: a fresh cache from PostgreSQL knows every key with its content */
	dgp_dedup_t *warm = dgp_dedup_new(0);
	uint64_t loaded;
	cr_assert_eq(dgp_pg_sink_warm_cache(x.c, &x.s, warm, ~0ull, &loaded, err, sizeof(err)),
	             DGP_OK, "%s", err);
	cr_expect_eq(loaded, 4);
	dgp_batch_reset(b);
	/* an in-batch version that ends where PostgreSQL is: the last one is UNCHANGED, the earlier
	 * a DUPLICATE */
	dgp_record_t *v1 = badd(&x, b, warm, 2, id1, "张三", "男", "武汉市武昌区中南路1号");
	cr_expect_eq(v1->cls, DGP_DEDUP_CHANGED);
	cr_expect_eq(badd(&x, b, warm, 8, id1, "张三", "男", "武汉市洪山区珞喻路2号")->cls,
	             DGP_DEDUP_UNCHANGED);
	cr_expect_eq(v1->cls, DGP_DEDUP_DUPLICATE);
	cr_expect_eq(
	    badd(&x, b, warm, 3, id2, "李四", "女", "'); DROP TABLE dgp_ops.reject; --")->cls,
	    DGP_DEDUP_UNCHANGED);
	cr_expect_eq(badd(&x, b, warm, 6, id3, "王五", "外星", "武汉市")->cls, DGP_DEDUP_UNCHANGED);
	cr_expect_eq(badd(&x, b, warm, 10, id4, "赵六", "2", "武汉市")->cls, DGP_DEDUP_UNCHANGED);
	dgp_batch_reset(b);
	for (int i = 0; i < 2; i++) /* the reloaded file: everything as PostgreSQL has it */
		badd(&x, b, warm, 8, id1, "张三", "男", "武汉市洪山区珞喻路2号");
	badd(&x, b, warm, 3, id2, "李四", "女", "'); DROP TABLE dgp_ops.reject; --");
	cr_assert_eq(dgp_pg_sink_write_batch(x.sk, b, NULL, &res, err, sizeof(err)), DGP_OK, "%s",
	             err);
	cr_expect_eq(res.inserted + res.updated + res.refreshed_keys, 0);
	dgp_dedup_destroy(warm);
	dgp_batch_destroy(b);
	dgp_dedup_destroy(cache);
	bfix_done(&x);
}

Test(pg_sink_batch, forced_key_hash_collisions_cost_merges_never_a_lost_change)
{
	bfix_t x;
	bfix_init(&x);
	const uint64_t mask = 0x1; /* two key hashes for every key there is */
	dgp_dedup_t *cache = dgp_dedup_new(0);
	dgp_batch_t *b = dgp_batch_new(&x.s, 64, mask);
	char zz[64];
	for (unsigned i = 0; i < 6; i++) {
		snprintf(zz, sizeof(zz), "武汉市武昌区%u号", i);
		cr_expect_eq(badd(&x, b, cache, i + 1, idcard(x.a, i), "张三", "1", zz)->cls,
		             DGP_DEDUP_NEW);
	}
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write_batch(x.sk, b, NULL, &res, err, sizeof(err)), DGP_OK, "%s",
	             err);
	cr_expect_eq(res.inserted, 6);
	dgp_batch_commit_cache(b, cache);

	/* three changed keys and three new ones: the cache sees every one as a
	 * known hash with other content, so all take the merge path, which
	 * decides by the real key */
	dgp_batch_reset(b);
	for (unsigned i = 3; i < 9; i++) {
		snprintf(zz, sizeof(zz), "武汉市洪山区%u号", i);
		cr_expect_eq(badd(&x, b, cache, i + 10, idcard(x.a, i), "李四", "2", zz)->cls,
		             DGP_DEDUP_CHANGED);
	}
	cr_assert_eq(dgp_pg_sink_write_batch(x.sk, b, NULL, &res, err, sizeof(err)), DGP_OK, "%s",
	             err);
	dgp_batch_commit_cache(b, cache);
	cr_expect_eq(res.updated, 3);
	cr_expect_eq(res.inserted, 3);
	expect_q(x.c,
	         "SELECT count(*) FILTER (WHERE xm = '张三' AND zz LIKE '武汉市武昌区%') || ' '"
	         " || count(*) FILTER (WHERE xm = '李四' AND zz LIKE '武汉市洪山区%') FROM "
	         "dgp_src.sinktest_person",
	         "3 6");

	/* unchanged rows whose colliding hash slot holds other content: extra merges that change
	 * nothing */
	dgp_batch_reset(b);
	for (unsigned i = 0; i < 3; i++) {
		snprintf(zz, sizeof(zz), "武汉市武昌区%u号", i);
		badd(&x, b, cache, i + 1, idcard(x.a, i), "张三", "1", zz);
	}
	cr_assert_eq(dgp_pg_sink_write_batch(x.sk, b, NULL, &res, err, sizeof(err)), DGP_OK, "%s",
	             err);
	cr_expect_eq(res.inserted + res.updated, 0);
	expect_q(
	    x.c,
	    "SELECT count(*) FROM dgp_src.sinktest_person WHERE _dgp_updated_at <> _dgp_loaded_at",
	    "3");

	dgp_dedup_t *warm = dgp_dedup_new(0);
	uint64_t loaded;
	cr_assert_eq(dgp_pg_sink_warm_cache(x.c, &x.s, warm, mask, &loaded, err, sizeof(err)),
	             DGP_OK, "%s", err);
	cr_expect_eq(loaded, 9);
	cr_expect_leq(dgp_dedup_count(warm), 2);
	dgp_dedup_destroy(warm);
	dgp_batch_destroy(b);
	dgp_dedup_destroy(cache);
	bfix_done(&x);
}

/* ------------------------------------------------------- refused rows */

/*
 * 10,000 rows, a file's progress; PostgreSQL refuses five of them, each for
 * its own reason, set up by the test: a CHECK constraint (23514, met in the
 * merge), a column narrowed to varchar(1) (22001, met by COPY, which names
 * the line), a second unique index (23505 between two rows of the batch),
 * a trigger raising 21000 and one raising P0001.  Each refused row is
 * rejected as db_refused with "SQLSTATE: message", raw bytes and origin; the
 * 9,995 others, their stats and the progress commit in one transaction; a
 * retry of the same batch writes nothing.  Finding 5 rows in 10,000 takes a
 * few hundred round trips at most, not one per row.
 */
Test(pg_sink, refused_rows_are_rejected_and_the_rest_of_the_batch_commits)
{
	PGconn *c = fresh_db();
	exec_ok(
	    c,
	    "ALTER TABLE dgp_src.sinktest_person ADD CONSTRAINT no_poison CHECK (xm <> 'poison');"
	    "ALTER TABLE dgp_src.sinktest_person ALTER COLUMN xb TYPE varchar(1);"
	    "CREATE UNIQUE INDEX sinktest_zz ON dgp_src.sinktest_person (zz);"
	    "CREATE FUNCTION dgp_src.sinktest_trg() RETURNS trigger LANGUAGE plpgsql AS $f$"
	    " BEGIN"
	    "  IF NEW.xm = 'twice' THEN RAISE EXCEPTION 'cannot affect row a second time'"
	    "   USING ERRCODE = '21000'; END IF;"
	    "  IF NEW.xm = 'raise' THEN RAISE EXCEPTION 'refused by trigger'; END IF;"
	    "  RETURN NEW;"
	    " END $f$;"
	    "CREATE TRIGGER sinktest_trg BEFORE INSERT OR UPDATE ON dgp_src.sinktest_person"
	    " FOR EACH ROW EXECUTE FUNCTION dgp_src.sinktest_trg()");
	enum { N = 10000 };
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t **ins = dgp_arena_alloc(a, N * sizeof(*ins));
	/* line → why it is refused (line = index + 2, as in a CSV file with a header) */
	static const struct {
		size_t i;
		const char *xm, *xb, *zz, *detail;
	} poison[] = {
	    {1234, "poison", "1", NULL,
	     "23514: new row for relation \"sinktest_person\" violates check constraint "
	     "\"no_poison\""},
	    {4321, "ok", "12", NULL, "22001: value too long for type character varying(1)"},
	    {5000, "ok", "1", "zz-7",
	     "23505: duplicate key value violates unique constraint \"sinktest_zz\""},
	    {7777, "twice", "1", NULL, "21000: cannot affect row a second time"},
	    {9998, "raise", "1", NULL, "P0001: refused by trigger"},
	};
	for (size_t i = 0; i < N; i++) {
		char key[32], zz[32];
		snprintf(key, sizeof(key), "K%08zu", i);
		snprintf(zz, sizeof(zz), "zz-%zu", i);
		const char *vals[NF] = {key, "ok", "1", zz};
		for (size_t p = 0; p < sizeof(poison) / sizeof(poison[0]); p++)
			if (poison[p].i == i) {
				vals[1] = poison[p].xm;
				vals[2] = poison[p].xb;
				if (poison[p].zz)
					vals[3] = poison[p].zz;
			}
		ins[i] = mkrec(a, &PERSON, vals, "/data/p.csv", (int64_t)i + 2);
	}
	dgp_batch_counts_t counts = {.read = N, .cls = {N}};
	dgp_pg_sink_input_t in = input(&PERSON, ins, N, NULL, 0);
	in.counts = &counts;
	dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
	                        .file_id = "p1",
	                        .path = "/data/p.csv",
	                        .resource_code = "T/1",
	                        .next_offset = 100 * (N + 2),
	                        .next_line = N + 2,
	                        .records = N,
	                        .complete = true};
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.n_refused, 5);
	cr_expect_eq(res.inserted, N - 5);
	cr_expect_eq(res.rejects, 5);
	cr_expect_eq(res.refreshed_keys, N - 5);
	cr_expect_leq(res.round_trips, 250, "%d round trips to find 5 rows in %d", res.round_trips,
	              N);
	for (size_t i = 0; i < res.n_refused; i++) {
		int64_t line = res.refused[i].rec->origin.line;
		bool found = false;
		for (size_t p = 0; p < sizeof(poison) / sizeof(poison[0]); p++)
			if ((int64_t)poison[p].i + 2 == line) {
				found = true;
				cr_expect_str_eq(res.refused[i].detail, poison[p].detail,
				                 "line %lld", (long long)line);
			}
		cr_expect(found, "line %lld refused", (long long)line);
	}
	expect_q(c, "SELECT count(*) FROM dgp_src.sinktest_person", "9995");
	expect_q(c,
	         "SELECT string_agg(line || ' ' || detail || ' ' || encode(raw, 'escape') || ' '"
	         " || source || ' ' || coalesce(field, '-'), E'\\n' ORDER BY line)"
	         " FROM dgp_ops.reject WHERE reason = 'db_refused'",
	         "1236 23514: new row for relation \"sinktest_person\" violates check constraint "
	         "\"no_poison\" raw /data/p.csv -\n"
	         "4323 22001: value too long for type character varying(1) raw /data/p.csv -\n"
	         "5002 23505: duplicate key value violates unique constraint \"sinktest_zz\" raw "
	         "/data/p.csv -\n"
	         "7779 21000: cannot affect row a second time raw /data/p.csv -\n"
	         "10000 P0001: refused by trigger raw /data/p.csv -");
	/* of the two rows with zz-7 the one first in key order stays */
	expect_q(c, "SELECT gmsfhm FROM dgp_src.sinktest_person WHERE zz = 'zz-7'", "K00000007");
	expect_q(c,
	         "SELECT \"rows\" || ' ' || records_read || ' ' || rejected FROM "
	         "dgp_catalog.resource_stats",
	         "9995 10000 5");
	expect_q(c, "SELECT string_agg(reason || '=' || count, ' ') FROM dgp_catalog.reject_stats",
	         "db_refused=5");
	expect_q(
	    c, "SELECT next_offset || ' ' || records || ' ' || complete FROM dgp_ops.file_progress",
	    "1000200 10000 true");
	expect_q(c, "SELECT count(*) FROM dgp_base.person", "9995");

	/* the same batch again: committed before, nothing written, nothing refused */
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect(res.already_committed);
	cr_expect_eq(res.n_refused, 0);
	expect_q(c, "SELECT count(*) FROM dgp_ops.reject", "5");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/* A batch-level failure (the table is gone) is no refusal: DGP_ERR_PG, nothing rejected, nothing
 * committed. */
Test(pg_sink, a_missing_table_fails_the_batch_without_rejecting_its_rows)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *ins[NROWS1];
	for (size_t i = 0; i < NROWS1; i++)
		ins[i] = mkrec(a, &PERSON, ROWS1[i], "/data/gaj.csv", (int64_t)i + 2);
	exec_ok(c, "DROP TABLE dgp_src.sinktest_person CASCADE");
	dgp_pg_sink_input_t in = input(&PERSON, ins, NROWS1, NULL, 0);
	dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
	                        .file_id = "m1",
	                        .path = "/data/gaj.csv",
	                        .next_offset = 600,
	                        .next_line = 6,
	                        .records = 4,
	                        .complete = true};
	dgp_pg_sink_result_t res;
	dgp_err_t e = dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err));
	cr_expect_eq(e, DGP_ERR_PG, "%s", dgp_err_name(e));
	cr_expect(strstr(err, "42P01") != NULL, "%s", err);
	expect_q(c, "SELECT count(*) FROM dgp_ops.reject", "0");
	expect_q(c, "SELECT count(*) FROM dgp_ops.file_progress", "0");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/* The golden worker: chunks of whole queue rows up to max_keys keys (a bigger
 * row alone), distinct keys per base, a failed refresh puts its chunk back, a
 * repaired one drains the rest exactly. */
Test(pg_golden, drains_in_chunks_and_a_failed_refresh_keeps_the_keys)
{
	PGconn *c = fresh_db();
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *ins[3] = {mkrec(a, &PERSON, ROWS1[0], "/d/g.csv", 1),
	                        mkrec(a, &PERSON, ROWS1[1], "/d/g.csv", 2),
	                        mkrec(a, &PERSON, ROWS1[2], "/d/g.csv", 3)};
	dgp_pg_sink_input_t in = input(&PERSON, ins, 3, NULL, 0);
	dgp_pg_progress_t pr = {.kind = DGP_PG_PROGRESS_FILE,
	                        .file_id = "g",
	                        .path = "/d/g.csv",
	                        .next_offset = 300,
	                        .next_line = 4,
	                        .records = 3,
	                        .complete = true};
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, &pr, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.refreshed_keys, 3);
	/* queued with the rows as one queue row, no golden row yet */
	expect_raw(c,
	           "SELECT count(*) || ' ' || sum(cardinality(keys)) || ' ' || min(base)"
	           " FROM dgp_ops.golden_queue",
	           "1 3 person");
	expect_raw(c, "SELECT count(*) FROM dgp_base.person", "0");
	/* two more rows: the first key queued again (refreshed once per chunk), the others */
	exec_ok(c, "INSERT INTO dgp_ops.golden_queue (base, keys) VALUES"
	           " ('person', '{110101199003070011}'),"
	           " ('person', '{110101199003070038,11010119900307005X}')");

	exec_ok(c, "CREATE OR REPLACE FUNCTION dgp_base.refresh_person(keys text[]) RETURNS void"
	           " LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION 'golden refresh broken'; END$f$");
	dgp_golden_report_t gr = {0};
	dgp_err_t e = dgp_golden_drain(c, 2, false, &gr, err, sizeof(err));
	cr_expect_eq(e, DGP_ERR_PG, "%s", dgp_err_name(e));
	cr_expect(strstr(err, "golden refresh broken") != NULL, "%s", err);
	cr_expect(strstr(err, "refresh of base person") != NULL, "%s", err);
	cr_expect_eq(gr.keys, 0);
	expect_raw(c, "SELECT count(*) || ' ' || sum(cardinality(keys)) FROM dgp_ops.golden_queue",
	           "3 6");
	cr_expect_eq(PQtransactionStatus(c), PQTRANS_IDLE);

	exec_ok(c, "DROP FUNCTION dgp_base.refresh_person(text[])");
	exec_ok(
	    c, GOLDEN_PERSON +
	           strlen("CREATE TABLE dgp_base.person (gmsfhm text PRIMARY KEY, xm text, zz text,"
	                  " _dgp_sources jsonb, _dgp_updated_at timestamptz);"));
	/* once, 2 keys: the first row's 3 keys, taken whole */
	cr_assert_eq(dgp_golden_drain(c, 2, true, &gr, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(gr.keys, 3);
	cr_expect_eq(gr.distinct, 3);
	cr_expect_eq(gr.transactions, 1);
	expect_raw(c, "SELECT count(*) FROM dgp_base.person", "3");
	/* once, 2 keys: the second row (1 key); with the third it would be 3 */
	cr_assert_eq(dgp_golden_drain(c, 2, true, &gr, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(gr.keys, 4);
	cr_expect_eq(gr.distinct, 4);
	cr_expect_eq(gr.transactions, 2);
	expect_raw(c, "SELECT count(*) FROM dgp_ops.golden_queue", "1");
	int64_t keys;
	double lag;
	cr_assert_eq(dgp_golden_lag(c, &keys, &lag, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(keys, 2);
	cr_expect(lag >= 0);
	cr_assert_eq(dgp_golden_drain(c, 3, false, &gr, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(gr.keys, 6);
	cr_expect_eq(gr.distinct, 6);
	cr_expect_eq(gr.transactions, 3);
	expect_raw(c, "SELECT count(*) FROM dgp_ops.golden_queue", "0");
	expect_raw(c,
	           "SELECT count(*) FROM dgp_base.person p JOIN dgp_src.sinktest_person s"
	           " USING (gmsfhm) WHERE p.xm IS NOT DISTINCT FROM s.xm",
	           "3");
	cr_assert_eq(dgp_golden_lag(c, &keys, &lag, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(keys, 0);
	cr_expect_eq(lag, 0);
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}

/* A queue of the previous layout (one row per key, column key) is migrated by
 * ensure_ops, twice without harm: its keys, in their order, one per row, then
 * refreshed by the worker; new rows queue after them. */
Test(pg_golden, an_old_layout_queue_is_migrated_and_its_keys_refreshed)
{
	PGconn *c = fresh_db();
	exec_ok(c,
	        "INSERT INTO dgp_src.sinktest_person (gmsfhm, xm, _dgp_content_hash, _dgp_origin)"
	        " VALUES ('110101199003070011', 'a', 1, 'x:1'), ('110101199003070038', 'b', 2,"
	        " 'x:2')");
	exec_ok(c, "DROP TABLE dgp_ops.golden_queue;"
	           "CREATE TABLE dgp_ops.golden_queue ("
	           " id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	           " base text NOT NULL,"
	           " key text NOT NULL,"
	           " enqueued_at timestamptz NOT NULL DEFAULT now());"
	           "INSERT INTO dgp_ops.golden_queue (base, key) VALUES"
	           " ('person', '110101199003070038'), ('person', '110101199003070011'),"
	           " ('person', '110101199003070038')");
	cr_assert_eq(dgp_pg_sink_ensure_ops(c, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_eq(dgp_pg_sink_ensure_ops(c, err, sizeof(err)), DGP_OK, "%s", err);
	expect_raw(c,
	           "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod)"
	           " || CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum)"
	           " FROM pg_attribute WHERE attrelid = 'dgp_ops.golden_queue'::regclass"
	           " AND attnum > 0 AND NOT attisdropped",
	           "id bigint not null, base text not null, enqueued_at timestamp with time zone "
	           "not null, keys text[] not null, n_keys integer");
	/* the key count, generated: for the rows migrated and for later ones */
	expect_raw(c,
	           "SELECT attgenerated FROM pg_attribute WHERE attrelid ="
	           " 'dgp_ops.golden_queue'::regclass AND attname = 'n_keys'",
	           "s");
	/* keys stored out of line, uncompressed (STORAGE EXTERNAL) */
	expect_raw(c,
	           "SELECT attstorage FROM pg_attribute WHERE attrelid ="
	           " 'dgp_ops.golden_queue'::regclass AND attname = 'keys'",
	           "e");
	expect_raw(c,
	           "SELECT string_agg(id || ' ' || base || ' ' || keys::text, ', ' ORDER BY id)"
	           " FROM dgp_ops.golden_queue",
	           "1 person {110101199003070038}, 2 person {110101199003070011}, "
	           "3 person {110101199003070038}");
	exec_ok(c, "INSERT INTO dgp_ops.golden_queue (base, keys) VALUES ('person',"
	           " '{110101199003070011}')");
	expect_raw(c, "SELECT max(id) FROM dgp_ops.golden_queue", "4");
	/* the layout's checks hold for the migrated table too */
	PGresult *r =
	    PQexec(c, "INSERT INTO dgp_ops.golden_queue (base, keys) VALUES ('person', '{}')");
	cr_expect_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
	cr_expect_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23514");
	PQclear(r);
	int64_t keys;
	double lag;
	cr_assert_eq(dgp_golden_lag(c, &keys, &lag, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(keys, 4);
	dgp_golden_report_t gr = {0};
	cr_assert_eq(dgp_golden_drain(c, 100, false, &gr, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(gr.keys, 4);
	cr_expect_eq(gr.distinct, 2);
	cr_expect_eq(gr.transactions, 1);
	expect_raw(c, "SELECT count(*) FROM dgp_ops.golden_queue", "0");
	expect_raw(
	    c, "SELECT string_agg(gmsfhm || '=' || xm, ' ' ORDER BY gmsfhm) FROM dgp_base.person",
	    "110101199003070011=a 110101199003070038=b");
	PQfinish(c);
}

/* ------------------------------------------------- binary forms vs text input */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A numeric's canonical text: sign, whole digits (no leading zero but a lone 0), fraction. */
static void rnd_numeric(char *out)
{
	size_t o = 0;
	if (rnd() % 3 == 0)
		out[o++] = '-';
	size_t ni = (size_t)(rnd() % 4 == 0 ? rnd() % 40 : rnd() % 12);
	if (ni == 0)
		out[o++] = '0';
	for (size_t i = 0; i < ni; i++) {
		int d = (int)(rnd() % (rnd() % 3 ? 10 : 2)); /* runs of zeros now and then */
		out[o++] = (char)('0' + (i == 0 && d == 0 ? 1 : d));
	}
	size_t nf = (size_t)(rnd() % 3 == 0 ? 0 : rnd() % 14);
	if (nf)
		out[o++] = '.';
	for (size_t i = 0; i < nf; i++)
		out[o++] = (char)('0' + (int)(rnd() % (rnd() % 3 ? 10 : 2)));
	out[o] = '\0';
}

/*
 * dgp_pg_bin's forms, sent by binary COPY, equal what PostgreSQL's own text
 * input makes of the same texts: 20,000 random dates (years 1–9999),
 * numerics (up to 40 + 13 digits, zero runs, signs, scales) and bigints
 * (the extremes among them), each row holding the text too.
 */
Test(pg_sink, binary_forms_equal_postgresql_text_input)
{
	PGconn *c = fresh_db();
	exec_ok(c,
	        "CREATE TEMP TABLE bin (d date, n numeric, i bigint, dt text, nt text, it text)");
	PGresult *r = PQexec(c, "COPY bin FROM STDIN (FORMAT binary)");
	cr_assert_eq(PQresultStatus(r), PGRES_COPY_IN, "%s", PQerrorMessage(c));
	PQclear(r);
	static const char sig[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};
	unsigned char hdr[19] = {0};
	memcpy(hdr, sig, 11);
	cr_assert_eq(PQputCopyData(c, (const char *)hdr, 19), 1);
	static const char *const fixed_n[] = {"0",       "-0.00",     "0.0001",         "0.00001",
	                                      "10000.5", "100000000", "-99999999.9999", "1",
	                                      "12345.6"};
	static const char *const fixed_i[] = {"0", "-1", "9223372036854775807",
	                                      "-9223372036854775808"};
	static const char *const fixed_d[] = {"0001-01-01", "1999-12-31", "2000-01-01",
	                                      "2000-02-29", "1900-02-28", "9999-12-31"};
	enum { N = 20000 };
	for (int k = 0; k < N; k++) {
		char d[16], n[64], i[32];
		if (k < 6) {
			snprintf(d, sizeof(d), "%s", fixed_d[k]);
		} else {
			int y = 1 + (int)(rnd() % 9999), m = 1 + (int)(rnd() % 12);
			int dim = m == 2 ? ((y % 4 == 0 && (y % 100 || y % 400 == 0)) ? 29 : 28)
			          : (m == 4 || m == 6 || m == 9 || m == 11) ? 30
			                                                    : 31;
			snprintf(d, sizeof(d), "%04d-%02d-%02d", y, m,
			         1 + (int)(rnd() % (unsigned)dim));
		}
		if (k < 9)
			snprintf(n, sizeof(n), "%s", fixed_n[k]);
		else
			rnd_numeric(n);
		if (k < 4)
			snprintf(i, sizeof(i), "%s", fixed_i[k]);
		else
			snprintf(i, sizeof(i), "%" PRId64, (int64_t)rnd() >> (rnd() % 63));
		unsigned char row[512], *o = row;
		*o++ = 0;
		*o++ = 6;
		int len[3];
		unsigned char tmp[3][256];
		len[0] = dgp_pg_bin_date(d, strlen(d), tmp[0]);
		len[1] = dgp_pg_bin_numeric(n, strlen(n), tmp[1]);
		len[2] = dgp_pg_bin_int8(i, strlen(i), tmp[2]);
		const char *texts[3] = {d, n, i};
		for (int f = 0; f < 3; f++) {
			cr_assert_geq(len[f], 0, "%s refused", texts[f]);
			cr_assert_leq(len[f], (int)DGP_PG_BIN_NUMERIC_MAX(strlen(texts[f])) + 8);
			o[0] = 0, o[1] = 0, o[2] = (unsigned char)(len[f] >> 8),
			o[3] = (unsigned char)len[f];
			memcpy(o + 4, tmp[f], (size_t)len[f]);
			o += 4 + len[f];
		}
		for (int f = 0; f < 3; f++) {
			size_t l = strlen(texts[f]);
			o[0] = 0, o[1] = 0, o[2] = (unsigned char)(l >> 8), o[3] = (unsigned char)l;
			memcpy(o + 4, texts[f], l);
			o += 4 + l;
		}
		cr_assert_eq(PQputCopyData(c, (const char *)row, (int)(o - row)), 1);
	}
	unsigned char trailer[2] = {0xFF, 0xFF};
	cr_assert_eq(PQputCopyData(c, (const char *)trailer, 2), 1);
	cr_assert_eq(PQputCopyEnd(c, NULL), 1);
	r = PQgetResult(c);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	expect_raw(c, "SELECT count(*) FROM bin", "20000");
	/* equal values, and equal text (the numeric's scale included) */
	expect_raw(
	    c,
	    "SELECT count(*) FROM bin WHERE d IS DISTINCT FROM dt::date"
	    " OR n::text IS DISTINCT FROM nt::numeric::text OR i IS DISTINCT FROM it::bigint",
	    "0");
	PQfinish(c);
}

/*
 * A value without its rule's canonical text (a hand-made record: dgp's rules never write one)
 * ends the binary direct COPY; the batch goes through the stage, where PostgreSQL parses it.
 */
Test(pg_sink, a_value_the_binary_copy_cannot_encode_goes_through_the_stage)
{
	PGconn *c = fresh_db();
	exec_ok(c,
	        "CREATE TABLE dgp_src.sinktest_dated (gmsfhm text PRIMARY KEY, csrq date,"
	        " je numeric(20,2), _dgp_content_hash bigint NOT NULL, _dgp_origin text NOT NULL,"
	        " _dgp_loaded_at timestamptz NOT NULL DEFAULT now(),"
	        " _dgp_updated_at timestamptz NOT NULL DEFAULT now())");
	static const dgp_field_spec_t fields[3] = {
	    {.name = "公民身份号码", .column = "gmsfhm", .pg_type = "text", .key = true},
	    {.name = "出生日期", .column = "csrq", .pg_type = "date"},
	    {.name = "金额", .column = "je", .pg_type = "numeric(20,2)"},
	};
	static const size_t keys[1] = {0};
	static const dgp_schema_t dated = {.resource_code = "T/2",
	                                   .table = "sinktest_dated",
	                                   .nfields = 3,
	                                   .fields = fields,
	                                   .nkeys = 1,
	                                   .key_fields = keys};
	static const char *const rows[][3] = {
	    {"110101199003070011", "1990-03-07", "12.50"},
	    {"110101199003070038", "1990-3-7", "-0.01"}, /* not "YYYY-MM-DD" */
	    {"11010119900307005X", NULL, "100000000.00"},
	};
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_pg_sink_t *sk = dgp_pg_sink_new(c, NULL);
	dgp_record_t *ins[3];
	for (size_t i = 0; i < 3; i++)
		ins[i] = mkrec(a, &dated, rows[i], "/data/d.csv", (int64_t)i + 2);
	dgp_pg_sink_input_t in = input(&dated, ins, 3, NULL, 0);
	dgp_pg_sink_result_t res;
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.inserted, 3);
	cr_expect_not(res.met_existing);
	expect_raw(c, STAGE_EXISTS, "1");
	expect_raw(c,
	           "SELECT string_agg(gmsfhm || '=' || coalesce(csrq::text, '-') || '/' || je, ' '"
	           " ORDER BY gmsfhm) FROM dgp_src.sinktest_dated",
	           "110101199003070011=1990-03-07/12.50 110101199003070038=1990-03-07/-0.01 "
	           "11010119900307005X=-/100000000.00");
	/* canonical values only: the binary COPY takes them, no stage is made (a new session) */
	dgp_pg_sink_destroy(sk);
	PQfinish(c);
	c = connect_db(TESTDB);
	exec_ok(c, "TRUNCATE dgp_src.sinktest_dated");
	sk = dgp_pg_sink_new(c, NULL);
	ins[1] =
	    mkrec(a, &dated, (const char *const[]){"110101199003070038", "1990-03-07", "-0.01"},
	          "/data/d.csv", 3);
	cr_assert_eq(dgp_pg_sink_write(sk, &in, NULL, &res, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(res.inserted, 3);
	expect_raw(c, STAGE_EXISTS, "0");
	expect_raw(c,
	           "SELECT string_agg(gmsfhm || '=' || coalesce(csrq::text, '-') || '/' || je, ' '"
	           " ORDER BY gmsfhm) FROM dgp_src.sinktest_dated",
	           "110101199003070011=1990-03-07/12.50 110101199003070038=1990-03-07/-0.01 "
	           "11010119900307005X=-/100000000.00");
	dgp_pg_sink_destroy(sk);
	dgp_arena_destroy(a);
	PQfinish(c);
}
