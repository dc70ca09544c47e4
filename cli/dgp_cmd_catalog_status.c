/*
 * dgp_cmd_catalog_status.c — `dgp catalog status`: live statistics and
 * update-cycle compliance of every catalog resource, read from
 * dgp_catalog.resource_stats / reject_stats / field_stats.
 *
 *   usage: dgp catalog status [--format table|json] [--now DATE] [--distinct] [--dir CATALOG]
 *                             [--resource CODE|PATTERN] [--provider NAME] [--status STATE[,STATE]]
 *
 * Exit status (README, "Exit status"): 0 when every shown resource that was
 * ever loaded is within its cycle, 3 when some are overdue, 1 when PostgreSQL
 * failed, 2 on usage errors.  Resources never loaded are counted, not
 * flagged: a new catalog entry has no data yet.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dgp_catalog_status.h"
#include "dgp_cmd.h"
#include "dgp_golden.h"
#include "dgp_pg.h"

#define CMD "catalog status"

typedef struct status_opts {
	bool json, distinct;
	int64_t now;
	const char *dir;
	dgp_status_filter_t filter;
} status_opts_t;

/* parse_states — "overdue,never" into a bit per compliance state */
static bool parse_states(const char *v, unsigned *mask)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", v);
	*mask = 0;
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		dgp_compliance_t c;
		if (!dgp_compliance_parse(t, &c))
			return false;
		*mask |= 1u << c;
	}
	return *mask != 0;
}

static int parse(int argc, char **argv, status_opts_t *o)
{
	o->now = (int64_t)time(NULL);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--distinct") == 0) {
			o->distinct = true;
			continue;
		}
		if (strcmp(a, "--format") && strcmp(a, "--now") && strcmp(a, "--dir") &&
		    strcmp(a, "--resource") && strcmp(a, "--provider") && strcmp(a, "--status")) {
			dgp_cli_err(CMD, "unknown option \"%s\" (try \"dgp catalog --help\")", a);
			return DGP_EXIT_USAGE;
		}
		if (!v) {
			dgp_cli_err(CMD, "%s needs a value", a);
			return DGP_EXIT_USAGE;
		}
		i++;
		if (strcmp(a, "--dir") == 0) {
			o->dir = v;
		} else if (strcmp(a, "--resource") == 0) {
			o->filter.resource = v;
		} else if (strcmp(a, "--provider") == 0) {
			o->filter.provider = v;
		} else if (strcmp(a, "--status") == 0) {
			if (!parse_states(v, &o->filter.compliance)) {
				dgp_cli_err(CMD,
				            "--status: \"%s\" is not a list of ok, overdue, never "
				            "(正常, 逾期, 从未加载)",
				            v);
				return DGP_EXIT_USAGE;
			}
		} else if (strcmp(a, "--now") == 0) {
			if (!dgp_time_parse(v, &o->now)) {
				dgp_cli_err(
				    CMD, "--now: \"%s\" is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS",
				    v);
				return DGP_EXIT_USAGE;
			}
		} else if (strcmp(v, "json") == 0 || strcmp(v, "table") == 0) {
			o->json = v[0] == 'j';
		} else {
			dgp_cli_err(CMD, "--format: \"%s\" is not table or json", v);
			return DGP_EXIT_USAGE;
		}
	}
	return DGP_EXIT_OK;
}

int dgp_cmd_catalog_status(dgp_cli_t *cli, int argc, char **argv)
{
	status_opts_t o = {0};
	int rc = parse(argc, argv, &o);
	if (rc != DGP_EXIT_OK)
		return rc;
	dgp_catalog_t *cat;
	if (dgp_cli_load_catalog(cli, CMD, o.dir, &cat) != DGP_EXIT_OK)
		return DGP_EXIT_FAIL;
	char err[2048];
	PGconn *conn;
	if (dgp_cli_pg_connect(cli, CMD, -1, &conn) != DGP_OK) {
		dgp_catalog_destroy(cat);
		return DGP_EXIT_FAIL;
	}
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	if (dgp_catalog_status_query(st, conn, o.distinct, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err(CMD, "reading the statistics: %s", err);
		if (strncmp(err, "42P01", 5) == 0) /* undefined_table */
			fprintf(stderr, "hint: The statistics tables are created by \"dgp catalog "
			                "sync\" and by the first load; run one of them first.\n");
		rc = DGP_EXIT_FAIL;
	} else {
		dgp_catalog_status_evaluate(st, o.now);
		if (dgp_catalog_status_select(st, &o.filter) == 0)
			fprintf(stderr, "dgp %s: no resource matches the filter\n", CMD);
		bool ok = o.json ? dgp_catalog_status_write_json(st, stdout)
		                 : dgp_catalog_status_write_table(st, stdout);
		/* How far the golden records lag behind dgp_src (dgp_golden.h). */
		int64_t gkeys;
		double glag;
		if (ok && !o.json &&
		    dgp_golden_lag(conn, &gkeys, &glag, err, sizeof(err)) == DGP_OK)
			ok = printf("golden queue: %lld keys, oldest %.0f s\n", (long long)gkeys,
			            glag) > 0;
		size_t c[DGP_COMPLIANCE__COUNT];
		dgp_catalog_status_counts(st, c);
		if (fflush(stdout) != 0 || !ok) {
			dgp_cli_err(CMD, "writing to stdout failed");
			rc = DGP_EXIT_FAIL;
		} else if (c[DGP_COMPLIANCE_OVERDUE]) {
			rc = DGP_EXIT_ATTENTION;
		}
	}
	dgp_catalog_status_destroy(st);
	PQfinish(conn);
	dgp_catalog_destroy(cat);
	return rc;
}
