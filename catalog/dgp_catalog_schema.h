/*
 * dgp_catalog_schema.h — from a catalog resource to the record path's
 * dgp_schema_t: compiled rules, code lists, dgp_src column names and types.
 *
 * The one place that decides how a 信息项 becomes a dgp_src column, so sync
 * (which creates the tables) and load (which writes them) cannot disagree.
 */
#ifndef DGP_CATALOG_SCHEMA_H
#define DGP_CATALOG_SCHEMA_H

#include "dgp_arena.h"
#include "dgp_catalog.h"
#include "dgp_err.h"
#include "dgp_schema.h"

/*
 * dgp_catalog_schema_build — the schema of res, allocated in arena (which
 * must outlive the schema; the catalog need not).  Compiles every field's
 * rule with its arguments, resolving list= against the catalog's code
 * lists.  Returns DGP_OK, or DGP_ERR_CATALOG with errstr naming the field
 * ("gaj/fields.csv:12: rule code_list: unknown code list \"HYZK\"").
 */
dgp_err_t dgp_catalog_schema_build(const dgp_catalog_t *cat, const dgp_catalog_resource_t *res,
                                   dgp_arena_t *arena, const dgp_schema_t **out, char *errstr,
                                   size_t errstr_size) DGP_MUST_CHECK;

/* dgp_catalog_table_name — dgp_src table of res: topic without "dept.", '.' → '_' (in arena). */
const char *dgp_catalog_table_name(const dgp_catalog_resource_t *res, dgp_arena_t *arena);

/* dgp_catalog_column_name — dgp_src column of a field: its source name in lower case (in arena). */
const char *dgp_catalog_column_name(const dgp_catalog_field_t *f, dgp_arena_t *arena);

/*
 * dgp_catalog_column_type — PostgreSQL type of a column fed by rule with
 * args ("k=v;k=v", NULL or "" for none): a type whose input function takes
 * every value the rule accepts, unchanged (date → date, datetime →
 * timestamptz, integer → bigint, decimal → numeric, money →
 * numeric(18 + scale, scale): the money rule accepts at most 18 integer
 * digits and exactly scale fraction digits, so nothing is rounded or
 * overflows; everything else text).  Static string.
 */
const char *dgp_catalog_column_type(const char *rule, const char *args);

/* The type of a currency companion column: the ISO 4217 code, as PostgreSQL spells the type. */
#define DGP_CATALOG_CURRENCY_TYPE "character(3)"

/*
 * dgp_catalog_currency_column — the companion column of a money field whose
 * rule_args allow other currencies than CNY (currencies=…): "<column>_currency"
 * (in arena), holding the amount's ISO 4217 code; NULL for any other field.
 */
const char *dgp_catalog_currency_column(const dgp_catalog_field_t *f, dgp_arena_t *arena);

#endif /* DGP_CATALOG_SCHEMA_H */
