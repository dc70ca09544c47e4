/*
 * dgp_cmd_catalog_sync.c — `dgp catalog sync [DIR]`, and loading a valid
 * catalog for every command that acts on one (sync, load, run, export).
 */
#include <stdio.h>
#include <string.h>

#include "dgp_catalog_sync.h"
#include "dgp_cmd.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"

int dgp_cli_load_catalog(dgp_cli_t *cli, const char *cmd, const char *dir, dgp_catalog_t **out)
{
	if (!dgp_cli_catalog_dir_exists(cli, cmd, dir)) {
		*out = NULL;
		return DGP_EXIT_FAIL;
	}
	dir = dgp_cli_catalog_dir(cli, dir, NULL);
	dgp_catalog_t *cat;
	dgp_err_t loaded = dgp_catalog_load(dir, &cat);
	(void)loaded; /* validate reports load's problems too */
	if (dgp_catalog_validate(cat) != DGP_OK) {
		size_t n;
		const dgp_catalog_diag_t *d = dgp_catalog_diags(cat, &n);
		char buf[4096];
		for (size_t i = 0; i < n && i < 20; i++)
			fprintf(stderr, "%s\n",
			        dgp_catalog_diag_format(&d[i], dir, buf, sizeof(buf)));
		dgp_cli_err(
		    cmd,
		    "the catalog in %s has %zu error%s; fix them first (dgp catalog validate %s)",
		    dir, n, n == 1 ? "" : "s", dir);
		dgp_catalog_destroy(cat);
		*out = NULL;
		return DGP_EXIT_FAIL;
	}
	*out = cat;
	return DGP_EXIT_OK;
}

int dgp_cmd_catalog_sync(dgp_cli_t *cli, int argc, char **argv)
{
	if (argc > 3) {
		dgp_cli_err("catalog",
		            "sync takes at most one directory (try \"dgp catalog --help\")");
		return DGP_EXIT_USAGE;
	}
	dgp_catalog_t *cat;
	if (dgp_cli_load_catalog(cli, "catalog sync", argc == 3 ? argv[2] : NULL, &cat) !=
	    DGP_EXIT_OK)
		return DGP_EXIT_FAIL;
	char err[2048];
	PGconn *conn;
	if (dgp_cli_pg_connect(cli, "catalog sync", -1, &conn) != DGP_OK) {
		dgp_catalog_destroy(cat);
		return DGP_EXIT_FAIL;
	}
	dgp_catalog_sync_report_t rep;
	int rc = DGP_EXIT_OK;
	if (dgp_pg_sink_ensure_ops(conn, err, sizeof(err)) != DGP_OK ||
	    dgp_catalog_sync(conn, cat, &rep, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("catalog sync", "%s", err);
		rc = DGP_EXIT_FAIL;
	} else {
		printf("catalog synced to %s:%s/%s: %zu dgp_src tables\n", PQhost(conn),
		       PQport(conn), PQdb(conn), rep.src_tables);
		printf("  tables created %zu, columns added %zu, indexes created %zu, "
		       "golden functions replaced %zu\n",
		       rep.tables_created, rep.columns_added, rep.indexes_created,
		       rep.functions_replaced);
		printf("  dgp_catalog rows: %zu inserted, %zu updated, %zu deleted\n",
		       rep.rows_inserted, rep.rows_updated, rep.rows_deleted);
		if (rep.functions_replaced)
			printf("  golden rows recomputed for %zu keys (%s)\n", rep.golden_keys,
			       rep.golden_full ? "all keys" : "the keys of the changed sources");
		size_t changes = rep.tables_created + rep.columns_added + rep.indexes_created +
		                 rep.functions_replaced + rep.rows_inserted + rep.rows_updated +
		                 rep.rows_deleted;
		if (!changes)
			printf("  nothing changed: the database already matched the catalog\n");
	}
	PQfinish(conn);
	dgp_catalog_destroy(cat);
	return rc;
}
