/*
 * dgp_catalog.h — the data catalog (数据资源目录) and the 三清单, in memory.
 *
 *   DIR: providers, base_columns, codelists, <slug>/{resources,fields}, lists/ (.csv; FORMAT.md)
 *        │ dgp_catalog_load: libcsv → rows → typed model, per-value checks
 *        ▼
 *   dgp_catalog_t  providers ─┬─ resources ── fields ──▶ base columns ◀─ sources by priority
 *                             └─ code lists, demand / responsibility / negative lists
 *        │ dgp_catalog_validate: cross-row and cross-file checks
 *        ▼
 *   lookups by code, topic, file name, source field name — used by the load
 *   path (which resource is this file / topic, which rule per field) and by
 *   sync and export.
 *
 * Everything a catalog holds lives in its one arena and goes away with
 * dgp_catalog_destroy().  The model structs below are read-only for callers:
 * their pointers stay valid for the catalog's lifetime, and a validated
 * catalog may be read from any number of threads at once.  Library code never
 * prints: problems are collected as diagnostics (file, line, column,
 * message, hint) that cli/ prints as `file:line: column: message`.
 *
 * A catalog that has diagnostics is still returned, so that `dgp catalog
 * validate` can report everything in one run; callers that act on the data
 * (load, sync, export) must refuse a catalog whose validate failed.
 */
#ifndef DGP_CATALOG_H
#define DGP_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "dgp_err.h"

typedef enum dgp_catalog_class {
	DGP_CLASS_BASE = 1,  /* 基础, code digit 1 */
	DGP_CLASS_THEME = 2, /* 主题, code digit 2 */
	DGP_CLASS_DEPT = 3,  /* 部门, code digit 3 */
} dgp_catalog_class_t;

typedef enum dgp_share_type {
	DGP_SHARE_UNCONDITIONAL, /* 无条件共享 */
	DGP_SHARE_CONDITIONAL,   /* 有条件共享 */
	DGP_SHARE_NONE,          /* 不予共享 */
	DGP_SHARE__COUNT
} dgp_share_type_t;

typedef enum dgp_update_cycle {
	DGP_CYCLE_REALTIME,  /* 实时 */
	DGP_CYCLE_DAILY,     /* 每日 */
	DGP_CYCLE_WEEKLY,    /* 每周 */
	DGP_CYCLE_MONTHLY,   /* 每月 */
	DGP_CYCLE_QUARTERLY, /* 每季度 */
	DGP_CYCLE_HALFYEAR,  /* 半年 */
	DGP_CYCLE_YEARLY,    /* 每年 */
	DGP_CYCLE__COUNT
} dgp_update_cycle_t;

typedef enum dgp_base_library {
	DGP_LIB_NONE,         /* none */
	DGP_LIB_PERSON,       /* person: dgp_base.person, keyed by gmsfhm */
	DGP_LIB_LEGAL_ENTITY, /* legal_entity: dgp_base.legal_entity, keyed by tyshxydm */
	DGP_LIB__COUNT
} dgp_base_library_t;

typedef enum dgp_encoding {
	DGP_ENC_UTF8,
	DGP_ENC_GBK,
	DGP_ENC_GB18030,
	DGP_ENC__COUNT
} dgp_encoding_t;

typedef enum dgp_sensitivity {
	DGP_SENS_PUBLIC,    /* 公开 */
	DGP_SENS_INTERNAL,  /* 内部 */
	DGP_SENS_SENSITIVE, /* 敏感 */
	DGP_SENS__COUNT
} dgp_sensitivity_t;

typedef enum dgp_mask_kind {
	DGP_MASK_NONE,
	DGP_MASK_IDCARD,  /* keep first 1, last 2 */
	DGP_MASK_MOBILE,  /* keep first 3, last 4 */
	DGP_MASK_NAME,    /* keep the first character */
	DGP_MASK_ADDRESS, /* hide the last 8 characters */
	DGP_MASK_KEEP,    /* keep `front` first and `end` last characters */
} dgp_mask_kind_t;

typedef struct dgp_mask {
	dgp_mask_kind_t kind;
	unsigned front, end; /* for DGP_MASK_KEEP */
} dgp_mask_t;

/* Where an object was defined: file relative to the catalog directory, 1-based line. */
typedef struct dgp_catalog_loc {
	const char *file;
	int line;
} dgp_catalog_loc_t;

typedef struct dgp_catalog_provider dgp_catalog_provider_t;
typedef struct dgp_catalog_resource dgp_catalog_resource_t;
typedef struct dgp_catalog_field dgp_catalog_field_t;
typedef struct dgp_catalog_base_column dgp_catalog_base_column_t;
typedef struct dgp_catalog_code_list dgp_catalog_code_list_t;

/* providers.csv: 信息资源提供方. */
struct dgp_catalog_provider {
	const char *code; /* 统一社会信用代码 */
	const char *name, *short_name, *slug, *responsible;
	int number;                              /* 1-based row number in providers.csv */
	const dgp_catalog_resource_t *resources; /* this provider's, contiguous */
	size_t n_resources;
	dgp_catalog_loc_t loc;
};

/* fields.csv: 信息项. */
struct dgp_catalog_field {
	const dgp_catalog_resource_t *resource;
	int seq;
	const char *name;        /* 信息项名称 */
	const char *source_name; /* as the department sends it, e.g. "GMSFHM" */
	char data_type;          /* 'C' 'N' 'Y' 'D' 'T' 'L' 'M' 'G' 'B' 'I' 'F' */
	int length;              /* 0 when not given */
	bool required, key;
	const char *rule;                         /* normaliser rule name, e.g. "idcard" */
	const char *rule_args;                    /* "k=v;k=v" as written, "" for none */
	const char *list;                         /* the list= argument, NULL when none */
	const dgp_catalog_code_list_t *code_list; /* resolved list=, NULL when none */
	dgp_sensitivity_t sensitivity;
	dgp_mask_t mask;
	const char *mask_text;                        /* as written, e.g. "keep:6,2" */
	const char *base_column_name;                 /* as written, "" when none */
	const dgp_catalog_base_column_t *base_column; /* resolved, NULL when none */
	int priority; /* 1 = most authoritative, 0 = none, -1 = invalid (reported) */
	dgp_catalog_loc_t loc;
};

/* resources.csv: one catalog entry with its core metadata and dgp's own. */
struct dgp_catalog_resource {
	const char *code; /* 分类码/顺序码, e.g. "101001/000001" */
	const char *name;
	dgp_catalog_class_t cls;
	const char *category, *subcategory, *detail; /* 项, 目, 细目 names ("" no 细目) */
	const char *summary, *format, *format_detail;
	dgp_share_type_t share_type;
	const char *share_condition, *share_method;
	bool open;
	const char *open_condition;
	dgp_update_cycle_t update_cycle;
	const char *published;      /* YYYY-MM-DD */
	const char *const *related; /* codes as written */
	size_t n_related;
	const char *topic; /* dept.<slug>.<tag> */
	const char *tag;   /* <tag> of the topic */
	const char *file_pattern;
	dgp_encoding_t encoding;
	const char *const *record_key; /* source names as written */
	size_t n_record_key;
	dgp_base_library_t base_library;
	const char *responsible;
	/* source name of the date/datetime field that orders the rows of one base key,
	 * latest first, in the golden refresh; "" when none (record key order only) */
	const char *recency;
	const dgp_catalog_provider_t *provider;
	const dgp_catalog_field_t *fields; /* ordered by seq */
	size_t n_fields;
	dgp_catalog_loc_t loc;
};

/* base_columns.csv: a column of a golden table. */
struct dgp_catalog_base_column {
	dgp_base_library_t library;
	const char *name;
	char data_type;
	const char *rule, *rule_args, *list;
	bool key;
	const char *description;
	/* Fields feeding this column, most authoritative first (key column: catalog order). */
	const dgp_catalog_field_t *const *sources;
	size_t n_sources;
	dgp_catalog_loc_t loc;
};

typedef struct dgp_catalog_code {
	const char *code, *label;
} dgp_catalog_code_t;

/* codelists.csv: one list. */
struct dgp_catalog_code_list {
	const char *name;      /* e.g. "HYZK" */
	const char *list_name; /* e.g. "婚姻状况" */
	const dgp_catalog_code_t *codes;
	size_t n_codes;
	dgp_catalog_loc_t loc; /* first row */
};

/* Field references of a list row: as written, and resolved (NULL where unknown). */
typedef struct dgp_catalog_field_refs {
	const char *const *names;
	const dgp_catalog_field_t *const *fields;
	size_t n;
} dgp_catalog_field_refs_t;

/* lists/demand.csv: 数据需求清单. */
typedef struct dgp_catalog_demand {
	const char *id, *dept_slug, *scenario, *resource_code;
	const dgp_catalog_provider_t *dept;     /* NULL when unknown */
	const dgp_catalog_resource_t *resource; /* NULL when unknown */
	dgp_catalog_field_refs_t fields;
	const char *share_method;
	dgp_update_cycle_t update_cycle;
	const char *basis, *deadline, *status;
	dgp_catalog_loc_t loc;
} dgp_catalog_demand_t;

/* lists/responsibility.csv: 数据责任清单. */
typedef struct dgp_catalog_responsibility {
	const char *id, *dept_slug, *resource_code;
	const dgp_catalog_provider_t *dept;
	const dgp_catalog_resource_t *resource;
	dgp_catalog_field_refs_t fields;
	const char *source_matter;
	bool authoritative;
	dgp_update_cycle_t update_cycle;
	const char *quality_owner;
	dgp_share_type_t share_type;
	const char *collect_deadline;
	dgp_catalog_loc_t loc;
} dgp_catalog_responsibility_t;

/* lists/negative.csv: 数据负面清单. */
typedef struct dgp_catalog_negative {
	const char *id, *dept_slug, *resource_code;
	const dgp_catalog_provider_t *dept;
	const dgp_catalog_resource_t *resource;
	dgp_catalog_field_refs_t fields; /* n == 0: the whole resource */
	bool no_open;                    /* false: 不予共享, true: 不予开放 */
	const char *basis, *review, *valid_until;
	dgp_catalog_loc_t loc;
} dgp_catalog_negative_t;

/* One problem found by load or validate. */
typedef struct dgp_catalog_diag {
	const char *file;    /* relative to the catalog directory */
	int line;            /* 1-based; 0 = the whole file */
	const char *column;  /* "" when the problem is not one column's */
	const char *message; /* lowercase, no trailing period */
	const char *hint;    /* a full sentence, or NULL */
} dgp_catalog_diag_t;

typedef struct dgp_catalog dgp_catalog_t;

/*
 * dgp_catalog_load — read the catalog in dir (layout: catalog/FORMAT.md).
 * Always stores a catalog in *out (never NULL), owned by the caller and
 * freed with dgp_catalog_destroy(), holding whatever could be read.
 * Returns DGP_OK when no diagnostics were recorded, DGP_ERR_CATALOG when
 * some were (missing files, malformed CSV, invalid values, fields of
 * unknown resources).  dir is copied.
 */
dgp_err_t dgp_catalog_load(const char *dir, dgp_catalog_t **out) DGP_MUST_CHECK;

/*
 * dgp_catalog_validate — the cross-row and cross-file checks: unique codes,
 * topics and ids, references (related codes, record keys, base columns,
 * code lists, list rows), priorities, sharing consistency.  Appends to the
 * diagnostics and sorts them by file and line.  Returns DGP_OK when the
 * catalog has no diagnostics at all (including load's), DGP_ERR_CATALOG
 * otherwise.  Call once, after dgp_catalog_load().
 */
dgp_err_t dgp_catalog_validate(dgp_catalog_t *cat) DGP_MUST_CHECK;

/* dgp_catalog_destroy — free the catalog and everything it handed out; NULL is a no-op. */
void dgp_catalog_destroy(dgp_catalog_t *cat);

/* dgp_catalog_dir — the directory it was loaded from, as given. */
const char *dgp_catalog_dir(const dgp_catalog_t *cat);

/* Diagnostics so far, n of them (load's, then validate's; sorted by file and line after validate).
 */
const dgp_catalog_diag_t *dgp_catalog_diags(const dgp_catalog_t *cat, size_t *n);

/*
 * dgp_catalog_diag_format — d as one line without newline or hint:
 * "[DIR/]FILE:LINE: COLUMN: message", "FILE: message" for line 0 and
 * "FILE:LINE: message" without a column.  dir may be NULL (no prefix).
 * Writes into out (always NUL-terminated, truncated to out_size) and returns out.
 */
char *dgp_catalog_diag_format(const dgp_catalog_diag_t *d, const char *dir, char *out,
                              size_t out_size);

/* The model, as contiguous read-only arrays in definition order. */
const dgp_catalog_provider_t *dgp_catalog_providers(const dgp_catalog_t *cat, size_t *n);
const dgp_catalog_resource_t *dgp_catalog_resources(const dgp_catalog_t *cat, size_t *n);
const dgp_catalog_base_column_t *dgp_catalog_base_columns(const dgp_catalog_t *cat, size_t *n);
const dgp_catalog_code_list_t *dgp_catalog_code_lists(const dgp_catalog_t *cat, size_t *n);
const dgp_catalog_demand_t *dgp_catalog_demands(const dgp_catalog_t *cat, size_t *n);
const dgp_catalog_responsibility_t *dgp_catalog_responsibilities(const dgp_catalog_t *cat,
                                                                 size_t *n);
const dgp_catalog_negative_t *dgp_catalog_negatives(const dgp_catalog_t *cat, size_t *n);

/*
 * Lookups.  Each returns NULL when nothing matches; strings are compared
 * exactly (codes, topics and names are case-sensitive).
 */
const dgp_catalog_resource_t *dgp_catalog_find_resource(const dgp_catalog_t *cat, const char *code);
const dgp_catalog_resource_t *dgp_catalog_find_by_topic(const dgp_catalog_t *cat,
                                                        const char *topic);
/*
 * dgp_catalog_find_by_file — the resource whose file_pattern matches the
 * base name of path (fnmatch, no flags), e.g. "/data/in/gaj_hjrk_20261127.csv.gz".
 * A validated catalog has at most one; otherwise the first in catalog order.
 */
const dgp_catalog_resource_t *dgp_catalog_find_by_file(const dgp_catalog_t *cat, const char *path);
const dgp_catalog_provider_t *dgp_catalog_find_provider(const dgp_catalog_t *cat, const char *slug);
/* dgp_catalog_find_field — the field of res sent as source_name (e.g. "GMSFHM"). */
const dgp_catalog_field_t *dgp_catalog_find_field(const dgp_catalog_resource_t *res,
                                                  const char *source_name);
const dgp_catalog_base_column_t *
dgp_catalog_find_base_column(const dgp_catalog_t *cat, dgp_base_library_t lib, const char *name);
const dgp_catalog_code_list_t *dgp_catalog_find_code_list(const dgp_catalog_t *cat,
                                                          const char *name);
/* dgp_catalog_code_list_label — label of code in list, NULL when the code is not in it. */
const char *dgp_catalog_code_list_label(const dgp_catalog_code_list_t *list, const char *code);

/* Counts for `dgp catalog validate` and `status`, computed from the model. */
typedef struct dgp_catalog_summary {
	size_t providers, resources, fields, base_columns, code_lists, codes;
	size_t demands, responsibilities, negatives;
	size_t by_share[DGP_SHARE__COUNT];
	size_t by_cycle[DGP_CYCLE__COUNT];
	size_t by_library[DGP_LIB__COUNT];
	size_t by_class[4]; /* indexed by dgp_catalog_class_t; [0] unused */
	size_t open;        /* resources open to the public */
	size_t sensitive_fields;
	size_t mapped_fields; /* fields with a base column */
} dgp_catalog_summary_t;

void dgp_catalog_summarize(const dgp_catalog_t *cat, dgp_catalog_summary_t *sum);

/* Names as written in the definition files ("有条件共享", "每季度", "person", "GBK", "敏感",
 * "部门"). */
const char *dgp_catalog_share_type_name(dgp_share_type_t t);
const char *dgp_catalog_update_cycle_name(dgp_update_cycle_t c);
const char *dgp_catalog_base_library_name(dgp_base_library_t l);
const char *dgp_catalog_encoding_name(dgp_encoding_t e);
const char *dgp_catalog_sensitivity_name(dgp_sensitivity_t s);
const char *dgp_catalog_class_name(dgp_catalog_class_t c);

#endif /* DGP_CATALOG_H */
