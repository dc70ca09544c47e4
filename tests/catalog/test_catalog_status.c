/*
 * test_catalog_status.c — the parts of `dgp catalog status` that need no
 * PostgreSQL: the update-cycle compliance rule at its boundaries, time
 * parsing, display width, and the table's CJK-aware alignment.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_catalog_status.h"
#include "dgp_catalog_text.h"

#define GOLDEN_CATALOG DGP_SOURCE_DIR "/tests/catalog/golden/catalog"
#define DAY            86400

static int64_t t(const char *s)
{
	int64_t v;
	cr_assert(dgp_time_parse(s, &v), "%s parses", s);
	return v;
}

Test(catalog_status, allowance_per_cycle)
{
	cr_expect_eq(dgp_catalog_cycle_allowance(DGP_CYCLE_REALTIME), 1 * DAY);
	cr_expect_eq(dgp_catalog_cycle_allowance(DGP_CYCLE_DAILY), 2 * DAY);
	cr_expect_eq(dgp_catalog_cycle_allowance(DGP_CYCLE_WEEKLY), 8 * DAY);
	cr_expect_eq(dgp_catalog_cycle_allowance(DGP_CYCLE_MONTHLY), 32 * DAY);
	cr_expect_eq(dgp_catalog_cycle_allowance(DGP_CYCLE_QUARTERLY), 93 * DAY);
	cr_expect_eq(dgp_catalog_cycle_allowance(DGP_CYCLE_HALFYEAR), 184 * DAY);
	cr_expect_eq(dgp_catalog_cycle_allowance(DGP_CYCLE_YEARLY), 366 * DAY);
}

/* For every cycle: exactly the allowance is ok, one second more is overdue by one second. */
Test(catalog_status, compliance_boundaries)
{
	int64_t last = t("2026-01-01T12:00:00Z");
	for (int c = 0; c < DGP_CYCLE__COUNT; c++) {
		int64_t allow = dgp_catalog_cycle_allowance((dgp_update_cycle_t)c), by = -1;
		cr_expect_eq(dgp_catalog_compliance(c, true, last, last + allow, &by),
		             DGP_COMPLIANCE_OK, "cycle %d at the allowance", c);
		cr_expect_eq(by, 0);
		cr_expect_eq(dgp_catalog_compliance(c, true, last, last + allow + 1, &by),
		             DGP_COMPLIANCE_OVERDUE, "cycle %d one second late", c);
		cr_expect_eq(by, 1);
		cr_expect_eq(dgp_catalog_compliance(c, true, last, last - 3600, &by),
		             DGP_COMPLIANCE_OK, "a last load in the future is not overdue");
		cr_expect_eq(dgp_catalog_compliance(c, false, 0, last, &by), DGP_COMPLIANCE_NEVER);
		cr_expect_eq(by, 0);
	}
}

/* The rule with --now dates, as an operator would use it. */
Test(catalog_status, compliance_with_dates)
{
	int64_t by;
	/* 每日: loaded 2026-11-25 00:00, allowed until 2026-11-27 00:00 */
	cr_expect_eq(
	    dgp_catalog_compliance(DGP_CYCLE_DAILY, true, t("2026-11-25"), t("2026-11-27"), NULL),
	    DGP_COMPLIANCE_OK);
	cr_expect_eq(
	    dgp_catalog_compliance(DGP_CYCLE_DAILY, true, t("2026-11-25"), t("2026-11-28"), &by),
	    DGP_COMPLIANCE_OVERDUE);
	cr_expect_eq(by, DAY);
	/* 每月 across February; 每年 across a leap year */
	cr_expect_eq(
	    dgp_catalog_compliance(DGP_CYCLE_MONTHLY, true, t("2028-01-31"), t("2028-03-03"), NULL),
	    DGP_COMPLIANCE_OK);
	cr_expect_eq(
	    dgp_catalog_compliance(DGP_CYCLE_MONTHLY, true, t("2028-01-31"), t("2028-03-04"), NULL),
	    DGP_COMPLIANCE_OVERDUE);
	cr_expect_eq(
	    dgp_catalog_compliance(DGP_CYCLE_YEARLY, true, t("2028-01-01"), t("2029-01-01"), NULL),
	    DGP_COMPLIANCE_OK);
	cr_expect_eq(
	    dgp_catalog_compliance(DGP_CYCLE_YEARLY, true, t("2028-01-01"), t("2029-01-02"), NULL),
	    DGP_COMPLIANCE_OVERDUE);
	/* 每季度: the longest quarter (Jul–Sep, 92 days) plus a day */
	cr_expect_eq(dgp_catalog_compliance(DGP_CYCLE_QUARTERLY, true, t("2026-07-01"),
	                                    t("2026-10-02"), NULL),
	             DGP_COMPLIANCE_OK);
	/* 实时: a day without records is overdue */
	cr_expect_eq(dgp_catalog_compliance(DGP_CYCLE_REALTIME, true, t("2026-11-26T08:00:00"),
	                                    t("2026-11-27T08:00:01"), NULL),
	             DGP_COMPLIANCE_OVERDUE);
	cr_expect_str_eq(dgp_compliance_name(DGP_COMPLIANCE_OVERDUE), "overdue");
	cr_expect_str_eq(dgp_compliance_label(DGP_COMPLIANCE_NEVER), "从未加载");
}

Test(catalog_text, time_parse_and_format)
{
	char buf[32];
	cr_expect_eq(t("1970-01-01"), 0);
	cr_expect_eq(t("2026-11-27T08:30:05Z"), t("2026-11-27") + 8 * 3600 + 30 * 60 + 5);
	cr_expect_eq(t("2026-11-27 08:30:05"), t("2026-11-27T08:30:05"));
	cr_expect_str_eq(dgp_time_format(t("2028-02-29T23:59:59Z"), buf, sizeof(buf)),
	                 "2028-02-29T23:59:59Z");
	int64_t v = 42;
	const char *bad[] = {
	    "",           "2026-11-31",          "2027-02-29",       "2026-13-01",
	    "2026-1-01",  "2026-11-27T24:00:00", "2026-11-27T08:00", "2026-11-27T08:00:00+08",
	    "2026/11/27", "2026-11-27x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(dgp_time_parse(bad[i], &v), "\"%s\" is refused", bad[i]);
	cr_expect_eq(v, 42, "a refused value leaves the output alone");
}

Test(catalog_text, display_width)
{
	cr_expect_eq(dgp_display_width(""), 0);
	cr_expect_eq(dgp_display_width("abc"), 3);
	cr_expect_eq(dgp_display_width("户籍人口信息"), 12);
	cr_expect_eq(dgp_display_width("101001/000001 户籍"), 18);
	cr_expect_eq(dgp_display_width("ＡＢ，。"), 8, "full-width forms and CJK punctuation");
	cr_expect_eq(dgp_display_width("e\xcc\x81"), 1, "a combining accent takes no column");
	cr_expect_eq(dgp_display_width("\xff"), 1, "an invalid byte counts one");
}

Test(catalog_text, csv_and_json_quoting)
{
	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);
	dgp_csv_put_field(f, "plain");
	fputc('|', f);
	dgp_csv_put_field(f, "a,\"b\"\nc");
	fputc('|', f);
	dgp_json_put_string(f, "引号\"\\\n\x01");
	fclose(f);
	cr_expect_str_eq(p, "plain|\"a,\"\"b\"\"\nc\"|\"引号\\\"\\\\\\n\\u0001\"");
	free(p);
}

/* Without statistics every resource is "never"; the table's columns line up by display width. */
Test(catalog_status, table_aligns_cjk_columns)
{
	dgp_catalog_t *cat;
	cr_assert_eq(dgp_catalog_load(GOLDEN_CATALOG, &cat), DGP_OK);
	cr_assert_eq(dgp_catalog_validate(cat), DGP_OK);
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	dgp_catalog_status_evaluate(st, t("2026-11-27"));
	size_t c[DGP_COMPLIANCE__COUNT];
	dgp_catalog_status_counts(st, c);
	cr_expect_eq(c[DGP_COMPLIANCE_NEVER], 5);
	cr_expect_eq(c[DGP_COMPLIANCE_OK] + c[DGP_COMPLIANCE_OVERDUE], 0);

	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);
	cr_assert(dgp_catalog_status_write_table(st, f));
	fclose(f);
	cr_expect(strstr(p, "5 resources — 0 ok, 0 overdue, 5 never loaded") != NULL, "%s", p);
	/* The provider column starts at the same display column in the header and every row. */
	size_t col = 0, rows = 0;
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
		char *at = strstr(line, "provider");
		if (!at)
			at = strstr(line, "区公安分局");
		if (!at)
			at = strstr(line, "区市场监管局");
		if (!at)
			continue;
		char save = *at;
		*at = '\0';
		size_t w = dgp_display_width(line);
		*at = save;
		if (!rows++)
			col = w;
		cr_expect_eq(w, col, "misaligned: %s", line);
	}
	cr_expect_eq(rows, 6, "header and five resources");
	free(p);

	f = open_memstream(&p, &n);
	cr_assert(dgp_catalog_status_write_json(st, f));
	fclose(f);
	cr_expect(
	    strstr(p, "\"counts\": {\"resources\": 5, \"ok\": 0, \"overdue\": 0, \"never\": 5}"));
	cr_expect(strstr(p, "\"compliance\": \"never\""));
	free(p);
	dgp_catalog_status_destroy(st);
	dgp_catalog_destroy(cat);
}
