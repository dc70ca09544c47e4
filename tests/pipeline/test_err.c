/* test_err.c — every dgp_err_t code has a name and a description. */
#include <criterion/criterion.h>
#include <string.h>

#include "dgp_err.h"

Test(err, every_code_has_a_row)
{
	for (int e = 0; e > DGP_ERR__END; e--) {
		cr_expect_neq(strcmp(dgp_err2str((dgp_err_t)e), "unknown error"), 0, "code %d", e);
		cr_expect_neq(strcmp(dgp_err_name((dgp_err_t)e), "UNKNOWN"), 0, "code %d", e);
	}
	cr_expect_str_eq(dgp_err2str(DGP_OK), "ok");
	cr_expect_str_eq(dgp_err_name(DGP_ERR_PG_UNIQUE), "PG_UNIQUE");
}

Test(err, unknown_codes)
{
	cr_expect_str_eq(dgp_err2str((dgp_err_t)1), "unknown error");
	cr_expect_str_eq(dgp_err2str(DGP_ERR__END), "unknown error");
	cr_expect_str_eq(dgp_err_name((dgp_err_t)-1000), "UNKNOWN");
}

Test(err, errstr_set_formats_and_returns)
{
	char buf[16];
	cr_expect_eq(dgp_errstr_set(buf, sizeof(buf), DGP_ERR_IO, "file %s line %d", "a.csv", 7),
	             DGP_ERR_IO);
	cr_expect_str_eq(buf, "file a.csv line");
	cr_expect_eq(dgp_errstr_set(NULL, 0, DGP_ERR_PARSE, "x"), DGP_ERR_PARSE);
}
