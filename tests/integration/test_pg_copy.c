/*
 * test_pg_copy.c — the throwaway PostgreSQL answers, and COPY round-trips
 * exact bytes: Chinese text, tabs, backslashes, quotes, SQL-looking values.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_pg.h"

static PGconn *connect_or_fail(void)
{
	const char *ci = getenv("DGP_PG_CONNINFO");
	cr_assert_not_null(ci, "DGP_PG_CONNINFO is not set: start the services with "
	                       "scripts/services.sh start (make test does)");
	char err[512];
	PGconn *c;
	cr_assert_eq(dgp_pg_connect(ci, 10000, &c, err, sizeof(err)), DGP_OK, "%s", err);
	return c;
}

/* COPY text format escaping of one field. */
static size_t copy_escape(const char *s, char *out)
{
	size_t o = 0;
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			out[o++] = '\\';
			out[o++] = '\\';
			break;
		case '\t':
			out[o++] = '\\';
			out[o++] = 't';
			break;
		case '\n':
			out[o++] = '\\';
			out[o++] = 'n';
			break;
		case '\r':
			out[o++] = '\\';
			out[o++] = 'r';
			break;
		default:
			out[o++] = *s;
		}
	}
	return o;
}

Test(pg_integration, server_is_postgresql_15)
{
	PGconn *c = connect_or_fail();
	cr_expect_eq(PQserverVersion(c) / 10000, 15);
	PQfinish(c);
}

Test(pg_integration, copy_round_trips_exact_bytes)
{
	static const char *values[] = {
	    "武汉市武昌区中南路街道",          "tab\there",  "back\\slash",      "line\nbreak",
	    "'; DROP TABLE dgp_copy_test; --", "\"quoted\"", "（集团）有限公司", "",
	};
	const int n = (int)(sizeof(values) / sizeof(values[0]));
	PGconn *c = connect_or_fail();
	char err[512];
	cr_assert_eq(dgp_pg_exec(c,
	                         "DROP TABLE IF EXISTS dgp_copy_test;"
	                         "CREATE TABLE dgp_copy_test (id int PRIMARY KEY, v text NOT NULL)",
	                         err, sizeof(err)),
	             DGP_OK, "%s", err);
	PGresult *r = PQexec(c, "COPY dgp_copy_test (id, v) FROM STDIN");
	cr_assert_eq(PQresultStatus(r), PGRES_COPY_IN, "%s", PQerrorMessage(c));
	PQclear(r);
	for (int i = 0; i < n; i++) {
		char line[512];
		int o = snprintf(line, sizeof(line), "%d\t", i);
		o += (int)copy_escape(values[i], line + o);
		line[o++] = '\n';
		cr_assert_eq(PQputCopyData(c, line, o), 1);
	}
	cr_assert_eq(PQputCopyEnd(c, NULL), 1);
	r = PQgetResult(c);
	cr_assert_eq(dgp_pg_result_err(c, r, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_str_eq(PQcmdTuples(r), "8");
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);

	/* Read back by parameter, byte for byte. */
	for (int i = 0; i < n; i++) {
		char id[16];
		snprintf(id, sizeof(id), "%d", i);
		const char *params[] = {id};
		r = PQexecParams(c, "SELECT v, octet_length(v) FROM dgp_copy_test WHERE id = $1", 1,
		                 NULL, params, NULL, NULL, 0);
		cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
		cr_assert_eq(PQntuples(r), 1);
		cr_expect_str_eq(PQgetvalue(r, 0, 0), values[i]);
		cr_expect_eq(atoi(PQgetvalue(r, 0, 1)), (int)strlen(values[i]));
		PQclear(r);
	}
	/* The SQL-looking value did nothing: the table still has all rows. */
	r = PQexec(c, "SELECT count(*) FROM dgp_copy_test");
	cr_expect_str_eq(PQgetvalue(r, 0, 0), "8");
	PQclear(r);

	/* A duplicate key through COPY is a row PostgreSQL refuses, on a live connection. */
	r = PQexec(c, "COPY dgp_copy_test (id, v) FROM STDIN");
	PQclear(r);
	cr_assert_eq(PQputCopyData(c, "0\tdup\n", 6), 1);
	cr_assert_eq(PQputCopyEnd(c, NULL), 1);
	r = PQgetResult(c);
	cr_expect_eq(dgp_pg_result_class(c, r), DGP_PG_ROW_REFUSED);
	cr_expect_eq(dgp_pg_result_err(c, r, err, sizeof(err)), DGP_ERR_PG, "%s", err);
	cr_expect_eq(strncmp(err, "23505: duplicate key value", 26), 0, "%s", err);
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	cr_assert_eq(dgp_pg_exec(c, "DROP TABLE dgp_copy_test", err, sizeof(err)), DGP_OK, "%s",
	             err);
	PQfinish(c);
}
