/* test_log.c — level filtering, sink delivery, masking of personal data. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dgp_log.h"

static char last_msg[256];
static int calls;

static void capture(dgp_log_level_t level, const char *module, const char *msg, void *opaque)
{
	(void)level;
	(void)opaque;
	snprintf(last_msg, sizeof(last_msg), "%s|%s", module, msg);
	calls++;
}

Test(log, level_filters_and_sink_receives)
{
	calls = 0;
	dgp_log_set_sink(capture, NULL);
	dgp_log_set_level(DGP_LOG_WARN);
	dgp_log(DGP_LOG_INFO, "t", "hidden %d", 1);
	cr_expect_eq(calls, 0);
	dgp_log(DGP_LOG_ERROR, "pg", "shown %d", 2);
	cr_expect_eq(calls, 1);
	cr_expect_str_eq(last_msg, "pg|shown 2");
	cr_expect(dgp_log_enabled(DGP_LOG_WARN));
	cr_expect_not(dgp_log_enabled(DGP_LOG_DEBUG));
	dgp_log_set_sink(NULL, NULL);
	dgp_log(DGP_LOG_ERROR, "pg", "dropped");
	cr_expect_eq(calls, 1);
}

Test(log, level_names_round_trip)
{
	for (int i = 0; i <= DGP_LOG_DEBUG; i++) {
		dgp_log_level_t l;
		cr_assert(dgp_log_level_parse(dgp_log_level_name((dgp_log_level_t)i), &l));
		cr_expect_eq((int)l, i);
	}
	dgp_log_level_t l = DGP_LOG_INFO;
	cr_expect_not(dgp_log_level_parse("verbose", &l));
	cr_expect_eq(l, DGP_LOG_INFO);
}

Test(log, mask_identity_number_phone_and_name)
{
	char out[64];
	const char *id = "11010519491231002X";
	cr_expect_str_eq(dgp_log_mask(id, strlen(id), 1, 2, out, sizeof(out)),
	                 "1***************2X");
	cr_expect_str_eq(dgp_log_mask(id, strlen(id), 6, 4, out, sizeof(out)),
	                 "110105********002X");
	cr_expect_str_eq(dgp_log_mask("13800138000", 11, 3, 4, out, sizeof(out)), "138****8000");
	/* UTF-8 characters count as one: 段正淳 → 段** */
	const char *name = "段正淳";
	cr_expect_str_eq(dgp_log_mask(name, strlen(name), 1, 0, out, sizeof(out)), "段**");
	/* Too short to keep anything: everything masked. */
	cr_expect_str_eq(dgp_log_mask("王", strlen("王"), 1, 0, out, sizeof(out)), "*");
	/* Output buffer too small: truncated, still terminated. */
	char tiny[4];
	cr_expect_str_eq(dgp_log_mask(id, strlen(id), 1, 2, tiny, sizeof(tiny)), "1**");
}
