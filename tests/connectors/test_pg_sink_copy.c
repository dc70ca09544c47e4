/*
 * test_pg_sink_copy.c — the sink's COPY text and text[] encoders, without a
 * server.  They are static in connectors/dgp_pg_sink.c, so the file is
 * included here whole (as tests/fuzz/fuzz_copy.c does).
 */
#include <criterion/criterion.h>

#include "dgp_pg_sink.c"

/* Found by fuzz_copy: an empty first value did pointer arithmetic on a NULL buffer (UBSan). */
Test(pg_sink_copy, an_empty_value_into_a_fresh_buffer_allocates_it)
{
	dgp_buf_t b = {0};
	dgp_sql_copy_text(&b, "", 0);
	cr_expect_not_null(b.p);
	cr_expect_eq(b.len, 0);
	free(b.p);
}

/* Found by fuzz_copy: an empty text read from a never-used scratch buffer (NULL + 0, UBSan). */
Test(pg_sink_copy, an_empty_sanitised_value_reads_from_an_allocated_scratch_buffer)
{
	dgp_buf_t b = {0}, tmp = {0};
	put_copy_text_sanitised(&b, &tmp, "", 0);
	cr_expect_not_null(tmp.p);
	cr_expect_eq(b.len, 0);
	put_copy_text_sanitised(&b, &tmp, "a\xff\0b", 4);
	cr_expect_eq(b.len, 8);
	cr_expect_arr_eq(b.p,
	                 "a\xEF\xBF\xBD\xEF\xBF\xBD"
	                 "b",
	                 8);
	free(b.p);
	free(tmp.p);
}

Test(pg_sink_copy, copy_text_escapes_backslash_tab_newline_and_carriage_return)
{
	dgp_buf_t b = {0};
	dgp_sql_copy_text(&b, "a\tb\\c\nd\re", 9);
	cr_expect_eq(b.len, 13);
	cr_expect_arr_eq(b.p, "a\\tb\\\\c\\nd\\re", 13);
	free(b.p);
}

Test(pg_sink_copy, array_elements_are_quoted_with_quote_and_backslash_escaped)
{
	dgp_buf_t b = {0};
	put_array_elem(&b, "a\"b\\c,d", 7);
	cr_expect_eq(b.len, 11);
	cr_expect_arr_eq(b.p, "\"a\\\"b\\\\c,d\"", 11);
	free(b.p);
}
