/*
 * dgp_catalog_export.c — the 三清单一目录 export (catalog/EXPORT.md).
 *
 *   catalog + status ─▶ build_*(): five sheets of typed cells, in catalog
 *                       order, audience rules applied once here
 *                    ─▶ write_csv / write_json / write_xlsx: only formatting
 *
 * Every format is written from the same sheets, so the three cannot
 * disagree about which rows exist or what a column holds.  Nothing here
 * reads the clock: generated_at comes from the caller.
 */
#include "dgp_catalog_export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <xlsxwriter.h>

#include "dgp_arena.h"
#include "dgp_catalog_text.h"
#include "dgp_log.h"

/* ------------------------------------------------------------ the table model */

typedef enum cell_kind {
	CELL_EMPTY, /* CSV "", XLSX blank, JSON null */
	CELL_STR,
	CELL_INT,
	CELL_RATE, /* a ratio 0..1: CSV "97.31%", XLSX number as 0.00%, JSON 0.9731 */
	CELL_BOOL, /* CSV and XLSX 是/否, JSON true/false */
	CELL_DATE, /* s = "YYYY-MM-DD": CSV and JSON the text, XLSX a date cell */
	CELL_TIME, /* i = epoch seconds: CSV local "YYYY-MM-DD HH:MM:SS", JSON UTC, XLSX a date-time
	              cell */
} cell_kind_t;

typedef struct cell {
	cell_kind_t kind;
	const char *s;
	int64_t i;
	double d;
} cell_t;

typedef struct column {
	const char *zh;     /* header in CSV and XLSX */
	const char *key;    /* JSON key */
	bool wrap;          /* long text: XLSX wraps it in a narrower column */
	bool internal_only; /* left out of the external export */
} column_t;

typedef struct sheet {
	const char *name; /* XLSX sheet name */
	const char *file; /* CSV file */
	const char *key;  /* JSON array */
	const column_t *cols;
	size_t ncols;
	cell_t *cells; /* nrows * ncols */
	size_t nrows, cap;
	size_t row_cells; /* cells filled in the current row */
} sheet_t;

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const column_t catalog_cols[] = {
    {"信息资源代码", "code", false, false},
    {"信息资源名称", "name", false, false},
    {"资源分类", "class", false, false},
    {"项", "category", false, false},
    {"目", "subcategory", false, false},
    {"细目", "detail", false, false},
    {"信息资源提供方", "provider", false, false},
    {"信息资源提供方代码", "provider_code", false, false},
    {"信息资源摘要", "summary", true, false},
    {"信息资源格式", "format", false, false},
    {"格式说明", "format_detail", false, false},
    {"信息项数", "field_count", false, false},
    {"共享类型", "share_type", false, false},
    {"共享条件", "share_condition", true, false},
    {"共享方式", "share_method", false, false},
    {"是否向社会开放", "open", false, false},
    {"开放条件", "open_condition", true, false},
    {"更新周期", "update_cycle", false, false},
    {"发布日期", "published", false, false},
    {"关联资源代码", "related", false, false},
    {"责任人", "responsible", false, false},
    {"记录数", "rows", false, false},
    {"累计读取记录数", "records_read", false, false},
    {"累计拒收记录数", "rejected", false, false},
    {"拒收原因", "reject_reasons", true, true},
    {"最近加载时间", "last_load", false, false},
    {"最近变更时间", "last_change", false, false},
    {"更新状态", "compliance", false, false},
};

static const column_t field_cols[] = {
    {"信息资源代码", "resource_code", false, false},
    {"信息资源名称", "resource_name", false, false},
    {"序号", "seq", false, false},
    {"信息项名称", "name", false, false},
    {"源字段名", "source_name", false, false},
    {"数据类型", "data_type", false, false},
    {"数据类型名称", "data_type_name", false, false},
    {"数据长度", "length", false, false},
    {"是否必填", "required", false, false},
    {"是否主键", "key", false, false},
    {"规范化规则", "rule", false, false},
    {"规则参数", "rule_args", false, false},
    {"代码表", "code_list", false, false},
    {"敏感级别", "sensitivity", false, false},
    {"脱敏规则", "mask", false, false},
    {"基础库字段", "base_column", false, false},
    {"来源优先级", "priority", false, false},
    {"填充率", "fill_rate", false, false},
    {"有效率", "valid_rate", false, false},
};

static const column_t demand_cols[] = {
    {"编号", "id", false, false},
    {"需求部门", "demand_dept", false, false},
    {"需求部门代码", "demand_dept_code", false, false},
    {"需求事项/应用场景", "scenario", true, false},
    {"所需资源名称", "resource_name", false, false},
    {"所需资源代码", "resource_code", false, false},
    {"所需信息项", "fields", true, false},
    {"提供部门", "provider", false, false},
    {"提供部门代码", "provider_code", false, false},
    {"共享方式", "share_method", false, false},
    {"更新频率", "update_cycle", false, false},
    {"使用依据", "basis", true, false},
    {"时限", "deadline", false, false},
    {"状态", "status", false, false},
};

static const column_t responsibility_cols[] = {
    {"编号", "id", false, false},
    {"责任部门", "dept", false, false},
    {"责任部门代码", "dept_code", false, false},
    {"数据资源名称", "resource_name", false, false},
    {"数据资源代码", "resource_code", false, false},
    {"信息项", "fields", false, false},
    {"数据来源事项", "source_matter", false, false},
    {"权威来源标识", "authoritative", false, false},
    {"更新周期", "update_cycle", false, false},
    {"质量责任人", "quality_owner", false, false},
    {"共享属性", "share_type", false, false},
    {"归集时限", "collect_deadline", false, false},
};

static const column_t negative_cols[] = {
    {"编号", "id", false, false},
    {"部门", "dept", false, false},
    {"部门代码", "dept_code", false, false},
    {"资源名称", "resource_name", false, false},
    {"资源代码", "resource_code", false, false},
    {"信息项", "fields", false, false},
    {"限制类型", "restriction", false, false},
    {"法律法规或政策依据", "basis", true, false},
    {"审核意见", "review", true, false},
    {"有效期", "valid_until", false, false},
};

enum { SHEET_CATALOG, SHEET_FIELDS, SHEET_DEMAND, SHEET_RESP, SHEET_NEGATIVE, SHEET__COUNT };

typedef struct export
{
	dgp_arena_t *a;
	const dgp_catalog_t *cat;
	const dgp_export_opts_t *o;
	bool external;
	sheet_t sheets[SHEET__COUNT];
	dgp_export_report_t rep;
}
export_t;

static void sheet_init(sheet_t *s, const char *name, const char *file, const char *key,
                       const column_t *cols, size_t ncols)
{
	*s = (sheet_t){.name = name, .file = file, .key = key, .cols = cols, .ncols = ncols};
}

static cell_t *next_cell(export_t *x, sheet_t *s)
{
	if (s->row_cells == 0) {
		if (s->nrows == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			cell_t *c = dgp_arena_alloc(x->a, cap * s->ncols * sizeof(*c));
			if (s->nrows)
				memcpy(c, s->cells, s->nrows * s->ncols * sizeof(*c));
			s->cells = c;
			s->cap = cap;
		}
		s->nrows++;
	}
	cell_t *c = &s->cells[(s->nrows - 1) * s->ncols + s->row_cells];
	if (++s->row_cells == s->ncols)
		s->row_cells = 0;
	return c;
}

static void put_str(export_t *x, sheet_t *s, const char *v)
{
	*next_cell(x, s) = v && *v ? (cell_t){.kind = CELL_STR, .s = v} : (cell_t){0};
}

static void put_int(export_t *x, sheet_t *s, int64_t v)
{
	*next_cell(x, s) = (cell_t){.kind = CELL_INT, .i = v};
}

static void put_bool(export_t *x, sheet_t *s, bool v)
{
	*next_cell(x, s) = (cell_t){.kind = CELL_BOOL, .i = v};
}

static void put_empty(export_t *x, sheet_t *s)
{
	*next_cell(x, s) = (cell_t){0};
}

static void put_rate(export_t *x, sheet_t *s, int64_t part, int64_t whole)
{
	if (whole <= 0) {
		put_empty(x, s);
		return;
	}
	/* Rounded to 4 decimals here, so every format shows the same number. */
	double r = (double)(part * 10000 / whole) / 10000.0;
	if ((part * 10000) % whole * 2 >= whole)
		r = (double)(part * 10000 / whole + 1) / 10000.0;
	*next_cell(x, s) = (cell_t){.kind = CELL_RATE, .d = r};
}

static void put_time(export_t *x, sheet_t *s, bool set, int64_t t)
{
	*next_cell(x, s) = set ? (cell_t){.kind = CELL_TIME, .i = t} : (cell_t){0};
}

/* A "YYYY-MM-DD" text becomes a date cell; anything else stays text. */
static void put_date(export_t *x, sheet_t *s, const char *v)
{
	int y, m, d, n = 0;
	if (v && strlen(v) == 10 && sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10)
		*next_cell(x, s) = (cell_t){.kind = CELL_DATE, .s = v};
	else
		put_str(x, s, v);
}

/* ------------------------------------------------------------ audience rules */

char *dgp_catalog_mask_value(const dgp_mask_t *m, const char *value, char *out, size_t out_size)
{
	size_t len = strlen(value);
	unsigned front = 0, end = 0;
	switch (m->kind) {
	case DGP_MASK_NONE:
		snprintf(out, out_size, "%s", value);
		return out;
	case DGP_MASK_IDCARD:
		front = 1, end = 2;
		break;
	case DGP_MASK_MOBILE:
		front = 3, end = 4;
		break;
	case DGP_MASK_NAME:
		front = 1, end = 0;
		break;
	case DGP_MASK_ADDRESS: {
		size_t chars = 0;
		for (size_t i = 0; i < len; i++)
			chars += ((unsigned char)value[i] & 0xC0) != 0x80;
		front = chars > 8 ? (unsigned)(chars - 8) : 0;
		break;
	}
	case DGP_MASK_KEEP:
		front = m->front, end = m->end;
		break;
	}
	return dgp_log_mask(value, len, front, end, out, out_size);
}

/* A staff member's name as this audience may see it. */
static const char *person(export_t *x, const char *name)
{
	if (!x->external || !name || !*name)
		return name;
	static const dgp_mask_t name_mask = {.kind = DGP_MASK_NAME};
	size_t n = strlen(name) + 1;
	char *out = dgp_arena_alloc(x->a, n);
	return dgp_catalog_mask_value(&name_mask, name, out, n);
}

static bool resource_shown(const export_t *x, const dgp_catalog_resource_t *r)
{
	return r && (!x->external || r->share_type != DGP_SHARE_NONE);
}

/* A field is hidden from the external audience when the negative list says 不予共享 for it. */
static bool field_shown(const export_t *x, const dgp_catalog_field_t *f)
{
	if (!resource_shown(x, f->resource))
		return false;
	if (!x->external)
		return true;
	size_t n;
	const dgp_catalog_negative_t *neg = dgp_catalog_negatives(x->cat, &n);
	for (size_t i = 0; i < n; i++) {
		if (neg[i].no_open || neg[i].resource != f->resource)
			continue;
		if (neg[i].fields.n == 0)
			return false;
		for (size_t k = 0; k < neg[i].fields.n; k++)
			if (neg[i].fields.fields[k] == f)
				return false;
	}
	return true;
}

/*
 * The 信息项 column of a list row: names joined with 、, 全部信息项 for the
 * whole resource.  *shown is false when the row names fields and none of
 * them may be shown (the row is then left out).
 */
static const char *field_names(export_t *x, const dgp_catalog_field_refs_t *refs, bool *shown)
{
	*shown = true;
	if (refs->n == 0)
		return "全部信息项";
	char *s = "";
	size_t kept = 0;
	for (size_t i = 0; i < refs->n; i++) {
		const dgp_catalog_field_t *f = refs->fields[i];
		if (f && !field_shown(x, f))
			continue;
		s = dgp_arena_sprintf(x->a, "%s%s%s", s, kept++ ? "、" : "",
		                      f ? f->name : refs->names[i]);
	}
	*shown = kept > 0;
	return s;
}

/* ------------------------------------------------------------ building the sheets */

static size_t shown_fields(const export_t *x, const dgp_catalog_resource_t *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_fields; i++)
		n += field_shown(x, &r->fields[i]);
	return n;
}

static const char *related(export_t *x, const dgp_catalog_resource_t *r)
{
	char *s = "";
	size_t kept = 0;
	for (size_t i = 0; i < r->n_related; i++) {
		if (!resource_shown(x, dgp_catalog_find_resource(x->cat, r->related[i])))
			continue;
		s = dgp_arena_sprintf(x->a, "%s%s%s", s, kept++ ? "," : "", r->related[i]);
	}
	return s;
}

/* The reject reasons (dgp_reason_name) as a department reads them. */
static const char *reason_label(const char *reason)
{
	static const char *const labels[][2] = {
	    {"empty", "值为空"},
	    {"format", "格式不符"},
	    {"checksum", "校验位错误"},
	    {"date", "日期无效"},
	    {"future_date", "日期晚于当天"},
	    {"date_range", "日期早于下限"},
	    {"region", "行政区划代码无效"},
	    {"charset", "字符编码错误"},
	    {"too_long", "超过长度"},
	    {"not_in_list", "不在代码表中"},
	    {"range", "数值超出范围"},
	    {"malformed", "记录格式错误"},
	    {"columns", "列数不符"},
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(reason, labels[i][0]) == 0)
			return labels[i][1];
	return reason; /* a reason newer than this table: its code, never nothing */
}

/* reject_reasons — for people (CSV, XLSX) "格式不符 3 条；…"; for programs (JSON) the
 * stable reason codes, "format=3;…", which README's reason table defines */
static const char *reject_reasons(export_t *x, const dgp_status_resource_t *st)
{
	bool codes = x->o->format == DGP_EXPORT_JSON;
	char *s = "";
	for (size_t i = 0; i < st->n_rejects; i++)
		s = codes ? dgp_arena_sprintf(x->a, "%s%s%s=%" PRId64, s, i ? ";" : "",
		                              st->rejects[i].reason, st->rejects[i].count)
		          : dgp_arena_sprintf(x->a, "%s%s%s %" PRId64 " 条", s, i ? "；" : "",
		                              reason_label(st->rejects[i].reason),
		                              st->rejects[i].count);
	return s;
}

static void catalog_row(export_t *x, const dgp_catalog_resource_t *r)
{
	sheet_t *s = &x->sheets[SHEET_CATALOG];
	put_str(x, s, r->code);
	put_str(x, s, r->name);
	put_str(x, s, dgp_catalog_class_name(r->cls));
	put_str(x, s, r->category);
	put_str(x, s, r->subcategory);
	put_str(x, s, r->detail);
	put_str(x, s, r->provider->name);
	put_str(x, s, r->provider->code);
	put_str(x, s, r->summary);
	put_str(x, s, r->format);
	put_str(x, s, r->format_detail);
	put_int(x, s, (int64_t)shown_fields(x, r));
	put_str(x, s, dgp_catalog_share_type_name(r->share_type));
	put_str(x, s, r->share_condition);
	put_str(x, s, r->share_method);
	put_bool(x, s, r->open);
	put_str(x, s, r->open_condition);
	put_str(x, s, dgp_catalog_update_cycle_name(r->update_cycle));
	put_date(x, s, r->published);
	put_str(x, s, related(x, r));
	put_str(x, s, person(x, r->responsible));
	const dgp_status_resource_t *st =
	    x->o->status ? dgp_catalog_status_find(x->o->status, r->code) : NULL;
	if (!st) {
		for (int i = 0; i < 7; i++)
			put_empty(x, s);
		return;
	}
	if (st->has_stats) {
		put_int(x, s, st->rows);
		put_int(x, s, st->records_read);
		put_int(x, s, st->rejected);
	} else {
		put_empty(x, s), put_empty(x, s), put_empty(x, s);
	}
	put_str(x, s, reject_reasons(x, st));
	put_time(x, s, st->loaded, st->last_load);
	put_time(x, s, st->changed, st->last_change);
	put_str(x, s, dgp_compliance_label(st->compliance));
}

static const char *const type_names[] = {
    ['C'] = "字符型",     ['N'] = "数值型", ['Y'] = "货币型", ['D'] = "日期型",
    ['T'] = "日期时间型", ['L'] = "逻辑型", ['M'] = "备注型", ['G'] = "通用型",
    ['B'] = "双精度型",   ['I'] = "整型",   ['F'] = "浮点型",
};

static void field_row(export_t *x, const dgp_catalog_field_t *f, const dgp_status_field_t *st)
{
	sheet_t *s = &x->sheets[SHEET_FIELDS];
	const dgp_catalog_resource_t *r = f->resource;
	put_str(x, s, r->code);
	put_str(x, s, r->name);
	put_int(x, s, f->seq);
	put_str(x, s, f->name);
	put_str(x, s, f->source_name);
	put_str(x, s, dgp_arena_sprintf(x->a, "%c", f->data_type));
	unsigned char t = (unsigned char)f->data_type;
	put_str(x, s, t < NCOLS(type_names) ? type_names[t] : NULL);
	if (f->length)
		put_int(x, s, f->length);
	else
		put_empty(x, s);
	put_bool(x, s, f->required);
	put_bool(x, s, f->key);
	put_str(x, s, f->rule);
	put_str(x, s, f->rule_args);
	put_str(x, s,
	        f->code_list
	            ? dgp_arena_sprintf(x->a, "%s(%s)", f->code_list->list_name, f->code_list->name)
	            : NULL);
	put_str(x, s, dgp_catalog_sensitivity_name(f->sensitivity));
	put_str(x, s, f->mask_text);
	put_str(x, s,
	        f->base_column
	            ? dgp_arena_sprintf(x->a, "%s.%s",
	                                dgp_catalog_base_library_name(f->base_column->library),
	                                f->base_column->name)
	            : NULL);
	if (f->priority > 0)
		put_int(x, s, f->priority);
	else
		put_empty(x, s);
	if (st && st->has_stats) {
		put_rate(x, s, st->present, st->total);
		put_rate(x, s, st->valid, st->present);
	} else {
		put_empty(x, s), put_empty(x, s);
	}
}

static void build_catalog(export_t *x)
{
	size_t n;
	const dgp_catalog_resource_t *res = dgp_catalog_resources(x->cat, &n);
	for (size_t i = 0; i < n; i++) {
		const dgp_catalog_resource_t *r = &res[i];
		if (!resource_shown(x, r)) {
			x->rep.dropped_resources++;
			x->rep.dropped_fields += r->n_fields;
			continue;
		}
		catalog_row(x, r);
		x->rep.resources++;
		const dgp_status_resource_t *st =
		    x->o->status ? dgp_catalog_status_find(x->o->status, r->code) : NULL;
		for (size_t f = 0; f < r->n_fields; f++) {
			if (!field_shown(x, &r->fields[f])) {
				x->rep.dropped_fields++;
				continue;
			}
			field_row(x, &r->fields[f], st ? &st->fields[f] : NULL);
			x->rep.fields++;
		}
	}
}

static void build_lists(export_t *x)
{
	size_t n;
	bool shown;
	sheet_t *s = &x->sheets[SHEET_DEMAND];
	const dgp_catalog_demand_t *d = dgp_catalog_demands(x->cat, &n);
	for (size_t i = 0; i < n; i++) {
		const char *fields = field_names(x, &d[i].fields, &shown);
		if (!resource_shown(x, d[i].resource) || !shown)
			continue;
		const dgp_catalog_provider_t *p = d[i].resource->provider;
		put_str(x, s, d[i].id);
		put_str(x, s, d[i].dept->name);
		put_str(x, s, d[i].dept->code);
		put_str(x, s, d[i].scenario);
		put_str(x, s, d[i].resource->name);
		put_str(x, s, d[i].resource->code);
		put_str(x, s, fields);
		put_str(x, s, p->name);
		put_str(x, s, p->code);
		put_str(x, s, d[i].share_method);
		put_str(x, s, dgp_catalog_update_cycle_name(d[i].update_cycle));
		put_str(x, s, d[i].basis);
		put_str(x, s, d[i].deadline);
		put_str(x, s, d[i].status);
		x->rep.demands++;
	}

	s = &x->sheets[SHEET_RESP];
	const dgp_catalog_responsibility_t *r = dgp_catalog_responsibilities(x->cat, &n);
	for (size_t i = 0; i < n; i++) {
		const char *fields = field_names(x, &r[i].fields, &shown);
		if (!resource_shown(x, r[i].resource) || !shown)
			continue;
		put_str(x, s, r[i].id);
		put_str(x, s, r[i].dept->name);
		put_str(x, s, r[i].dept->code);
		put_str(x, s, r[i].resource->name);
		put_str(x, s, r[i].resource->code);
		put_str(x, s, fields);
		put_str(x, s, r[i].source_matter);
		put_bool(x, s, r[i].authoritative);
		put_str(x, s, dgp_catalog_update_cycle_name(r[i].update_cycle));
		put_str(x, s, person(x, r[i].quality_owner));
		put_str(x, s, dgp_catalog_share_type_name(r[i].share_type));
		put_str(x, s, r[i].collect_deadline);
		x->rep.responsibilities++;
	}

	s = &x->sheets[SHEET_NEGATIVE];
	const dgp_catalog_negative_t *g = dgp_catalog_negatives(x->cat, &n);
	for (size_t i = 0; i < n; i++) {
		const char *fields = field_names(x, &g[i].fields, &shown);
		if (!resource_shown(x, g[i].resource) || !shown)
			continue;
		put_str(x, s, g[i].id);
		put_str(x, s, g[i].dept->name);
		put_str(x, s, g[i].dept->code);
		put_str(x, s, g[i].resource->name);
		put_str(x, s, g[i].resource->code);
		put_str(x, s, fields);
		put_str(x, s, g[i].no_open ? "不予开放" : "不予共享");
		put_str(x, s, g[i].basis);
		put_str(x, s, g[i].review);
		put_date(x, s, g[i].valid_until);
		x->rep.negatives++;
	}
}

/* ------------------------------------------------------------ writers */

/* t in the export's time zone (opts utc_offset_s) as "YYYY-MM-DD HH:MM:SS". */
static const char *local_time_text(export_t *x, int64_t t)
{
	time_t lt = (time_t)(t + x->o->utc_offset_s);
	struct tm tm;
	gmtime_r(&lt, &tm);
	return dgp_arena_sprintf(x->a, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
	                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Whether column c of s is written for this audience. */
static bool col_shown(const export_t *x, const sheet_t *s, size_t c)
{
	return !(x->external && s->cols[c].internal_only);
}

static const char *cell_text(export_t *x, const cell_t *c)
{
	switch (c->kind) {
	case CELL_DATE:
		return c->s;
	case CELL_TIME:
		return local_time_text(x, c->i);
	case CELL_EMPTY:
		return "";
	case CELL_STR:
		return c->s;
	case CELL_INT:
		return dgp_arena_sprintf(x->a, "%" PRId64, c->i);
	case CELL_RATE:
		return dgp_arena_sprintf(x->a, "%.2f%%", c->d * 100.0);
	case CELL_BOOL:
		return c->i ? "是" : "否";
	}
	return "";
}

static dgp_err_t io_err(char *errstr, size_t errstr_size, const char *path, const char *what)
{
	return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "%s: %s: %s", path, what,
	                      strerror(errno));
}

static dgp_err_t close_file(FILE *f, const char *path, char *errstr, size_t errstr_size)
{
	bool bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return io_err(errstr, errstr_size, path, "write failed");
	return DGP_OK;
}

/*
 * A code a spreadsheet may read as a number: a digit, then only ASCII letters
 * and digits.  Covers 18-digit codes (1.14201060944823E+17), leading zeros,
 * and a 统一社会信用代码 whose organisation part holds an E between digits
 * (read as an exponent).
 */
static bool code_like(const char *t)
{
	if (*t < '0' || *t > '9')
		return false;
	for (; *t; t++)
		if (!((*t >= '0' && *t <= '9') || (*t >= 'A' && *t <= 'Z') ||
		      (*t >= 'a' && *t <= 'z')))
			return false;
	return true;
}

/*
 * A cell's CSV text.  A catalog text that a spreadsheet would run as a
 * formula (first character = + - @, or a tab or CR it strips before looking)
 * gets a leading ' (OWASP's CSV-injection advice; the ' shows, the text
 * stays inert).  For spreadsheets, a code-like text (18-digit department
 * codes, codes with leading zeros) gets a leading tab, so Calc and Excel
 * keep it as text instead of turning it into 1.14201060944823E+17; that tab
 * cannot start a formula, since what follows it is letters and digits.
 */
static const char *csv_text(export_t *x, const cell_t *c)
{
	const char *t = cell_text(x, c);
	if (c->kind != CELL_STR)
		return t;
	if (t[0] && strchr("=+-@\t\r", t[0]))
		return dgp_arena_sprintf(x->a, "'%s", t);
	if (x->o->csv_for == DGP_CSV_FOR_SPREADSHEET && code_like(t))
		return dgp_arena_sprintf(x->a, "\t%s", t);
	return t;
}

static dgp_err_t write_csv(export_t *x, const sheet_t *s, char *errstr, size_t errstr_size)
{
	const char *path = dgp_arena_sprintf(x->a, "%s/%s", x->o->out_dir, s->file);
	FILE *f = fopen(path, "wb");
	if (!f)
		return io_err(errstr, errstr_size, path, "cannot create");
	fputs("\xEF\xBB\xBF", f); /* BOM: Excel reads the file as UTF-8 */
	bool first = true;
	for (size_t c = 0; c < s->ncols; c++) {
		if (!col_shown(x, s, c))
			continue;
		fputs(first ? "" : ",", f);
		first = false;
		dgp_csv_put_field(f, s->cols[c].zh);
	}
	fputs("\r\n", f);
	for (size_t r = 0; r < s->nrows; r++) {
		first = true;
		for (size_t c = 0; c < s->ncols; c++) {
			if (!col_shown(x, s, c))
				continue;
			fputs(first ? "" : ",", f);
			first = false;
			dgp_csv_put_field(f, csv_text(x, &s->cells[r * s->ncols + c]));
		}
		fputs("\r\n", f);
	}
	x->rep.files[x->rep.n_files++] = s->file;
	return close_file(f, path, errstr, errstr_size);
}

static void json_cell(FILE *f, const cell_t *c)
{
	char when[32];
	switch (c->kind) {
	case CELL_DATE:
		dgp_json_put_string(f, c->s);
		break;
	case CELL_TIME:
		dgp_json_put_string(f, dgp_time_format(c->i, when, sizeof(when)));
		break;
	case CELL_EMPTY:
		fputs("null", f);
		break;
	case CELL_STR:
		dgp_json_put_string(f, c->s);
		break;
	case CELL_INT:
		fprintf(f, "%" PRId64, c->i);
		break;
	case CELL_RATE:
		fprintf(f, "%.4f", c->d);
		break;
	case CELL_BOOL:
		fputs(c->i ? "true" : "false", f);
		break;
	}
}

static dgp_err_t write_json(export_t *x, char *errstr, size_t errstr_size)
{
	const char *path = dgp_arena_sprintf(x->a, "%s/catalog.json", x->o->out_dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return io_err(errstr, errstr_size, path, "cannot create");
	char when[32];
	fputs("{\n  \"format\": \"dgp-catalog-export/1\",\n  \"generated_at\": ", f);
	dgp_json_put_string(f, dgp_time_format(x->o->generated_at, when, sizeof(when)));
	fprintf(f, ",\n  \"audience\": \"%s\",\n  \"statistics\": %s,\n",
	        x->external ? "external" : "internal", x->o->status ? "true" : "false");
	fprintf(f, "  \"counts\": {");
	for (int i = 0; i < SHEET__COUNT; i++)
		fprintf(f, "%s\"%s\": %zu", i ? ", " : "", x->sheets[i].key, x->sheets[i].nrows);
	fputs("}", f);
	for (int i = 0; i < SHEET__COUNT; i++) {
		const sheet_t *s = &x->sheets[i];
		fprintf(f, ",\n  \"%s\": [", s->key);
		for (size_t r = 0; r < s->nrows; r++) {
			fputs(r ? ",\n    {" : "\n    {", f);
			bool first = true;
			for (size_t c = 0; c < s->ncols; c++) {
				if (!col_shown(x, s, c))
					continue;
				fprintf(f, "%s\"%s\": ", first ? "" : ", ", s->cols[c].key);
				first = false;
				json_cell(f, &s->cells[r * s->ncols + c]);
			}
			fputc('}', f);
		}
		fputs(s->nrows ? "\n  ]" : "]", f);
	}
	fputs("\n}\n", f);
	x->rep.files[x->rep.n_files++] = "catalog.json";
	return close_file(f, path, errstr, errstr_size);
}

/* Column width in Excel's character units: the widest cell, CJK counted double, within 6–60. */
static double column_width(export_t *x, const sheet_t *s, size_t c)
{
	size_t w = dgp_display_width(s->cols[c].zh);
	for (size_t r = 0; r < s->nrows; r++) {
		size_t cw = dgp_display_width(cell_text(x, &s->cells[r * s->ncols + c]));
		if (cw > w)
			w = cw;
	}
	w += 2;
	size_t max = s->cols[c].wrap ? 40 : 60; /* long texts wrap in a 40-wide column */
	return (double)(w < 6 ? 6 : w > max ? max : w);
}

static dgp_err_t xlsx_err(char *errstr, size_t errstr_size, const char *path, lxw_error e)
{
	return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "%s: %s", path, lxw_strerror(e));
}

/* The 说明 (what this export is) as label/value lines, shared by XLSX and 说明.txt. */
enum { ABOUT_LINES = 7 };
static void about_lines(export_t *x, const char *lines[ABOUT_LINES][2])
{
	int h = x->o->utc_offset_s / 3600, m = abs(x->o->utc_offset_s) / 60 % 60;
	const char *tz = x->o->timezone && *x->o->timezone ? x->o->timezone : "UTC";
	lines[0][0] = "标题";
	lines[0][1] = "三清单一目录（数据资源目录、信息项、需求清单、责任清单、负面清单）";
	lines[1][0] = "受众";
	lines[1][1] = x->external ? "对外：不含不予共享的资源和信息项，人员姓名已脱敏，不含拒收原因"
	                          : "内部：全部资源和信息项，人员姓名未脱敏；请勿对外提供";
	lines[2][0] = "生成时间";
	lines[2][1] = local_time_text(x, x->o->generated_at);
	lines[3][0] = "时区";
	lines[3][1] = dgp_arena_sprintf(x->a, "%s（UTC%+03d:%02d）", tz, h, m);
	lines[4][0] = "统计数据";
	lines[4][1] = x->o->status ? "含生成时的实时统计（记录数、拒收、更新状态）"
	                           : "无：生成时未连接数据库，统计列为空";
	lines[5][0] = "行数";
	lines[5][1] = dgp_arena_sprintf(
	    x->a, "目录 %zu；信息项 %zu；需求清单 %zu；责任清单 %zu；负面清单 %zu",
	    x->sheets[SHEET_CATALOG].nrows, x->sheets[SHEET_FIELDS].nrows,
	    x->sheets[SHEET_DEMAND].nrows, x->sheets[SHEET_RESP].nrows,
	    x->sheets[SHEET_NEGATIVE].nrows);
	lines[6][0] = "说明";
	lines[6][1] =
	    "各列含义见 dgp 的 catalog/EXPORT.md；CSV 以 ' 开头的单元格为防止公式执行而加，"
	    "不属于原文";
}

/* 说明.txt next to the CSV files: CSV itself has no place for a title row. */
static dgp_err_t write_about_txt(export_t *x, char *errstr, size_t errstr_size)
{
	const char *path = dgp_arena_sprintf(x->a, "%s/说明.txt", x->o->out_dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return io_err(errstr, errstr_size, path, "cannot create");
	const char *lines[ABOUT_LINES][2];
	about_lines(x, lines);
	fputs("\xEF\xBB\xBF", f);
	for (int i = 0; i < ABOUT_LINES; i++)
		fprintf(f, "%s：%s\r\n", lines[i][0], lines[i][1]);
	x->rep.files[x->rep.n_files++] = "说明.txt";
	return close_file(f, path, errstr, errstr_size);
}

/* Epoch seconds (already shifted to local time) as libxlsxwriter's date-time. */
static lxw_datetime xlsx_time(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	return (lxw_datetime){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	                      tm.tm_hour,        tm.tm_min,     (double)tm.tm_sec};
}

typedef struct xlsx_formats {
	lxw_format *head, *pct, *wrap, *date, *time, *label;
} xlsx_formats_t;

/* Print as the 编制指南 templates do: landscape, one page wide, header row and
 * code/name columns repeated on every page.  A sheet of many columns (目录 has
 * about 30) goes on A3, or one page wide would shrink its text unreadably. */
#define XLSX_A4_MAX_COLUMNS 12
static void xlsx_print_setup(lxw_worksheet *ws, size_t ncols)
{
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, ncols > XLSX_A4_MAX_COLUMNS ? 8 /* A3 */ : 9 /* A4 */);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_repeat_rows(ws, 0, 0);
	worksheet_repeat_columns(ws, 0, 1);
	worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
	worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
}

static void xlsx_about_sheet(export_t *x, lxw_workbook *wb, const xlsx_formats_t *fm)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, "说明");
	worksheet_set_column(ws, 0, 0, 12, fm->label);
	worksheet_set_column(ws, 1, 1, 80, fm->wrap);
	const char *lines[ABOUT_LINES][2];
	about_lines(x, lines);
	for (int i = 0; i < ABOUT_LINES; i++) {
		worksheet_write_string(ws, (lxw_row_t)i, 0, lines[i][0], fm->label);
		if (i == 2) { /* 生成时间 as a date-time cell */
			lxw_datetime dt = xlsx_time(x->o->generated_at + x->o->utc_offset_s);
			worksheet_write_datetime(ws, (lxw_row_t)i, 1, &dt, fm->time);
		} else {
			worksheet_write_string(ws, (lxw_row_t)i, 1, lines[i][1], fm->wrap);
		}
	}
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9);
}

static void xlsx_cell(export_t *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                      const cell_t *cell, lxw_format *text, const xlsx_formats_t *fm)
{
	switch (cell->kind) {
	case CELL_EMPTY:
		break;
	case CELL_STR: /* always a string, never a formula, whatever it starts with */
		worksheet_write_string(ws, row, col, cell->s, text);
		break;
	case CELL_INT:
		worksheet_write_number(ws, row, col, (double)cell->i, NULL);
		break;
	case CELL_RATE:
		worksheet_write_number(ws, row, col, cell->d, fm->pct);
		break;
	case CELL_BOOL:
		worksheet_write_string(ws, row, col, cell->i ? "是" : "否", NULL);
		break;
	case CELL_DATE: {
		int y, m, d;
		if (sscanf(cell->s, "%4d-%2d-%2d", &y, &m, &d) == 3) {
			lxw_datetime dt = {y, m, d, 0, 0, 0};
			worksheet_write_datetime(ws, row, col, &dt, fm->date);
		}
		break;
	}
	case CELL_TIME: {
		lxw_datetime dt = xlsx_time(cell->i + x->o->utc_offset_s);
		worksheet_write_datetime(ws, row, col, &dt, fm->time);
		break;
	}
	}
}

static dgp_err_t write_xlsx(export_t *x, char *errstr, size_t errstr_size)
{
	/* The audience is in the name: the two files must not be mixed up. */
	const char *base = x->external ? "catalog-external.xlsx" : "catalog-internal.xlsx";
	char *path = dgp_arena_sprintf(x->a, "%s/%s", x->o->out_dir, base);
	lxw_workbook_options wo = {
	    .constant_memory = LXW_FALSE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
	lxw_workbook *wb = workbook_new_opt(path, &wo);
	if (!wb)
		return io_err(errstr, errstr_size, path, "cannot create");
	/* A fixed creation date: the same export gives the same bytes. */
	lxw_doc_properties props = {.title = "三清单一目录",
	                            .subject = x->external ? "对外" : "内部",
	                            .created = (time_t)x->o->generated_at};
	if (x->o->generated_at <= 0)
		props.created = 1; /* 0 would mean "now" */
	workbook_set_properties(wb, &props);
	xlsx_formats_t fm;
	fm.head = workbook_add_format(wb);
	format_set_bold(fm.head);
	format_set_bg_color(fm.head, 0xDDEBF7);
	format_set_border(fm.head, LXW_BORDER_THIN);
	format_set_text_wrap(fm.head);
	format_set_align(fm.head, LXW_ALIGN_VERTICAL_CENTER);
	fm.pct = workbook_add_format(wb);
	format_set_num_format(fm.pct, "0.00%");
	fm.wrap = workbook_add_format(wb);
	format_set_text_wrap(fm.wrap);
	format_set_align(fm.wrap, LXW_ALIGN_VERTICAL_TOP);
	fm.date = workbook_add_format(wb);
	format_set_num_format(fm.date, "yyyy-mm-dd");
	fm.time = workbook_add_format(wb);
	format_set_num_format(fm.time, "yyyy-mm-dd hh:mm:ss");
	format_set_align(fm.time, LXW_ALIGN_LEFT);
	fm.label = workbook_add_format(wb);
	format_set_bold(fm.label);
	format_set_align(fm.label, LXW_ALIGN_VERTICAL_TOP);

	xlsx_about_sheet(x, wb, &fm);
	for (int i = 0; i < SHEET__COUNT; i++) {
		const sheet_t *s = &x->sheets[i];
		lxw_worksheet *ws = workbook_add_worksheet(wb, s->name);
		worksheet_freeze_panes(ws, 1, 0);
		size_t shown = 0;
		for (size_t c = 0; c < s->ncols; c++)
			shown += col_shown(x, s, c);
		xlsx_print_setup(ws, shown);
		lxw_col_t col = 0;
		for (size_t c = 0; c < s->ncols; c++) {
			if (!col_shown(x, s, c))
				continue;
			worksheet_set_column(ws, col, col, column_width(x, s, c), NULL);
			worksheet_write_string(ws, 0, col, s->cols[c].zh, fm.head);
			col++;
		}
		worksheet_autofilter(ws, 0, 0, (lxw_row_t)s->nrows, (lxw_col_t)(col - 1));
		for (size_t r = 0; r < s->nrows; r++) {
			lxw_row_t row = (lxw_row_t)(r + 1);
			col = 0;
			for (size_t c = 0; c < s->ncols; c++) {
				if (!col_shown(x, s, c))
					continue;
				xlsx_cell(x, ws, row, col++, &s->cells[r * s->ncols + c],
				          s->cols[c].wrap ? fm.wrap : NULL, &fm);
			}
		}
	}
	/* Open on 目录, not on the 说明 in front of it. */
	lxw_worksheet *first = workbook_get_worksheet_by_name(wb, "目录");
	if (first)
		worksheet_activate(first);
	lxw_error e = workbook_close(wb);
	if (e != LXW_NO_ERROR)
		return xlsx_err(errstr, errstr_size, path, e);
	x->rep.files[x->rep.n_files++] = base;
	return DGP_OK;
}

/* ------------------------------------------------------------ entry points */

/* mkdir -p: create dir and its missing parents; the error names the one that failed. */
static dgp_err_t mkdir_p(const char *dir, char *errstr, size_t errstr_size)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n >= sizeof(path))
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "output directory name too long (%zu bytes)", n);
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		struct stat st;
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return io_err(errstr, errstr_size, path, "cannot create directory");
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return io_err(errstr, errstr_size, path, "cannot create directory");
		}
		path[i] = saved;
	}
	return DGP_OK;
}

bool dgp_export_format_parse(const char *s, dgp_export_format_t *f)
{
	static const char *const names[] = {"csv", "json", "xlsx"};
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (dgp_export_format_t)i;
			return true;
		}
	return false;
}

bool dgp_export_csv_for_parse(const char *s, dgp_csv_for_t *f)
{
	if (strcmp(s, "programs") == 0 || strcmp(s, "spreadsheet") == 0) {
		*f = s[0] == 's' ? DGP_CSV_FOR_SPREADSHEET : DGP_CSV_FOR_PROGRAMS;
		return true;
	}
	return false;
}

bool dgp_export_audience_parse(const char *s, dgp_export_audience_t *a)
{
	if (strcmp(s, "internal") == 0 || strcmp(s, "external") == 0) {
		*a = s[0] == 'e' ? DGP_AUDIENCE_EXTERNAL : DGP_AUDIENCE_INTERNAL;
		return true;
	}
	return false;
}

dgp_err_t dgp_catalog_export(const dgp_catalog_t *cat, const dgp_export_opts_t *o,
                             dgp_export_report_t *rep, char *errstr, size_t errstr_size)
{
	if (!o->out_dir || !*o->out_dir)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID, "no output directory");
	dgp_err_t made = mkdir_p(o->out_dir, errstr, errstr_size);
	if (made != DGP_OK)
		return made;

	export_t x = {.a = dgp_arena_new(0),
	              .cat = cat,
	              .o = o,
	              .external = o->audience == DGP_AUDIENCE_EXTERNAL};
	sheet_init(&x.sheets[SHEET_CATALOG], "目录", "catalog.csv", "catalog", catalog_cols,
	           NCOLS(catalog_cols));
	sheet_init(&x.sheets[SHEET_FIELDS], "信息项", "fields.csv", "fields", field_cols,
	           NCOLS(field_cols));
	sheet_init(&x.sheets[SHEET_DEMAND], "需求清单", "demand.csv", "demand", demand_cols,
	           NCOLS(demand_cols));
	sheet_init(&x.sheets[SHEET_RESP], "责任清单", "responsibility.csv", "responsibility",
	           responsibility_cols, NCOLS(responsibility_cols));
	sheet_init(&x.sheets[SHEET_NEGATIVE], "负面清单", "negative.csv", "negative", negative_cols,
	           NCOLS(negative_cols));
	build_catalog(&x);
	build_lists(&x);

	dgp_err_t e = DGP_OK;
	switch (o->format) {
	case DGP_EXPORT_CSV:
		for (int i = 0; i < SHEET__COUNT && e == DGP_OK; i++)
			e = write_csv(&x, &x.sheets[i], errstr, errstr_size);
		if (e == DGP_OK)
			e = write_about_txt(&x, errstr, errstr_size);
		break;
	case DGP_EXPORT_JSON:
		e = write_json(&x, errstr, errstr_size);
		break;
	case DGP_EXPORT_XLSX:
		e = write_xlsx(&x, errstr, errstr_size);
		break;
	default:
		e = dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID, "unknown format");
	}
	if (rep)
		*rep = x.rep;
	dgp_arena_destroy(x.a);
	return e;
}
