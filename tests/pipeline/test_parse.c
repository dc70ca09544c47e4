/* test_parse.c — JSON-lines and CSV records → raw field slices: exact slices, escapes, rejects with
 * offsets. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_json.h"
#include "dgp_parse.h"
#include "test_rng.h"

static const dgp_field_spec_t fields[] = {
    {.name = "公民身份号码", .source_name = "GMSFHM", .column = "gmsfhm", .key = true},
    {.name = "姓名", .source_name = "XM", .column = "xm"},
    {.name = "出生日期", .source_name = "CSRQ", .column = "csrq"},
    {.name = "住址", .source_name = "ZZ", .column = "zz"},
};
static const size_t key_fields[] = {0};
static const dgp_schema_t schema = {
    .resource_code = "101041/000001",
    .table = "syrk",
    .nfields = 4,
    .fields = fields,
    .nkeys = 1,
    .key_fields = key_fields,
};

static dgp_arena_t *arena;
static dgp_slice_t vals[4];
static char detail[256];

static void setup(void)
{
	arena = dgp_arena_new(0);
}

static void teardown(void)
{
	dgp_arena_destroy(arena);
}

/* Parse s from an exact-size heap copy in the arena, so ASan sees any read past the end. */
static dgp_reason_t parse(dgp_parser_t *p, const char *s)
{
	size_t len = strlen(s);
	char *in = dgp_arena_memdup(arena, s, len);
	return dgp_parse_record(p, in, len, arena, vals, detail, sizeof(detail));
}

static void expect_val(int f, const char *want)
{
	if (!want) {
		cr_expect_null(vals[f].p, "field %d should be absent", f);
		return;
	}
	cr_assert_not_null(vals[f].p, "field %d absent, want \"%s\"", f, want);
	cr_expect_eq(vals[f].len, strlen(want), "field %d: len %zu, want %zu", f, vals[f].len,
	             strlen(want));
	cr_expect(memcmp(vals[f].p, want, vals[f].len) == 0, "field %d: \"%.*s\" want \"%s\"", f,
	          (int)vals[f].len, vals[f].p, want);
}

static dgp_parser_t *csv_parser(const char *header, char delim, char quote)
{
	dgp_parse_opts_t o = {.format = DGP_FORMAT_CSV, .csv_delim = delim, .csv_quote = quote};
	dgp_parser_t *p = dgp_parse_new(&schema, &o);
	char err[256];
	cr_assert_eq(dgp_parse_csv_header(p, header, strlen(header), err, sizeof(err)), DGP_OK,
	             "%s", err);
	return p;
}

TestSuite(parse, .init = setup, .fini = teardown);

Test(parse, schema_field_by_source_is_case_insensitive)
{
	cr_expect_eq(dgp_schema_field_by_source(&schema, "gmsfhm", 6), 0);
	cr_expect_eq(dgp_schema_field_by_source(&schema, "Zz", 2), 3);
	cr_expect_eq(dgp_schema_field_by_source(&schema, "XMX", 2), 1); /* len bounds the name */
	cr_expect_eq(dgp_schema_field_by_source(&schema, "XMX", 3), -1);
	cr_expect_eq(dgp_schema_field_by_source(&schema, "", 0), -1);
}

Test(parse, json_exact_slices_point_into_the_input)
{
	dgp_parser_t *p = dgp_parse_new(&schema, NULL);
	const char *s = "{\"GMSFHM\":\"420106199003071238\", \"xm\" : \"张三\",\"CSRQ\":19900307,"
	                "\"ZZ\":null,\"EXTRA\":true}";
	size_t len = strlen(s);
	char *in = dgp_arena_memdup(arena, s, len);
	size_t used = dgp_arena_used(arena);
	cr_assert_eq(dgp_parse_record(p, in, len, arena, vals, detail, sizeof(detail)),
	             DGP_REASON_OK, "%s", detail);
	expect_val(0, "420106199003071238");
	expect_val(1, "张三");
	expect_val(2, "19900307"); /* a number keeps its text */
	expect_val(3, NULL);       /* null is absent */
	cr_expect_eq(vals[0].p, in + 11, "no copy without escapes");
	cr_expect_eq(dgp_arena_used(arena), used, "no arena allocation without escapes");
	cr_expect_eq(dgp_parse_unknown_keys(p), 1);
	dgp_parse_destroy(p);
}

Test(parse, json_true_false_empty_and_missing)
{
	dgp_parser_t *p = dgp_parse_new(&schema, NULL);
	cr_assert_eq(parse(p, " {\"XM\":\"\",\"CSRQ\":false,\"ZZ\":-1.5e+3}\t"), DGP_REASON_OK,
	             "%s", detail);
	expect_val(0, NULL);
	expect_val(1, "");
	cr_expect_not_null(vals[1].p, "empty string is present, not absent");
	expect_val(2, "false");
	expect_val(3, "-1.5e+3");
	cr_assert_eq(parse(p, "{}"), DGP_REASON_OK);
	for (int i = 0; i < 4; i++)
		expect_val(i, NULL);
	dgp_parse_destroy(p);
}

Test(parse, json_escapes_and_surrogate_pairs)
{
	dgp_parser_t *p = dgp_parse_new(&schema, NULL);
	cr_assert_eq(parse(p, "{\"XM\":\"a\\\"b\\\\c\\/d\\n\\t\",\"ZZ\":\"\\u6b66\\u6c49 "
	                      "\\ud83d\\ude00 \\u00e9\",\"G\\u004dSFHM\":\"1\"}"),
	             DGP_REASON_OK, "%s", detail);
	expect_val(1, "a\"b\\c/d\n\t");
	expect_val(3, "武汉 \xF0\x9F\x98\x80 é");
	expect_val(0, "1"); /* an escaped key matches too */
	dgp_parse_destroy(p);
}

Test(parse, json_malformed_with_exact_detail_and_offset)
{
	static const struct {
		const char *in;
		dgp_reason_t r;
		const char *detail;
	} cases[] = {
	    {"", DGP_REASON_MALFORMED, "empty input, expected an object at byte 0"},
	    {"[1]", DGP_REASON_MALFORMED, "expected '{' at byte 0"},
	    {"{\"XM\" \"a\"}", DGP_REASON_MALFORMED, "expected ':' after key at byte 6"},
	    {"{\"XM\":\"a\",}", DGP_REASON_MALFORMED, "expected a string key at byte 10"},
	    {"{\"XM\":\"a\"} x", DGP_REASON_MALFORMED,
	     "trailing characters after the object at byte 11"},
	    {"{\"XM\":{\"a\":1}}", DGP_REASON_MALFORMED,
	     "nested object or array, a record must be flat at byte 6"},
	    {"{\"XM\":[1]}", DGP_REASON_MALFORMED,
	     "nested object or array, a record must be flat at byte 6"},
	    {"{\"XM\":\"a\",\"xm\":\"b\"}", DGP_REASON_MALFORMED,
	     "duplicate key \"xm\" at byte 10"},
	    {"{\"Q\":1,\"CSRQ\":2,\"Q\":3}", DGP_REASON_MALFORMED,
	     "duplicate key \"Q\" at byte 16"},
	    {"{\"XM\":\"a\\x\"}", DGP_REASON_MALFORMED, "invalid escape sequence at byte 8"},
	    {"{\"XM\":\"\\ud83d\"}", DGP_REASON_MALFORMED,
	     "unpaired high surrogate in \\u escape at byte 7"},
	    {"{\"XM\":\"\\ude00\"}", DGP_REASON_MALFORMED,
	     "unpaired low surrogate in \\u escape at byte 7"},
	    {"{\"XM\":\"\\u12\"}", DGP_REASON_MALFORMED,
	     "invalid \\u escape, expected 4 hex digits at byte 7"},
	    {"{\"XM\":\"a\xC0\xAF\"}", DGP_REASON_CHARSET, "invalid UTF-8 in string at byte 8"},
	    {"{\"XM\":\"abc", DGP_REASON_MALFORMED, "unterminated string at byte 6"},
	    {"{\"XM\":01}", DGP_REASON_MALFORMED, "invalid number, leading zero at byte 7"},
	    {"{\"XM\":tru}", DGP_REASON_MALFORMED,
	     "invalid literal, expected true, false or null at byte 6"},
	    {"{\"XM\":\"a\tb\"}", DGP_REASON_MALFORMED,
	     "control character in string must be escaped at byte 8"},
	};
	dgp_parser_t *p = dgp_parse_new(&schema, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_eq(parse(p, cases[i].in), cases[i].r, "case %zu: %s", i, detail);
		cr_expect_str_eq(detail, cases[i].detail, "case %zu", i);
	}
	dgp_parse_destroy(p);
}

Test(parse, json_u0000_is_a_nul_byte_in_the_value_for_the_batch_to_reject)
{
	dgp_parser_t *p = dgp_parse_new(&schema, NULL);
	cr_assert_eq(parse(p, "{\"GMSFHM\":\"1\",\"XM\":\"a\\u0000b\"}"), DGP_REASON_OK, "%s",
	             detail);
	cr_assert_eq(vals[1].len, 3);
	cr_expect(memcmp(vals[1].p, "a\0b", 3) == 0);
	dgp_parse_destroy(p);
}

Test(parse, json_sql_looking_values_are_data)
{
	dgp_parser_t *p = dgp_parse_new(&schema, NULL);
	cr_assert_eq(parse(p, "{\"XM\":\"'; DROP TABLE x; --\"}"), DGP_REASON_OK);
	expect_val(1, "'; DROP TABLE x; --");
	dgp_parse_destroy(p);
}

Test(parse, csv_header_maps_columns_case_insensitively)
{
	dgp_parser_t *p = csv_parser("\xEF\xBB\xBFxm, Unknown ,gmsfhm,\"Z\"\"Q\",ZZ", 0, 0);
	cr_expect_eq(dgp_parse_csv_columns(p), 5);
	cr_expect_eq(dgp_parse_unknown_keys(p), 2);
	cr_assert_eq(parse(p, "张三,x,420106199003071238,y,\"武汉市, 洪山区\""), DGP_REASON_OK,
	             "%s", detail);
	expect_val(0, "420106199003071238");
	expect_val(1, "张三");
	expect_val(2, NULL); /* not in the header */
	expect_val(3, "武汉市, 洪山区");
	dgp_parse_destroy(p);
}

Test(parse, csv_header_errors_name_the_column)
{
	dgp_parser_t *p = dgp_parse_new(&schema, &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV});
	char err[256];
	cr_expect_eq(dgp_parse_csv_header(p, "XM,CSRQ", 7, err, sizeof(err)), DGP_ERR_CATALOG);
	cr_expect_str_eq(err, "CSV header has no column \"GMSFHM\" for key field 公民身份号码 of "
	                      "resource 101041/000001");
	cr_expect_eq(dgp_parse_csv_header(p, "GMSFHM,XM,xm", 12, err, sizeof(err)), DGP_ERR_PARSE);
	cr_expect_str_eq(err, "CSV header: column 3 \"xm\" repeats field XM");
	cr_expect_eq(dgp_parse_csv_header(p, "GMSFHM,\"XM", 10, err, sizeof(err)), DGP_ERR_PARSE);
	cr_expect_str_eq(err, "CSV header: unterminated quoted field at byte 7");
	cr_expect_eq(dgp_parse_csv_columns(p), 0);
	cr_expect_eq(parse(p, "1"), DGP_REASON_MALFORMED);
	dgp_parse_destroy(p);
}

static const dgp_field_spec_t req_fields[] = {
    {.name = "公民身份号码", .source_name = "GMSFHM", .column = "gmsfhm", .key = true},
    {.name = "户籍区划", .source_name = "HJQH", .column = "hjqh", .required = true},
    {.name = "姓名", .source_name = "XM", .column = "xm"},
};
static const dgp_schema_t req_schema = {
    .resource_code = "101001/000001",
    .table = "hjrk",
    .nfields = 3,
    .fields = req_fields,
    .nkeys = 1,
    .key_fields = key_fields,
};

Test(parse, a_header_without_a_required_column_is_refused_naming_the_unknown_ones)
{
	dgp_parser_t *p = dgp_parse_new(&req_schema, &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV});
	char err[512];
	cr_expect_eq(dgp_parse_csv_header(p, "GMSFHM,HJQHH,XM,\"BZ\"", 20, err, sizeof(err)),
	             DGP_ERR_CATALOG);
	cr_expect_str_eq(err,
	                 "CSV header has no column \"HJQH\" for required field 户籍区划 of "
	                 "resource 101001/000001; columns the catalog does not know: \"HJQHH\", "
	                 "\"BZ\"");
	cr_expect_eq(dgp_parse_csv_header(p, "GMSFH,HJQH", 10, err, sizeof(err)), DGP_ERR_CATALOG);
	cr_expect_str_eq(err,
	                 "CSV header has no column \"GMSFHM\" for key field 公民身份号码 of "
	                 "resource 101001/000001; columns the catalog does not know: \"GMSFH\"");
	cr_expect_eq(dgp_parse_csv_columns(p), 0);
	/* an optional field's column may be missing */
	cr_expect_eq(dgp_parse_csv_header(p, "hjqh,gmsfhm", 11, err, sizeof(err)), DGP_OK, "%s",
	             err);
	cr_expect_eq(dgp_parse_csv_columns(p), 2);
	dgp_parse_destroy(p);
}

Test(parse, csv_quoting_rfc4180)
{
	dgp_parser_t *p = csv_parser("GMSFHM,XM,CSRQ,ZZ", 0, 0);
	const char *s = "\"1\",\"a \"\"b\"\" c\",,\"\"";
	size_t len = strlen(s);
	char *in = dgp_arena_memdup(arena, s, len);
	cr_assert_eq(dgp_parse_record(p, in, len, arena, vals, detail, sizeof(detail)),
	             DGP_REASON_OK, "%s", detail);
	expect_val(0, "1");
	cr_expect_eq(vals[0].p, in + 1, "quoted field without \"\" is a slice of the input");
	expect_val(1, "a \"b\" c");
	expect_val(2, NULL); /* unquoted empty: absent */
	expect_val(3, "");   /* quoted empty: empty string */
	cr_expect_not_null(vals[3].p);

	cr_assert_eq(parse(p, "1,\"line one\nline two\r\nthree\",\"\"\"\",x"), DGP_REASON_OK, "%s",
	             detail);
	expect_val(1, "line one\nline two\r\nthree");
	expect_val(2, "\"");
	expect_val(3, "x");
	dgp_parse_destroy(p);
}

/* The unquoted scan steps four bytes at a time: every field length and position mod 4. */
Test(parse, csv_unquoted_fields_of_every_length_at_every_offset)
{
	dgp_parser_t *p = csv_parser("GMSFHM,XM,CSRQ,ZZ", 0, 0);
	static const char digits[] = "0123456789";
	for (int a = 1; a <= 9; a++)
		for (int b = 0; b <= 9; b++)
			for (int c = 0; c <= 9; c++) {
				char s[64], want[3][16];
				snprintf(want[0], sizeof(want[0]), "%.*s", a, digits);
				snprintf(want[1], sizeof(want[1]), "%.*s", b, digits);
				snprintf(want[2], sizeof(want[2]), "%.*s", c, "武汉市");
				snprintf(s, sizeof(s), "%s,%s,%s,%s", want[0], want[1], want[2],
				         want[1]);
				cr_assert_eq(parse(p, s), DGP_REASON_OK, "%s: %s", s, detail);
				expect_val(0, want[0]);
				expect_val(1, b ? want[1] : NULL);
				expect_val(2, c ? want[2] : NULL);
				expect_val(3, b ? want[1] : NULL);
			}
	/* a line break found by the four-byte steps and by the tail after them */
	cr_expect_eq(parse(p, "1,2,3,4567\n"), DGP_REASON_MALFORMED, "%s", detail);
	cr_expect_str_eq(detail, "line break outside quotes at byte 10");
	cr_expect_eq(parse(p, "1,2,3,45678\n9"), DGP_REASON_MALFORMED, "%s", detail);
	cr_expect_str_eq(detail, "line break outside quotes at byte 11");
	cr_expect_eq(parse(p, "1,2,3,4\n"), DGP_REASON_MALFORMED, "%s", detail);
	cr_expect_str_eq(detail, "line break outside quotes at byte 7");
	/* long fields: the 16-byte steps find the delimiter, the quote and the break */
	cr_assert_eq(
	    parse(p, "12345678901234567890,abcdefghijklmnopqrstuvwxyz,武汉市江岸区武汉市江岸区,x"),
	    DGP_REASON_OK, "%s", detail);
	expect_val(0, "12345678901234567890");
	expect_val(1, "abcdefghijklmnopqrstuvwxyz");
	expect_val(2, "武汉市江岸区武汉市江岸区");
	expect_val(3, "x");
	cr_expect_eq(parse(p, "1,2,3,45678901234567890123\"4"), DGP_REASON_MALFORMED, "%s", detail);
	cr_expect_str_eq(detail, "quote inside an unquoted field at byte 26");
	cr_expect_eq(parse(p, "1,2,3,4567890123456789012345\r"), DGP_REASON_MALFORMED, "%s",
	             detail);
	cr_expect_str_eq(detail, "line break outside quotes at byte 28");
	dgp_parse_destroy(p);
}

/* vals are all set by a record that parses, whether the header has every field or not. */
Test(parse, csv_sets_every_value_with_or_without_a_column_per_field)
{
	static const char *const headers[] = {"GMSFHM,XM,CSRQ,ZZ", "GMSFHM,CSRQ,ZZ,extra"};
	static const char *const records[] = {"1,,2,3", "1,,3,x"};
	for (size_t h = 0; h < 2; h++) {
		dgp_parser_t *p = csv_parser(headers[h], 0, 0);
		for (size_t f = 0; f < 4; f++)
			vals[f] = (dgp_slice_t){"stale", 5};
		cr_assert_eq(parse(p, records[h]), DGP_REASON_OK, "%s", detail);
		expect_val(0, "1");
		expect_val(1, NULL);
		expect_val(2, h ? NULL : "2");
		expect_val(3, "3");
		dgp_parse_destroy(p);
	}
}

Test(parse, csv_other_delimiter_and_quote)
{
	dgp_parser_t *p = csv_parser("GMSFHM|XM|ZZ", '|', '\'');
	cr_assert_eq(parse(p, "1|'a|''b'''|\"q\""), DGP_REASON_OK, "%s", detail);
	expect_val(0, "1");
	expect_val(1, "a|'b'");
	expect_val(3, "\"q\"");
	dgp_parse_destroy(p);
}

Test(parse, csv_wrong_column_count_and_malformed)
{
	static const struct {
		const char *in;
		dgp_reason_t r;
		const char *detail;
	} cases[] = {
	    {"1,2,3", DGP_REASON_COLUMNS, "3 columns, header has 4"},
	    {"1,2,3,4,5", DGP_REASON_COLUMNS, "5 columns, header has 4"},
	    {"1,2,3,", DGP_REASON_OK, ""},
	    {"1,\"2,3,4", DGP_REASON_MALFORMED, "unterminated quoted field at byte 2"},
	    {"1,\"2\"x,3,4", DGP_REASON_MALFORMED,
	     "unexpected character after closing quote at byte 5"},
	    {"1,2\"x,3,4", DGP_REASON_MALFORMED, "quote inside an unquoted field at byte 3"},
	    {"1,2\n,3,4", DGP_REASON_MALFORMED, "line break outside quotes at byte 3"},
	    {"'; DROP TABLE x; --,2,3,4", DGP_REASON_OK, ""},
	};
	dgp_parser_t *p = csv_parser("GMSFHM,XM,CSRQ,ZZ", 0, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_eq(parse(p, cases[i].in), cases[i].r, "case %zu: %s", i, detail);
		cr_expect_str_eq(detail, cases[i].detail, "case %zu", i);
	}
	expect_val(0, "'; DROP TABLE x; --");
	dgp_parse_destroy(p);
}

Test(parse, check_text)
{
	cr_expect_eq(dgp_parse_check_text("武汉 ok", 9, detail, sizeof(detail)), DGP_REASON_OK);
	cr_expect_eq(dgp_parse_check_text("ab\0c", 4, detail, sizeof(detail)), DGP_REASON_CHARSET);
	cr_expect_str_eq(detail, "NUL byte at byte 2");
	cr_expect_eq(dgp_parse_check_text("abc\xE6\xB1", 5, detail, sizeof(detail)),
	             DGP_REASON_CHARSET);
	cr_expect_str_eq(detail, "invalid UTF-8 at byte 3");
	cr_expect_eq(dgp_parse_check_text("\xFF\0", 2, detail, sizeof(detail)), DGP_REASON_CHARSET);
	cr_expect_str_eq(detail, "invalid UTF-8 at byte 0");
}

Test(parse, json_scan_needs_no_scratch_without_backslash)
{
	dgp_json_field_t f[4];
	dgp_json_error_t err;
	cr_assert_eq(dgp_json_scan("{\"a\":\"b\"}", 9, NULL, f, 4, &err), 1);
	cr_expect_eq(f[0].offset, 1);
	cr_expect_eq(dgp_json_scan("{\"a\":1,\"b\":2}", 13, NULL, f, 1, &err), -1);
	cr_expect_str_eq(err.msg, "too many fields in record");
}

/* Unknown keys / columns: reported by name with the records carrying them;
 * strict, such a record is rejected (unknown_field). */
Test(parse, unknown_fields_are_named_and_counted_and_strict_rejects_them)
{
	dgp_parser_t *p = dgp_parse_new(&schema, NULL);
	cr_assert_eq(parse(p, "{\"GMSFHM\":\"1\",\"XMM\":\"a\",\"bz\":null}"), DGP_REASON_OK);
	cr_assert_eq(parse(p, "{\"GMSFHM\":\"2\",\"xmm\":\"b\"}"), DGP_REASON_OK);
	cr_assert_eq(parse(p, "{\"GMSFHM\":\"3\"}"), DGP_REASON_OK);
	size_t n;
	const dgp_unknown_field_t *u = dgp_parse_unknown_fields(p, &n);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(u[0].name, "XMM");
	cr_expect_eq(u[0].records, 2);
	cr_expect_str_eq(u[1].name, "bz");
	cr_expect_eq(u[1].records, 1);
	dgp_parse_destroy(p);

	p = dgp_parse_new(&schema, &(dgp_parse_opts_t){.strict_unknown = true});
	cr_expect_eq(parse(p, "{\"GMSFHM\":\"1\",\"XMM\":\"a\"}"), DGP_REASON_UNKNOWN_FIELD);
	cr_expect_str_eq(detail, "key \"XMM\" at byte 14 is not a field of the catalog (strict)");
	cr_expect_eq(parse(p, "{\"GMSFHM\":\"1\",\"XM\":\"a\"}"), DGP_REASON_OK);
	dgp_parse_destroy(p);

	/* CSV: a record counts when the unknown column holds a value */
	p = csv_parser("GMSFHM,XMM,XM", 0, 0);
	cr_expect_eq(parse(p, "1,a,b"), DGP_REASON_OK);
	cr_expect_eq(parse(p, "2,,b"), DGP_REASON_OK);
	u = dgp_parse_unknown_fields(p, &n);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(u[0].name, "XMM");
	cr_expect_eq(u[0].records, 1);
	dgp_parse_destroy(p);
	p = dgp_parse_new(&schema,
	                  &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV, .strict_unknown = true});
	char err[256];
	cr_assert_eq(dgp_parse_csv_header(p, "GMSFHM,XMM,XM", 13, err, sizeof(err)), DGP_OK);
	cr_expect_eq(parse(p, "1,a,b"), DGP_REASON_UNKNOWN_FIELD);
	cr_expect_str_eq(detail,
	                 "column 2 \"XMM\" at byte 2 is not a field of the catalog (strict)");
	cr_expect_eq(parse(p, "2,,b"), DGP_REASON_OK);
	dgp_parse_destroy(p);
}

/* "_dgp_op" is no field: it says what the record asks for, and only "delete" / "upsert". */
Test(parse, json_delete_marker_sets_the_op_and_is_no_unknown_key)
{
	dgp_parser_t *p = dgp_parse_new(&schema, &(dgp_parse_opts_t){.strict_unknown = true});
	cr_assert_eq(parse(p, "{\"_dgp_op\":\"delete\",\"GMSFHM\":\"420106199003071238\"}"),
	             DGP_REASON_OK, "%s", detail);
	cr_expect_eq(dgp_parse_op(p), DGP_OP_DELETE);
	expect_val(0, "420106199003071238");
	cr_expect_eq(dgp_parse_unknown_keys(p), 0, "not counted as a field the catalog lacks");
	cr_assert_eq(parse(p, "{\"GMSFHM\":\"1\"}"), DGP_REASON_OK);
	cr_expect_eq(dgp_parse_op(p), DGP_OP_UPSERT, "the op is per record");
	cr_assert_eq(parse(p, "{\"GMSFHM\":\"1\",\"_dgp_op\":\"upsert\"}"), DGP_REASON_OK);
	cr_expect_eq(dgp_parse_op(p), DGP_OP_UPSERT);
	cr_expect_eq(parse(p, "{\"_dgp_op\":\"remove\",\"GMSFHM\":\"1\"}"), DGP_REASON_MALFORMED);
	cr_expect_str_eq(detail, "\"_dgp_op\" at byte 1 is neither \"delete\" nor \"upsert\"");
	cr_expect_eq(parse(p, "{\"_dgp_op\":\"delete\",\"_dgp_op\":\"delete\"}"),
	             DGP_REASON_MALFORMED);
	cr_expect_str_eq(detail, "duplicate key \"_dgp_op\" at byte 20");
	cr_expect_eq(parse(p, "{\"_DGP_OP\":\"delete\",\"GMSFHM\":\"1\"}"),
	             DGP_REASON_UNKNOWN_FIELD, "the marker's name is exact");
	dgp_parse_destroy(p);
}

/* A CSV header column "_dgp_op" does what the JSON key does; empty is an upsert. */
Test(parse, csv_delete_marker_column_sets_the_op_and_is_no_unknown_column)
{
	dgp_parser_t *p = dgp_parse_new(
	    &schema, &(dgp_parse_opts_t){.format = DGP_FORMAT_CSV, .strict_unknown = true});
	char err[256];
	cr_assert_eq(dgp_parse_csv_header(p, "GMSFHM,_dgp_op,XM", 17, err, sizeof(err)), DGP_OK,
	             "%s", err);
	cr_assert_eq(parse(p, "420106199003071238,delete,"), DGP_REASON_OK, "%s", detail);
	cr_expect_eq(dgp_parse_op(p), DGP_OP_DELETE);
	expect_val(0, "420106199003071238");
	cr_assert_eq(parse(p, "1,,a"), DGP_REASON_OK);
	cr_expect_eq(dgp_parse_op(p), DGP_OP_UPSERT, "the op is per record");
	cr_assert_eq(parse(p, "1,\"upsert\",a"), DGP_REASON_OK);
	cr_expect_eq(dgp_parse_op(p), DGP_OP_UPSERT);
	cr_expect_eq(parse(p, "1,drop,a"), DGP_REASON_MALFORMED);
	cr_expect_str_eq(detail,
	                 "column 2 \"_dgp_op\" at byte 2 is neither \"delete\" nor \"upsert\"");
	cr_expect_eq(dgp_parse_unknown_keys(p), 0, "not counted as a column the catalog lacks");
	cr_expect_eq(dgp_parse_csv_header(p, "GMSFHM,_dgp_op,_dgp_op", 22, err, sizeof(err)),
	             DGP_ERR_PARSE);
	cr_expect_str_eq(err, "CSV header: column 3 repeats \"_dgp_op\"");
	dgp_parse_destroy(p);
}

/* A tombstone's key: the key fields joined with 0x1F, as many parts as the schema's key. */
Test(parse, a_message_key_splits_into_the_key_fields)
{
	static const size_t two[] = {0, 2};
	dgp_schema_t s2 = schema;
	s2.nkeys = 2;
	s2.key_fields = two;
	cr_assert_eq(dgp_parse_key(&s2,
	                           "A\x1f"
	                           "20200101",
	                           10, vals, detail, sizeof(detail)),
	             DGP_REASON_OK, "%s", detail);
	expect_val(0, "A");
	expect_val(1, NULL);
	expect_val(2, "20200101");
	expect_val(3, NULL);
	cr_expect_eq(dgp_parse_key(&s2, "A", 1, vals, detail, sizeof(detail)),
	             DGP_REASON_DELETE_KEY);
	cr_expect_str_eq(detail, "key of 1 bytes has 1 part, the resource's key 2 fields");
	cr_expect_eq(dgp_parse_key(&schema,
	                           "A\x1f"
	                           "B",
	                           3, vals, detail, sizeof(detail)),
	             DGP_REASON_DELETE_KEY);
	cr_expect_str_eq(detail, "key of 3 bytes has 2 parts, the resource's key 1 field");
	cr_assert_eq(dgp_parse_key(&schema, "420106199003071238", 18, vals, detail, sizeof(detail)),
	             DGP_REASON_OK);
	expect_val(0, "420106199003071238");
}

/* Unquoted fields are scanned 8 bytes at a time: a special byte at every offset of a long field. */
Test(parse, csv_special_bytes_found_at_every_offset_of_a_long_field)
{
	dgp_parser_t *p = csv_parser("GMSFHM|XM|ZZ", '|', '\'');
	for (size_t k = 0; k < 40; k++) {
		char in[128], want[64];
		memset(want, 0, sizeof(want));
		memset(want, (int)('a' + k % 26), k);
		/* the delimiter after k bytes: field 0 is the k bytes (absent when k is 0) */
		snprintf(in, sizeof(in), "%s|汉字,\"x|z", want);
		cr_assert_eq(parse(p, in), DGP_REASON_OK, "k %zu: %s", k, detail);
		expect_val(0, k ? want : NULL);
		expect_val(1, "汉字,\"x");
		expect_val(3, "z");
		static const char *const bad[] = {"'", "\r", "\n"};
		static const char *const why[] = {"quote inside an unquoted field",
		                                  "line break outside quotes",
		                                  "line break outside quotes"};
		for (size_t b = k ? 0 : 1; b < 3; b++) { /* a quote first opens a quoted field */
			snprintf(in, sizeof(in), "%s%sbcdefghijklmnop|b|c", want, bad[b]);
			cr_assert_eq(parse(p, in), DGP_REASON_MALFORMED, "k %zu b %zu", k, b);
			char msg[96];
			snprintf(msg, sizeof(msg), "%s at byte %zu", why[b], k);
			cr_expect_str_eq(detail, msg, "k %zu b %zu", k, b);
		}
	}
	dgp_parse_destroy(p);
}

/*
 * A record without a quote, CR or LF is split from one bitmap of its
 * delimiters; one with any takes the field-by-field scan.  Both agree on
 * random records: quoting the last field (a non-empty one: its value, its
 * byte offset and every offset before it stay the same) sends a record the
 * second way.  Values of 0–40 bytes, ASCII and CJK, so fields cross the
 * 16-byte steps and the 64-bit words; the column count off by one at times;
 * an unknown column and the delete marker column, strict and not; records
 * over 4 KiB (the bitmap's limit).
 */
Test(parse, csv_bitmap_split_agrees_with_the_field_scan)
{
	static const char *const headers[] = {"GMSFHM,XM,CSRQ,ZZ", "GMSFHM,XMM,XM,_dgp_op,ZZ",
	                                      "ZZ,GMSFHM"};
	static const char *const ops[] = {"delete", "upsert", "x", ""};
	uint64_t st = 0x243F6A8885A308D3ull;
	unsigned long ok = 0, long_ones = 0;
	size_t cap = 8192;
	char *rec = malloc(cap), *quoted = malloc(cap + 2);
	for (int strict = 0; strict <= 1; strict++)
		for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
			dgp_parse_opts_t o = {.format = DGP_FORMAT_CSV, .strict_unknown = strict};
			dgp_parser_t *p = dgp_parse_new(&schema, &o);
			char err[256];
			cr_assert_eq(dgp_parse_csv_header(p, headers[h], strlen(headers[h]), err,
			                                  sizeof(err)),
			             DGP_OK, "%s", err);
			size_t ncols = 1;
			for (const char *c = headers[h]; *c; c++)
				ncols += *c == ',';
			for (int iter = 0; iter < 20000; iter++) {
				uint64_t x = test_rnd(&st);
				size_t n = ncols + (x % 8 == 0) - (x % 8 == 1), len = 0, last = 0;
				bool big = x % 200 == 7;
				for (size_t c = 0; c < n; c++) {
					if (c)
						rec[len++] = ',';
					last = len;
					uint64_t y = test_rnd(&st);
					if (strstr(headers[h], "_dgp_op") && c == 3) {
						const char *v = ops[y % 4];
						memcpy(rec + len, v, strlen(v));
						len += strlen(v);
						continue;
					}
					size_t vl = big && c == 1 ? 4100 : y % 41;
					for (size_t k = 0; k < vl && len + 3 < cap - 8; k++) {
						if ((y >> 10) & 1) {
							memcpy(rec + len, "汉", 3);
							len += 3;
							k += 2;
						} else {
							rec[len++] =
							    (char)('a' + (k + (y >> 12)) % 26);
						}
					}
				}
				long_ones += len > 4096;
				/* the same record with its last field quoted */
				memcpy(quoted, rec, last);
				quoted[last] = '"';
				memcpy(quoted + last + 1, rec + last, len - last);
				quoted[len + 1] = '"';
				bool last_empty = last == len;

				char *in = dgp_arena_memdup(arena, rec, len);
				dgp_reason_t a = dgp_parse_record(p, in, len, arena, vals, detail,
				                                  sizeof(detail));
				dgp_op_t aop = dgp_parse_op(p);
				dgp_slice_t av[4];
				memcpy(av, vals, sizeof(av));
				char adetail[256];
				snprintf(adetail, sizeof(adetail), "%s", detail);
				if (last_empty)
					continue;
				char *qin = dgp_arena_memdup(arena, quoted, len + 2);
				dgp_reason_t b = dgp_parse_record(p, qin, len + 2, arena, vals,
				                                  detail, sizeof(detail));
				cr_assert_eq(a, b, "header %zu, iteration %d: %d vs %d (%s / %s)",
				             h, iter, a, b, adetail, detail);
				cr_assert_str_eq(adetail, detail, "header %zu, iteration %d", h,
				                 iter);
				if (a != DGP_REASON_OK)
					continue;
				ok++;
				cr_assert_eq(aop, dgp_parse_op(p));
				for (int f = 0; f < 4; f++) {
					cr_assert_eq(av[f].p == NULL, vals[f].p == NULL,
					             "header %zu, iteration %d, field %d", h, iter,
					             f);
					cr_assert_eq(av[f].len, vals[f].len);
					cr_assert(av[f].len == 0 ||
					          memcmp(av[f].p, vals[f].p, av[f].len) == 0);
				}
				dgp_arena_reset(arena);
			}
			dgp_parse_destroy(p);
		}
	free(rec);
	free(quoted);
	cr_expect(ok > 40000, "%lu records parsed", ok);
	cr_expect(long_ones > 100, "%lu records over 4 KiB", long_ones);
}
