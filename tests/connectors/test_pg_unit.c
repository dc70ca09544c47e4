/* test_pg_unit.c — identifier quoting and error classification without a server. */
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
	dgp_err_t e = dgp_pg_connect("host=127.0.0.1 port=1 dbname=x connect_timeout=1", 300,
				     &c, err, sizeof(err));
	cr_expect_eq(e, DGP_ERR_PG_CONN);
	cr_expect_null(c);
	cr_expect_neq(strstr(err, "127.0.0.1"), NULL, "message names the host: %s", err);
}
