/*
 * dgp_pg_sink.c — one batch into PostgreSQL in one transaction.
 *
 * Round trips of a batch (each box one client/server exchange):
 *
 *   [BEGIN; SELECT progress … FOR UPDATE]           pipeline; stop if already committed
 *        (Kafka: missing offsets rows inserted at the batch's from offsets first;
 *         stop with DGP_ERR_STALE if another writer overlapped the batch;
 *         the dgp_ops.counted rows of its spans inserted when missing, locked, read)
 *   [SAVEPOINT; SET LOCAL log_min_messages = fatal;   the rows the cache took for
 *    LOCK TABLE; the columns' type oids]             new, straight into the table
 *   [COPY dgp_src.t FROM STDIN]  (binary when every type has a form in dgp_pg_bin.h, else
 *                                 text; key order),
 *   [RELEASE SAVEPOINT; SET LOCAL … TO DEFAULT]  when the role may SET log_min_messages;
 *        └─ refused ─▶ ROLLBACK TO SAVEPOINT, every row through the stage below
 *   [COPY pg_temp.stage FROM STDIN]  merges (or all rows) as text, key order ──copybuf
 *   [SELECT * FROM pg_temp.merge()]   in one exception block:
 *        INSERT … SELECT the new rows; WITH m AS (INSERT … SELECT the others
 *        ON CONFLICT … DO UPDATE … WHERE content hash differs RETURNING
 *        xmax = 0) SELECT counts  (a unique violation: every row that way);
 *        a failure comes back as (SQLSTATE, message), never a logged ERROR
 *        └─ a row-level SQLSTATE ─▶ per span, halving: [COPY stage] [merge()]
 *             down to single rows; a refused row → db_refused
 *   [COPY pg_temp.dgp_del_N FROM STDIN]   deletes: key values + origin (only when the
 *   [WITH d AS (DELETE … RETURNING) INSERT INTO dgp_ops.deleted]  batch has any): the rows
 *        go to the history table, their golden keys join the queue's
 *   [COPY pg_temp.dgp_reject_stage FROM STDIN]  record + field rejects + refused rows,
 *        raw as bytea
 *   [INSERT INTO dgp_ops.reject … ON CONFLICT DO NOTHING (one row per reject of an
 *    origin); golden keys (one queue row); reject/field/resource stats without the records
 *    dgp_ops.counted says were counted before; progress; counted; COMMIT]  pipeline
 *
 * The copy buffer and the parameter buffers belong to the sink and are
 * reused from batch to batch.  SQL text is built once per schema (struct
 * sink_table) with every identifier quoted; values only travel as COPY
 * data or parameters.
 */
#include "dgp_pg_sink.h"
#include "dgp_sql.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dgp_log.h"
#include "dgp_pg.h"
#include "dgp_pg_bin.h"
#include "dgp_utf8.h"

#define COPY_FLUSH_BYTES (256 * 1024)

/* ---------------------------------------------------------------- buffers */

static void buf_put_be16(dgp_buf_t *b, uint16_t v)
{
	unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	dgp_buf_append(b, x, 2);
}

static void buf_put_be32(dgp_buf_t *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};
	dgp_buf_append(b, x, 4);
}

/* Decimal text of v, without printf (it runs twice per row). */
static void buf_put_i64(dgp_buf_t *b, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *p = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	dgp_buf_append(b, p, (size_t)(e - p));
}

/* Bytes that COPY text format must escape: backslash, tab, newline, carriage return. */
/*
 * Text from outside (file paths, parser messages) may hold bytes a text
 * column refuses: NUL and invalid UTF-8 become U+FFFD.  The exact bytes of
 * a record are kept in reject.raw, so nothing is lost.
 */
static void put_valid_utf8(dgp_buf_t *b, const char *p, size_t n)
{
	static const char repl[] = "\xEF\xBF\xBD";
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	dgp_buf_reserve(b,
	                n); /* also gives a fresh buffer memory: dgp_sql_copy_text reads from it */
	while (i < n) {
		uint32_t cp;
		int k = dgp_utf8_decode(s + i, n - i, &cp);
		if (k <= 0 || cp == 0) {
			dgp_buf_append(b, repl, 3);
			i++;
			continue;
		}
		dgp_buf_append(b, s + i, (size_t)k);
		i += (size_t)k;
	}
}

static void put_copy_text_sanitised(dgp_buf_t *b, dgp_buf_t *tmp, const char *p, size_t n)
{
	tmp->len = 0;
	put_valid_utf8(tmp, p, n);
	dgp_sql_copy_text(b, tmp->p, tmp->len);
}

/* An element of a text[] literal: always double-quoted, " and \ escaped. */
static void put_array_elem(dgp_buf_t *b, const char *p, size_t n)
{
	dgp_buf_reserve(b, 2 * n + 2);
	char *o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			*o++ = '\\';
		*o++ = p[i];
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

/* The golden key of a row written, joined to the list of keys moved ("k1","k2",…). */
static void queue_moved(dgp_buf_t *moved, const dgp_record_t *r, int golden_key)
{
	dgp_slice_t g = r->vals[golden_key];
	if (!g.p)
		return;
	if (moved->len)
		dgp_buf_putc(moved, ',');
	put_array_elem(moved, g.p, g.len);
}

/* ------------------------------------------------------- per-schema state */

typedef enum golden { GOLDEN_UNKNOWN = 0, GOLDEN_NONE, GOLDEN_YES } golden_t;

/* How the binary direct COPY writes a column: by the table's actual type. */
typedef enum enc { ENC_TEXT = 1, ENC_DATE, ENC_NUMERIC, ENC_INT8 } enc_t;

typedef struct sink_table {
	struct sink_table *next;
	const dgp_schema_t *schema;
	bool binary;
	const char
	    *stage_create; /* CREATE TEMP TABLE stage (text) …; CREATE FUNCTION pg_temp.merge */
	const char *copy_stage;
	const char *merge;    /* (inserted, updated, golden keys to queue, SQLSTATE, message) */
	const char *copy_del; /* COPY into the delete stage: key values, origin */
	const char *del; /* ($1 resource code) → (rows removed, history rows added, golden keys) */
	const char *refresh;     /* base whose golden queue gets the keys: "person", … or NULL */
	const char *refresh_sig; /* for to_regprocedure() */
	int golden_key;          /* field feeding the golden key, -1 none */
	const char *copy_direct; /* COPY into the table itself, text format (NULL: never) */
	const char *copy_direct_bin; /* the same in binary format */
	const char *direct_begin;    /* savepoint, logging off, lock, the columns' type oids */
	const char *direct_oids;     /* the type oids enc was chosen for (in the sink's arena) */
	unsigned char *enc;          /* per COPY column, its binary form (enc_t); NULL: text COPY */
	bool queue_new;              /* new rows queue their golden key (the merge's qnew) */
	golden_t golden;             /* does the refresh function exist (this session) */
	bool stage_ready;            /* stage created and committed in this session */
} sink_table_t;

struct dgp_pg_sink {
	PGconn *conn;
	dgp_pg_sink_opts_t opts;
	dgp_arena_t *arena; /* SQL text of the tables */
	sink_table_t *tables;
	dgp_buf_t copy, tmp, origin_src, arr[5], num[8];
	dgp_buf_t moved; /* golden keys to queue (merges and deletes chose them): "k,…" */
	const char *origin_src_ptr; /* source whose sanitised text is in origin_src */
	dgp_record_t **ord;         /* the batch's inserts and merges in key order */
	size_t ord_cap;
	bool *refused_at; /* per ord entry: PostgreSQL refused it */
	bool *is_new;     /* per ord entry: one of the inserts (the cache took it for new) */
	size_t n_new;     /* ord's first n_new entries are the inserts */
	/* may this session COPY into dgp_src directly (SET log_min_messages allowed)? */
	enum { DIRECT_UNKNOWN = 0, DIRECT_NO, DIRECT_YES } direct;
	struct ord_ent *ent; /* sort scratch */
	size_t ent_cap;
	int rt;
	/* the last failure PostgreSQL reported, for isolating refused rows */
	char fail_state[6];   /* SQLSTATE, "" when the failure was not a server error */
	const char *fail_msg; /* primary message, in wr */
	dgp_arena_t *wr;      /* per write: messages, refusal details */
	dgp_pg_refusal_t *refusals;
	size_t n_refusals, cap_refusals;
	bool reject_stage_ready; /* dgp_reject_stage created and committed in this session */
	/* per progress span (Kafka: pr->offsets[i]; file: one): the offset below which
	 * every record was counted by an earlier batch (dgp_ops.counted), in wr */
	int64_t *counted;
	size_t n_counted;
};

static bool is_text_type(const char *t)
{
	return t && (strcasecmp(t, "text") == 0 || strcasecmp(t, "varchar") == 0 ||
	             strncasecmp(t, "character varying", 17) == 0);
}

static const char *golden_key_column(dgp_base_t base)
{
	return base == DGP_BASE_PERSON         ? "gmsfhm"
	       : base == DGP_BASE_LEGAL_ENTITY ? "tyshxydm"
	                                       : NULL;
}

/* The field whose value keys the golden row: mapped to the base's key column, else a lone key
 * field. */
static int find_golden_key(const dgp_schema_t *s)
{
	const char *col = golden_key_column(s->base);
	if (!col)
		return -1;
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].base_column && strcmp(s->fields[i].base_column, col) == 0)
			return (int)i;
	for (size_t i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].column, col) == 0)
			return (int)i;
	return s->nkeys == 1 ? (int)s->key_fields[0] : -1;
}

/*
 * The delete path of t: a stage of (key values as text, origin) created
 * with the upsert stage, and one statement that removes the stage's keys
 * from tbl and keeps each removed row in dgp_ops.deleted with the delete's
 * origin.  A history row already there for that origin (the same delete
 * read again) is not added twice.
 */
static void table_build_delete(dgp_arena_t *a, sink_table_t *t, const dgp_schema_t *s,
                               const char *tbl, unsigned seq)
{
	const char *stage = dgp_arena_sprintf(a, "pg_temp.\"dgp_del_%u\"", seq);
	dgp_buf_t cols = {0}, match = {0}, key = {0};
	for (size_t k = 0; k < s->nkeys; k++) {
		const dgp_field_spec_t *f = &s->fields[s->key_fields[k]];
		const char *q = dgp_sql_quote_ident(a, f->column);
		dgp_buf_printf(&cols, "%s text, ", q);
		if (is_text_type(f->pg_type) || !f->pg_type)
			dgp_buf_printf(&match, "%st.%s = x.%s", k ? " AND " : "", q, q);
		else
			dgp_buf_printf(&match, "%st.%s = x.%s::%s", k ? " AND " : "", q, q,
			               f->pg_type);
		dgp_buf_printf(&key, "%st.%s::text", k ? ", " : "", q);
	}
	dgp_buf_cstr(&cols);
	dgp_buf_cstr(&match);
	dgp_buf_cstr(&key);
	const char *golden =
	    t->golden_key >= 0
	        ? dgp_arena_sprintf(a, "t.%s::text",
	                            dgp_sql_quote_ident(a, s->fields[t->golden_key].column))
	        : "NULL::text";
	t->stage_create = dgp_arena_sprintf(
	    a,
	    "%s;CREATE TEMP TABLE %s (%s\"_dgp_source\" text, \"_dgp_partition\" int,"
	    " \"_dgp_offset\" bigint, \"_dgp_line\" bigint) ON COMMIT DELETE ROWS",
	    t->stage_create, stage, cols.p);
	t->copy_del = dgp_arena_sprintf(a, "COPY %s FROM STDIN", stage);
	t->del = dgp_arena_sprintf(
	    a,
	    "WITH d AS (DELETE FROM %s t USING %s x WHERE %s RETURNING ARRAY[%s] AS k,"
	    " to_jsonb(t) AS r, x.\"_dgp_source\" AS src, x.\"_dgp_partition\" AS part,"
	    " x.\"_dgp_offset\" AS off, x.\"_dgp_line\" AS line, %s AS g),"
	    " h AS (INSERT INTO dgp_ops.deleted (resource_code, key, \"row\", source,"
	    " \"partition\", \"offset\", line) SELECT $1, k, r, src, part, off, line FROM d"
	    " ON CONFLICT DO NOTHING RETURNING 1)"
	    " SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM h),"
	    " (SELECT array_agg(DISTINCT g) FROM d WHERE g IS NOT NULL)",
	    tbl, stage, match.p, key.p, golden);
	free(cols.p);
	free(match.p);
	free(key.p);
}

static sink_table_t *table_build(dgp_pg_sink_t *sk, const dgp_schema_t *s)
{
	dgp_arena_t *a = sk->arena;
	sink_table_t *t = dgp_arena_calloc(a, sizeof(*t));
	t->schema = s;
	/* The stage holds text, so any COPY format fits and no value can fail there. */
	t->binary = sk->opts.format != DGP_PG_COPY_TEXT;

	const char *tbl = dgp_arena_sprintf(a, "dgp_src.%s", dgp_sql_quote_ident(a, s->table));
	/* Process-wide sequence: a new sink on a session an old sink used never meets its stage. */
	static unsigned stage_seq;
	unsigned seq = __atomic_add_fetch(&stage_seq, 1, __ATOMIC_RELAXED);
	const char *stage = dgp_arena_sprintf(a, "pg_temp.\"dgp_stage_%u\"", seq);
	const char *fn = dgp_arena_sprintf(a, "pg_temp.\"dgp_merge_%u\"", seq);
	dgp_buf_t cols = {0}, set = {0}, keys = {0}, text = {0}, typed = {0};
	for (size_t i = 0; i < s->nfields + s->ncompanions; i++) {
		/* the fields' columns, then their companions' (vals[nfields + k]) */
		const dgp_companion_t *c = i < s->nfields ? NULL : &s->companions[i - s->nfields];
		const char *column = c ? c->column : s->fields[i].column;
		const char *pg_type = c ? c->pg_type : s->fields[i].pg_type;
		const char *q = dgp_sql_quote_ident(a, column);
		dgp_buf_printf(&cols, "%s, ", q);
		/* text even where an operator narrowed the column (varchar(n)) */
		dgp_buf_printf(&text, "%s::text AS %s, ", q, q);
		if (is_text_type(pg_type) || !pg_type)
			dgp_buf_printf(&typed, "%s, ", q);
		else
			dgp_buf_printf(&typed, "%s::%s AS %s, ", q, pg_type, q);
		if (c || !s->fields[i].key)
			dgp_buf_printf(&set, "%s = EXCLUDED.%s, ", q, q);
	}
	dgp_buf_puts(&cols, "\"_dgp_content_hash\", \"_dgp_origin\"");
	dgp_buf_puts(&text, "\"_dgp_content_hash\", \"_dgp_origin\", true AS \"_dgp_new\"");
	dgp_buf_puts(&typed, "\"_dgp_content_hash\", \"_dgp_origin\", \"_dgp_new\"");
	for (size_t k = 0; k < s->nkeys; k++)
		dgp_buf_printf(&keys, "%s%s", k ? ", " : "",
		               dgp_sql_quote_ident(a, s->fields[s->key_fields[k]].column));
	const char *fmt = t->binary ? " (FORMAT binary)" : "";
	dgp_buf_cstr(&cols);
	dgp_buf_cstr(&set);
	dgp_buf_cstr(&keys);
	dgp_buf_cstr(&text);
	dgp_buf_cstr(&typed);
	/* the stage's rows in the table's types (the catalog's; assignment does the rest) */
	const char *src = dgp_arena_sprintf(a, "(SELECT %s FROM %s)", typed.p, stage);

	t->copy_stage =
	    dgp_arena_sprintf(a, "COPY %s (%s, \"_dgp_new\") FROM STDIN%s", stage, cols.p, fmt);
	/* When the golden key is not part of the natural key, a changed row can move to
	 * another golden key: the old one (read before the update, same snapshot) must be
	 * refreshed too, or its golden row keeps this source's stale values. */
	t->golden_key = find_golden_key(s);
	const char *moved = "NULL::text[]";
	dgp_buf_t old = {0};
	if (t->golden_key >= 0 && !s->fields[t->golden_key].key) {
		const char *g = dgp_sql_quote_ident(a, s->fields[t->golden_key].column);
		dgp_buf_printf(&old,
		               "o AS (SELECT DISTINCT t.%s::text AS g FROM %s t JOIN %s s ON ", g,
		               tbl, src);
		for (size_t k = 0; k < s->nkeys; k++) {
			const char *kq = dgp_sql_quote_ident(a, s->fields[s->key_fields[k]].column);
			dgp_buf_printf(&old, "%st.%s = s.%s", k ? " AND " : "", kq, kq);
		}
		dgp_buf_printf(&old, " WHERE t.%s IS NOT NULL AND t.%s IS DISTINCT FROM s.%s), ", g,
		               g, g);
		moved = "(SELECT array_agg(o.g) FROM o)";
	}
	dgp_buf_cstr(&old);
	/*
	 * The golden keys to queue are decided here, against the old row the merge
	 * sees (same snapshot): a row that is new, or whose columns feeding the
	 * golden record differ (a mapped column or its currency, the golden key, the
	 * recency field).  A change of other columns only (职业 in a source that maps
	 * no 职业) queues nothing, so the golden worker skips keys it would not change.
	 */
	const char *qnew = "NULL::text", *qold = moved, *qall = moved;
	const char *ctes_old = old.p, *ctes_all = old.p;
	if (t->golden_key >= 0 && s->base != DGP_BASE_NONE) {
		const char *g = dgp_sql_quote_ident(a, s->fields[t->golden_key].column);
		dgp_buf_t ta = {0}, sa = {0}, on = {0};
		for (size_t i = 0; i < s->nfields + s->ncompanions; i++) {
			size_t fi = i < s->nfields ? i : s->companions[i - s->nfields].field;
			const dgp_field_spec_t *f = &s->fields[fi];
			if (!f->base_column && (int)fi != t->golden_key &&
			    !(s->recency && strcmp(f->column, s->recency) == 0))
				continue;
			const char *c = dgp_sql_quote_ident(
			    a, i < s->nfields ? f->column : s->companions[i - s->nfields].column);
			dgp_buf_printf(&ta, "%st.%s", ta.len ? ", " : "", c);
			dgp_buf_printf(&sa, "%ss.%s", sa.len ? ", " : "", c);
		}
		for (size_t k = 0; k < s->nkeys; k++) {
			const char *kq = dgp_sql_quote_ident(a, s->fields[s->key_fields[k]].column);
			dgp_buf_printf(&on, "%st.%s = s.%s", k ? " AND " : "", kq, kq);
		}
		const char *k0 = dgp_sql_quote_ident(a, s->fields[s->key_fields[0]].column);
		const char *qfmt = "%sq AS (SELECT s.%s::text AS g FROM %s s LEFT JOIN %s t ON %s"
		                   " WHERE s.%s IS NOT NULL%s AND (t.%s IS NULL"
		                   " OR ROW(%s) IS DISTINCT FROM ROW(%s))), ";
		dgp_buf_cstr(&ta);
		dgp_buf_cstr(&sa);
		dgp_buf_cstr(&on);
		ctes_old = dgp_arena_sprintf(a, qfmt, old.p, g, src, tbl, on.p, g,
		                             " AND NOT s.\"_dgp_new\"", k0, ta.p, sa.p);
		ctes_all =
		    dgp_arena_sprintf(a, qfmt, old.p, g, src, tbl, on.p, g, "", k0, ta.p, sa.p);
		qnew = dgp_arena_sprintf(a, "%s::text", g);
		t->queue_new = true;
		qold = qall =
		    dgp_arena_sprintf(a, "array_cat(%s, (SELECT array_agg(q.g) FROM q))", moved);
		free(ta.p);
		free(sa.p);
		free(on.p);
	}
	/* the upsert of the stage's rows (all, or those not new), its counts into dgp_i, dgp_u,
	 * dgp_m */
	const char *upsert_fmt =
	    "WITH %sm AS (INSERT INTO %s AS t (%s) SELECT %s FROM %s s%s"
	    " ON CONFLICT (%s) DO UPDATE SET %s"
	    "\"_dgp_content_hash\" = EXCLUDED.\"_dgp_content_hash\","
	    " \"_dgp_origin\" = EXCLUDED.\"_dgp_origin\", \"_dgp_updated_at\" = now()"
	    " WHERE t.\"_dgp_content_hash\" IS DISTINCT FROM EXCLUDED.\"_dgp_content_hash\""
	    " RETURNING (t.xmax = 0) AS ins)"
	    " SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins), %s"
	    " INTO dgp_i, dgp_u, dgp_m FROM m";
	const char *upsert_old =
	    dgp_arena_sprintf(a, upsert_fmt, ctes_old, tbl, cols.p, cols.p, src,
	                      " WHERE NOT s.\"_dgp_new\"", keys.p, set.p, qold);
	const char *upsert_all = dgp_arena_sprintf(a, upsert_fmt, ctes_all, tbl, cols.p, cols.p,
	                                           src, "", keys.p, set.p, qall);
	/*
	 * The merge function.  Rows the cache took for new go in by a plain
	 * INSERT (no ON CONFLICT: half the server's work); should a key exist
	 * after all (a stale cache, another writer) the unique violation is
	 * caught and every row upserted instead.  Any failure is caught too and
	 * returned as (SQLSTATE, message): a refused row (CHECK, a type's range,
	 * a trigger) costs no logged ERROR, whose DETAIL ("Key (…)=(…)",
	 * "Failing row contains (…)") would put personal data into the server
	 * log.  The exception block's subtransaction is rolled back, the batch's
	 * transaction goes on.  The stage is emptied either way.
	 */
	t->stage_create = dgp_arena_sprintf(
	    a,
	    "CREATE TEMP TABLE %s ON COMMIT DELETE ROWS AS SELECT %s FROM %s WITH NO DATA;"
	    "CREATE FUNCTION %s() RETURNS TABLE (dgp_inserted bigint, dgp_updated bigint,"
	    " dgp_moved text[], dgp_sqlstate text, dgp_message text) LANGUAGE plpgsql AS"
	    " $dgp_merge$ #variable_conflict use_column\n"
	    "DECLARE dgp_n bigint; dgp_i bigint; dgp_u bigint; dgp_m text[]; dgp_q text[];\n"
	    "BEGIN\n"
	    " BEGIN\n"
	    "  WITH n AS (INSERT INTO %s (%s) SELECT %s FROM %s s WHERE s.\"_dgp_new\""
	    " RETURNING %s AS g)"
	    " SELECT count(*), array_agg(g) FILTER (WHERE g IS NOT NULL) INTO dgp_n, dgp_q"
	    " FROM n;\n"
	    "  %s;\n"
	    "  RETURN QUERY SELECT dgp_n + dgp_i, dgp_u, array_cat(dgp_q, dgp_m), NULL::text,"
	    " NULL::text;\n"
	    " EXCEPTION WHEN unique_violation THEN\n"
	    "  BEGIN\n"
	    "   %s;\n"
	    "   RETURN QUERY SELECT dgp_i, dgp_u, dgp_m, NULL::text, NULL::text;\n"
	    "  EXCEPTION WHEN OTHERS THEN\n"
	    "   RETURN QUERY SELECT 0::bigint, 0::bigint, NULL::text[], SQLSTATE::text, "
	    "SQLERRM::text;\n"
	    "  END;\n"
	    " WHEN OTHERS THEN\n"
	    "  RETURN QUERY SELECT 0::bigint, 0::bigint, NULL::text[], SQLSTATE::text, "
	    "SQLERRM::text;\n"
	    " END;\n"
	    " TRUNCATE %s;\n"
	    "END $dgp_merge$",
	    stage, text.p, tbl, fn, tbl, cols.p, cols.p, src, qnew, upsert_old, upsert_all, stage);
	t->merge = dgp_arena_sprintf(a, "SELECT * FROM %s()", fn);
	/* The direct COPY queues a new row's golden key as dgp spells it, which is the
	 * column's ::text only for a text column. */
	const char *gk_type = t->golden_key >= 0 ? s->fields[t->golden_key].pg_type : NULL;
	if (!sk->opts.staged_only && (!t->queue_new || !gk_type || is_text_type(gk_type))) {
		t->copy_direct = dgp_arena_sprintf(a, "COPY %s (%s) FROM STDIN", tbl, cols.p);
		t->copy_direct_bin =
		    dgp_arena_sprintf(a, "COPY %s (%s) FROM STDIN (FORMAT binary)", tbl, cols.p);
		/* The lock (COPY's own) first: no ALTER … TYPE can come between the types read
		 * here and the COPY. */
		dgp_buf_t names = {0}, rel = {0};
		for (size_t i = 0; i < s->nfields + s->ncompanions; i++) {
			dgp_sql_quote_literal(&names, i < s->nfields
			                                  ? s->fields[i].column
			                                  : s->companions[i - s->nfields].column);
			dgp_buf_putc(&names, ',');
		}
		dgp_buf_puts(&names, "'_dgp_content_hash','_dgp_origin'");
		dgp_sql_quote_literal(&rel, tbl);
		t->direct_begin = dgp_arena_sprintf(
		    a,
		    "SAVEPOINT dgp_direct; SET LOCAL log_min_messages = fatal;"
		    " LOCK TABLE %s IN ROW EXCLUSIVE MODE;"
		    " SELECT string_agg(coalesce(a.atttypid, 0)::text, ',' ORDER BY k.i)"
		    " FROM unnest(ARRAY[%s]::text[]) WITH ORDINALITY AS k (c, i)"
		    " LEFT JOIN pg_attribute a ON a.attrelid = %s::regclass AND a.attname = k.c"
		    " AND a.attnum > 0 AND NOT a.attisdropped",
		    tbl, dgp_buf_cstr(&names), dgp_buf_cstr(&rel));
		free(names.p);
		free(rel.p);
	}
	table_build_delete(a, t, s, tbl, seq);
	free(text.p);
	free(typed.p);
	free(old.p);
	free(cols.p);
	free(set.p);
	free(keys.p);

	if (s->base == DGP_BASE_PERSON) {
		t->refresh = "person";
		t->refresh_sig = "dgp_base.refresh_person(text[])";
	} else if (s->base == DGP_BASE_LEGAL_ENTITY) {
		t->refresh = "legal_entity";
		t->refresh_sig = "dgp_base.refresh_legal_entity(text[])";
	}
	if (!t->refresh || t->golden_key < 0) {
		if (t->refresh)
			dgp_log(DGP_LOG_WARN, "pg",
			        "resource %s: no field feeds the golden key, "
			        "golden records are not refreshed from it",
			        s->resource_code);
		t->golden = GOLDEN_NONE;
	}
	t->next = sk->tables;
	sk->tables = t;
	return t;
}

static sink_table_t *table_get(dgp_pg_sink_t *sk, const dgp_schema_t *s)
{
	for (sink_table_t *t = sk->tables; t; t = t->next)
		if (t->schema == s)
			return t;
	return table_build(sk, s);
}

dgp_pg_sink_t *dgp_pg_sink_new(PGconn *conn, const dgp_pg_sink_opts_t *opts)
{
	dgp_pg_sink_t *sk = dgp_xcalloc(1, sizeof(*sk));
	sk->conn = conn;
	if (opts)
		sk->opts = *opts;
	sk->arena = dgp_arena_new(0);
	sk->wr = dgp_arena_new(0);
	return sk;
}

void dgp_pg_sink_destroy(dgp_pg_sink_t *sk)
{
	if (!sk)
		return;
	dgp_arena_destroy(sk->arena);
	dgp_arena_destroy(sk->wr);
	free(sk->refusals);
	free(sk->refused_at);
	free(sk->is_new);
	free(sk->copy.p);
	free(sk->tmp.p);
	free(sk->moved.p);
	free(sk->origin_src.p);
	for (size_t i = 0; i < sizeof(sk->arr) / sizeof(sk->arr[0]); i++)
		free(sk->arr[i].p);
	for (size_t i = 0; i < sizeof(sk->num) / sizeof(sk->num[0]); i++)
		free(sk->num[i].p);
	free(sk->ord);
	free(sk->ent);
	free(sk);
}

void dgp_pg_sink_set_conn(dgp_pg_sink_t *sk, PGconn *conn)
{
	sk->conn = conn;
	sk->direct = DIRECT_UNKNOWN;
	sk->reject_stage_ready = false;
	for (sink_table_t *t = sk->tables; t; t = t->next) {
		t->stage_ready = false;
		if (t->golden == GOLDEN_YES)
			t->golden = GOLDEN_UNKNOWN;
	}
}

/* ------------------------------------------------------------ libpq steps */

static dgp_err_t conn_err(dgp_pg_sink_t *sk, char *errstr, size_t errstr_size, const char *what)
{
	return dgp_pg_call_err(sk->conn, what, errstr, errstr_size);
}

/* Prefix errstr (already holding libpq's text) with the step that failed. */
static dgp_err_t step_err(dgp_err_t e, char *errstr, size_t errstr_size, const char *what)
{
	if (errstr_size) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s", errstr);
		snprintf(errstr, errstr_size, "%s: %s", what, tmp);
	}
	return e;
}

/*
 * dgp_pg_result_err() that also keeps the SQLSTATE and the primary message
 * of a failure (the message may quote a value: it only goes to
 * dgp_ops.reject, never to a log).
 */
static dgp_err_t result_err(dgp_pg_sink_t *sk, const PGresult *r, char *errstr, size_t errstr_size)
{
	dgp_err_t e = dgp_pg_result_err(sk->conn, r, errstr, errstr_size);
	if (e == DGP_OK)
		return e;
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	snprintf(sk->fail_state, sizeof(sk->fail_state), "%s", st && strlen(st) == 5 ? st : "");
	sk->fail_msg = dgp_arena_strdup(sk->wr, msg ? msg : "");
	return e;
}

/* Drain results until NULL; returns the classification of the first failure. */
static dgp_err_t finish_results(dgp_pg_sink_t *sk, dgp_err_t e, char *errstr, size_t errstr_size)
{
	PGresult *r;
	while ((r = PQgetResult(sk->conn))) {
		if (e == DGP_OK)
			e = result_err(sk, r, errstr, errstr_size);
		PQclear(r);
	}
	return e;
}

/* SQL without parameters whose last statement returns one row or none; *out (may be NULL) gets it.
 */
static dgp_err_t exec_sql(dgp_pg_sink_t *sk, const char *sql, PGresult **out, char *errstr,
                          size_t errstr_size)
{
	sk->rt++;
	PGresult *r = PQexec(sk->conn, sql); /* simple protocol: sql may hold several statements */
	dgp_err_t e = result_err(sk, r, errstr, errstr_size);
	if (e == DGP_OK && out)
		*out = r;
	else
		PQclear(r);
	return e;
}

/* Start a COPY … FROM STDIN. */
static dgp_err_t copy_begin(dgp_pg_sink_t *sk, const char *sql, char *errstr, size_t errstr_size)
{
	sk->rt++;
	sk->copy.len = 0;
	PGresult *r = PQexec(sk->conn, sql);
	dgp_err_t e = result_err(sk, r, errstr, errstr_size);
	if (e == DGP_OK && PQresultStatus(r) != PGRES_COPY_IN)
		e = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG, "copy did not start");
	PQclear(r);
	return e;
}

/* Send what the copy buffer holds. */
static dgp_err_t copy_flush(dgp_pg_sink_t *sk, char *errstr, size_t errstr_size)
{
	if (sk->copy.len && PQputCopyData(sk->conn, sk->copy.p, (int)sk->copy.len) != 1)
		return conn_err(sk, errstr, errstr_size, "copy data");
	sk->copy.len = 0;
	return DGP_OK;
}

static dgp_err_t copy_maybe_flush(dgp_pg_sink_t *sk, char *errstr, size_t errstr_size)
{
	return sk->copy.len >= COPY_FLUSH_BYTES ? copy_flush(sk, errstr, errstr_size) : DGP_OK;
}

/* Finish the COPY; *rows (may be NULL) gets the rows copied. */
static dgp_err_t copy_end(dgp_pg_sink_t *sk, uint64_t *rows, char *errstr, size_t errstr_size)
{
	dgp_err_t e = copy_flush(sk, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	if (PQputCopyEnd(sk->conn, NULL) != 1)
		return conn_err(sk, errstr, errstr_size, "copy end");
	PGresult *r = PQgetResult(sk->conn);
	e = result_err(sk, r, errstr, errstr_size);
	if (e == DGP_OK && rows)
		*rows = strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return finish_results(sk, e, errstr, errstr_size);
}

/* One statement of a pipeline: SQL, text parameters. */
typedef struct pstmt {
	const char *sql;
	int nparams;
	const char *params[8];
	PGresult *res; /* kept when keep is set */
	bool keep;
} pstmt_t;

/*
 * Send the statements in pipeline mode and read every reply in one round
 * trip.  Returns the first failure; later statements are then aborted by
 * the server (and the transaction with them).  A failure of the protocol
 * itself (not a server error) leaves the connection in pipeline mode with
 * replies unread: that is DGP_ERR_PG_CONN, and the caller reconnects.
 */
static dgp_err_t run_pipeline(dgp_pg_sink_t *sk, pstmt_t *st, size_t n, char *errstr,
                              size_t errstr_size)
{
	PGconn *c = sk->conn;
	sk->rt++;
	if (PQenterPipelineMode(c) != 1)
		return conn_err(sk, errstr, errstr_size, "pipeline");
	for (size_t i = 0; i < n; i++) {
		st[i].res = NULL;
		if (PQsendQueryParams(c, st[i].sql, st[i].nparams, NULL, st[i].params, NULL, NULL,
		                      0) != 1) {
			conn_err(sk, errstr, errstr_size, "pipeline send");
			return DGP_ERR_PG_CONN;
		}
	}
	if (PQpipelineSync(c) != 1) {
		conn_err(sk, errstr, errstr_size, "pipeline sync");
		return DGP_ERR_PG_CONN;
	}
	dgp_err_t first = DGP_OK;
	for (size_t i = 0; i < n; i++) {
		PGresult *r = PQgetResult(c);
		if (!r) {
			conn_err(sk, errstr, errstr_size, "pipeline result");
			return DGP_ERR_PG_CONN;
		}
		ExecStatusType s = PQresultStatus(r);
		if (s != PGRES_PIPELINE_ABORTED && first == DGP_OK) {
			dgp_err_t e = result_err(sk, r, errstr, errstr_size);
			if (e != DGP_OK)
				first = e;
		}
		if (st[i].keep && s == PGRES_TUPLES_OK)
			st[i].res = r;
		else
			PQclear(r);
		/* each statement's results end with a NULL */
		while ((r = PQgetResult(c)))
			PQclear(r);
		if (PQstatus(c) == CONNECTION_BAD) {
			conn_err(sk, errstr, errstr_size, "pipeline result");
			return DGP_ERR_PG_CONN;
		}
	}
	PGresult *r = PQgetResult(c);
	bool synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
	PQclear(r);
	if (!synced || PQexitPipelineMode(c) != 1) {
		for (size_t i = 0; i < n; i++) {
			PQclear(st[i].res);
			st[i].res = NULL;
		}
		conn_err(sk, errstr, errstr_size, "pipeline end");
		return DGP_ERR_PG_CONN;
	}
	if (first != DGP_OK)
		for (size_t i = 0; i < n; i++) {
			PQclear(st[i].res);
			st[i].res = NULL;
		}
	return first;
}

static void rollback(dgp_pg_sink_t *sk)
{
	/* Still in pipeline mode means the protocol broke (DGP_ERR_PG_CONN): the
	 * caller drops the connection, and the server rolls back with it. */
	if (PQstatus(sk->conn) != CONNECTION_OK || PQpipelineStatus(sk->conn) != PQ_PIPELINE_OFF)
		return;
	PQclear(PQexec(sk->conn, "ROLLBACK"));
}

/* ------------------------------------------------------------ COPY rows */

static const char PGCOPY_SIG[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};

static void copy_header(dgp_pg_sink_t *sk, bool binary)
{
	if (!binary)
		return;
	dgp_buf_append(&sk->copy, PGCOPY_SIG, sizeof(PGCOPY_SIG));
	buf_put_be32(&sk->copy, 0); /* flags */
	buf_put_be32(&sk->copy, 0); /* header extension length */
}

static void copy_trailer(dgp_pg_sink_t *sk, bool binary)
{
	if (binary)
		buf_put_be16(&sk->copy, 0xFFFF);
}

/* The record's origin: "path:line" or "topic/partition@offset" (source made valid UTF-8 once per
 * source). */
static void origin_text(dgp_pg_sink_t *sk, const dgp_origin_t *o, dgp_buf_t *out)
{
	const char *src = o->source ? o->source : "";
	if (src != sk->origin_src_ptr) {
		sk->origin_src.len = 0;
		put_valid_utf8(&sk->origin_src, src, strlen(src));
		sk->origin_src_ptr = src;
	}
	out->len = 0;
	dgp_buf_append(out, sk->origin_src.p, sk->origin_src.len);
	if (o->partition >= 0) {
		dgp_buf_putc(out, '/');
		buf_put_i64(out, o->partition);
		dgp_buf_putc(out, '@');
		buf_put_i64(out, o->offset);
	} else {
		dgp_buf_putc(out, ':');
		buf_put_i64(out, o->line);
	}
}

/* Big-endian stores for the binary COPY row; each returns the position after it. */
static inline unsigned char *put_be16(unsigned char *o, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(o, &v, 2);
	return o + 2;
}

static inline unsigned char *put_be32(unsigned char *o, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(o, &v, 4);
	return o + 4;
}

static inline unsigned char *put_be64(unsigned char *o, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(o, &v, 8);
	return o + 8;
}

/*
 * memcpy for the short values of a row (most are under 16 bytes), inline:
 * overlapping 8- or 4-byte moves, never a byte outside src[0..n) or
 * dst[0..n).  Measured (callgrind, 户籍人口 first load, 23 fields): 66
 * instructions a record fewer than the library call.
 */
static inline void copy_value(unsigned char *dst, const char *src, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a, b;
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		uint32_t a, b;
		memcpy(&a, src, 4);
		memcpy(&b, src + n - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + n - 4, &b, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			dst[i] = (unsigned char)src[i];
	} else {
		memcpy(dst, src, n);
	}
}

/*
 * One row: the values, content hash, origin and, for the stage (is_new >= 0),
 * whether the cache took the key for new.
 */
static void copy_row(dgp_pg_sink_t *sk, const dgp_schema_t *s, bool binary, const dgp_record_t *r,
                     int is_new)
{
	dgp_buf_t *b = &sk->copy;
	size_t ncols = s->nfields + s->ncompanions;
	origin_text(sk, &r->origin, &sk->tmp);
	if (binary) {
		/* One reservation per row, then plain stores: this loop is most of the sink's CPU.
		 */
		size_t need = 2 + 4 * (ncols + 3) + 8 + sk->tmp.len + 1;
		for (size_t i = 0; i < ncols; i++)
			need += r->vals[i].len;
		dgp_buf_reserve(b, need);
		unsigned char *o = (unsigned char *)b->p + b->len;
		o = put_be16(o, (uint16_t)(ncols + 2 + (is_new >= 0)));
		for (size_t i = 0; i < ncols; i++) {
			dgp_slice_t v = r->vals[i];
			if (!v.p) {
				o = put_be32(o, 0xFFFFFFFFu);
				continue;
			}
			o = put_be32(o, (uint32_t)v.len);
			copy_value(o, v.p, v.len);
			o += v.len;
		}
		o = put_be32(o, 8);
		o = put_be64(o, r->content_hash);
		o = put_be32(o, (uint32_t)sk->tmp.len);
		memcpy(o, sk->tmp.p, sk->tmp.len);
		o += sk->tmp.len;
		if (is_new >= 0) {
			o = put_be32(o, 1);
			*o++ = (unsigned char)is_new;
		}
		b->len = (size_t)((char *)o - b->p);
		return;
	}
	for (size_t i = 0; i < ncols; i++) {
		dgp_slice_t v = r->vals[i];
		if (!v.p)
			dgp_buf_append(b, "\\N\t", 3);
		else {
			dgp_sql_copy_text(b, v.p, v.len);
			dgp_buf_putc(b, '\t');
		}
	}
	buf_put_i64(b, (int64_t)r->content_hash);
	dgp_buf_putc(b, '\t');
	dgp_sql_copy_text(b, sk->tmp.p, sk->tmp.len);
	dgp_buf_puts(b, is_new < 0 ? "\n" : is_new ? "\tt\n" : "\tf\n");
}

/*
 * One row of the binary direct COPY, each value in its column's form (enc:
 * the value columns, then the content hash and the origin).  False when a
 * value does not have its rule's canonical text (dgp_pg_bin.h): the row is
 * not written, the caller abandons the binary COPY.
 */
static bool copy_row_typed(dgp_pg_sink_t *sk, const dgp_schema_t *s, const unsigned char *enc,
                           const dgp_record_t *r)
{
	dgp_buf_t *b = &sk->copy;
	size_t ncols = s->nfields + s->ncompanions;
	origin_text(sk, &r->origin, &sk->tmp);
	size_t need = 2 + 4 * (ncols + 2) + 8 + sk->tmp.len;
	for (size_t i = 0; i < ncols; i++) { /* the widest form: a numeric's, or the text's own */
		size_t l = r->vals[i].len;
		need += l > DGP_PG_BIN_NUMERIC_MAX(l) ? l : DGP_PG_BIN_NUMERIC_MAX(l);
	}
	dgp_buf_reserve(b, need);
	unsigned char *row = (unsigned char *)b->p + b->len;
	unsigned char *o = put_be16(row, (uint16_t)(ncols + 2));
	for (size_t i = 0; i < ncols; i++) {
		dgp_slice_t v = r->vals[i];
		if (!v.p) {
			o = put_be32(o, 0xFFFFFFFFu);
			continue;
		}
		int len;
		switch (enc[i]) {
		case ENC_DATE:
			len = dgp_pg_bin_date(v.p, v.len, o + 4);
			break;
		case ENC_NUMERIC:
			len = dgp_pg_bin_numeric(v.p, v.len, o + 4);
			break;
		case ENC_INT8:
			len = dgp_pg_bin_int8(v.p, v.len, o + 4);
			break;
		default:
			copy_value(o + 4, v.p, v.len);
			len = (int)v.len;
		}
		if (len < 0)
			return false;
		o = put_be32(o, (uint32_t)len) + len;
	}
	o = put_be32(o, 8);
	o = put_be64(o, r->content_hash);
	o = put_be32(o, (uint32_t)sk->tmp.len);
	memcpy(o, sk->tmp.p, sk->tmp.len);
	o += sk->tmp.len;
	b->len = (size_t)((char *)o - b->p);
	return true;
}

/*
 * The binary forms of t's COPY columns from their type oids ("25,1082,…",
 * the value columns, then the content hash and the origin): t->enc, or NULL
 * when a column has a type without one here (the text COPY is used).
 */
static void direct_encodings(dgp_arena_t *a, sink_table_t *t, const char *oids)
{
	const dgp_schema_t *s = t->schema;
	size_t ncols = s->nfields + s->ncompanions;
	unsigned char *enc = dgp_arena_calloc(a, ncols + 2);
	const char *p = oids;
	for (size_t i = 0; i < ncols + 2; i++) {
		char *end;
		unsigned long oid = strtoul(p, &end, 10);
		if (end == p || (*end != ',' && *end != '\0')) {
			enc = NULL;
			break;
		}
		p = *end ? end + 1 : end;
		switch (oid) {
		case 25:   /* text */
		case 1043: /* varchar */
		case 1042: /* bpchar: its receive pads and checks the length as its input does */
			enc[i] = ENC_TEXT;
			break;
		case 1082:
			enc[i] = ENC_DATE;
			break;
		case 1700:
			enc[i] = ENC_NUMERIC;
			break;
		case 20:
			enc[i] = ENC_INT8;
			break;
		default:
			enc[i] = 0;
		}
		if (!enc[i] || (i == ncols && oid != 20) ||
		    (i == ncols + 1 && enc[i] != ENC_TEXT)) {
			enc = NULL;
			break;
		}
	}
	t->enc = enc;
	t->direct_oids = dgp_arena_strdup(a, oids);
}

/*
 * Rows are written in key order, so a batch's records are visited at random:
 * the record COPY_PREFETCH_AHEAD rows on is asked for ahead of its use, and the
 * one twice as far its dgp_record_t only (its vals pointer is read then).
 * dgp_batch lays a record's normalised values out right behind its vals[].
 */
#define COPY_PREFETCH_AHEAD  4
#define COPY_PREFETCH_VALUES 384 /* bytes of values asked for behind vals[] */

static void prefetch_rows(dgp_record_t *const *rows, size_t i, size_t n, size_t ncols)
{
	if (i + 2 * COPY_PREFETCH_AHEAD < n)
		__builtin_prefetch(rows[i + 2 * COPY_PREFETCH_AHEAD]);
	if (i + COPY_PREFETCH_AHEAD < n) {
		const char *p = (const char *)rows[i + COPY_PREFETCH_AHEAD]->vals;
		size_t len = ncols * sizeof(dgp_slice_t) + COPY_PREFETCH_VALUES;
		for (size_t o = 0; o < len; o += 64)
			__builtin_prefetch(p + o);
	}
}

/* COPY recs (is_new[i] for each; NULL: into the table, no such column) with sql. */
static dgp_err_t copy_records(dgp_pg_sink_t *sk, const char *sql, const dgp_schema_t *s,
                              bool binary, dgp_record_t *const *recs, const bool *is_new, size_t n,
                              uint64_t *rows, char *errstr, size_t errstr_size)
{
	dgp_err_t e = copy_begin(sk, sql, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	copy_header(sk, binary);
	for (size_t i = 0; i < n; i++) {
		prefetch_rows(recs, i, n, s->nfields + s->ncompanions);
		copy_row(sk, s, binary, recs[i], is_new ? is_new[i] : -1);
		if ((e = copy_maybe_flush(sk, errstr, errstr_size)) != DGP_OK)
			return e;
	}
	copy_trailer(sk, binary);
	return copy_end(sk, rows, errstr, errstr_size);
}

static void put_hex_bytea(dgp_buf_t *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	dgp_buf_reserve(b, 3 + 2 * n);
	char *o = b->p + b->len;
	*o++ = '\\'; /* "\\x…" in COPY text is the bytea input "\x…" */
	*o++ = '\\';
	*o++ = 'x';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		*o++ = hex[c >> 4];
		*o++ = hex[c & 15];
	}
	b->len = (size_t)(o - b->p);
}

static void put_opt_int(dgp_buf_t *b, int64_t v, bool present)
{
	if (present)
		dgp_buf_printf(b, "%" PRId64 "\t", v);
	else
		dgp_buf_append(b, "\\N\t", 3);
}

/* One dgp_ops.reject row (text COPY: resource_code reason field source partition offset line raw
 * detail). */
static void reject_row(dgp_pg_sink_t *sk, const dgp_schema_t *s, const dgp_record_t *r,
                       dgp_reason_t reason, int field, const char *detail)
{
	dgp_buf_t *b = &sk->copy;
	put_copy_text_sanitised(b, &sk->tmp, s->resource_code, strlen(s->resource_code));
	dgp_buf_putc(b, '\t');
	dgp_buf_puts(b, dgp_reason_name(reason));
	dgp_buf_putc(b, '\t');
	if (field >= 0 && (size_t)field < s->nfields) {
		const char *fn = s->fields[field].source_name;
		put_copy_text_sanitised(b, &sk->tmp, fn, strlen(fn));
		dgp_buf_putc(b, '\t');
	} else {
		dgp_buf_append(b, "\\N\t", 3);
	}
	const dgp_origin_t *o = &r->origin;
	if (o->source) {
		put_copy_text_sanitised(b, &sk->tmp, o->source, strlen(o->source));
		dgp_buf_putc(b, '\t');
	} else {
		dgp_buf_append(b, "\\N\t", 3);
	}
	put_opt_int(b, o->partition, o->partition >= 0);
	put_opt_int(b, o->offset, o->offset >= 0);
	put_opt_int(b, o->line, o->line >= 0);
	put_hex_bytea(b, r->raw.p, r->raw.p ? r->raw.len : 0);
	dgp_buf_putc(b, '\t');
	if (detail)
		put_copy_text_sanitised(b, &sk->tmp, detail, strlen(detail));
	else
		dgp_buf_append(b, "\\N", 2);
	dgp_buf_putc(b, '\n');
}

static dgp_err_t copy_rejects(dgp_pg_sink_t *sk, const dgp_pg_sink_input_t *in, uint64_t *rows,
                              char *errstr, size_t errstr_size)
{
	/* a refused row's own field rejects stay: they say what happened to its values */
	dgp_err_t e =
	    copy_begin(sk, "COPY pg_temp.dgp_reject_stage FROM STDIN", errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	for (size_t i = 0; i < in->n_rejects; i++) {
		const dgp_record_t *r = in->rejects[i];
		reject_row(sk, in->schema, r, r->reason, r->reject_field, r->reject_detail);
		if ((e = copy_maybe_flush(sk, errstr, errstr_size)) != DGP_OK)
			return e;
	}
	for (size_t i = 0; i < in->n_field_rejects; i++) {
		const dgp_field_reject_t *f = &in->field_rejects[i];
		reject_row(sk, in->schema, f->rec, f->reason, f->field, NULL);
		if ((e = copy_maybe_flush(sk, errstr, errstr_size)) != DGP_OK)
			return e;
	}
	for (size_t i = 0; i < sk->n_refusals; i++) {
		reject_row(sk, in->schema, sk->refusals[i].rec, DGP_REASON_DB_REFUSED, -1,
		           sk->refusals[i].detail);
		if ((e = copy_maybe_flush(sk, errstr, errstr_size)) != DGP_OK)
			return e;
	}
	return copy_end(sk, rows, errstr, errstr_size);
}

/* ------------------------------------------------------- the transaction */

typedef struct attempt {
	dgp_pg_sink_t *sk;
	sink_table_t *t;
	const dgp_pg_sink_input_t *in;
	const dgp_pg_progress_t *pr;
	dgp_pg_sink_result_t *res;
	dgp_record_t *const *rows; /* inserts and merges in key order (sk->ord) */
	size_t n_rows;
	bool stage_created;
	bool reject_stage_created;
	bool rejects_staged;       /* the reject stage holds this batch's rejects */
	dgp_batch_counts_t counts; /* in->counts, refused rows moved to rejects, replays out */
	uint64_t removed;          /* rows the batch's deletes removed from dgp_src */
	uint64_t deleted_new;      /* history rows they added (not a delete read again) */
	uint64_t replayed;         /* records of the batch counted by an earlier batch */
} attempt_t;

/*
 * Text parameters of the progress check / write: arrays into sk->arr
 * (Kafka: arr[0..2] topics, partitions, next offsets, arr[4] from offsets;
 * arr[3] carries the golden keys later), numbers into sk->num.
 */
static void progress_params(dgp_pg_sink_t *sk, const dgp_pg_progress_t *pr)
{
	for (size_t i = 0; i < sizeof(sk->arr) / sizeof(sk->arr[0]); i++)
		sk->arr[i].len = 0;
	if (pr->kind == DGP_PG_PROGRESS_KAFKA) {
		dgp_buf_t *topics = &sk->arr[0], *parts = &sk->arr[1], *offs = &sk->arr[2];
		dgp_buf_t *froms = &sk->arr[4];
		dgp_buf_putc(topics, '{');
		dgp_buf_putc(parts, '{');
		dgp_buf_putc(offs, '{');
		dgp_buf_putc(froms, '{');
		for (size_t i = 0; i < pr->n_offsets; i++) {
			const dgp_pg_offset_t *o = &pr->offsets[i];
			if (i) {
				dgp_buf_putc(topics, ',');
				dgp_buf_putc(parts, ',');
				dgp_buf_putc(offs, ',');
				dgp_buf_putc(froms, ',');
			}
			put_array_elem(topics, o->topic, strlen(o->topic));
			dgp_buf_printf(parts, "%" PRId32, o->partition);
			dgp_buf_printf(offs, "%" PRId64, o->next_offset);
			dgp_buf_printf(froms, "%" PRId64, o->from_offset);
		}
		dgp_buf_putc(topics, '}');
		dgp_buf_putc(parts, '}');
		dgp_buf_putc(offs, '}');
		dgp_buf_putc(froms, '}');
		dgp_buf_cstr(topics);
		dgp_buf_cstr(parts);
		dgp_buf_cstr(offs);
		dgp_buf_cstr(froms);
	} else if (pr->kind == DGP_PG_PROGRESS_FILE) {
		dgp_buf_t *path = &sk->arr[0];
		const char *p = pr->path ? pr->path : "";
		put_valid_utf8(path, p, strlen(p));
		dgp_buf_cstr(path);
	}
}

/*
 * The locked offsets rows (topic, partition, stored, from, next) against
 * the batch, per the table in dgp_pg_sink.h: *done when every partition was
 * committed before, DGP_OK to write when every one stands at its from
 * offset, else DGP_ERR_STALE naming the first partition that does not.
 */
static dgp_err_t offsets_verdict(const dgp_pg_progress_t *pr, PGresult *r, bool *done, char *errstr,
                                 size_t errstr_size)
{
	int rows = r ? PQntuples(r) : 0, committed = 0, odd = -1;
	for (int i = 0; i < rows; i++) {
		int64_t stored = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		int64_t from = strtoll(PQgetvalue(r, i, 3), NULL, 10);
		int64_t want = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		if (stored >= want)
			committed++;
		else if (stored != from && odd < 0)
			odd = i;
	}
	if (rows > 0 && (size_t)committed == pr->n_offsets) {
		*done = true;
		return DGP_OK;
	}
	if (committed == 0 && odd < 0)
		return DGP_OK;
	if (odd < 0) /* mixed: some partitions committed before, some not */
		for (int i = 0; i < rows && odd < 0; i++)
			if (strtoll(PQgetvalue(r, i, 2), NULL, 10) >=
			    strtoll(PQgetvalue(r, i, 4), NULL, 10))
				odd = i;
	return dgp_errstr_set(
	    errstr, errstr_size, DGP_ERR_STALE,
	    "stale batch: %s [%s] stands at offset %s in dgp_ops.offsets, the batch "
	    "spans %s to %s: another writer committed %s meanwhile; nothing written",
	    PQgetvalue(r, odd, 0), PQgetvalue(r, odd, 1), PQgetvalue(r, odd, 2),
	    PQgetvalue(r, odd, 3), PQgetvalue(r, odd, 4),
	    committed ? "some of its partitions" : "part of it");
}

/*
 * The locked dgp_ops.counted rows (origin, partition, counted_through) into
 * sk->counted, one per progress span (a span without a row: 0).
 */
static void counted_read(dgp_pg_sink_t *sk, const dgp_pg_progress_t *pr, const PGresult *r)
{
	size_t n = pr->kind == DGP_PG_PROGRESS_KAFKA ? pr->n_offsets : 1;
	sk->counted = dgp_arena_calloc(sk->wr, n * sizeof(*sk->counted));
	sk->n_counted = n;
	for (int i = 0; r && i < PQntuples(r); i++) {
		int64_t through = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		if (pr->kind != DGP_PG_PROGRESS_KAFKA) {
			sk->counted[0] = through;
			continue;
		}
		int32_t part = (int32_t)strtol(PQgetvalue(r, i, 1), NULL, 10);
		for (size_t k = 0; k < n; k++)
			if (pr->offsets[k].partition == part &&
			    strcmp(pr->offsets[k].topic, PQgetvalue(r, i, 0)) == 0)
				sk->counted[k] = through;
	}
}

/*
 * Step 1: BEGIN, lock and read the progress row(s); *done when the batch was
 * committed before, DGP_ERR_STALE when another writer overlapped it.
 */
static dgp_err_t begin_and_check(attempt_t *at, bool *done, char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	const dgp_pg_progress_t *pr = at->pr;
	*done = false;
	pstmt_t st[5] = {{.sql = "BEGIN"}};
	size_t n = 1, ip = 0;
	if (pr && pr->kind == DGP_PG_PROGRESS_FILE) {
		ip = n;
		st[n++] = (pstmt_t){.sql = "SELECT next_offset, complete FROM dgp_ops.file_progress"
		                           " WHERE file_id = $1 FOR UPDATE",
		                    .nparams = 1,
		                    .params = {pr->file_id},
		                    .keep = true};
		/* Counted through: a database from before dgp_ops.counted counted what
		 * its progress row says was committed. */
		st[n++] = (pstmt_t){
		    .sql = "INSERT INTO dgp_ops.counted (origin, \"partition\","
		           " counted_through) SELECT $1, -1, coalesce((SELECT"
		           " next_offset FROM dgp_ops.file_progress WHERE file_id = $1), 0)"
		           " ON CONFLICT DO NOTHING",
		    .nparams = 1,
		    .params = {pr->file_id}};
		st[n++] =
		    (pstmt_t){.sql = "SELECT $1::text, -1, counted_through FROM dgp_ops.counted"
		                     " WHERE origin = $1 AND \"partition\" = -1 FOR UPDATE",
		              .nparams = 1,
		              .params = {pr->file_id},
		              .keep = true};
	} else if (pr && pr->kind == DGP_PG_PROGRESS_KAFKA && pr->n_offsets) {
		/* A partition never committed gets its row now, at from: a second
		 * first writer waits for this one's row, then sees it moved. */
		st[n++] =
		    (pstmt_t){.sql = "INSERT INTO dgp_ops.offsets (group_id, topic, \"partition\","
		                     " next_offset, updated_at)"
		                     " SELECT $1, u.topic, u.\"partition\", u.from_offset, now()"
		                     " FROM unnest($2::text[], $3::int[], $4::bigint[])"
		                     "   AS u(topic, \"partition\", from_offset)"
		                     " ORDER BY 2, 3 ON CONFLICT DO NOTHING",
		              .nparams = 4,
		              .params = {pr->group_id, sk->arr[0].p, sk->arr[1].p, sk->arr[4].p}};
		st[n++] = (pstmt_t){
		    .sql = "SELECT o.topic, o.\"partition\", o.next_offset, u.from_offset,"
		           " u.next_offset"
		           " FROM dgp_ops.offsets o"
		           " JOIN unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[])"
		           "   AS u(topic, \"partition\", from_offset, next_offset)"
		           "   ON o.topic = u.topic AND o.\"partition\" = u.\"partition\""
		           " WHERE o.group_id = $1"
		           " ORDER BY o.topic, o.\"partition\" FOR UPDATE OF o",
		    .nparams = 5,
		    .params = {pr->group_id, sk->arr[0].p, sk->arr[1].p, sk->arr[4].p,
		               sk->arr[2].p},
		    .keep = true};
		ip = n - 1;
		/* Counted through, shared by every group: a database from before
		 * dgp_ops.counted counted what any group committed. */
		st[n++] = (pstmt_t){
		    .sql = "INSERT INTO dgp_ops.counted (origin, \"partition\", counted_through)"
		           " SELECT u.topic, u.\"partition\", coalesce((SELECT max(o.next_offset)"
		           "  FROM dgp_ops.offsets o WHERE o.topic = u.topic"
		           "  AND o.\"partition\" = u.\"partition\"), 0)"
		           " FROM unnest($1::text[], $2::int[]) AS u(topic, \"partition\")"
		           " ORDER BY 1, 2 ON CONFLICT DO NOTHING",
		    .nparams = 2,
		    .params = {sk->arr[0].p, sk->arr[1].p}};
		st[n++] = (pstmt_t){
		    .sql =
		        "SELECT c.origin, c.\"partition\", c.counted_through FROM dgp_ops.counted c"
		        " JOIN unnest($1::text[], $2::int[]) AS u(topic, \"partition\")"
		        "   ON c.origin = u.topic AND c.\"partition\" = u.\"partition\""
		        " ORDER BY 1, 2 FOR UPDATE OF c",
		    .nparams = 2,
		    .params = {sk->arr[0].p, sk->arr[1].p},
		    .keep = true};
	}
	dgp_err_t e = run_pipeline(sk, st, n, errstr, errstr_size);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "begin");
	if (ip)
		counted_read(sk, pr, st[n - 1].res);
	PQclear(st[n - 1].res);
	PGresult *r = ip ? st[ip].res : NULL;
	if (pr && pr->kind == DGP_PG_PROGRESS_FILE && r && PQntuples(r) == 1) {
		int64_t stored = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		bool complete = PQgetvalue(r, 0, 1)[0] == 't';
		*done = stored > pr->next_offset ||
		        (stored == pr->next_offset && (complete || !pr->complete));
	} else if (pr && pr->kind == DGP_PG_PROGRESS_KAFKA && pr->n_offsets) {
		e = offsets_verdict(pr, r, done, errstr, errstr_size);
	}
	PQclear(r);
	return e;
}

/* A sort entry: the key's first 16 bytes as two big-endian integers, so most comparisons touch no
 * record. */
typedef struct ord_ent {
	uint64_t hi, lo;
	dgp_record_t *rec;
	bool is_new;
} ord_ent_t;

static uint64_t be_prefix(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = (v << 8) | (i < n ? p[i] : 0);
	return v;
}

static int ord_cmp(const void *a, const void *b)
{
	const ord_ent_t *x = a, *y = b;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	const dgp_slice_t *kx = &x->rec->key, *ky = &y->rec->key;
	size_t n = kx->len < ky->len ? kx->len : ky->len;
	int c = n > 16 ? memcmp(kx->p + 16, ky->p + 16, n - 16) : 0;
	return c ? c : (kx->len > ky->len) - (kx->len < ky->len);
}

static inline bool ord_less(const ord_ent_t *x, const ord_ent_t *y)
{
	if (x->hi != y->hi)
		return x->hi < y->hi;
	if (x->lo != y->lo)
		return x->lo < y->lo;
	return ord_cmp(x, y) < 0;
}

/*
 * Quicksort (median of three, insertion sort below 16) with the comparison
 * inlined: glibc's qsort spent ~600 instructions per row on its calls.
 * Recursion on the smaller side only, so the stack stays O(log n).
 */
static void ord_sort(ord_ent_t *a, size_t n)
{
	while (n > 16) {
		size_t m = n / 2, l = n - 1;
		if (ord_less(&a[m], &a[0])) {
			ord_ent_t t = a[m];
			a[m] = a[0];
			a[0] = t;
		}
		if (ord_less(&a[l], &a[0])) {
			ord_ent_t t = a[l];
			a[l] = a[0];
			a[0] = t;
		}
		if (ord_less(&a[l], &a[m])) {
			ord_ent_t t = a[l];
			a[l] = a[m];
			a[m] = t;
		}
		ord_ent_t p = a[m];
		size_t i = 0, j = l;
		for (;;) {
			while (ord_less(&a[i], &p))
				i++;
			while (ord_less(&p, &a[j]))
				j--;
			if (i >= j)
				break;
			ord_ent_t t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* [0, j] <= p <= [j + 1, n) */
		size_t left = j + 1;
		if (left < n - left) {
			ord_sort(a, left);
			a += left;
			n -= left;
		} else {
			ord_sort(a + left, n - left);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++) {
		ord_ent_t t = a[i];
		size_t j = i;
		for (; j > 0 && ord_less(&t, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/*
 * The records of a (the inserts), then those of b (the merges), each in key order, in sk->ord;
 * sk->n_new = na.  B-tree inserts in key order touch each index page once per batch instead of
 * once per row (RESULTS.md: +25–40 % rows/s); the order does not change what is written, since a
 * batch holds each key once.
 */
static dgp_record_t *const *key_ordered(dgp_pg_sink_t *sk, dgp_record_t *const *a, size_t na,
                                        dgp_record_t *const *b, size_t nb)
{
	size_t n = na + nb;
	if (sk->ord_cap < n) {
		sk->ord_cap = n;
		sk->ord = dgp_xrealloc(sk->ord, n * sizeof(*sk->ord));
		sk->refused_at = dgp_xrealloc(sk->refused_at, n * sizeof(*sk->refused_at));
		sk->is_new = dgp_xrealloc(sk->is_new, n * sizeof(*sk->is_new));
	}
	if (sk->ent_cap < n) {
		sk->ent_cap = n;
		sk->ent = dgp_xrealloc(sk->ent, n * sizeof(*sk->ent));
	}
	for (size_t i = 0; i < n; i++) {
		size_t f = i + COPY_PREFETCH_AHEAD;
		if (f < n) /* the records come in batch order, their keys lie far apart */
			__builtin_prefetch((f < na ? a[f] : b[f - na])->key.p);
		dgp_record_t *r = i < na ? a[i] : b[i - na];
		const unsigned char *k = (const unsigned char *)r->key.p;
		size_t kl = k ? r->key.len : 0;
		sk->ent[i] =
		    (ord_ent_t){be_prefix(k, kl), kl > 8 ? be_prefix(k + 8, kl - 8) : 0, r, i < na};
	}
	ord_sort(sk->ent, n);
	size_t lo = 0, hi = na;
	for (size_t i = 0; i < n; i++) {
		size_t j = sk->ent[i].is_new ? lo++ : hi++;
		sk->ord[j] = sk->ent[i].rec;
		sk->is_new[j] = sk->ent[i].is_new;
		sk->refused_at[j] = false;
	}
	sk->n_new = na;
	return sk->ord;
}

/* Create the stage once per session (it lives until the session ends, emptied at each COMMIT). */
static dgp_err_t stage_ensure(attempt_t *at, char *errstr, size_t errstr_size)
{
	if (at->t->stage_ready || at->stage_created)
		return DGP_OK;
	dgp_err_t e = exec_sql(at->sk, at->t->stage_create, NULL, errstr, errstr_size);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "create stage");
	at->stage_created = true;
	return DGP_OK;
}

/*
 * COPY n rows into the stage and merge the stage into dgp_src; counts go to
 * the result, the golden keys it chose to queue (table_build) to sk->moved.
 * A merge PostgreSQL refused (caught in the merge function, see table_build)
 * is DGP_ERR_PG with *refused set and sk->fail_state / fail_msg; nothing of
 * it stays, the transaction goes on.
 */
static dgp_err_t stage_and_merge(attempt_t *at, dgp_record_t *const *recs, size_t n, bool *refused,
                                 char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	*refused = false;
	dgp_err_t e = copy_records(sk, at->t->copy_stage, at->in->schema, at->t->binary, recs,
	                           sk->is_new + (recs - at->rows), n, NULL, errstr, errstr_size);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "copy into stage");
	PGresult *r = NULL;
	e = exec_sql(sk, at->t->merge, &r, errstr, errstr_size);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "merge into dgp_src");
	if (!PQgetisnull(r, 0, 3)) {
		snprintf(sk->fail_state, sizeof(sk->fail_state), "%s", PQgetvalue(r, 0, 3));
		sk->fail_msg = dgp_arena_strdup(sk->wr, PQgetvalue(r, 0, 4));
		PQclear(r);
		*refused = true;
		/* the message may quote a value: errstr (which callers log) gets the SQLSTATE only
		 */
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG,
		                      "merge into dgp_src: postgresql refused it (SQLSTATE %s)",
		                      sk->fail_state);
	}
	at->res->inserted += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	at->res->updated += strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	/* "{k,…}": kept without the braces, so the moves of several merges add up */
	const char *m = PQgetisnull(r, 0, 2) ? "" : PQgetvalue(r, 0, 2);
	size_t ml = strlen(m);
	if (ml > 2 && m[0] == '{' && m[ml - 1] == '}') {
		if (sk->moved.len)
			dgp_buf_putc(&sk->moved, ',');
		dgp_buf_append(&sk->moved, m + 1, ml - 2);
	}
	PQclear(r);
	return DGP_OK;
}

/*
 * The binary direct COPY of the first n rows; a value without its rule's
 * canonical text ends the COPY with an error of the client's own (the
 * caller falls back to the stage, where PostgreSQL parses the text).
 */
static dgp_err_t copy_typed(attempt_t *at, size_t n, uint64_t *rows, char *errstr,
                            size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	dgp_err_t e = copy_begin(sk, at->t->copy_direct_bin, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	copy_header(sk, true);
	bool queue = at->t->queue_new;
	size_t ncols = at->in->schema->nfields + at->in->schema->ncompanions;
	for (size_t i = 0; i < n; i++) {
		/* the rows were built on the other thread, most of them out of this core's caches
		 */
		prefetch_rows(at->rows, i, n, ncols);
		if (!copy_row_typed(sk, at->in->schema, at->t->enc, at->rows[i])) {
			sk->copy.len = 0;
			if (PQputCopyEnd(sk->conn, "a value without its canonical text") != 1)
				return conn_err(sk, errstr, errstr_size, "copy end");
			PGresult *r = PQgetResult(sk->conn);
			e = result_err(sk, r, errstr, errstr_size);
			PQclear(r);
			e = finish_results(sk, e, errstr, errstr_size);
			return e != DGP_OK ? e
			                   : dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG,
			                                    "binary copy abandoned");
		}
		if (queue) /* while the row is in the cache: a second pass would miss again */
			queue_moved(&sk->moved, at->rows[i], at->t->golden_key);
		if ((e = copy_maybe_flush(sk, errstr, errstr_size)) != DGP_OK)
			return e;
	}
	copy_trailer(sk, true);
	return copy_end(sk, rows, errstr, errstr_size);
}

/*
 * May this session COPY into dgp_src directly?  Asked once per session:
 * the role may SET log_min_messages (has_parameter_privilege, PostgreSQL
 * 15; looked up first, so an older server answers no without an error).
 */
static dgp_err_t direct_probe(attempt_t *at, char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	if (sk->direct != DIRECT_UNKNOWN)
		return DGP_OK;
	PGresult *r = NULL;
	dgp_err_t e = exec_sql(
	    sk,
	    "SELECT to_regprocedure('pg_catalog.has_parameter_privilege(text,text)') IS NOT NULL",
	    &r, errstr, errstr_size);
	bool yes = e == DGP_OK && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	r = NULL;
	if (yes) {
		e = exec_sql(sk,
		             "SELECT pg_catalog.has_parameter_privilege('log_min_messages', 'SET')",
		             &r, errstr, errstr_size);
		yes = e == DGP_OK && PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
	}
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "direct copy privilege");
	sk->direct = yes ? DIRECT_YES : DIRECT_NO;
	if (!yes)
		dgp_log(DGP_LOG_INFO, "pg",
		        "this role may not SET log_min_messages: new rows go through the stage"
		        " (GRANT SET ON PARAMETER log_min_messages TO the role: CONFIGURATION.md,"
		        " pg.copy.direct)");
	return DGP_OK;
}

/*
 * Step 2a: the first n rows (the inserts) by COPY straight into the table,
 * with the server's logging of its errors off (their DETAIL would quote a
 * key or a row).  *fallback when PostgreSQL refused it: rolled back to the
 * savepoint, nothing of it stays, the caller stages the rows.  The golden
 * keys of the rows copied join sk->moved, as the merge's RETURNING would.
 */
static dgp_err_t direct_copy(attempt_t *at, size_t n, bool *fallback, char *errstr,
                             size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	const dgp_schema_t *s = at->in->schema;
	*fallback = false;
	sink_table_t *t = at->t;
	PGresult *r = NULL;
	dgp_err_t e = exec_sql(sk, t->direct_begin, &r, errstr, errstr_size);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "direct copy");
	const char *oids = PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0);
	if (!t->direct_oids || strcmp(t->direct_oids, oids) != 0) {
		direct_encodings(sk->arena, t, oids);
		dgp_log(DGP_LOG_DEBUG, "pg", "resource %s: new rows by direct COPY in %s format",
		        s->resource_code,
		        t->enc ? "binary" : "text (a column type without a binary form here)");
	}
	PQclear(r);
	uint64_t rows = 0;
	size_t moved_len = sk->moved.len;
	if (t->enc)
		e = copy_typed(at, n, &rows, errstr, errstr_size);
	else
		e = copy_records(sk, t->copy_direct, s, false, at->rows, NULL, n, &rows, errstr,
		                 errstr_size);
	if (e == DGP_OK)
		e = exec_sql(sk,
		             "RELEASE SAVEPOINT dgp_direct; SET LOCAL log_min_messages TO DEFAULT",
		             NULL, errstr, errstr_size);
	if (e == DGP_OK) {
		at->res->inserted += rows;
		for (size_t i = 0; !t->enc && t->queue_new && i < n; i++)
			queue_moved(&sk->moved, at->rows[i], t->golden_key);
		return DGP_OK;
	}
	sk->moved.len = moved_len; /* copy_typed's keys: none of its rows stays */
	if (e == DGP_ERR_PG_CONN || PQstatus(sk->conn) != CONNECTION_OK)
		return step_err(e, errstr, errstr_size, "direct copy");
	char state[sizeof(sk->fail_state)];
	memcpy(state, sk->fail_state, sizeof(state));
	/* rolling back to the savepoint also undoes its SET LOCAL */
	e = exec_sql(sk, "ROLLBACK TO SAVEPOINT dgp_direct; RELEASE SAVEPOINT dgp_direct", NULL,
	             errstr, errstr_size);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "direct copy");
	/* the SQLSTATE only: the message may quote a value */
	dgp_log(DGP_LOG_INFO, "pg",
	        "resource %s: postgresql refused the COPY of %zu new rows into dgp_src"
	        " (SQLSTATE %s); writing them through the stage",
	        s->resource_code, n, state[0] ? state : "-----");
	*fallback = true;
	return DGP_OK;
}

/* A row PostgreSQL refused: marked, with "SQLSTATE: message" for dgp_ops.reject. */
static void refuse(attempt_t *at, size_t i)
{
	dgp_pg_sink_t *sk = at->sk;
	sk->refused_at[i] = true;
	if (sk->n_refusals == sk->cap_refusals) {
		sk->cap_refusals = sk->cap_refusals ? 2 * sk->cap_refusals : 16;
		sk->refusals = dgp_xrealloc(sk->refusals, sk->cap_refusals * sizeof(*sk->refusals));
	}
	const char *detail = dgp_arena_sprintf(sk->wr, "%s: %s", sk->fail_state, sk->fail_msg);
	sk->refusals[sk->n_refusals++] = (dgp_pg_refusal_t){at->rows[i], detail};
	/* The log names the record by its origin and the SQLSTATE only: the message may quote a
	 * value. */
	dgp_buf_t o = {0};
	origin_text(sk, &at->rows[i]->origin, &o);
	dgp_log(DGP_LOG_WARN, "pg",
	        "resource %s: postgresql refused %s (SQLSTATE %s); rejected as %s",
	        at->in->schema->resource_code, dgp_buf_cstr(&o), sk->fail_state,
	        dgp_reason_name(DGP_REASON_DB_REFUSED));
	free(o.p);
}

/* A span of at->rows; known_bad: refused already (its sibling went in, their parent did not). */
typedef struct span {
	size_t lo, hi;
	bool left; /* the first half of a split: when it goes in, its sibling is known_bad */
	bool known_bad;
} span_t;

/*
 * Step 2: the inserts by a direct COPY when the session may (direct_copy),
 * then every row left (the merges; all rows when the direct COPY was not
 * used or refused) through the stage: COPY, then one INSERT … ON CONFLICT.
 * A key the cache took for new but PostgreSQL holds (stale cache, another
 * writer) is merged like any other: no logged statement fails on it, so the
 * server log never holds a key.
 *
 * When PostgreSQL refuses the rows for a reason it blames on a row
 * (DGP_PG_ROW_REFUSED), they are written again in spans, halving
 * a refused span down to the single rows, which are refused.  A span of
 * several rows whose first half went in after the whole was refused is
 * split without a try of its own.
 * k refused rows among n cost about 1.5 k log2(n) spans of 3 round trips;
 * every other row is written once.
 */
static dgp_err_t write_rows(attempt_t *at, char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	size_t n = at->n_rows, lo = 0;
	if (!n)
		return DGP_OK;
	dgp_err_t e;
	if (at->t->copy_direct && sk->n_new) {
		if ((e = direct_probe(at, errstr, errstr_size)) != DGP_OK)
			return e;
		bool fallback = true;
		if (sk->direct == DIRECT_YES &&
		    (e = direct_copy(at, sk->n_new, &fallback, errstr, errstr_size)) != DGP_OK)
			return e;
		if (!fallback)
			lo = sk->n_new;
	}
	if (lo == n)
		return DGP_OK;
	e = stage_ensure(at, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	bool refused;
	e = stage_and_merge(at, at->rows + lo, n - lo, &refused, errstr, errstr_size);
	if (e == DGP_OK || !refused || dgp_pg_sqlstate_class(sk->fail_state) != DGP_PG_ROW_REFUSED)
		return e;
	dgp_log(DGP_LOG_INFO, "pg",
	        "resource %s: postgresql refused a row of a batch of %zu "
	        "(SQLSTATE %s); writing the batch in parts to find and reject it",
	        at->in->schema->resource_code, n - lo, sk->fail_state);
	size_t cap = 128;
	span_t *stack = dgp_xmalloc(cap * sizeof(*stack));
	size_t top = 0;
	span_t cur = {lo, n, false, true};
	for (;;) {
		/* A single row is always tried: the inference fails when two rows refused only
		 * together (one key twice) sat in different halves. */
		bool bad = cur.known_bad && (cur.hi - cur.lo > 1 || cur.hi - cur.lo == n - lo);
		if (!bad) {
			e = stage_and_merge(at, at->rows + cur.lo, cur.hi - cur.lo, &refused,
			                    errstr, errstr_size);
			if (e != DGP_OK && !(refused && dgp_pg_sqlstate_class(sk->fail_state) ==
			                                    DGP_PG_ROW_REFUSED))
				break;
			bad = e != DGP_OK;
			if (!bad && cur.left && top > 0)
				stack[top - 1].known_bad =
				    true; /* the sibling holds what was refused */
		}
		if (bad && cur.hi - cur.lo == 1) {
			refuse(at, cur.lo);
		} else if (bad) {
			if (top + 2 > cap)
				stack = dgp_xrealloc(stack, (cap *= 2) * sizeof(*stack));
			size_t mid = cur.lo + (cur.hi - cur.lo) / 2;
			stack[top++] = (span_t){mid, cur.hi, false, false};
			stack[top++] = (span_t){cur.lo, mid, true, false};
		}
		if (!top) {
			e = DGP_OK;
			break;
		}
		cur = stack[--top];
	}
	free(stack);
	return e;
}

/* Was r counted by an earlier batch (its origin lies below its span's counted-through offset)? */
static bool is_replay(const attempt_t *at, const dgp_record_t *r)
{
	const dgp_pg_sink_t *sk = at->sk;
	const dgp_pg_progress_t *pr = at->pr;
	if (!sk->n_counted)
		return false;
	if (pr->kind != DGP_PG_PROGRESS_KAFKA)
		return r->origin.offset < sk->counted[0];
	for (size_t i = 0; i < pr->n_offsets; i++) {
		const dgp_pg_offset_t *o = &pr->offsets[i];
		if (o->partition == r->origin.partition && r->origin.source &&
		    strcmp(o->topic, r->origin.source) == 0)
			return r->origin.offset < sk->counted[i];
	}
	return false;
}

/* Can any record of the batch lie below its span's counted-through offset?  (Mostly not: skip the
 * scan.) */
static bool may_replay(const attempt_t *at)
{
	const dgp_pg_progress_t *pr = at->pr;
	if (pr->kind != DGP_PG_PROGRESS_KAFKA) /* a file's records come in offset order */
		return at->in->records[0]->origin.offset < at->sk->counted[0];
	for (size_t i = 0; i < pr->n_offsets; i++)
		if (pr->offsets[i].from_offset < at->sk->counted[i])
			return true;
	return false;
}

static void uncount(uint64_t *v)
{
	if (*v)
		--*v;
}

/*
 * Take the records an earlier batch counted (another consumer group, a
 * file loaded again) out of at->counts, into at->replayed: statistics count
 * a record once however often it is read.
 */
static void count_replays(attempt_t *at)
{
	const dgp_pg_sink_input_t *in = at->in;
	dgp_batch_counts_t *c = &at->counts;
	at->replayed = 0;
	/* A file's records passed over unparsed (unchanged chunks, c->skipped) lie
	 * before the batch's end: replays when the file was counted past it. */
	if (at->sk->n_counted && at->pr->kind != DGP_PG_PROGRESS_KAFKA && c->skipped &&
	    at->pr->next_offset <= at->sk->counted[0]) {
		at->replayed += c->skipped;
		c->read = c->read > c->skipped ? c->read - c->skipped : 0;
	}
	if (!at->sk->n_counted || !in->records || !in->n_records || !may_replay(at))
		return;
	for (size_t i = 0; i < in->n_records; i++) {
		const dgp_record_t *r = in->records[i];
		if (!is_replay(at, r))
			continue;
		at->replayed++;
		uncount(&c->read);
		if (r->reason != DGP_REASON_OK) {
			uncount(&c->rejected);
			uncount(&c->by_reason[r->reason]);
		}
	}
	if (!at->replayed)
		return;
	for (size_t i = 0; i < in->n_field_rejects; i++)
		if (is_replay(at, in->field_rejects[i].rec))
			uncount(&c->by_reason[in->field_rejects[i].reason]);
	for (size_t i = 0; i < at->sk->n_refusals; i++)
		if (is_replay(at, at->sk->refusals[i].rec)) {
			uncount(&c->rejected);
			uncount(&c->by_reason[DGP_REASON_DB_REFUSED]);
		}
}

/* A delete's stage row: its key values, then its origin (source, partition, offset, line). */
static void delete_row(dgp_pg_sink_t *sk, const dgp_schema_t *s, const dgp_record_t *r)
{
	dgp_buf_t *b = &sk->copy;
	for (size_t k = 0; k < s->nkeys; k++) {
		dgp_slice_t v = r->vals[s->key_fields[k]];
		dgp_sql_copy_text(b, v.p, v.len);
		dgp_buf_putc(b, '\t');
	}
	const char *src = r->origin.source ? r->origin.source : "";
	put_copy_text_sanitised(b, &sk->tmp, src, strlen(src));
	dgp_buf_putc(b, '\t');
	put_opt_int(b, r->origin.partition, r->origin.partition >= 0); /* each with its tab */
	put_opt_int(b, r->origin.offset, true);
	put_opt_int(b, r->origin.line, r->origin.line >= 0);
	b->p[b->len - 1] = '\n';
}

/*
 * Step 3: the deletes.  Their keys go to the delete stage, one statement
 * moves the rows they name from dgp_src to dgp_ops.deleted; a key that is
 * not stored removes nothing (absent: counted, neither a reject nor an
 * error).  The golden keys of the removed rows join sk->moved, so finish()
 * queues them with the written rows' keys: the golden worker recomputes
 * each from the sources left, or deletes it when none is.
 */
static dgp_err_t write_deletes(attempt_t *at, char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	const dgp_pg_sink_input_t *in = at->in;
	at->removed = at->deleted_new = 0;
	if (!in->n_deletes)
		return DGP_OK;
	dgp_err_t e = stage_ensure(at, errstr, errstr_size);
	if (e != DGP_OK)
		return e;
	if ((e = copy_begin(sk, at->t->copy_del, errstr, errstr_size)) != DGP_OK)
		return step_err(e, errstr, errstr_size, "copy into the delete stage");
	for (size_t i = 0; i < in->n_deletes; i++) {
		delete_row(sk, in->schema, in->deletes[i]);
		if ((e = copy_maybe_flush(sk, errstr, errstr_size)) != DGP_OK)
			return step_err(e, errstr, errstr_size, "copy into the delete stage");
	}
	if ((e = copy_end(sk, NULL, errstr, errstr_size)) != DGP_OK)
		return step_err(e, errstr, errstr_size, "copy into the delete stage");
	const char *p[1] = {in->schema->resource_code};
	sk->rt++;
	PGresult *r = PQexecParams(sk->conn, at->t->del, 1, NULL, p, NULL, NULL, 0);
	e = result_err(sk, r, errstr, errstr_size);
	if (e != DGP_OK) {
		PQclear(r);
		return step_err(e, errstr, errstr_size, "delete from dgp_src");
	}
	at->removed = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	at->deleted_new = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	/* "{k,…}": appended without the braces, as the merges' moved keys are */
	const char *g = PQgetisnull(r, 0, 2) ? "" : PQgetvalue(r, 0, 2);
	size_t gl = strlen(g);
	if (gl > 2 && g[0] == '{' && g[gl - 1] == '}') {
		if (sk->moved.len)
			dgp_buf_putc(&sk->moved, ',');
		dgp_buf_append(&sk->moved, g + 1, gl - 2);
	}
	PQclear(r);
	return DGP_OK;
}

static const char REJECT_STAGE_SQL[] =
    "CREATE TEMP TABLE dgp_reject_stage (resource_code text, reason text, field text,"
    " source text, \"partition\" int, \"offset\" bigint, line bigint, raw bytea, detail text)"
    " ON COMMIT DELETE ROWS";

/*
 * Step 4: rejects into the session's reject stage; finish() moves them into
 * dgp_ops.reject, skipping any its origin already holds (the same reject of
 * the same record, read again).
 */
static dgp_err_t write_rejects(attempt_t *at, char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	at->rejects_staged = false;
	if (!at->in->n_rejects && !at->in->n_field_rejects && !sk->n_refusals)
		return DGP_OK;
	dgp_err_t e = DGP_OK;
	if (!sk->reject_stage_ready && !at->reject_stage_created) {
		e = exec_sql(sk, REJECT_STAGE_SQL, NULL, errstr, errstr_size);
		if (e != DGP_OK)
			return step_err(e, errstr, errstr_size, "create reject stage");
		at->reject_stage_created = true;
	}
	e = copy_rejects(sk, at->in, NULL, errstr, errstr_size);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "copy into the reject stage");
	at->rejects_staged = true;
	return DGP_OK;
}

/* Does the golden function exist in this database?  Looked up once per session. */
static dgp_err_t golden_lookup(attempt_t *at, char *errstr, size_t errstr_size)
{
	sink_table_t *t = at->t;
	if (t->golden != GOLDEN_UNKNOWN)
		return DGP_OK;
	const char *p[1] = {t->refresh_sig};
	at->sk->rt++;
	PGresult *r = PQexecParams(at->sk->conn, "SELECT to_regprocedure($1) IS NOT NULL", 1, NULL,
	                           p, NULL, NULL, 0);
	dgp_err_t e = dgp_pg_result_err(at->sk->conn, r, errstr, errstr_size);
	if (e == DGP_OK)
		t->golden = PQgetvalue(r, 0, 0)[0] == 't' ? GOLDEN_YES : GOLDEN_NONE;
	PQclear(r);
	if (e == DGP_OK && t->golden == GOLDEN_NONE)
		dgp_log(DGP_LOG_INFO, "pg",
		        "%s does not exist (yet): golden records of resource "
		        "%s are not refreshed",
		        t->refresh_sig, at->in->schema->resource_code);
	return e == DGP_OK ? e : step_err(e, errstr, errstr_size, "golden lookup");
}

/*
 * The golden keys to queue as a text[] literal; returns the count.  The merges
 * chose them (new rows, rows whose golden-feeding columns changed, keys rows
 * moved away from) and the deletes added theirs, all in sk->moved.
 */
static uint64_t golden_keys(attempt_t *at, dgp_buf_t *b)
{
	uint64_t n = 0;
	b->len = 0;
	dgp_buf_putc(b, '{');
	/* array elements without the braces: "k,…" */
	const dgp_buf_t *m = &at->sk->moved;
	if (m->len) {
		dgp_buf_append(b, m->p, m->len);
		bool quoted = false; /* elements with a comma come quoted, with \" and \\ */
		for (size_t i = 0; i < m->len; i++) {
			if (m->p[i] == '\\')
				i++;
			else if (m->p[i] == '"')
				quoted = !quoted;
			else
				n += !quoted && m->p[i] == ',';
		}
		n++;
	}
	dgp_buf_putc(b, '}');
	dgp_buf_cstr(b);
	return n;
}

/* Stats parameters: reasons with a count, fields with their counts. */
static size_t stats_params(attempt_t *at)
{
	dgp_pg_sink_t *sk = at->sk;
	const dgp_batch_counts_t *c = &at->counts;
	dgp_buf_t *rn = &sk->num[0], *rc = &sk->num[1];
	rn->len = rc->len = 0;
	dgp_buf_putc(rn, '{');
	dgp_buf_putc(rc, '{');
	size_t nreasons = 0;
	for (int r = 1; r < DGP_REASON__COUNT; r++) {
		if (!c->by_reason[r])
			continue;
		if (nreasons++) {
			dgp_buf_putc(rn, ',');
			dgp_buf_putc(rc, ',');
		}
		dgp_buf_puts(rn, dgp_reason_name((dgp_reason_t)r));
		dgp_buf_printf(rc, "%" PRIu64, c->by_reason[r]);
	}
	dgp_buf_putc(rn, '}');
	dgp_buf_putc(rc, '}');
	dgp_buf_cstr(rn);
	dgp_buf_cstr(rc);
	return nreasons;
}

static void field_params(attempt_t *at)
{
	dgp_pg_sink_t *sk = at->sk;
	const dgp_schema_t *s = at->in->schema;
	dgp_buf_t *fn = &sk->num[2], *fp = &sk->num[3], *fv = &sk->num[4];
	fn->len = fp->len = fv->len = 0;
	dgp_buf_putc(fn, '{');
	dgp_buf_putc(fp, '{');
	dgp_buf_putc(fv, '{');
	for (size_t i = 0; i < s->nfields; i++) {
		if (i) {
			dgp_buf_putc(fn, ',');
			dgp_buf_putc(fp, ',');
			dgp_buf_putc(fv, ',');
		}
		put_array_elem(fn, s->fields[i].source_name, strlen(s->fields[i].source_name));
		dgp_buf_printf(fp, "%" PRIu64, at->in->field_counts[i].present);
		dgp_buf_printf(fv, "%" PRIu64, at->in->field_counts[i].valid);
	}
	dgp_buf_putc(fn, '}');
	dgp_buf_putc(fp, '}');
	dgp_buf_putc(fv, '}');
	dgp_buf_cstr(fn);
	dgp_buf_cstr(fp);
	dgp_buf_cstr(fv);
}

/* Step 5: golden queue, statistics, progress and COMMIT in one pipeline. */
static dgp_err_t finish(attempt_t *at, char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	const dgp_pg_sink_input_t *in = at->in;
	const dgp_pg_progress_t *pr = at->pr;
	const dgp_schema_t *s = in->schema;
	pstmt_t st[12];
	size_t n = 0, irej = 0;
	char nb[9][24];

	dgp_err_t e = DGP_OK;
	if (at->rejects_staged) {
		irej = n;
		st[n++] = (pstmt_t){.sql = "WITH i AS (INSERT INTO dgp_ops.reject (resource_code, "
		                           "reason, field, source,"
		                           " \"partition\", \"offset\", line, raw, detail)"
		                           " SELECT * FROM pg_temp.dgp_reject_stage ON CONFLICT DO "
		                           "NOTHING RETURNING 1)"
		                           " SELECT count(*) FROM i",
		                    .keep = true};
	}
	bool touched = at->n_rows || sk->moved.len; /* rows written or deleted */
	if (touched && (e = golden_lookup(at, errstr, errstr_size)) != DGP_OK)
		return e;
	if (at->t->golden == GOLDEN_YES && touched) {
		at->res->refreshed_keys = golden_keys(at, &sk->arr[3]);
		/* Queued, not refreshed: one queue row holds the batch's keys, and the
		 * golden worker (dgp_golden) refreshes them later in large sets; queued
		 * in this transaction, so none is missed. */
		if (at->res->refreshed_keys)
			st[n++] = (pstmt_t){.sql = "INSERT INTO dgp_ops.golden_queue (base, keys)"
			                           " VALUES ($1, $2::text[])",
			                    .nparams = 2,
			                    .params = {at->t->refresh, sk->arr[3].p}};
	}

	uint64_t written = at->res->inserted + at->res->updated + at->removed;
	if (in->counts) {
		const dgp_batch_counts_t *c = &at->counts;
		snprintf(nb[0], sizeof(nb[0]), "%" PRId64,
		         (int64_t)at->res->inserted - (int64_t)at->removed);
		snprintf(nb[8], sizeof(nb[8]), "%" PRIu64, at->deleted_new);
		snprintf(nb[1], sizeof(nb[1]), "%" PRIu64, c->read);
		snprintf(nb[2], sizeof(nb[2]), "%" PRIu64, c->rejected);
		snprintf(nb[7], sizeof(nb[7]), "%" PRIu64, at->replayed);
		st[n++] = (pstmt_t){
		    .sql =
		        "INSERT INTO dgp_catalog.resource_stats AS s (resource_code, \"rows\","
		        " records_read, rejected, replayed, deleted, last_load, last_change)"
		        " VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $6::bigint, $7::bigint,"
		        "  now(), CASE WHEN $5::boolean THEN now() END)"
		        " ON CONFLICT (resource_code) DO UPDATE SET"
		        " \"rows\" = s.\"rows\" + EXCLUDED.\"rows\","
		        " records_read = s.records_read + EXCLUDED.records_read,"
		        " rejected = s.rejected + EXCLUDED.rejected,"
		        " replayed = s.replayed + EXCLUDED.replayed,"
		        " deleted = s.deleted + EXCLUDED.deleted,"
		        " last_load = EXCLUDED.last_load,"
		        " last_change = COALESCE(EXCLUDED.last_change, s.last_change)",
		    .nparams = 7,
		    .params = {s->resource_code, nb[0], nb[1], nb[2], written ? "t" : "f", nb[7],
		               nb[8]}};
		if (stats_params(at))
			st[n++] = (pstmt_t){
			    .sql = "INSERT INTO dgp_catalog.reject_stats AS s (resource_code, "
			           "reason, count)"
			           " SELECT $1, u.reason, u.count"
			           " FROM unnest($2::text[], $3::bigint[]) AS u(reason, count)"
			           " ON CONFLICT (resource_code, reason) DO UPDATE SET"
			           " count = s.count + EXCLUDED.count",
			    .nparams = 3,
			    .params = {s->resource_code, sk->num[0].p, sk->num[1].p}};
		/* Fill rate is over the records that were parsed into fields.  The
		 * field counts are per batch, not per record: a batch that read any
		 * record again adds none, so the rates stay true. */
		uint64_t parsed = c->parsed;
		if (in->field_counts && s->nfields && parsed && !at->replayed) {
			field_params(at);
			snprintf(nb[6], sizeof(nb[6]), "%" PRIu64, parsed);
			st[n++] =
			    (pstmt_t){.sql = "INSERT INTO dgp_catalog.field_stats AS s"
			                     " (resource_code, field, present, valid, total)"
			                     " SELECT $1, u.field, u.present, u.valid, $5::bigint"
			                     " FROM unnest($2::text[], $3::bigint[], $4::bigint[])"
			                     "   AS u(field, present, valid)"
			                     " ON CONFLICT (resource_code, field) DO UPDATE SET"
			                     " present = s.present + EXCLUDED.present,"
			                     " valid = s.valid + EXCLUDED.valid,"
			                     " total = s.total + EXCLUDED.total",
			              .nparams = 5,
			              .params = {s->resource_code, sk->num[2].p, sk->num[3].p,
			                         sk->num[4].p, nb[6]}};
		}
	}

	if (pr && pr->n_unknown && !at->replayed) {
		dgp_buf_t *un = &sk->num[5], *ur = &sk->num[6];
		un->len = ur->len = 0;
		dgp_buf_putc(un, '{');
		dgp_buf_putc(ur, '{');
		for (size_t i = 0; i < pr->n_unknown; i++) {
			if (i) {
				dgp_buf_putc(un, ',');
				dgp_buf_putc(ur, ',');
			}
			put_array_elem(un, pr->unknown_names[i], strlen(pr->unknown_names[i]));
			dgp_buf_printf(ur, "%" PRIu64, pr->unknown_records[i]);
		}
		dgp_buf_putc(un, '}');
		dgp_buf_putc(ur, '}');
		st[n++] =
		    (pstmt_t){.sql = "INSERT INTO dgp_catalog.unknown_field_stats AS s"
		                     " (resource_code, name, records, first_seen, last_seen)"
		                     " SELECT $1, u.name, u.records, now(), now()"
		                     " FROM unnest($2::text[], $3::bigint[]) AS u(name, records)"
		                     " ON CONFLICT (resource_code, name) DO UPDATE SET"
		                     " records = s.records + EXCLUDED.records, last_seen = now()",
		              .nparams = 3,
		              .params = {s->resource_code, dgp_buf_cstr(un), dgp_buf_cstr(ur)}};
	}
	char ll[8][24];
	if (pr && pr->load_log_id > 0 && in->counts) {
		/* The load's log row counts what is committed, so a kill leaves it true. */
		const dgp_batch_counts_t *c = in->counts;
		snprintf(ll[0], sizeof(ll[0]), "%" PRId64, pr->load_log_id);
		snprintf(ll[1], sizeof(ll[1]), "%" PRIu64, c->read);
		for (int k = 0; k < 4; k++)
			snprintf(ll[2 + k], sizeof(ll[2 + k]), "%" PRIu64, c->cls[k]);
		snprintf(ll[6], sizeof(ll[6]), "%" PRIu64, c->rejected);
		snprintf(ll[7], sizeof(ll[7]), "%" PRIu64, at->removed);
		st[n++] = (pstmt_t){
		    .sql =
		        "UPDATE dgp_ops.load_log SET records_read = records_read + $2::bigint,"
		        " \"new\" = \"new\" + $3::bigint, changed = changed + $4::bigint,"
		        " unchanged = unchanged + $5::bigint, duplicate = duplicate + $6::bigint,"
		        " rejected = rejected + $7::bigint, deleted = deleted + $8::bigint"
		        " WHERE id = $1::bigint",
		    .nparams = 8,
		    .params = {ll[0], ll[1], ll[2], ll[3], ll[4], ll[5], ll[6], ll[7]}};
	}
	if (pr && pr->kind == DGP_PG_PROGRESS_FILE) {
		snprintf(nb[3], sizeof(nb[3]), "%" PRId64, pr->next_offset);
		snprintf(nb[4], sizeof(nb[4]), "%" PRId64, pr->next_line);
		snprintf(nb[5], sizeof(nb[5]), "%" PRId64, pr->records);
		st[n++] = (pstmt_t){
		    .sql = "INSERT INTO dgp_ops.file_progress (file_id, path, resource_code,"
		           " next_offset, next_line, records, complete, updated_at)"
		           " VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6::bigint, $7::boolean, "
		           "now())"
		           " ON CONFLICT (file_id) DO UPDATE SET path = EXCLUDED.path,"
		           " resource_code = EXCLUDED.resource_code,"
		           " next_offset = EXCLUDED.next_offset, next_line = EXCLUDED.next_line,"
		           " records = EXCLUDED.records, complete = EXCLUDED.complete,"
		           " updated_at = now()",
		    .nparams = 7,
		    .params = {pr->file_id, sk->arr[0].p,
		               pr->resource_code ? pr->resource_code : s->resource_code, nb[3],
		               nb[4], nb[5], pr->complete ? "t" : "f"}};
	} else if (pr && pr->kind == DGP_PG_PROGRESS_KAFKA && pr->n_offsets) {
		st[n++] =
		    (pstmt_t){.sql = "INSERT INTO dgp_ops.offsets (group_id, topic, \"partition\","
		                     " next_offset, updated_at)"
		                     " SELECT $1, u.topic, u.\"partition\", u.next_offset, now()"
		                     " FROM unnest($2::text[], $3::int[], $4::bigint[])"
		                     "   AS u(topic, \"partition\", next_offset)"
		                     " ON CONFLICT (group_id, topic, \"partition\") DO UPDATE SET"
		                     " next_offset = EXCLUDED.next_offset, updated_at = now()",
		              .nparams = 4,
		              .params = {pr->group_id, sk->arr[0].p, sk->arr[1].p, sk->arr[2].p}};
	}
	if (sk->n_counted) {
		/* Everything below the batch's end is counted now (never moved back). */
		if (pr->kind == DGP_PG_PROGRESS_KAFKA)
			st[n++] = (pstmt_t){
			    .sql = "UPDATE dgp_ops.counted c SET counted_through = u.next_offset,"
			           " updated_at = now()"
			           " FROM unnest($1::text[], $2::int[], $3::bigint[])"
			           "   AS u(topic, \"partition\", next_offset)"
			           " WHERE c.origin = u.topic AND c.\"partition\" = u.\"partition\""
			           " AND c.counted_through < u.next_offset",
			    .nparams = 3,
			    .params = {sk->arr[0].p, sk->arr[1].p, sk->arr[2].p}};
		else
			st[n++] = (pstmt_t){
			    .sql = "UPDATE dgp_ops.counted SET counted_through = $2::bigint,"
			           " updated_at = now() WHERE origin = $1 AND \"partition\" = -1"
			           " AND counted_through < $2::bigint",
			    .nparams = 2,
			    .params = {pr->file_id, nb[3]}};
	}
	st[n++] = (pstmt_t){.sql = "COMMIT"};
	e = run_pipeline(sk, st, n, errstr, errstr_size);
	if (e == DGP_OK && at->rejects_staged && st[irej].res)
		at->res->rejects = strtoull(PQgetvalue(st[irej].res, 0, 0), NULL, 10);
	if (at->rejects_staged)
		PQclear(st[irej].res);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "commit");
	return DGP_OK;
}

static dgp_err_t attempt_run(attempt_t *at, char *errstr, size_t errstr_size)
{
	dgp_pg_sink_t *sk = at->sk;
	bool done;
	sk->moved.len = 0;
	sk->n_refusals = 0;
	if (at->n_rows)
		memset(sk->refused_at, 0, at->n_rows * sizeof(*sk->refused_at));
	at->stage_created = false;
	at->reject_stage_created = false;
	dgp_err_t e = begin_and_check(at, &done, errstr, errstr_size);
	if (e == DGP_OK && done) {
		at->res->already_committed = true;
		rollback(at->sk);
		return DGP_OK;
	}
	if (e == DGP_OK)
		e = write_rows(at, errstr, errstr_size);
	if (e == DGP_OK)
		e = write_deletes(at, errstr, errstr_size);
	if (e == DGP_OK && at->in->counts) {
		at->counts = *at->in->counts;
		at->counts.rejected += sk->n_refusals;
		at->counts.by_reason[DGP_REASON_DB_REFUSED] += sk->n_refusals;
		count_replays(at);
	}
	if (e == DGP_OK)
		e = write_rejects(at, errstr, errstr_size);
	if (e == DGP_OK)
		e = finish(at, errstr, errstr_size);
	if (e == DGP_OK) {
		if (at->stage_created)
			at->t->stage_ready = true;
		if (at->reject_stage_created)
			sk->reject_stage_ready = true;
		return DGP_OK;
	}
	rollback(at->sk);
	if (PQstatus(at->sk->conn) != CONNECTION_OK)
		e = DGP_ERR_PG_CONN;
	return e;
}

static bool progress_valid(const dgp_pg_progress_t *pr)
{
	if (!pr || pr->kind == DGP_PG_PROGRESS_NONE)
		return true;
	if (pr->kind == DGP_PG_PROGRESS_FILE)
		return pr->file_id != NULL;
	if (pr->kind == DGP_PG_PROGRESS_KAFKA) {
		if (!pr->group_id || (pr->n_offsets && !pr->offsets))
			return false;
		for (size_t i = 0; i < pr->n_offsets; i++)
			if (!pr->offsets[i].topic)
				return false;
		return true;
	}
	return false;
}

dgp_err_t dgp_pg_sink_write(dgp_pg_sink_t *sk, const dgp_pg_sink_input_t *in,
                            const dgp_pg_progress_t *progress, dgp_pg_sink_result_t *result,
                            char *errstr, size_t errstr_size)
{
	dgp_pg_sink_result_t local;
	if (!result)
		result = &local;
	*result = (dgp_pg_sink_result_t){0};
	/* The origin cache is keyed by the source string's address, which is only
	 * stable within a batch: the next file's source may reuse a freed one's. */
	sk->origin_src_ptr = NULL;
	if (!in || !in->schema || !progress_valid(progress))
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "sink write: missing schema or incomplete progress");
	if (PQstatus(sk->conn) != CONNECTION_OK || PQpipelineStatus(sk->conn) != PQ_PIPELINE_OFF ||
	    PQtransactionStatus(sk->conn) != PQTRANS_IDLE)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG_CONN,
		                      "sink write: connection is not open and idle: reconnect");
	if (progress)
		progress_params(sk, progress);
	dgp_arena_reset(sk->wr);
	sk->n_refusals = 0;
	sk->n_counted = 0;
	attempt_t at = {
	    .sk = sk, .t = table_get(sk, in->schema), .in = in, .pr = progress, .res = result};
	at.n_rows = in->n_inserts + in->n_merges;
	at.rows = at.n_rows ? key_ordered(sk, in->inserts, in->n_inserts, in->merges, in->n_merges)
	                    : NULL;
	sk->rt = 0;
	dgp_err_t e = attempt_run(&at, errstr, errstr_size);
	if (e == DGP_OK && !result->already_committed) {
		result->deleted = at.removed;
		result->absent = in->n_deletes - at.removed;
		result->n_refused = sk->n_refusals;
		result->refused = sk->refusals;
		result->met_existing = result->inserted + sk->n_refusals < in->n_inserts;
	}
	result->round_trips = sk->rt;
	return e;
}

dgp_err_t dgp_pg_sink_write_batch(dgp_pg_sink_t *sk, dgp_batch_t *batch,
                                  const dgp_pg_progress_t *progress, dgp_pg_sink_result_t *result,
                                  char *errstr, size_t errstr_size)
{
	dgp_pg_sink_input_t in = {.schema = dgp_batch_schema(batch)};
	dgp_record_t **ins, **mrg;
	dgp_batch_writes(batch, &ins, &in.n_inserts, &mrg, &in.n_merges);
	in.inserts = ins;
	in.merges = mrg;
	in.deletes = dgp_batch_deletes(batch, &in.n_deletes);
	in.field_rejects = dgp_batch_field_rejects(batch, &in.n_field_rejects);
	in.counts = dgp_batch_counts(batch);
	in.field_counts = dgp_batch_field_counts(batch);

	/* Record rejects: the batch keeps them among its records. */
	size_t n = dgp_batch_size(batch), nrej = in.counts->rejected;
	const dgp_record_t **rej = NULL, **all = NULL;
	if (n)
		all = dgp_arena_alloc(dgp_batch_arena(batch), n * sizeof(*all));
	if (nrej)
		rej = dgp_arena_alloc(dgp_batch_arena(batch), nrej * sizeof(*rej));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const dgp_record_t *r = dgp_batch_record(batch, i);
		all[i] = r;
		if (r->reason != DGP_REASON_OK && k < nrej)
			rej[k++] = r;
	}
	in.rejects = rej;
	in.n_rejects = k;
	in.records = all;
	in.n_records = n;
	dgp_pg_sink_result_t local;
	if (!result)
		result = &local;
	dgp_err_t e = dgp_pg_sink_write(sk, &in, progress, result, errstr, errstr_size);
	if (e == DGP_OK && !result->already_committed)
		dgp_batch_deleted(batch, result->deleted, result->absent);
	/* The refused records are rejects now: in the counts, out of the cache commit. */
	for (size_t i = 0; e == DGP_OK && i < result->n_refused; i++)
		dgp_batch_refuse(batch, result->refused[i].rec, DGP_REASON_DB_REFUSED,
		                 result->refused[i].detail);
	return e;
}

/* ------------------------------------------------------------ ensure ops */

static const char ENSURE_OPS_SQL[] =
    "BEGIN;"
    "SET LOCAL client_min_messages = warning;"
    "SELECT pg_advisory_xact_lock(hashtext('dgp_pg_sink_ensure_ops'));"
    "CREATE SCHEMA IF NOT EXISTS dgp_ops;"
    "CREATE SCHEMA IF NOT EXISTS dgp_catalog;"
    "CREATE TABLE IF NOT EXISTS dgp_ops.reject ("
    " id bigserial PRIMARY KEY,"
    " resource_code text,"
    " reason text NOT NULL,"
    " field text,"
    " source text,"
    " \"partition\" int,"
    " \"offset\" bigint,"
    " line bigint,"
    " raw bytea,"
    " detail text,"
    " rejected_at timestamptz NOT NULL DEFAULT now());"
    /* One row per reject of a record, however often the record is read: an
     * older table first loses the copies its replays added. */
    "DO $dgp$ BEGIN IF to_regclass('dgp_ops.reject_origin') IS NULL THEN"
    " DELETE FROM dgp_ops.reject a USING dgp_ops.reject b WHERE a.id > b.id"
    "  AND a.resource_code = b.resource_code AND a.source = b.source"
    "  AND coalesce(a.\"partition\", -1) = coalesce(b.\"partition\", -1)"
    "  AND a.\"offset\" = b.\"offset\" AND a.reason = b.reason"
    "  AND coalesce(a.field, '') = coalesce(b.field, '');"
    " CREATE UNIQUE INDEX reject_origin ON dgp_ops.reject (resource_code, source,"
    "  (coalesce(\"partition\", -1)), \"offset\", reason, (coalesce(field, '')))"
    "  WHERE \"offset\" IS NOT NULL;"
    " END IF; END $dgp$;"
    "CREATE TABLE IF NOT EXISTS dgp_ops.counted ("
    " origin text NOT NULL,"
    " \"partition\" int NOT NULL,"
    " counted_through bigint NOT NULL,"
    " updated_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (origin, \"partition\"));"
    "CREATE TABLE IF NOT EXISTS dgp_ops.file_progress ("
    " file_id text PRIMARY KEY,"
    " path text,"
    " resource_code text,"
    " next_offset bigint NOT NULL DEFAULT 0,"
    " next_line bigint NOT NULL DEFAULT 1,"
    " records bigint NOT NULL DEFAULT 0,"
    " complete boolean NOT NULL DEFAULT false,"
    " updated_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS dgp_ops.offsets ("
    " group_id text NOT NULL,"
    " topic text NOT NULL,"
    " \"partition\" int NOT NULL,"
    " next_offset bigint NOT NULL,"
    " updated_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (group_id, topic, \"partition\"));"
    "CREATE TABLE IF NOT EXISTS dgp_ops.load_log ("
    " id bigserial PRIMARY KEY,"
    " command text,"
    " source text,"
    " resource_code text,"
    " started_at timestamptz NOT NULL DEFAULT now(),"
    " finished_at timestamptz,"
    " records_read bigint NOT NULL DEFAULT 0,"
    " \"new\" bigint NOT NULL DEFAULT 0,"
    " changed bigint NOT NULL DEFAULT 0,"
    " unchanged bigint NOT NULL DEFAULT 0,"
    " duplicate bigint NOT NULL DEFAULT 0,"
    " rejected bigint NOT NULL DEFAULT 0,"
    " deleted bigint NOT NULL DEFAULT 0,"
    " status text);"
    "ALTER TABLE dgp_ops.load_log ADD COLUMN IF NOT EXISTS deleted bigint NOT NULL DEFAULT 0;"
    "CREATE TABLE IF NOT EXISTS dgp_ops.file_chunks ("
    " resource_code text PRIMARY KEY,"
    " context bytea NOT NULL,"
    " last_change timestamptz,"
    " load_log_id bigint,"
    " chunks bigint NOT NULL,"
    " records bigint NOT NULL,"
    " fingerprints bytea NOT NULL,"
    " stored_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS dgp_ops.deleted ("
    " id bigserial PRIMARY KEY,"
    " resource_code text NOT NULL,"
    " key text[] NOT NULL,"
    " \"row\" jsonb NOT NULL,"
    " source text,"
    " \"partition\" int,"
    " \"offset\" bigint,"
    " line bigint,"
    " deleted_at timestamptz NOT NULL DEFAULT now());"
    "CREATE UNIQUE INDEX IF NOT EXISTS deleted_origin ON dgp_ops.deleted (resource_code,"
    " source, (coalesce(\"partition\", -1)), \"offset\", key);"
    /* one row per batch and base: its keys, at least one and none NULL */
    "CREATE TABLE IF NOT EXISTS dgp_ops.golden_queue ("
    " id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " base text NOT NULL,"
    " keys text[] NOT NULL"
    "  CHECK (cardinality(keys) > 0 AND array_position(keys, NULL) IS NULL),"
    " enqueued_at timestamptz NOT NULL DEFAULT now(),"
    " n_keys integer GENERATED ALWAYS AS (cardinality(keys)) STORED);"
    "DO $dgp$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid ="
    " 'dgp_ops.golden_queue'::regclass AND attname = 'id') THEN"
    " ALTER TABLE dgp_ops.golden_queue"
    "  ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY;"
    " END IF; END $dgp$;"
    /* A queue of the previous layout (one row per key, column key) keeps its
     * rows and their order: each becomes a row of one key.  The lock is taken
     * only when the old column is seen, and the check repeated under it, so a
     * second process migrating at the same time finds the work done. */
    "DO $dgp$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid ="
    " 'dgp_ops.golden_queue'::regclass AND attname = 'key' AND NOT attisdropped) THEN"
    " LOCK TABLE dgp_ops.golden_queue IN ACCESS EXCLUSIVE MODE;"
    " IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid ="
    "  'dgp_ops.golden_queue'::regclass AND attname = 'key' AND NOT attisdropped) THEN"
    "  ALTER TABLE dgp_ops.golden_queue ADD COLUMN keys text[];"
    "  UPDATE dgp_ops.golden_queue SET keys = ARRAY[key];"
    "  ALTER TABLE dgp_ops.golden_queue DROP COLUMN key, ALTER COLUMN keys SET NOT NULL,"
    "   ADD CHECK (cardinality(keys) > 0 AND array_position(keys, NULL) IS NULL);"
    " END IF; END IF; END $dgp$;"
    /* A batch's keys out of line and uncompressed: pglz compressing each row of
     * 20,000 keys and the worker decompressing it were 5 % of a first load's
     * PostgreSQL time (benchmarks/RESULTS.md); the rows live seconds.  Altered
     * only when not yet so, which takes no lock on later starts. */
    "DO $dgp$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid ="
    " 'dgp_ops.golden_queue'::regclass AND attname = 'keys' AND attstorage <> 'e') THEN"
    " ALTER TABLE dgp_ops.golden_queue ALTER COLUMN keys SET STORAGE EXTERNAL;"
    " END IF; END $dgp$;"
    /* A row's key count beside its keys: counting the keys of the rows before a
     * chunk's end read every queued row's keys whole (cardinality() fetches
     * the out-of-line array), 9 ms a chunk with 50 rows queued, growing with
     * the queue (benchmarks/RESULTS.md).  Added to a queue of before. */
    "DO $dgp$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid ="
    " 'dgp_ops.golden_queue'::regclass AND attname = 'n_keys' AND NOT attisdropped) THEN"
    " ALTER TABLE dgp_ops.golden_queue"
    "  ADD COLUMN n_keys integer GENERATED ALWAYS AS (cardinality(keys)) STORED;"
    " END IF; END $dgp$;"
    "CREATE TABLE IF NOT EXISTS dgp_catalog.resource_stats ("
    " resource_code text PRIMARY KEY,"
    " \"rows\" bigint NOT NULL DEFAULT 0,"
    " records_read bigint NOT NULL DEFAULT 0,"
    " rejected bigint NOT NULL DEFAULT 0,"
    " last_load timestamptz,"
    " last_change timestamptz);"
    "DO $dgp$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid ="
    " 'dgp_catalog.resource_stats'::regclass AND attname = 'replayed') THEN"
    " ALTER TABLE dgp_catalog.resource_stats ADD COLUMN replayed bigint NOT NULL DEFAULT 0;"
    " END IF; END $dgp$;"
    "ALTER TABLE dgp_catalog.resource_stats ADD COLUMN IF NOT EXISTS deleted bigint NOT NULL"
    " DEFAULT 0;"
    "CREATE TABLE IF NOT EXISTS dgp_catalog.reject_stats ("
    " resource_code text NOT NULL,"
    " reason text NOT NULL,"
    " count bigint NOT NULL DEFAULT 0,"
    " PRIMARY KEY (resource_code, reason));"
    "CREATE TABLE IF NOT EXISTS dgp_catalog.field_stats ("
    " resource_code text NOT NULL,"
    " field text NOT NULL,"
    " present bigint NOT NULL DEFAULT 0,"
    " valid bigint NOT NULL DEFAULT 0,"
    " total bigint NOT NULL DEFAULT 0,"
    " PRIMARY KEY (resource_code, field));"
    "CREATE TABLE IF NOT EXISTS dgp_catalog.unknown_field_stats ("
    " resource_code text NOT NULL,"
    " name text NOT NULL,"
    " records bigint NOT NULL DEFAULT 0,"
    " first_seen timestamptz NOT NULL DEFAULT now(),"
    " last_seen timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (resource_code, name));"
    "COMMIT";

dgp_err_t dgp_pg_sink_ensure_ops(PGconn *conn, char *errstr, size_t errstr_size)
{
	dgp_err_t e = dgp_pg_exec(conn, ENSURE_OPS_SQL, errstr, errstr_size);
	if (e != DGP_OK && PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
	return e == DGP_OK ? e : step_err(e, errstr, errstr_size, "ensure dgp_ops tables");
}

/* ------------------------------------------------------------ readers */

dgp_err_t dgp_pg_sink_file_progress_get(PGconn *conn, const char *file_id, bool *found,
                                        int64_t *next_offset, int64_t *next_line, int64_t *records,
                                        bool *complete, char *errstr, size_t errstr_size)
{
	const char *p[1] = {file_id};
	*found = false;
	PGresult *r = PQexecParams(conn,
	                           "SELECT next_offset, next_line, records, complete"
	                           " FROM dgp_ops.file_progress WHERE file_id = $1",
	                           1, NULL, p, NULL, NULL, 0);
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e == DGP_OK && PQntuples(r) == 1) {
		*found = true;
		if (next_offset)
			*next_offset = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		if (next_line)
			*next_line = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		if (records)
			*records = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
		if (complete)
			*complete = PQgetvalue(r, 0, 3)[0] == 't';
	}
	PQclear(r);
	return e;
}

dgp_err_t dgp_pg_sink_file_progress_forget(PGconn *conn, const char *file_id, char *errstr,
                                           size_t errstr_size)
{
	const char *p[1] = {file_id};
	PGresult *r = PQexecParams(conn, "DELETE FROM dgp_ops.file_progress WHERE file_id = $1", 1,
	                           NULL, p, NULL, NULL, 0);
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	PQclear(r);
	return e;
}

dgp_err_t dgp_pg_sink_offsets_get(PGconn *conn, const char *group_id, const char *topic,
                                  int32_t partition, bool *found, int64_t *next_offset,
                                  char *errstr, size_t errstr_size)
{
	char part[16];
	snprintf(part, sizeof(part), "%" PRId32, partition);
	const char *p[3] = {group_id, topic, part};
	*found = false;
	PGresult *r =
	    PQexecParams(conn,
	                 "SELECT next_offset FROM dgp_ops.offsets"
	                 " WHERE group_id = $1 AND topic = $2 AND \"partition\" = $3::int",
	                 3, NULL, p, NULL, NULL, 0);
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e == DGP_OK && PQntuples(r) == 1) {
		*found = true;
		if (next_offset)
			*next_offset = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	}
	PQclear(r);
	return e;
}

/* Undo COPY text escaping of one field in place; returns its new length. */
static size_t copy_unescape(char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c != '\\' || i + 1 == n) {
			p[o++] = c;
			continue;
		}
		c = p[++i];
		switch (c) {
		case 'b':
			p[o++] = '\b';
			break;
		case 'f':
			p[o++] = '\f';
			break;
		case 'n':
			p[o++] = '\n';
			break;
		case 'r':
			p[o++] = '\r';
			break;
		case 't':
			p[o++] = '\t';
			break;
		case 'v':
			p[o++] = '\v';
			break;
		case 'x': {
			unsigned v = 0, k = 0;
			while (k < 2 && i + 1 < n &&
			       ((p[i + 1] >= '0' && p[i + 1] <= '9') ||
			        ((p[i + 1] | 32) >= 'a' && (p[i + 1] | 32) <= 'f'))) {
				char h = p[++i];
				v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
				k++;
			}
			p[o++] = (char)v;
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				unsigned v = (unsigned)(c - '0'), k = 1;
				while (k < 3 && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '7') {
					v = v * 8 + (unsigned)(p[++i] - '0');
					k++;
				}
				p[o++] = (char)v;
			} else {
				p[o++] = c; /* \\ and any other escaped byte stand for themselves */
			}
		}
	}
	return o;
}

/*
 * A key value as PostgreSQL prints it, spelled as dgp_batch spells it: a
 * text column holds the normalised bytes themselves; any other type (a
 * date, a number, a timestamp) prints its own way, so it goes through the
 * field's rule again, which gives dgp's spelling of the same value.
 */
static void put_canonical_key(dgp_buf_t *key, dgp_buf_t *norm, const dgp_field_spec_t *f,
                              const dgp_norm_ctx_t *ctx, const char *p, size_t n)
{
	if (is_text_type(f->pg_type) || !f->rule) {
		dgp_buf_append(key, p, n);
		return;
	}
	norm->len = 0;
	dgp_buf_reserve(norm, DGP_NORM_OUT_CAP(n));
	dgp_norm_result_t res;
	if (dgp_norm_apply(f->rule, ctx, p, n, norm->p, norm->cap, &res) == DGP_REASON_OK)
		dgp_buf_append(key, norm->p, res.len);
	else
		dgp_buf_append(key, p, n);
}

/*
 * Size the cache for the rows the table holds, so that filling it moves no
 * entry twice: the larger of PostgreSQL's estimate and the resource's row
 * count in resource_stats (either may be missing or stale; it is a hint).
 */
static void reserve_rows(PGconn *conn, const char *tbl, const char *resource_code,
                         dgp_dedup_t *dedup)
{
	const char *params[2] = {tbl, resource_code};
	PGresult *r = PQexecParams(
	    conn,
	    "SELECT greatest((SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)),"
	    " (SELECT \"rows\" FROM dgp_catalog.resource_stats WHERE resource_code = $2))::bigint",
	    2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		long long rows = atoll(PQgetvalue(r, 0, 0));
		if (rows > 0)
			dgp_dedup_reserve(dedup, (size_t)rows);
	}
	PQclear(r);
}

/* A bigint as PostgreSQL prints it ([-]digits) in [p, end): strtoll was 13 % of a warm. */
static uint64_t parse_bigint(const char *p, const char *end)
{
	bool neg = p < end && *p == '-';
	uint64_t v = 0;
	for (p += neg; p < end && (unsigned)(*p - '0') < 10; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return neg ? 0 - v : v;
}

/* Rows read ahead of their put into the cache, whose buckets are then in the CPU's cache. */
#define WARM_AHEAD 8

typedef struct warm_row {
	uint64_t kh, content;
} warm_row_t;

dgp_err_t dgp_pg_sink_warm_cache(PGconn *conn, const dgp_schema_t *s, dgp_dedup_t *dedup,
                                 uint64_t key_hash_mask, uint64_t *loaded, char *errstr,
                                 size_t errstr_size)
{
	if (loaded)
		*loaded = 0;
	if (!s->nkeys)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "resource %s has no record key", s->resource_code);
	dgp_arena_t *a = dgp_arena_new(0);
	dgp_buf_t sql = {0};
	dgp_buf_puts(&sql, "COPY (SELECT ");
	for (size_t k = 0; k < s->nkeys; k++) {
		const dgp_field_spec_t *f = &s->fields[s->key_fields[k]];
		const char *q = dgp_sql_quote_ident(a, f->column);
		/* A timestamptz holds the instant, not the spelling: read back the wall-clock
		 * time it was given in (the session's zone read offset-less input), which the
		 * field's rule then spells as dgp spells it. */
		if (f->pg_type && strcasecmp(f->pg_type, "timestamptz") == 0)
			dgp_buf_printf(&sql,
			               "(%s AT TIME ZONE current_setting('TimeZone'))::text, ", q);
		else
			dgp_buf_printf(&sql, "%s::text, ", q);
	}
	const char *tbl = dgp_arena_sprintf(a, "dgp_src.%s", dgp_sql_quote_ident(a, s->table));
	dgp_buf_printf(&sql, "\"_dgp_content_hash\" FROM %s) TO STDOUT", tbl);
	/* the rules spell datetimes in the configured zone, which dgp_pg_set_time_zone()
	 * made the session's: take its offset from the session */
	int32_t utc_offset_min = 0;
	PGresult *tz = PQexec(conn, "SELECT (extract(timezone FROM now()) / 60)::int");
	if (PQresultStatus(tz) == PGRES_TUPLES_OK && PQntuples(tz) == 1)
		utc_offset_min = (int32_t)atoi(PQgetvalue(tz, 0, 0));
	PQclear(tz);
	reserve_rows(conn, tbl, s->resource_code, dedup);
	PGresult *r = PQexec(conn, dgp_buf_cstr(&sql));
	free(sql.p);
	dgp_arena_destroy(a);
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e == DGP_OK && PQresultStatus(r) != PGRES_COPY_OUT)
		e = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG, "copy out did not start");
	PQclear(r);
	if (e != DGP_OK)
		return step_err(e, errstr, errstr_size, "warm cache");

	dgp_buf_t key = {0}, norm = {0};
	dgp_norm_ctx_t ctx = dgp_norm_ctx_now(utc_offset_min);
	warm_row_t ring[WARM_AHEAD];
	uint64_t rows = 0;
	char *line;
	int len;
	while ((len = PQgetCopyData(conn, &line, 0)) > 0) {
		/* key1 \t … keyN \t hash \n */
		char *p = line, *end = line + len;
		if (end > p && end[-1] == '\n')
			end--;
		key.len = 0;
		size_t k = 0;
		while (k < s->nkeys) {
			char *tab = memchr(p, '\t', (size_t)(end - p));
			if (!tab)
				break;
			if (k)
				dgp_buf_putc(&key, DGP_KEY_SEP);
			size_t flen = (size_t)(tab - p);
			if (!(flen == 2 && p[0] == '\\' && p[1] == 'N'))
				put_canonical_key(&key, &norm, &s->fields[s->key_fields[k]], &ctx,
				                  p, copy_unescape(p, flen));
			p = tab + 1;
			k++;
		}
		if (k == s->nkeys) {
			/* put WARM_AHEAD rows late, its buckets prefetched when it came */
			warm_row_t *w = &ring[rows % WARM_AHEAD];
			if (rows >= WARM_AHEAD)
				dgp_dedup_put(dedup, w->kh, w->content, false);
			w->content = parse_bigint(p, end);
			w->kh = dgp_dedup_hash(key.p, key.len) & key_hash_mask;
			dgp_dedup_prefetch(dedup, w->kh);
			rows++;
		}
		PQfreemem(line);
	}
	for (uint64_t i = rows > WARM_AHEAD ? rows - WARM_AHEAD : 0; i < rows; i++)
		dgp_dedup_put(dedup, ring[i % WARM_AHEAD].kh, ring[i % WARM_AHEAD].content, false);
	free(key.p);
	free(norm.p);
	if (len == -2)
		e = dgp_pg_call_err(conn, "warm cache", errstr, errstr_size);
	r = PQgetResult(conn);
	if (e == DGP_OK)
		e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	PQclear(r);
	while ((r = PQgetResult(conn)))
		PQclear(r);
	if (loaded)
		*loaded = rows;
	return e;
}
