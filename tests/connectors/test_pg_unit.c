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

/* Which failures a row can cause (its batch is split to find it) and which say nothing about a row. */
Test(pg, row_level_sqlstates)
{
	static const char *const row[] = {"22003", "22001", "22P02", "23514", "23505", "23502",
					  "21000", "P0001", "54000", "44000", "2202E"};
	static const char *const batch[] = {"08006", "0A000", "25P02", "3B001", "40001", "40P01",
					    "42P01", "42501", "53100", "55P03", "57014", "57P01",
					    "58030", "F0000", "XX000"};
	for (size_t i = 0; i < sizeof(row) / sizeof(row[0]); i++)
		cr_expect(dgp_pg_sqlstate_is_row_level(row[i]), "%s", row[i]);
	for (size_t i = 0; i < sizeof(batch) / sizeof(batch[0]); i++)
		cr_expect_not(dgp_pg_sqlstate_is_row_level(batch[i]), "%s", batch[i]);
	cr_expect_not(dgp_pg_sqlstate_is_row_level(NULL));
	cr_expect_not(dgp_pg_sqlstate_is_row_level(""));
	cr_expect_not(dgp_pg_sqlstate_is_row_level("2200"));
}
