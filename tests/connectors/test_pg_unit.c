/* test_pg_unit.c — identifier quoting and the one error classification, without a server. */
#include <criterion/criterion.h>

#include "dgp_pg.h"
#include "dgp_sql.h"

Test(pg, quote_ident_doubles_quotes)
{
	dgp_arena_t *a = dgp_arena_new(0);
	cr_expect_str_eq(dgp_sql_quote_ident(a, "gmsfhm"), "\"gmsfhm\"");
	cr_expect_str_eq(dgp_sql_quote_ident(a, "a\"b"), "\"a\"\"b\"");
	cr_expect_str_eq(dgp_sql_quote_ident(a, "x\"; DROP TABLE t; --"),
	                 "\"x\"\"; DROP TABLE t; --\"");
	cr_expect_str_eq(dgp_sql_quote_ident(a, "公民身份号码"), "\"公民身份号码\"");
	cr_expect_str_eq(dgp_sql_quote_ident(a, ""), "\"\"");
	dgp_arena_destroy(a);
}

Test(pg, connect_failure_is_pg_conn_and_respects_timeout)
{
	char err[512];
	PGconn *c = (PGconn *)1;
	/* Port 1 on loopback: refused at once; 300 ms of retries, then give up. */
	dgp_err_t e = dgp_pg_connect("host=127.0.0.1 port=1 dbname=x connect_timeout=1", 300, &c,
	                             err, sizeof(err));
	cr_expect_eq(e, DGP_ERR_PG_CONN);
	cr_expect_null(c);
	cr_expect_neq(strstr(err, "127.0.0.1"), NULL, "message names the host: %s", err);
}

/*
 * The one classification every caller decides on: (connection status, result
 * status, SQLSTATE) → class.  A missing result is PGRES_FATAL_ERROR with no
 * SQLSTATE.
 */
Test(pg, classify_table)
{
	static const struct {
		ConnStatusType conn;
		ExecStatusType status;
		const char *sqlstate;
		dgp_pg_class_t cls;
	} t[] = {
	    /* successes */
	    {CONNECTION_OK, PGRES_COMMAND_OK, NULL, DGP_PG_OK},
	    {CONNECTION_OK, PGRES_TUPLES_OK, NULL, DGP_PG_OK},
	    {CONNECTION_OK, PGRES_COPY_IN, NULL, DGP_PG_OK},
	    {CONNECTION_OK, PGRES_COPY_OUT, NULL, DGP_PG_OK},
	    {CONNECTION_OK, PGRES_COPY_BOTH, NULL, DGP_PG_OK},
	    {CONNECTION_OK, PGRES_SINGLE_TUPLE, NULL, DGP_PG_OK},
	    {CONNECTION_OK, PGRES_PIPELINE_SYNC, NULL, DGP_PG_OK},
	    /* the session is gone or its state unknown */
	    {CONNECTION_BAD, PGRES_COMMAND_OK, NULL, DGP_PG_CONN_LOST},
	    {CONNECTION_BAD, PGRES_FATAL_ERROR, "23505", DGP_PG_CONN_LOST},
	    {CONNECTION_BAD, PGRES_FATAL_ERROR, NULL, DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, NULL, DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "", DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_BAD_RESPONSE, NULL, DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "08006", DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "08P01", DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "57P01", DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "57P02", DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "57P03", DGP_PG_CONN_LOST},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "57P05", DGP_PG_CONN_LOST},
	    /* the login is refused */
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "28000", DGP_PG_AUTH},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "28P01", DGP_PG_AUTH},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "3D000", DGP_PG_AUTH},
	    /* PostgreSQL blames a row */
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "22003", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "22001", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "22P02", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "2202E", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "23514", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "23505", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "23502", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "21000", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "P0001", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "54000", DGP_PG_ROW_REFUSED},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "44000", DGP_PG_ROW_REFUSED},
	    /* neither the session nor a row: the statement or the server */
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "0A000", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "25P02", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "3B001", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "40001", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "40P01", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "42P01", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "42501", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "53100", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "53300", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "55P03", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "57014", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "58030", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "F0000", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "XX000", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "2200", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "22003x", DGP_PG_OTHER},
	    {CONNECTION_OK, PGRES_FATAL_ERROR, "22 03", DGP_PG_OTHER},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(dgp_pg_classify(t[i].conn, t[i].status, t[i].sqlstate), t[i].cls,
		             "row %zu (%s): class %d, want %d", i,
		             t[i].sqlstate ? t[i].sqlstate : "no SQLSTATE",
		             dgp_pg_classify(t[i].conn, t[i].status, t[i].sqlstate), t[i].cls);
	cr_expect_eq(dgp_pg_sqlstate_class("23514"), DGP_PG_ROW_REFUSED);
	cr_expect_eq(dgp_pg_sqlstate_class("40P01"), DGP_PG_OTHER);
	cr_expect_eq(dgp_pg_sqlstate_class(NULL), DGP_PG_CONN_LOST);
}

/* What each class means to a caller that only keeps a dgp_err_t. */
Test(pg, class_to_err)
{
	cr_expect_eq(dgp_pg_class_err(DGP_PG_OK), DGP_OK);
	cr_expect_eq(dgp_pg_class_err(DGP_PG_CONN_LOST), DGP_ERR_PG_CONN);
	cr_expect_eq(dgp_pg_class_err(DGP_PG_AUTH), DGP_ERR_PG_AUTH);
	cr_expect_eq(dgp_pg_class_err(DGP_PG_ROW_REFUSED), DGP_ERR_PG);
	cr_expect_eq(dgp_pg_class_err(DGP_PG_OTHER), DGP_ERR_PG);
}

/* A failed login has no SQLSTATE: libpq's message tells a refusal from an unreachable server. */
Test(pg, login_class_from_libpq_message)
{
	static const struct {
		const char *msg;
		dgp_pg_class_t cls;
	} t[] = {
	    {"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
	     "authentication failed for user \"dgp\"\n",
	     DGP_PG_AUTH},
	    {"connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: FATAL:  no "
	     "pg_hba.conf entry for host \"[local]\", user \"x\", database \"y\"\n",
	     DGP_PG_AUTH},
	    {"connection to server at \"h\", port 1 failed: FATAL:  database \"nope\" does not "
	     "exist\n",
	     DGP_PG_AUTH},
	    {"connection to server at \"h\", port 1 failed: FATAL:  role \"r\" is not permitted "
	     "to log in\n",
	     DGP_PG_AUTH},
	    {"connection to server at \"h\", port 1 failed: fe_sendauth: no password supplied\n",
	     DGP_PG_AUTH},
	    {"connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the "
	     "server running on that host and accepting TCP/IP connections?\n",
	     DGP_PG_CONN_LOST},
	    {"connection to server at \"h\", port 1 failed: FATAL:  the database system is "
	     "starting up\n",
	     DGP_PG_CONN_LOST},
	    {"connection to server at \"h\", port 1 failed: FATAL:  sorry, too many clients "
	     "already\n",
	     DGP_PG_CONN_LOST},
	    {"", DGP_PG_CONN_LOST},
	    {NULL, DGP_PG_CONN_LOST},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(dgp_pg_login_class(t[i].msg), t[i].cls, "row %zu", i);
}

/* Without a result there is no SQLSTATE: the session is in doubt, and errstr carries libpq's text.
 */
Test(pg, missing_result_is_conn_lost)
{
	PGconn *c = PQconnectdb("host=127.0.0.1 port=1 dbname=x connect_timeout=1");
	cr_assert_not_null(c);
	cr_assert_eq(PQstatus(c), CONNECTION_BAD);
	char err[256];
	cr_expect_eq(dgp_pg_result_err(c, NULL, err, sizeof(err)), DGP_ERR_PG_CONN);
	cr_expect_neq(strstr(err, "127.0.0.1"), NULL, "%s", err);
	cr_expect_eq(dgp_pg_call_err(c, "copy data", err, sizeof(err)), DGP_ERR_PG_CONN);
	cr_expect_eq(strncmp(err, "copy data: ", 11), 0, "%s", err);
	cr_expect_neq(strstr(err, "127.0.0.1"), NULL, "%s", err);
	cr_expect_neq(err[strlen(err) - 1], '\n');
	PQfinish(c);
}
