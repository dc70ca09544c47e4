/*
 * dgp_catalog_sync.h — `dgp catalog sync`: make PostgreSQL match the catalog.
 *
 *   catalog files ─▶ dgp_catalog.* mirror tables   (insert / update / delete rows)
 *                 ─▶ dgp_src."<table>" per resource (create; add new columns)
 *                 ─▶ dgp_base.person / legal_entity (create; add new columns),
 *                    their *_with_sources views and dgp_catalog.golden_source ids
 *                 ─▶ dgp_base.refresh_person(keys) / refresh_legal_entity(keys)
 *                 ─▶ golden rows of the keys a changed mapping affects, recomputed
 *
 * One transaction under an advisory lock, so a failed sync changes nothing
 * and two syncs never interleave.  Data tables are only ever extended:
 * dgp never drops a table or a column (but for the derived `_dgp_sources
 * jsonb` of a golden table from before its provenance became ids), and
 * refuses (rolling everything back) when the catalog asks for a different
 * type of an existing column.
 * Running it twice changes nothing the second time (the report says 0).
 * Table layouts: SCHEMA.md.
 */
#ifndef DGP_CATALOG_SYNC_H
#define DGP_CATALOG_SYNC_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "dgp_catalog.h"
#include "dgp_err.h"

typedef struct dgp_catalog_sync_report {
	size_t tables_created; /* dgp_src / dgp_base tables */
	size_t columns_added;
	size_t indexes_created;
	size_t functions_replaced;                        /* refresh functions created or changed */
	size_t rows_inserted, rows_updated, rows_deleted; /* dgp_catalog mirror tables */
	size_t src_tables;                                /* dgp_src tables the catalog describes */
	size_t golden_keys; /* keys whose golden rows a replaced function recomputed */
	bool golden_full;   /* ... all keys of the library: no source change explained it */
} dgp_catalog_sync_report_t;

/*
 * dgp_catalog_sync — apply a validated catalog to the database conn is
 * connected to (the caller owns conn; no transaction may be open on it).
 * Returns DGP_OK with *report filled; DGP_ERR_CATALOG for an incompatible
 * change (errstr names the table, column, both types and the definition
 * file:line, and nothing was changed); DGP_ERR_PG / DGP_ERR_PG_CONN from
 * PostgreSQL (rolled back).
 */
dgp_err_t dgp_catalog_sync(PGconn *conn, const dgp_catalog_t *cat,
                           dgp_catalog_sync_report_t *report, char *errstr,
                           size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_CATALOG_SYNC_H */
