/*
 * test_catalog_status_pg.c — `dgp catalog status` queries against the real
 * PostgreSQL (DGP_PG_CONNINFO; scripts/services.sh start pg): the stats
 * tables are created by dgp_pg_sink_ensure_ops and filled by hand inside a
 * transaction that is rolled back, so the database is left as it was and
 * other tests' statistics are never touched.  Also the export's statistics
 * columns from the same data.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dgp_catalog_export.h"
#include "dgp_catalog_status.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"

#define GOLDEN_CATALOG DGP_SOURCE_DIR "/tests/catalog/golden/catalog"
#define OUT            DGP_BINARY_DIR "/tests/catalog/export-pg"

static PGconn *conn;
static dgp_catalog_t *cat;

static void exec_ok(const char *sql)
{
	char err[1024];
	cr_assert_eq(dgp_pg_exec(conn, sql, err, sizeof(err)), DGP_OK, "%s: %s", sql, err);
}

static void setup(void)
{
	const char *ci = getenv("DGP_PG_CONNINFO");
	cr_assert(ci && *ci,
	          "DGP_PG_CONNINFO is not set: run `eval \"$(scripts/services.sh start pg)\"`");
	char err[1024];
	cr_assert_eq(dgp_pg_connect(ci, 10000, &conn, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_eq(dgp_pg_sink_ensure_ops(conn, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_eq(dgp_catalog_load(GOLDEN_CATALOG, &cat), DGP_OK);
	cr_assert_eq(dgp_catalog_validate(cat), DGP_OK);
	/* Everything below happens in this transaction and is rolled back in teardown. */
	exec_ok("BEGIN; SET LOCAL client_min_messages TO warning");
	exec_ok(
	    "DELETE FROM dgp_catalog.resource_stats WHERE resource_code IN"
	    " ('101001/000001','101001/000002','301001/000001','301008/000001','102002/000001',"
	    "  '999999/000001');"
	    "DELETE FROM dgp_catalog.reject_stats WHERE resource_code IN"
	    " ('101001/000001','101001/000002','301001/000001','301008/000001','102002/000001');"
	    "DELETE FROM dgp_catalog.field_stats WHERE resource_code IN"
	    " ('101001/000001','101001/000002','301001/000001','301008/000001','102002/000001');"
	    "DELETE FROM dgp_catalog.unknown_field_stats WHERE resource_code IN"
	    " ('101001/000001','101001/000002','301001/000001','301008/000001','102002/000001')");
	/*
	 * 101001/000001 实时: loaded 2026-11-26T00:00Z → ok on 11-27 00:00, overdue after
	 * 101001/000002 每日: loaded 2026-11-20 → overdue by 5 days on 11-27
	 * 102002/000001 实时: a stats row but never a load (all rejected) → never
	 * 301001/000001, 301008/000001: no row → never
	 * 999999/000001: not in the catalog → ignored
	 */
	exec_ok("INSERT INTO dgp_catalog.resource_stats (resource_code, \"rows\", records_read, "
	        "rejected,"
	        " last_load, last_change, replayed, deleted) VALUES"
	        " ('101001/000001', 1200, 1250, 50, '2026-11-26T00:00:00Z', "
	        "'2026-11-25T12:00:00Z', 600, 7),"
	        " ('101001/000002', 300, 300, 0, '2026-11-20T00:00:00Z', NULL, 0, 0),"
	        " ('102002/000001', 0, 10, 10, NULL, NULL, 0, 0),"
	        " ('999999/000001', 1, 1, 0, now(), now(), 0, 0);"
	        "INSERT INTO dgp_catalog.reject_stats VALUES"
	        " ('101001/000001', 'malformed', 10), ('101001/000001', 'bad_check', 40),"
	        " ('101001/000001', 'never_seen', 0), ('102002/000001', 'bad_check', 10);"
	        "INSERT INTO dgp_catalog.field_stats VALUES"
	        " ('101001/000001', 'GMSFHM', 1240, 1200, 1240),"
	        " ('101001/000001', 'LXDH', 620, 600, 1240),"
	        " ('101001/000001', 'NO_SUCH_FIELD', 1, 1, 1);"
	        "INSERT INTO dgp_catalog.unknown_field_stats (resource_code, name, records) VALUES"
	        " ('101001/000001', 'ZZ', 3), ('101001/000001', 'BZ', 7),"
	        " ('101001/000001', 'NEVER', 0), ('102002/000001', 'QT', 2),"
	        " ('999999/000001', 'XX', 9)");
}

static void teardown(void)
{
	if (conn) {
		PQclear(PQexec(conn, "ROLLBACK"));
		PQfinish(conn);
	}
	dgp_catalog_destroy(cat);
}

TestSuite(catalog_status_pg, .init = setup, .fini = teardown, .timeout = 120);

static int64_t t(const char *s)
{
	int64_t v;
	cr_assert(dgp_time_parse(s, &v));
	return v;
}

Test(catalog_status_pg, reads_the_stats_tables)
{
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	char err[1024];
	cr_assert_eq(dgp_catalog_status_query(st, conn, false, err, sizeof(err)), DGP_OK, "%s",
	             err);
	dgp_catalog_status_evaluate(st, t("2026-11-27"));

	const dgp_status_resource_t *hjrk = dgp_catalog_status_find(st, "101001/000001");
	cr_assert(hjrk->has_stats && hjrk->loaded && hjrk->changed);
	cr_expect_eq(hjrk->rows, 1200);
	cr_expect_eq(hjrk->records_read, 1250);
	cr_expect_eq(hjrk->rejected, 50);
	cr_expect_eq(hjrk->replayed, 600, "records read again are shown apart");
	cr_expect_eq(hjrk->deleted, 7, "rows deleted by tombstones and delete markers");
	cr_expect_eq(hjrk->last_load, t("2026-11-26"));
	cr_expect_eq(hjrk->last_change, t("2026-11-25T12:00:00"));
	cr_expect_eq(hjrk->compliance, DGP_COMPLIANCE_OK, "exactly one day after a 实时 load");
	cr_assert_eq(hjrk->n_rejects, 2, "reasons with count 0 are left out");
	cr_expect_str_eq(hjrk->rejects[0].reason, "bad_check");
	cr_expect_eq(hjrk->rejects[0].count, 40);
	cr_expect_str_eq(hjrk->rejects[1].reason, "malformed");
	cr_expect_eq(hjrk->rejects[1].count, 10);
	cr_assert_eq(hjrk->n_unknown, 2, "unknown fields with 0 records are left out");
	cr_expect_str_eq(hjrk->unknown[0].name, "BZ", "sorted by name");
	cr_expect_eq(hjrk->unknown[0].records, 7);
	cr_expect_str_eq(hjrk->unknown[1].name, "ZZ");
	cr_expect_eq(hjrk->unknown[1].records, 3);
	const dgp_status_field_t *id = &hjrk->fields[0], *phone = &hjrk->fields[4];
	cr_assert_str_eq(id->field->source_name, "GMSFHM");
	cr_expect(id->has_stats);
	cr_expect_eq(id->present, 1240);
	cr_expect_eq(id->valid, 1200);
	cr_assert_str_eq(phone->field->source_name, "LXDH");
	cr_expect_eq(phone->total, 1240);
	cr_expect_not(hjrk->fields[1].has_stats, "XM has no row");
	cr_expect_eq(id->distinct, -1, "no --distinct");

	const dgp_status_resource_t *ldrk = dgp_catalog_status_find(st, "101001/000002");
	cr_expect_eq(ldrk->compliance, DGP_COMPLIANCE_OVERDUE);
	cr_expect_eq(ldrk->overdue_by, 5 * 86400, "loaded 11-20, allowed until 11-22");
	cr_expect_not(ldrk->changed);

	const dgp_status_resource_t *qydj = dgp_catalog_status_find(st, "102002/000001");
	cr_expect(qydj->has_stats);
	cr_expect_eq(qydj->compliance, DGP_COMPLIANCE_NEVER, "a stats row without a load");
	cr_assert_eq(qydj->n_rejects, 1);
	cr_expect_str_eq(qydj->rejects[0].reason, "bad_check");
	cr_expect_eq(qydj->rejects[0].count, 10);
	cr_assert_eq(qydj->n_unknown, 1);
	cr_expect_str_eq(qydj->unknown[0].name, "QT");
	cr_expect_eq(qydj->unknown[0].records, 2);
	cr_expect_eq(ldrk->n_rejects, 0);
	cr_expect_eq(ldrk->n_unknown, 0);

	size_t c[DGP_COMPLIANCE__COUNT];
	dgp_catalog_status_counts(st, c);
	cr_expect_eq(c[DGP_COMPLIANCE_OK], 1);
	cr_expect_eq(c[DGP_COMPLIANCE_OVERDUE], 1);
	cr_expect_eq(c[DGP_COMPLIANCE_NEVER], 3);

	/* one second later the 实时 resource is overdue too */
	dgp_catalog_status_evaluate(st, t("2026-11-27T00:00:01"));
	cr_expect_eq(dgp_catalog_status_find(st, "101001/000001")->compliance,
	             DGP_COMPLIANCE_OVERDUE);

	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);
	cr_assert(dgp_catalog_status_write_json(st, f));
	fclose(f);
	json_error_t jerr;
	json_t *doc = json_loads(p, 0, &jerr);
	cr_assert_not_null(doc, "status JSON parses: %s\n%s", jerr.text, p);
	json_t *r0 = json_array_get(json_object_get(doc, "resources"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(r0, "compliance")), "overdue");
	cr_expect_eq(json_integer_value(json_object_get(r0, "overdue_by_s")), 1);
	cr_expect_eq(
	    json_integer_value(json_object_get(json_object_get(r0, "rejects"), "bad_check")), 40);
	json_t *f0 = json_array_get(json_object_get(r0, "fields"), 0);
	cr_expect(json_real_value(json_object_get(f0, "valid_rate")) > 0.9677 - 1e-9 &&
	          json_real_value(json_object_get(f0, "valid_rate")) < 0.9677 + 1e-9);
	cr_expect(json_is_null(json_object_get(f0, "distinct")));
	json_decref(doc);
	free(p);
	dgp_catalog_status_destroy(st);
}

Test(catalog_status_pg, distinct_counts_dgp_src)
{
	exec_ok("CREATE SCHEMA IF NOT EXISTS dgp_src;"
	        "DROP TABLE IF EXISTS dgp_src.\"gaj_ldrk\";"
	        "CREATE TABLE dgp_src.\"gaj_ldrk\" (djbh text PRIMARY KEY, gmsfhm text, xm text,"
	        " jzdz text);"
	        "INSERT INTO dgp_src.\"gaj_ldrk\" VALUES ('1', 'A', '张三', NULL), ('2', 'A', "
	        "'李四', NULL),"
	        " ('3', 'B', '张三', '中南路')");
	exec_ok("DROP TABLE IF EXISTS dgp_src.\"gaj_hjrk\"");
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	char err[1024];
	cr_assert_eq(dgp_catalog_status_query(st, conn, true, err, sizeof(err)), DGP_OK, "%s", err);
	const dgp_status_resource_t *ldrk = dgp_catalog_status_find(st, "101001/000002");
	cr_expect_eq(ldrk->fields[0].distinct, 3);
	cr_expect_eq(ldrk->fields[1].distinct, 2);
	cr_expect_eq(ldrk->fields[2].distinct, 2);
	cr_expect_eq(ldrk->fields[3].distinct, 1, "NULL is not a value");
	cr_expect_eq(dgp_catalog_status_find(st, "101001/000001")->fields[0].distinct, -1,
	             "no dgp_src table: no count");
	dgp_catalog_status_destroy(st);
}

Test(catalog_status_pg, export_fills_the_statistics_columns)
{
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	char err[1024];
	cr_assert_eq(dgp_catalog_status_query(st, conn, false, err, sizeof(err)), DGP_OK, "%s",
	             err);
	dgp_catalog_status_evaluate(st, t("2026-11-27"));
	mkdir(DGP_BINARY_DIR "/tests", 0777);
	mkdir(DGP_BINARY_DIR "/tests/catalog", 0777);
	dgp_export_opts_t o = {.format = DGP_EXPORT_JSON,
	                       .out_dir = OUT,
	                       .generated_at = t("2026-11-27"),
	                       .status = st};
	cr_assert_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	o.format = DGP_EXPORT_CSV;
	cr_assert_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	dgp_catalog_status_destroy(st);

	json_error_t jerr;
	json_t *doc = json_load_file(OUT "/catalog.json", 0, &jerr);
	cr_assert_not_null(doc, "%s", jerr.text);
	cr_expect(json_is_true(json_object_get(doc, "statistics")));
	json_t *r0 = json_array_get(json_object_get(doc, "catalog"), 0);
	cr_expect_eq(json_integer_value(json_object_get(r0, "rows")), 1200);
	cr_expect_str_eq(json_string_value(json_object_get(r0, "reject_reasons")),
	                 "bad_check=40;malformed=10");
	cr_expect_str_eq(json_string_value(json_object_get(r0, "last_load")),
	                 "2026-11-26T00:00:00Z");
	cr_expect_str_eq(json_string_value(json_object_get(r0, "compliance")), "正常");
	json_t *r1 = json_array_get(json_object_get(doc, "catalog"), 1);
	cr_expect_str_eq(json_string_value(json_object_get(r1, "compliance")), "逾期");
	json_t *f0 = json_array_get(json_object_get(doc, "fields"), 0);
	cr_expect(json_real_value(json_object_get(f0, "fill_rate")) == 1.0);
	json_t *f4 = json_array_get(json_object_get(doc, "fields"), 4);
	cr_expect_str_eq(json_string_value(json_object_get(f4, "source_name")), "LXDH");
	cr_expect(json_real_value(json_object_get(f4, "fill_rate")) == 0.5);
	json_decref(doc);

	FILE *f = fopen(OUT "/fields.csv", "rb");
	cr_assert_not_null(f);
	char line[2048];
	bool seen = false;
	while (fgets(line, sizeof(line), f))
		seen |= strstr(line, "LXDH") && strstr(line, ",50.00%,96.77%");
	fclose(f);
	cr_expect(seen, "fields.csv shows the rates as percentages");
}
