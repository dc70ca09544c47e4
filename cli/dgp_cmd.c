/*
 * dgp_cmd.c — the subcommand table and the helpers subcommands share.
 */
#include "dgp_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dgp_version.h"

#include "dgp_arena.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_parse.h"
#include "dgp_pg_sink.h"

/*
 * The commands of the program being built: dgp's, or the one command of a
 * test-data tool under tools/ (built from these sources with DGP_TOOL_GEN or
 * DGP_TOOL_PRODUCE, not installed): generating and producing test data is
 * no operator's business, so `dgp` does not offer it.
 */
const dgp_cmd_t dgp_cmds[] = {
#if defined(DGP_TOOL_GEN)
    {"dgp-gen", "generate realistic department records with a ground-truth manifest",
     "usage: dgp-gen --resource CODE --out FILE [--rows N] [--seed S] [--key-offset K]\n"
     "                [--format csv|jsonl] [--encoding UTF-8|GBK|GB18030] [--manifest FILE]\n"
     "                [--dup-rate R] [--change-rate R] [--bad-key-rate R]\n"
     "                [--missing-rate R] [--bad-date-rate R] [--dirt-rate R]\n"
     "                [--bad-optional-rate R] [--catalog DIR]\n"
     "\n"
     "Write N records (default 1000) of the catalog resource CODE to FILE (.gz:\n"
     "compressed; format from the name or --format; encoding from the catalog or\n"
     "--encoding).  Record i describes person / entity K+i: valid 身份证号 with\n"
     "Wuhan region codes and real birth dates, USCCs with valid check characters,\n"
     "Chinese names, Wuchang addresses, phones; one seed gives every department\n"
     "the same people, so files overlap like real departments' do.\n"
     "\n"
     "Dirt, as fractions of the rows (0–1):\n"
     "  --dup-rate R          exact re-sends of an earlier record\n"
     "  --change-rate R       re-sends with a changed non-key field\n"
     "  --bad-key-rate R      keys with a wrong check character (rejected: checksum)\n"
     "  --missing-rate R      a required field left blank (rejected: empty)\n"
     "  --bad-date-rate R     an impossible date in a required date (rejected: date)\n"
     "  --dirt-rate R         values that normalise cleanly: 15-digit IDs, full-width\n"
     "                        digits, 2024年1月5日, +86 138-…\n"
     "  --bad-optional-rate R an invalid optional value (loads as NULL, value rejected)\n"
     "\n"
     "--manifest FILE writes what 'dgp load' must report for the file loaded into\n"
     "an empty database (first_load) and loaded again (reload): read, new, changed,\n"
     "unchanged, duplicate, rejected by reason, unique keys.  The counts follow the\n"
     "batches 'dgp load' will cut (batch.max.rows of this configuration): in each\n"
     "batch only the last version of a key is classified, its earlier ones count\n"
     "as duplicates.\n"
     "\n"
     "examples:\n"
     "  dgp-gen --resource 101001/000001 --rows 100000 --out gaj_hjrk_1.csv --manifest m.json\n",
     dgp_cmd_gen, true},
#elif defined(DGP_TOOL_PRODUCE)
    {"dgp-produce", "send each line of a file to a Kafka topic (demo, tests)",
     "usage: dgp-produce --topic T [--resource CODE] [--partitions N] [--gzip] [--rate N] FILE\n"
     "\n"
     "Send each line of a JSON-lines or CSV file (plain or .gz) as one message,\n"
     "keyed by the record key (the resource: --resource, else the catalog resource\n"
     "of the topic).  A CSV file's header row goes into every message's\n"
     "dgp-csv-header header.  --partitions N creates the topic when missing (or grows it to N);\n"
     "--gzip compresses each payload (content-encoding: gzip); --rate N sends N\n"
     "messages per second (for latency measurements).\n"
     "\n"
     "examples:\n"
     "  dgp-produce --topic dept.gaj.hjrk --partitions 8 gaj_hjrk.jsonl\n",
     dgp_cmd_produce, true},
#else
    {"help", "show help for dgp or for one command",
     "usage: dgp help [COMMAND]\n"
     "       dgp help --man\n"
     "\n"
     "Without COMMAND, list the commands; with it, show that command's help;\n"
     "--man prints the dgp(1) manual page (roff), made from the same texts.\n"
     "\n"
     "examples:\n"
     "  dgp help load\n"
     "  dgp help --man > dgp.1\n",
     dgp_cmd_help, false},
    {"version", "print dgp's version and the versions of its libraries",
     "usage: dgp version\n"
     "\n"
     "Print dgp's version and the versions of librdkafka, libpq and xxHash it runs with.\n"
     "\n"
     "examples:\n"
     "  dgp version\n",
     dgp_cmd_version, false},
    {"config", "check, print or document the configuration",
     "usage: dgp config check|dump|doc\n"
     "\n"
     "  check   load the configuration (file given with --config, then DGP_*\n"
     "          environment variables) and report the first error, if any\n"
     "  dump    print the effective configuration, one key = value per line,\n"
     "          with the source of each value; secrets are redacted\n"
     "  doc     print CONFIGURATION.md, generated from the configuration table\n"
     "\n"
     "examples:\n"
     "  dgp --config /etc/dgp/dgp.conf config check\n"
     "  DGP_PG_CONNINFO='host=db dbname=dgp' dgp config dump\n",
     dgp_cmd_config, true},
    {"ping", "connect to PostgreSQL and Kafka and report their versions",
     "usage: dgp ping [--pg-only | --kafka-only] [--timeout-ms N]\n"
     "\n"
     "Connect to the configured PostgreSQL (pg.conninfo) and Kafka cluster\n"
     "(kafka.brokers, kafka.*), print each server's version or cluster\n"
     "description, and exit 1 when either cannot be reached within the timeout\n"
     "(default: pg.connect.timeout.ms).\n"
     "\n"
     "examples:\n"
     "  dgp --config /etc/dgp/dgp.conf ping\n"
     "  dgp ping --pg-only --timeout-ms 2000\n",
     dgp_cmd_ping, true},
    {"check", "run a normalisation rule over values or stdin lines",
     "usage: dgp check RULE [--arg K=V;...] [--today YYYY-MM-DD] [VALUE...]\n"
     "       dgp check --list\n"
     "\n"
     "Normalise and validate each VALUE, or without values each line of standard\n"
     "input (LF or CRLF), with RULE (e.g. idcard, uscc, orgcode, region, date).\n"
     "One output line per input:\n"
     "  OK<TAB>normalised[<TAB>flag,flag...]   or   REJECT<TAB>reason\n"
     "Verdicts are data: the exit status is 0 whatever the values.\n"
     "\n"
     "  --arg K=V;...      rule arguments, as in the catalog (e.g. min_date=1900-01-01)\n"
     "  --today DATE       the date future_date is judged against (default: today, UTC)\n"
     "  --list             list the rules with their arguments\n"
     "Lines longer than 1 MiB are rejected as too_long.\n"
     "\n"
     "examples:\n"
     "  dgp check idcard 11010519491231002x\n"
     "  dgp check date --arg max_date=none 2030年1月5日\n"
     "  cut -d, -f3 export.csv | dgp check phone\n",
     dgp_cmd_check, false},
    {"catalog", "validate, sync, report on and export the data catalog (三清单一目录)",
     "usage: dgp catalog validate [DIR]\n       dgp catalog sync [DIR]\n       dgp catalog status "
     "[--format table|json] [--now DATE] [--distinct] [--dir CATALOG]\n                          "
     "[--resource CODE|PATTERN] [--provider NAME] [--status ok,overdue,never]\n       dgp catalog "
     "export --format csv|json|xlsx --out DIR [--audience internal|external]\n                     "
     "     [--csv-for programs|spreadsheet] [--dir CATALOG]\n\n  validate [DIR]  load the catalog "
     "(数据资源目录 and 三清单) from DIR, default the\n                  catalog.dir setting "
     "(empty: the installed sample catalog), check it, print every\n                  problem as "
     "DIR/FILE:LINE: COLUMN: message and a summary of\n                  resources, providers, "
     "fields, share types, update cycles and\n                  base libraries; exit 0 when valid, "
     "1 when there are errors\n  sync [DIR]      make PostgreSQL (pg.conninfo) match the valid "
     "catalog in one\n                  transaction: dgp_catalog.* rows, dgp_src tables (created, "
     "new\n                  columns added, never dropped; a type change is refused),\n            "
     "      dgp_base.person / legal_entity and their golden-record\n                  functions; a "
     "second run changes nothing (SCHEMA.md)\n  status          per resource: rows, records read, "
     "rejects by reason, last load\n                  and change, update-cycle compliance "
     "(正常/逾期/从未加载, rule in\n                  catalog/FORMAT.md) at --now "
     "(YYYY-MM-DD[THH:MM:SS], UTC; default\n                  now); per field: fill and validity "
     "rates; --distinct also counts\n                  distinct values in dgp_src (a full scan of "
     "every table: slow);\n                  --resource 101001/000001 or a pattern (\"101001/*\"), "
     "--provider\n                  (slug, name or code, e.g. gaj) and --status (ok, overdue, "
     "never\n                  or 正常, 逾期, 从未加载; comma-separated) choose what is shown;\n   "
     "               exit 3 when a shown resource is overdue; the table ends with\n                "
     "  \"golden queue: N keys, oldest T s\" (dgp_ops.golden_queue)\n  export          write the "
     "三清单一目录 (目录, 信息项, 需求/责任/负面清单) into DIR as CSV\n                  (UTF-8 "
     "with BOM), JSON or XLSX, with live statistics when\n                  PostgreSQL is "
     "reachable; --audience external leaves out 不予共享\n                  resources and fields "
     "and masks staff names; --csv-for\n                  spreadsheet keeps digit-only codes as "
     "text in Excel/Calc (hand\n                  those files to people, the default ones to "
     "programs); DIR and\n                  its parents are created; DGP_EXPORT_TIME pins "
     "generated_at\n                  (catalog/EXPORT.md)\n\nexamples:\n  dgp catalog validate "
     "/srv/catalog\n  dgp catalog status --provider gaj --status overdue,never\n  dgp catalog "
     "export --format xlsx --audience external --out /srv/exports\n\nThe files and every column "
     "are described in catalog/FORMAT.md.\n",
     dgp_cmd_catalog, true},
    {"load", "bulk-load department files into PostgreSQL",
     "usage: dgp load [--resource CODE] [--encoding ENC] [--delimiter C] [--quote C]\n"
     "                [--catalog DIR] [--no-progress] [--again] [--no-golden-wait]\n"
     "                FILE...\n"
     "\n"
     "Load JSON-lines (.jsonl, .json, .ndjson) or CSV files (header row), plain or\n"
     ".gz, into the resource's dgp_src table: every field normalised by its rule,\n"
     "records deduplicated (new rows by COPY, changed rows merged, unchanged and\n"
     "duplicate rows cost nothing), rejects kept with their raw bytes in\n"
     "dgp_ops.reject, statistics updated and golden keys queued, one transaction\n"
     "per batch.  The file's progress is committed with each batch: an interrupted\n"
     "load resumes where it stopped, a complete file is not loaded twice.  A load\n"
     "is the file's bytes read for one resource with one encoding, delimiter and\n"
     "quote: the same bytes for another resource or encoding are another load.\n"
     "A file whose first records are not valid in the encoding in use but are in\n"
     "another is refused before anything is written, naming that encoding.\n"
     "\n"
     "  --resource CODE   the catalog resource (default: the one whose\n"
     "                    file_pattern matches the file name)\n"
     "  --encoding ENC    UTF-8, GBK or GB18030 (default: the resource's encoding)\n"
     "  --delimiter C     CSV field delimiter (default ','; \\t for tab)\n"
     "  --quote C         CSV quote character (default '\"')\n"
     "  --catalog DIR     catalog directory (default: catalog.dir)\n"
     "  --no-progress     no progress bar on a terminal\n"
     "  --again           load the files again from their first record even when\n"
     "                    they were loaded completely (unchanged rows cost nothing)\n"
     "  --no-golden-wait  do not refresh the golden records: the keys stay in\n"
     "                    dgp_ops.golden_queue for 'dgp golden' or 'dgp run'\n"
     "                    (default: refresh them on a second connection while\n"
     "                    the files are read, drain the rest, then exit)\n"
     "\n"
     "While it runs, /metrics, /healthz and /readyz are served on http.listen\n"
     "(empty: off; a port in use only warns).\n"
     "\n"
     "Run 'dgp catalog sync' first.  Exit 0 when every file loaded (rejected\n"
     "records are data, not failures), 1 otherwise, 130 when interrupted.\n"
     "\n"
     "examples:\n"
     "  dgp load --resource 101001/000001 gaj_hjrk_2026.csv.gz\n"
     "  dgp load --encoding GBK --again /srv/drop/mzj_hyjl_*.csv\n",
     dgp_cmd_load, true},
    {"golden", "refresh the golden records of the queued keys (the golden worker)",
     "usage: dgp golden [--once]\n"
     "\n"
     "Each batch of 'dgp load' and 'dgp run' queues the golden keys it touched in\n"
     "dgp_ops.golden_queue, one row of them, in its own transaction.  This worker\n"
     "takes whole rows up to golden.batch.keys queued keys per transaction (a\n"
     "row of more keys alone), calls\n"
     "dgp_base.refresh_person / refresh_legal_entity once per base with their\n"
     "distinct keys and commits; a crash puts the keys back (nothing is lost).\n"
     "Keys of a base whose refresh function does not exist yet stay queued.\n"
     "'dgp load' (unless --no-golden-wait) and 'dgp run' drain it on a connection\n"
     "of their own after each batch that wrote and at least every\n"
     "golden.interval.ms; 'dgp load' drains the rest before it exits.\n"
     "\n"
     "  --once   drain the queue until it is empty, print the count and exit\n"
     "           (default: drain every golden.interval.ms until SIGTERM/SIGINT)\n"
     "\n"
     "examples:\n"
     "  dgp load --no-golden-wait /srv/in/*.csv && dgp golden --once\n",
     dgp_cmd_golden, true},
    {"run", "consume the department topics into PostgreSQL, continuously",
     "usage: dgp run [--until-idle MS] [--catalog DIR]\n"
     "\n"
     "Join the consumer group kafka.group.id (default dgp), consume the topics the\n"
     "catalog names (run.topics overrides; run.topic.prefix is prepended to the\n"
     "names, not to ^regex entries) and load\n"
     "every message through the same record path as 'dgp load': JSON or CSV\n"
     "payloads (CSV header in the dgp-csv-header message header, else the catalog's\n"
     "field order), gzip when content-encoding: gzip.  One transaction per batch\n"
     "(batch.max.rows, batch.max.ms) writes the rows, the rejects and the partitions'\n"
     "offsets (dgp_ops.offsets): exactly once, whatever crashes.  PostgreSQL down:\n"
     "fetching pauses and the batch is retried.  Serves /metrics, /healthz, /readyz.\n"
     "\n"
     "  --until-idle MS   exit 0 once nothing arrived for MS and everything is committed\n"
     "  --catalog DIR     catalog directory (default: catalog.dir)\n"
     "\n"
     "SIGTERM/SIGINT: commit the batches, leave the group, exit 0 (within\n"
     "shutdown.timeout.ms).  SIGHUP: reload and sync the catalog (a failed reload\n"
     "keeps the old one).  Exit 1 when PostgreSQL or Kafka is unreachable at start.\n"
     "\n"
     "examples:\n"
     "  dgp --config /etc/dgp/dgp.conf run\n"
     "  DGP_RUN_TOPICS=dept.gaj.hjrk dgp run --until-idle 5000\n",
     dgp_cmd_run, true},
    {"availability", "probe interfaces and report their measured availability",
     "usage: dgp availability probe [--once]\n       dgp availability report [--since T] [--format "
     "text|json]\n\n  probe    probe every target of probe.targets each probe.interval.ms, store\n "
     "          each result in dgp_catalog.availability and serve /metrics, /healthz\n           "
     "and /readyz on http.listen until SIGTERM or SIGINT; --once probes\n           each target "
     "once, prints the results and exits (no endpoint)\n  report   read dgp_catalog.availability "
     "and print, per target, the measured\n           availability over 1d, 30d and 365d, every "
     "outage with its time to\n           repair, and the SLA breaches (repair over "
     "probe.repair.target.s);\n           --since T limits the results read (30d, 12h, 2026-11-01, "
     "…;\n           default 365d), --format json for machines; every ratio\n           is shown "
     "with the share of its window that was observed; a target\n           no longer in "
     "probe.targets is history, not still down; exit 3\n           when the 100% target is missed "
     "or an outage breached the SLA\n\nexamples:\n  dgp availability probe --once\n  dgp "
     "availability report --since 30d --format json\n",
     dgp_cmd_availability, true},
#endif
    {NULL, NULL, NULL, NULL, false},
};

const dgp_cmd_t *dgp_cmd_find(const char *name)
{
	for (const dgp_cmd_t *c = dgp_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void dgp_cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "dgp%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

bool dgp_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

void dgp_cli_print_help(const dgp_cmd_t *cmd)
{
	fputs(cmd->help, stdout);
}

const char *dgp_cli_catalog_dir(const dgp_cli_t *cli, const char *given, const char **origin)
{
	const char *o, *dir;
	if (given && *given) {
		dir = given, o = "given on the command line";
	} else if (cli->cfg->catalog_dir && *cli->cfg->catalog_dir) {
		dir = cli->cfg->catalog_dir;
		o = dgp_config_source(cli->cfg, "catalog.dir", NULL) == DGP_CONF_SRC_ENV
		        ? "from DGP_CATALOG_DIR"
		        : "from catalog.dir in the configuration file";
	} else {
		dir = DGP_DEFAULT_CATALOG_DIR, o = "the built-in default; catalog.dir is empty";
	}
	if (origin)
		*origin = o;
	return dir;
}

bool dgp_cli_catalog_dir_exists(const dgp_cli_t *cli, const char *cmd, const char *given)
{
	const char *origin;
	const char *dir = dgp_cli_catalog_dir(cli, given, &origin);
	struct stat st;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	dgp_cli_err(cmd, "catalog directory %s (%s) is not a directory", dir, origin);
	fputs("hint: set catalog.dir in dgp.conf or DGP_CATALOG_DIR to the directory holding "
	      "resources.csv, or pass the directory to the command\n",
	      stderr);
	return false;
}

bool dgp_cli_opt_int(const char *cmd, const char *name, const char *text, int64_t min, int64_t max,
                     int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		if (max == INT64_MAX)
			dgp_cli_err(cmd, "--%s takes a whole number >= %" PRId64 ", not \"%s\"",
			            name, min, text);
		else
			dgp_cli_err(cmd,
			            "--%s takes a whole number from %" PRId64 " to %" PRId64
			            ", not \"%s\"",
			            name, min, max, text);
		return false;
	}
	*out = v;
	return true;
}

bool dgp_cli_opt_real(const char *cmd, const char *name, const char *text, double min, double max,
                      double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < min || v > max) {
		if (max == HUGE_VAL)
			dgp_cli_err(cmd, "--%s takes a number >= %g, not \"%s\"", name, min, text);
		else
			dgp_cli_err(cmd, "--%s takes a number from %g to %g, not \"%s\"", name, min,
			            max, text);
		return false;
	}
	*out = v;
	return true;
}

dgp_err_t dgp_cli_pg_connect(const dgp_cli_t *cli, const char *cmd, int64_t timeout_ms,
                             PGconn **conn)
{
	char err[1024];
	if (timeout_ms < 0)
		timeout_ms = cli->cfg->pg_connect_timeout_ms;
	dgp_err_t e = dgp_pg_connect(cli->cfg->pg_conninfo, timeout_ms, conn, err, sizeof(err));
	if (e == DGP_OK)
		return e;
	if (e == DGP_ERR_PG_AUTH)
		dgp_cli_pg_login_refused(cli, cmd, err);
	else
		dgp_cli_err(cmd, "postgresql unreachable within %lld ms: %s", (long long)timeout_ms,
		            err);
	return e;
}

void dgp_cli_pg_login_refused(const dgp_cli_t *cli, const char *cmd, const char *err)
{
	const char *where = NULL;
	dgp_conf_source_t src = dgp_config_source(cli->cfg, "pg.conninfo", &where);
	dgp_cli_err(cmd, "postgresql refused the login: %s", err);
	fprintf(stderr,
	        "hint: pg.conninfo comes from %s%s; check its user, dbname and password "
	        "(or PGPASSFILE), and the server's pg_hba.conf\n",
	        src == DGP_CONF_SRC_ENV    ? "the environment variable DGP_PG_CONNINFO"
	        : src == DGP_CONF_SRC_FILE ? "the configuration file, "
	                                   : "the default (libpq's PG* environment variables)",
	        src == DGP_CONF_SRC_FILE && where ? where : "");
}

bool dgp_cli_strict_unknown(const dgp_config_t *cfg, const char *code)
{
	const char *l = cfg->unknown_fields_strict;
	size_t n = strlen(code);
	while (l && *l) {
		while (*l == ',' || *l == ' ')
			l++;
		size_t k = strcspn(l, ", ");
		if ((k == 1 && *l == '*') || (k == n && strncmp(l, code, n) == 0))
			return true;
		l += k;
	}
	return false;
}

void dgp_cli_unknown_fields(const char *cmd, const char *code, const dgp_parser_t *p,
                            dgp_metric_family_t *unknown, size_t *logged, uint64_t **counted)
{
	size_t n;
	const dgp_unknown_field_t *u = dgp_parse_unknown_fields(p, &n);
	for (size_t i = *logged; i < n; i++)
		dgp_log(DGP_LOG_WARN, cmd,
		        "%s: field \"%s\" is not in the catalog; its values are not loaded "
		        "(unknown.fields.strict rejects such records)",
		        code, u[i].name);
	if (n > *logged) {
		*counted = dgp_xrealloc(*counted, n * sizeof(**counted));
		memset(*counted + *logged, 0, (n - *logged) * sizeof(**counted));
		*logged = n;
	}
	for (size_t i = 0; unknown && i < n; i++) {
		if (u[i].records > (*counted)[i])
			dgp_metric_inc(
			    dgp_metric_get(unknown, (const char *const[]){code, u[i].name}),
			    u[i].records - (*counted)[i]);
		(*counted)[i] = u[i].records;
	}
}
