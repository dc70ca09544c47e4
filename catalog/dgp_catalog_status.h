/*
 * dgp_catalog_status.h — live statistics of the catalog's resources and
 * update-cycle compliance, for `dgp catalog status` and the export.
 *
 *   dgp_catalog.resource_stats ─┐
 *   dgp_catalog.reject_stats   ─┼─ dgp_catalog_status_query ─▶ per resource: rows, last load,
 *   dgp_catalog.field_stats    ─┘   (one SELECT each)          last change, read, rejects by
 *   dgp_src."<table>"  ── --distinct only: count(DISTINCT) ──▶  reason; per field: present,
 *                                                               valid, total, distinct
 *        │ dgp_catalog_status_evaluate(now): the compliance rule (FORMAT.md)
 *        ▼
 *   ok | overdue | never  ─▶ dgp_catalog_status_write_table / _write_json
 *
 * The compliance rule is a pure function (dgp_catalog_compliance) so it is
 * tested without PostgreSQL.  Times are seconds since the epoch, UTC.
 * Everything lives in the status's arena; the catalog must outlive it.
 */
#ifndef DGP_CATALOG_STATUS_H
#define DGP_CATALOG_STATUS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dgp_catalog.h"
#include "dgp_catalog_text.h"
#include "dgp_err.h"

typedef enum dgp_compliance {
	DGP_COMPLIANCE_OK,      /* loaded within the cycle's allowance */
	DGP_COMPLIANCE_OVERDUE, /* last load older than the allowance */
	DGP_COMPLIANCE_NEVER,   /* no load recorded */
	DGP_COMPLIANCE__COUNT
} dgp_compliance_t;

/*
 * dgp_catalog_cycle_allowance — the longest time, in seconds, a resource of
 * cycle c may go without a load: 实时 1 day, 每日 2 days, 每周 8 days,
 * 每月 32 days, 每季度 93 days, 半年 184 days, 每年 366 days (the reasons
 * are in FORMAT.md, "Update-cycle compliance").
 */
int64_t dgp_catalog_cycle_allowance(dgp_update_cycle_t c);

/*
 * dgp_catalog_compliance — NEVER when !loaded; OVERDUE when
 * now - last_load > the cycle's allowance (exactly the allowance is still
 * OK; a last load in the future, clock skew, is OK); OK otherwise.
 * *overdue_by (may be NULL) gets the seconds past the allowance, 0 unless
 * OVERDUE.
 */
dgp_compliance_t dgp_catalog_compliance(dgp_update_cycle_t c, bool loaded, int64_t last_load,
                                        int64_t now, int64_t *overdue_by);

/* "ok", "overdue", "never" (JSON, logs) and 正常, 逾期, 从未加载 (tables, exports). */
const char *dgp_compliance_name(dgp_compliance_t c);
const char *dgp_compliance_label(dgp_compliance_t c);

/* One reason of dgp_catalog.reject_stats. */
typedef struct dgp_status_reject {
	const char *reason;
	int64_t count;
} dgp_status_reject_t;

/* A field name the catalog does not know, seen in a resource's records (never a value). */
typedef struct dgp_status_unknown {
	const char *name;
	int64_t records;
} dgp_status_unknown_t;

/* One 信息项's statistics; counts are 0 and has_stats false when field_stats has no row. */
typedef struct dgp_status_field {
	const dgp_catalog_field_t *field;
	bool has_stats;
	int64_t present, valid, total;
	int64_t distinct; /* -1: not computed (no --distinct, or no dgp_src table) */
} dgp_status_field_t;

/* One resource, in catalog order. */
typedef struct dgp_status_resource {
	const dgp_catalog_resource_t *resource;
	bool has_stats; /* a resource_stats row exists */
	int64_t rows, records_read, rejected;
	int64_t
	    replayed;    /* records read again (another group, load --again), not in records_read */
	int64_t deleted; /* rows deleted by tombstones / delete markers */
	bool loaded, changed;           /* last_load / last_change not NULL */
	int64_t last_load, last_change; /* epoch seconds */
	dgp_status_reject_t *rejects;   /* by reason, sorted by reason */
	size_t n_rejects;
	dgp_status_unknown_t *unknown; /* dgp_catalog.unknown_field_stats, sorted by name */
	size_t n_unknown;
	dgp_status_field_t *fields; /* parallel to resource->fields */
	dgp_compliance_t compliance;
	int64_t overdue_by;
	bool hidden; /* left out by dgp_catalog_status_select() */
} dgp_status_resource_t;

typedef struct dgp_catalog_status dgp_catalog_status_t;

/*
 * dgp_catalog_status_new — a status for every resource of cat, all "never"
 * and without statistics until queried.  Never NULL; the caller frees it
 * with dgp_catalog_status_destroy().  cat must outlive it.
 */
dgp_catalog_status_t *dgp_catalog_status_new(const dgp_catalog_t *cat);
void dgp_catalog_status_destroy(dgp_catalog_status_t *st);

/*
 * dgp_catalog_status_query — read resource_stats, reject_stats,
 * field_stats and unknown_field_stats (when it exists) over conn (borrowed) into st.  Rows of
 * resources or fields the catalog does not know are skipped.  With distinct, also run one
 * count(DISTINCT …) over every column of each resource's dgp_src table
 * (a full scan of every table: slow on real data; resources whose table
 * does not exist keep distinct -1).  Returns DGP_OK, or a dgp_pg error
 * class with errstr filled; st keeps what was read before the error.
 */
dgp_err_t dgp_catalog_status_query(dgp_catalog_status_t *st, PGconn *conn, bool distinct,
                                   char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_catalog_status_query_resources — the first step of the above alone:
 * one SELECT of resource_stats (one row per loaded resource), enough for
 * rows, last load and compliance; rejects and fields stay empty.  For
 * callers that poll, like the metrics of dgp run and dgp load.  Same
 * returns as dgp_catalog_status_query().
 */
dgp_err_t dgp_catalog_status_query_resources(dgp_catalog_status_t *st, PGconn *conn, char *errstr,
                                             size_t errstr_size) DGP_MUST_CHECK;

/* dgp_catalog_status_evaluate — apply dgp_catalog_compliance() to every resource at now. */
void dgp_catalog_status_evaluate(dgp_catalog_status_t *st, int64_t now);

/* The resources, n of them, in catalog order. */
const dgp_status_resource_t *dgp_catalog_status_resources(const dgp_catalog_status_t *st,
                                                          size_t *n);
/* dgp_catalog_status_find — the resource with code, NULL when unknown. */
const dgp_status_resource_t *dgp_catalog_status_find(const dgp_catalog_status_t *st,
                                                     const char *code);
/* What `catalog status` shows; NULL / 0 members select everything. */
typedef struct dgp_status_filter {
	const char *resource; /* resource code, or an fnmatch(3) pattern such as 101001/[*] */
	const char *provider; /* provider's slug, short name, name or 统一社会信用代码 */
	unsigned compliance;  /* bit (1u << dgp_compliance_t) per state shown; 0: all */
} dgp_status_filter_t;

/*
 * dgp_catalog_status_select — hide the resources f does not select (after
 * evaluate, since the compliance filter needs it); the writers and
 * dgp_catalog_status_counts() then see only the others.  Returns how many
 * are shown.
 */
size_t dgp_catalog_status_select(dgp_catalog_status_t *st, const dgp_status_filter_t *f);

/*
 * dgp_compliance_parse — the state named s ("ok", "overdue", "never" or the
 * labels 正常, 逾期, 从未加载); false when s names none.
 */
bool dgp_compliance_parse(const char *s, dgp_compliance_t *out) DGP_MUST_CHECK;

/* Shown resources per compliance state (after evaluate). */
void dgp_catalog_status_counts(const dgp_catalog_status_t *st,
                               size_t counts[DGP_COMPLIANCE__COUNT]);

/*
 * dgp_catalog_status_write_table — the human view into out: a summary
 * line, one row per resource, then per loaded resource its fields and
 * rejects.  Columns are aligned by display width (CJK characters take two
 * columns).  Returns false when writing failed (errno set).
 */
bool dgp_catalog_status_write_table(const dgp_catalog_status_t *st, FILE *out) DGP_MUST_CHECK;

/* dgp_catalog_status_write_json — the JSON document of FORMAT.md ("dgp catalog status --format
 * json"). */
bool dgp_catalog_status_write_json(const dgp_catalog_status_t *st, FILE *out) DGP_MUST_CHECK;

#endif /* DGP_CATALOG_STATUS_H */
