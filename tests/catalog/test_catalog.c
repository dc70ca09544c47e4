/*
 * test_catalog.c — the catalog model: the shipped sample validates with the
 * counts catalog/gen_sample.py printed, lookups find what the load path will
 * ask for, and every kind of validation error is reported at the right file,
 * line and column with the right message.
 *
 * Fixtures (tests/catalog/fixtures/, made by gen_fixtures.py): valid/ is a
 * small clean catalog; every other folder is valid/ with one mutation and an
 * expected.txt holding the diagnostics, one formatted line each.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dgp_catalog.h"
#include "dgp_norm.h"

#define SAMPLE   DGP_SOURCE_DIR "/catalog/sample"
#define FIXTURES DGP_SOURCE_DIR "/tests/catalog/fixtures"

static dgp_catalog_t *load_valid(const char *dir)
{
	dgp_catalog_t *cat;
	dgp_err_t err = dgp_catalog_load(dir, &cat);
	cr_assert_not_null(cat);
	if (err == DGP_OK)
		err = dgp_catalog_validate(cat);
	size_t n;
	const dgp_catalog_diag_t *d = dgp_catalog_diags(cat, &n);
	char buf[1024];
	for (size_t i = 0; i < n && i < 10; i++)
		cr_log_error("%s", dgp_catalog_diag_format(&d[i], NULL, buf, sizeof(buf)));
	cr_assert_eq(err, DGP_OK, "%s: %zu diagnostics", dir, n);
	return cat;
}

/* ---- the shipped sample */

Test(catalog_sample, validates_with_the_generated_counts)
{
	dgp_catalog_t *cat = load_valid(SAMPLE);
	dgp_catalog_summary_t s;
	dgp_catalog_summarize(cat, &s);
	/* `python3 catalog/gen_sample.py` prints these; update both together */
	cr_expect_geq(s.resources, 390);
	cr_expect_eq(s.providers, 47);
	cr_expect_eq(s.resources, 420);
	cr_expect_eq(s.fields, 4389);
	cr_expect_eq(s.by_share[DGP_SHARE_UNCONDITIONAL], 143);
	cr_expect_eq(s.by_share[DGP_SHARE_CONDITIONAL], 251);
	cr_expect_eq(s.by_share[DGP_SHARE_NONE], 26);
	cr_expect_eq(s.by_cycle[DGP_CYCLE_REALTIME], 30);
	cr_expect_eq(s.by_cycle[DGP_CYCLE_DAILY], 117);
	cr_expect_eq(s.by_cycle[DGP_CYCLE_WEEKLY], 19);
	cr_expect_eq(s.by_cycle[DGP_CYCLE_MONTHLY], 163);
	cr_expect_eq(s.by_cycle[DGP_CYCLE_QUARTERLY], 46);
	cr_expect_eq(s.by_cycle[DGP_CYCLE_HALFYEAR], 2);
	cr_expect_eq(s.by_cycle[DGP_CYCLE_YEARLY], 43);
	cr_expect_eq(s.by_library[DGP_LIB_PERSON], 34);
	cr_expect_eq(s.by_library[DGP_LIB_LEGAL_ENTITY], 14);
	cr_expect_eq(s.by_library[DGP_LIB_NONE], 372);
	cr_expect_eq(s.demands, 78);
	cr_expect_eq(s.responsibilities, 420);
	cr_expect_eq(s.negatives, 34);
	cr_expect_eq(s.base_columns, 32);
	cr_expect_eq(s.code_lists, 29);
	cr_expect_eq(s.codes, 186);
	dgp_catalog_destroy(cat);
}

Test(catalog_sample, every_provider_code_is_a_jiguan_uscc_and_every_resource_has_5_to_40_fields)
{
	dgp_catalog_t *cat = load_valid(SAMPLE);
	size_t np, nr;
	const dgp_catalog_provider_t *p = dgp_catalog_providers(cat, &np);
	for (size_t i = 0; i < np; i++)
		cr_expect(strncmp(p[i].code, "11420106", 8) == 0, "%s %s", p[i].slug, p[i].code);
	const dgp_catalog_resource_t *r = dgp_catalog_resources(cat, &nr);
	for (size_t i = 0; i < nr; i++)
		cr_expect(r[i].n_fields >= 5 && r[i].n_fields <= 40, "%s has %zu fields", r[i].code,
		          r[i].n_fields);
	dgp_catalog_destroy(cat);
}

Test(catalog_sample, lookups)
{
	dgp_catalog_t *cat = load_valid(SAMPLE);
	const dgp_catalog_resource_t *hjrk = dgp_catalog_find_resource(cat, "101001/000001");
	cr_assert_not_null(hjrk);
	cr_expect_str_eq(hjrk->name, "户籍人口信息");
	cr_expect_str_eq(hjrk->provider->slug, "gaj");
	cr_expect_str_eq(hjrk->provider->name, "武汉市武昌区公安分局");
	cr_expect_str_eq(hjrk->topic, "dept.gaj.hjrk");
	cr_expect_str_eq(hjrk->tag, "hjrk");
	cr_expect_eq(hjrk->cls, DGP_CLASS_BASE);
	cr_expect_eq(hjrk->base_library, DGP_LIB_PERSON);
	cr_expect_eq(hjrk->encoding, DGP_ENC_GBK);
	cr_expect_eq(hjrk->share_type, DGP_SHARE_CONDITIONAL);
	cr_expect_eq(hjrk->n_record_key, 1);
	cr_expect_str_eq(hjrk->record_key[0], "GMSFHM");
	cr_expect_eq(dgp_catalog_find_by_topic(cat, "dept.gaj.hjrk"), hjrk);
	cr_expect_null(dgp_catalog_find_by_topic(cat, "dept.gaj.nope"));
	cr_expect_eq(dgp_catalog_find_by_file(cat, "/data/in/gaj_hjrk_20261127.csv.gz"), hjrk);
	cr_expect_eq(dgp_catalog_find_by_file(cat, "gaj_hjrk_2026.csv"), hjrk);
	cr_expect_null(dgp_catalog_find_by_file(cat, "/data/in/gaj_hjrkx_20261127.csv"));
	cr_expect_null(dgp_catalog_find_by_file(cat, "gaj_hjrk_20261127.xlsx"));
	cr_expect_null(dgp_catalog_find_resource(cat, "101001/999999"));
	cr_expect_eq(dgp_catalog_find_provider(cat, "gaj"), hjrk->provider);

	const dgp_catalog_field_t *id = dgp_catalog_find_field(hjrk, "GMSFHM");
	cr_assert_not_null(id);
	cr_expect_str_eq(id->name, "公民身份号码");
	cr_expect_str_eq(id->rule, "idcard");
	cr_expect(id->key && id->required);
	cr_expect_eq(id->sensitivity, DGP_SENS_SENSITIVE);
	cr_expect_eq(id->mask.kind, DGP_MASK_IDCARD);
	cr_expect_eq(id->resource, hjrk);
	cr_expect(id->base_column && id->base_column->key);
	cr_expect_null(dgp_catalog_find_field(hjrk, "NOPE"));
	const dgp_catalog_field_t *hyzk = dgp_catalog_find_field(hjrk, "HYZK");
	cr_assert_not_null(hyzk);
	cr_assert_not_null(hyzk->code_list);
	cr_expect_str_eq(dgp_catalog_code_list_label(hyzk->code_list, "20"), "已婚");
	cr_expect_null(dgp_catalog_code_list_label(hyzk->code_list, "99"));
	for (size_t i = 1; i < hjrk->n_fields; i++)
		cr_expect_lt(hjrk->fields[i - 1].seq, hjrk->fields[i].seq);
	dgp_catalog_destroy(cat);
}

Test(catalog_sample, base_column_sources_in_priority_order)
{
	dgp_catalog_t *cat = load_valid(SAMPLE);
	const dgp_catalog_base_column_t *xm =
	    dgp_catalog_find_base_column(cat, DGP_LIB_PERSON, "xm");
	cr_assert_not_null(xm);
	cr_assert_gt(xm->n_sources, 10);
	cr_expect_str_eq(xm->sources[0]->resource->name, "户籍人口信息"); /* 公安户籍 first */
	for (size_t i = 0; i < xm->n_sources; i++)
		cr_expect_eq(xm->sources[i]->priority, (int)i + 1);
	const dgp_catalog_base_column_t *hyzk =
	    dgp_catalog_find_base_column(cat, DGP_LIB_PERSON, "hyzk");
	cr_expect_str_eq(hyzk->sources[0]->resource->provider->slug, "mzj"); /* 民政婚姻登记 */
	const dgp_catalog_base_column_t *mc =
	    dgp_catalog_find_base_column(cat, DGP_LIB_LEGAL_ENTITY, "mc");
	cr_expect_str_eq(mc->sources[0]->resource->name, "企业登记信息");
	cr_expect_str_eq(mc->sources[0]->resource->provider->slug, "scjgj");
	const dgp_catalog_base_column_t *key =
	    dgp_catalog_find_base_column(cat, DGP_LIB_PERSON, "gmsfhm");
	cr_expect(key->key);
	cr_expect_eq(key->n_sources, 34); /* every person resource names its 公民身份号码 */
	cr_expect_null(dgp_catalog_find_base_column(cat, DGP_LIB_LEGAL_ENTITY, "xm"));
	dgp_catalog_destroy(cat);
}

Test(catalog_sample, lists_point_at_resources)
{
	dgp_catalog_t *cat = load_valid(SAMPLE);
	size_t n;
	const dgp_catalog_negative_t *neg = dgp_catalog_negatives(cat, &n);
	for (size_t i = 0; i < n; i++)
		cr_expect_not_null(neg[i].resource, "%s", neg[i].id);
	const dgp_catalog_demand_t *dem = dgp_catalog_demands(cat, &n);
	cr_assert_gt(n, 0);
	cr_expect_str_eq(dem[0].resource->name, "户籍人口信息");
	cr_expect_str_eq(dem[0].dept->slug, "mzj");
	for (size_t i = 0; i < dem[0].fields.n; i++)
		cr_expect_not_null(dem[0].fields.fields[i]);
	dgp_catalog_destroy(cat);
}

/* ---- fixtures: one per kind of error */

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return strdup(buf);
}

static void check_fixture(const char *name)
{
	char dir[512], path[600];
	snprintf(dir, sizeof(dir), "%s/%s", FIXTURES, name);
	snprintf(path, sizeof(path), "%s/expected.txt", dir);
	char *expected = read_file(path);

	dgp_catalog_t *cat;
	dgp_err_t err = dgp_catalog_load(dir, &cat);
	err = dgp_catalog_validate(cat); /* reports load's diagnostics too */
	size_t n;
	const dgp_catalog_diag_t *d = dgp_catalog_diags(cat, &n);
	char got[1 << 16] = "";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char line[1024];
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s\n",
		                      dgp_catalog_diag_format(&d[i], NULL, line, sizeof(line)));
	}
	cr_expect_str_eq(got, expected, "fixture %s:\n--- got\n%s--- expected\n%s", name, got,
	                 expected);
	cr_expect_eq(err, *expected ? DGP_ERR_CATALOG : DGP_OK, "fixture %s", name);
	free(expected);
	dgp_catalog_destroy(cat);
}

Test(catalog_fixture, valid)
{
	check_fixture("valid");
}

/* Every broken fixture, one Test each (the folder name is the kind of error). */
#define FIXTURE_LIST(X)                                                                            \
	X(bad_code)                                                                                \
	X(recency_unknown)                                                                         \
	X(recency_not_date)                                                                        \
	X(recency_datetime)                                                                        \
	X(bad_data_type)                                                                           \
	X(bad_encoding)                                                                            \
	X(bad_file_pattern)                                                                        \
	X(bad_library)                                                                             \
	X(bad_mask)                                                                                \
	X(bad_priority)                                                                            \
	X(bad_related_code)                                                                        \
	X(bad_rule_arg_value)                                                                      \
	X(bad_seq)                                                                                 \
	X(bad_share_method)                                                                        \
	X(bad_slug)                                                                                \
	X(bad_source_name)                                                                         \
	X(bad_topic)                                                                               \
	X(bad_uscc)                                                                                \
	X(base_column_without_library)                                                             \
	X(base_list_mismatch)                                                                      \
	X(base_no_source)                                                                          \
	X(base_rule_mismatch)                                                                      \
	X(base_unknown_list)                                                                       \
	X(category_mismatch)                                                                       \
	X(class_mismatch)                                                                          \
	X(code_list_without_list)                                                                  \
	X(demand_for_none)                                                                         \
	X(detail_mismatch)                                                                         \
	X(dup_base_column)                                                                         \
	X(dup_base_in_resource)                                                                    \
	X(dup_code_in_list)                                                                        \
	X(dup_list_id)                                                                             \
	X(dup_priority)                                                                            \
	X(dup_provider_code)                                                                       \
	X(dup_resource_code)                                                                       \
	X(dup_seq)                                                                                 \
	X(dup_source_name)                                                                         \
	X(dup_topic)                                                                               \
	X(duplicate_column)                                                                        \
	X(empty_file)                                                                              \
	X(empty_list_item)                                                                         \
	X(field_count)                                                                             \
	X(fields_unknown_resource)                                                                 \
	X(invalid_date)                                                                            \
	X(invalid_enum)                                                                            \
	X(invalid_utf8)                                                                            \
	X(key_column_not_required)                                                                 \
	X(key_column_priority)                                                                     \
	X(key_not_in_record_key)                                                                   \
	X(key_not_required)                                                                        \
	X(length_required)                                                                         \
	X(list_name_mismatch)                                                                      \
	X(list_reappears)                                                                          \
	X(list_unknown_dept)                                                                       \
	X(list_unknown_field)                                                                      \
	X(list_unknown_resource)                                                                   \
	X(malformed_csv)                                                                           \
	X(missing_column)                                                                          \
	X(missing_fields_file)                                                                     \
	X(missing_file)                                                                            \
	X(multiline_record_line)                                                                   \
	X(negative_not_none)                                                                       \
	X(negative_open)                                                                           \
	X(no_fields)                                                                               \
	X(no_key_column)                                                                           \
	X(no_key_mapping)                                                                          \
	X(none_without_basis)                                                                      \
	X(none_without_negative)                                                                   \
	X(not_jiguan)                                                                              \
	X(open_none)                                                                               \
	X(open_without_condition)                                                                  \
	X(priority_missing)                                                                        \
	X(priority_without_base)                                                                   \
	X(record_key_not_key)                                                                      \
	X(record_key_unknown)                                                                      \
	X(related_self)                                                                            \
	X(related_unknown)                                                                         \
	X(required_value)                                                                          \
	X(resp_cycle_mismatch)                                                                     \
	X(resp_not_authoritative)                                                                  \
	X(resp_share_mismatch)                                                                     \
	X(resp_wrong_dept)                                                                         \
	X(rule_arg_syntax)                                                                         \
	X(rule_type_mismatch)                                                                      \
	X(sensitive_no_mask)                                                                       \
	X(share_condition_missing)                                                                 \
	X(share_method_for_none)                                                                   \
	X(spaces)                                                                                  \
	X(subcategory_mismatch)                                                                    \
	X(two_key_columns)                                                                         \
	X(unknown_base_column)                                                                     \
	X(unknown_code_list)                                                                       \
	X(unknown_column)                                                                          \
	X(unknown_folder)                                                                          \
	X(unknown_rule)                                                                            \
	X(unknown_rule_arg)                                                                        \
	X(unterminated_quote)

#define FIXTURE_TEST(name)                                                                         \
	Test(catalog_fixture, name)                                                                \
	{                                                                                          \
		check_fixture(#name);                                                              \
	}
FIXTURE_LIST(FIXTURE_TEST)

/* A fixture folder without a Test proves nothing: every folder must be listed. */
#define FIXTURE_NAME(name) #name,
static const char *const fixture_names[] = {FIXTURE_LIST(FIXTURE_NAME) "valid"};

Test(catalog_fixture, every_folder_is_tested)
{
	DIR *d = opendir(FIXTURES);
	cr_assert_not_null(d);
	size_t folders = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char path[600];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", FIXTURES, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		folders++;
		bool known = false;
		for (size_t i = 0; i < sizeof(fixture_names) / sizeof(fixture_names[0]); i++)
			known |= strcmp(fixture_names[i], e->d_name) == 0;
		cr_expect(known, "fixture folder %s has no FIXTURE() line", e->d_name);
	}
	closedir(d);
	cr_expect_eq(folders, sizeof(fixture_names) / sizeof(fixture_names[0]));
}

Test(catalog_fixture, hints_explain_the_fix)
{
	dgp_catalog_t *cat;
	dgp_err_t err = dgp_catalog_load(FIXTURES "/dup_priority", &cat);
	err = dgp_catalog_validate(cat);
	cr_assert_eq(err, DGP_ERR_CATALOG);
	size_t n;
	const dgp_catalog_diag_t *d = dgp_catalog_diags(cat, &n);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(d[0].file, "gaj/fields.csv");
	cr_expect_eq(d[0].line, 9);
	cr_expect_str_eq(d[0].column, "priority");
	cr_expect_str_eq(d[0].hint,
	                 "Give each source of a base column its own priority; 1 is the most "
	                 "authoritative.");
	char buf[512];
	cr_expect_str_eq(
	    dgp_catalog_diag_format(&d[0], "cat", buf, sizeof(buf)),
	    "cat/gaj/fields.csv:9: priority: priority 1 of base column person.xm is also "
	    "given to gaj/fields.csv:3 (101001/000001 XM)");
	dgp_catalog_destroy(cat);
}

Test(catalog, missing_directory)
{
	dgp_catalog_t *cat;
	cr_expect_eq(dgp_catalog_load("/nonexistent/catalog", &cat), DGP_ERR_CATALOG);
	cr_assert_not_null(cat);
	cr_expect_eq(dgp_catalog_validate(cat), DGP_ERR_CATALOG);
	size_t n;
	const dgp_catalog_diag_t *d = dgp_catalog_diags(cat, &n);
	cr_assert_eq(n, 1);
	char buf[512];
	cr_expect_str_eq(dgp_catalog_diag_format(&d[0], "/nonexistent/catalog", buf, sizeof(buf)),
	                 "/nonexistent/catalog: could not open catalog directory: No such file or "
	                 "directory");
	size_t nr;
	dgp_catalog_resources(cat, &nr);
	cr_expect_eq(nr, 0);
	cr_expect_null(dgp_catalog_find_resource(cat, "101001/000001"));
	cr_expect_null(dgp_catalog_find_by_topic(cat, "dept.gaj.hjrk"));
	cr_expect_null(dgp_catalog_find_code_list(cat, "HYZK"));
	dgp_catalog_destroy(cat);
}

/* The rules a field may name are the registry's rows that fit some data type. */
Test(catalog_rules, the_rule_names_of_issue_3)
{
	static const char *const names[] = {
	    "idcard",   "uscc",      "orgcode", "region",    "date", "datetime",
	    "mobile",   "phone",     "gender",  "ethnicity", "text", "person_name",
	    "org_name", "code_list", "integer", "decimal",   "money"};
	size_t n, fields = 0;
	const dgp_norm_def_t *defs = dgp_norm_defs(&n);
	for (size_t i = 0; i < n; i++)
		fields += *defs[i].data_types != '\0';
	cr_expect_eq(fields, sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const dgp_norm_def_t *d = dgp_norm_find(names[i]);
		cr_assert_not_null(d, "%s", names[i]);
		cr_expect_neq(*d->data_types, '\0', "%s", names[i]);
	}
	/* a file property (resources.csv encoding), not a field rule */
	cr_expect_str_eq(dgp_norm_find("encoding")->data_types, "");
	cr_expect_null(dgp_norm_find("IDCARD"));
	cr_expect_str_eq(dgp_norm_find("date")->data_types, "DC");
}

/* The catalog checks rule arguments with the normalisers' compiler: these are its verdicts. */
static const char *compile_err(dgp_arena_t *a, const char *rule, const char *args)
{
	static char err[256];
	const dgp_norm_rule_t *r;
	if (dgp_norm_rule_compile(rule, args, a, NULL, NULL, &r, err, sizeof(err)) == DGP_OK)
		return NULL;
	return err;
}

Test(catalog_rules, argument_checks)
{
	dgp_arena_t *a = dgp_arena_new(0);
	cr_expect_str_eq(compile_err(a, "code_list", ""),
	                 "rule code_list needs a list=NAME argument");
	cr_expect_str_eq(compile_err(a, "code_list", "list=hyzk"),
	                 "invalid value \"hyzk\" for argument list");
	cr_expect_null(compile_err(a, "integer", "range=-5..10"));
	cr_expect_str_eq(compile_err(a, "integer", "range=10..5"),
	                 "invalid value \"10..5\" for argument range");
	cr_expect_null(compile_err(a, "text", "max=200;"));
	cr_expect_str_eq(compile_err(a, "text", "max=2;max=3"), "argument max is given twice");
	cr_expect_str_eq(compile_err(a, "text", "max"), "argument \"max\" is not key=value");
	cr_expect_str_eq(compile_err(a, "text", "scale=2"),
	                 "rule text does not take argument \"scale\" (it takes: max)");
	cr_expect_null(compile_err(a, "date", "min_date=1890-01-01"));
	cr_expect_str_eq(compile_err(a, "date", "min_date=1890-02-30"),
	                 "invalid value \"1890-02-30\" for argument min_date");
	cr_expect_str_eq(compile_err(a, "date", "min_date=1900-02-29"),
	                 "invalid value \"1900-02-29\" for argument min_date");
	cr_expect_null(compile_err(a, "date", "min_date=2000-02-29"));
	cr_expect_null(compile_err(a, "uscc", "pairs=11,12,91"));
	cr_expect_str_eq(compile_err(a, "uscc", "pairs=111"),
	                 "invalid value \"111\" for argument pairs");
	dgp_arena_destroy(a);
}
