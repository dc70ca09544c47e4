/*
 * dgp_cmd_check.c — `dgp check RULE [--arg K=V;…] [VALUE…]`: run one
 * normalisation rule over values given on the command line or, without
 * any, over stdin, one value per line.  Verdicts are data: the exit status
 * is 0 whatever the values, 2 for a usage error, 1 when output fails.
 *
 *   stdin ──read(1 MiB)──▶ in[] ──memchr '\n', strip '\r'──▶ value
 *         ──dgp_norm_apply──▶ val[] ──"OK\tvalue[\tflags]" / "REJECT\treason"──▶ ob[]
 *         ──fwrite when ob[] is full──▶ stdout
 *
 * One buffer each, allocated once: no malloc, no flush per line, so it
 * streams millions of lines a second.  A line longer than CHECK_MAX_LINE
 * is rejected as too_long and skipped to its end without being buffered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dgp_arena.h"
#include "dgp_cmd.h"
#include "dgp_norm.h"

#define CHECK_MAX_LINE (1u << 20) /* bytes; longer lines are too_long */
#define CHECK_IN_BUF   (2u * CHECK_MAX_LINE)
#define CHECK_OUT_BUF  (1u << 20)

typedef struct check_run {
	const dgp_norm_rule_t *rule;
	dgp_norm_ctx_t ctx;
	char *val; /* rule output, DGP_NORM_OUT_CAP(CHECK_MAX_LINE) bytes */
	size_t val_cap;
	char *ob; /* pending stdout bytes */
	size_t ob_len;
	bool write_failed;
} check_run_t;

static void ob_flush(check_run_t *c)
{
	if (c->ob_len && !c->write_failed && fwrite(c->ob, 1, c->ob_len, stdout) != c->ob_len)
		c->write_failed = true;
	c->ob_len = 0;
}

static void ob_put(check_run_t *c, const char *s, size_t n)
{
	if (c->ob_len + n > CHECK_OUT_BUF) {
		ob_flush(c);
		if (n > CHECK_OUT_BUF) {
			if (!c->write_failed && fwrite(s, 1, n, stdout) != n)
				c->write_failed = true;
			return;
		}
	}
	memcpy(c->ob + c->ob_len, s, n);
	c->ob_len += n;
}

static void put_reject(check_run_t *c, dgp_reason_t reason)
{
	const char *name = dgp_reason_name(reason);
	ob_put(c, "REJECT\t", 7);
	ob_put(c, name, strlen(name));
	ob_put(c, "\n", 1);
}

static void check_value(check_run_t *c, const char *v, size_t n)
{
	dgp_norm_result_t res;
	if (dgp_norm_apply(c->rule, &c->ctx, v, n, c->val, c->val_cap, &res) != DGP_REASON_OK) {
		put_reject(c, res.reason);
		return;
	}
	ob_put(c, "OK\t", 3);
	ob_put(c, c->val, res.len);
	if (res.flags) {
		char names[256];
		dgp_norm_flag_names(res.flags, names, sizeof(names));
		ob_put(c, "\t", 1);
		ob_put(c, names, strlen(names));
	}
	ob_put(c, "\n", 1);
}

static void check_line(check_run_t *c, const char *v, size_t n)
{
	if (n && v[n - 1] == '\r')
		n--;
	check_value(c, v, n);
}

/* Read stdin to its end, one value per line.  Returns false on a read error. */
static bool check_stream(check_run_t *c, int fd)
{
	char *in = dgp_xmalloc(CHECK_IN_BUF);
	size_t have = 0;       /* bytes in in[] */
	bool skipping = false; /* inside an over-long line, already rejected */
	bool ok = true;
	for (;;) {
		ssize_t got = read(fd, in + have, CHECK_IN_BUF - have);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ok = false;
			break;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		size_t pos = 0;
		for (;;) {
			char *nl = memchr(in + pos, '\n', have - pos);
			if (!nl)
				break;
			size_t n = (size_t)(nl - (in + pos));
			if (skipping)
				skipping = false;
			else if (n > CHECK_MAX_LINE + 1) /* + 1: a '\r' does not count */
				put_reject(c, DGP_REASON_TOO_LONG);
			else
				check_line(c, in + pos, n);
			pos += n + 1;
		}
		/* the incomplete last line moves to the front, unless it is already too long */
		size_t rest = have - pos;
		if (rest > CHECK_MAX_LINE + 1) {
			if (!skipping)
				put_reject(c, DGP_REASON_TOO_LONG);
			skipping = true;
			rest = 0;
		}
		memmove(in, in + pos, rest);
		have = rest;
	}
	if (have && !skipping)
		check_line(c, in, have);
	free(in);
	return ok;
}

static void list_rules(void)
{
	size_t n;
	const dgp_norm_def_t *defs = dgp_norm_defs(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-13s %s%s%s%s\n", defs[i].name, defs[i].summary,
		       *defs[i].args ? " [args: " : "", defs[i].args, *defs[i].args ? "]" : "");
}

static bool parse_today(const char *s, int32_t *today)
{
	int y, m, d;
	char tail;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return false;
	*today = y * 10000 + m * 100 + d;
	return true;
}

int dgp_cmd_check(dgp_cli_t *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
		list_rules();
		return DGP_EXIT_OK;
	}
	/* options may come before or after RULE, but not after the first VALUE */
	const char *name = NULL, *args = NULL;
	dgp_norm_ctx_t ctx = dgp_norm_ctx_now((int32_t)cli->cfg->norm_utc_offset_minutes);
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--arg") == 0 || strcmp(a, "--today") == 0) {
			if (i + 1 >= argc) {
				dgp_cli_err("check", "%s needs a value", a);
				return DGP_EXIT_USAGE;
			}
			if (a[2] == 'a') {
				args = argv[++i];
			} else if (!parse_today(argv[++i], &ctx.today)) {
				dgp_cli_err("check", "--today wants YYYY-MM-DD, not \"%s\"",
				            argv[i]);
				return DGP_EXIT_USAGE;
			}
		} else if (strncmp(a, "--arg=", 6) == 0) {
			args = a + 6;
		} else if (a[0] == '-' && a[1] == '-') {
			dgp_cli_err("check", "unknown option \"%s\"", a);
			return DGP_EXIT_USAGE;
		} else if (!name) {
			name = a;
		} else {
			break;
		}
	}
	if (!name && i < argc)
		name = argv[i++];
	if (!name) {
		dgp_cli_err("check", "missing RULE; run 'dgp check --list' for the rules");
		return DGP_EXIT_USAGE;
	}

	dgp_arena_t *arena = dgp_arena_new(0);
	const dgp_norm_rule_t *rule;
	char err[256];
	dgp_err_t e = dgp_norm_rule_compile(name, args, arena, NULL, NULL, &rule, err, sizeof(err));
	if (e != DGP_OK) {
		dgp_cli_err("check", "%s%s", err,
		            e == DGP_ERR_NOT_FOUND ? "; run 'dgp check --list' for the rules" : "");
		dgp_arena_destroy(arena);
		return DGP_EXIT_USAGE;
	}

	check_run_t c = {.rule = rule, .ctx = ctx};
	c.val_cap = DGP_NORM_OUT_CAP((size_t)CHECK_MAX_LINE);
	c.val = dgp_xmalloc(c.val_cap);
	c.ob = dgp_xmalloc(CHECK_OUT_BUF);
	bool read_ok = true;
	if (i < argc) {
		for (; i < argc; i++) {
			size_t n = strlen(argv[i]);
			if (n > CHECK_MAX_LINE)
				put_reject(&c, DGP_REASON_TOO_LONG);
			else
				check_value(&c, argv[i], n);
		}
	} else {
		read_ok = check_stream(&c, STDIN_FILENO);
	}
	ob_flush(&c);
	if (fflush(stdout) != 0)
		c.write_failed = true;
	free(c.val);
	free(c.ob);
	dgp_arena_destroy(arena);
	if (!read_ok) {
		dgp_cli_err("check", "reading standard input: %s", strerror(errno));
		return DGP_EXIT_FAIL;
	}
	if (c.write_failed) {
		dgp_cli_err("check", "writing standard output failed");
		return DGP_EXIT_FAIL;
	}
	return DGP_EXIT_OK;
}
