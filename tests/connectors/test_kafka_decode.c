/*
 * test_kafka_decode.c — dgp_kafka_decode(): a message's payload and headers
 * to what the run loop parses, without a broker (librdkafka's standalone
 * header list stands in for a fetched message's).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "dgp_kafka_source.h"

static size_t gzip(const char *p, size_t n, unsigned char *out, size_t cap)
{
	z_stream z = {0};
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t len = cap - z.avail_out;
	deflateEnd(&z);
	return len;
}

Test(kafka_decode, gzip_csv_with_header_is_inflated_and_its_line_ends_dropped)
{
	const char *row = "110101199003074514,张三\r\n";
	unsigned char gz[256];
	size_t gz_len = gzip(row, strlen(row), gz, sizeof(gz));
	rd_kafka_headers_t *h = rd_kafka_headers_new(3);
	rd_kafka_header_add(h, DGP_KAFKA_HDR_CONTENT_ENCODING, -1, "GZIP", 4);
	rd_kafka_header_add(h, DGP_KAFKA_HDR_CONTENT_TYPE, -1, "text/csv", 8);
	rd_kafka_header_add(h, DGP_KAFKA_HDR_CSV_HEADER, -1, "GMSFHM,XM\n", 10);
	dgp_kafka_decoder_t d = {.max_message_bytes = 1 << 20};
	dgp_kafka_msg_t m = {.topic = "t"};
	dgp_kafka_decode(&d, gz, gz_len, h, &m);
	cr_expect_eq(m.reason, DGP_REASON_OK);
	cr_expect_null(m.detail);
	cr_expect_str_eq(m.topic, "t", "fields other than the decoded ones are left alone");
	cr_expect_eq((const unsigned char *)m.raw, gz);
	cr_expect_eq(m.raw_len, gz_len);
	cr_expect_eq(m.len, strlen(row) - 2);
	cr_expect_arr_eq(m.payload, row, strlen(row) - 2);
	cr_expect_eq(m.format, DGP_FORMAT_CSV);
	cr_expect_eq(m.csv_header_len, 9);
	cr_expect_arr_eq(m.csv_header, "GMSFHM,XM", 9);
	dgp_kafka_decoder_free(&d);
	rd_kafka_headers_destroy(h);
}

Test(kafka_decode, damaged_gzip_is_malformed_and_oversized_payload_too_long)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(1);
	rd_kafka_header_add(h, DGP_KAFKA_HDR_CONTENT_ENCODING, -1, "gzip", 4);
	dgp_kafka_decoder_t d = {.max_message_bytes = 16};
	dgp_kafka_msg_t m;
	dgp_kafka_decode(&d, "not gzip at all", 15, h, &m);
	cr_expect_eq(m.reason, DGP_REASON_MALFORMED);
	cr_expect_str_eq(m.detail, "gzip: incorrect header check");
	dgp_kafka_decode(&d, "{\"GMSFHM\":\"1234\"}", 17, NULL, &m);
	cr_expect_eq(m.reason, DGP_REASON_TOO_LONG);
	cr_expect_str_eq(m.detail, "payload of 17 bytes, limit 16");
	dgp_kafka_decoder_free(&d);
	rd_kafka_headers_destroy(h);
}

Test(kafka_decode, without_content_type_a_brace_after_bom_and_blanks_means_json)
{
	dgp_kafka_decoder_t d = {.max_message_bytes = 1 << 20};
	dgp_kafka_msg_t m;
	dgp_kafka_decode(&d, "\xEF\xBB\xBF \t{\"a\":1}\n", 13, NULL, &m);
	cr_expect_eq(m.reason, DGP_REASON_OK);
	cr_expect_eq(m.format, DGP_FORMAT_JSONL);
	cr_expect_eq(m.len, 12);
	cr_expect_null(m.csv_header);
	dgp_kafka_decode(&d, "a,{b}", 5, NULL, &m);
	cr_expect_eq(m.format, DGP_FORMAT_CSV);
	dgp_kafka_decode(&d, NULL, 0, NULL, &m); /* a tombstone: its own reason */
	cr_expect_eq(m.reason, DGP_REASON_TOMBSTONE);
	dgp_kafka_decode(&d, "", 0, NULL, &m); /* no bytes at all */
	cr_expect_eq(m.reason, DGP_REASON_EMPTY_MESSAGE);
	dgp_kafka_decode(&d, "\r\n", 2, NULL, &m); /* only a line end */
	cr_expect_eq(m.reason, DGP_REASON_EMPTY_MESSAGE);
	dgp_kafka_decoder_free(&d);
}
