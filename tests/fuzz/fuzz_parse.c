/*
 * fuzz_parse.c — libFuzzer harness for the record parsers of
 * pipeline/dgp_parse.c.  Built once per format with -DFUZZ_FORMAT="json"
 * or "csv" (tests/fuzz/CMakeLists.txt).
 *
 *   json: fuzzer bytes = one record
 *   csv:  fuzzer bytes = header row '\n' record (the delimiter and quote
 *         come from the first byte, so ';' / '|' / '\'' get exercised too)
 *     ──copy into an exact-size malloc──▶ dgp_parse_record ──▶ vals
 *
 * json also splits the bytes as a tombstone's message key
 * (dgp_parse_key) into a two-field key: accepted, the parts joined with
 * 0x1F give the bytes back.
 *
 * The copy makes ASan report any read past the record.  Invariants checked
 * on every input: the reason is one the parser may return for the format,
 * the detail is a terminated non-empty string exactly when rejected, every
 * value can be read in full, and, when the record is valid UTF-8 without
 * NUL, every value is too (JSON: always, as the scanner validates); and
 * dgp_utf8_valid of the record agrees with decoding it code point by code
 * point.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"
#include "dgp_parse.h"
#include "dgp_utf8.h"

#ifndef FUZZ_FORMAT
#error "compile with -DFUZZ_FORMAT=\"json\" or \"csv\""
#endif

#define NF 4
static const dgp_field_spec_t fields[NF] = {
    {.name = "公民身份号码", .source_name = "GMSFHM", .key = true},
    {.name = "姓名", .source_name = "XM"},
    {.name = "出生日期", .source_name = "CSRQ"},
    {.name = "住址", .source_name = "ZZ"},
};
static const size_t key_fields[] = {0};
static const dgp_schema_t schema = {
    .resource_code = "fuzz", .nfields = NF, .fields = fields, .nkeys = 1, .key_fields = key_fields};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_parse(%s): %s\n", FUZZ_FORMAT, what);
	abort();
}

/* The reference for dgp_utf8_valid (a table-driven DFA): decoding code point by code point. */
static bool valid_by_decoding(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		int n = dgp_utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return false;
		i += (size_t)n;
	}
	return true;
}

static void check_record(dgp_parser_t *p, const uint8_t *data, size_t size, bool csv)
{
	char *in = malloc(size ? size : 1);
	memcpy(in, data, size);
	if (dgp_utf8_valid(in, size) != valid_by_decoding(data, size))
		fail("dgp_utf8_valid disagrees with decoding");
	dgp_arena_t *arena = dgp_arena_new(0);
	dgp_slice_t vals[NF];
	char detail[128];
	memset(detail, 'x', sizeof(detail));
	dgp_reason_t r = dgp_parse_record(p, in, size, arena, vals, detail, sizeof(detail));
	if (!memchr(detail, '\0', sizeof(detail)))
		fail("detail not terminated");
	if (r == DGP_REASON_OK) {
		if (detail[0])
			fail("accepted with a detail");
		char dummy[1] = {0};
		bool text_ok = !csv || dgp_parse_check_text(in, size, dummy, 0) == DGP_REASON_OK;
		for (int i = 0; i < NF; i++) {
			volatile char sink = 0;
			for (size_t k = 0; vals[i].p && k < vals[i].len; k++)
				sink ^= vals[i].p[k]; /* ASan: the whole value is readable */
			(void)sink;
			if (vals[i].p && text_ok &&
			    (!dgp_utf8_valid(vals[i].p, vals[i].len) ||
			     memchr(vals[i].p, 0, vals[i].len)))
				fail("value of a valid record is not valid UTF-8 without NUL");
		}
	} else {
		bool allowed = r == DGP_REASON_MALFORMED || r == DGP_REASON_CHARSET ||
		               (csv && r == DGP_REASON_COLUMNS);
		if (!allowed)
			fail("unexpected reason");
		if (!detail[0])
			fail("rejected without a detail");
	}
	dgp_arena_destroy(arena);
	free(in);
}

static void check_key(const uint8_t *data, size_t size)
{
	static const size_t two[] = {2, 0};
	dgp_schema_t s2 = schema;
	s2.nkeys = 2;
	s2.key_fields = two;
	char *in = malloc(size ? size : 1);
	memcpy(in, data, size);
	dgp_slice_t vals[NF];
	char detail[128];
	dgp_reason_t r = dgp_parse_key(&s2, in, size, vals, detail, sizeof(detail));
	if (r == DGP_REASON_OK) {
		if (vals[1].p || vals[3].p || !vals[0].p || !vals[2].p)
			fail("key: a part outside the key fields");
		if (vals[2].p != in || vals[0].p != in + vals[2].len + 1 ||
		    vals[2].len + 1 + vals[0].len != size)
			fail("key: the parts do not give the key back");
	} else if (r != DGP_REASON_DELETE_KEY || !detail[0]) {
		fail("key: unexpected reason or no detail");
	}
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	if (strcmp(FUZZ_FORMAT, "json") == 0) {
		static dgp_parser_t *p;
		if (!p)
			p = dgp_parse_new(&schema, NULL);
		check_record(p, data, size, false);
		check_key(data, size);
		return 0;
	}
	if (size < 1)
		return 0;
	static const char delims[] = ",;|\t", quotes[] = "\"'";
	dgp_parse_opts_t o = {.format = DGP_FORMAT_CSV,
	                      .csv_delim = delims[data[0] & 3],
	                      .csv_quote = quotes[(data[0] >> 2) & 1]};
	data++, size--;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hlen = nl ? (size_t)(nl - data) : size;
	dgp_parser_t *p = dgp_parse_new(&schema, &o);
	char *h = malloc(hlen ? hlen : 1);
	memcpy(h, data, hlen);
	char err[128];
	dgp_err_t e = dgp_parse_csv_header(p, h, hlen, err, sizeof(err));
	free(h);
	if (e == DGP_OK) {
		if (dgp_parse_csv_columns(p) == 0)
			fail("header accepted with no columns");
		if (nl)
			check_record(p, nl + 1, size - hlen - 1, true);
	} else if (e != DGP_ERR_PARSE && e != DGP_ERR_CATALOG) {
		fail("unexpected header error");
	} else if (!memchr(err, '\0', sizeof(err)) || !err[0]) {
		fail("header error without a message");
	}
	dgp_parse_destroy(p);
	return 0;
}
