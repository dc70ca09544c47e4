/*
 * dgp_cmd.h — the `dgp` command's subcommands and what they share.
 *
 * Each subcommand is a dgp_cmd_<name>() in cli/dgp_cmd_<name>.c and one row
 * of the table in dgp_cmd.c.  Only cli/ prints and exits; subcommands
 * return the process exit status:
 *   0 success, 1 the work failed (error already printed), 2 usage error.
 */
#ifndef DGP_CMD_H
#define DGP_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "dgp_config.h"
#include "dgp_err.h"
#include "dgp_pg.h"

#define DGP_EXIT_OK    0
#define DGP_EXIT_FAIL  1
#define DGP_EXIT_USAGE 2
/* the command did its work, and what it found needs an operator: resources
 * overdue (catalog status), the availability target missed (availability report) */
#define DGP_EXIT_ATTENTION 3

typedef struct dgp_cli {
	dgp_config_t *cfg;       /* effective configuration (defaults, file, env) */
	const char *config_path; /* NULL when no file was given */
	bool stdout_tty;
	bool stderr_tty;
} dgp_cli_t;

typedef struct dgp_cmd {
	const char *name;
	const char *summary; /* one line for `dgp --help` */
	const char *help;    /* full text for `dgp help NAME` / `dgp NAME --help` */
	int (*run)(dgp_cli_t *cli, int argc, char **argv); /* argv[0] is the name */
	bool needs_config; /* load dgp.conf and DGP_* before running */
} dgp_cmd_t;

/* The table, NULL-name terminated. */
extern const dgp_cmd_t dgp_cmds[];

/* dgp_cmd_find — the row for name, or NULL. */
const dgp_cmd_t *dgp_cmd_find(const char *name);

/* dgp_cli_err — print "dgp NAME: message" to stderr (message without newline). */
void dgp_cli_err(const char *cmd, const char *fmt, ...) DGP_PRINTF(2, 3);

/* dgp_cli_wants_help — true when argv holds -h or --help (before any "--"). */
bool dgp_cli_wants_help(int argc, char **argv);

/*
 * dgp_cli_opt_int — option --name's text (optarg) as a whole decimal number
 * within [min, max] in *out.  Otherwise false, *out untouched, after
 * printing under cmd's name "--name takes a whole number from MIN to MAX,
 * not \"TEXT\"" ("… >= MIN" when max is INT64_MAX); the caller returns
 * DGP_EXIT_USAGE.
 */
bool dgp_cli_opt_int(const char *cmd, const char *name, const char *text, int64_t min, int64_t max,
                     int64_t *out) DGP_MUST_CHECK;

/*
 * dgp_cli_opt_real — the same for a finite decimal number ("0.5", "2e3")
 * within [min, max] ("… >= MIN" when max is HUGE_VAL).
 */
bool dgp_cli_opt_real(const char *cmd, const char *name, const char *text, double min, double max,
                      double *out) DGP_MUST_CHECK;

/* dgp_cli_print_help — print cmd's help text to stdout. */
void dgp_cli_print_help(const dgp_cmd_t *cmd);

/*
 * dgp_cli_catalog_dir — the catalog directory a command uses: given (an argument
 * or --catalog) when non-empty, else the catalog.dir setting, else the built-in
 * default DGP_DEFAULT_CATALOG_DIR (the installed sample catalog). *origin, when
 * not NULL, receives a static phrase naming where it came from, for errors.
 */
const char *dgp_cli_catalog_dir(const dgp_cli_t *cli, const char *given, const char **origin);

/*
 * dgp_cli_catalog_dir_exists — false, after printing under cmd's name which
 * setting named dir and how to change it, when dir is not a directory.
 */
bool dgp_cli_catalog_dir_exists(const dgp_cli_t *cli, const char *cmd, const char *given);

/*
 * dgp_cli_pg_login_refused — print, under cmd's name, that PostgreSQL
 * refused the login (err: libpq's message), where pg.conninfo came from
 * (file:line or the environment variable) and what to check.
 */
void dgp_cli_pg_login_refused(const dgp_cli_t *cli, const char *cmd, const char *err);

/*
 * dgp_cli_pg_connect — dgp_pg_connect() to pg.conninfo within timeout_ms
 * (< 0: pg.connect.timeout.ms); on failure print the error under cmd's name,
 * and for a refused login where pg.conninfo came from (file:line or the
 * environment variable) and what to check.  Returns the dgp_pg_connect() code.
 */
dgp_err_t dgp_cli_pg_connect(const dgp_cli_t *cli, const char *cmd, int64_t timeout_ms,
                             PGconn **conn);

/*
 * dgp_cli_load_catalog — load and validate the catalog in dir (NULL: see
 * dgp_cli_catalog_dir); on errors print the first 20 diagnostics and a
 * summary line under cmd's name and return DGP_EXIT_FAIL with *out NULL.
 * The caller owns *out (dgp_catalog_destroy).
 */
struct dgp_catalog;
int dgp_cli_load_catalog(dgp_cli_t *cli, const char *cmd, const char *dir,
                         struct dgp_catalog **out);

/*
 * dgp_cli_strict_unknown — whether unknown.fields.strict names resource
 * code (or is `*`).
 */
bool dgp_cli_strict_unknown(const dgp_config_t *cfg, const char *code);

/*
 * dgp_cli_unknown_fields — report parser p's unknown fields of resource
 * code: a warning for each name not reported before (*logged: how many
 * names of p were), and unknown (may be NULL) — the
 * dgp_unknown_fields_total family — raised by the records counted since the
 * last call (*counted: per name, grown as needed; free() it).  Names only,
 * never values.
 */
struct dgp_parser;
struct dgp_metric_family;
void dgp_cli_unknown_fields(const char *cmd, const char *code, const struct dgp_parser *p,
                            struct dgp_metric_family *unknown, size_t *logged, uint64_t **counted);

/* Subcommands. */
int dgp_cmd_help(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_version(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_config(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_ping(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_load(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_gen(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_catalog_sync(dgp_cli_t *cli, int argc, char **argv); /* dgp catalog sync */
int dgp_cmd_availability(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_check(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_catalog(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_catalog_status(dgp_cli_t *cli, int argc, char **argv); /* dgp catalog status */
int dgp_cmd_catalog_export(dgp_cli_t *cli, int argc, char **argv); /* dgp catalog export */
int dgp_cmd_run(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_produce(dgp_cli_t *cli, int argc, char **argv);
int dgp_cmd_golden(dgp_cli_t *cli, int argc, char **argv);

#endif /* DGP_CMD_H */
