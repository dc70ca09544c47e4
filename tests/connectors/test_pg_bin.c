/*
 * test_pg_bin.c — the binary COPY forms of connectors/dgp_pg_bin.c without a
 * server: what they refuse, and the exact bytes of known values.  That every
 * accepted form equals PostgreSQL's own reading of the text is checked
 * against a real server in tests/integration/test_pg_sink.c
 * (binary_forms_equal_postgresql_text_input).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "dgp_pg_bin.h"

Test(pg_bin, refuses_what_is_not_canonical)
{
	unsigned char out[64];
	static const char *const dates[] = {
	    "2023-02-29", "1900-02-29", "0000-01-01", "2024-13-01",     "2024-00-10",
	    "2024-1-01",  "20240101",   "2024-01-32", "２０２４-01-01", ""};
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		cr_expect_eq(dgp_pg_bin_date(dates[i], strlen(dates[i]), out), -1, "%s", dates[i]);
	static const char *const nums[] = {"",      "-",  "+1", "1.",  ".5",   "1e5",
	                                   "1,000", " 1", "1 ", "--1", "0x10", "NaN"};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		cr_expect_eq(dgp_pg_bin_numeric(nums[i], strlen(nums[i]), out), -1, "%s", nums[i]);
	static const char *const ints[] = {
	    "",  "-", "1.0", "9223372036854775808", "-9223372036854775809", "12345678901234567890",
	    "+5"};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		cr_expect_eq(dgp_pg_bin_int8(ints[i], strlen(ints[i]), out), -1, "%s", ints[i]);
	/* the bytes of one value each, as PostgreSQL's send functions write them */
	cr_expect_eq(dgp_pg_bin_date("1999-12-31", 10, out), 4);
	cr_expect_eq(memcmp(out, "\xff\xff\xff\xff", 4), 0);
	cr_expect_eq(dgp_pg_bin_numeric("-12345.6", 8, out), 14);
	cr_expect_eq(memcmp(out, "\0\x03\0\x01\x40\0\0\x01\0\x01\x09\x29\x17\x70", 14), 0);
}

Test(pg_bin, known_bytes)
{
	unsigned char out[64];
	cr_expect_eq(dgp_pg_bin_date("2000-01-01", 10, out), 4);
	cr_expect_eq(memcmp(out, "\0\0\0\0", 4), 0);
	cr_expect_eq(dgp_pg_bin_date("2000-03-01", 10, out), 4); /* 31 + 29 days on */
	cr_expect_eq(memcmp(out, "\0\0\0\x3c", 4), 0);
	/* 0.00001: one group 1000 at weight -2, scale 5 */
	cr_expect_eq(dgp_pg_bin_numeric("0.00001", 7, out), 10);
	cr_expect_eq(memcmp(out, "\0\x01\xff\xfe\0\0\0\x05\x03\xe8", 10), 0);
	/* zero: no digits, positive, the scale kept */
	cr_expect_eq(dgp_pg_bin_numeric("-0.00", 5, out), 8);
	cr_expect_eq(memcmp(out, "\0\0\0\0\0\0\0\x02", 8), 0);
	/* 100000000: one group 1 at weight 2 (trailing zero groups dropped) */
	cr_expect_eq(dgp_pg_bin_numeric("100000000", 9, out), 10);
	cr_expect_eq(memcmp(out, "\0\x01\0\x02\0\0\0\0\0\x01", 10), 0);
	cr_expect_eq(dgp_pg_bin_int8("-9223372036854775808", 20, out), 8);
	cr_expect_eq(memcmp(out, "\x80\0\0\0\0\0\0\0", 8), 0);
	cr_expect_eq(dgp_pg_bin_int8("258", 3, out), 8);
	cr_expect_eq(memcmp(out, "\0\0\0\0\0\0\x01\x02", 8), 0);
}
