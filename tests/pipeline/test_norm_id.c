/*
 * test_norm_id.c — idcard, uscc and orgcode: the worked examples of
 * STANDARDS.md §1–§2, ≥ 20 valid and ≥ 20 invalid values per rule with
 * exact output, reason and flags, and property tests over generated values
 * whose single-character substitutions are all rejected except the ones the
 * check algorithm provably cannot see (counted analytically, asserted equal).
 */
#include <stdio.h>

#include "dgp_region.h"
#include "norm_testutil.h"

#define UP DGP_NF_UPGRADED_15
#define RU DGP_NF_REGION_UNKNOWN
#define RH DGP_NF_REGION_HISTORICAL
#define OC DGP_NF_ORGCODE_CHECK
#define AU DGP_NF_AUTHORITY_UNKNOWN
#define WF DGP_NF_WIDTH_FOLDED
#define CR DGP_NF_CONTROL_REMOVED
#define RP DGP_NF_RESIDENCE_PERMIT
#define FP DGP_NF_FOREIGN_PERMANENT
#define SR DGP_NF_SEPARATORS_REMOVED

/* ── idcard ─────────────────────────────────────────────────────────── */

Test(norm_idcard, standards_worked_examples)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	expect_ok(r, "11010519491231002x", "11010519491231002X", 0);
	expect_ok(r, "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", WF);
	expect_ok(r, "110105491231002", "11010519491231002X", UP);
	expect_ok(r, "420106900307123", "420106199003071238", UP);
	expect_ok(r, "420106199003071238", "420106199003071238", 0);
	expect_reject(r, "11010519490230002X", DGP_REASON_DATE);
	expect_reject(r, "420106203001011234", DGP_REASON_FUTURE_DATE);
	expect_reject(r, "110105194912310021", DGP_REASON_CHECKSUM);
	/* the Annex's 汕头 example is born 1880: within the default 1800 bound */
	expect_ok(r, "440524188001010014", "440524188001010014", RH); /* 潮阳县, retired */
	expect_reject(rule_of("idcard", "min_date=1890-01-01"), "440524188001010014",
	              DGP_REASON_DATE_RANGE);
}

Test(norm_idcard, derives_gender_and_birth)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	char out[64];
	dgp_norm_result_t res;
	cr_assert_eq(dgp_norm_apply(r, &test_ctx, "11010519491231002X", 18, out, sizeof(out), &res),
	             DGP_REASON_OK);
	cr_expect_eq(res.gender, '2');
	cr_expect_str_eq(res.birth, "1949-12-31");
	cr_assert_eq(dgp_norm_apply(r, &test_ctx, "420106900307123", 15, out, sizeof(out), &res),
	             DGP_REASON_OK);
	cr_expect_eq(res.gender, '1');
	cr_expect_str_eq(res.birth, "1990-03-07");
	/* a reject derives nothing */
	cr_assert_eq(dgp_norm_apply(r, &test_ctx, "110105194912310021", 18, out, sizeof(out), &res),
	             DGP_REASON_CHECKSUM);
	cr_expect_eq(res.gender, 0);
	cr_expect_str_eq(res.birth, "");
}

Test(norm_idcard, valid)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	expect_ok(r, "420106199003071238", "420106199003071238", 0);
	expect_ok(r, "420102198512314568", "420102198512314568", 0);
	expect_ok(r, "420111200002290021", "420111200002290021", 0); /* 29 Feb 2000 */
	expect_ok(r, "110101197001010016", "110101197001010016", 0);
	expect_ok(r, "310115198810108881", "310115198810108881", 0);
	expect_ok(r, "440305199511205675", "440305199511205675", 0);
	expect_ok(r, "510107201006150335", "510107201006150335", 0);
	expect_ok(r, "650102196009090097", "650102196009090097", 0);
	expect_ok(r, "540102197807040210", "540102197807040210", 0);
	expect_ok(r, "810000199901010022", "810000199901010022", RP); /* 香港 */
	expect_ok(r, "710000200505050059", "710000200505050059", 0);  /* 台湾 */
	expect_ok(r, "820000201212121212", "820000201212121212", RP); /* 澳门 */
	expect_ok(r, "420121196503150274", "420121196503150274", RH); /* 汉阳县, retired */
	expect_ok(r, "420122197208200380", "420122197208200380", RH); /* 武昌县, retired */
	expect_ok(r, "420100198906060668", "420100198906060668", 0);
	expect_ok(r, "429999199301010113", "429999199301010113", RU); /* county unknown */
	expect_ok(r, "110105189001010150", "110105189001010150", 0);  /* born 1890 */
	expect_ok(r, "110105180001010010", "110105180001010010", 0);  /* the 1800 bound itself */
	expect_ok(r, "420106202611270016", "420106202611270016", 0);  /* born today */
	expect_ok(r, "37020219001231032X", "37020219001231032X", 0);
	expect_ok(r, "37020219001231032x", "37020219001231032X", 0);
	expect_ok(r, "640104200808080805", "640104200808080805", 0);
	expect_ok(r, "  420106199003071238\t", "420106199003071238", 0);
	expect_ok(r, "420106199003071238\r\n", "420106199003071238", 0);
	expect_ok(r,
	          "\xE3\x80\x80"
	          "420106199003071238",
	          "420106199003071238", WF);
	expect_ok(r, "４２０１０６900307123", "420106199003071238", WF | UP);
	expect_ok(r, "420121650315027", "420121196503150274", UP | RH);
}

Test(norm_idcard, invalid)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, " \t\r\n", DGP_REASON_EMPTY);
	expect_reject(r, "\xE3\x80\x80", DGP_REASON_EMPTY);
	expect_reject(r, "42010619900307123", DGP_REASON_FORMAT);   /* 17 */
	expect_reject(r, "4201061990030712380", DGP_REASON_FORMAT); /* 19 */
	expect_reject(r, "42010619900307123Y", DGP_REASON_FORMAT);
	expect_reject(r, "4201061990030712X8", DGP_REASON_FORMAT); /* X not last */
	expect_reject(r, "420106 19900307123", DGP_REASON_FORMAT);
	expect_reject(r, "42010690030712X", DGP_REASON_FORMAT); /* 15 with X */
	expect_reject(r, "420106-1990-0307-1238", DGP_REASON_FORMAT);
	expect_reject_n(r,
	                "420106199003071\0"
	                "38",
	                18, DGP_REASON_CHARSET);
	expect_reject(r, "42010619900307123\xff", DGP_REASON_CHARSET);
	expect_reject(r, "\xEF\xBC", DGP_REASON_CHARSET);               /* truncated UTF-8 */
	expect_reject(r, "420106199013071234", DGP_REASON_DATE);        /* month 13 */
	expect_reject(r, "420106199000071234", DGP_REASON_DATE);        /* month 0 */
	expect_reject(r, "420106199002300000", DGP_REASON_DATE);        /* 30 Feb */
	expect_reject(r, "420106190002290000", DGP_REASON_DATE);        /* 1900 not leap */
	expect_reject(r, "420106199004310000", DGP_REASON_DATE);        /* 31 Apr */
	expect_reject(r, "420106900230123", DGP_REASON_DATE);           /* 15-digit, 30 Feb */
	expect_reject(r, "420106202611280012", DGP_REASON_FUTURE_DATE); /* tomorrow */
	expect_reject(r, "420106179912310015", DGP_REASON_DATE_RANGE);
	expect_reject(r, "420106199003071239", DGP_REASON_CHECKSUM);
	expect_reject(r, "42010619900307123X", DGP_REASON_CHECKSUM);
	expect_reject(r, "420106199003071283", DGP_REASON_CHECKSUM); /* transposition */
	expect_reject(r, "000000199003071236", DGP_REASON_REGION);
	expect_reject(r, "160000199003071230", DGP_REASON_REGION); /* no province 16 */
	expect_reject(r, "900000199003071239", DGP_REASON_REGION);
	expect_reject(r, "833000199003071233", DGP_REASON_REGION); /* 83: not 81/82 */
	expect_reject(r, "１１０１０５１９４９１２３１００２１", DGP_REASON_CHECKSUM);
	expect_reject(rule_of("idcard", "min_date=1950-01-01"), "11010519491231002X",
	              DGP_REASON_DATE_RANGE);
}

Test(norm_idcard, residence_permits_and_foreign_permanent_residents)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	/* 港澳台居民居住证 (2018): 810000 / 820000 / 830000, GB 11643 layout and check */
	expect_ok(r, "830000199001010012", "830000199001010012", RP); /* 台湾居民 */
	expect_ok(r, "830000200002290023", "830000200002290023", RP);
	expect_ok(r, "810000198001010014", "810000198001010014", RP);
	expect_ok(r, "820000198001010024", "820000198001010024", RP);
	expect_reject(r, "830000199001010013", DGP_REASON_CHECKSUM);
	expect_reject(r, "833000199003071233", DGP_REASON_REGION); /* 83 is only 830000 */
	/* 外国人永久居留身份证 (2023): 9, province 32, nationality 682; hutool's vector */
	expect_ok(r, "932682198501010017", "932682198501010017", FP);
	expect_ok(r, "921682199001010012", "921682199001010012", FP);
	expect_reject(r, "932682198501010018", DGP_REASON_CHECKSUM);
	expect_reject(r, "960000198001010017", DGP_REASON_REGION); /* no province 60 */
	expect_reject(r, "932682203001010014", DGP_REASON_FUTURE_DATE);
	char out[64];
	dgp_norm_result_t res;
	cr_assert_eq(dgp_norm_apply(r, &test_ctx, "932682198501010017", 18, out, sizeof(out), &res),
	             DGP_REASON_OK);
	cr_expect_eq(res.gender, '1');
	cr_expect_str_eq(res.birth, "1985-01-01");
}

Test(norm_idcard, unicode_whitespace_and_format_characters)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	/* every Unicode White_Space character around the value is padding */
	static const char *const spaces[] = {
	    "\xC2\xA0",     "\xC2\x85",     "\xE1\x9A\x80", "\xE2\x80\x80",
	    "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF",
	    "\xE2\x81\x9F", "\t",           "\v",
	};
	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		char in[64];
		snprintf(in, sizeof(in), "%s420106199003071238%s", spaces[i], spaces[i]);
		expect_ok(r, in, "420106199003071238", 0);
	}
	expect_ok(r,
	          "\xE3\x80\x80"
	          "420106199003071238\xC2\xA0",
	          "420106199003071238", WF);
	/* invisible format characters anywhere are dropped (flag control_removed) */
	expect_ok(r,
	          "\xE2\x80\x8B"
	          "420106199003071238",
	          "420106199003071238", CR);
	expect_ok(r,
	          "420106\xE2\x80\x8C"
	          "199003071238",
	          "420106199003071238", CR);
	expect_ok(r,
	          "420106\xE2\x80\x8D"
	          "19900307\xE2\x81\xA0"
	          "1238",
	          "420106199003071238", CR);
	expect_ok(r,
	          "\xEF\xBB\xBF"
	          "420106199003071238",
	          "420106199003071238", CR);
	expect_ok(r,
	          "4201061990\xC2\xAD"
	          "03071238",
	          "420106199003071238", CR);
	/* a space inside stays a format error */
	expect_reject(r,
	              "420106\xC2\xA0"
	              "199003071238",
	              DGP_REASON_FORMAT);
	expect_reject(r, "\xC2\xA0\xE2\x80\x8B", DGP_REASON_EMPTY);
	/* the other identifier rules share the preparation */
	expect_ok(rule_of("uscc", NULL),
	          "\xC2\xA0"
	          "91350100M000100Y43\xE2\x80\x83",
	          "91350100M000100Y43", 0);
	expect_ok(rule_of("orgcode", NULL),
	          "\xC2\xA0"
	          "M000100Y4\xEF\xBB\xBF",
	          "M000100Y4", CR);
	expect_ok_aux(rule_of("region", NULL),
	              "\xC2\xA0"
	              "420106\xC2\xA0",
	              "420106", "武昌区", 0);
}

Test(norm_idcard, output_buffer_too_small)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	expect_cap(r, "420106199003071238", 17, DGP_REASON_TOO_LONG);
	expect_cap(r, "420106199003071238", 18, DGP_REASON_OK);
	expect_cap(r, "420106900307123", 18, DGP_REASON_OK); /* upgrade: 15 in, 18 out */
}

/* ── uscc ───────────────────────────────────────────────────────────── */

Test(norm_uscc, separators_removed)
{
	const dgp_norm_rule_t *r = rule_of("uscc", NULL);
	expect_ok(r, "91 350100 M000100Y43", "91350100M000100Y43", SR);
	expect_ok(r, "91-350100-M000100Y4-3", "91350100M000100Y43", SR);
	expect_ok(r, " 9135 0100 M000 100Y 43 ", "91350100M000100Y43", SR);
	expect_ok(r, "９１\xC2\xA0３５０１００\xC2\xA0M000100Y43", "91350100M000100Y43", WF | SR);
	expect_ok(r, "91 110000 101623741K", "91110000101623741K", SR);
	expect_reject(r, "91 350100 M000100Y4", DGP_REASON_FORMAT);   /* 17 */
	expect_reject(r, "91 350100 M000100Y433", DGP_REASON_FORMAT); /* 19 */
	expect_reject(r, "91_350100_M000100Y43", DGP_REASON_FORMAT);  /* only space and hyphen */
	expect_reject(r, "91 350100 M000100Y44", DGP_REASON_CHECKSUM);
	expect_reject(r, " - - ", DGP_REASON_FORMAT);
}

Test(norm_uscc, standards_worked_examples)
{
	const dgp_norm_rule_t *r = rule_of("uscc", NULL);
	expect_ok(r, "91350100M000100Y43", "91350100M000100Y43", 0);
	expect_ok(r, "91110000101623741K", "91110000101623741K", 0);
	expect_ok(r, "911101066976941872", "911101066976941872", 0);
	expect_ok(r, "91420106MA4K12345A", "91420106MA4K12345A", 0);
	expect_ok(r, "12420100D2143569XR", "12420100D2143569XR", 0);
	expect_ok(r, "914201061000001040", "914201061000001040", 0); /* S%31 = 0 → '0' */
	expect_ok(r, "91420106ma4k12345a", "91420106MA4K12345A", 0);
	expect_reject(r, "91350100M000100Y4Z", DGP_REASON_FORMAT);
	expect_reject(r, "91310115MA1H8R7C6D", DGP_REASON_CHECKSUM);
	expect_reject(r, "91350211M0000XUF46", DGP_REASON_CHECKSUM);
}

Test(norm_uscc, valid)
{
	const dgp_norm_rule_t *r = rule_of("uscc", NULL);
	expect_ok(r, "91420106300100003G", "91420106300100003G", 0);
	expect_ok(r, "92420106MA4KABCDXL", "92420106MA4KABCDXL", 0); /* 个体工商户 */
	expect_ok(r, "93420106MA4K00002F", "93420106MA4K00002F", 0); /* 农民专业合作社 */
	expect_ok(r, "11420100MB1234562H", "11420100MB1234562H", 0);
	expect_ok(r, "12420106MB0000000W", "12420106MB0000000W", 0);
	expect_ok(r, "51420106MJ1234561F", "51420106MJ1234561F", 0);
	expect_ok(r, "52420106MJ000000X1", "52420106MJ000000X1", 0);
	expect_ok(r, "53420106MJ99999992", "53420106MJ99999992", 0);
	expect_ok(r, "31420000MD0000008Y", "31420000MD0000008Y", 0);
	expect_ok(r, "Y1420106MA4K00010T", "Y1420106MA4K00010T", 0);
	expect_ok(r, "N2420106MA4K00029W", "N2420106MA4K00029W", 0);
	expect_ok(r, "A1110000MA00000076", "A1110000MA00000076", 0);
	expect_ok(r, "91110108MA01ABCD5T", "91110108MA01ABCD5T", 0);
	expect_ok(r, "91310000MA1FL12372", "91310000MA1FL12372", 0);
	expect_ok(r, "91440300MA5DXXXX8F", "91440300MA5DXXXX8F", 0);
	expect_ok(r, "91420106MA4KJ8P4X5", "91420106MA4KJ8P4X5", 0);
	expect_ok(r, "71420106MA4K77771C", "71420106MA4K77771C", 0);
	expect_ok(r, "81420106MA4K88884A", "81420106MA4K88884A", 0);
	/* flags, not rejects */
	expect_ok(r, "G1420106MA4K00002E", "G1420106MA4K00002E", AU);
	expect_ok(r, "55420106MA4K00002D", "55420106MA4K00002D", AU);
	expect_ok(r, "91420106MA4K12340T", "91420106MA4K12340T", OC);
	expect_ok(r, "91420106300100001A", "91420106300100001A", OC);
	/* trimming, case, full width */
	expect_ok(r, " 91420106MA4KL0QR3M\r\n", "91420106MA4KL0QR3M", 0);
	expect_ok(r, "９１４２０１０６ＭＡ４Ｋ１２３４５Ａ", "91420106MA4K12345A", WF);
	expect_ok(r, "９１４２０１０６ｍａ４ｋ１２３４５ａ", "91420106MA4K12345A", WF);
	/* a configured whitelist replaces the built-in one */
	expect_ok(rule_of("uscc", "pairs=G1,55"), "G1420106MA4K00002E", "G1420106MA4K00002E", 0);
	expect_ok(rule_of("uscc", "pairs=g1"), "91420106MA4K12345A", "91420106MA4K12345A", AU);
}

Test(norm_uscc, invalid)
{
	const dgp_norm_rule_t *r = rule_of("uscc", NULL);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "   ", DGP_REASON_EMPTY);
	expect_reject(r, "91420106MA4K12345", DGP_REASON_FORMAT);   /* 17 */
	expect_reject(r, "91420106MA4K12345AA", DGP_REASON_FORMAT); /* 19 */
	expect_reject(r, "91420106MA4K1234IA", DGP_REASON_FORMAT);  /* I */
	expect_reject(r, "91420106MA4K1234OA", DGP_REASON_FORMAT);  /* O */
	expect_reject(r, "91420106MA4K1234SA", DGP_REASON_FORMAT);  /* S */
	expect_reject(r, "91420106MA4K1234VA", DGP_REASON_FORMAT);  /* V */
	expect_reject(r, "91420106MA4K1234ZA", DGP_REASON_FORMAT);  /* Z */
	expect_reject(r, "914A0106MA4K12345A", DGP_REASON_FORMAT);  /* region not digits */
	expect_reject(r, "9142010XMA4K12345A", DGP_REASON_FORMAT);
	expect_reject(r, "91420106MA4K-12345", DGP_REASON_FORMAT);
	expect_reject(r, "91420106MA4K 2345A", DGP_REASON_FORMAT);
	expect_reject_n(r,
	                "91420106MA4K1\0"
	                "345A",
	                18, DGP_REASON_CHARSET);
	expect_reject(r, "91420106MA4K12345\xc3", DGP_REASON_CHARSET);
	expect_reject(r, "91420106MA4K12345B", DGP_REASON_CHECKSUM);
	expect_reject(r, "91420106MA4K12354A", DGP_REASON_CHECKSUM); /* transposition */
	expect_reject(r, "19420106MA4K12345A", DGP_REASON_CHECKSUM);
	expect_reject(r, "91420106MA4K123450", DGP_REASON_CHECKSUM);
	expect_reject(r, "91420107MA4K12345A", DGP_REASON_CHECKSUM);
	expect_reject(r, "9142010６MA4K12345B", DGP_REASON_CHECKSUM);
	expect_reject(r, "91310115MA1H8R7C6D", DGP_REASON_CHECKSUM);
	expect_cap(r, "91420106MA4K12345A", 17, DGP_REASON_TOO_LONG);
}

/* ── orgcode ────────────────────────────────────────────────────────── */

Test(norm_orgcode, standards_worked_examples)
{
	const dgp_norm_rule_t *r = rule_of("orgcode", NULL);
	expect_ok(r, "M000100Y4", "M000100Y4", 0);
	expect_ok(r, "10162374-1", "101623741", 0);
	expect_ok(r, "D2143569-X", "D2143569X", 0);
}

Test(norm_orgcode, valid)
{
	const dgp_norm_rule_t *r = rule_of("orgcode", NULL);
	const char *ok[] = {"AAAAAAAA4", "123456788", "ZZZZZZZZ3", "000000000", "MA4K12345",
	                    "0000000B0", "B00000000", "712345605", "420106004", "XYZ123454",
	                    "QWERTYUI5", "9999999A6", "A99999995", "100000008", "200000005",
	                    "300000002", "40000000X", "500000007", "M000100Y4", "101623741"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect_ok(r, ok[i], ok[i], 0);
	expect_ok(r, "d2143569-x", "D2143569X", 0);
	expect_ok(r, " M000100Y-4 ", "M000100Y4", 0);
	expect_ok(r, "Ｍ０００１００Ｙ－４", "M000100Y4", WF);
}

Test(norm_orgcode, invalid)
{
	const dgp_norm_rule_t *r = rule_of("orgcode", NULL);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "\t", DGP_REASON_EMPTY);
	expect_reject(r, "M000100Y", DGP_REASON_FORMAT);
	expect_reject(r, "M000100Y44", DGP_REASON_FORMAT);
	expect_reject(r, "M000100-Y4", DGP_REASON_FORMAT);
	expect_reject(r, "M000100Y--4", DGP_REASON_FORMAT);
	expect_reject(r, "M000100YA", DGP_REASON_FORMAT); /* check char not 0-9X */
	expect_reject(r, "M00_100Y4", DGP_REASON_FORMAT);
	expect_reject(r, "M000 100Y4", DGP_REASON_FORMAT);
	expect_reject(r, "M000100Y 4", DGP_REASON_FORMAT);
	expect_reject(r, "中000100Y4", DGP_REASON_FORMAT);
	expect_reject_n(r,
	                "M000\0"
	                "100Y4",
	                10, DGP_REASON_CHARSET);
	expect_reject(r, "M000100Y\x80", DGP_REASON_CHARSET);
	expect_reject(r, "M000100Y5", DGP_REASON_CHECKSUM);
	expect_reject(r, "M000100YX", DGP_REASON_CHECKSUM);
	expect_reject(r, "10162374-2", DGP_REASON_CHECKSUM);
	expect_reject(r, "D21435690", DGP_REASON_CHECKSUM);
	expect_reject(r, "AAAAAAAA5", DGP_REASON_CHECKSUM);
	expect_reject(r, "123456789", DGP_REASON_CHECKSUM);
	expect_reject(r, "000000001", DGP_REASON_CHECKSUM);
	expect_reject(r, "100000007", DGP_REASON_CHECKSUM);
	expect_cap(r, "M000100Y4", 8, DGP_REASON_TOO_LONG);
}

/* ── property tests ─────────────────────────────────────────────────── */

#define N_GEN 100000

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

/*
 * Predicted undetected single substitutions of a weighted check code: at a
 * position with weight w (mod m), replacing value a by b leaves the sum
 * unchanged mod m exactly when (b − a)·w ≡ 0 (mod m).  Counted here from the
 * values alone — never by calling the rule under test.
 */
static long undetected_at(int a, const int *alphabet_vals, int n_alpha, int w, int m)
{
	long k = 0;
	for (int j = 0; j < n_alpha; j++) {
		int b = alphabet_vals[j];
		if (b != a && (((b - a) * w) % m + m) % m == 0)
			k++;
	}
	return k;
}

static int run_ok(const dgp_norm_rule_t *r, const char *s, size_t n, dgp_norm_result_t *res)
{
	char out[64];
	return dgp_norm_apply(r, &test_ctx, s, n, out, sizeof(out), res) == DGP_REASON_OK;
}

Test(norm_property, idcard_generated_and_substituted, .timeout = 600)
{
	const dgp_norm_rule_t *r = rule_of("idcard", NULL);
	static const int w[18] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2, 1};
	static const char chk[] = "10X98765432";
	static const int digit_vals[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const int last_vals[11] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	/* county codes of the table whose province is valid */
	static uint32_t counties[8000];
	size_t nc = 0, total = dgp_region_count(NULL, NULL);
	for (size_t i = 0; i < total; i++) {
		uint32_t c = dgp_region_at(i, NULL, NULL);
		if (c % 100 && dgp_region_province_ok(c / 10000))
			counties[nc++] = c;
	}
	cr_assert_gt(nc, 5000);

	long accepted = 0, subs = 0, predicted = 0, observed = 0, upgraded = 0;
	for (int k = 0; k < N_GEN; k++) {
		char id[64]; /* room for any int, so -Wformat-truncation stays quiet at every -O
		                level */
		int y, m, d;
		do {
			y = 1890 + (int)rnd(2026 - 1890 + 1);
			m = 1 + (int)rnd(12);
			d = 1 + (int)rnd(31);
		} while (d > (m == 2 ? ((y % 4 == 0 && y % 100) || y % 400 == 0 ? 29 : 28)
		              : (m == 4 || m == 6 || m == 9 || m == 11) ? 30
		                                                        : 31) ||
		         y * 10000 + m * 100 + d > test_ctx.today);
		snprintf(id, sizeof(id), "%06u%04d%02d%02d%03u", counties[rnd((uint32_t)nc)], y, m,
		         d, rnd(1000));
		int s = 0;
		for (int i = 0; i < 17; i++)
			s += (id[i] - '0') * w[i];
		id[17] = chk[s % 11];
		id[18] = '\0';

		dgp_norm_result_t res;
		char out[64];
		cr_assert_eq(dgp_norm_apply(r, &test_ctx, id, 18, out, sizeof(out), &res),
		             DGP_REASON_OK, "generated %s rejected: %s", id,
		             dgp_reason_name(res.reason));
		cr_assert_eq(memcmp(out, id, 18), 0);
		cr_assert_eq(res.gender, (id[16] - '0') % 2 ? '1' : '2');
		accepted++;
		if (y >= 1900 && y <= 1999) { /* the 15-digit form upgrades back to it */
			char id15[15];
			memcpy(id15, id, 6);
			memcpy(id15 + 6, id + 8, 9);
			cr_assert_eq(dgp_norm_apply(r, &test_ctx, id15, 15, out, sizeof(out), &res),
			             DGP_REASON_OK);
			cr_assert_eq(memcmp(out, id, 18), 0);
			cr_assert_eq(res.flags & UP, UP);
			upgraded++;
		}

		for (int i = 0; i < 18; i++) {
			int a = id[i] == 'X' ? 10 : id[i] - '0';
			int n_alpha = i < 17 ? 10 : 11;
			predicted +=
			    undetected_at(a, i < 17 ? digit_vals : last_vals, n_alpha, w[i], 11);
			for (int b = 0; b < n_alpha; b++) {
				if (b == a)
					continue;
				char save = id[i];
				id[i] = b == 10 ? 'X' : (char)('0' + b);
				subs++;
				observed += run_ok(r, id, 18, &res);
				id[i] = save;
			}
		}
	}
	fprintf(stderr,
	        "idcard: %ld generated accepted (%ld also as 15 digits); %ld single substitutions, "
	        "predicted undetected %ld, observed accepted %ld\n",
	        accepted, upgraded, subs, predicted, observed);
	cr_expect_eq(accepted, N_GEN);
	cr_expect_eq(subs, (long)N_GEN * (17 * 9 + 10));
	/* MOD 11-2: 11 is prime, every weight is a unit and |b − a| ≤ 10, so none escape */
	cr_expect_eq(predicted, 0);
	cr_expect_eq(observed, predicted);
}

static const char a31s[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int a31_val(char c)
{
	const char *p = strchr(a31s, c);
	return p && c ? (int)(p - a31s) : -1;
}

static int org_val(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

/* The GB 11714 check char of body[0..8). */
static char org_chk(const char *body)
{
	static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	int s = 0;
	for (int i = 0; i < 8; i++)
		s += org_val(body[i]) * w[i];
	int c = 11 - s % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

Test(norm_property, uscc_generated_and_substituted, .timeout = 600)
{
	const dgp_norm_rule_t *r = rule_of("uscc", NULL);
	int w[18];
	for (int i = 0, p = 1; i < 17; i++, p = p * 3 % 31)
		w[i] = p;
	w[17] = 1; /* the check value enters the sum Σ + C18 ≡ 0 (mod 31) with weight 1 */
	int vals31[31], vals10[10];
	for (int i = 0; i < 31; i++)
		vals31[i] = i;
	for (int i = 0; i < 10; i++)
		vals10[i] = i;

	long accepted = 0, subs = 0, predicted = 0, observed = 0, flagged = 0;
	for (int k = 0; k < N_GEN; k++) {
		char u[19];
		u[0] = a31s[rnd(31)];
		u[1] = a31s[rnd(31)];
		for (int i = 2; i < 8; i++)
			u[i] = (char)('0' + rnd(10));
		for (int i = 8; i < 16; i++)
			u[i] = a31s[rnd(31)];
		u[16] = org_chk(u + 8); /* 0-9 or X: all in the 31-char alphabet */
		int s = 0;
		for (int i = 0; i < 17; i++)
			s += a31_val(u[i]) * w[i];
		u[17] = a31s[(31 - s % 31) % 31];
		u[18] = '\0';

		dgp_norm_result_t res;
		char out[64];
		cr_assert_eq(dgp_norm_apply(r, &test_ctx, u, 18, out, sizeof(out), &res),
		             DGP_REASON_OK, "generated %s rejected: %s", u,
		             dgp_reason_name(res.reason));
		cr_assert_eq(memcmp(out, u, 18), 0);
		cr_assert_eq(res.flags & OC, 0, "%s: embedded org code flagged", u);
		flagged += (res.flags & AU) != 0;
		accepted++;

		for (int i = 0; i < 18; i++) {
			int digits = i >= 2 && i < 8;
			int a = a31_val(u[i]);
			predicted +=
			    undetected_at(a, digits ? vals10 : vals31, digits ? 10 : 31, w[i], 31);
			for (int j = 0; j < (digits ? 10 : 31); j++) {
				if (j == a)
					continue;
				char save = u[i];
				u[i] = a31s[j];
				subs++;
				observed += run_ok(r, u, 18, &res);
				u[i] = save;
			}
		}
	}
	fprintf(
	    stderr,
	    "uscc: %ld generated accepted (%ld with authority_unknown); %ld single substitutions, "
	    "predicted undetected %ld, observed accepted %ld\n",
	    accepted, flagged, subs, predicted, observed);
	cr_expect_eq(accepted, N_GEN);
	cr_expect_eq(subs, (long)N_GEN * (6 * 9 + 12 * 30));
	/* MOD 31-3: 31 is prime, 3^i mod 31 is a unit, |b − a| ≤ 30: none escape */
	cr_expect_eq(predicted, 0);
	cr_expect_eq(observed, predicted);
}

Test(norm_property, orgcode_generated_and_substituted, .timeout = 600)
{
	const dgp_norm_rule_t *r = rule_of("orgcode", NULL);
	static const int w[9] = {3, 7, 9, 10, 5, 8, 4, 2, 1};
	static const char body_alpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int vals36[36], vals_chk[11];
	for (int i = 0; i < 36; i++)
		vals36[i] = i;
	for (int i = 0; i < 11; i++)
		vals_chk[i] = i;

	long accepted = 0, subs = 0, predicted = 0, observed = 0;
	for (int k = 0; k < N_GEN; k++) {
		char o[10];
		for (int i = 0; i < 8; i++)
			o[i] = body_alpha[rnd(36)];
		o[8] = org_chk(o);
		o[9] = '\0';
		dgp_norm_result_t res;
		cr_assert(run_ok(r, o, 9, &res), "generated %s rejected", o);
		accepted++;
		for (int i = 0; i < 9; i++) {
			int a = i < 8 ? org_val(o[i]) : (o[i] == 'X' ? 10 : o[i] - '0');
			predicted +=
			    undetected_at(a, i < 8 ? vals36 : vals_chk, i < 8 ? 36 : 11, w[i], 11);
			int n_alpha = i < 8 ? 36 : 11;
			for (int j = 0; j < n_alpha; j++) {
				char c = i < 8 ? body_alpha[j] : (j == 10 ? 'X' : (char)('0' + j));
				if (c == o[i])
					continue;
				char save = o[i];
				o[i] = c;
				subs++;
				observed += run_ok(r, o, 9, &res);
				o[i] = save;
			}
		}
	}
	/*
	 * GB 11714's body alphabet has 36 values but the modulus is 11, so a
	 * substitution between values ≡ mod 11 (0↔B↔M↔X, 1↔C↔N↔Y, …) goes
	 * unseen.  Residues 0–2 hold 4 of the 36 values, the other 8 residues 3,
	 * so over uniformly random bodies the expectation is
	 * 8 × (12·3 + 24·2) / 36 ≈ 18.67 per code (of 8·35 + 10 = 290
	 * substitutions).  The exact count is asserted.
	 */
	fprintf(stderr,
	        "orgcode: %ld generated accepted; %ld single substitutions, predicted undetected "
	        "%ld, observed accepted %ld\n",
	        accepted, subs, predicted, observed);
	cr_expect_eq(accepted, N_GEN);
	cr_expect_gt(predicted, 0);
	cr_expect_eq(observed, predicted);
}
