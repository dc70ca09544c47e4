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

#include "dgp_config.h"
#include "dgp_err.h"

#define DGP_EXIT_OK 0
#define DGP_EXIT_FAIL 1
#define DGP_EXIT_USAGE 2

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
	bool needs_config;   /* load dgp.conf and DGP_* before running */
} dgp_cmd_t;

/* The table, NULL-name terminated. */
extern const dgp_cmd_t dgp_cmds[];

/* dgp_cmd_find — the row for name, or NULL. */
const dgp_cmd_t *dgp_cmd_find(const char *name);

/* dgp_cli_err — print "dgp NAME: message" to stderr (message without newline). */
void dgp_cli_err(const char *cmd, const char *fmt, ...) DGP_PRINTF(2, 3);

/* dgp_cli_wants_help — true when argv holds -h or --help (before any "--"). */
bool dgp_cli_wants_help(int argc, char **argv);

/* dgp_cli_print_help — print cmd's help text to stdout. */
void dgp_cli_print_help(const dgp_cmd_t *cmd);

/*
 * dgp_cli_load_catalog — load and validate the catalog in dir (NULL: the
 * catalog.dir setting); on errors print the first 20 diagnostics and a
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

/*
 * dgp_cli_unknown_progress — set pp's unknown fields to the records of
 * each of p's unknown names not yet counted (names past *logged count from
 * 0; see dgp_cli_unknown_fields), arrays from arena a (the batch's), so the
 * batch's transaction adds them to dgp_catalog.unknown_field_stats.
 */
struct dgp_pg_progress;
struct dgp_arena;
void dgp_cli_unknown_progress(const struct dgp_parser *p, size_t logged, const uint64_t *counted,
			      struct dgp_arena *a, struct dgp_pg_progress *pp);

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

#endif /* DGP_CMD_H */
