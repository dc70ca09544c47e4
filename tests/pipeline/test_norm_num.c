/* test_norm_num.c — integer, decimal, money: separators, precision refused, units, currencies. */
#include "norm_testutil.h"

#define WF DGP_NF_WIDTH_FOLDED

Test(norm_integer, accepted)
{
	const dgp_norm_rule_t *r = rule_of("integer", NULL);
	expect_ok(r, "0", "0", 0);
	expect_ok(r, "42", "42", 0);
	expect_ok(r, "-42", "-42", 0);
	expect_ok(r, "+42", "42", 0);
	expect_ok(r, "007", "7", 0);
	expect_ok(r, "-0", "0", 0);
	expect_ok(r, "1,234,567", "1234567", 0);
	expect_ok(r, " 12.00 ", "12", 0);
	expect_ok(r, "１２３", "123", WF);
	expect_ok(r, "１，２３４", "1234", WF);
	expect_ok(r, "9223372036854775807", "9223372036854775807", 0);
	expect_ok(r, "-9223372036854775808", "-9223372036854775808", 0);
}

Test(norm_integer, rejects)
{
	const dgp_norm_rule_t *r = rule_of("integer", NULL);
	expect_reject(r, "9223372036854775808", DGP_REASON_RANGE);
	expect_reject(r, "-9223372036854775809", DGP_REASON_RANGE);
	expect_reject(r, "99999999999999999999", DGP_REASON_RANGE);
	expect_reject(r, "12.5", DGP_REASON_RANGE);
	expect_reject(r, "1,23", DGP_REASON_FORMAT);
	expect_reject(r, "1234,567", DGP_REASON_FORMAT);
	expect_reject(r, ",123", DGP_REASON_FORMAT);
	expect_reject(r, "1,234,", DGP_REASON_FORMAT);
	expect_reject(r, "1,,234", DGP_REASON_FORMAT);
	expect_reject(r, "1e5", DGP_REASON_FORMAT);
	expect_reject(r, "12 3", DGP_REASON_FORMAT);
	expect_reject(r, "--1", DGP_REASON_FORMAT);
	expect_reject(r, "-", DGP_REASON_FORMAT);
	expect_reject(r, "abc", DGP_REASON_FORMAT);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "   ", DGP_REASON_EMPTY);
	expect_reject_n(r, "12\0", 3, DGP_REASON_CHARSET);
	expect_reject(r, "12\xC0\xB0", DGP_REASON_CHARSET);
	const dgp_norm_rule_t *rr = rule_of("integer", "range=0..150");
	expect_ok(rr, "0", "0", 0);
	expect_ok(rr, "150", "150", 0);
	expect_reject(rr, "151", DGP_REASON_RANGE);
	expect_reject(rr, "-1", DGP_REASON_RANGE);
	expect_cap(r, "12345", 5, DGP_REASON_OK);
	expect_cap(r, "12345", 4, DGP_REASON_TOO_LONG);
	expect_cap(r, "-1", 1, DGP_REASON_TOO_LONG);
}

Test(norm_decimal, scale_and_no_rounding)
{
	const dgp_norm_rule_t *r2 = rule_of("decimal", "scale=2");
	expect_ok(r2, "1", "1.00", 0);
	expect_ok(r2, "1.5", "1.50", 0);
	expect_ok(r2, "1.25", "1.25", 0);
	expect_ok(r2, "1.250", "1.25", 0);
	expect_ok(r2, ".5", "0.50", 0);
	expect_ok(r2, "5.", "5.00", 0);
	expect_ok(r2, "-0.00", "0.00", 0);
	expect_ok(r2, "-0.01", "-0.01", 0);
	expect_ok(r2, "001234.50", "1234.50", 0);
	expect_reject(r2, "0001,234.50", DGP_REASON_FORMAT); /* first group of four */
	expect_ok(r2, "１２３．４５", "123.45", WF);
	expect_reject(r2, "1.255", DGP_REASON_RANGE);
	expect_reject(r2, "0.001", DGP_REASON_RANGE);
	expect_reject(r2, "1.2.3", DGP_REASON_FORMAT);
	expect_reject(r2, ".", DGP_REASON_FORMAT);
	expect_reject(r2, "1,23.5", DGP_REASON_FORMAT);
	expect_reject(r2, "", DGP_REASON_EMPTY);
	expect_ok(r2, "123456789012345678901234567890123456.5",
	          "123456789012345678901234567890123456.50", 0);
	expect_reject(r2, "123456789012345678901234567890123456789", DGP_REASON_RANGE);
	const dgp_norm_rule_t *r0 = rule_of("decimal", NULL);
	expect_ok(r0, "12", "12", 0);
	expect_ok(r0, "12.000", "12", 0);
	expect_reject(r0, "12.5", DGP_REASON_RANGE);
	expect_cap(r2, "1.5", 4, DGP_REASON_OK);
	expect_cap(r2, "1.5", 3, DGP_REASON_TOO_LONG);
}

Test(norm_money, brief_examples)
{
	const dgp_norm_rule_t *r = rule_of("money", NULL);
	expect_ok_aux(r, "100万元人民币", "1000000.00", "CNY", 0);
	expect_reject(r, "50万美元", DGP_REASON_CURRENCY);
	expect_ok_aux(r, "1.5亿元", "150000000.00", "CNY", 0);
	expect_ok_aux(r, "￥1,234.5", "1234.50", "CNY", 0);
}

Test(norm_money, units_and_currencies)
{
	const dgp_norm_rule_t *r = rule_of("money", NULL);
	expect_ok_aux(r, "1234", "1234.00", "CNY", 0);
	expect_ok_aux(r, "100元", "100.00", "CNY", 0);
	expect_ok_aux(r, "100 万元", "1000000.00", "CNY", 0);
	expect_ok_aux(r, "0.5万", "5000.00", "CNY", 0);
	expect_ok_aux(r, "00千", "0.00", "CNY", 0);
	expect_ok_aux(r, "0.00万", "0.00", "CNY", 0);
	expect_ok_aux(r, "0.05万元", "500.00", "CNY", 0);
	expect_ok_aux(r, "3千万元", "30000000.00", "CNY", 0);
	expect_ok_aux(r, "2百万", "2000000.00", "CNY", 0);
	expect_ok_aux(r, "1.2万亿元", "1200000000000.00", "CNY", 0);
	expect_ok_aux(r, "人民币100万元", "1000000.00", "CNY", 0);
	expect_ok_aux(r, "RMB 500", "500.00", "CNY", 0);
	expect_ok_aux(r, "¥99.9", "99.90", "CNY", 0);
	expect_reject(r, "$1,000", DGP_REASON_CURRENCY);
	expect_reject(r, "US$ 20", DGP_REASON_CURRENCY);
	expect_reject(r, "USD 20", DGP_REASON_CURRENCY);
	expect_reject(r, "20 USD", DGP_REASON_CURRENCY);
	expect_reject(r, "HK$30", DGP_REASON_CURRENCY);
	expect_reject(r, "300万港元", DGP_REASON_CURRENCY);
	expect_reject(r, "300万港币", DGP_REASON_CURRENCY);
	expect_reject(r, "€12.5", DGP_REASON_CURRENCY);
	expect_reject(r, "10万欧元", DGP_REASON_CURRENCY);
	expect_reject(r, "1000万日元", DGP_REASON_CURRENCY);
	expect_reject(r, "£5", DGP_REASON_CURRENCY);
	expect_reject(r, "5英镑", DGP_REASON_CURRENCY);
	expect_ok_aux(r, "-100元", "-100.00", "CNY", 0);
	expect_ok_aux(r, "１００万元", "1000000.00", "CNY", WF);
	expect_reject(r, "＄１００", DGP_REASON_CURRENCY);
	expect_ok_aux(rule_of("money", "scale=4"), "1.2345万", "12345.0000", "CNY", 0);
}

/* currencies= lets a field take foreign amounts: the amount unconverted, the ISO 4217 code in aux.
 */
Test(norm_money, currencies_allow_foreign_amounts_with_their_code)
{
	const dgp_norm_rule_t *any = rule_of("money", "currencies=any");
	expect_ok_aux(any, "100万美元", "1000000.00", "USD", 0);
	expect_ok_aux(any, "100万日元", "1000000.00", "JPY", 0);
	expect_ok_aux(any, "HK$30", "30.00", "HKD", 0);
	expect_ok_aux(any, "€12.5", "12.50", "EUR", 0);
	expect_ok_aux(any, "5英镑", "5.00", "GBP", 0);
	expect_ok_aux(any, "100万元人民币", "1000000.00", "CNY", 0);
	expect_ok_aux(any, "1234", "1234.00", "CNY", 0);
	expect_reject(any, "100美元港币", DGP_REASON_FORMAT); /* two currencies */
	const dgp_norm_rule_t *usd = rule_of("money", "scale=6;currencies=USD,HKD");
	expect_ok_aux(usd, "100万美元", "1000000.000000", "USD", 0);
	expect_ok_aux(usd, "HK$1.5", "1.500000", "HKD", 0);
	expect_ok_aux(usd, "￥2", "2.000000", "CNY", 0);
	expect_reject(usd, "100万日元", DGP_REASON_CURRENCY);
	expect_reject(rule_of("money", NULL), "100万美元", DGP_REASON_CURRENCY);

	dgp_arena_t *a = dgp_arena_new(0);
	const dgp_norm_rule_t *r = NULL;
	char err[256];
	cr_expect_eq(
	    dgp_norm_rule_compile("money", "currencies=XYZ", a, NULL, NULL, &r, err, sizeof(err)),
	    DGP_ERR_INVALID);
	cr_expect_str_eq(err, "invalid value \"XYZ\" for argument currencies");
	cr_expect_eq(
	    dgp_norm_rule_compile("money", "currencies=USD,", a, NULL, NULL, &r, err, sizeof(err)),
	    DGP_ERR_INVALID);
	cr_expect_eq(
	    dgp_norm_rule_compile("money", "currencies=usd", a, NULL, NULL, &r, err, sizeof(err)),
	    DGP_ERR_INVALID);
	dgp_arena_destroy(a);
}

/* Found by fuzz_norm_money: 19+ integer digits were accepted, and COPY into numeric(20,2)
 * overflowed. */
Test(norm_money, fits_the_numeric_20_2_column_or_is_out_of_range)
{
	const dgp_norm_rule_t *r = rule_of("money", NULL);
	expect_ok_aux(r, "999999999999999999.99", "999999999999999999.99", "CNY", 0);
	expect_ok_aux(r, "-999999999999999999", "-999999999999999999.00", "CNY", 0);
	expect_reject(r, "1000000000000000000", DGP_REASON_RANGE);
	expect_reject(r, "1932222191932222322221", DGP_REASON_RANGE);
	expect_reject(r, "100亿亿", DGP_REASON_RANGE);
	expect_ok_aux(r, "10亿亿", "100000000000000000.00", "CNY", 0);
}

Test(norm_money, rejects)
{
	const dgp_norm_rule_t *r = rule_of("money", NULL);
	expect_reject(r, "1.234", DGP_REASON_RANGE);
	expect_ok_aux(r, "1.23456万", "12345.60", "CNY", 0);
	expect_reject(r, "1.2345678万", DGP_REASON_RANGE);
	expect_reject(r, "$100人民币", DGP_REASON_FORMAT);
	expect_reject(r, "100美元港元", DGP_REASON_FORMAT);
	expect_reject(r, "100元元", DGP_REASON_FORMAT);
	expect_reject(r, "100元万", DGP_REASON_FORMAT);
	expect_reject(r, "100块", DGP_REASON_FORMAT);
	expect_reject(r, "万元", DGP_REASON_FORMAT);
	expect_reject(r, "人民币", DGP_REASON_FORMAT);
	expect_reject(r, "一百万元", DGP_REASON_FORMAT);
	expect_reject(r, "1亿亿亿", DGP_REASON_FORMAT);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject_n(r, "100\0", 4, DGP_REASON_CHARSET);
	expect_reject(r, "100\xE4\xB8", DGP_REASON_CHARSET);
	expect_cap(r, "100万元", 13, DGP_REASON_OK); /* 1000000.00 + CNY */
	expect_cap(r, "100万元", 12, DGP_REASON_TOO_LONG);
	expect_cap(r, "100万元", 9, DGP_REASON_TOO_LONG);
}

Test(norm_money, fits_its_column_numeric_18_plus_scale)
{
	/* 102015/000001 KBZJ: 22 integer digits overflowed numeric(20,2) in PostgreSQL (22003) */
	const dgp_norm_rule_t *r = rule_of("money", NULL);
	expect_reject(r, "1000000000000000000000", DGP_REASON_RANGE);
	expect_ok_aux(r, "999999999999999999", "999999999999999999.00", "CNY", 0);
	expect_reject(r, "1000000000000000000", DGP_REASON_RANGE); /* 19 digits */
	expect_reject(r, "100000000000亿", DGP_REASON_RANGE);      /* 20 digits after the unit */
	expect_ok_aux(r, "-999999999999999999.99", "-999999999999999999.99", "CNY", 0);
	/* scale=6 keeps all six digits (its column is numeric(24,6)), never rounds */
	const dgp_norm_rule_t *s6 = rule_of("money", "scale=6");
	expect_ok_aux(s6, "1.234567", "1.234567", "CNY", 0);
	expect_reject(s6, "1.2345678", DGP_REASON_RANGE);
	expect_ok_aux(s6, "999999999999999999.999999", "999999999999999999.999999", "CNY", 0);
	expect_reject(s6, "1000000000000000000", DGP_REASON_RANGE);
}

Test(norm_money, another_currency_is_refused_not_loaded_as_yuan)
{
	const dgp_norm_rule_t *r = rule_of("money", "scale=6");
	expect_reject(r, "100万美元", DGP_REASON_CURRENCY);
	expect_reject(r, "100万日元", DGP_REASON_CURRENCY);
	expect_reject(r, "USD 100", DGP_REASON_CURRENCY);
	expect_ok_aux(r, "100万元人民币", "1000000.000000", "CNY", 0);
	expect_reject(r, "$100人民币", DGP_REASON_FORMAT); /* two currencies */
}
