/*
 * dgp_schema.h — what the record path needs to know about one resource.
 *
 * The catalog (catalog/) builds a dgp_schema_t per resource from its
 * definition files; pipeline/ never reads the catalog itself, so the engine
 * stays testable and benchmarkable alone.  Everything is read-only after
 * building and lives in the arena the builder used.
 *
 * dgp_src table contract (created by `dgp catalog sync`, written by the
 * PostgreSQL sink), for a resource with fields f1…fn:
 *
 *   dgp_src."<table>" (
 *     "<f1.column>" <type>, … "<fn.column>" <type>,   -- normalised values, NULL when absent
 *     "<fi.column>_currency" char(3), …                -- companions (dgp_companion_t)
 *     _dgp_content_hash bigint NOT NULL,              -- xxh3 of the normalised content
 *     _dgp_origin text NOT NULL,                      -- "file:line" or "topic/partition@offset"
 *     _dgp_loaded_at timestamptz NOT NULL DEFAULT now(),
 *     _dgp_updated_at timestamptz NOT NULL DEFAULT now(),
 *     PRIMARY KEY ("<key column>", …)
 *   )
 */
#ifndef DGP_SCHEMA_H
#define DGP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "dgp_norm.h"

typedef struct dgp_field_spec {
	const char *name; /* 信息项名称, e.g. 公民身份号码 (for messages and exports) */
	const char *source_name; /* as departments send it, e.g. GMSFHM (JSON key / CSV header) */
	const char *column;      /* column in dgp_src."<table>", e.g. gmsfhm */
	const char *pg_type; /* column type: text, date, timestamptz, numeric(18,2), bigint, … */
	const dgp_norm_rule_t *rule; /* compiled normaliser */
	bool required;               /* empty → reject with reason empty */
	bool key;                    /* part of the record key */
	const char *base_column;     /* golden-table column fed by this field, NULL if none */
	int priority;                /* 1 = most authoritative for base_column */
} dgp_field_spec_t;

/*
 * A second column one field writes: a money field whose rule allows other
 * currencies than CNY (currencies=) stores the ISO 4217 code of its amount
 * (the rule's aux output) in "<column>_currency", NULL when the amount is.
 * A record's vals hold the companions after the fields: vals[nfields + k].
 */
typedef struct dgp_companion {
	size_t field;        /* index of the field whose aux output it stores */
	const char *column;  /* column in dgp_src."<table>", e.g. zczb_currency */
	const char *pg_type; /* char(3) */
} dgp_companion_t;

typedef enum dgp_base {
	DGP_BASE_NONE = 0,
	DGP_BASE_PERSON,       /* dgp_base.person, keyed by 公民身份号码 */
	DGP_BASE_LEGAL_ENTITY, /* dgp_base.legal_entity, keyed by 统一社会信用代码 */
} dgp_base_t;

typedef struct dgp_schema {
	const char *resource_code; /* e.g. 101041/000001 */
	const char *resource_name; /* e.g. 白沙洲街道实有人口信息 */
	const char *table;         /* dgp_src table name, unquoted, e.g. bszjd_syrk */
	dgp_base_t base;
	size_t nfields;
	const dgp_field_spec_t *fields;
	size_t nkeys;
	const size_t *key_fields; /* indexes into fields, in record-key order */
	size_t ncompanions;       /* columns after the fields' (vals[nfields + k]) */
	const dgp_companion_t *companions;
	const char *recency; /* column of the recency field (orders a golden key's rows), or NULL */
} dgp_schema_t;

/* dgp_schema_field_by_source — index of the field whose source_name equals name (ASCII
 * case-insensitive), or -1. */
int dgp_schema_field_by_source(const dgp_schema_t *s, const char *name, size_t len);

#endif /* DGP_SCHEMA_H */
