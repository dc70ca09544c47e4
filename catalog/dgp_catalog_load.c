/*
 * dgp_catalog_load.c — load the catalog's CSV files into the model of
 * dgp_catalog.h, with the per-value checks.
 *
 *   file ──getline──▶ one physical line ──libcsv (strict)──▶ fields of a record
 *        (the line number of a record's first line is kept for messages)
 *   records ──header──▶ csv_table_t: values by expected column, arena strings
 *   tables ──load_*()──▶ typed objects, per-value checks (enums, dates, codes)
 *   objects ──link()──▶ pointers between them (fields → base columns, lists → resources)
 *
 * Cross-row and cross-file checks are dgp_catalog_validate.c's.  All strings
 * live in the catalog's arena; temporary growth uses vectors that are copied
 * into the arena once their size is known.  Messages follow PostgreSQL's
 * style: lowercase, no trailing period, with a hint sentence where the fix
 * is not obvious.
 */
#include "dgp_catalog_int.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dgp_arena.h"
#include "dgp_norm.h"
#include "dgp_utf8.h"

/* ------------------------------------------------------------- CSV tables */

typedef struct csv_row {
	int line;
	const char **v; /* by expected column; "" where empty */
} csv_row_t;

typedef struct csv_table {
	const char *file;           /* relative to the catalog dir */
	const char *const *columns; /* expected, NULL-terminated */
	size_t ncols;
	csv_row_t *rows;
	size_t nrows;
} csv_table_t;

/* State of one file being parsed: libcsv's callbacks fill it. */
typedef struct csv_reader {
	dgp_catalog_t *cat;
	csv_table_t *t;
	vec_t fields; /* const char *: the record being assembled */
	vec_t rows;   /* csv_row_t */
	int *map;     /* header position → expected column index, -1 unknown */
	size_t nheader;
	bool header_done, header_ok;
	int rec_line;   /* line where the current record started */
	bool rec_ended; /* a record ended during the last csv_parse() */
} csv_reader_t;

static void csv_field_cb(void *s, size_t len, void *data)
{
	csv_reader_t *r = data;
	*(const char **)vec_push(&r->fields) = dgp_arena_memdup(r->cat->arena, s, len);
}

/* Columns added after catalogs were written: a file may leave them out (all empty). */
static bool optional_column(const char *name)
{
	return strcmp(name, "recency") == 0;
}

static void csv_header(csv_reader_t *r)
{
	csv_table_t *t = r->t;
	size_t n = r->fields.n;
	bool *present = dgp_arena_calloc(r->cat->arena, t->ncols + 1);
	r->map = dgp_arena_alloc(r->cat->arena, (n + 1) * sizeof(int));
	r->nheader = n;
	r->header_ok = true;
	for (size_t i = 0; i < n; i++) {
		const char *name = VEC_AT(r->fields, const char *, i);
		r->map[i] = -1;
		for (size_t c = 0; c < t->ncols; c++) {
			if (strcmp(t->columns[c], name) != 0)
				continue;
			if (present[c]) {
				dgp_catalog_diag_add(r->cat, t->file, r->rec_line, name, NULL,
				                     "duplicate column");
				r->header_ok = false;
			}
			present[c] = true;
			r->map[i] = (int)c;
		}
		if (r->map[i] < 0)
			dgp_catalog_diag_add(
			    r->cat, t->file, r->rec_line, name,
			    "The columns of each file are listed in catalog/FORMAT.md.",
			    "unknown column");
	}
	for (size_t c = 0; c < t->ncols; c++) {
		if (!present[c] && !optional_column(t->columns[c])) {
			dgp_catalog_diag_add(r->cat, t->file, r->rec_line, t->columns[c], NULL,
			                     "missing column");
			r->header_ok = false;
		}
	}
}

/* A value is checked once, here, for what every column requires. */
static void check_cell(csv_reader_t *r, const char *column, const char *v)
{
	size_t len = strlen(v);
	if (!dgp_utf8_valid(v, len)) {
		dgp_catalog_diag_add(r->cat, r->t->file, r->rec_line, column, NULL,
		                     "invalid UTF-8");
		return;
	}
	if (len && (v[0] == ' ' || v[0] == '\t' || v[len - 1] == ' ' || v[len - 1] == '\t'))
		dgp_catalog_diag_add(r->cat, r->t->file, r->rec_line, column, NULL,
		                     "value has leading or trailing spaces");
}

static void csv_record_cb(int c, void *data)
{
	csv_reader_t *r = data;
	(void)c;
	r->rec_ended = true;
	if (!r->header_done) {
		r->header_done = true;
		csv_header(r);
	} else if (r->header_ok) {
		csv_table_t *t = r->t;
		if (r->fields.n != r->nheader) {
			dgp_catalog_diag_add(r->cat, t->file, r->rec_line, NULL, NULL,
			                     "row has %zu fields, the header has %zu", r->fields.n,
			                     r->nheader);
		} else {
			csv_row_t *row = vec_push(&r->rows);
			row->line = r->rec_line;
			row->v = dgp_arena_alloc(r->cat->arena, t->ncols * sizeof(*row->v));
			for (size_t c2 = 0; c2 < t->ncols; c2++)
				row->v[c2] = "";
			for (size_t i = 0; i < r->fields.n; i++) {
				if (r->map[i] < 0)
					continue;
				const char *v = VEC_AT(r->fields, const char *, i);
				check_cell(r, t->columns[r->map[i]], v);
				row->v[r->map[i]] = v;
			}
		}
	}
	r->fields.n = 0;
}

/* libcsv trims blanks around unquoted values by default; this turns that off. */
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static bool blank_line(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/*
 * read_table — parse DIR/file into *t with the given expected columns.
 * Returns false (with a diagnostic) when the file cannot be used at all:
 * missing, empty, or a header lacking a column; *t is then empty.  Rows
 * with the wrong number of fields are reported and skipped; a malformed
 * record stops the file (libcsv cannot resynchronise reliably).
 */
static bool read_table(dgp_catalog_t *cat, const char *file, const char *const *columns,
                       csv_table_t *t)
{
	memset(t, 0, sizeof(*t));
	t->file = file;
	t->columns = columns;
	while (columns[t->ncols])
		t->ncols++;

	char *path = dgp_arena_sprintf(cat->arena, "%s/%s", cat->dir, file);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		dgp_catalog_diag_add(cat, file, 0, NULL, NULL, "could not open file: %s",
		                     strerror(errno));
		return false;
	}
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		dgp_oom(sizeof(p), "csv parser");
	csv_set_space_func(&p, no_space); /* keep spaces, so that check_cell can report them */
	csv_reader_t r = {.cat = cat, .t = t, .fields = VEC(const char *), .rows = VEC(csv_row_t)};
	bool in_record = false, ok = true;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0;
	while ((len = getline(&line, &cap, fp)) > 0) {
		lineno++;
		const char *s = line;
		if (lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			len -= 3;
		}
		if (!in_record)
			r.rec_line = lineno;
		r.rec_ended = false;
		if (csv_parse(&p, s, (size_t)len, csv_field_cb, csv_record_cb, &r) != (size_t)len) {
			dgp_catalog_diag_add(
			    cat, file, r.rec_line, NULL,
			    "Quote a value that holds a comma, a quote or a line break, and double "
			    "the quotes inside it.",
			    "malformed csv: %s", csv_strerror(csv_error(&p)));
			ok = false;
			break;
		}
		if (r.rec_ended)
			in_record = false;
		else if (!blank_line(s, (size_t)len))
			in_record = true;
	}
	if (ok && csv_fini(&p, csv_field_cb, csv_record_cb, &r) != 0)
		dgp_catalog_diag_add(cat, file, r.rec_line, NULL, NULL,
		                     "malformed csv: unterminated quoted field");
	free(line);
	fclose(fp);
	csv_free(&p);
	free(r.fields.v);
	if (!r.header_done) {
		dgp_catalog_diag_add(cat, file, 0, NULL, NULL, "file is empty (no header row)");
		free(r.rows.v);
		return false;
	}
	t->nrows = r.rows.n;
	t->rows = vec_to_arena(&r.rows, cat->arena);
	if (!r.header_ok) {
		t->nrows = 0;
		return false;
	}
	return true;
}

/* ------------------------------------------------------- value checks */

/* Context for checking the values of one row. */
typedef struct rowctx {
	dgp_catalog_t *cat;
	const csv_table_t *t;
	const csv_row_t *row;
} rowctx_t;

static int col_index(const csv_table_t *t, const char *column)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->columns[c], column) == 0)
			return (int)c;
	abort(); /* a typo in this file: every caller names a column of its own table */
}

static const char *val(const rowctx_t *rc, const char *column)
{
	return rc->row->v[col_index(rc->t, column)];
}

static void row_diag(const rowctx_t *rc, const char *column, const char *hint, const char *fmt, ...)
    DGP_PRINTF(4, 5);

static void row_diag(const rowctx_t *rc, const char *column, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = dgp_arena_vsprintf(rc->cat->arena, fmt, ap);
	va_end(ap);
	dgp_catalog_diag_add(rc->cat, rc->t->file, rc->row->line, column, hint, "%s", msg);
}

/* req — the value, or NULL after reporting that it is missing. */
static const char *req(const rowctx_t *rc, const char *column)
{
	const char *v = val(rc, column);
	if (!*v) {
		row_diag(rc, column, NULL, "value is required");
		return NULL;
	}
	return v;
}

/* choice — index of the value in names[n] (reported, -1 when not there; empty → -1, reported). */
static int choice(const rowctx_t *rc, const char *column, const char *const *names, int n)
{
	const char *v = req(rc, column);
	if (!v)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	char allowed[512];
	size_t o = 0;
	allowed[0] = '\0';
	for (int i = 0; i < n && o < sizeof(allowed); i++)
		o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%s", i ? ", " : "",
		                      names[i]);
	row_diag(rc, column, NULL, "invalid value \"%s\" (allowed: %s)", v, allowed);
	return -1;
}

static bool yes_no(const rowctx_t *rc, const char *column, const char *yes, const char *no)
{
	const char *names[] = {no, yes};
	return choice(rc, column, names, 2) == 1;
}

static bool is_date(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static const char *date_value(const rowctx_t *rc, const char *column)
{
	const char *v = req(rc, column);
	if (v && !is_date(v)) {
		row_diag(rc, column, NULL,
		         "invalid date \"%s\" (expected a real date as YYYY-MM-DD)", v);
		return v;
	}
	return v ? v : "";
}

/* posint — a positive integer ≤ max; 0 when empty (reported if required) or invalid (reported). */
static int posint(const rowctx_t *rc, const char *column, bool required, int max)
{
	const char *v = required ? req(rc, column) : val(rc, column);
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || v[0] < '1' || v[0] > '9' || n < 1 || n > max) {
		row_diag(rc, column, NULL,
		         "invalid value \"%s\" (expected an integer from 1 to %d)", v, max);
		return 0;
	}
	return (int)n;
}

static bool match_ident(const char *s, char first_lo, char first_hi, bool upper_rest)
{
	if (!*s || *s < first_lo || *s > first_hi)
		return false;
	for (const char *p = s + 1; *p; p++) {
		bool ok = (*p >= '0' && *p <= '9') || *p == '_' ||
		          (upper_rest ? (*p >= 'A' && *p <= 'Z') : (*p >= 'a' && *p <= 'z'));
		if (!ok)
			return false;
	}
	return strlen(s) <= 63;
}

/* ",a,b" → array of arena strings (empty items are reported). */
/* A rule a fields.csv / base_columns.csv row may name: in the registry and fitting some data type.
 */
const dgp_norm_def_t *dgp_catalog_field_rule_find(const char *name)
{
	const dgp_norm_def_t *def = dgp_norm_find(name);
	return def && *def->data_types ? def : NULL;
}

/* While a row's rule compiles: the list= name, and a stand-in list (code lists are checked once
 * loaded). */
typedef struct list_note {
	dgp_arena_t *arena;
	const char *name;
} list_note_t;

static const dgp_codelist_t *note_list(const char *name, void *opaque)
{
	list_note_t *ln = opaque;
	ln->name = dgp_arena_strdup(ln->arena, name);
	return dgp_codelist_new(ln->arena, ln->name);
}

/*
 * check_rule — the row's rule (column "rule") and its arguments (column
 * "rule_args") through the normalisers' own compiler, so the catalog accepts
 * exactly what the pipeline runs; with data_type != 0, also whether the rule
 * fits it.  *list gets the list= name (NULL when none).
 */
static void check_rule(const rowctx_t *rc, const char *rule, const char *args, char data_type,
                       dgp_arena_t *arena, const char **list)
{
	*list = NULL;
	if (!req(rc, "rule"))
		return;
	const dgp_norm_def_t *def = dgp_catalog_field_rule_find(rule);
	if (!def) {
		row_diag(rc, "rule", "The rules are listed in catalog/FORMAT.md.",
		         "unknown rule \"%s\"", rule);
		return;
	}
	if (data_type && !strchr(def->data_types, data_type))
		row_diag(rc, "data_type", NULL, "rule %s does not fit data type %c (it fits: %s)",
		         def->name, data_type, def->data_types);
	list_note_t ln = {arena, NULL};
	const dgp_norm_rule_t *compiled;
	char err[256];
	if (dgp_norm_rule_compile(rule, args, arena, note_list, &ln, &compiled, err, sizeof(err)) !=
	    DGP_OK)
		row_diag(rc, "rule_args", NULL, "%s", err);
	else
		*list = ln.name;
}

static const char *const *split_list(const rowctx_t *rc, const char *column, size_t *n)
{
	const char *v = val(rc, column);
	*n = 0;
	if (!*v)
		return NULL;
	size_t cap = 1;
	for (const char *p = v; *p; p++)
		cap += *p == ',';
	const char **out = dgp_arena_alloc(rc->cat->arena, cap * sizeof(*out));
	for (const char *p = v;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			row_diag(rc, column, NULL, "empty item in list \"%s\"", v);
		else
			out[(*n)++] = dgp_arena_memdup(rc->cat->arena, p, len);
		if (!comma)
			break;
		p = comma + 1;
	}
	return out;
}

/* GB 32100 统一社会信用代码: NULL when valid, else what is wrong. */
static const char *uscc_problem(const char *s, char *buf, size_t size)
{
	static const char A31[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	if (strlen(s) != 18)
		return "must have 18 characters";
	int sum = 0, w = 1;
	for (int i = 0; i < 18; i++) {
		const char *p = s[i] ? strchr(A31, s[i]) : NULL;
		if (!p)
			return "holds a character outside the 31-character alphabet";
		if (i >= 2 && i < 8 && (s[i] < '0' || s[i] > '9'))
			return "positions 3-8 must be the digits of a region code";
		if (i < 17) {
			sum += (int)(p - A31) * w;
			w = w * 3 % 31;
		} else if (A31[(31 - sum % 31) % 31] != s[17]) {
			snprintf(buf, size, "has check character %c, expected %c", s[17],
			         A31[(31 - sum % 31) % 31]);
			return buf;
		}
	}
	return NULL;
}

/*
 * Resource code 分类码/顺序码: class digit + 项 (2) + 目 (3) + optional 细目 (3),
 * "/", 6-digit 顺序码.  NULL when well-formed, else what is wrong.
 */
const char *dgp_catalog_code_problem(const char *s, int *class_digit, bool *has_detail)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return "expected 分类码/顺序码, e.g. 101001/000001";
	size_t cl = (size_t)(slash - s);
	for (const char *p = s; *p; p++)
		if (p != slash && (*p < '0' || *p > '9'))
			return "only digits and one \"/\" are allowed";
	if (cl != 6 && cl != 9)
		return "分类码 must have 6 digits (类, 项, 目) or 9 (with 细目)";
	if (strlen(slash + 1) != 6)
		return "顺序码 must have 6 digits";
	if (s[0] < '1' || s[0] > '3')
		return "类 must be 1 (基础), 2 (主题) or 3 (部门)";
	if (s[1] == '0' && s[2] == '0')
		return "项 00 is not allowed";
	if (s[3] == '0' && s[4] == '0' && s[5] == '0')
		return "目 000 is not allowed";
	*class_digit = s[0] - '0';
	*has_detail = cl == 9;
	return NULL;
}

/* ------------------------------------------------------------ name tables */

static const char *const share_names[DGP_SHARE__COUNT] = {"无条件共享", "有条件共享", "不予共享"};
static const char *const cycle_names[DGP_CYCLE__COUNT] = {"实时",   "每日", "每周", "每月",
                                                          "每季度", "半年", "每年"};
static const char *const library_names[DGP_LIB__COUNT] = {"none", "person", "legal_entity"};
static const char *const encoding_names[DGP_ENC__COUNT] = {"UTF-8", "GBK", "GB18030"};
static const char *const sensitivity_names[DGP_SENS__COUNT] = {"公开", "内部", "敏感"};
static const char *const class_names[] = {"基础", "主题", "部门"};
static const char *const format_names[] = {"电子文件", "电子表格",   "数据库",  "图形图像",
                                           "流媒体",   "自描述格式", "服务接口"};
static const char *const method_names[] = {"接口服务", "库表交换", "文件下载", "消息订阅"};
static const char *const status_names[] = {"待对接", "已对接", "已满足", "已驳回"};
static const char *const restriction_names[] = {"不予共享", "不予开放"};
static const char *const mask_names[] = {"none", "idcard", "mobile", "name", "address"};

const char *dgp_catalog_share_type_name(dgp_share_type_t t)
{
	return (unsigned)t < DGP_SHARE__COUNT ? share_names[t] : "?";
}
const char *dgp_catalog_update_cycle_name(dgp_update_cycle_t c)
{
	return (unsigned)c < DGP_CYCLE__COUNT ? cycle_names[c] : "?";
}
const char *dgp_catalog_base_library_name(dgp_base_library_t l)
{
	return (unsigned)l < DGP_LIB__COUNT ? library_names[l] : "?";
}
const char *dgp_catalog_encoding_name(dgp_encoding_t e)
{
	return (unsigned)e < DGP_ENC__COUNT ? encoding_names[e] : "?";
}
const char *dgp_catalog_sensitivity_name(dgp_sensitivity_t s)
{
	return (unsigned)s < DGP_SENS__COUNT ? sensitivity_names[s] : "?";
}
const char *dgp_catalog_class_name(dgp_catalog_class_t c)
{
	return c >= DGP_CLASS_BASE && c <= DGP_CLASS_DEPT ? class_names[c - 1] : "?";
}

/* ------------------------------------------------------------- providers */

static const char *const provider_cols[] = {"code", "name",        "short_name",
                                            "slug", "responsible", NULL};

static void load_providers(dgp_catalog_t *cat)
{
	csv_table_t t;
	vec_t v = VEC(dgp_catalog_provider_t);
	if (read_table(cat, "providers.csv", provider_cols, &t)) {
		for (size_t i = 0; i < t.nrows; i++) {
			rowctx_t rc = {cat, &t, &t.rows[i]};
			dgp_catalog_provider_t *p = vec_push(&v);
			char buf[64];
			p->loc = (dgp_catalog_loc_t){t.file, t.rows[i].line};
			p->number = (int)i + 1;
			p->code = val(&rc, "code");
			if (req(&rc, "code")) {
				const char *why = uscc_problem(p->code, buf, sizeof(buf));
				if (why)
					row_diag(&rc, "code", NULL,
					         "invalid unified social credit code \"%s\": %s",
					         p->code, why);
				else if (p->code[0] != '1')
					row_diag(&rc, "code",
					         "A provider is a government body registered by "
					         "机构编制 (登记管理部门 1).",
					         "code \"%s\" is not registered by 机构编制 (first "
					         "character must be 1)",
					         p->code);
			}
			p->name = val(&rc, "name");
			req(&rc, "name");
			p->short_name = val(&rc, "short_name");
			req(&rc, "short_name");
			p->slug = val(&rc, "slug");
			if (req(&rc, "slug") && (!match_ident(p->slug, 'a', 'z', false) ||
			                         strchr(p->slug, '_') || strlen(p->slug) > 32))
				row_diag(
				    &rc, "slug", NULL,
				    "invalid slug \"%s\" (expected lowercase letters and digits, "
				    "starting with a letter, at most 32)",
				    p->slug);
			p->responsible = val(&rc, "responsible");
			req(&rc, "responsible");
		}
	}
	cat->n_providers = v.n;
	cat->providers = vec_to_arena(&v, cat->arena);
	smap_init(&cat->by_slug, cat->arena, cat->n_providers);
	for (size_t i = 0; i < cat->n_providers; i++)
		if (*cat->providers[i].slug)
			(void)smap_put(&cat->by_slug, cat->providers[i].slug, &cat->providers[i]);
}

/* -------------------------------------------------------------- resources */

static const char *const resource_cols[] = {"code",
                                            "name",
                                            "class",
                                            "category",
                                            "subcategory",
                                            "detail",
                                            "summary",
                                            "format",
                                            "format_detail",
                                            "share_type",
                                            "share_condition",
                                            "share_method",
                                            "open",
                                            "open_condition",
                                            "update_cycle",
                                            "published",
                                            "related",
                                            "topic",
                                            "file_pattern",
                                            "encoding",
                                            "record_key",
                                            "base_library",
                                            "responsible",
                                            "recency",
                                            NULL};

static void load_resource_row(const rowctx_t *rc, const dgp_catalog_provider_t *prov,
                              dgp_catalog_resource_t *r)
{
	dgp_catalog_t *cat = rc->cat;
	r->loc = (dgp_catalog_loc_t){rc->t->file, rc->row->line};
	r->provider = prov;
	r->code = val(rc, "code");
	int class_digit = 0;
	bool has_detail = false;
	if (req(rc, "code")) {
		const char *why = dgp_catalog_code_problem(r->code, &class_digit, &has_detail);
		if (why)
			row_diag(rc, "code", NULL, "invalid resource code \"%s\": %s", r->code,
			         why);
	}
	r->name = val(rc, "name");
	req(rc, "name");
	int cls = choice(rc, "class", class_names, N_OF(class_names));
	r->cls = cls >= 0 ? (dgp_catalog_class_t)(cls + 1) : DGP_CLASS_DEPT;
	if (cls >= 0 && class_digit && class_digit != cls + 1)
		row_diag(rc, "class",
		         "The first digit of the code is the class: 1 基础, 2 主题, 3 部门.",
		         "class %s does not match code %s (class digit %d)", class_names[cls],
		         r->code, class_digit);
	r->category = val(rc, "category");
	req(rc, "category");
	r->subcategory = val(rc, "subcategory");
	req(rc, "subcategory");
	r->detail = val(rc, "detail");
	if (class_digit && has_detail != (*r->detail != 0))
		row_diag(rc, "detail",
		         "A code has 3 细目 digits exactly when detail names the 细目.",
		         has_detail ? "code %s has 细目 digits but detail is empty"
		                    : "detail is given but code %s has no 细目 digits",
		         r->code);
	r->summary = val(rc, "summary");
	req(rc, "summary");
	int fmt = choice(rc, "format", format_names, N_OF(format_names));
	r->format = fmt >= 0 ? format_names[fmt] : val(rc, "format");
	r->format_detail = val(rc, "format_detail");

	int share = choice(rc, "share_type", share_names, DGP_SHARE__COUNT);
	r->share_type = share >= 0 ? (dgp_share_type_t)share : DGP_SHARE_CONDITIONAL;
	r->share_condition = val(rc, "share_condition");
	if (share == DGP_SHARE_CONDITIONAL && !*r->share_condition)
		row_diag(rc, "share_condition",
		         "有条件共享 needs the condition under which it is shared.",
		         "share_condition is required for 有条件共享");
	if (share == DGP_SHARE_NONE && !*r->share_condition)
		row_diag(
		    rc, "share_condition",
		    "不予共享 needs a basis in law, administrative regulation or central policy.",
		    "share_condition (the legal basis) is required for 不予共享");
	r->share_method = val(rc, "share_method");
	if (share == DGP_SHARE_NONE) {
		if (*r->share_method)
			row_diag(rc, "share_method", NULL,
			         "share_method must be empty for 不予共享, not \"%s\"",
			         r->share_method);
	} else if (share >= 0) {
		(void)choice(rc, "share_method", method_names, N_OF(method_names));
	}
	r->open = yes_no(rc, "open", "是", "否");
	r->open_condition = val(rc, "open_condition");
	if (r->open && !*r->open_condition)
		row_diag(rc, "open_condition", NULL, "open_condition is required when open is 是");
	if (r->open && share == DGP_SHARE_NONE)
		row_diag(rc, "open", NULL, "a 不予共享 resource cannot be open to the public");
	int cycle = choice(rc, "update_cycle", cycle_names, DGP_CYCLE__COUNT);
	r->update_cycle = cycle >= 0 ? (dgp_update_cycle_t)cycle : DGP_CYCLE_DAILY;
	r->published = date_value(rc, "published");
	r->related = split_list(rc, "related", &r->n_related);
	for (size_t i = 0; i < r->n_related; i++) {
		int d;
		bool det;
		const char *why = dgp_catalog_code_problem(r->related[i], &d, &det);
		if (why)
			row_diag(rc, "related", NULL, "invalid resource code \"%s\": %s",
			         r->related[i], why);
	}

	r->topic = val(rc, "topic");
	r->tag = "";
	if (req(rc, "topic")) {
		const char *slug = prov->slug;
		size_t sl = strlen(slug);
		const char *tag = r->topic + 5 + sl + 1;
		if (strncmp(r->topic, "dept.", 5) != 0 || strncmp(r->topic + 5, slug, sl) != 0 ||
		    r->topic[5 + sl] != '.' || !match_ident(tag, 'a', 'z', false) ||
		    strchr(tag, '_')) {
			char *hint = dgp_arena_sprintf(
			    cat->arena,
			    "Resources of provider %s publish to dept.%s.<tag>, where <tag> is "
			    "lowercase letters and digits.",
			    slug, slug);
			row_diag(rc, "topic", hint, "topic \"%s\" does not follow dept.%s.<tag>",
			         r->topic, slug);
		} else {
			r->tag = tag;
		}
	}
	r->file_pattern = val(rc, "file_pattern");
	if (req(rc, "file_pattern") && *r->tag) {
		char *prefix = dgp_arena_sprintf(cat->arena, "%s_%s_", prov->slug, r->tag);
		if (strncmp(r->file_pattern, prefix, strlen(prefix)) != 0)
			row_diag(
			    rc, "file_pattern",
			    "File patterns are <slug>_<tag>_*, with the tag of the topic, so that "
			    "each file name belongs to one resource.",
			    "file pattern \"%s\" does not start with \"%s\"", r->file_pattern,
			    prefix);
	}
	int enc = choice(rc, "encoding", encoding_names, DGP_ENC__COUNT);
	r->encoding = enc >= 0 ? (dgp_encoding_t)enc : DGP_ENC_UTF8;
	if (req(rc, "record_key"))
		r->record_key = split_list(rc, "record_key", &r->n_record_key);
	int lib = choice(rc, "base_library", library_names, DGP_LIB__COUNT);
	r->base_library = lib >= 0 ? (dgp_base_library_t)lib : DGP_LIB_NONE;
	r->responsible = val(rc, "responsible");
	req(rc, "responsible");
	r->recency = val(rc, "recency");
}

/* ----------------------------------------------------------------- fields */

static const char *const field_cols[] = {
    "resource",  "seq", "name",        "source_name", "data_type",   "length",   "required", "rule",
    "rule_args", "key", "sensitivity", "mask",        "base_column", "priority", NULL};

static void load_field_row(const rowctx_t *rc, dgp_catalog_field_t *f)
{
	dgp_catalog_t *cat = rc->cat;
	f->loc = (dgp_catalog_loc_t){rc->t->file, rc->row->line};
	f->seq = posint(rc, "seq", true, 9999);
	f->name = val(rc, "name");
	req(rc, "name");
	f->source_name = val(rc, "source_name");
	if (req(rc, "source_name") && !match_ident(f->source_name, 'A', 'Z', true))
		row_diag(rc, "source_name", NULL,
		         "invalid source name \"%s\" (expected upper-case letters, digits and _, "
		         "starting with a letter, at most 63)",
		         f->source_name);
	static const char *const types[] = {"C", "N", "Y", "D", "T", "L", "M", "G", "B", "I", "F"};
	int dt = choice(rc, "data_type", types, N_OF(types));
	f->data_type = dt >= 0 ? types[dt][0] : '?';
	f->length =
	    posint(rc, "length", dt >= 0 && (f->data_type == 'C' || f->data_type == 'N'), 65535);
	f->required = yes_no(rc, "required", "Y", "N");
	f->key = yes_no(rc, "key", "Y", "N");
	if (f->key && !f->required && *val(rc, "required"))
		row_diag(rc, "required", NULL, "a key field must be required");
	f->rule = val(rc, "rule");
	f->rule_args = val(rc, "rule_args");
	check_rule(rc, f->rule, f->rule_args, dt >= 0 ? f->data_type : 0, cat->arena, &f->list);
	int sens = choice(rc, "sensitivity", sensitivity_names, DGP_SENS__COUNT);
	f->sensitivity = sens >= 0 ? (dgp_sensitivity_t)sens : DGP_SENS_SENSITIVE;
	f->mask_text = val(rc, "mask");
	if (req(rc, "mask")) {
		unsigned fr, en;
		char tail;
		int i;
		for (i = 0; i < N_OF(mask_names); i++)
			if (strcmp(f->mask_text, mask_names[i]) == 0)
				break;
		if (i < N_OF(mask_names)) {
			f->mask.kind = (dgp_mask_kind_t)i;
		} else if (strncmp(f->mask_text, "keep:", 5) == 0 &&
		           sscanf(f->mask_text + 5, "%2u,%2u%c", &fr, &en, &tail) == 2 &&
		           f->mask_text[5] >= '0' && f->mask_text[5] <= '9') {
			f->mask = (dgp_mask_t){DGP_MASK_KEEP, fr, en};
		} else {
			row_diag(
			    rc, "mask", NULL,
			    "invalid mask \"%s\" (allowed: none, idcard, mobile, name, address, "
			    "keep:F,E)",
			    f->mask_text);
		}
	}
	if (sens == DGP_SENS_SENSITIVE && f->mask.kind == DGP_MASK_NONE && *f->mask_text &&
	    strcmp(f->mask_text, "none") == 0)
		row_diag(rc, "mask",
		         "Sensitive fields leave the centre only masked; pick a mask rule.",
		         "a 敏感 field needs a mask other than none");
	f->base_column_name = val(rc, "base_column");
	f->priority = posint(rc, "priority", false, 9999);
	if (f->priority == 0 && *val(rc, "priority"))
		f->priority = -1; /* invalid, reported: later checks stay quiet about it */
}

/* Fields of one folder, grouped onto the folder's resources (arrays in the arena). */
static int cmp_field_seq(const void *a, const void *b)
{
	const dgp_catalog_field_t *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->loc.line < y->loc.line ? -1 : x->loc.line > y->loc.line;
}

static void load_fields(dgp_catalog_t *cat, const dgp_catalog_provider_t *prov,
                        dgp_catalog_resource_t *res, size_t n_res)
{
	csv_table_t t;
	const char *file = dgp_arena_sprintf(cat->arena, "%s/fields.csv", prov->slug);
	if (!read_table(cat, file, field_cols, &t)) {
		(void)smap_put(&cat->fields_unread, prov->slug, prov);
		return;
	}
	vec_t *per = dgp_xcalloc(n_res ? n_res : 1, sizeof(vec_t));
	for (size_t i = 0; i < n_res; i++)
		per[i] = VEC(dgp_catalog_field_t);
	for (size_t i = 0; i < t.nrows; i++) {
		rowctx_t rc = {cat, &t, &t.rows[i]};
		const char *code = req(&rc, "resource");
		if (!code)
			continue;
		size_t k;
		for (k = 0; k < n_res; k++)
			if (strcmp(res[k].code, code) == 0)
				break;
		if (k == n_res) {
			const dgp_catalog_resource_t *other = smap_get(&cat->by_code, code);
			char *hint = other ? dgp_arena_sprintf(cat->arena,
			                                       "Resource %s is defined in %s; its "
			                                       "fields belong in that folder.",
			                                       code, other->loc.file)
			                   : NULL;
			row_diag(&rc, "resource", hint,
			         "unknown resource code \"%s\" in %s/resources.csv", code,
			         prov->slug);
			continue;
		}
		dgp_catalog_field_t *f = vec_push(&per[k]);
		load_field_row(&rc, f);
	}
	for (size_t k = 0; k < n_res; k++) {
		res[k].n_fields = per[k].n;
		if (per[k].n)
			qsort(per[k].v, per[k].n, sizeof(dgp_catalog_field_t), cmp_field_seq);
		dgp_catalog_field_t *fs = vec_to_arena(&per[k], cat->arena);
		for (size_t j = 0; j < res[k].n_fields; j++)
			fs[j].resource = &res[k];
		res[k].fields = fs;
	}
	free(per);
}

/* Every folder of the provider, in providers.csv order; then stray folders. */
static void load_resources(dgp_catalog_t *cat)
{
	csv_table_t *tables =
	    dgp_arena_calloc(cat->arena, (cat->n_providers + 1) * sizeof(*tables));
	size_t total = 0;
	for (size_t i = 0; i < cat->n_providers; i++) {
		const dgp_catalog_provider_t *p = &cat->providers[i];
		if (!*p->slug || smap_get(&cat->by_slug, p->slug) != p)
			continue;
		char *dirpath = dgp_arena_sprintf(cat->arena, "%s/%s", cat->dir, p->slug);
		struct stat st;
		if (stat(dirpath, &st) != 0 || !S_ISDIR(st.st_mode))
			continue; /* a provider that only consumes data */
		const char *file = dgp_arena_sprintf(cat->arena, "%s/resources.csv", p->slug);
		if (read_table(cat, file, resource_cols, &tables[i]))
			total += tables[i].nrows;
	}
	cat->resources = dgp_arena_calloc(cat->arena, (total + 1) * sizeof(*cat->resources));
	smap_init(&cat->by_code, cat->arena, total);
	smap_init(&cat->fields_unread, cat->arena, cat->n_providers);
	for (size_t i = 0; i < cat->n_providers; i++) {
		dgp_catalog_provider_t *p = &cat->providers[i];
		dgp_catalog_resource_t *first = &cat->resources[cat->n_resources];
		for (size_t j = 0; j < tables[i].nrows; j++) {
			rowctx_t rc = {cat, &tables[i], &tables[i].rows[j]};
			dgp_catalog_resource_t *r = &cat->resources[cat->n_resources++];
			load_resource_row(&rc, p, r);
			if (*r->code)
				(void)smap_put(&cat->by_code, r->code, r);
		}
		p->resources = first;
		p->n_resources = (size_t)(&cat->resources[cat->n_resources] - first);
	}
	for (size_t i = 0; i < cat->n_providers; i++) {
		dgp_catalog_provider_t *p = &cat->providers[i];
		if (tables[i].file)
			load_fields(cat, p, (dgp_catalog_resource_t *)p->resources, p->n_resources);
	}

	DIR *d = opendir(cat->dir);
	if (!d)
		return;
	vec_t names = VEC(char *);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "lists") == 0)
			continue;
		char *path = dgp_arena_sprintf(cat->arena, "%s/%s", cat->dir, e->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		    !smap_get(&cat->by_slug, e->d_name))
			*(char **)vec_push(&names) = dgp_arena_strdup(cat->arena, e->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < names.n; i++)
		dgp_catalog_diag_add(
		    cat, VEC_AT(names, char *, i), 0, NULL,
		    "Each folder holds the resources of the provider whose slug it is named after.",
		    "folder \"%s\" is not the slug of a provider in providers.csv",
		    VEC_AT(names, char *, i));
	free(names.v);
}

/* ------------------------------------------------------ base columns, lists */

static const char *const base_cols[] = {"library",   "column", "data_type",   "rule",
                                        "rule_args", "key",    "description", NULL};

static void load_base_columns(dgp_catalog_t *cat)
{
	csv_table_t t;
	vec_t v = VEC(dgp_catalog_base_column_t);
	if (read_table(cat, "base_columns.csv", base_cols, &t)) {
		for (size_t i = 0; i < t.nrows; i++) {
			rowctx_t rc = {cat, &t, &t.rows[i]};
			dgp_catalog_base_column_t *b = vec_push(&v);
			b->loc = (dgp_catalog_loc_t){t.file, t.rows[i].line};
			static const char *const libs[] = {"person", "legal_entity"};
			int lib = choice(&rc, "library", libs, 2);
			b->library = lib >= 0 ? (dgp_base_library_t)(lib + 1) : DGP_LIB_NONE;
			b->name = val(&rc, "column");
			if (req(&rc, "column") && !match_ident(b->name, 'a', 'z', false))
				row_diag(&rc, "column", NULL,
				         "invalid column name \"%s\" (expected lowercase letters, "
				         "digits "
				         "and _, starting with a letter, at most 63)",
				         b->name);
			static const char *const types[] = {"C", "N", "Y", "D", "T", "L",
			                                    "M", "G", "B", "I", "F"};
			int dt = choice(&rc, "data_type", types, N_OF(types));
			b->data_type = dt >= 0 ? types[dt][0] : '?';
			b->rule = val(&rc, "rule");
			b->rule_args = val(&rc, "rule_args");
			check_rule(&rc, b->rule, b->rule_args, 0, cat->arena, &b->list);
			b->key = yes_no(&rc, "key", "Y", "N");
			b->description = val(&rc, "description");
			req(&rc, "description");
		}
	}
	cat->n_base_columns = v.n;
	cat->base_columns = vec_to_arena(&v, cat->arena);
	smap_init(&cat->by_base_column, cat->arena, cat->n_base_columns);
	for (size_t i = 0; i < cat->n_base_columns; i++) {
		dgp_catalog_base_column_t *b = &cat->base_columns[i];
		if (b->library != DGP_LIB_NONE && *b->name)
			(void)smap_put(&cat->by_base_column,
			               dgp_arena_sprintf(cat->arena, "%s.%s",
			                                 library_names[b->library], b->name),
			               b);
	}
}

static const char *const codelist_cols[] = {"list", "list_name", "code", "label", NULL};

static void load_code_lists(dgp_catalog_t *cat)
{
	csv_table_t t;
	vec_t lists = VEC(dgp_catalog_code_list_t);
	vec_t codes = VEC(dgp_catalog_code_t); /* of the list being filled */
	if (read_table(cat, "codelists.csv", codelist_cols, &t)) {
		/* Rows of one list are consecutive; a list that reappears later is reported in
		 * validate. */
		for (size_t i = 0; i < t.nrows; i++) {
			rowctx_t rc = {cat, &t, &t.rows[i]};
			const char *name = val(&rc, "list");
			if (req(&rc, "list") && !match_ident(name, 'A', 'Z', true))
				row_diag(
				    &rc, "list", NULL,
				    "invalid list name \"%s\" (expected upper-case letters, digits "
				    "and _, starting with a letter)",
				    name);
			req(&rc, "list_name");
			req(&rc, "code");
			req(&rc, "label");
			dgp_catalog_code_list_t *cur =
			    lists.n ? &VEC_AT(lists, dgp_catalog_code_list_t, lists.n - 1) : NULL;
			if (!cur || strcmp(cur->name, name) != 0) {
				if (cur) {
					cur->n_codes = codes.n;
					cur->codes = vec_to_arena(&codes, cat->arena);
				}
				cur = vec_push(&lists);
				cur->name = name;
				cur->list_name = val(&rc, "list_name");
				cur->loc = (dgp_catalog_loc_t){t.file, t.rows[i].line};
			}
			dgp_catalog_code_t *c = vec_push(&codes);
			c->code = val(&rc, "code");
			c->label = val(&rc, "label");
			/* the row's list_name is compared in validate, so keep it beside the code
			 */
			if (strcmp(val(&rc, "list_name"), cur->list_name) != 0)
				row_diag(&rc, "list_name", NULL,
				         "list %s is named \"%s\" at line %d, not \"%s\"",
				         cur->name, cur->list_name, cur->loc.line,
				         val(&rc, "list_name"));
		}
		if (lists.n) {
			dgp_catalog_code_list_t *cur =
			    &VEC_AT(lists, dgp_catalog_code_list_t, lists.n - 1);
			cur->n_codes = codes.n;
			cur->codes = vec_to_arena(&codes, cat->arena);
		}
	}
	free(codes.v);
	cat->n_code_lists = lists.n;
	cat->code_lists = vec_to_arena(&lists, cat->arena);
	smap_init(&cat->by_list, cat->arena, cat->n_code_lists);
}

static void list_fields(const rowctx_t *rc, dgp_catalog_field_refs_t *refs)
{
	refs->names = split_list(rc, "fields", &refs->n);
	refs->fields = dgp_arena_calloc(rc->cat->arena, (refs->n + 1) * sizeof(*refs->fields));
}

static const char *const demand_cols[] = {
    "id",           "demand_dept", "scenario", "resource", "fields", "share_method",
    "update_cycle", "basis",       "deadline", "status",   NULL};
static const char *const resp_cols[] = {"id",
                                        "dept",
                                        "resource",
                                        "fields",
                                        "source_matter",
                                        "authoritative",
                                        "update_cycle",
                                        "quality_owner",
                                        "share_type",
                                        "collect_deadline",
                                        NULL};
static const char *const neg_cols[] = {"id",    "dept",   "resource",    "fields", "restriction",
                                       "basis", "review", "valid_until", NULL};

static void load_lists(dgp_catalog_t *cat)
{
	csv_table_t t;
	vec_t v = VEC(dgp_catalog_demand_t);
	if (read_table(cat, "lists/demand.csv", demand_cols, &t)) {
		for (size_t i = 0; i < t.nrows; i++) {
			rowctx_t rc = {cat, &t, &t.rows[i]};
			dgp_catalog_demand_t *d = vec_push(&v);
			d->loc = (dgp_catalog_loc_t){t.file, t.rows[i].line};
			d->id = val(&rc, "id");
			req(&rc, "id");
			d->dept_slug = val(&rc, "demand_dept");
			req(&rc, "demand_dept");
			d->scenario = val(&rc, "scenario");
			req(&rc, "scenario");
			d->resource_code = val(&rc, "resource");
			req(&rc, "resource");
			list_fields(&rc, &d->fields);
			int m = choice(&rc, "share_method", method_names, N_OF(method_names));
			d->share_method = m >= 0 ? method_names[m] : val(&rc, "share_method");
			int c = choice(&rc, "update_cycle", cycle_names, DGP_CYCLE__COUNT);
			d->update_cycle = c >= 0 ? (dgp_update_cycle_t)c : DGP_CYCLE_DAILY;
			d->basis = val(&rc, "basis");
			req(&rc, "basis");
			d->deadline = date_value(&rc, "deadline");
			int s = choice(&rc, "status", status_names, N_OF(status_names));
			d->status = s >= 0 ? status_names[s] : val(&rc, "status");
		}
	}
	cat->n_demands = v.n;
	cat->demands = vec_to_arena(&v, cat->arena);

	v = VEC(dgp_catalog_responsibility_t);
	if (read_table(cat, "lists/responsibility.csv", resp_cols, &t)) {
		for (size_t i = 0; i < t.nrows; i++) {
			rowctx_t rc = {cat, &t, &t.rows[i]};
			dgp_catalog_responsibility_t *r = vec_push(&v);
			r->loc = (dgp_catalog_loc_t){t.file, t.rows[i].line};
			r->id = val(&rc, "id");
			req(&rc, "id");
			r->dept_slug = val(&rc, "dept");
			req(&rc, "dept");
			r->resource_code = val(&rc, "resource");
			req(&rc, "resource");
			list_fields(&rc, &r->fields);
			r->source_matter = val(&rc, "source_matter");
			req(&rc, "source_matter");
			r->authoritative = yes_no(&rc, "authoritative", "是", "否");
			int c = choice(&rc, "update_cycle", cycle_names, DGP_CYCLE__COUNT);
			r->update_cycle = c >= 0 ? (dgp_update_cycle_t)c : DGP_CYCLE__COUNT;
			r->quality_owner = val(&rc, "quality_owner");
			req(&rc, "quality_owner");
			int s = choice(&rc, "share_type", share_names, DGP_SHARE__COUNT);
			r->share_type = s >= 0 ? (dgp_share_type_t)s : DGP_SHARE__COUNT;
			r->collect_deadline = val(&rc, "collect_deadline");
			req(&rc, "collect_deadline");
		}
	}
	cat->n_resps = v.n;
	cat->resps = vec_to_arena(&v, cat->arena);

	v = VEC(dgp_catalog_negative_t);
	if (read_table(cat, "lists/negative.csv", neg_cols, &t)) {
		for (size_t i = 0; i < t.nrows; i++) {
			rowctx_t rc = {cat, &t, &t.rows[i]};
			dgp_catalog_negative_t *n = vec_push(&v);
			n->loc = (dgp_catalog_loc_t){t.file, t.rows[i].line};
			n->id = val(&rc, "id");
			req(&rc, "id");
			n->dept_slug = val(&rc, "dept");
			req(&rc, "dept");
			n->resource_code = val(&rc, "resource");
			req(&rc, "resource");
			list_fields(&rc, &n->fields);
			n->no_open = choice(&rc, "restriction", restriction_names, 2) == 1;
			n->basis = val(&rc, "basis");
			req(&rc, "basis");
			n->review = val(&rc, "review");
			n->valid_until = date_value(&rc, "valid_until");
		}
	}
	cat->n_negs = v.n;
	cat->negs = vec_to_arena(&v, cat->arena);
}

/* -------------------------------------------------------------------- link */

static int cmp_source_priority(const void *a, const void *b)
{
	const dgp_catalog_field_t *x = *(const dgp_catalog_field_t *const *)a;
	const dgp_catalog_field_t *y = *(const dgp_catalog_field_t *const *)b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	int c = strcmp(x->loc.file, y->loc.file);
	if (c)
		return c;
	return x->loc.line < y->loc.line ? -1 : x->loc.line > y->loc.line;
}

static void link_list_refs(dgp_catalog_t *cat, const char *dept_slug, const char *code,
                           const dgp_catalog_provider_t **dept, const dgp_catalog_resource_t **res,
                           dgp_catalog_field_refs_t *refs)
{
	*dept = smap_get(&cat->by_slug, dept_slug);
	*res = smap_get(&cat->by_code, code);
	for (size_t i = 0; *res && i < refs->n; i++)
		((const dgp_catalog_field_t **)refs->fields)[i] =
		    dgp_catalog_find_field(*res, refs->names[i]);
}

/* Resolve names into pointers.  Reports nothing: validate reports what did not resolve. */
static void link(dgp_catalog_t *cat)
{
	smap_init(&cat->by_topic, cat->arena, cat->n_resources);
	for (size_t i = 0; i < cat->n_resources; i++)
		if (*cat->resources[i].topic)
			(void)smap_put(&cat->by_topic, cat->resources[i].topic, &cat->resources[i]);
	for (size_t i = 0; i < cat->n_code_lists; i++)
		if (*cat->code_lists[i].name)
			(void)smap_put(&cat->by_list, cat->code_lists[i].name, &cat->code_lists[i]);

	vec_t *src = dgp_xcalloc(cat->n_base_columns + 1, sizeof(vec_t));
	for (size_t i = 0; i < cat->n_base_columns; i++)
		src[i] = VEC(const dgp_catalog_field_t *);
	for (size_t i = 0; i < cat->n_resources; i++) {
		dgp_catalog_resource_t *r = &cat->resources[i];
		for (size_t j = 0; j < r->n_fields; j++) {
			dgp_catalog_field_t *f = (dgp_catalog_field_t *)&r->fields[j];
			if (f->list)
				f->code_list = smap_get(&cat->by_list, f->list);
			if (!*f->base_column_name || r->base_library == DGP_LIB_NONE)
				continue;
			f->base_column =
			    dgp_catalog_find_base_column(cat, r->base_library, f->base_column_name);
			if (f->base_column)
				*(const dgp_catalog_field_t **)vec_push(
				    &src[f->base_column - cat->base_columns]) = f;
		}
	}
	for (size_t i = 0; i < cat->n_base_columns; i++) {
		dgp_catalog_base_column_t *b = &cat->base_columns[i];
		if (!b->key && src[i].n)
			qsort(src[i].v, src[i].n, sizeof(void *), cmp_source_priority);
		b->n_sources = src[i].n;
		b->sources = vec_to_arena(&src[i], cat->arena);
	}
	free(src);

	for (size_t i = 0; i < cat->n_demands; i++) {
		dgp_catalog_demand_t *d = &cat->demands[i];
		link_list_refs(cat, d->dept_slug, d->resource_code, &d->dept, &d->resource,
		               &d->fields);
	}
	for (size_t i = 0; i < cat->n_resps; i++) {
		dgp_catalog_responsibility_t *r = &cat->resps[i];
		link_list_refs(cat, r->dept_slug, r->resource_code, &r->dept, &r->resource,
		               &r->fields);
	}
	for (size_t i = 0; i < cat->n_negs; i++) {
		dgp_catalog_negative_t *n = &cat->negs[i];
		link_list_refs(cat, n->dept_slug, n->resource_code, &n->dept, &n->resource,
		               &n->fields);
	}
}

dgp_err_t dgp_catalog_load(const char *dir, dgp_catalog_t **out)
{
	dgp_arena_t *a = dgp_arena_new(1 << 20);
	dgp_catalog_t *cat = dgp_arena_calloc(a, sizeof(*cat));
	cat->arena = a;
	cat->dir = dgp_arena_strdup(a, dir);
	cat->diags = VEC(dgp_catalog_diag_t);
	*out = cat;

	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		dgp_catalog_diag_add(cat, "", 0, NULL, NULL, "could not open catalog directory: %s",
		                     errno ? strerror(errno) : "not a directory");
		link(cat);
		return DGP_ERR_CATALOG;
	}
	load_providers(cat);
	load_base_columns(cat);
	load_code_lists(cat);
	load_resources(cat);
	load_lists(cat);
	link(cat);
	return cat->diags.n ? DGP_ERR_CATALOG : DGP_OK;
}
