/*
 * dgp_catalog_export.h — the 三清单一目录 as files: the catalog (目录, with
 * its 信息项 and live statistics) and the demand, responsibility and
 * negative lists, in CSV, JSON or XLSX.  catalog/EXPORT.md documents every
 * file, sheet, column and JSON key.
 *
 *   dgp_catalog_t + dgp_catalog_status_t (optional)
 *        │ build five sheets (目录, 信息项, 需求清单, 责任清单, 负面清单):
 *        │ names and department codes filled in from the catalog; for the
 *        │ external audience 不予共享 resources and fields left out and staff
 *        │ names masked
 *        ▼
 *   one table model ─┬─ CSV   DIR/catalog.csv, fields.csv, demand.csv, responsibility.csv,
 * negative.csv ├─ JSON  DIR/catalog.json └─ XLSX  DIR/catalog.xlsx (libxlsxwriter)
 *
 * Output is deterministic: the same catalog, statistics and generated_at
 * give the same bytes.
 */
#ifndef DGP_CATALOG_EXPORT_H
#define DGP_CATALOG_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "dgp_catalog.h"
#include "dgp_catalog_status.h"
#include "dgp_err.h"

typedef enum dgp_export_format {
	DGP_EXPORT_CSV,
	DGP_EXPORT_JSON,
	DGP_EXPORT_XLSX,
} dgp_export_format_t;

typedef enum dgp_export_audience {
	DGP_AUDIENCE_INTERNAL, /* everything, names in clear */
	DGP_AUDIENCE_EXTERNAL, /* no 不予共享 resources or fields, staff names masked */
} dgp_export_audience_t;

/* Who reads the CSV files (catalog/EXPORT.md, "Which file for whom"). */
typedef enum dgp_csv_for {
	DGP_CSV_FOR_PROGRAMS,    /* plain values: scripts, databases, other systems */
	DGP_CSV_FOR_SPREADSHEET, /* digit-only codes kept as text in Excel / Calc */
} dgp_csv_for_t;

typedef struct dgp_export_opts {
	dgp_export_format_t format;
	dgp_export_audience_t audience;
	dgp_csv_for_t csv_for; /* CSV only */
	const char *out_dir;   /* created with its missing parents (mkdir -p) */
	int64_t generated_at;  /* epoch seconds: JSON generated_at, XLSX document date */
	/* Times in CSV, XLSX and the 说明 are local: UTC + utc_offset_s, the offset of
	 * the zone named timezone (catalog.timezone) at generated_at.  JSON stays UTC. */
	int32_t utc_offset_s;
	const char *timezone; /* shown in the 说明; NULL: "UTC" */
	/* Live statistics, evaluated at generated_at; NULL: statistics columns empty. */
	const dgp_catalog_status_t *status;
} dgp_export_opts_t;

typedef struct dgp_export_report {
	size_t resources, fields, demands, responsibilities, negatives; /* rows written */
	size_t dropped_resources, dropped_fields; /* left out for the external audience */
	size_t n_files;
	const char *files[8]; /* base names written, static strings */
} dgp_export_report_t;

/*
 * dgp_catalog_export — write the 三清单一目录 of cat (validated) into
 * opts->out_dir in opts->format.  rep may be NULL.  Returns DGP_OK,
 * DGP_ERR_IO (errstr names the file and the reason) or DGP_ERR_INVALID.
 */
dgp_err_t dgp_catalog_export(const dgp_catalog_t *cat, const dgp_export_opts_t *opts,
                             dgp_export_report_t *rep, char *errstr,
                             size_t errstr_size) DGP_MUST_CHECK;

/* "csv" "json" "xlsx" → format; false for anything else. */
bool dgp_export_format_parse(const char *s, dgp_export_format_t *f) DGP_MUST_CHECK;
/* "programs" "spreadsheet" → csv_for; false for anything else. */
bool dgp_export_csv_for_parse(const char *s, dgp_csv_for_t *f) DGP_MUST_CHECK;

/* "internal" "external" → audience; false for anything else. */
bool dgp_export_audience_parse(const char *s, dgp_export_audience_t *a) DGP_MUST_CHECK;

/*
 * dgp_catalog_mask_value — value masked by m (FORMAT.md mask rules, via
 * dgp_log_mask): idcard keeps 1 + 2, mobile 3 + 4, name the first
 * character, address hides the last 8 characters, keep:F,E keeps F + E,
 * none copies.  Writes into out (always NUL-terminated); returns out.
 */
char *dgp_catalog_mask_value(const dgp_mask_t *m, const char *value, char *out, size_t out_size);

#endif /* DGP_CATALOG_EXPORT_H */
