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

/*
 * A binary direct-COPY row reserves room for every value in its widest form
 * before its plain stores: a text value's own bytes (a long address), not
 * only a numeric's.  The buffer claims exactly the reservation (the memory
 * behind it is larger, so a bad reservation shows as a row past the claimed
 * end, not as a corrupted heap).
 */
Test(pg_sink_copy, a_binary_row_of_long_texts_stays_within_its_reservation)
{
	enum { NC = 23, VLEN = 600 };
	dgp_field_spec_t f[NC] = {0};
	dgp_slice_t vals[NC];
	unsigned char enc[NC + 2];
	static char text[VLEN];
	memset(text, 'x', sizeof(text));
	for (size_t i = 0; i < NC; i++) {
		vals[i] = (dgp_slice_t){text, i % 5 == 4 ? 0 : VLEN};
		enc[i] = ENC_TEXT;
	}
	vals[3] = (dgp_slice_t){"2024-07-03", 10};
	enc[3] = ENC_DATE;
	vals[7] = (dgp_slice_t){NULL, 0};
	enc[NC] = ENC_INT8;
	enc[NC + 1] = ENC_TEXT;
	dgp_schema_t s = {.nfields = NC, .fields = f};
	dgp_record_t r = {.vals = vals,
	                  .content_hash = 42,
	                  .origin = {.source = "gaj_hjrk.csv", .partition = -1, .line = 7}};
	dgp_pg_sink_t sk = {0};
	origin_text(&sk, &r.origin, &sk.tmp);
	size_t row = 2 + 4 * (NC + 2) + 8 + sk.tmp.len;
	for (size_t i = 0; i < NC; i++)
		row += vals[i].p ? (i == 3 ? 4 : vals[i].len) : 0;
	/* what the row reserves, however it computes it, is at least the row */
	sk.copy.p = malloc(1 << 20);
	sk.copy.cap = 1 << 20;
	dgp_buf_reserve(&sk.copy, 0);
	cr_assert(copy_row_typed(&sk, &s, enc, &r));
	cr_assert_eq(sk.copy.len, row);
	/* again into a buffer that claims one byte less than the row needs */
	sk.copy.len = 0;
	sk.copy.cap = row; /* len + row + 1 > cap: the reservation must grow it */
	cr_assert(copy_row_typed(&sk, &s, enc, &r));
	cr_assert_eq(sk.copy.len, row);
	cr_assert_lt(sk.copy.len, sk.copy.cap, "row of %zu bytes, buffer of %zu", sk.copy.len,
	             sk.copy.cap);
	free(sk.copy.p);
	free(sk.tmp.p);
	free(sk.origin_src.p);
}
