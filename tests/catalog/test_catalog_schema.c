/*
 * test_catalog_schema.c — every resource of the shipped sample catalog
 * becomes a record-path schema: all rules compile with their arguments,
 * table and column names are unique, keys resolve.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "dgp_catalog_schema.h"

#define SAMPLE DGP_SOURCE_DIR "/catalog/sample"

Test(catalog_schema, every_sample_resource_builds)
{
	dgp_catalog_t *cat;
	cr_assert_eq(dgp_catalog_load(SAMPLE, &cat), DGP_OK);
	cr_assert_eq(dgp_catalog_validate(cat), DGP_OK);
	size_t n;
	const dgp_catalog_resource_t *res = dgp_catalog_resources(cat, &n);
	dgp_arena_t *arena = dgp_arena_new(0);
	const char **tables = dgp_arena_calloc(arena, n * sizeof(*tables));
	size_t person = 0, legal = 0, recency = 0;
	for (size_t i = 0; i < n; i++) {
		const dgp_schema_t *s;
		char err[512];
		cr_assert_eq(dgp_catalog_schema_build(cat, &res[i], arena, &s, err, sizeof(err)),
		             DGP_OK, "%s: %s", res[i].code, err);
		cr_assert_eq(s->nfields, res[i].n_fields);
		cr_assert_geq(s->nkeys, 1, "%s has a record key", res[i].code);
		for (size_t k = 0; k < s->nkeys; k++)
			cr_assert(s->fields[s->key_fields[k]].key);
		for (size_t a = 0; a < s->nfields; a++) {
			cr_assert_not_null(s->fields[a].rule);
			for (size_t b = a + 1; b < s->nfields; b++)
				cr_assert_str_neq(s->fields[a].column, s->fields[b].column,
				                  "%s: duplicate column", res[i].code);
		}
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(tables[j], s->table, "table name of %s not unique",
			                  res[i].code);
		tables[i] = s->table;
		/* the recency field's column (the sink queues golden keys on its changes) */
		if (*res[i].recency) {
			int rf =
			    dgp_schema_field_by_source(s, res[i].recency, strlen(res[i].recency));
			cr_assert_geq(rf, 0, "%s: recency %s", res[i].code, res[i].recency);
			cr_assert_str_eq(s->recency, s->fields[rf].column, "%s", res[i].code);
			recency++;
		} else {
			cr_assert_null(s->recency, "%s", res[i].code);
		}
		person += s->base == DGP_BASE_PERSON;
		legal += s->base == DGP_BASE_LEGAL_ENTITY;
	}
	cr_expect_gt(person, 0);
	cr_expect_gt(legal, 0);
	cr_expect_gt(recency, 0, "the sample has resources with a recency field");
	dgp_arena_destroy(arena);
	dgp_catalog_destroy(cat);
}

Test(catalog_schema, names_and_types)
{
	cr_expect_str_eq(dgp_catalog_column_type("date", "max_date=none;long_term=yes"), "date");
	cr_expect_str_eq(dgp_catalog_column_type("money", NULL), "numeric(20,2)");
	cr_expect_str_eq(dgp_catalog_column_type("money", "scale=2"), "numeric(20,2)");
	/* a scale=6 amount in numeric(20,2) was rounded to cents */
	cr_expect_str_eq(dgp_catalog_column_type("money", "scale=6"), "numeric(24,6)");
	cr_expect_str_eq(dgp_catalog_column_type("money", "scale=0"), "numeric(20,2)");
	cr_expect_str_eq(dgp_catalog_column_type("idcard", ""), "text");
	dgp_catalog_t *cat;
	cr_assert_eq(dgp_catalog_load(SAMPLE, &cat), DGP_OK);
	const dgp_catalog_resource_t *r = dgp_catalog_find_by_topic(cat, "dept.gaj.hjrk");
	cr_assert_not_null(r, "the sample has 公安 户籍人口 on dept.gaj.hjrk");
	dgp_arena_t *arena = dgp_arena_new(0);
	cr_expect_str_eq(dgp_catalog_table_name(r, arena), "gaj_hjrk");
	const dgp_schema_t *s;
	char err[512];
	cr_assert_eq(dgp_catalog_schema_build(cat, r, arena, &s, err, sizeof(err)), DGP_OK, "%s",
	             err);
	cr_expect_eq(s->base, DGP_BASE_PERSON);
	int gm = dgp_schema_field_by_source(s, "gmsfhm", 6);
	cr_assert_geq(gm, 0);
	cr_expect_str_eq(s->fields[gm].column, "gmsfhm");
	cr_expect_str_eq(s->fields[gm].rule->name, "idcard");
	dgp_arena_destroy(arena);
	dgp_catalog_destroy(cat);
}

/* Runs field f's compiled rule on v with today = 2026-11-27 in UTC+8. */
static dgp_reason_t apply(const dgp_field_spec_t *f, const char *v, uint32_t *flags)
{
	static const dgp_norm_ctx_t ctx = {.today = 20261127, .utc_offset_min = 480};
	char out[DGP_NORM_OUT_CAP(64)];
	dgp_norm_result_t res;
	dgp_reason_t r = dgp_norm_apply(f->rule, &ctx, v, strlen(v), out, sizeof(out), &res);
	*flags = res.flags;
	return r;
}

Test(catalog_schema, sample_date_fields_bound_the_future_per_field)
{
	dgp_catalog_t *cat;
	cr_assert_eq(dgp_catalog_load(SAMPLE, &cat), DGP_OK);
	size_t n, validity = 0, deadline = 0, business = 0, birth = 0, events = 0, money6 = 0;
	const dgp_catalog_resource_t *res = dgp_catalog_resources(cat, &n);
	dgp_arena_t *arena = dgp_arena_new(0);
	for (size_t i = 0; i < n; i++) {
		const dgp_schema_t *s;
		char err[512];
		uint32_t fl;
		cr_assert_eq(dgp_catalog_schema_build(cat, &res[i], arena, &s, err, sizeof(err)),
		             DGP_OK, "%s: %s", res[i].code, err);
		for (size_t k = 0; k < s->nfields; k++) {
			const dgp_field_spec_t *f = &s->fields[k];
			if (!strcmp(f->name, "有效期至") || !strcmp(f->name, "营业期限至")) {
				/* a still-valid licence keeps its expiry date; 长期 is a value */
				cr_expect_eq(apply(f, "2030-06-30", &fl), DGP_REASON_OK, "%s %s",
				             res[i].code, f->source_name);
				cr_expect_eq(apply(f, "长期", &fl), DGP_REASON_OK);
				cr_expect_eq(fl, DGP_NF_LONG_TERM);
				if (!strcmp(f->name, "有效期至"))
					validity++;
				else
					business++;
			} else if (!strcmp(f->name, "整改期限")) {
				cr_expect_eq(apply(f, "2027-03-31", &fl), DGP_REASON_OK);
				deadline++;
			} else if (!strcmp(f->name, "出生日期")) {
				cr_expect_eq(apply(f, "2026-11-28", &fl), DGP_REASON_FUTURE_DATE);
				cr_expect_eq(apply(f, "1849-12-31", &fl), DGP_REASON_DATE_RANGE);
				cr_expect_eq(apply(f, "1880-01-01", &fl), DGP_REASON_OK);
				cr_expect_eq(apply(f, "1900-01-01", &fl), DGP_REASON_OK);
				cr_expect_eq(fl, DGP_NF_PLACEHOLDER_DATE);
				birth++;
			} else if (!strcmp(f->rule->name, "date") ||
			           !strcmp(f->rule->name, "datetime")) {
				/* event dates: never in the future; planned ones (开工/竣工) may be
				 */
				bool planned =
				    !strcmp(f->name, "开工日期") || !strcmp(f->name, "竣工日期");
				cr_expect_eq(apply(f, "2026-11-28 00:00:00", &fl),
				             planned ? DGP_REASON_OK : DGP_REASON_FUTURE_DATE,
				             "%s %s", res[i].code, f->source_name);
				cr_expect_eq(apply(f, "2026-11-27 23:59:59", &fl), DGP_REASON_OK);
				events++;
			}
			if (!strcmp(f->rule->name, "money") && f->rule->scale == 6) {
				cr_expect_str_eq(f->pg_type, "numeric(24,6)");
				money6++;
			}
		}
	}
	/* counts of the sample (catalog/gen_sample.py) */
	cr_expect_eq(validity, 47);
	cr_expect_eq(deadline, 4);
	cr_expect_eq(business, 1);
	cr_expect_eq(birth, 146);
	cr_expect_eq(events, 337); /* other date and datetime fields */
	cr_expect_eq(money6, 58);
	dgp_arena_destroy(arena);
	dgp_catalog_destroy(cat);
}
