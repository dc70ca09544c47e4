/*
 * dgp_cmd_catalog_export.c — `dgp catalog export`: write the 三清单一目录
 * (catalog/EXPORT.md) as CSV, JSON or XLSX.
 *
 *   usage: dgp catalog export --format csv|json|xlsx --out DIR
 *                             [--audience internal|external] [--dir CATALOG]
 *                             [--csv-for programs|spreadsheet]
 *
 * Live statistics come from PostgreSQL when pg.conninfo (DGP_PG_CONNINFO)
 * is set and reachable; otherwise the statistics columns stay empty and a
 * warning says so — the export itself never needs the database.
 * DGP_EXPORT_TIME (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ) pins generated_at
 * for reproducible files; it is also the "now" of the compliance column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgp_catalog_export.h"
#include "dgp_cmd.h"
#include "dgp_pg.h"

#define CMD "catalog export"

typedef struct export_args {
	dgp_export_opts_t o;
	bool have_format;
	const char *dir;
} export_args_t;

static int usage(const char *fmt, const char *arg)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, arg);
	dgp_cli_err(CMD, "%s (try \"dgp catalog --help\")", msg);
	return DGP_EXIT_USAGE;
}

static int parse(int argc, char **argv, export_args_t *a)
{
	for (int i = 2; i < argc; i++) {
		const char *k = argv[i];
		if (strcmp(k, "--format") && strcmp(k, "--out") && strcmp(k, "--audience") &&
		    strcmp(k, "--dir") && strcmp(k, "--csv-for"))
			return usage("unknown option \"%s\"", k);
		if (i + 1 == argc)
			return usage("%s needs a value", k);
		const char *v = argv[++i];
		if (strcmp(k, "--format") == 0) {
			if (!dgp_export_format_parse(v, &a->o.format))
				return usage("--format: \"%s\" is not csv, json or xlsx", v);
			a->have_format = true;
		} else if (strcmp(k, "--audience") == 0) {
			if (!dgp_export_audience_parse(v, &a->o.audience))
				return usage("--audience: \"%s\" is not internal or external", v);
		} else if (strcmp(k, "--csv-for") == 0) {
			if (!dgp_export_csv_for_parse(v, &a->o.csv_for))
				return usage("--csv-for: \"%s\" is not programs or spreadsheet", v);
		} else if (strcmp(k, "--out") == 0) {
			a->o.out_dir = v;
		} else {
			a->dir = v;
		}
	}
	if (!a->have_format)
		return usage("%s", "--format is required");
	if (!a->o.out_dir)
		return usage("%s", "--out is required");
	return DGP_EXIT_OK;
}

/* Statistics for the export, or NULL with a warning when PostgreSQL is not configured or reachable.
 */
static dgp_catalog_status_t *read_status(dgp_cli_t *cli, const dgp_catalog_t *cat, int64_t now)
{
	const char *conninfo = cli->cfg->pg_conninfo;
	if (!conninfo || !*conninfo) {
		dgp_cli_err(CMD,
		            "warning: pg.conninfo is not set: the statistics columns are empty");
		return NULL;
	}
	char err[2048];
	PGconn *conn;
	if (dgp_pg_connect(conninfo, cli->cfg->pg_connect_timeout_ms, &conn, err, sizeof(err)) !=
	    DGP_OK) {
		dgp_cli_err(
		    CMD, "warning: postgresql unreachable (%s): the statistics columns are empty",
		    err);
		return NULL;
	}
	dgp_catalog_status_t *st = dgp_catalog_status_new(cat);
	if (dgp_catalog_status_query(st, conn, false, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err(
		    CMD,
		    "warning: reading the statistics failed (%s): the statistics columns are empty",
		    err);
		dgp_catalog_status_destroy(st);
		st = NULL;
	} else {
		dgp_catalog_status_evaluate(st, now);
	}
	PQfinish(conn);
	return st;
}

/*
 * The UTC offset of zone tz at t, in seconds.  glibc quietly falls back to UTC
 * for a zone it has no file for, so the file is looked up first: a typo must
 * not turn Beijing time into UTC without a word.
 */
static bool zone_offset(const char *tz, int64_t t, int32_t *offset)
{
	char path[512];
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if (strcmp(tz, "UTC") != 0 && (strstr(tz, "..") || access(path, R_OK) != 0))
		return false;
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", tz, 1);
	tzset();
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	*offset = (int32_t)tm.tm_gmtoff;
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	return true;
}

int dgp_cmd_catalog_export(dgp_cli_t *cli, int argc, char **argv)
{
	export_args_t a = {0};
	int rc = parse(argc, argv, &a);
	if (rc != DGP_EXIT_OK)
		return rc;
	a.o.generated_at = (int64_t)time(NULL);
	const char *pinned = getenv("DGP_EXPORT_TIME");
	if (pinned && *pinned && !dgp_time_parse(pinned, &a.o.generated_at)) {
		dgp_cli_err(CMD,
		            "DGP_EXPORT_TIME: \"%s\" is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
		            pinned);
		return DGP_EXIT_USAGE;
	}
	a.o.timezone = cli->cfg->catalog_timezone;
	if (!zone_offset(a.o.timezone, a.o.generated_at, &a.o.utc_offset_s)) {
		dgp_cli_err(CMD,
		            "catalog.timezone: unknown time zone \"%s\" (an IANA name such as "
		            "Asia/Shanghai; is tzdata installed?)",
		            a.o.timezone);
		return DGP_EXIT_USAGE;
	}
	dgp_catalog_t *cat;
	if (dgp_cli_load_catalog(cli, CMD, a.dir, &cat) != DGP_EXIT_OK)
		return DGP_EXIT_FAIL;
	dgp_catalog_status_t *st = read_status(cli, cat, a.o.generated_at);
	a.o.status = st;

	char err[2048];
	dgp_export_report_t rep;
	if (dgp_catalog_export(cat, &a.o, &rep, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err(CMD, "%s", err);
		rc = DGP_EXIT_FAIL;
	} else {
		printf("exported to %s (%s audience%s):", a.o.out_dir,
		       a.o.audience == DGP_AUDIENCE_EXTERNAL ? "external" : "internal",
		       st ? ", with statistics" : ", no statistics");
		for (size_t i = 0; i < rep.n_files; i++)
			printf(" %s", rep.files[i]);
		printf("\n  目录 %zu resources, 信息项 %zu fields, 需求清单 %zu, 责任清单 %zu, "
		       "负面清单 %zu\n",
		       rep.resources, rep.fields, rep.demands, rep.responsibilities, rep.negatives);
		if (rep.dropped_resources || rep.dropped_fields)
			printf("  left out (不予共享): %zu resources, %zu fields\n",
			       rep.dropped_resources, rep.dropped_fields);
	}
	dgp_catalog_status_destroy(st);
	dgp_catalog_destroy(cat);
	return rc;
}
