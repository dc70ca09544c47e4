/*
 * test_primitives.c — the one home of each text primitive: the byte buffer,
 * SQL literal quoting and COPY text escaping, the JSON string writer, the
 * clocks.  Nothing is faked; no services.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_buf.h"
#include "dgp_clock.h"
#include "dgp_json.h"
#include "dgp_sql.h"

Test(buf, appends_stay_nul_terminated_and_cstr_of_a_fresh_buffer_is_empty)
{
	dgp_buf_t b = {0};
	cr_expect_str_eq(dgp_buf_cstr(&b), "");
	dgp_buf_append(&b, "ab\0c", 4);
	dgp_buf_putc(&b, 'd');
	dgp_buf_puts(&b, "ef");
	dgp_buf_printf(&b, "%d-%s", 42, "x");
	cr_expect_eq(b.len, 11);
	cr_expect_arr_eq(b.p, "ab\0cdef42-x", 12); /* with the NUL len does not count */
	b.len = 0;
	dgp_buf_puts(&b, "z");
	cr_expect_str_eq(dgp_buf_cstr(&b), "z");
	dgp_buf_free(&b);
	cr_expect_null(b.p);
	cr_expect_eq(b.cap, 0);
}

Test(buf, grows_past_its_first_block)
{
	dgp_buf_t b = {0};
	for (int i = 0; i < 10000; i++)
		dgp_buf_putc(&b, (char)('a' + i % 26));
	cr_expect_eq(b.len, 10000);
	cr_expect_geq(b.cap, 10001);
	cr_expect_eq(b.p[9999], 'a' + 9999 % 26);
	cr_expect_eq(b.p[10000], '\0');
	dgp_buf_free(&b);
}

Test(sql, literal_doubles_quotes_and_keeps_backslashes)
{
	dgp_buf_t b = {0};
	dgp_sql_quote_literal(&b, "it's a\\b");
	cr_expect_str_eq(dgp_buf_cstr(&b), "'it''s a\\b'");
	b.len = 0;
	dgp_sql_quote_literal(&b, "");
	cr_expect_str_eq(dgp_buf_cstr(&b), "''");
	dgp_buf_free(&b);
}

Test(sql, copy_text_escapes_the_four_and_writes_null_as_backslash_n)
{
	dgp_buf_t b = {0};
	dgp_sql_copy_text(&b, "身份\\\t\n\rx", 11);
	dgp_buf_putc(&b, '|');
	dgp_sql_copy_text(&b, NULL, 0);
	dgp_buf_putc(&b, '|');
	dgp_sql_copy_text(&b, "", 0);
	cr_expect_str_eq(dgp_buf_cstr(&b), "身份\\\\\\t\\n\\rx|\\N|");
	dgp_buf_free(&b);
}

Test(json, string_writer_escapes_quotes_backslashes_and_control_characters)
{
	dgp_buf_t b = {0};
	dgp_json_buf_string(&b, "a\"b\\c\n\r\t\x01\x1f 名");
	cr_expect_str_eq(dgp_buf_cstr(&b), "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f 名\"");
	dgp_buf_free(&b);

	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	dgp_json_put_string(f, "a\"b\\c\n\r\t\x01\x1f 名");
	fclose(f);
	cr_expect_str_eq(mem, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f 名\"");
	free(mem);
}

Test(clock, monotonic_readings_never_go_back_and_agree_between_units)
{
	int64_t ms0 = dgp_clock_mono_ms();
	double s0 = dgp_clock_mono_s();
	dgp_clock_sleep_ms(2);
	dgp_clock_sleep_s(0.002);
	dgp_clock_sleep_ms(0);
	dgp_clock_sleep_s(-1);
	int64_t ms1 = dgp_clock_mono_ms();
	double s1 = dgp_clock_mono_s();
	cr_expect_geq(ms1, ms0);
	cr_expect_geq(s1, s0);
	/* wall time is the Unix epoch: after 2020-01-01 */
	cr_expect_gt(dgp_clock_wall_ms(), INT64_C(1577836800000));
	cr_expect_gt(dgp_clock_wall_s(), 1577836800.0);
}
