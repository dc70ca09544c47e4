/*
 * test_catalog_export.c — `dgp catalog export` without PostgreSQL: golden
 * files for CSV and JSON (both audiences) from the small fixture in
 * tests/catalog/golden/catalog, the CSV re-parsed with libcsv and compared
 * cell by cell with the JSON (jansson), the XLSX read back from its sheet
 * XML, masking rules, determinism, and the full sample's counts.
 *
 * Regenerate the golden files after an intended change with
 *   DGP_UPDATE_GOLDEN=1 build-export/tests/catalog/test_catalog_export
 * and review the diff.
 */
#include <criterion/criterion.h>
#include <csv.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dgp_catalog_export.h"

#define GOLDEN DGP_SOURCE_DIR "/tests/catalog/golden"
#define OUT    DGP_BINARY_DIR "/tests/catalog/export-out"
#define SAMPLE DGP_SOURCE_DIR "/catalog/sample"
#define TIME   1795737600 /* 2026-11-27T00:00:00Z */

static const char *const csv_files[] = {"catalog.csv", "fields.csv", "demand.csv",
                                        "responsibility.csv", "negative.csv"};
static const char *const json_keys[] = {"catalog", "fields", "demand", "responsibility",
                                        "negative"};

static dgp_catalog_t *load(const char *dir)
{
	dgp_catalog_t *cat;
	cr_assert_eq(dgp_catalog_load(dir, &cat), DGP_OK, "%s loads", dir);
	cr_assert_eq(dgp_catalog_validate(cat), DGP_OK, "%s validates", dir);
	return cat;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "open %s", path);
	char *p = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap)
			p = realloc(p, cap = 2 * cap + 8192);
		size_t got = fread(p + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

static char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f, "%s", cmd);
	char *p = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n + 4096 + 1 > cap)
			p = realloc(p, cap = 2 * cap + 8192);
		got = fread(p + n, 1, 4096, f);
		n += got;
	} while (got);
	p[n] = '\0';
	cr_assert_eq(pclose(f), 0, "%s", cmd);
	return p;
}

static dgp_export_report_t export_to(const dgp_catalog_t *cat, dgp_export_format_t fmt,
                                     dgp_export_audience_t aud, const char *dir)
{
	mkdir(DGP_BINARY_DIR "/tests", 0777);
	mkdir(DGP_BINARY_DIR "/tests/catalog", 0777);
	mkdir(OUT, 0777);
	dgp_export_opts_t o = {.format = fmt,
	                       .audience = aud,
	                       .out_dir = dir,
	                       .generated_at = TIME,
	                       .utc_offset_s = 8 * 3600,
	                       .timezone = "Asia/Shanghai"};
	dgp_export_report_t rep;
	char err[1024];
	cr_assert_eq(dgp_catalog_export(cat, &o, &rep, err, sizeof(err)), DGP_OK, "%s", err);
	return rep;
}

static void compare_golden(const char *out_dir, const char *golden_dir, const char *file)
{
	char a[1024], b[1024];
	snprintf(a, sizeof(a), "%s/%s", out_dir, file);
	snprintf(b, sizeof(b), "%s/%s", golden_dir, file);
	size_t na, nb = 0;
	char *pa = slurp(a, &na);
	if (getenv("DGP_UPDATE_GOLDEN")) {
		FILE *f = fopen(b, "wb");
		cr_assert_not_null(f);
		fwrite(pa, 1, na, f);
		fclose(f);
	}
	char *pb = slurp(b, &nb);
	cr_expect(na == nb && memcmp(pa, pb, na) == 0,
	          "%s differs from the golden %s (run: diff %s %s)", a, b, a, b);
	free(pa);
	free(pb);
}

static void golden_audience(dgp_export_audience_t aud, const char *name)
{
	dgp_catalog_t *cat = load(GOLDEN "/catalog");
	char out[512], golden[512];
	snprintf(out, sizeof(out), OUT "/%s", name);
	snprintf(golden, sizeof(golden), GOLDEN "/%s", name);
	export_to(cat, DGP_EXPORT_CSV, aud, out);
	export_to(cat, DGP_EXPORT_JSON, aud, out);
	for (size_t i = 0; i < 5; i++)
		compare_golden(out, golden, csv_files[i]);
	compare_golden(out, golden, "catalog.json");
	compare_golden(out, golden, "说明.txt");
	dgp_catalog_destroy(cat);
}

Test(catalog_export, golden_internal)
{
	golden_audience(DGP_AUDIENCE_INTERNAL, "internal");
}

Test(catalog_export, golden_external)
{
	golden_audience(DGP_AUDIENCE_EXTERNAL, "external");
}

/* ---- CSV re-parsed with libcsv equals the JSON, cell by cell */

typedef struct rows {
	char ***cells; /* rows of fields */
	size_t nrows, *ncols;
	char **cur;
	size_t ncur;
} rows_t;

static void on_field(void *s, size_t len, void *data)
{
	rows_t *r = data;
	r->cur = realloc(r->cur, (r->ncur + 1) * sizeof(*r->cur));
	r->cur[r->ncur] = strndup(s ? s : "", len);
	r->ncur++;
}

static void on_row(int c, void *data)
{
	(void)c;
	rows_t *r = data;
	r->cells = realloc(r->cells, (r->nrows + 1) * sizeof(*r->cells));
	r->ncols = realloc(r->ncols, (r->nrows + 1) * sizeof(*r->ncols));
	r->cells[r->nrows] = r->cur;
	r->ncols[r->nrows] = r->ncur;
	r->nrows++;
	r->cur = NULL;
	r->ncur = 0;
}

static rows_t parse_csv(const char *path)
{
	size_t n;
	char *p = slurp(path, &n);
	cr_assert(n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0, "%s starts with the UTF-8 BOM",
	          path);
	struct csv_parser cp;
	cr_assert_eq(csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL), 0);
	rows_t r = {0};
	cr_assert_eq(csv_parse(&cp, p + 3, n - 3, on_field, on_row, &r), n - 3, "%s: %s", path,
	             csv_strerror(csv_error(&cp)));
	cr_assert_eq(csv_fini(&cp, on_field, on_row, &r), 0);
	csv_free(&cp);
	free(p);
	return r;
}

static void free_rows(rows_t *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t k = 0; k < r->ncols[i]; k++)
			free(r->cells[i][k]);
		free(r->cells[i]);
	}
	free(r->cells);
	free(r->ncols);
}

/* A JSON value as the CSV writes it. */
static char *as_csv_text(const json_t *v)
{
	char buf[64];
	if (json_is_null(v))
		return strdup("");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.2f%%", json_real_value(v) * 100.0);
	else
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "是" : "否");
	return strdup(buf);
}

static void csv_matches_json(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/catalog.json", dir);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	cr_assert_not_null(doc, "%s:%d: %s", path, jerr.line, jerr.text);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "format")), "dgp-catalog-export/1");
	for (size_t s = 0; s < 5; s++) {
		snprintf(path, sizeof(path), "%s/%s", dir, csv_files[s]);
		rows_t r = parse_csv(path);
		json_t *arr = json_object_get(doc, json_keys[s]);
		cr_assert(json_is_array(arr), "%s", json_keys[s]);
		cr_assert_eq(r.nrows, json_array_size(arr) + 1, "%s: header + one row per element",
		             csv_files[s]);
		cr_expect_eq(json_integer_value(
		                 json_object_get(json_object_get(doc, "counts"), json_keys[s])),
		             (json_int_t)json_array_size(arr));
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *obj = json_array_get(arr, i);
			cr_assert_eq(r.ncols[i + 1], r.ncols[0]);
			cr_assert_eq(json_object_size(obj), r.ncols[0], "%s row %zu", json_keys[s],
			             i);
			const char *key;
			json_t *v;
			size_t k = 0;
			json_object_foreach(obj, key, v)
			{
				char *want = as_csv_text(v);
				cr_expect_str_eq(r.cells[i + 1][k], want, "%s row %zu column %s",
				                 csv_files[s], i + 1, key);
				free(want);
				k++;
			}
		}
		free_rows(&r);
	}
	json_decref(doc);
}

Test(catalog_export, csv_reparses_to_the_json_rows)
{
	csv_matches_json(GOLDEN "/internal");
	csv_matches_json(GOLDEN "/external");
}

Test(catalog_export, csv_quotes_per_rfc4180)
{
	rows_t r = parse_csv(GOLDEN "/internal/demand.csv");
	bool found = false;
	for (size_t i = 0; i < r.nrows; i++)
		found |= strcmp(r.cells[i][3], "企业\"法定代表人\"涉案核查, 含历史记录") == 0;
	cr_expect(found, "a value with a comma and quotes survives the round trip");
	free_rows(&r);
	char *raw = slurp(GOLDEN "/internal/demand.csv", NULL);
	cr_expect(strstr(raw, "\"企业\"\"法定代表人\"\"涉案核查, 含历史记录\"") != NULL);
	cr_expect(strstr(raw, "\r\n") != NULL, "CRLF line ends, as RFC 4180 writes them");
	free(raw);
}

/* ---- masking and the audiences */

static json_t *export_json(dgp_export_audience_t aud, const char *name)
{
	dgp_catalog_t *cat = load(GOLDEN "/catalog");
	char out[512];
	snprintf(out, sizeof(out), OUT "/%s", name);
	export_to(cat, DGP_EXPORT_JSON, aud, out);
	dgp_catalog_destroy(cat);
	strcat(out, "/catalog.json");
	json_error_t jerr;
	json_t *doc = json_load_file(out, 0, &jerr);
	cr_assert_not_null(doc, "%s", jerr.text);
	return doc;
}

static json_t *find_row(json_t *doc, const char *sheet, const char *key, const char *value)
{
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(doc, sheet), i, row)
	{
		const char *v = json_string_value(json_object_get(row, key));
		if (v && strcmp(v, value) == 0)
			return row;
	}
	return NULL;
}

static json_t *find_field(json_t *doc, const char *code, const char *source)
{
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(doc, "fields"), i, row)
	{
		if (strcmp(json_string_value(json_object_get(row, "resource_code")), code) == 0 &&
		    strcmp(json_string_value(json_object_get(row, "source_name")), source) == 0)
			return row;
	}
	return NULL;
}

Test(catalog_export, internal_keeps_everything)
{
	json_t *d = export_json(DGP_AUDIENCE_INTERNAL, "mask-internal");
	cr_expect_str_eq(json_string_value(json_object_get(d, "audience")), "internal");
	json_t *zdry = find_row(d, "catalog", "code", "301008/000001");
	cr_assert_not_null(zdry, "the 不予共享 resource is listed internally");
	cr_expect_str_eq(json_string_value(json_object_get(zdry, "responsible")), "刘强");
	cr_expect_not_null(find_field(d, "101001/000002", "JZDZ"));
	cr_expect_not_null(find_row(d, "negative", "id", "FM001"));
	cr_expect_not_null(find_row(d, "negative", "id", "FM002"));
	cr_expect_not_null(find_row(d, "demand", "id", "XQ003"));
	cr_expect_str_eq(
	    json_string_value(json_object_get(find_row(d, "demand", "id", "XQ004"), "fields")),
	    "姓名、居住地址");
	cr_expect_str_eq(json_string_value(json_object_get(
	                     find_row(d, "responsibility", "id", "ZR001"), "quality_owner")),
	                 "王芳");
	json_decref(d);
}

Test(catalog_export, external_drops_none_shared_and_masks_names)
{
	json_t *d = export_json(DGP_AUDIENCE_EXTERNAL, "mask-external");
	cr_expect_str_eq(json_string_value(json_object_get(d, "audience")), "external");
	/* the 不予共享 resource: not in the catalog, its fields, or any list */
	cr_expect_null(find_row(d, "catalog", "code", "301008/000001"));
	cr_expect_null(find_row(d, "fields", "resource_code", "301008/000001"));
	cr_expect_null(find_row(d, "negative", "id", "FM001"));
	cr_expect_null(find_row(d, "demand", "id", "XQ003"));
	/* the field under 不予共享 in the negative list: gone, and the lists do not name it */
	cr_expect_null(find_field(d, "101001/000002", "JZDZ"));
	cr_expect_not_null(find_field(d, "101001/000002", "XM"));
	cr_expect_null(find_row(d, "negative", "id", "FM002"));
	cr_expect_null(find_row(d, "demand", "id", "XQ005"),
	               "a demand for only hidden fields goes");
	cr_expect_str_eq(
	    json_string_value(json_object_get(find_row(d, "demand", "id", "XQ004"), "fields")),
	    "姓名");
	json_t *ldrk = find_row(d, "catalog", "code", "101001/000002");
	cr_expect_eq(json_integer_value(json_object_get(ldrk, "field_count")), 3);
	/* 不予开放 is about opening to the public, not sharing: it stays */
	cr_expect_not_null(find_row(d, "negative", "id", "FM003"));
	/* staff names by the name mask */
	cr_expect_str_eq(json_string_value(json_object_get(ldrk, "responsible")), "王*");
	cr_expect_str_eq(json_string_value(json_object_get(
	                     find_row(d, "responsibility", "id", "ZR003"), "quality_owner")),
	                 "赵*");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(d, "counts"), "catalog")),
	             4);
	json_decref(d);
}

Test(catalog_export, mask_rules)
{
	char out[128];
	dgp_mask_t m = {.kind = DGP_MASK_IDCARD};
	cr_expect_str_eq(dgp_catalog_mask_value(&m, "11010519491231002X", out, sizeof(out)),
	                 "1***************2X");
	m.kind = DGP_MASK_MOBILE;
	cr_expect_str_eq(dgp_catalog_mask_value(&m, "13800138000", out, sizeof(out)),
	                 "138****8000");
	m.kind = DGP_MASK_NAME;
	cr_expect_str_eq(dgp_catalog_mask_value(&m, "段正淳", out, sizeof(out)), "段**");
	m.kind = DGP_MASK_ADDRESS;
	cr_expect_str_eq(
	    dgp_catalog_mask_value(&m, "湖北省武汉市武昌区中南路99号1栋", out, sizeof(out)),
	    "湖北省武汉市武昌区********");
	cr_expect_str_eq(dgp_catalog_mask_value(&m, "中南路9号", out, sizeof(out)), "*****");
	m = (dgp_mask_t){.kind = DGP_MASK_KEEP, .front = 6, .end = 4};
	cr_expect_str_eq(dgp_catalog_mask_value(&m, "420106199003071238", out, sizeof(out)),
	                 "420106********1238");
	m.kind = DGP_MASK_NONE;
	cr_expect_str_eq(dgp_catalog_mask_value(&m, "公开", out, sizeof(out)), "公开");
}

/* ---- XLSX read back by unzipping its XML */

static char *unzip(const char *xlsx, const char *member)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s'", xlsx, member);
	return run(cmd);
}

/* The shared strings, in order: the text of each <si><t>…</t></si>. */
static char **shared_strings(const char *xml, size_t *n)
{
	char **s = NULL;
	*n = 0;
	for (const char *p = strstr(xml, "<si>"); p; p = strstr(p + 4, "<si>")) {
		const char *t = strstr(p, "<t");
		t = strchr(t, '>') + 1;
		const char *e = strstr(t, "</t>");
		s = realloc(s, (*n + 1) * sizeof(*s));
		s[(*n)++] = strndup(t, (size_t)(e - t));
	}
	return s;
}

/* The text of cell ref ("A1") in a sheet whose strings are shared. */
static const char *cell(const char *sheet, char **sst, size_t nsst, const char *ref)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "<c r=\"%s\"", ref);
	const char *c = strstr(sheet, pat);
	if (!c)
		return NULL;
	const char *end = strstr(c, "</c>");
	const char *v = strstr(c, "<v>");
	if (!v || v > end)
		return NULL;
	static char num[64];
	long idx = strtol(v + 3, NULL, 10);
	if (strstr(c, "t=\"s\"") && strstr(c, "t=\"s\"") < v)
		return idx >= 0 && (size_t)idx < nsst ? sst[idx] : NULL;
	snprintf(num, sizeof(num), "%.*s", (int)(strstr(v, "</v>") - v - 3), v + 3);
	return num;
}

Test(catalog_export, xlsx_sheets_headers_frozen_pane_cells)
{
	dgp_catalog_t *cat = load(GOLDEN "/catalog");
	export_to(cat, DGP_EXPORT_XLSX, DGP_AUDIENCE_INTERNAL, OUT "/xlsx");
	dgp_catalog_destroy(cat);
	const char *x = OUT "/xlsx/catalog-internal.xlsx";

	char *wb = unzip(x, "xl/workbook.xml");
	const char *names[] = {"说明", "目录", "信息项", "需求清单", "责任清单", "负面清单"};
	const char *at = wb;
	for (size_t i = 0; i < 6; i++) {
		char pat[64];
		snprintf(pat, sizeof(pat), "<sheet name=\"%s\"", names[i]);
		const char *p = strstr(at, pat);
		cr_expect_not_null(p, "sheet %s, in order", names[i]);
		if (p)
			at = p;
	}
	/* Printed as the 编制指南 templates: header row and code/name columns on every page. */
	cr_expect(strstr(wb, "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"1\">"
	                     "'目录'!$A:$B,'目录'!$1:$1</definedName>") != NULL,
	          "%s", wb);
	cr_expect(strstr(wb, "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"5\">"
	                     "'负面清单'!$A:$B,'负面清单'!$1:$1</definedName>") != NULL);
	free(wb);

	char *sx = unzip(x, "xl/sharedStrings.xml");
	size_t nsst;
	char **sst = shared_strings(sx, &nsst);
	char *about = unzip(x, "xl/worksheets/sheet1.xml");
	cr_expect_str_eq(cell(about, sst, nsst, "A1"), "标题");
	cr_expect_str_eq(cell(about, sst, nsst, "A2"), "受众");
	cr_expect_str_eq(cell(about, sst, nsst, "B2"),
	                 "内部：全部资源和信息项，人员姓名未脱敏；请勿对外提供");
	cr_expect_str_eq(cell(about, sst, nsst, "A3"), "生成时间");
	/* 2026-11-27T00:00:00Z is 08:00 in Beijing: serial 46353 + 8/24, a date-time cell */
	cr_expect(strstr(about, "<c r=\"B3\" s=\"3\"><v>46353.33333333334</v></c>") != NULL,
	          "生成时间 as a Beijing-time date cell: %s", strstr(about, "<c r=\"B3\""));
	cr_expect_str_eq(cell(about, sst, nsst, "B4"), "Asia/Shanghai（UTC+08:00）");
	cr_expect_str_eq(cell(about, sst, nsst, "B6"),
	                 "目录 5；信息项 18；需求清单 5；责任清单 3；负面清单 3");
	free(about);
	char *s1 = unzip(x, "xl/worksheets/sheet2.xml");
	cr_expect(strstr(s1, "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>") != NULL,
	          "fit to page");
	cr_expect(strstr(s1, "<pageSetup paperSize=\"8\" fitToHeight=\"0\" "
	                     "orientation=\"landscape\"/>") != NULL,
	          "目录's ~30 columns: A3 landscape, one page wide");
	char *s6 = unzip(x, "xl/worksheets/sheet6.xml"); /* a list of few columns stays on A4 */
	cr_expect(strstr(s6, "paperSize=\"9\"") != NULL, "a narrow sheet on A4");
	free(s6);
	cr_expect(strstr(s1, "<sheetView tabSelected=\"1\" workbookViewId=\"0\">") != NULL,
	          "opens on 目录");
	cr_expect(strstr(s1, "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" "
	                     "state=\"frozen\"/>") != NULL,
	          "the header row is frozen");
	cr_expect(strstr(s1, "<col min=\"1\" max=\"1\" width=") != NULL, "column widths are set");
	cr_expect_str_eq(cell(s1, sst, nsst, "A1"), "信息资源代码");
	cr_expect_str_eq(cell(s1, sst, nsst, "B1"), "信息资源名称");
	cr_expect_str_eq(cell(s1, sst, nsst, "AB1"), "更新状态");
	cr_expect_str_eq(cell(s1, sst, nsst, "A2"), "101001/000001");
	cr_expect_str_eq(cell(s1, sst, nsst, "B2"), "户籍人口信息");
	cr_expect_str_eq(cell(s1, sst, nsst, "L2"), "5", "信息项数 is a number");
	cr_expect_str_eq(cell(s1, sst, nsst, "P2"), "否");
	cr_expect_null(cell(s1, sst, nsst, "V2"), "no statistics: the 记录数 cell is blank");
	/* 发布日期 2024-01-15 is a date cell (serial 45306) in the date format */
	cr_expect(strstr(s1, "<c r=\"S2\" s=\"5\"><v>45306</v></c>") != NULL, "%s",
	          strstr(s1, "<c r=\"S2\""));
	/* 信息资源摘要 wraps (the wrap format, top-aligned) */
	cr_expect(strstr(s1, "<c r=\"I2\" s=\"2\" t=\"s\">") != NULL, "%s",
	          strstr(s1, "<c r=\"I2\""));
	cr_expect_null(cell(s1, sst, nsst, "A7"), "five resources");
	free(s1);

	char *s5 = unzip(x, "xl/worksheets/sheet6.xml");
	cr_expect(strstr(s5, "state=\"frozen\"") != NULL);
	cr_expect_str_eq(cell(s5, sst, nsst, "H1"), "法律法规或政策依据");
	cr_expect_str_eq(cell(s5, sst, nsst, "A2"), "FM001");
	cr_expect_str_eq(cell(s5, sst, nsst, "D2"), "重点人员管控信息");
	free(s5);

	char *styles = unzip(x, "xl/styles.xml");
	cr_expect(strstr(styles, "<b/>") != NULL, "the header format is bold");
	cr_expect(strstr(styles, "formatCode=\"yyyy-mm-dd\"") != NULL);
	cr_expect(strstr(styles, "formatCode=\"yyyy-mm-dd hh:mm:ss\"") != NULL);
	cr_expect(strstr(styles, "<alignment vertical=\"top\" wrapText=\"1\"/>") != NULL, "%s",
	          styles);
	free(styles);
	for (size_t i = 0; i < nsst; i++)
		free(sst[i]);
	free(sst);
	free(sx);
}

Test(catalog_export, same_input_same_bytes)
{
	dgp_catalog_t *cat = load(GOLDEN "/catalog");
	export_to(cat, DGP_EXPORT_XLSX, DGP_AUDIENCE_EXTERNAL, OUT "/det1");
	sleep(1); /* a clock inside the file would now differ */
	export_to(cat, DGP_EXPORT_XLSX, DGP_AUDIENCE_EXTERNAL, OUT "/det2");
	dgp_catalog_destroy(cat);
	size_t n1, n2;
	char *a = slurp(OUT "/det1/catalog-external.xlsx", &n1);
	char *b = slurp(OUT "/det2/catalog-external.xlsx", &n2);
	cr_expect(n1 == n2 && memcmp(a, b, n1) == 0, "two XLSX exports are byte-identical");
	free(a);
	free(b);
	char *core = unzip(OUT "/det1/catalog-external.xlsx", "docProps/core.xml");
	cr_expect(strstr(core, "2026-11-27T00:00:00Z") != NULL, "created = generated_at: %s", core);
	free(core);
}

/* ---- the shipped 420-resource sample */

Test(catalog_export, full_sample_counts, .timeout = 120)
{
	dgp_catalog_t *cat = load(SAMPLE);
	dgp_catalog_summary_t s;
	dgp_catalog_summarize(cat, &s);
	dgp_export_report_t in =
	    export_to(cat, DGP_EXPORT_CSV, DGP_AUDIENCE_INTERNAL, OUT "/sample-internal");
	cr_expect_eq(in.resources, s.resources);
	cr_expect_eq(in.fields, s.fields);
	cr_expect_eq(in.demands, s.demands);
	cr_expect_eq(in.responsibilities, s.responsibilities);
	cr_expect_eq(in.negatives, s.negatives);
	cr_expect_eq(in.dropped_resources + in.dropped_fields, 0);

	dgp_export_report_t ex =
	    export_to(cat, DGP_EXPORT_XLSX, DGP_AUDIENCE_EXTERNAL, OUT "/sample-external");
	cr_expect_eq(ex.resources, s.resources - s.by_share[DGP_SHARE_NONE]);
	cr_expect_eq(ex.dropped_resources, s.by_share[DGP_SHARE_NONE]);
	cr_expect_eq(ex.fields + ex.dropped_fields, s.fields);
	cr_expect_lt(ex.negatives, s.negatives);

	rows_t r = parse_csv(OUT "/sample-internal/catalog.csv");
	cr_expect_eq(r.nrows, s.resources + 1);
	free_rows(&r);
	r = parse_csv(OUT "/sample-internal/fields.csv");
	cr_expect_eq(r.nrows, s.fields + 1);
	free_rows(&r);

	char *s1 = unzip(OUT "/sample-external/catalog-external.xlsx", "xl/worksheets/sheet2.xml");
	char last[32];
	snprintf(last, sizeof(last), "<row r=\"%zu\"", ex.resources + 1);
	cr_expect(strstr(s1, last) != NULL, "目录 has a header and %zu rows", ex.resources);
	snprintf(last, sizeof(last), "<row r=\"%zu\"", ex.resources + 2);
	cr_expect(strstr(s1, last) == NULL);
	free(s1);
	dgp_catalog_destroy(cat);
}

/* ---- spreadsheets: formula injection and codes that must stay text */

/* The golden catalog with hostile or number-like texts in three summaries. */
static dgp_catalog_t *load_hostile(void)
{
	mkdir(DGP_BINARY_DIR "/tests", 0777);
	mkdir(DGP_BINARY_DIR "/tests/catalog", 0777);
	mkdir(OUT, 0777);
	char *ok =
	    run("rm -rf " OUT "/hostile && cp -r " GOLDEN "/catalog " OUT "/hostile && sed -i"
	        " -e "
	        "'s/户籍人口信息，记录相关业务信息。/\"=HYPERLINK(\"\"http:\\/\\/x\\/"
	        "\"\",\"\"点击\"\")\"/'"
	        " -e 's/流动人口居住登记信息，记录相关业务信息。/114201060944823000/'"
	        " " OUT "/hostile/gaj/resources.csv && sed -i"
	        " -e 's/企业登记信息，记录相关业务信息。/@SUM(1+1)/'"
	        " " OUT "/hostile/scjgj/resources.csv && echo ok");
	cr_assert_str_eq(ok, "ok\n");
	free(ok);
	return load(OUT "/hostile");
}

static const char *row_cell(const rows_t *r, const char *code, size_t col)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(r->cells[i][0], code) == 0)
			return r->cells[i][col];
	return NULL;
}

Test(catalog_export, csv_cells_a_spreadsheet_would_run_as_formulas_are_inert)
{
	dgp_catalog_t *cat = load_hostile();
	export_to(cat, DGP_EXPORT_CSV, DGP_AUDIENCE_INTERNAL, OUT "/hostile-csv");
	dgp_catalog_destroy(cat);
	rows_t r = parse_csv(OUT "/hostile-csv/catalog.csv");
	cr_expect_str_eq(row_cell(&r, "101001/000001", 8), "'=HYPERLINK(\"http://x/\",\"点击\")");
	cr_expect_str_eq(row_cell(&r, "102002/000001", 8), "'@SUM(1+1)");
	cr_expect_str_eq(row_cell(&r, "101001/000002", 8), "114201060944823000",
	                 "for programs, digits stay as they are");
	cr_expect_str_eq(row_cell(&r, "101001/000002", 7), "11420106012345671G");
	free_rows(&r);
}

Test(catalog_export, csv_for_spreadsheets_keeps_codes_as_text)
{
	dgp_catalog_t *cat = load_hostile();
	dgp_export_opts_t o = {.format = DGP_EXPORT_CSV,
	                       .audience = DGP_AUDIENCE_INTERNAL,
	                       .csv_for = DGP_CSV_FOR_SPREADSHEET,
	                       .out_dir = OUT "/hostile-sheet",
	                       .generated_at = TIME};
	char err[1024];
	cr_assert_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	dgp_catalog_destroy(cat);
	rows_t r = parse_csv(OUT "/hostile-sheet/catalog.csv");
	cr_expect_str_eq(row_cell(&r, "101001/000002", 8), "\t114201060944823000");
	cr_expect_str_eq(row_cell(&r, "101001/000002", 7), "\t11420106012345671G");
	cr_expect_str_eq(row_cell(&r, "101001/000001", 8), "'=HYPERLINK(\"http://x/\",\"点击\")",
	                 "formulas are still inert");
	cr_expect_str_eq(row_cell(&r, "101001/000002", 18), "2024-01-15", "dates stay dates");
	cr_expect_str_eq(row_cell(&r, "101001/000002", 11), "4", "numbers stay numbers");
	free_rows(&r);
}

Test(catalog_export, xlsx_writes_formula_like_text_as_strings)
{
	dgp_catalog_t *cat = load_hostile();
	export_to(cat, DGP_EXPORT_XLSX, DGP_AUDIENCE_INTERNAL, OUT "/hostile-xlsx");
	dgp_catalog_destroy(cat);
	const char *x = OUT "/hostile-xlsx/catalog-internal.xlsx";
	char *sx = unzip(x, "xl/sharedStrings.xml");
	size_t nsst;
	char **sst = shared_strings(sx, &nsst);
	char *s1 = unzip(x, "xl/worksheets/sheet2.xml");
	cr_expect_null(strstr(s1, "<f>"), "no formula in the sheet");
	cr_expect_str_eq(cell(s1, sst, nsst, "I2"), "=HYPERLINK(\"http://x/\",\"点击\")",
	                 "the text itself, as a string cell");
	cr_expect_str_eq(cell(s1, sst, nsst, "I3"), "114201060944823000", "a string, not a number");
	cr_expect(strstr(s1, "<c r=\"I3\" s=\"2\" t=\"s\">") != NULL, "a shared-string cell");
	free(s1);
	for (size_t i = 0; i < nsst; i++)
		free(sst[i]);
	free(sst);
	free(sx);
}

Test(catalog_export, out_dir_parents_are_created)
{
	dgp_catalog_t *cat = load(GOLDEN "/catalog");
	char *ok = run("rm -rf " OUT "/deep && echo ok");
	free(ok);
	export_to(cat, DGP_EXPORT_JSON, DGP_AUDIENCE_INTERNAL, OUT "/deep/a/b");
	struct stat st;
	cr_expect_eq(stat(OUT "/deep/a/b/catalog.json", &st), 0);
	FILE *f = fopen(OUT "/deep/file", "w");
	fclose(f);
	dgp_export_opts_t o = {
	    .format = DGP_EXPORT_JSON, .out_dir = OUT "/deep/file/c", .generated_at = TIME};
	char err[1024];
	cr_expect_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_ERR_IO);
	cr_expect_str_eq(err, OUT "/deep/file: cannot create directory: Not a directory");
	dgp_catalog_destroy(cat);
}

/* ---- statistics as departments read them: Chinese reject labels, Beijing time */

Test(catalog_export, reject_reasons_in_chinese_times_in_beijing_time_none_for_outsiders)
{
	dgp_catalog_t *cat = load(GOLDEN "/catalog");
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	/* What dgp_catalog_status_query would have read (no PostgreSQL in this tier). */
	dgp_status_resource_t *r =
	    (dgp_status_resource_t *)dgp_catalog_status_find(st, "101001/000001");
	cr_assert_not_null(r);
	static dgp_status_reject_t rejects[] = {{"format", 3}, {"too_long", 1}, {"brand_new", 2}};
	r->has_stats = true;
	r->rows = 10, r->records_read = 16, r->rejected = 6;
	r->loaded = true, r->last_load = TIME - 3600; /* 2026-11-26T23:00:00Z */
	r->rejects = rejects, r->n_rejects = 3;
	dgp_export_opts_t o = {.format = DGP_EXPORT_CSV,
	                       .audience = DGP_AUDIENCE_INTERNAL,
	                       .out_dir = OUT "/stats-internal",
	                       .generated_at = TIME,
	                       .utc_offset_s = 8 * 3600,
	                       .timezone = "Asia/Shanghai",
	                       .status = st};
	char err[1024];
	cr_assert_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	rows_t in = parse_csv(OUT "/stats-internal/catalog.csv");
	cr_expect_str_eq(in.cells[0][24], "拒收原因");
	cr_expect_str_eq(row_cell(&in, "101001/000001", 24),
	                 "格式不符 3 条；超过长度 1 条；brand_new 2 条");
	cr_expect_str_eq(row_cell(&in, "101001/000001", 25), "2026-11-27 07:00:00", "Beijing time");
	free_rows(&in);

	o.audience = DGP_AUDIENCE_EXTERNAL;
	o.out_dir = OUT "/stats-external";
	cr_assert_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	rows_t ex = parse_csv(OUT "/stats-external/catalog.csv");
	cr_expect_str_eq(ex.cells[0][23], "累计拒收记录数");
	cr_expect_str_eq(ex.cells[0][24], "最近加载时间", "no 拒收原因 column for outsiders");
	cr_expect_str_eq(row_cell(&ex, "101001/000001", 24), "2026-11-27 07:00:00");
	free_rows(&ex);
	o.format = DGP_EXPORT_XLSX;
	cr_assert_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	char *sx = unzip(OUT "/stats-external/catalog-external.xlsx", "xl/sharedStrings.xml");
	cr_expect_null(strstr(sx, "<t>拒收原因</t>"), "the external workbook has no 拒收原因");
	cr_expect_null(strstr(sx, "格式不符"));
	free(sx);
	o.format = DGP_EXPORT_JSON;
	cr_assert_eq(dgp_catalog_export(cat, &o, NULL, err, sizeof(err)), DGP_OK, "%s", err);
	char *js = slurp(OUT "/stats-external/catalog.json", NULL);
	cr_expect_null(strstr(js, "reject_reasons"));
	cr_expect(strstr(js, "\"last_load\": \"2026-11-26T23:00:00Z\"") != NULL, "JSON stays UTC");
	free(js);
	dgp_catalog_status_destroy(st);
	dgp_catalog_destroy(cat);
}
