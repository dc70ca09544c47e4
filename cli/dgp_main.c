/*
 * dgp_main.c — `dgp`: global options, configuration, logging, dispatch.
 *
 *   dgp [--config FILE] [-v|-q] COMMAND [ARGS…]
 *
 * Configuration comes from the table's defaults, then FILE (or $DGP_CONFIG),
 * then DGP_* environment variables; secrets never come from argv.
 */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "dgp_cmd.h"
#include "dgp_kafka.h"
#include "dgp_log.h"
#include "dgp_version.h"

extern char **environ;

static const char usage_head[] =
    "usage: dgp [--config FILE] [-v | -q] COMMAND [ARGS...]\n"
    "\n"
    "dgp governs the 人口 and 法人 base libraries: it normalises and validates\n"
    "department records, deduplicates them, loads PostgreSQL exactly once and\n"
    "keeps the data catalog.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE  key = value configuration file (default: $DGP_CONFIG;\n"
    "                     see CONFIGURATION.md; DGP_* variables override it)\n"
    "  -v, --verbose      log at debug level (overrides log.level)\n"
    "  -q, --quiet        log errors only (overrides log.level)\n"
    "  -h, --help         show this help\n"
    "  -V, --version      print the version\n"
    "\n"
    "commands:\n";

static void print_usage(FILE *out)
{
	fputs(usage_head, out);
	for (const dgp_cmd_t *c = dgp_cmds; c->name; c++)
		fprintf(out, "  %-13s %s\n", c->name, c->summary);
	fputs("\nRun 'dgp help COMMAND' for a command's options.\n", out);
}

/* Log sink: "2026-11-27T16:04:05Z info  pg: message" on stderr. */
static void stderr_sink(dgp_log_level_t level, const char *module, const char *msg, void *opaque)
{
	(void)opaque;
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %-5s %s: %s\n", ts, dgp_log_level_name(level), module, msg);
}

/* man_text — s as roff literal text: backslashes escaped, no line read as a request */
static void man_text(FILE *out, const char *s)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
		bol = *s == '\n';
	}
	if (!bol)
		fputc('\n', out);
}

/* print_man — dgp(1) in roff, from the same texts `dgp help` prints */
static void print_man(FILE *out)
{
	fprintf(out, ".TH DGP 1 \"\" \"dgp %s\" \"dgp manual\"\n", DGP_VERSION);
	fputs(".SH NAME\ndgp \\- data-governance pipeline for the population and legal-entity base "
	      "libraries\n.SH SYNOPSIS\n.nf\n",
	      out);
	man_text(out, "dgp [--config FILE] [-v | -q] COMMAND [ARGS...]\n");
	fputs(".fi\n.SH DESCRIPTION\n.nf\n", out);
	man_text(out, strstr(usage_head, "\n\n") + 2);
	for (const dgp_cmd_t *c = dgp_cmds; c->name; c++)
		fprintf(out, "  %-13s %s\n", c->name, c->summary);
	fputs(".fi\n.SH COMMANDS\n", out);
	for (const dgp_cmd_t *c = dgp_cmds; c->name; c++) {
		fprintf(out, ".SS %s\n%s.\n.PP\n.nf\n", c->name, c->summary);
		man_text(out, c->help);
		fputs(".fi\n", out);
	}
	fputs(".SH FILES\n.TP\n/etc/dgp/dgp.conf\nthe configuration (key = value; every key is "
	      "documented in it and in CONFIGURATION.md)\n.TP\n" DGP_DEFAULT_CATALOG_DIR
	      "\nthe sample catalog, used when catalog.dir is empty\n"
	      ".SH ENVIRONMENT\nDGP_CONFIG names the configuration file; every key has a DGP_* "
	      "variable that overrides it (pg.conninfo: DGP_PG_CONNINFO).\n"
	      ".SH EXIT STATUS\n0 success, 1 the work failed, 2 usage error.\n"
	      ".SH SEE ALSO\nREADME.md, CONFIGURATION.md and SCHEMA.md in /usr/share/doc/dgp.\n",
	      out);
}

int dgp_cmd_help(dgp_cli_t *cli, int argc, char **argv)
{
	(void)cli;
	if (argc == 2 && strcmp(argv[1], "--man") == 0) {
		print_man(stdout);
		return DGP_EXIT_OK;
	}
	if (argc < 2) {
		print_usage(stdout);
		return DGP_EXIT_OK;
	}
	const dgp_cmd_t *c = dgp_cmd_find(argv[1]);
	if (!c) {
		dgp_cli_err("help", "unknown command \"%s\"", argv[1]);
		return DGP_EXIT_USAGE;
	}
	dgp_cli_print_help(c);
	return DGP_EXIT_OK;
}

int dgp_cmd_version(dgp_cli_t *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	unsigned xv = XXH_versionNumber();
	int pv = PQlibVersion();
	printf("dgp %s\n", DGP_VERSION);
	printf("librdkafka %s\n", rd_kafka_version_str());
	printf("libpq %d.%d\n", pv / 10000, pv % 10000);
	printf("xxhash %u.%u.%u\n", xv / 10000, (xv / 100) % 100, xv % 100);
	return DGP_EXIT_OK;
}

/*
 * A configuration file holding a password that group or others can read
 * hands the database to every local account: say so, and keep going (the
 * operator decides; refusing would stop a service over a chmod).
 */
static void warn_readable_secret(const dgp_config_t *cfg, const char *path)
{
	char key[512];
	struct stat st;
	if (!dgp_config_file_secret_key(cfg, key, sizeof(key)) || stat(path, &st) != 0 ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
		return;
	dgp_cli_err(NULL,
	            "warning: %s holds a secret (%s) and is readable by group or others "
	            "(mode %04o); run chmod 600 on it or move the secret to a passfile or "
	            "the environment",
	            path, key, (unsigned)(st.st_mode & 07777));
}

static int load_config(dgp_cli_t *cli)
{
	char err[1024];
	dgp_config_set_passthrough(cli->cfg, "kafka.", dgp_kafka_conf_check, NULL);
	if (cli->config_path &&
	    dgp_config_load_file(cli->cfg, cli->config_path, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err(NULL, "%s", err);
		return DGP_EXIT_FAIL;
	}
	if (cli->config_path)
		warn_readable_secret(cli->cfg, cli->config_path);
	if (dgp_config_load_env(cli->cfg, environ, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err(NULL, "%s", err);
		return DGP_EXIT_FAIL;
	}
	return DGP_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'}, {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	dgp_cli_t cli = {0};
	int verbosity = 0; /* -1 quiet, 1 verbose, 0 from log.level */
	int opt;

	cli.config_path = getenv("DGP_CONFIG");
	if (cli.config_path && !*cli.config_path)
		cli.config_path = NULL;
#if defined(DGP_TOOL_GEN) || defined(DGP_TOOL_PRODUCE)
	/* A tool under tools/: its one command takes every option; the configuration
	 * comes from $DGP_CONFIG and DGP_* variables. */
	(void)opts;
	(void)opt;
	const dgp_cmd_t *cmd = &dgp_cmds[0];
	int cargc = argc;
	char **cargv = argv;
	cargv[0] = (char *)cmd->name;
#else
	/* '+': stop at the first non-option so subcommands parse their own. */
	while ((opt = getopt_long(argc, argv, "+c:vqhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'h':
			print_usage(stdout);
			return DGP_EXIT_OK;
		case 'V':
			printf("dgp %s\n", DGP_VERSION);
			return DGP_EXIT_OK;
		default:
			fputs("Run 'dgp --help' for usage.\n", stderr);
			return DGP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return DGP_EXIT_USAGE;
	}
	const dgp_cmd_t *cmd = dgp_cmd_find(argv[optind]);
	if (!cmd) {
		dgp_cli_err(NULL, "unknown command \"%s\"; run 'dgp --help' for the list",
		            argv[optind]);
		return DGP_EXIT_USAGE;
	}
	int cargc = argc - optind;
	char **cargv = argv + optind;
#endif
	if (dgp_cli_wants_help(cargc, cargv)) {
		dgp_cli_print_help(cmd);
		return DGP_EXIT_OK;
	}

	cli.stdout_tty = isatty(STDOUT_FILENO);
	cli.stderr_tty = isatty(STDERR_FILENO);
	cli.cfg = dgp_config_new();
	dgp_log_set_sink(stderr_sink, NULL);

	int rc = DGP_EXIT_OK;
	if (cmd->needs_config)
		rc = load_config(&cli);
	if (rc == DGP_EXIT_OK) {
		dgp_log_level_t level = DGP_LOG_INFO;
		if (verbosity > 0)
			level = DGP_LOG_DEBUG;
		else if (verbosity < 0)
			level = DGP_LOG_ERROR;
		else if (!dgp_log_level_parse(cli.cfg->log_level, &level))
			level = DGP_LOG_INFO; /* cannot happen: the table checks log.level */
		dgp_log_set_level(level);
		rc = cmd->run(&cli, cargc, cargv);
	}
	dgp_config_destroy(cli.cfg);
	return rc;
}
