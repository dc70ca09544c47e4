/* test_norm_code.c — gender (GB/T 2261.1), ethnicity (GB/T 3304, all 56) and code lists. */
#include "norm_testutil.h"

#define WF DGP_NF_WIDTH_FOLDED

Test(norm_gender, codes_and_names)
{
	const dgp_norm_rule_t *r = rule_of("gender", NULL);
	expect_ok(r, "0", "0", 0);
	expect_ok(r, "1", "1", 0);
	expect_ok(r, "2", "2", 0);
	expect_ok(r, "9", "9", 0);
	expect_ok(r, "男", "1", 0);
	expect_ok(r, "女", "2", 0);
	expect_ok(r, "男性", "1", 0);
	expect_ok(r, "女性", "2", 0);
	expect_ok(r, "未知", "0", 0);
	expect_ok(r, "未知的性别", "0", 0);
	expect_ok(r, "未说明", "9", 0);
	expect_ok(r, "未说明的性别", "9", 0);
	expect_ok(r, " 男 ", "1", 0);
	expect_ok(r, "\xE3\x80\x80女\xE3\x80\x80", "2", WF);
	expect_ok(r, "１", "1", WF);
	expect_ok(r, "M", "1", 0);
	expect_ok(r, "female", "2", 0);
	expect_ok(r, "Male", "1", 0);
}

Test(norm_gender, rejects)
{
	const dgp_norm_rule_t *r = rule_of("gender", NULL);
	expect_reject(r, "3", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "01", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "男女", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "X", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, " \t", DGP_REASON_EMPTY);
	expect_reject_n(r, "1\0", 2, DGP_REASON_CHARSET);
	expect_reject(r, "\xE7\x94", DGP_REASON_CHARSET);
	expect_reject(r, "\xC0\xB1", DGP_REASON_CHARSET); /* overlong '1' */
	expect_cap(r, "男", 1, DGP_REASON_OK);
	expect_cap(r, "男", 0, DGP_REASON_TOO_LONG);
}

Test(norm_ethnicity, all_56_by_code_name_and_letters)
{
	static const char *names[56] = {
	    "汉",     "蒙古",   "回",       "藏",     "维吾尔",   "苗",   "彝",     "壮",
	    "布依",   "朝鲜",   "满",       "侗",     "瑶",       "白",   "土家",   "哈尼",
	    "哈萨克", "傣",     "黎",       "傈僳",   "佤",       "畲",   "高山",   "拉祜",
	    "水",     "东乡",   "纳西",     "景颇",   "柯尔克孜", "土",   "达斡尔", "仫佬",
	    "羌",     "布朗",   "撒拉",     "毛南",   "仡佬",     "锡伯", "阿昌",   "普米",
	    "塔吉克", "怒",     "乌孜别克", "俄罗斯", "鄂温克",   "德昂", "保安",   "裕固",
	    "京",     "塔塔尔", "独龙",     "鄂伦春", "赫哲",     "门巴", "珞巴",   "基诺"};
	static const char *letters[56] = {
	    "HA", "MG", "HU", "ZA", "UG", "MH", "YI", "ZH", "BY", "CS", "MA", "DO", "YA", "BA",
	    "TJ", "HN", "KZ", "DA", "LI", "LS", "VA", "SH", "GS", "LH", "SU", "DX", "NX", "JP",
	    "KG", "TU", "DU", "ML", "QI", "BL", "SL", "MN", "GL", "XB", "AC", "PM", "TA", "NU",
	    "UZ", "RS", "EW", "DE", "BN", "YG", "GI", "TT", "DR", "OR", "HZ", "MB", "LB", "JN"};
	const dgp_norm_rule_t *r = rule_of("ethnicity", NULL);
	for (int k = 0; k < 56; k++) {
		char code[3], buf[64];
		snprintf(code, sizeof(code), "%02d", k + 1);
		expect_ok(r, code, code, 0);
		snprintf(buf, sizeof(buf), "%d", k + 1);
		expect_ok(r, buf, code, 0);
		expect_ok(r, names[k], code, 0);
		snprintf(buf, sizeof(buf), "%s族", names[k]);
		expect_ok(r, buf, code, 0);
		expect_ok(r, letters[k], code, 0);
		snprintf(buf, sizeof(buf), "%c%c", letters[k][0] | 0x20, letters[k][1] | 0x20);
		expect_ok(r, buf, code, 0);
	}
}

Test(norm_ethnicity, issue_examples_and_rejects)
{
	const dgp_norm_rule_t *r = rule_of("ethnicity", NULL);
	expect_ok(r, "汉族", "01", 0);
	expect_ok(r, "汉", "01", 0);
	expect_ok(r, "01", "01", 0);
	expect_ok(r, "1", "01", 0);
	expect_ok(r, "HA", "01", 0);
	expect_ok(r, "０１", "01", WF);
	expect_ok(r, " 土家族 ", "15", 0);
	expect_ok(r, "土族", "30", 0);
	expect_reject(r, "00", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "0", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "57", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "97", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "98", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "001", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "族", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "汉族族", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "XX", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "穿青人", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject_n(r, "01\0", 3, DGP_REASON_CHARSET);
	expect_reject(r, "\xED\xA0\x80", DGP_REASON_CHARSET);
	expect_cap(r, "汉族", 2, DGP_REASON_OK);
	expect_cap(r, "汉族", 1, DGP_REASON_TOO_LONG);
}

static dgp_codelist_t *hyzk;

static const dgp_codelist_t *lookup(const char *name, void *opaque)
{
	(void)opaque;
	return hyzk && strcmp(name, dgp_codelist_name(hyzk)) == 0 ? hyzk : NULL;
}

static const dgp_norm_rule_t *hyzk_rule(dgp_arena_t *a)
{
	/* 婚姻状况 GB/T 2261.2 */
	hyzk = dgp_codelist_new(a, "HYZK");
	dgp_codelist_add(hyzk, "10", "未婚");
	dgp_codelist_add(hyzk, "20", "已婚");
	dgp_codelist_add(hyzk, "21", "初婚");
	dgp_codelist_add(hyzk, "22", "再婚");
	dgp_codelist_add(hyzk, "23", "复婚");
	dgp_codelist_add(hyzk, "30", "丧偶");
	dgp_codelist_add(hyzk, "40", "离婚");
	dgp_codelist_add(hyzk, " 90 ", "未说明的婚姻状况");
	dgp_codelist_add(hyzk, "ＡＢ", "（全角）");
	dgp_codelist_add(hyzk, "99", "未婚"); /* duplicate label: the first code keeps it */
	const dgp_norm_rule_t *r = NULL;
	char err[128];
	cr_assert_eq(
	    dgp_norm_rule_compile("code_list", "list=HYZK", a, lookup, NULL, &r, err, sizeof(err)),
	    DGP_OK, "%s", err);
	return r;
}

Test(norm_code_list, codes_and_labels)
{
	dgp_arena_t *a = dgp_arena_new(0);
	const dgp_norm_rule_t *r = hyzk_rule(a);
	cr_expect_str_eq(dgp_codelist_name(hyzk), "HYZK");
	expect_ok(r, "10", "10", 0);
	expect_ok(r, "未婚", "10", 0);
	expect_ok(r, " 已婚 ", "20", 0);
	expect_ok(r, "２２", "22", WF);
	expect_ok(r, "90", "90", 0); /* the code was trimmed when added */
	expect_ok(r, "AB", "AB", 0); /* and folded */
	expect_ok(r, "(全角)", "AB", 0);
	expect_ok(r, "（全角）", "AB", WF);
	expect_ok(r, "99", "99", 0);
	expect_reject(r, "11", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "未 婚", DGP_REASON_NOT_IN_LIST);
	expect_reject(r, "ab", DGP_REASON_NOT_IN_LIST); /* exact: no case folding */
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject_n(r, "10\0", 3, DGP_REASON_CHARSET);
	expect_reject(r, "\xFF", DGP_REASON_CHARSET);
	expect_cap(r, "未婚", 2, DGP_REASON_OK);
	expect_cap(r, "未婚", 1, DGP_REASON_TOO_LONG);
	dgp_arena_destroy(a);
}

Test(norm_code_list, grows_to_many_entries)
{
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_codelist_t *l = dgp_codelist_new(a, "BIG");
	for (int k = 0; k < 5000; k++) {
		char c[16], lab[32];
		snprintf(c, sizeof(c), "%05d", k);
		snprintf(lab, sizeof(lab), "标签%d", k);
		dgp_codelist_add(l, c, lab);
	}
	hyzk = l;
	const dgp_norm_rule_t *r = NULL;
	char err[128];
	cr_assert_eq(
	    dgp_norm_rule_compile("code_list", "list=BIG", a, lookup, NULL, &r, err, sizeof(err)),
	    DGP_OK);
	for (int k = 0; k < 5000; k += 7) {
		char c[16], lab[32];
		snprintf(c, sizeof(c), "%05d", k);
		snprintf(lab, sizeof(lab), "标签%d", k);
		expect_ok(r, c, c, 0);
		expect_ok(r, lab, c, 0);
	}
	expect_reject(r, "05000", DGP_REASON_NOT_IN_LIST);
	dgp_arena_destroy(a);
}

Test(norm_code_list, needs_a_list)
{
	dgp_arena_t *a = dgp_arena_new(0);
	const dgp_norm_rule_t *r = NULL;
	char err[128];
	cr_expect_eq(dgp_norm_rule_compile("code_list", NULL, a, NULL, NULL, &r, err, sizeof(err)),
	             DGP_ERR_INVALID);
	cr_expect_eq(
	    dgp_norm_rule_compile("code_list", "list=NOPE", a, lookup, NULL, &r, err, sizeof(err)),
	    DGP_ERR_INVALID);
	dgp_arena_destroy(a);
}
