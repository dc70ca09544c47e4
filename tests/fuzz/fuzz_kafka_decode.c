/*
 * fuzz_kafka_decode.c — libFuzzer harness for dgp_kafka_decode(), the part
 * of the Kafka source that turns a message's payload and headers into what
 * the run loop parses (connectors/dgp_kafka_source.c, compiled in; no
 * broker: the headers are librdkafka's own standalone header list).
 *
 *   byte 0: options
 *     bit 0     gzip the payload here (a valid stream of the fuzzed bytes)
 *     bit 1     content-encoding: gzip (without bit 0: the fuzzed bytes are
 *               the "gzip" stream — damaged, truncated, multi-member)
 *     bit 2     content-type header present
 *     bit 3     dgp-csv-header header present
 *     bits 4-5  max_message_bytes: 16, 100, 65536 or 1 MiB
 *     bit 6     content-encoding header with another value (identity, GZIP…)
 *   byte 1: length of the content-type value, byte 2: of the csv header
 *   then those two values, then the payload
 *
 * Each input is decoded twice with one decoder (the inflate buffer is
 * reused across messages, as in a consumer) and both results must agree.
 * Checked against a reference written here: the reason (ok / too_long /
 * malformed / empty_message, a detail exactly when rejected), the payload bytes
 * (the input, or the gzipped bytes inflated, minus one trailing "\n" or
 * "\r\n"), the length limit, the format (content-type, else the first
 * non-blank byte after a BOM) and the csv header (the header value minus
 * its line end, NULL when absent).
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "dgp_kafka_source.h"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_kafka_decode: %s\n", what);
	abort();
}

static const size_t limits[4] = {16, 100, 65536, 1u << 20};

/* gzip p into a malloc'd buffer (*out_len bytes); level from the options. */
static unsigned char *gzip(const uint8_t *p, size_t n, int level, size_t *out_len)
{
	z_stream z = {0};
	if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		fail("deflateInit2");
	size_t cap = deflateBound(&z, n) + 64;
	unsigned char *o = malloc(cap);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = o;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		fail("deflate");
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return o;
}

/*
 * Inflate every gzip member of p with zlib directly (members follow one another;
 * anything else after a member is damage): 1 ok, 0 damaged, -1 over limit.
 */
static int ref_gunzip(const unsigned char *p, size_t n, size_t limit, unsigned char **out,
                      size_t *out_len)
{
	z_stream z = {0};
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		fail("inflateInit2");
	size_t cap = limit + 1; /* one byte more than allowed tells "longer" */
	unsigned char *o = malloc(cap);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = o;
	z.avail_out = (uInt)cap;
	int r;
	for (;;) {
		do
			r = inflate(&z, Z_NO_FLUSH);
		while (r == Z_OK && z.avail_out > 0);
		if (r != Z_STREAM_END || z.avail_in == 0 || z.avail_out == 0)
			break;
		if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) {
			r = Z_DATA_ERROR; /* trailing bytes that start no member */
			break;
		}
		inflateReset(&z);
	}
	size_t got = cap - z.avail_out;
	inflateEnd(&z);
	*out = o;
	*out_len = got;
	if (got > limit)
		return -1;
	return r == Z_STREAM_END ? 1 : 0;
}

static void ref_chomp(const unsigned char *p, size_t *len)
{
	if (*len && p[*len - 1] == '\n')
		(*len)--;
	if (*len && p[*len - 1] == '\r')
		(*len)--;
}

static dgp_format_t ref_format(const unsigned char *p, size_t n, const uint8_t *ct, size_t ctl,
                               bool has_ct)
{
	if (has_ct)
		return ctl >= 8 && memmem(ct, ctl, "csv", 3) ? DGP_FORMAT_CSV : DGP_FORMAT_JSONL;
	size_t i = n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3) ? 3 : 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	/* '[': a JSON array, which the JSON parser names as such */
	return i < n && (p[i] == '{' || p[i] == '[') ? DGP_FORMAT_JSONL : DGP_FORMAT_CSV;
}

static void check(const dgp_kafka_msg_t *m, const unsigned char *msg, size_t msg_len,
                  const unsigned char *want, size_t want_len, dgp_reason_t want_reason,
                  dgp_reason_t alt_reason, dgp_format_t want_format, const uint8_t *csv,
                  size_t csv_len, bool has_csv)
{
	if (m->raw != (const char *)msg || m->raw_len != msg_len)
		fail("raw is not the message's payload");
	if (m->reason != want_reason && m->reason != alt_reason)
		fail("reason differs from the reference");
	if ((m->reason != DGP_REASON_OK) != (m->detail != NULL) ||
	    (m->detail && (!m->detail[0] || strlen(m->detail) >= 256)))
		fail("detail missing, empty or set on an accepted message");
	if (m->reason != DGP_REASON_OK)
		return;
	if (m->len != want_len || (want_len && memcmp(m->payload, want, want_len) != 0))
		fail("payload differs from the reference");
	if (m->format != want_format)
		fail("format differs from the reference");
	size_t cl = csv_len;
	if (has_csv)
		ref_chomp(csv, &cl);
	if (has_csv != (m->csv_header != NULL) ||
	    (has_csv && (m->csv_header_len != cl || memcmp(m->csv_header, csv, cl) != 0)))
		fail("csv header differs from the reference");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint8_t opt = data[0];
	size_t ctl = data[1], csvl = data[2];
	if (size < 3 + ctl + csvl)
		return 0;
	const uint8_t *ct = data + 3, *csv = ct + ctl, *body = csv + csvl;
	size_t body_len = size - 3 - ctl - csvl;
	bool self_gzip = opt & 1, gz_header = (opt & 1) || (opt & 2), has_ct = opt & 4,
	     has_csv = opt & 8, other_enc = (opt & 64) && !gz_header;
	size_t limit = limits[(opt >> 4) & 3];

	/* The message as it would arrive: exact-size copies, so ASan sees any overread. */
	size_t msg_len = body_len;
	unsigned char *msg;
	if (self_gzip) {
		msg = gzip(body, body_len, (opt >> 7) ? 1 : 9, &msg_len);
	} else {
		msg = malloc(body_len ? body_len : 1);
		memcpy(msg, body, body_len);
	}
	rd_kafka_headers_t *h = rd_kafka_headers_new(4);
	if (gz_header)
		rd_kafka_header_add(h, DGP_KAFKA_HDR_CONTENT_ENCODING, -1, "gzip", 4);
	else if (other_enc)
		rd_kafka_header_add(h, DGP_KAFKA_HDR_CONTENT_ENCODING, -1, ct, (ssize_t)ctl);
	if (has_ct)
		rd_kafka_header_add(h, DGP_KAFKA_HDR_CONTENT_TYPE, -1, ct, (ssize_t)ctl);
	if (has_csv)
		rd_kafka_header_add(h, DGP_KAFKA_HDR_CSV_HEADER, -1, csv, (ssize_t)csvl);

	/* The reference result. */
	unsigned char *inflated = NULL;
	const unsigned char *want = msg;
	size_t want_len = msg_len;
	dgp_reason_t want_reason = DGP_REASON_OK, alt_reason = DGP_REASON_OK;
	bool enc_is_gzip =
	    gz_header || (other_enc && ctl == 4 && strncasecmp((const char *)ct, "gzip", 4) == 0);
	if (enc_is_gzip) {
		int g = ref_gunzip(msg, msg_len, limit, &inflated, &want_len);
		want = inflated;
		want_reason = g > 0   ? DGP_REASON_OK
		              : g < 0 ? DGP_REASON_TOO_LONG
		                      : DGP_REASON_MALFORMED;
		/* A stream damaged right after max_message_bytes of output: the decoder
		 * stops at the limit and may call it too long instead of damaged. */
		alt_reason = g == 0 && want_len == limit ? DGP_REASON_TOO_LONG : want_reason;
		if (self_gzip && g == 0)
			fail("reference: a stream gzipped here does not inflate");
		if (self_gzip && g > 0 && (want_len != body_len || memcmp(want, body, body_len)))
			fail("reference: gzip round trip differs");
	} else if (msg_len > limit) {
		want_reason = DGP_REASON_TOO_LONG;
	}
	if (want_reason == DGP_REASON_OK) {
		ref_chomp(want, &want_len);
		if (want_len == 0) /* no bytes, or only a line end */
			want_reason = alt_reason = DGP_REASON_EMPTY_MESSAGE;
	}
	dgp_format_t want_format = ref_format(want, want_len, ct, ctl, has_ct);

	dgp_kafka_decoder_t d = {.max_message_bytes = limit};
	for (int round = 0; round < 2; round++) {
		dgp_kafka_msg_t m;
		memset(&m, 0xA5, sizeof(m));
		dgp_kafka_decode(&d, msg, msg_len, h, &m);
		check(&m, msg, msg_len, want, want_len, want_reason, alt_reason, want_format, csv,
		      csvl, has_csv);
		if (d.inflate_cap > limit)
			fail("inflate buffer grew past max_message_bytes");
	}
	dgp_kafka_decoder_free(&d);
	rd_kafka_headers_destroy(h);
	free(inflated);
	free(msg);
	return 0;
}
