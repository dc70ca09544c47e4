/*
 * dgp_cmd_golden.c — dgp golden: the golden worker on its own, refreshing the
 * golden records of the keys queued in dgp_ops.golden_queue (dgp_golden.h).
 *
 *   --once   drain the queue until empty, print the count, exit
 *   default  drain every golden.interval.ms until SIGTERM/SIGINT
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dgp_cmd.h"
#include "dgp_golden.h"
#include "dgp_log.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Sleep ms in short steps so a signal ends the wait promptly. */
static void nap(int64_t ms)
{
	while (ms > 0 && !stop_requested) {
		int64_t step = ms > 100 ? 100 : ms;
		struct timespec ts = {.tv_sec = step / 1000, .tv_nsec = (step % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

int dgp_cmd_golden(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"once", no_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	bool once = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'o')
			return DGP_EXIT_USAGE;
		once = true;
	}
	if (optind < argc) {
		dgp_cli_err("golden", "unexpected argument \"%s\"", argv[optind]);
		return DGP_EXIT_USAGE;
	}
	PGconn *conn = NULL;
	if (dgp_cli_pg_connect(cli, "golden", cli->cfg->pg_connect_timeout_ms, &conn) != DGP_OK)
		return DGP_EXIT_FAIL;
	char err[2048];
	if (dgp_pg_sink_ensure_ops(conn, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("golden", "postgresql: %s", err);
		PQfinish(conn);
		return DGP_EXIT_FAIL;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int rc = DGP_EXIT_OK;
	dgp_golden_report_t total = {0};
	while (!stop_requested) {
		dgp_golden_report_t r = {0};
		dgp_err_t e = DGP_OK;
		/* One chunk at a time, so a signal stops between two commits. */
		while (!stop_requested) {
			uint64_t before = r.keys;
			e = dgp_golden_drain(conn, cli->cfg->golden_batch_keys, true, &r, err,
			                     sizeof(err));
			if (e != DGP_OK || r.keys == before)
				break;
		}
		total.keys += r.keys;
		total.distinct += r.distinct;
		total.transactions += r.transactions;
		if (e != DGP_OK) {
			dgp_cli_err("golden", "%s", err);
			if (once || e != DGP_ERR_PG_CONN) {
				rc = DGP_EXIT_FAIL;
				break;
			}
			/* Connection lost: the chunk is back in the queue; reconnect. */
			PQreset(conn);
		} else if (r.keys) {
			dgp_log(DGP_LOG_INFO, "golden", "%llu keys refreshed in %llu transactions",
			        (unsigned long long)r.keys, (unsigned long long)r.transactions);
		}
		if (once)
			break;
		nap(cli->cfg->golden_interval_ms);
	}
	if (once && rc == DGP_EXIT_OK)
		printf("golden records: %llu queued keys refreshed (%llu distinct) in %llu "
		       "transactions\n",
		       (unsigned long long)total.keys, (unsigned long long)total.distinct,
		       (unsigned long long)total.transactions);
	PQfinish(conn);
	return rc;
}
