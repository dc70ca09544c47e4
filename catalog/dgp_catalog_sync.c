/*
 * dgp_catalog_sync.c — catalog files → PostgreSQL, in one transaction.
 *
 *   BEGIN; advisory locks: the sync's, then the golden workers' (never crosswise)
 *   mirror tables: CREATE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS,
 *                  COPY rows → temp stage → upsert where different, delete missing
 *   data tables:   read pg_attribute once; per dgp_src / dgp_base table create it,
 *                  or add missing columns, or refuse a type change
 *   golden functions: golden_source ids for the mapped (column, source) pairs;
 *                  generate; replace only when the text differs (prosrc)
 *   COMMIT
 */
#include "dgp_catalog_sync.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"
#include "dgp_catalog_schema.h"
#include "dgp_json.h"
#include "dgp_pg.h"
#include "dgp_sql.h"

typedef struct sync {
	PGconn *conn;
	const dgp_catalog_t *cat;
	dgp_arena_t *arena;
	dgp_catalog_sync_report_t *rep;
	char *errstr;
	size_t errstr_size;
	/* existing columns of dgp_src / dgp_base: "schema.table.column" → type */
	PGresult *cols;
} sync_t;

/* A step failed: classified by dgp_pg_result_err(), named by what. */
static dgp_err_t pg_fail(sync_t *s, PGresult *res, const char *what)
{
	char msg[1024];
	dgp_err_t err = dgp_pg_result_err(s->conn, res, msg, sizeof(msg));
	if (err == DGP_OK) /* a success, but not the status the step expected */
		err = dgp_errstr_set(msg, sizeof(msg), DGP_ERR_PG, "unexpected %s",
		                     PQresStatus(PQresultStatus(res)));
	return dgp_errstr_set(s->errstr, s->errstr_size, err, "%s: %s", what, msg);
}

static bool res_ok(PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN;
}

/* Run SQL without parameters; what names the step for the error message. */
static dgp_err_t exec(sync_t *s, const char *what, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	dgp_err_t err = res_ok(res) ? DGP_OK : pg_fail(s, res, what);
	PQclear(res);
	return err;
}

static const char *q(sync_t *s, const char *ident)
{
	return dgp_sql_quote_ident(s->arena, ident);
}

/* ---- mirror tables ---------------------------------------------------- */

typedef struct mcol {
	const char *name, *type;
} mcol_t;

typedef struct mirror {
	const char *table;
	const mcol_t *cols;
	size_t ncols;
	size_t nkey; /* the first nkey columns are the primary key */
} mirror_t;

static void row_begin(dgp_buf_t *b, size_t *col)
{
	(void)b;
	*col = 0;
}

static void row_val(dgp_buf_t *b, size_t *col, const char *v)
{
	if ((*col)++)
		dgp_buf_append(b, "\t", 1);
	dgp_sql_copy_text(b, v, v ? strlen(v) : 0);
}

static void row_int(dgp_buf_t *b, size_t *col, long v)
{
	char n[32];
	snprintf(n, sizeof(n), "%ld", v);
	row_val(b, col, n);
}

static void row_bool(dgp_buf_t *b, size_t *col, bool v)
{
	row_val(b, col, v ? "t" : "f");
}

static void row_end(dgp_buf_t *b)
{
	dgp_buf_append(b, "\n", 1);
}

static const char *join(sync_t *s, const char *const *v, size_t n)
{
	dgp_buf_t b = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			dgp_buf_append(&b, ",", 1);
		dgp_buf_append(&b, v[i], strlen(v[i]));
	}
	const char *out = dgp_arena_memdup(s->arena, b.p ? b.p : "", b.len);
	dgp_buf_free(&b);
	return out;
}

static const char *empty_null(const char *v)
{
	return v && *v ? v : NULL;
}

/* Mirror one table: create/extend it, stage rows, apply the difference. */
static dgp_err_t mirror_apply(sync_t *s, const mirror_t *m, const dgp_buf_t *rows)
{
	dgp_arena_t *a = s->arena;
	const char *tbl = dgp_arena_sprintf(a, "dgp_catalog.%s", q(s, m->table));
	dgp_buf_t sql = {0};
	dgp_err_t err;

	dgp_buf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s (", tbl);
	for (size_t i = 0; i < m->ncols; i++)
		dgp_buf_printf(&sql, "%s %s, ", q(s, m->cols[i].name), m->cols[i].type);
	dgp_buf_printf(&sql, "PRIMARY KEY (");
	for (size_t i = 0; i < m->nkey; i++)
		dgp_buf_printf(&sql, "%s%s", i ? ", " : "", q(s, m->cols[i].name));
	dgp_buf_printf(&sql, "));");
	for (size_t i = m->nkey; i < m->ncols; i++)
		dgp_buf_printf(&sql, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s;", tbl,
		               q(s, m->cols[i].name), m->cols[i].type);
	dgp_buf_printf(&sql,
	               "DROP TABLE IF EXISTS pg_temp.dgp_stage;"
	               "CREATE TEMP TABLE dgp_stage (LIKE %s) ON COMMIT DROP;"
	               "COPY pg_temp.dgp_stage (",
	               tbl);
	for (size_t i = 0; i < m->ncols; i++)
		dgp_buf_printf(&sql, "%s%s", i ? ", " : "", q(s, m->cols[i].name));
	dgp_buf_printf(&sql, ") FROM STDIN");
	PGresult *res = PQexec(s->conn, sql.p);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		err = pg_fail(s, res, m->table);
		PQclear(res);
		dgp_buf_free(&sql);
		return err;
	}
	PQclear(res);
	if ((rows->len && PQputCopyData(s->conn, rows->p, (int)rows->len) != 1) ||
	    PQputCopyEnd(s->conn, NULL) != 1) {
		dgp_buf_free(&sql);
		char what[256];
		snprintf(what, sizeof(what), "%s: COPY", m->table);
		return dgp_pg_call_err(s->conn, what, s->errstr, s->errstr_size);
	}
	res = PQgetResult(s->conn);
	err = res_ok(res) ? DGP_OK : pg_fail(s, res, m->table);
	PQclear(res);
	while ((res = PQgetResult(s->conn)))
		PQclear(res);
	if (err != DGP_OK) {
		dgp_buf_free(&sql);
		return err;
	}

	/* Upsert rows that differ; xmax = 0 tells an insert from an update. */
	sql.len = 0;
	dgp_buf_printf(&sql,
	               "WITH up AS (INSERT INTO %s AS t SELECT * FROM pg_temp.dgp_stage "
	               "ON CONFLICT (",
	               tbl);
	for (size_t i = 0; i < m->nkey; i++)
		dgp_buf_printf(&sql, "%s%s", i ? ", " : "", q(s, m->cols[i].name));
	dgp_buf_printf(&sql, ") DO UPDATE SET ");
	for (size_t i = m->nkey; i < m->ncols; i++)
		dgp_buf_printf(&sql, "%s%s = EXCLUDED.%s", i > m->nkey ? ", " : "",
		               q(s, m->cols[i].name), q(s, m->cols[i].name));
	dgp_buf_printf(&sql, " WHERE (");
	for (size_t i = m->nkey; i < m->ncols; i++)
		dgp_buf_printf(&sql, "%st.%s", i > m->nkey ? ", " : "", q(s, m->cols[i].name));
	dgp_buf_printf(&sql, ") IS DISTINCT FROM (");
	for (size_t i = m->nkey; i < m->ncols; i++)
		dgp_buf_printf(&sql, "%sEXCLUDED.%s", i > m->nkey ? ", " : "",
		               q(s, m->cols[i].name));
	dgp_buf_printf(&sql,
	               ") RETURNING (xmax = 0) AS ins), del AS (DELETE FROM %s t WHERE NOT "
	               "EXISTS (SELECT 1 FROM pg_temp.dgp_stage g WHERE ",
	               tbl);
	for (size_t i = 0; i < m->nkey; i++)
		dgp_buf_printf(&sql, "%sg.%s = t.%s", i ? " AND " : "", q(s, m->cols[i].name),
		               q(s, m->cols[i].name));
	dgp_buf_printf(&sql, ") RETURNING 1) SELECT (SELECT count(*) FILTER (WHERE ins) FROM up), "
	                     "(SELECT count(*) FILTER (WHERE NOT ins) FROM up), "
	                     "(SELECT count(*) FROM del)");
	res = PQexec(s->conn, sql.p);
	dgp_buf_free(&sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		err = pg_fail(s, res, m->table);
		PQclear(res);
		return err;
	}
	s->rep->rows_inserted += strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	s->rep->rows_updated += strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	s->rep->rows_deleted += strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	PQclear(res);
	return DGP_OK;
}

#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

static dgp_err_t mirror_providers(sync_t *s)
{
	static const mcol_t cols[] = {{"code", "text"},
	                              {"name", "text"},
	                              {"short_name", "text"},
	                              {"slug", "text"},
	                              {"responsible", "text"}};
	static const mirror_t m = {"provider", cols, NCOLS(cols), 1};
	dgp_buf_t rows = {0};
	size_t n, c;
	const dgp_catalog_provider_t *p = dgp_catalog_providers(s->cat, &n);
	for (size_t i = 0; i < n; i++) {
		row_begin(&rows, &c);
		row_val(&rows, &c, p[i].code);
		row_val(&rows, &c, p[i].name);
		row_val(&rows, &c, p[i].short_name);
		row_val(&rows, &c, p[i].slug);
		row_val(&rows, &c, p[i].responsible);
		row_end(&rows);
	}
	dgp_err_t err = mirror_apply(s, &m, &rows);
	dgp_buf_free(&rows);
	return err;
}

static dgp_err_t mirror_resources(sync_t *s)
{
	static const mcol_t cols[] = {
	    {"code", "text"},
	    {"name", "text"},
	    {"class", "text"},
	    {"category", "text"},
	    {"subcategory", "text"},
	    {"detail", "text"},
	    {"summary", "text"},
	    {"format", "text"},
	    {"format_detail", "text"},
	    {"share_type", "text"},
	    {"share_condition", "text"},
	    {"share_method", "text"},
	    {"open", "boolean"},
	    {"open_condition", "text"},
	    {"update_cycle", "text"},
	    {"published", "date"},
	    {"related", "text"},
	    {"topic", "text"},
	    {"file_pattern", "text"},
	    {"encoding", "text"},
	    {"record_key", "text"},
	    {"base_library", "text"},
	    {"responsible", "text"},
	    {"provider_code", "text"},
	    {"src_table", "text"},
	    {"recency", "text"},
	};
	static const mirror_t m = {"resource", cols, NCOLS(cols), 1};
	dgp_buf_t rows = {0};
	size_t n, c;
	const dgp_catalog_resource_t *r = dgp_catalog_resources(s->cat, &n);
	for (size_t i = 0; i < n; i++) {
		row_begin(&rows, &c);
		row_val(&rows, &c, r[i].code);
		row_val(&rows, &c, r[i].name);
		row_val(&rows, &c, dgp_catalog_class_name(r[i].cls));
		row_val(&rows, &c, r[i].category);
		row_val(&rows, &c, r[i].subcategory);
		row_val(&rows, &c, empty_null(r[i].detail));
		row_val(&rows, &c, r[i].summary);
		row_val(&rows, &c, r[i].format);
		row_val(&rows, &c, empty_null(r[i].format_detail));
		row_val(&rows, &c, dgp_catalog_share_type_name(r[i].share_type));
		row_val(&rows, &c, empty_null(r[i].share_condition));
		row_val(&rows, &c, empty_null(r[i].share_method));
		row_bool(&rows, &c, r[i].open);
		row_val(&rows, &c, empty_null(r[i].open_condition));
		row_val(&rows, &c, dgp_catalog_update_cycle_name(r[i].update_cycle));
		row_val(&rows, &c, r[i].published);
		row_val(&rows, &c, empty_null(join(s, r[i].related, r[i].n_related)));
		row_val(&rows, &c, r[i].topic);
		row_val(&rows, &c, r[i].file_pattern);
		row_val(&rows, &c, dgp_catalog_encoding_name(r[i].encoding));
		row_val(&rows, &c, join(s, r[i].record_key, r[i].n_record_key));
		row_val(&rows, &c, dgp_catalog_base_library_name(r[i].base_library));
		row_val(&rows, &c, r[i].responsible);
		row_val(&rows, &c, r[i].provider ? r[i].provider->code : NULL);
		row_val(&rows, &c, dgp_catalog_table_name(&r[i], s->arena));
		row_val(&rows, &c, empty_null(r[i].recency));
		row_end(&rows);
	}
	dgp_err_t err = mirror_apply(s, &m, &rows);
	dgp_buf_free(&rows);
	return err;
}

static dgp_err_t mirror_fields(sync_t *s)
{
	static const mcol_t cols[] = {
	    {"resource_code", "text"}, {"source_name", "text"}, {"seq", "integer"},
	    {"name", "text"},          {"data_type", "text"},   {"length", "integer"},
	    {"required", "boolean"},   {"key", "boolean"},      {"rule", "text"},
	    {"rule_args", "text"},     {"sensitivity", "text"}, {"mask", "text"},
	    {"base_column", "text"},   {"priority", "integer"}, {"column_name", "text"},
	    {"column_type", "text"},
	};
	static const mirror_t m = {"field", cols, NCOLS(cols), 2};
	dgp_buf_t rows = {0};
	size_t n, c;
	const dgp_catalog_resource_t *r = dgp_catalog_resources(s->cat, &n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < r[i].n_fields; j++) {
			const dgp_catalog_field_t *f = &r[i].fields[j];
			char dt[2] = {f->data_type, 0};
			row_begin(&rows, &c);
			row_val(&rows, &c, r[i].code);
			row_val(&rows, &c, f->source_name);
			row_int(&rows, &c, f->seq);
			row_val(&rows, &c, f->name);
			row_val(&rows, &c, dt);
			if (f->length)
				row_int(&rows, &c, f->length);
			else
				row_val(&rows, &c, NULL);
			row_bool(&rows, &c, f->required);
			row_bool(&rows, &c, f->key);
			row_val(&rows, &c, f->rule);
			row_val(&rows, &c, empty_null(f->rule_args));
			row_val(&rows, &c, dgp_catalog_sensitivity_name(f->sensitivity));
			row_val(&rows, &c, empty_null(f->mask_text));
			row_val(&rows, &c, empty_null(f->base_column_name));
			if (f->priority > 0)
				row_int(&rows, &c, f->priority);
			else
				row_val(&rows, &c, NULL);
			row_val(&rows, &c, dgp_catalog_column_name(f, s->arena));
			row_val(&rows, &c, dgp_catalog_column_type(f->rule, f->rule_args));
			row_end(&rows);
		}
	}
	dgp_err_t err = mirror_apply(s, &m, &rows);
	dgp_buf_free(&rows);
	return err;
}

static dgp_err_t mirror_codelists(sync_t *s)
{
	static const mcol_t cols[] = {
	    {"list", "text"}, {"code", "text"}, {"list_name", "text"}, {"label", "text"}};
	static const mirror_t m = {"codelist", cols, NCOLS(cols), 2};
	dgp_buf_t rows = {0};
	size_t n, c;
	const dgp_catalog_code_list_t *l = dgp_catalog_code_lists(s->cat, &n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < l[i].n_codes; j++) {
			row_begin(&rows, &c);
			row_val(&rows, &c, l[i].name);
			row_val(&rows, &c, l[i].codes[j].code);
			row_val(&rows, &c, l[i].list_name);
			row_val(&rows, &c, l[i].codes[j].label);
			row_end(&rows);
		}
	}
	dgp_err_t err = mirror_apply(s, &m, &rows);
	dgp_buf_free(&rows);
	return err;
}

static dgp_err_t mirror_lists(sync_t *s)
{
	static const mcol_t dcols[] = {{"id", "text"},           {"dept", "text"},
	                               {"scenario", "text"},     {"resource_code", "text"},
	                               {"fields", "text"},       {"share_method", "text"},
	                               {"update_cycle", "text"}, {"basis", "text"},
	                               {"deadline", "text"},     {"status", "text"}};
	static const mcol_t rcols[] = {{"id", "text"},
	                               {"dept", "text"},
	                               {"resource_code", "text"},
	                               {"fields", "text"},
	                               {"source_matter", "text"},
	                               {"authoritative", "boolean"},
	                               {"update_cycle", "text"},
	                               {"quality_owner", "text"},
	                               {"share_type", "text"},
	                               {"collect_deadline", "text"}};
	static const mcol_t ncols[] = {
	    {"id", "text"},     {"dept", "text"},        {"resource_code", "text"},
	    {"fields", "text"}, {"restriction", "text"}, {"basis", "text"},
	    {"review", "text"}, {"valid_until", "text"}};
	static const mirror_t md = {"list_demand", dcols, NCOLS(dcols), 1};
	static const mirror_t mr = {"list_responsibility", rcols, NCOLS(rcols), 1};
	static const mirror_t mn = {"list_negative", ncols, NCOLS(ncols), 1};
	dgp_buf_t rows = {0};
	size_t n, c;
	dgp_err_t err;

	const dgp_catalog_demand_t *d = dgp_catalog_demands(s->cat, &n);
	for (size_t i = 0; i < n; i++) {
		row_begin(&rows, &c);
		row_val(&rows, &c, d[i].id);
		row_val(&rows, &c, d[i].dept_slug);
		row_val(&rows, &c, d[i].scenario);
		row_val(&rows, &c, d[i].resource_code);
		row_val(&rows, &c, empty_null(join(s, d[i].fields.names, d[i].fields.n)));
		row_val(&rows, &c, d[i].share_method);
		row_val(&rows, &c, dgp_catalog_update_cycle_name(d[i].update_cycle));
		row_val(&rows, &c, d[i].basis);
		row_val(&rows, &c, empty_null(d[i].deadline));
		row_val(&rows, &c, d[i].status);
		row_end(&rows);
	}
	if ((err = mirror_apply(s, &md, &rows)) != DGP_OK)
		goto out;

	rows.len = 0;
	const dgp_catalog_responsibility_t *r = dgp_catalog_responsibilities(s->cat, &n);
	for (size_t i = 0; i < n; i++) {
		row_begin(&rows, &c);
		row_val(&rows, &c, r[i].id);
		row_val(&rows, &c, r[i].dept_slug);
		row_val(&rows, &c, r[i].resource_code);
		row_val(&rows, &c, empty_null(join(s, r[i].fields.names, r[i].fields.n)));
		row_val(&rows, &c, r[i].source_matter);
		row_bool(&rows, &c, r[i].authoritative);
		row_val(&rows, &c, dgp_catalog_update_cycle_name(r[i].update_cycle));
		row_val(&rows, &c, r[i].quality_owner);
		row_val(&rows, &c, dgp_catalog_share_type_name(r[i].share_type));
		row_val(&rows, &c, empty_null(r[i].collect_deadline));
		row_end(&rows);
	}
	if ((err = mirror_apply(s, &mr, &rows)) != DGP_OK)
		goto out;

	rows.len = 0;
	const dgp_catalog_negative_t *g = dgp_catalog_negatives(s->cat, &n);
	for (size_t i = 0; i < n; i++) {
		row_begin(&rows, &c);
		row_val(&rows, &c, g[i].id);
		row_val(&rows, &c, g[i].dept_slug);
		row_val(&rows, &c, g[i].resource_code);
		row_val(&rows, &c, empty_null(join(s, g[i].fields.names, g[i].fields.n)));
		row_val(&rows, &c, g[i].no_open ? "不予开放" : "不予共享");
		row_val(&rows, &c, g[i].basis);
		row_val(&rows, &c, empty_null(g[i].review));
		row_val(&rows, &c, empty_null(g[i].valid_until));
		row_end(&rows);
	}
	err = mirror_apply(s, &mn, &rows);
out:
	dgp_buf_free(&rows);
	return err;
}

/* ---- data tables ------------------------------------------------------ */

/* Existing type of schema.table.column as format_type() prints it, or NULL. */
static const char *existing_type(const sync_t *s, const char *schema, const char *table,
                                 const char *column)
{
	for (int i = 0; i < PQntuples(s->cols); i++)
		if (strcmp(PQgetvalue(s->cols, i, 0), schema) == 0 &&
		    strcmp(PQgetvalue(s->cols, i, 1), table) == 0 &&
		    strcmp(PQgetvalue(s->cols, i, 2), column) == 0)
			return PQgetvalue(s->cols, i, 3);
	return NULL;
}

static bool table_exists(const sync_t *s, const char *schema, const char *table)
{
	for (int i = 0; i < PQntuples(s->cols); i++)
		if (strcmp(PQgetvalue(s->cols, i, 0), schema) == 0 &&
		    strcmp(PQgetvalue(s->cols, i, 1), table) == 0)
			return true;
	return false;
}

/* Our type names → format_type() spelling. */
static const char *canonical_type(const char *t)
{
	if (strcmp(t, "timestamptz") == 0)
		return "timestamp with time zone";
	return t;
}

typedef struct dcol {
	const char *name, *type;
	const char *where; /* "file:line" of the definition, for messages */
} dcol_t;

static bool in_key(const char *col, const char *const *pk, size_t npk)
{
	for (size_t i = 0; i < npk; i++)
		if (strcmp(pk[i], col) == 0)
			return true;
	return false;
}

/*
 * Create schema.table with cols (+ system columns) and primary key, or add
 * the columns it lacks; refuse a type change.  A new table starts with
 * lead_cols (may be NULL) and then its key columns, in key order, before
 * the other columns: PostgreSQL reaches a column by walking every
 * variable-width column before it, and the dedup cache's warm reads the key
 * and the content hash of every row (1M rows: 0.51 → 0.35 s with the hash
 * first instead of after 23 text columns, benchmarks/RESULTS.md), and has
 * the storage parameters storage (may be NULL: " WITH (…)").  A new table's
 * text key columns compare in byte order (COLLATE "C"): every index probe and insert
 * compares keys, and under the database's collation each comparison went
 * through strcoll (a first load's golden drain, 1M keys: 7.1 → 6.5 s,
 * benchmarks/RESULTS.md).  Equality is the same under both; only an ORDER BY
 * of the column sorts by bytes.  An existing table keeps its collation.
 */
static dgp_err_t ensure_table(sync_t *s, const char *schema, const char *table, const dcol_t *cols,
                              size_t ncols, const char *const *pk, size_t npk,
                              const char *lead_cols, const char *system_cols, const char *storage)
{
	dgp_buf_t sql = {0};
	const char *tbl = dgp_arena_sprintf(s->arena, "%s.%s", schema, q(s, table));
	dgp_err_t err = DGP_OK;
	if (!table_exists(s, schema, table)) {
		dgp_buf_printf(&sql, "CREATE TABLE %s (%s", tbl, lead_cols ? lead_cols : "");
		for (size_t k = 0; k < npk; k++)
			for (size_t i = 0; i < ncols; i++)
				if (strcmp(cols[i].name, pk[k]) == 0)
					dgp_buf_printf(
					    &sql, "%s %s%s, ", q(s, cols[i].name), cols[i].type,
					    strcmp(cols[i].type, "text") == 0 ? " COLLATE \"C\""
					                                      : "");
		for (size_t i = 0; i < ncols; i++)
			if (!in_key(cols[i].name, pk, npk))
				dgp_buf_printf(&sql, "%s %s, ", q(s, cols[i].name), cols[i].type);
		dgp_buf_printf(&sql, "%s, PRIMARY KEY (", system_cols);
		for (size_t i = 0; i < npk; i++)
			dgp_buf_printf(&sql, "%s%s", i ? ", " : "", q(s, pk[i]));
		dgp_buf_printf(&sql, "))%s", storage ? storage : "");
		s->rep->tables_created++;
		err = exec(s, table, sql.p);
		dgp_buf_free(&sql);
		return err;
	}
	for (size_t i = 0; i < ncols && err == DGP_OK; i++) {
		const char *have = existing_type(s, schema, table, cols[i].name);
		if (!have) {
			sql.len = 0;
			dgp_buf_printf(&sql, "ALTER TABLE %s ADD COLUMN %s %s", tbl,
			               q(s, cols[i].name), cols[i].type);
			s->rep->columns_added++;
			err = exec(s, table, sql.p);
		} else if (strcmp(have, canonical_type(cols[i].type)) != 0) {
			err = dgp_errstr_set(
			    s->errstr, s->errstr_size, DGP_ERR_CATALOG,
			    "%s.%s: column \"%s\" is %s in PostgreSQL but the catalog now "
			    "makes it %s (%s); dgp never rewrites loaded data, so nothing was "
			    "changed. Hint: keep the field's rule, or give the field a new "
			    "source name and migrate the old column by hand.",
			    schema, table, cols[i].name, have, cols[i].type, cols[i].where);
		}
	}
	dgp_buf_free(&sql);
	return err;
}

static const char *loc_str(sync_t *s, dgp_catalog_loc_t loc)
{
	return dgp_arena_sprintf(s->arena, "%s:%d", loc.file, loc.line);
}

static const char src_lead_cols[] = "\"_dgp_content_hash\" bigint NOT NULL, ";
/*
 * A changed row's new version stays on its page (a HOT update: no index
 * entry, one page dirtied instead of two) only where the page has room: a
 * tenth of each page is left free for it.  A 10 %-changed reload of 1M rows
 * merged its changes in about 40 % less time, the first load did not
 * measurably slow down (benchmarks/RESULTS.md).
 */
static const char src_storage[] = " WITH (fillfactor = 90)";
static const char src_system_cols[] = "\"_dgp_origin\" text NOT NULL, "
                                      "\"_dgp_loaded_at\" timestamptz NOT NULL DEFAULT now(), "
                                      "\"_dgp_updated_at\" timestamptz NOT NULL DEFAULT now()";

static const char base_system_cols[] = "\"_dgp_source_ids\" smallint[] NOT NULL DEFAULT '{}', "
                                       "\"_dgp_updated_at\" timestamptz NOT NULL DEFAULT now()";

/* The field of res feeding the key column of its base library, or NULL. */
static const dgp_catalog_field_t *base_key_field(const dgp_catalog_resource_t *res)
{
	for (size_t i = 0; i < res->n_fields; i++) {
		const dgp_catalog_base_column_t *bc = res->fields[i].base_column;
		if (bc && bc->key && bc->library == res->base_library)
			return &res->fields[i];
	}
	return NULL;
}

static dgp_err_t sync_src_table(sync_t *s, const dgp_catalog_resource_t *res)
{
	dcol_t *cols = dgp_arena_calloc(s->arena, (2 * res->n_fields + 1) * sizeof(*cols));
	const char **pk = dgp_arena_calloc(s->arena, (res->n_record_key + 1) * sizeof(*pk));
	size_t ncols = 0;
	for (size_t i = 0; i < res->n_fields; i++)
		cols[ncols++] =
		    (dcol_t){dgp_catalog_column_name(&res->fields[i], s->arena),
		             dgp_catalog_column_type(res->fields[i].rule, res->fields[i].rule_args),
		             loc_str(s, res->fields[i].loc)};
	/* a money field that allows other currencies: the code beside the amount */
	for (size_t i = 0; i < res->n_fields; i++) {
		const char *cc = dgp_catalog_currency_column(&res->fields[i], s->arena);
		if (cc)
			cols[ncols++] =
			    (dcol_t){cc, DGP_CATALOG_CURRENCY_TYPE, loc_str(s, res->fields[i].loc)};
	}
	for (size_t k = 0; k < res->n_record_key; k++) {
		const dgp_catalog_field_t *f = dgp_catalog_find_field(res, res->record_key[k]);
		if (!f)
			return dgp_errstr_set(s->errstr, s->errstr_size, DGP_ERR_CATALOG,
			                      "%s: record_key names %s, which is not a field",
			                      loc_str(s, res->loc), res->record_key[k]);
		pk[k] = dgp_catalog_column_name(f, s->arena);
	}
	const char *table = dgp_catalog_table_name(res, s->arena);
	dgp_err_t err = ensure_table(s, "dgp_src", table, cols, ncols, pk, res->n_record_key,
	                             src_lead_cols, src_system_cols, src_storage);
	if (err != DGP_OK)
		return err;
	s->rep->src_tables++;

	/* The golden functions look rows up by the base key: index it unless it leads the PK. */
	const dgp_catalog_field_t *bk =
	    res->base_library != DGP_LIB_NONE ? base_key_field(res) : NULL;
	if (bk && strcmp(dgp_catalog_column_name(bk, s->arena), pk[0]) != 0) {
		const char *idx = dgp_arena_sprintf(s->arena, "%s_dgp_base_key", table);
		PGresult *r;
		const char *params[] = {idx};
		r = PQexecParams(
		    s->conn,
		    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		    "WHERE n.nspname = 'dgp_src' AND c.relname = $1",
		    1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			err = pg_fail(s, r, table);
			PQclear(r);
			return err;
		}
		bool have = PQntuples(r) > 0;
		PQclear(r);
		if (!have) {
			const char *sql = dgp_arena_sprintf(
			    s->arena, "CREATE INDEX %s ON dgp_src.%s (%s)", q(s, idx), q(s, table),
			    q(s, dgp_catalog_column_name(bk, s->arena)));
			s->rep->indexes_created++;
			err = exec(s, table, sql);
		}
	}
	return err;
}

static const char *lib_table(dgp_base_library_t lib)
{
	return lib == DGP_LIB_PERSON ? "person" : "legal_entity";
}

static dgp_err_t sync_sources_view(sync_t *s, dgp_base_library_t lib);

static dgp_err_t sync_base_table(sync_t *s, dgp_base_library_t lib)
{
	size_t n, nc = 0, npk = 0;
	const dgp_catalog_base_column_t *bc = dgp_catalog_base_columns(s->cat, &n);
	dcol_t *cols = dgp_arena_calloc(s->arena, (n + 1) * sizeof(*cols));
	const char **pk = dgp_arena_calloc(s->arena, (n + 1) * sizeof(*pk));
	for (size_t i = 0; i < n; i++) {
		if (bc[i].library != lib)
			continue;
		cols[nc++] =
		    (dcol_t){bc[i].name, dgp_catalog_column_type(bc[i].rule, bc[i].rule_args),
		             loc_str(s, bc[i].loc)};
		if (bc[i].key)
			pk[npk++] = bc[i].name;
	}
	if (nc == 0)
		return DGP_OK;
	if (npk != 1)
		return dgp_errstr_set(s->errstr, s->errstr_size, DGP_ERR_CATALOG,
		                      "base_columns.csv: %s needs exactly one key column, has %zu",
		                      lib_table(lib), npk);
	dgp_err_t err = ensure_table(s, "dgp_base", lib_table(lib), cols, nc, pk, npk, NULL,
	                             base_system_cols, NULL);
	if (err == DGP_OK && existing_type(s, "dgp_base", lib_table(lib), "_dgp_sources")) {
		/* A golden table from before compact provenance: its JSON column is derived
		 * data, replaced by the ids; the new function recomputes every row. */
		const char *tbl = q(s, lib_table(lib));
		s->rep->columns_added++;
		err =
		    exec(s, lib_table(lib),
		         dgp_arena_sprintf(s->arena,
		                           "ALTER TABLE dgp_base.%s DROP COLUMN \"_dgp_sources\", "
		                           "ADD COLUMN \"_dgp_source_ids\" smallint[] NOT NULL "
		                           "DEFAULT '{}'",
		                           tbl));
	}
	return err == DGP_OK ? sync_sources_view(s, lib) : err;
}

/* ---- golden-record functions ---------------------------------------- */

/*
 * The provenance of a golden column is a small integer: the id of its
 * (base, base column, resource) row in dgp_catalog.golden_source.  Ids are
 * given once, in the sync that first maps the pair, and never change or get
 * reused, so a golden row's _dgp_source_ids stays readable whatever later
 * syncs do; dgp_base.<base>_with_sources renders them as JSON.
 */
static const char GOLDEN_SOURCE_SQL[] =
    "CREATE TABLE IF NOT EXISTS dgp_catalog.golden_source (id smallint PRIMARY KEY, "
    "base text NOT NULL, base_column text NOT NULL, resource_code text NOT NULL, "
    "UNIQUE (base, base_column, resource_code))";

/* ids[c][m]: the golden_source id of base column c's m-th source (bc[c].sources[m]). */
typedef int **source_ids_t;

/* text as one SQL string literal ('…', quotes doubled), in the arena */
static const char *lit(sync_t *s, const char *fmt, ...) DGP_PRINTF(2, 3);
static const char *lit(sync_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *t = dgp_arena_vsprintf(s->arena, fmt, ap);
	va_end(ap);
	dgp_buf_t b = {0};
	dgp_sql_quote_literal(&b, t);
	const char *out = dgp_arena_memdup(s->arena, b.p, b.len);
	dgp_buf_free(&b);
	return out;
}

/* res feeds lib and carries its key: a source of lib's golden rows. */
static bool feeds_lib(const dgp_catalog_resource_t *res, dgp_base_library_t lib)
{
	return res->base_library == lib && base_key_field(res);
}

/*
 * The golden_source id of each (column, source) pair of lib, adding the pairs
 * not listed yet with the next free ids; only sources that feed lib and carry
 * its key (feeds_lib) get one.
 */
static dgp_err_t golden_source_ids(sync_t *s, dgp_base_library_t lib, source_ids_t *out)
{
	size_t nb;
	const dgp_catalog_base_column_t *bc = dgp_catalog_base_columns(s->cat, &nb);
	int **ids = dgp_arena_calloc(s->arena, (nb + 1) * sizeof(*ids));
	for (size_t c = 0; c < nb; c++) {
		ids[c] = dgp_arena_calloc(s->arena, (bc[c].n_sources + 1) * sizeof(int));
		if (bc[c].library != lib || bc[c].key)
			continue;
		for (size_t m = 0; m < bc[c].n_sources; m++) {
			const dgp_catalog_resource_t *res = bc[c].sources[m]->resource;
			if (!feeds_lib(res, lib))
				continue;
			const char *p[] = {lib_table(lib), bc[c].name, res->code};
			PGresult *r = PQexecParams(
			    s->conn,
			    "WITH e AS (SELECT id FROM dgp_catalog.golden_source WHERE base = $1 "
			    "AND "
			    "base_column = $2 AND resource_code = $3), "
			    "i AS (INSERT INTO dgp_catalog.golden_source (id, base, base_column, "
			    "resource_code) SELECT coalesce(max(id), 0) + 1, $1, $2, $3 FROM "
			    "dgp_catalog.golden_source HAVING NOT EXISTS (SELECT 1 FROM e) "
			    "RETURNING id) "
			    "SELECT id FROM e UNION ALL SELECT id FROM i",
			    3, NULL, p, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
				dgp_err_t err = pg_fail(s, r, "dgp_catalog.golden_source");
				PQclear(r);
				return err;
			}
			ids[c][m] = atoi(PQgetvalue(r, 0, 0));
			PQclear(r);
		}
	}
	*out = ids;
	return DGP_OK;
}

/*
 * The ORDER BY that ranks the rows one key has in a multi-row source: the
 * catalog's recency field, latest first and NULL last, then the other record
 * key columns ascending (text in byte order, COLLATE "C").  Only data decides
 * it, never when or in which batch a row arrived.
 */
static const char *row_order(sync_t *s, const dgp_catalog_resource_t *res, const char *kc)
{
	dgp_buf_t o = {0};
	const dgp_catalog_field_t *rf =
	    *res->recency ? dgp_catalog_find_field(res, res->recency) : NULL;
	if (rf)
		dgp_buf_printf(&o, "t.%s DESC NULLS LAST",
		               q(s, dgp_catalog_column_name(rf, s->arena)));
	for (size_t k = 0; k < res->n_record_key; k++) {
		const dgp_catalog_field_t *f = dgp_catalog_find_field(res, res->record_key[k]);
		const char *col = f ? q(s, dgp_catalog_column_name(f, s->arena)) : NULL;
		if (!col || strcmp(col, kc) == 0)
			continue;
		dgp_buf_printf(&o, "%st.%s%s", o.len ? ", " : "", col,
		               strcmp(dgp_catalog_column_type(f->rule, f->rule_args), "text") == 0
		                   ? " COLLATE \"C\""
		                   : "");
	}
	const char *out = dgp_arena_memdup(s->arena, o.p ? o.p : "", o.len);
	dgp_buf_free(&o);
	return out;
}

/*
 * The LEFT JOIN of one source, alias s<alias>, on the keys: its base key
 * column kc and, under each mapped column's own name, the value it offers.
 * A source whose record key is the base key alone has at most one row per
 * key and is joined as it is, so the planner picks a hash join for a large
 * batch and index probes for a small one.  A source with several rows per
 * key offers, per column, the first non-NULL value in row_order(): a NULL in
 * one row never hides the value another row holds.
 */
static const char *source_join(sync_t *s, dgp_base_library_t lib, const dgp_catalog_resource_t *res,
                               int alias, const char *kc)
{
	const char *table = q(s, dgp_catalog_table_name(res, s->arena));
	const char *order = row_order(s, res, kc);
	if (!*order)
		return dgp_arena_sprintf(s->arena, " LEFT JOIN dgp_src.%s s%d ON s%d.%s = k.key",
		                         table, alias, alias, kc);
	size_t nb;
	const dgp_catalog_base_column_t *bc = dgp_catalog_base_columns(s->cat, &nb);
	dgp_buf_t j = {0};
	dgp_buf_printf(&j, " LEFT JOIN (SELECT t.%s", kc);
	for (size_t c = 0; c < nb; c++) {
		if (bc[c].library != lib || bc[c].key)
			continue;
		for (size_t m = 0; m < bc[c].n_sources; m++) {
			if (bc[c].sources[m]->resource != res)
				continue;
			const char *col = q(s, dgp_catalog_column_name(bc[c].sources[m], s->arena));
			dgp_buf_printf(&j,
			               ", (array_agg(t.%s ORDER BY %s) FILTER (WHERE t.%s IS "
			               "NOT NULL))[1] AS %s",
			               col, order, col, col);
		}
	}
	dgp_buf_printf(
	    &j, " FROM k JOIN dgp_src.%s t ON t.%s = k.key GROUP BY t.%s) s%d ON s%d.%s = k.key",
	    table, kc, kc, alias, alias, kc);
	const char *out = dgp_arena_memdup(s->arena, j.p, j.len);
	dgp_buf_free(&j);
	return out;
}

/*
 * The end of the statement after g (see refresh_body): write the golden rows
 * of the keys some source holds into tbl.  into_empty: tbl holds none of
 * the keys, so a plain INSERT … SELECT adds their rows — every chunk of the
 * first load of a base library, not only the first one (which is all an
 * "is tbl empty" test would catch: after it, the table is not empty).
 * Otherwise keys no source holds lose their row, existing rows are updated
 * only where their values or provenance differ (IS DISTINCT FROM) and the
 * keys tbl lacks are inserted.  Not INSERT … ON CONFLICT DO UPDATE … WHERE:
 * it locks (writes) every conflicting row before its WHERE, so an unchanged
 * key cost as much as a changed one; here it costs two index probes.  The
 * refresh lock (refresh_body) keeps other refreshes from inserting between
 * the probe and the insert.
 */
static const char *refresh_tail(sync_t *s, dgp_base_library_t lib, const char *tbl, const char *kq,
                                size_t ncol, bool into_empty)
{
	size_t nb;
	const dgp_catalog_base_column_t *bc = dgp_catalog_base_columns(s->cat, &nb);
	dgp_buf_t t = {0};
	if (!into_empty) {
		dgp_buf_printf(
		    &t,
		    ", d AS (DELETE FROM %s AS b USING g WHERE b.%s = g._dgp_key AND NOT "
		    "g._dgp_held), u AS (UPDATE %s AS b SET ",
		    tbl, kq, tbl);
		size_t c = 0;
		for (size_t i = 0; i < nb; i++)
			if (bc[i].library == lib && !bc[i].key)
				dgp_buf_printf(&t, "%s = g.c%zu, ", q(s, bc[i].name), ++c);
		dgp_buf_printf(
		    &t,
		    "\"_dgp_source_ids\" = g._dgp_source_ids, \"_dgp_updated_at\" = now() "
		    "FROM g WHERE b.%s = g._dgp_key AND g._dgp_held AND (",
		    kq);
		for (size_t i = 0; i < nb; i++)
			if (bc[i].library == lib && !bc[i].key)
				dgp_buf_printf(&t, "b.%s, ", q(s, bc[i].name));
		dgp_buf_printf(&t, "b.\"_dgp_source_ids\") IS DISTINCT FROM (");
		for (c = 1; c <= ncol; c++)
			dgp_buf_printf(&t, "g.c%zu, ", c);
		dgp_buf_printf(&t, "g._dgp_source_ids))");
	}
	dgp_buf_printf(&t, " INSERT INTO %s (%s", tbl, kq);
	for (size_t i = 0; i < nb; i++)
		if (bc[i].library == lib && !bc[i].key)
			dgp_buf_printf(&t, ", %s", q(s, bc[i].name));
	dgp_buf_printf(&t, ", \"_dgp_source_ids\", \"_dgp_updated_at\") SELECT g._dgp_key");
	for (size_t c = 1; c <= ncol; c++)
		dgp_buf_printf(&t, ", g.c%zu", c);
	dgp_buf_printf(&t, ", g._dgp_source_ids, now() FROM g WHERE g._dgp_held");
	if (!into_empty)
		dgp_buf_printf(
		    &t, " AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE x.%s = g._dgp_key)", tbl, kq);
	const char *out = lit(s, "%.*s", (int)t.len, t.p);
	dgp_buf_free(&t);
	return out;
}

/*
 * Build the body (PL/pgSQL) of dgp_base.refresh_<lib>(keys text[]).  Every
 * key's golden row is rebuilt from the sources: each column the first
 * non-NULL value in priority order (within one source, in row_order()), the
 * golden_source id of each column's source in _dgp_source_ids (ids[], from
 * golden_source_ids()); keys no source holds any more are deleted.  The
 * result depends on the rows in dgp_src only, not on the order or the
 * batches they were loaded in.
 *
 * Cost, per call: the keys are made distinct and sorted once, in byte order
 * (COLLATE "C", a cheap sort): the probes below then walk each source's key
 * index and, since a batch writes its rows in key order, its heap pages in
 * order too — in hash order consecutive probes rarely share a page (a first load's
 * drain, 1M keys: 8.2–9.0 → 7.1–7.4 s, benchmarks/RESULTS.md); one EXISTS per
 * source finds the sources that hold any of them (h[i]; an empty table
 * answers at once), and one statement joins only those to the keys —
 * unnest($1) joined, never `= ANY ($1)`, whose planning alone costs
 * seconds for 100k keys (a selectivity estimate per array element).  No
 * per-column subquery: a one-row-per-key source is a plain join; a
 * multi-row source is one grouped join.  When no key has a golden row yet
 * (one index probe per key finds that), the rows are a plain INSERT …
 * SELECT (refresh_tail).  That probe is a LATERAL … LIMIT 1 so that the keys
 * stay the outer side whatever the golden table's statistics say: as a
 * plain join, a table whose reltuples read 0 (analyzed while it held only
 * dead rows) was planned as the outer side with the keys rescanned for each
 * of its rows, O(rows × keys).  The statement is assembled
 * from fragments generated here, each guarded by its source's h[i]; no value
 * is ever part of its text (the keys are $1 of EXECUTE … USING).  An advisory
 * lock serialises refreshes of the same database, so the "no key has a row"
 * check holds until commit.
 */
static const char *refresh_body(sync_t *s, dgp_base_library_t lib, source_ids_t ids)
{
	size_t nr, nb;
	const dgp_catalog_resource_t *res = dgp_catalog_resources(s->cat, &nr);
	const dgp_catalog_base_column_t *bc = dgp_catalog_base_columns(s->cat, &nb);
	const char *tbl = dgp_arena_sprintf(s->arena, "dgp_base.%s", q(s, lib_table(lib)));
	const dgp_catalog_base_column_t *key = NULL;
	for (size_t i = 0; i < nb; i++)
		if (bc[i].library == lib && bc[i].key)
			key = &bc[i];
	if (!key)
		return NULL;

	/* Source resources: feed lib and carry its key; alias s<i> by catalog order. */
	int *alias = dgp_arena_calloc(s->arena, (nr + 1) * sizeof(int));
	const char **kc = dgp_arena_calloc(s->arena, (nr + 1) * sizeof(*kc));
	int nsrc = 0;
	for (size_t i = 0; i < nr; i++)
		if (feeds_lib(&res[i], lib)) {
			alias[i] = ++nsrc;
			kc[i] = q(s, dgp_catalog_column_name(base_key_field(&res[i]), s->arena));
		}
	if (nsrc == 0)
		return NULL;

	dgp_buf_t b = {0};
	const char *kq = q(s, key->name);
	dgp_buf_printf(
	    &b, "\nDECLARE\n  h boolean[];\n  dgp_keys text[];\nBEGIN"
	        "\n  PERFORM pg_advisory_xact_lock(hashtext('dgp golden refresh'));"
	        "\n  dgp_keys := ARRAY(SELECT DISTINCT u.k COLLATE \"C\" FROM unnest($1) AS u (k)"
	        " WHERE u.k IS NOT NULL ORDER BY 1);");
	for (size_t i = 0; i < nr; i++)
		if (alias[i]) {
			const char *t = q(s, dgp_catalog_table_name(&res[i], s->arena));
			dgp_buf_printf(&b,
			               "\n  h[%d] := EXISTS (SELECT 1 FROM dgp_src.%s) AND EXISTS "
			               "(SELECT 1 FROM unnest(dgp_keys) AS u (k) JOIN dgp_src.%s t "
			               "ON t.%s = u.k);",
			               alias[i], t, t, kc[i]);
		}

	/* g: per key, the golden columns c<n>, their source ids and whether any source holds it. */
	dgp_buf_printf(&b, "\n  EXECUTE 'WITH k AS (SELECT u.key FROM unnest($1) AS u (key)), "
	                   "g AS (SELECT k.key AS _dgp_key'");
	size_t ncol = 0;
	for (size_t i = 0; i < nb; i++) {
		if (bc[i].library != lib || bc[i].key)
			continue;
		const char *type = dgp_catalog_column_type(bc[i].rule, bc[i].rule_args);
		dgp_buf_printf(&b, "\n    || ', COALESCE(' || concat_ws(', '");
		for (size_t j = 0; j < bc[i].n_sources; j++) {
			const dgp_catalog_field_t *f = bc[i].sources[j];
			size_t ri = (size_t)(f->resource - res);
			if (ri >= nr || !alias[ri])
				continue;
			dgp_buf_printf(&b, ", CASE WHEN h[%d] THEN %s END", alias[ri],
			               lit(s, "s%d.%s::%s", alias[ri],
			                   q(s, dgp_catalog_column_name(f, s->arena)), type));
		}
		dgp_buf_printf(&b, ", %s) || ') AS c%zu'", lit(s, "NULL::%s", type), ++ncol);
	}
	/* _dgp_source_ids: per column that has a value, the id of the source it came from */
	dgp_buf_printf(&b, "\n    || ', array_remove(ARRAY[' || concat_ws(', '");
	for (size_t i = 0; i < nb; i++) {
		if (bc[i].library != lib || bc[i].key)
			continue;
		dgp_buf_printf(&b, "\n    , 'CASE WHEN false THEN NULL' || concat(''");
		for (size_t j = 0; j < bc[i].n_sources; j++) {
			const dgp_catalog_field_t *f = bc[i].sources[j];
			size_t ri = (size_t)(f->resource - res);
			if (ri >= nr || !alias[ri])
				continue;
			dgp_buf_printf(&b, ", CASE WHEN h[%d] THEN %s END", alias[ri],
			               lit(s, " WHEN s%d.%s IS NOT NULL THEN %d", alias[ri],
			                   q(s, dgp_catalog_column_name(f, s->arena)), ids[i][j]));
		}
		dgp_buf_printf(&b, ") || ' END'");
	}
	dgp_buf_printf(&b, ") || ']::smallint[], NULL) AS _dgp_source_ids, (' || concat_ws(' OR '");
	for (size_t i = 0; i < nr; i++)
		if (alias[i])
			dgp_buf_printf(&b, ", CASE WHEN h[%d] THEN %s END", alias[i],
			               lit(s, "s%d.%s IS NOT NULL", alias[i], kc[i]));
	dgp_buf_printf(&b, ", 'false') || ') AS _dgp_held FROM k'");
	for (size_t i = 0; i < nr; i++)
		if (alias[i])
			dgp_buf_printf(&b, "\n    || CASE WHEN h[%d] THEN %s ELSE '' END", alias[i],
			               lit(s, "%s", source_join(s, lib, &res[i], alias[i], kc[i])));
	dgp_buf_printf(&b,
	               "\n    || ')' || CASE WHEN EXISTS (SELECT 1 FROM unnest(dgp_keys) AS u (k) "
	               "CROSS JOIN LATERAL (SELECT 1 FROM %s AS x WHERE x.%s = u.k LIMIT 1) AS x) "
	               "THEN\n    %s\n    ELSE\n    %s\n    END",
	               tbl, kq, refresh_tail(s, lib, tbl, kq, ncol, false),
	               refresh_tail(s, lib, tbl, kq, ncol, true));
	dgp_buf_printf(&b, "\n  USING dgp_keys;\nEND;\n");
	const char *out = dgp_arena_memdup(s->arena, b.p, b.len);
	dgp_buf_free(&b);
	return out;
}

/*
 * dgp_base.<lib>_with_sources: the golden table with _dgp_source_ids
 * rendered as today's readable provenance, `_dgp_sources jsonb` (base
 * column → resource code), for people and exports.  Replaced when the
 * golden table's columns changed (a view's column list is fixed when it is
 * created).
 */
static dgp_err_t sync_sources_view(sync_t *s, dgp_base_library_t lib)
{
	const char *view = dgp_arena_sprintf(s->arena, "%s_with_sources", lib_table(lib));
	const char *p[] = {lib_table(lib), view};
	PGresult *r = PQexecParams(
	    s->conn,
	    "SELECT (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM "
	    "pg_attribute "
	    "WHERE attrelid = format('dgp_base.%I', $1::text)::regclass AND attnum > 0 AND NOT "
	    "attisdropped AND attname NOT IN ('_dgp_source_ids', '_dgp_updated_at')), "
	    "(SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
	    "WHERE attrelid = to_regclass(format('dgp_base.%I', $2::text)) AND attnum > 0)",
	    2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		dgp_err_t err = pg_fail(s, r, view);
		PQclear(r);
		return err;
	}
	const char *cols = dgp_arena_strdup(s->arena, PQgetvalue(r, 0, 0));
	const char *want = dgp_arena_sprintf(s->arena, "%s, _dgp_sources, _dgp_updated_at", cols);
	bool same = strcmp(PQgetvalue(r, 0, 1), want) == 0;
	PQclear(r);
	if (same)
		return DGP_OK;
	dgp_buf_t sel = {0};
	for (const char *c = cols; *c;) {
		size_t n = strcspn(c, ",");
		dgp_buf_printf(&sel, "b.%.*s, ", (int)n, c);
		c += n;
		c += strspn(c, ", ");
	}
	const char *sql = dgp_arena_sprintf(
	    s->arena,
	    "DROP VIEW IF EXISTS dgp_base.%s; CREATE VIEW dgp_base.%s AS SELECT %.*s"
	    "coalesce((SELECT jsonb_object_agg(gs.base_column, gs.resource_code) FROM "
	    "unnest(b.\"_dgp_source_ids\") AS u (id) JOIN dgp_catalog.golden_source gs ON gs.id = "
	    "u.id), '{}') AS _dgp_sources, b.\"_dgp_updated_at\" FROM dgp_base.%s b",
	    q(s, view), q(s, view), (int)sel.len, sel.p, q(s, lib_table(lib)));
	dgp_buf_free(&sel);
	return exec(s, view, sql);
}

/*
 * The settings of the refresh functions, as pg_proc.proconfig lists them.  A
 * chunk's keys are few against its sources' rows, but the planner's costs
 * (random reads for index pages that are in fact cached) make it hash or
 * merge a whole source table per chunk: 20k keys against 300k rows scanned
 * and hashed all 300k rows every time, as costly for an unchanged chunk as
 * for a new one.  Index probes per key keep a chunk's cost proportional to
 * its keys, whatever the size of the tables.  work_mem: the distinct keys
 * hash in memory.  jit: the statement's estimated cost passes jit_above_cost
 * for any chunk that updates, and compiling its ~35 expressions cost more
 * than the chunk's work (a 20k-key chunk of unchanged keys took 3.6 s with
 * JIT against 1.2 s for one inserting 20k rows without).
 */
static const char REFRESH_SETTINGS[] =
    "work_mem=64MB,enable_hashjoin=off,enable_mergejoin=off,jit=off";

static dgp_err_t sync_refresh_function(sync_t *s, dgp_base_library_t lib)
{
	source_ids_t ids = NULL;
	dgp_err_t err = golden_source_ids(s, lib, &ids);
	if (err != DGP_OK)
		return err;
	const char *body = refresh_body(s, lib, ids);
	if (!body)
		return DGP_OK;
	const char *fname = dgp_arena_sprintf(s->arena, "refresh_%s", lib_table(lib));
	const char *params[] = {fname};
	PGresult *r =
	    PQexecParams(s->conn,
	                 "SELECT p.prosrc, array_to_string(p.proconfig, ',') FROM pg_proc p "
	                 "JOIN pg_namespace n ON n.oid = "
	                 "p.pronamespace WHERE n.nspname = 'dgp_base' AND p.proname = $1",
	                 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		err = pg_fail(s, r, fname);
		PQclear(r);
		return err;
	}
	bool same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), body) == 0 &&
	            strcmp(PQgetvalue(r, 0, 1), REFRESH_SETTINGS) == 0;
	PQclear(r);
	if (same)
		return DGP_OK;
	/* The body holds only quoted identifiers, resource codes and ids; $dgp$ cannot occur in
	 * it.  REFRESH_SETTINGS: see there. */
	const char *sql =
	    dgp_arena_sprintf(s->arena,
	                      "CREATE OR REPLACE FUNCTION dgp_base.%s(keys text[]) RETURNS void "
	                      "LANGUAGE plpgsql SET work_mem = '64MB' SET enable_hashjoin = off "
	                      "SET enable_mergejoin = off SET jit = off AS $dgp$%s$dgp$",
	                      q(s, fname), body);
	s->rep->functions_replaced++;
	return exec(s, fname, sql);
}

/* ---- recomputing golden rows after a mapping change ------------------ */

/*
 * Record into temp table name (dropped at commit) what the golden functions
 * are generated from, one row per mapped field of a feeding resource: its
 * library, dgp_src table, record key, recency field, base column, priority
 * and column.  Taken from the mirror tables before and after they are
 * updated; resources whose rows differ are the changed sources.  Before the
 * first sync the mirror does not exist and the snapshot is empty; to_jsonb
 * reads recency from a mirror written before that column existed.
 */
static dgp_err_t golden_map_snapshot(sync_t *s, const char *name)
{
	PGresult *r = PQexec(s->conn, "SELECT to_regclass('dgp_catalog.resource') IS NOT NULL AND "
	                              "to_regclass('dgp_catalog.field') IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		dgp_err_t err = pg_fail(s, r, name);
		PQclear(r);
		return err;
	}
	bool have = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	const char *from =
	    have ? "SELECT r.code, r.base_library, r.src_table, r.record_key, "
	           "to_jsonb(r) ->> 'recency' AS recency, f.base_column, f.priority, "
	           "f.column_name FROM dgp_catalog.resource r JOIN dgp_catalog.field f ON "
	           "f.resource_code = r.code WHERE r.base_library <> 'none' AND f.base_column IS "
	           "NOT NULL"
	         : "SELECT NULL::text AS code, NULL::text AS base_library, NULL::text AS "
	           "src_table, NULL::text AS record_key, NULL::text AS recency, NULL::text AS "
	           "base_column, NULL::integer AS priority, NULL::text AS column_name WHERE false";
	return exec(s, name,
	            dgp_arena_sprintf(s->arena,
	                              "CREATE TEMP TABLE %s ON COMMIT DROP AS %s; "
	                              "ANALYZE %s",
	                              name, from, name));
}

/*
 * After refresh_<lib> was replaced, make every golden row agree with it, in
 * the sync's transaction and in one set-based call.  A key's row depends
 * only on the sources holding it, so the keys to recompute are those the
 * changed sources (their mapping, priorities, recency or record key differ
 * between the snapshots, or they were added or removed) hold in dgp_src.
 * A replaced function that no source change explains (the generator itself
 * changed, or the mirror was empty) recomputes every key the library's
 * sources or its golden table hold.
 */
static dgp_err_t recompute_golden(sync_t *s, dgp_base_library_t lib)
{
	size_t nb;
	const dgp_catalog_base_column_t *bc = dgp_catalog_base_columns(s->cat, &nb);
	const char *key = NULL;
	for (size_t i = 0; i < nb; i++)
		if (bc[i].library == lib && bc[i].key)
			key = bc[i].name;
	if (!key)
		return DGP_OK;
	const char *params[] = {dgp_catalog_base_library_name(lib), key};
	/* changed sources of lib that still have a table: its name and key column */
	PGresult *r = PQexecParams(
	    s->conn,
	    "WITH d AS ((SELECT * FROM pg_temp.dgp_map_old EXCEPT SELECT * FROM "
	    "pg_temp.dgp_map_new) "
	    "UNION ALL (SELECT * FROM pg_temp.dgp_map_new EXCEPT SELECT * FROM "
	    "pg_temp.dgp_map_old)), c AS (SELECT DISTINCT code FROM d) "
	    "SELECT DISTINCT m.src_table, m.column_name FROM (SELECT * FROM pg_temp.dgp_map_old "
	    "UNION ALL SELECT * FROM pg_temp.dgp_map_new) m JOIN c USING (code) "
	    "WHERE m.base_library = $1 AND m.base_column = $2 "
	    "AND to_regclass(format('dgp_src.%I', m.src_table)) IS NOT NULL "
	    "ORDER BY 1, 2",
	    2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		dgp_err_t err = pg_fail(s, r, "golden recompute");
		PQclear(r);
		return err;
	}
	dgp_buf_t keys = {0};
	int n = PQntuples(r);
	for (int i = 0; i < n; i++)
		dgp_buf_printf(&keys, "%sSELECT %s::text FROM dgp_src.%s", i ? " UNION " : "",
		               q(s, PQgetvalue(r, i, 1)), q(s, PQgetvalue(r, i, 0)));
	PQclear(r);
	if (n == 0) {
		/* every source of lib, and the golden table for keys none holds any more */
		size_t nr;
		const dgp_catalog_resource_t *res = dgp_catalog_resources(s->cat, &nr);
		for (size_t i = 0; i < nr; i++) {
			const dgp_catalog_field_t *bk =
			    res[i].base_library == lib ? base_key_field(&res[i]) : NULL;
			if (bk)
				dgp_buf_printf(&keys, "SELECT %s::text FROM dgp_src.%s UNION ",
				               q(s, dgp_catalog_column_name(bk, s->arena)),
				               q(s, dgp_catalog_table_name(&res[i], s->arena)));
		}
		dgp_buf_printf(&keys, "SELECT %s::text FROM dgp_base.%s", q(s, key),
		               q(s, lib_table(lib)));
		s->rep->golden_full = true;
	}
	const char *sql = dgp_arena_sprintf(
	    s->arena,
	    "WITH k AS (SELECT coalesce(array_agg(k), '{}') AS keys FROM (%.*s) u (k) WHERE k IS "
	    "NOT NULL) SELECT dgp_base.%s(k.keys), cardinality(k.keys) FROM k",
	    (int)keys.len, keys.p, q(s, dgp_arena_sprintf(s->arena, "refresh_%s", lib_table(lib))));
	dgp_buf_free(&keys);
	r = PQexec(s->conn, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		dgp_err_t err = pg_fail(s, r, "golden recompute");
		PQclear(r);
		return err;
	}
	s->rep->golden_keys += strtoul(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return DGP_OK;
}

/* ---- the whole sync -------------------------------------------------- */

static dgp_err_t sync_all(sync_t *s)
{
	dgp_err_t err;
	if ((err = exec(s, "lock",
	                "SELECT pg_advisory_xact_lock(hashtext('dgp catalog sync'));"
	                /* the golden workers' lock, before any table's: a worker takes
	                 * it first too, so the two never wait on each other crosswise */
	                "SELECT pg_advisory_xact_lock(hashtext('dgp golden refresh'));"
	                "SET LOCAL client_min_messages = warning;"
	                "CREATE SCHEMA IF NOT EXISTS dgp_catalog;"
	                "CREATE SCHEMA IF NOT EXISTS dgp_src;"
	                "CREATE SCHEMA IF NOT EXISTS dgp_base;"
	                "CREATE SCHEMA IF NOT EXISTS dgp_ops")) != DGP_OK)
		return err;
	if ((err = golden_map_snapshot(s, "dgp_map_old")) != DGP_OK)
		return err;
	if ((err = mirror_providers(s)) != DGP_OK || (err = mirror_resources(s)) != DGP_OK ||
	    (err = mirror_fields(s)) != DGP_OK || (err = mirror_codelists(s)) != DGP_OK ||
	    (err = mirror_lists(s)) != DGP_OK)
		return err;

	s->cols = PQexec(
	    s->conn, "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
	             "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
	             "JOIN pg_namespace n ON n.oid = c.relnamespace "
	             "WHERE n.nspname IN ('dgp_src', 'dgp_base') AND c.relkind IN ('r', 'p') "
	             "AND a.attnum > 0 AND NOT a.attisdropped");
	if (PQresultStatus(s->cols) != PGRES_TUPLES_OK)
		return pg_fail(s, s->cols, "columns");

	size_t n;
	const dgp_catalog_resource_t *res = dgp_catalog_resources(s->cat, &n);
	for (size_t i = 0; i < n; i++)
		if ((err = sync_src_table(s, &res[i])) != DGP_OK)
			return err;
	if ((err = golden_map_snapshot(s, "dgp_map_new")) != DGP_OK)
		return err;
	if ((err = exec(s, "dgp_catalog.golden_source", GOLDEN_SOURCE_SQL)) != DGP_OK)
		return err;
	static const dgp_base_library_t libs[] = {DGP_LIB_PERSON, DGP_LIB_LEGAL_ENTITY};
	for (size_t i = 0; i < 2; i++) {
		size_t before = s->rep->functions_replaced;
		if ((err = sync_base_table(s, libs[i])) != DGP_OK ||
		    (err = sync_refresh_function(s, libs[i])) != DGP_OK)
			return err;
		if (s->rep->functions_replaced != before &&
		    (err = recompute_golden(s, libs[i])) != DGP_OK)
			return err;
	}
	return DGP_OK;
}

dgp_err_t dgp_catalog_sync(PGconn *conn, const dgp_catalog_t *cat,
                           dgp_catalog_sync_report_t *report, char *errstr, size_t errstr_size)
{
	sync_t s = {conn, cat, dgp_arena_new(0), report, errstr, errstr_size, NULL};
	*report = (dgp_catalog_sync_report_t){0};
	dgp_err_t err = exec(&s, "begin", "BEGIN");
	if (err == DGP_OK)
		err = sync_all(&s);
	if (err == DGP_OK) {
		err = exec(&s, "commit", "COMMIT");
	} else {
		PGresult *r = PQexec(conn, "ROLLBACK");
		PQclear(r);
		*report = (dgp_catalog_sync_report_t){0};
	}
	PQclear(s.cols);
	dgp_arena_destroy(s.arena);
	return err;
}
