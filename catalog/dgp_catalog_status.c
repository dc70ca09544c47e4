/*
 * dgp_catalog_status.c — live statistics per resource and field, read from
 * the tables the load path fills (SCHEMA.md, dgp_catalog.*_stats), and the
 * update-cycle compliance rule; the `dgp catalog status` table and JSON.
 *
 * Three SELECTs read everything (a few thousand rows for the 420-resource
 * sample); rows are matched to the catalog by resource code and source
 * name.  Only --distinct touches dgp_src, with one count(DISTINCT) query
 * per table.
 */
#include "dgp_catalog_status.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dgp_arena.h"
#include "dgp_catalog_schema.h"
#include "dgp_pg.h"

#define DAY (int64_t)86400

struct dgp_catalog_status {
	dgp_arena_t *arena;
	const dgp_catalog_t *cat;
	dgp_status_resource_t *res;
	size_t n;
	bool distinct;
	bool evaluated;
	int64_t now;
};

/* ------------------------------------------------------------ compliance */

/*
 * One cycle plus slack: a 每日 feed may arrive late in the evening one day
 * and early the next-but-one, so 2 days; 每周 8; 每月 32 covers 31-day
 * months plus a day; 每季度 93 = 92 (longest quarter) + 1; 半年 184 =
 * 184-day half plus nothing (Jul–Dec is 184); 每年 366 covers leap years.
 * 实时 feeds write continuously, but a district department's topic can be
 * quiet overnight: a whole day without any record means the feed is broken.
 */
int64_t dgp_catalog_cycle_allowance(dgp_update_cycle_t c)
{
	static const int64_t days[DGP_CYCLE__COUNT] = {
	    [DGP_CYCLE_REALTIME] = 1, [DGP_CYCLE_DAILY] = 2,      [DGP_CYCLE_WEEKLY] = 8,
	    [DGP_CYCLE_MONTHLY] = 32, [DGP_CYCLE_QUARTERLY] = 93, [DGP_CYCLE_HALFYEAR] = 184,
	    [DGP_CYCLE_YEARLY] = 366,
	};
	return (unsigned)c < DGP_CYCLE__COUNT ? days[c] * DAY : 366 * DAY;
}

dgp_compliance_t dgp_catalog_compliance(dgp_update_cycle_t c, bool loaded, int64_t last_load,
                                        int64_t now, int64_t *overdue_by)
{
	int64_t late = 0;
	dgp_compliance_t v = DGP_COMPLIANCE_NEVER;
	if (loaded) {
		late = now - last_load - dgp_catalog_cycle_allowance(c);
		v = late > 0 ? DGP_COMPLIANCE_OVERDUE : DGP_COMPLIANCE_OK;
	}
	if (overdue_by)
		*overdue_by = v == DGP_COMPLIANCE_OVERDUE ? late : 0;
	return v;
}

const char *dgp_compliance_name(dgp_compliance_t c)
{
	static const char *const n[] = {"ok", "overdue", "never"};
	return (unsigned)c < DGP_COMPLIANCE__COUNT ? n[c] : "?";
}

const char *dgp_compliance_label(dgp_compliance_t c)
{
	static const char *const n[] = {"正常", "逾期", "从未加载"};
	return (unsigned)c < DGP_COMPLIANCE__COUNT ? n[c] : "?";
}

bool dgp_compliance_parse(const char *s, dgp_compliance_t *out)
{
	for (int c = 0; c < DGP_COMPLIANCE__COUNT; c++)
		if (strcmp(s, dgp_compliance_name(c)) == 0 ||
		    strcmp(s, dgp_compliance_label(c)) == 0) {
			*out = c;
			return true;
		}
	return false;
}

/* ------------------------------------------------------------ model */

dgp_catalog_status_t *dgp_catalog_status_new(const dgp_catalog_t *cat)
{
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_catalog_status_t *st = dgp_arena_calloc(a, sizeof(*st));
	st->arena = a;
	st->cat = cat;
	const dgp_catalog_resource_t *r = dgp_catalog_resources(cat, &st->n);
	st->res = dgp_arena_calloc(a, st->n * sizeof(*st->res) + 1);
	for (size_t i = 0; i < st->n; i++) {
		dgp_status_resource_t *s = &st->res[i];
		s->resource = &r[i];
		s->compliance = DGP_COMPLIANCE_NEVER;
		s->fields = dgp_arena_calloc(a, r[i].n_fields * sizeof(*s->fields) + 1);
		for (size_t f = 0; f < r[i].n_fields; f++) {
			s->fields[f].field = &r[i].fields[f];
			s->fields[f].distinct = -1;
		}
	}
	return st;
}

void dgp_catalog_status_destroy(dgp_catalog_status_t *st)
{
	if (st)
		dgp_arena_destroy(st->arena);
}

const dgp_status_resource_t *dgp_catalog_status_resources(const dgp_catalog_status_t *st, size_t *n)
{
	*n = st->n;
	return st->res;
}

static dgp_status_resource_t *find_mut(const dgp_catalog_status_t *st, const char *code)
{
	const dgp_catalog_resource_t *r = dgp_catalog_find_resource(st->cat, code);
	if (!r)
		return NULL;
	size_t n;
	const dgp_catalog_resource_t *all = dgp_catalog_resources(st->cat, &n);
	return &st->res[r - all];
}

const dgp_status_resource_t *dgp_catalog_status_find(const dgp_catalog_status_t *st,
                                                     const char *code)
{
	return find_mut(st, code);
}

static dgp_status_field_t *find_field(dgp_status_resource_t *s, const char *source_name)
{
	for (size_t i = 0; i < s->resource->n_fields; i++)
		if (strcasecmp(s->fields[i].field->source_name, source_name) == 0)
			return &s->fields[i];
	return NULL;
}

void dgp_catalog_status_evaluate(dgp_catalog_status_t *st, int64_t now)
{
	st->now = now;
	st->evaluated = true;
	for (size_t i = 0; i < st->n; i++) {
		dgp_status_resource_t *s = &st->res[i];
		s->compliance = dgp_catalog_compliance(s->resource->update_cycle, s->loaded,
		                                       s->last_load, now, &s->overdue_by);
	}
}

void dgp_catalog_status_counts(const dgp_catalog_status_t *st, size_t counts[DGP_COMPLIANCE__COUNT])
{
	memset(counts, 0, DGP_COMPLIANCE__COUNT * sizeof(*counts));
	for (size_t i = 0; i < st->n; i++)
		if (!st->res[i].hidden)
			counts[st->res[i].compliance]++;
}

static bool provider_matches(const dgp_catalog_provider_t *p, const char *want)
{
	if (!p)
		return false;
	const char *names[] = {p->slug, p->short_name, p->name, p->code};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && strcmp(names[i], want) == 0)
			return true;
	return false;
}

size_t dgp_catalog_status_select(dgp_catalog_status_t *st, const dgp_status_filter_t *f)
{
	size_t shown = 0;
	for (size_t i = 0; i < st->n; i++) {
		dgp_status_resource_t *s = &st->res[i];
		s->hidden =
		    (f->resource && fnmatch(f->resource, s->resource->code, 0) != 0) ||
		    (f->provider && !provider_matches(s->resource->provider, f->provider)) ||
		    (f->compliance && !(f->compliance & (1u << s->compliance)));
		shown += !s->hidden;
	}
	return shown;
}

/* ------------------------------------------------------------ queries */

static dgp_err_t select_params(PGconn *conn, const char *sql, int nparams,
                               const char *const *params, PGresult **out, char *errstr,
                               size_t errstr_size)
{
	PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
		*out = r;
		return DGP_OK;
	}
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e == DGP_OK) /* a success, but not rows */
		e = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG, "unexpected %s",
		                   PQresStatus(PQresultStatus(r)));
	PQclear(r);
	*out = NULL;
	return e;
}

static dgp_err_t select_rows(PGconn *conn, const char *sql, PGresult **out, char *errstr,
                             size_t errstr_size)
{
	return select_params(conn, sql, 0, NULL, out, errstr, errstr_size);
}

static int64_t num(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static dgp_err_t read_resource_stats(dgp_catalog_status_t *st, PGconn *conn, char *errstr,
                                     size_t errstr_size)
{
	PGresult *r;
	dgp_err_t e = select_rows(conn,
	                          "SELECT resource_code, \"rows\", records_read, rejected,"
	                          " extract(epoch FROM last_load)::bigint,"
	                          " extract(epoch FROM last_change)::bigint, replayed, deleted"
	                          " FROM dgp_catalog.resource_stats",
	                          &r, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	for (int i = 0; i < PQntuples(r); i++) {
		dgp_status_resource_t *s = find_mut(st, PQgetvalue(r, i, 0));
		if (!s)
			continue;
		s->has_stats = true;
		s->rows = num(r, i, 1);
		s->records_read = num(r, i, 2);
		s->rejected = num(r, i, 3);
		s->loaded = !PQgetisnull(r, i, 4);
		s->last_load = num(r, i, 4);
		s->changed = !PQgetisnull(r, i, 5);
		s->last_change = num(r, i, 5);
		s->replayed = num(r, i, 6);
		s->deleted = num(r, i, 7);
	}
	PQclear(r);
	return DGP_OK;
}

/* Hands a resource its run of rows [row, row + n) of a grouped SELECT. */
typedef void attach_fn(dgp_catalog_status_t *st, dgp_status_resource_t *s, const PGresult *r,
                       int row, int n);

/*
 * Run sql, whose rows are (resource_code, name, count) ordered by
 * resource_code, and give each catalog resource its run of rows; rows of
 * codes the catalog does not know are skipped.
 */
static dgp_err_t read_grouped(dgp_catalog_status_t *st, PGconn *conn, const char *sql,
                              attach_fn *attach, char *errstr, size_t errstr_size)
{
	PGresult *r;
	dgp_err_t e = select_rows(conn, sql, &r, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	int n = PQntuples(r);
	for (int i = 0; i < n;) {
		int j = i + 1;
		while (j < n && strcmp(PQgetvalue(r, j, 0), PQgetvalue(r, i, 0)) == 0)
			j++;
		dgp_status_resource_t *s = find_mut(st, PQgetvalue(r, i, 0));
		if (s)
			attach(st, s, r, i, j - i);
		i = j;
	}
	PQclear(r);
	return DGP_OK;
}

static void attach_rejects(dgp_catalog_status_t *st, dgp_status_resource_t *s, const PGresult *r,
                           int row, int n)
{
	s->n_rejects = (size_t)n;
	s->rejects = dgp_arena_alloc(st->arena, s->n_rejects * sizeof(*s->rejects));
	for (int k = 0; k < n; k++)
		s->rejects[k] = (dgp_status_reject_t){
		    dgp_arena_strdup(st->arena, PQgetvalue(r, row + k, 1)), num(r, row + k, 2)};
}

static void attach_unknown(dgp_catalog_status_t *st, dgp_status_resource_t *s, const PGresult *r,
                           int row, int n)
{
	s->n_unknown = (size_t)n;
	s->unknown = dgp_arena_alloc(st->arena, s->n_unknown * sizeof(*s->unknown));
	for (int k = 0; k < n; k++)
		s->unknown[k] = (dgp_status_unknown_t){
		    dgp_arena_strdup(st->arena, PQgetvalue(r, row + k, 1)), num(r, row + k, 2)};
}

static dgp_err_t read_reject_stats(dgp_catalog_status_t *st, PGconn *conn, char *errstr,
                                   size_t errstr_size)
{
	/* Ordered so each resource's reasons are one run, sorted by reason (byte order). */
	return read_grouped(st, conn,
	                    "SELECT resource_code, reason, count FROM dgp_catalog.reject_stats"
	                    " WHERE count > 0 ORDER BY resource_code COLLATE \"C\","
	                    " reason COLLATE \"C\"",
	                    attach_rejects, errstr, errstr_size);
}

/* dgp_catalog.unknown_field_stats: created by dgp load / dgp run, so it may not exist yet. */
static dgp_err_t read_unknown_stats(dgp_catalog_status_t *st, PGconn *conn, char *errstr,
                                    size_t errstr_size)
{
	PGresult *r;
	dgp_err_t e =
	    select_rows(conn, "SELECT to_regclass('dgp_catalog.unknown_field_stats') IS NOT NULL",
	                &r, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	bool exists = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!exists)
		return DGP_OK;
	return read_grouped(
	    st, conn,
	    "SELECT resource_code, name, records FROM dgp_catalog.unknown_field_stats"
	    " WHERE records > 0 ORDER BY resource_code COLLATE \"C\", name COLLATE \"C\"",
	    attach_unknown, errstr, errstr_size);
}

static dgp_err_t read_field_stats(dgp_catalog_status_t *st, PGconn *conn, char *errstr,
                                  size_t errstr_size)
{
	PGresult *r;
	dgp_err_t e = select_rows(conn,
	                          "SELECT resource_code, field, present, valid, total"
	                          " FROM dgp_catalog.field_stats",
	                          &r, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	for (int i = 0; i < PQntuples(r); i++) {
		dgp_status_resource_t *s = find_mut(st, PQgetvalue(r, i, 0));
		dgp_status_field_t *f = s ? find_field(s, PQgetvalue(r, i, 1)) : NULL;
		if (!f)
			continue;
		f->has_stats = true;
		f->present = num(r, i, 2);
		f->valid = num(r, i, 3);
		f->total = num(r, i, 4);
	}
	PQclear(r);
	return DGP_OK;
}

static char *quote_ident(dgp_arena_t *a, const char *name)
{
	size_t n = strlen(name), o = 0;
	char *q = dgp_arena_alloc(a, 2 * n + 3);
	q[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"')
			q[o++] = '"';
		q[o++] = name[i];
	}
	q[o++] = '"';
	q[o] = '\0';
	return q;
}

/* count(DISTINCT col) for every column of one dgp_src table; a missing table is skipped. */
static dgp_err_t read_distinct(dgp_catalog_status_t *st, dgp_status_resource_t *s, PGconn *conn,
                               char *errstr, size_t errstr_size)
{
	const dgp_catalog_resource_t *res = s->resource;
	if (!res->n_fields)
		return DGP_OK;
	dgp_arena_t *a = st->arena;
	const char *table = dgp_catalog_table_name(res, a);
	const char *qualified = dgp_arena_sprintf(a, "dgp_src.%s", quote_ident(a, table));
	const char *param[1] = {qualified};
	PGresult *r;
	dgp_err_t e = select_params(conn, "SELECT to_regclass($1) IS NOT NULL", 1, param, &r,
	                            errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	bool exists = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!exists)
		return DGP_OK;
	char *sql = dgp_arena_strdup(a, "SELECT");
	for (size_t i = 0; i < res->n_fields; i++)
		sql =
		    dgp_arena_sprintf(a, "%s%s count(DISTINCT %s)", sql, i ? "," : "",
		                      quote_ident(a, dgp_catalog_column_name(&res->fields[i], a)));
	sql = dgp_arena_sprintf(a, "%s FROM %s", sql, qualified);
	e = select_rows(conn, sql, &r, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	for (size_t i = 0; i < res->n_fields; i++)
		s->fields[i].distinct = num(r, 0, (int)i);
	PQclear(r);
	return DGP_OK;
}

dgp_err_t dgp_catalog_status_query_resources(dgp_catalog_status_t *st, PGconn *conn, char *errstr,
                                             size_t errstr_size)
{
	return read_resource_stats(st, conn, errstr, errstr_size);
}

dgp_err_t dgp_catalog_status_query(dgp_catalog_status_t *st, PGconn *conn, bool distinct,
                                   char *errstr, size_t errstr_size)
{
	dgp_err_t e = dgp_catalog_status_query_resources(st, conn, errstr, errstr_size);
	if (e == DGP_OK)
		e = read_reject_stats(st, conn, errstr, errstr_size);
	if (e == DGP_OK)
		e = read_field_stats(st, conn, errstr, errstr_size);
	if (e == DGP_OK)
		e = read_unknown_stats(st, conn, errstr, errstr_size);
	st->distinct = distinct;
	for (size_t i = 0; e == DGP_OK && distinct && i < st->n; i++)
		e = read_distinct(st, &st->res[i], conn, errstr, errstr_size);
	return e;
}

/* ------------------------------------------------------------ table output */

/* A grid of cells printed with columns padded to the widest cell's display width. */
typedef struct grid {
	dgp_arena_t *a;
	size_t ncols, nrows, cap;
	const char **cells; /* nrows * ncols */
	const bool *right;  /* per column: right-aligned (numbers) */
} grid_t;

static void grid_row(grid_t *g, const char *const *cells)
{
	if (g->nrows == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		const char **c = dgp_arena_alloc(g->a, cap * g->ncols * sizeof(*c));
		if (g->nrows)
			memcpy(c, g->cells, g->nrows * g->ncols * sizeof(*c));
		g->cells = c;
		g->cap = cap;
	}
	memcpy(&g->cells[g->nrows++ * g->ncols], cells, g->ncols * sizeof(*cells));
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

static void grid_print(const grid_t *g, FILE *out, const char *indent)
{
	size_t *w = dgp_arena_calloc(g->a, g->ncols * sizeof(*w));
	for (size_t r = 0; r < g->nrows; r++)
		for (size_t c = 0; c < g->ncols; c++) {
			size_t dw = dgp_display_width(g->cells[r * g->ncols + c]);
			if (dw > w[c])
				w[c] = dw;
		}
	for (size_t r = 0; r < g->nrows; r++) {
		fputs(indent, out);
		size_t spaces =
		    0; /* padding owed, written only before more text: no trailing blanks */
		for (size_t c = 0; c < g->ncols; c++) {
			const char *s = g->cells[r * g->ncols + c];
			size_t gap = w[c] - dgp_display_width(s);
			if (g->right[c])
				spaces += gap;
			if (*s) {
				pad(out, spaces);
				fputs(s, out);
				spaces = 0;
			}
			if (!g->right[c])
				spaces += gap;
			spaces += 2;
		}
		fputc('\n', out);
	}
}

static const char *i64(dgp_arena_t *a, int64_t v)
{
	return dgp_arena_sprintf(a, "%" PRId64, v);
}

static const char *when(dgp_arena_t *a, bool set, int64_t t)
{
	char buf[32];
	return set ? dgp_arena_strdup(a, dgp_time_format(t, buf, sizeof(buf))) : "-";
}

static const char *rate(dgp_arena_t *a, int64_t part, int64_t whole)
{
	return whole > 0 ? dgp_arena_sprintf(a, "%.2f%%", 100.0 * (double)part / (double)whole)
	                 : "-";
}

static const char *duration(dgp_arena_t *a, int64_t s)
{
	if (s >= DAY)
		return dgp_arena_sprintf(a, "%" PRId64 "d %" PRId64 "h", s / DAY, s % DAY / 3600);
	return dgp_arena_sprintf(a, "%" PRId64 "h %" PRId64 "m", s / 3600, s % 3600 / 60);
}

static void print_fields(const dgp_catalog_status_t *st, const dgp_status_resource_t *s,
                         dgp_arena_t *a, FILE *out)
{
	static const bool right[] = {false, false, true, true, true, true, true, true};
	/* the distinct column only when --distinct asked for it */
	grid_t g = {.a = a, .ncols = st->distinct ? 8 : 7, .right = right};
	grid_row(&g, (const char *[]){"field", "name", "present", "valid", "total", "fill",
	                              "validity", "distinct"});
	for (size_t i = 0; i < s->resource->n_fields; i++) {
		const dgp_status_field_t *f = &s->fields[i];
		grid_row(&g, (const char *[]){f->field->source_name, f->field->name,
		                              f->has_stats ? i64(a, f->present) : "-",
		                              f->has_stats ? i64(a, f->valid) : "-",
		                              f->has_stats ? i64(a, f->total) : "-",
		                              rate(a, f->present, f->total),
		                              rate(a, f->valid, f->present),
		                              f->distinct >= 0 ? i64(a, f->distinct) : "-"});
	}
	grid_print(&g, out, "    ");
}

bool dgp_catalog_status_write_table(const dgp_catalog_status_t *st, FILE *out)
{
	dgp_arena_t *a = dgp_arena_new(0);
	size_t c[DGP_COMPLIANCE__COUNT];
	dgp_catalog_status_counts(st, c);
	char now[32];
	size_t shown = c[DGP_COMPLIANCE_OK] + c[DGP_COMPLIANCE_OVERDUE] + c[DGP_COMPLIANCE_NEVER];
	fprintf(out, "catalog status at %s: %zu resources",
	        dgp_time_format(st->now, now, sizeof(now)), shown);
	if (shown != st->n)
		fprintf(out, " (of %zu; filtered)", st->n);
	fprintf(out, " — %zu ok, %zu overdue, %zu never loaded\n\n", c[DGP_COMPLIANCE_OK],
	        c[DGP_COMPLIANCE_OVERDUE], c[DGP_COMPLIANCE_NEVER]);

	static const bool right[] = {false, false, false, false, true,  true, true,
	                             true,  true,  false, false, false, false};
	grid_t g = {.a = a, .ncols = 13, .right = right};
	grid_row(&g, (const char *[]){"code", "name", "provider", "cycle", "rows", "read",
	                              "rejected", "read again", "deleted", "last load",
	                              "last change", "status", "overdue by"});
	for (size_t i = 0; i < st->n; i++) {
		const dgp_status_resource_t *s = &st->res[i];
		const dgp_catalog_resource_t *r = s->resource;
		if (s->hidden)
			continue;
		grid_row(
		    &g,
		    (const char *[]){
		        r->code, r->name, r->provider ? r->provider->short_name : "",
		        dgp_catalog_update_cycle_name(r->update_cycle),
		        s->has_stats ? i64(a, s->rows) : "-",
		        s->has_stats ? i64(a, s->records_read) : "-",
		        s->has_stats ? i64(a, s->rejected) : "-",
		        s->has_stats ? i64(a, s->replayed) : "-",
		        s->has_stats ? i64(a, s->deleted) : "-", when(a, s->loaded, s->last_load),
		        when(a, s->changed, s->last_change), dgp_compliance_label(s->compliance),
		        s->compliance == DGP_COMPLIANCE_OVERDUE ? duration(a, s->overdue_by) : ""});
	}
	grid_print(&g, out, "");

	for (size_t i = 0; i < st->n; i++) {
		const dgp_status_resource_t *s = &st->res[i];
		if (!s->has_stats || s->hidden)
			continue;
		fprintf(out, "\n%s %s\n", s->resource->code, s->resource->name);
		if (s->n_rejects) {
			fputs("  rejects:", out);
			for (size_t k = 0; k < s->n_rejects; k++)
				fprintf(out, "%s %s %" PRId64, k ? "," : "", s->rejects[k].reason,
				        s->rejects[k].count);
			fputc('\n', out);
		}
		if (s->n_unknown) {
			fputs("  fields not in the catalog (records):", out);
			for (size_t k = 0; k < s->n_unknown; k++)
				fprintf(out, "%s %s %" PRId64, k ? "," : "", s->unknown[k].name,
				        s->unknown[k].records);
			fputc('\n', out);
		}
		print_fields(st, s, a, out);
	}
	dgp_arena_destroy(a);
	return !ferror(out);
}

/* ------------------------------------------------------------ JSON output */

static void json_time(FILE *out, bool set, int64_t t)
{
	char buf[32];
	if (set)
		dgp_json_put_string(out, dgp_time_format(t, buf, sizeof(buf)));
	else
		fputs("null", out);
}

static void json_rate(FILE *out, int64_t part, int64_t whole)
{
	if (whole > 0)
		fprintf(out, "%.4f", (double)part / (double)whole);
	else
		fputs("null", out);
}

static void json_field(FILE *out, const dgp_status_field_t *f)
{
	fputs("{\"source_name\": ", out);
	dgp_json_put_string(out, f->field->source_name);
	fputs(", \"name\": ", out);
	dgp_json_put_string(out, f->field->name);
	if (f->has_stats)
		fprintf(out,
		        ", \"present\": %" PRId64 ", \"valid\": %" PRId64 ", \"total\": %" PRId64,
		        f->present, f->valid, f->total);
	else
		fputs(", \"present\": null, \"valid\": null, \"total\": null", out);
	fputs(", \"fill_rate\": ", out);
	json_rate(out, f->present, f->total);
	fputs(", \"valid_rate\": ", out);
	json_rate(out, f->valid, f->present);
	fputs(", \"distinct\": ", out);
	if (f->distinct >= 0)
		fprintf(out, "%" PRId64, f->distinct);
	else
		fputs("null", out);
	fputc('}', out);
}

static void json_resource(FILE *out, const dgp_status_resource_t *s)
{
	const dgp_catalog_resource_t *r = s->resource;
	fputs("    {\"code\": ", out);
	dgp_json_put_string(out, r->code);
	fputs(", \"name\": ", out);
	dgp_json_put_string(out, r->name);
	fputs(", \"provider\": ", out);
	dgp_json_put_string(out, r->provider ? r->provider->slug : "");
	fputs(", \"update_cycle\": ", out);
	dgp_json_put_string(out, dgp_catalog_update_cycle_name(r->update_cycle));
	fprintf(out,
	        ", \"allowance_s\": %" PRId64
	        ", \"compliance\": \"%s\", \"overdue_by_s\": %" PRId64,
	        dgp_catalog_cycle_allowance(r->update_cycle), dgp_compliance_name(s->compliance),
	        s->overdue_by);
	if (s->has_stats)
		fprintf(out,
		        ",\n     \"rows\": %" PRId64 ", \"records_read\": %" PRId64
		        ", \"rejected\": %" PRId64 ", \"replayed\": %" PRId64
		        ", \"deleted\": %" PRId64,
		        s->rows, s->records_read, s->rejected, s->replayed, s->deleted);
	else
		fputs(",\n     \"rows\": null, \"records_read\": null, \"rejected\": null,"
		      " \"replayed\": null, \"deleted\": null",
		      out);
	fputs(", \"last_load\": ", out);
	json_time(out, s->loaded, s->last_load);
	fputs(", \"last_change\": ", out);
	json_time(out, s->changed, s->last_change);
	fputs(",\n     \"rejects\": {", out);
	for (size_t k = 0; k < s->n_rejects; k++) {
		fputs(k ? ", " : "", out);
		dgp_json_put_string(out, s->rejects[k].reason);
		fprintf(out, ": %" PRId64, s->rejects[k].count);
	}
	fputs("},\n     \"unknown_fields\": {", out);
	for (size_t k = 0; k < s->n_unknown; k++) {
		fputs(k ? ", " : "", out);
		dgp_json_put_string(out, s->unknown[k].name);
		fprintf(out, ": %" PRId64, s->unknown[k].records);
	}
	fputs("},\n     \"fields\": [", out);
	for (size_t i = 0; i < r->n_fields; i++) {
		fputs(i ? ",\n       " : "\n       ", out);
		json_field(out, &s->fields[i]);
	}
	fputs("]}", out);
}

bool dgp_catalog_status_write_json(const dgp_catalog_status_t *st, FILE *out)
{
	size_t c[DGP_COMPLIANCE__COUNT];
	dgp_catalog_status_counts(st, c);
	fputs("{\n  \"now\": ", out);
	json_time(out, true, st->now);
	fprintf(out,
	        ",\n  \"distinct\": %s,\n  \"counts\": {\"resources\": %zu, \"ok\": %zu,"
	        " \"overdue\": %zu, \"never\": %zu},\n  \"resources\": [",
	        st->distinct ? "true" : "false",
	        c[DGP_COMPLIANCE_OK] + c[DGP_COMPLIANCE_OVERDUE] + c[DGP_COMPLIANCE_NEVER],
	        c[DGP_COMPLIANCE_OK], c[DGP_COMPLIANCE_OVERDUE], c[DGP_COMPLIANCE_NEVER]);
	bool first = true;
	for (size_t i = 0; i < st->n; i++) {
		if (st->res[i].hidden)
			continue;
		fputs(first ? "\n" : ",\n", out);
		first = false;
		json_resource(out, &st->res[i]);
	}
	fputs("\n  ]\n}\n", out);
	return !ferror(out);
}
