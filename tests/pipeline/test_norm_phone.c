/* test_norm_phone.c — mobile and phone rules: STANDARDS §8 worked examples, landlines, extensions.
 */
#include "norm_testutil.h"

#define WF DGP_NF_WIDTH_FOLDED
#define LL DGP_NF_LANDLINE

Test(norm_mobile, standards_worked_examples)
{
	const dgp_norm_rule_t *r = rule_of("mobile", NULL);
	expect_ok(r, "+86 138-0013-8000", "13800138000", 0);
	expect_ok(r, "１３８００１３８０００", "13800138000", WF);
	expect_ok(r, "008613912345678", "13912345678", 0);
	expect_ok(r, "19912345678", "19912345678", 0);
	expect_reject(r, "12800138000", DGP_REASON_FORMAT);
	expect_reject(r, "1380013800", DGP_REASON_FORMAT);
}

Test(norm_mobile, separators_and_prefixes)
{
	const dgp_norm_rule_t *r = rule_of("mobile", NULL);
	expect_ok(r, "13800138000", "13800138000", 0);
	expect_ok(r, "138 0013 8000", "13800138000", 0);
	expect_ok(r, "(+86)13800138000", "13800138000", 0);
	expect_ok(r, "+8613800138000", "13800138000", 0);
	expect_ok(r, "8613800138000", "13800138000", 0);
	expect_ok(r, "0086-138-0013-8000", "13800138000", 0);
	expect_ok(r, "  13800138000  ", "13800138000", 0);
	expect_ok(r, "＋８６　１３８００１３８０００", "13800138000", WF);
	expect_ok(r, "13300000000", "13300000000", 0);
}

Test(norm_mobile, rejects)
{
	const dgp_norm_rule_t *r = rule_of("mobile", NULL);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "  ", DGP_REASON_EMPTY);
	expect_reject(r, "11800138000", DGP_REASON_FORMAT);
	expect_reject(r, "138001380001", DGP_REASON_FORMAT);
	expect_reject(r, "+1 13800138000", DGP_REASON_FORMAT);
	expect_reject(r, "+85213800138000", DGP_REASON_FORMAT);
	expect_reject(r, "138+00138000", DGP_REASON_FORMAT);
	expect_reject(r, "138.0013.8000", DGP_REASON_FORMAT);
	expect_reject(r, "tel:13800138000", DGP_REASON_FORMAT);
	expect_reject(r, "027-88930057", DGP_REASON_FORMAT); /* a landline is not a mobile */
	expect_reject(r, "13800138000转123", DGP_REASON_FORMAT);
	expect_reject(r, "+86", DGP_REASON_FORMAT);
	expect_reject(r, "---", DGP_REASON_FORMAT);
	expect_reject(r, "123456789012345678901234567890", DGP_REASON_FORMAT);
	expect_reject_n(r, "13800138000\0", 12, DGP_REASON_CHARSET);
	expect_reject(r, "1380013800\xC0\x80", DGP_REASON_CHARSET);
	expect_reject(r, "1380013800\xED\xA0\x80", DGP_REASON_CHARSET);
	expect_reject(r, "138\xE5", DGP_REASON_CHARSET);
}

Test(norm_mobile, output_buffer_too_small)
{
	const dgp_norm_rule_t *r = rule_of("mobile", NULL);
	expect_cap(r, "13800138000", 11, DGP_REASON_OK);
	expect_cap(r, "13800138000", 10, DGP_REASON_TOO_LONG);
	const dgp_norm_rule_t *p = rule_of("phone", NULL);
	expect_cap(p, "027-88930057", 12, DGP_REASON_OK);
	expect_cap(p, "027-88930057", 11, DGP_REASON_TOO_LONG);
	expect_cap(p, "027-88930057-1234", 16, DGP_REASON_OK);
	expect_cap(p, "027-88930057-1234", 15, DGP_REASON_TOO_LONG);
}

Test(norm_phone, landlines)
{
	const dgp_norm_rule_t *r = rule_of("phone", NULL);
	expect_ok(r, "027-88930057", "027-88930057", LL);
	expect_ok(r, "(027)88930057", "027-88930057", LL);
	expect_ok(r, "02788930057", "027-88930057", LL);
	expect_ok(r, "027 8893 0057", "027-88930057", LL);
	expect_ok(r, "（０２７）８８９３００５７", "027-88930057", LL | WF);
	expect_ok(r, "010-62345678", "010-62345678", LL);
	expect_ok(r, "01062345678", "010-62345678", LL);
	expect_ok(r, "0712-6512345", "0712-6512345", LL); /* 4-digit area, 7-digit local */
	expect_ok(r, "07126512345", "0712-6512345", LL);
	expect_ok(r, "0871-65123456", "0871-65123456", LL); /* 昆明: 8 digits only */
	expect_ok(r, "0755-86001234", "0755-86001234", LL);
	expect_ok(r, "+86 27 8893 0057", "027-88930057", LL);
	expect_ok(r, "+86 (0)27 8893 0057", "027-88930057", LL);
	expect_ok(r, "0086-27-88930057", "027-88930057", LL);
	expect_ok(r, "400-820-8820", "400-820-8820", LL);
	expect_ok(r, "8008208820", "800-820-8820", LL);
}

Test(norm_phone, extensions_go_to_aux)
{
	const dgp_norm_rule_t *r = rule_of("phone", NULL);
	expect_ok_aux(r, "027-88930057-1234", "027-88930057", "1234", LL);
	expect_ok_aux(r, "027-88930057转1234", "027-88930057", "1234", LL);
	expect_ok_aux(r, "027-88930057 转 8", "027-88930057", "8", LL);
	expect_ok_aux(r, "(027)88930057分机123", "027-88930057", "123", LL);
	expect_ok_aux(r, "027-88930057 ext. 12", "027-88930057", "12", LL);
	expect_ok_aux(r, "027-88930057x12", "027-88930057", "12", LL);
	expect_ok_aux(r, "027-88930057#12", "027-88930057", "12", LL);
	expect_ok_aux(r, "0712-6512345-12", "0712-6512345", "12", LL);
	expect_ok_aux(r, "0871-65123456-12", "0871-65123456", "12", LL);
	expect_reject(r, "027-88930057-1234567", DGP_REASON_FORMAT);
	expect_reject(r, "027-88930057转", DGP_REASON_FORMAT);
	expect_reject(r, "027-88930057转12转3", DGP_REASON_FORMAT);
	expect_reject(r, "0278893005712", DGP_REASON_FORMAT); /* no separator: no extension */
}

Test(norm_phone, mobiles_and_rejects)
{
	const dgp_norm_rule_t *r = rule_of("phone", NULL);
	expect_ok(r, "+86 138-0013-8000", "13800138000", 0);
	expect_ok(r, "13912345678", "13912345678", 0);
	expect_reject(r, "88930057", DGP_REASON_FORMAT);     /* no area code */
	expect_reject(r, "027-8893005", DGP_REASON_FORMAT);  /* 3-digit area: 8-digit local */
	expect_reject(r, "010-12345678", DGP_REASON_FORMAT); /* local starts with 1 */
	expect_reject(r, "027-889300", DGP_REASON_FORMAT);   /* 6-digit local */
	expect_reject(r, "027-188930057", DGP_REASON_FORMAT);
	expect_reject(r, "027-08893005", DGP_REASON_FORMAT); /* local starts with 0 */
	expect_reject(r, "001-88930057", DGP_REASON_FORMAT);
	expect_reject(r, "015-88930057", DGP_REASON_FORMAT);
	expect_reject(r, "12800138000", DGP_REASON_FORMAT);
	expect_reject(r, "+1 650 555 0100", DGP_REASON_FORMAT);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "无", DGP_REASON_FORMAT);
	expect_reject_n(r,
	                "027\0"
	                "88930057",
	                12, DGP_REASON_CHARSET);
}

Test(norm_phone, international_form_drops_the_trunk_zero)
{
	const dgp_norm_rule_t *r = rule_of("phone", NULL);
	/* Beijing's area code starts with 1: +86 10 … is 010-…, not a mobile */
	expect_ok(r, "+86 10 62345678", "010-62345678", LL);
	expect_ok(r, "0086 10 62345678", "010-62345678", LL);
	expect_ok(r, "+86-10-6234-5678", "010-62345678", LL);
	expect_ok(r, "+861062345678", "010-62345678", LL);
	expect_ok(r, "+86 21 6234 5678", "021-62345678", LL);
	expect_ok(r, "+86 755 8600 1234", "0755-86001234", LL);
	/* 400/800 numbers have no trunk 0: one number, one key */
	expect_ok(r, "+86 4008208820", "400-820-8820", LL);
	expect_ok(r, "4008208820", "400-820-8820", LL);
	expect_ok(r, "+86 400 820 8820", "400-820-8820", LL);
	expect_ok(r, "+86 4001234567", "400-123-4567", LL);
	expect_ok(r, "0086 800 820 8820", "800-820-8820", LL);
	expect_ok(r, "+86 138 0013 8000", "13800138000", 0);
	expect_reject(r, "+86 10 6234567", DGP_REASON_FORMAT); /* Beijing: 8 digits */
	expect_reject(rule_of("mobile", NULL), "+86 10 62345678", DGP_REASON_FORMAT);
}

Test(norm_phone, local_lengths_follow_the_numbering_plan)
{
	const dgp_norm_rule_t *r = rule_of("phone", NULL);
	/* only 8-digit local numbers in 0755 深圳, 0571 杭州, 0871 昆明, 010, 02x */
	expect_reject(r, "0755-8600123", DGP_REASON_FORMAT);
	expect_reject(r, "0571-8600123", DGP_REASON_FORMAT);
	expect_reject(r, "0871-6512345", DGP_REASON_FORMAT);
	expect_ok(r, "0571-86001234", "0571-86001234", LL);
	/* 7 only in 0712 孝感, 0310 邯郸 (per libphonenumber) */
	expect_ok(r, "0310-8123456", "0310-8123456", LL);
	expect_reject(r, "0310-81234567", DGP_REASON_FORMAT);
	/* area codes the plan does not have */
	expect_reject(r, "0260-8123456", DGP_REASON_FORMAT);
	expect_reject(r, "0300-8123456", DGP_REASON_FORMAT);
	expect_reject(r, "026-81234567", DGP_REASON_FORMAT);
	/* the non-breaking space and format characters of the identifier rules apply */
	expect_ok(r,
	          "\xC2\xA0"
	          "027-88930057\xE2\x80\x8B",
	          "027-88930057", LL | DGP_NF_CONTROL_REMOVED);
}
