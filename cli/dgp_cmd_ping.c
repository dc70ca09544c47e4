/*
 * dgp_cmd_ping.c — `dgp ping`: can dgp reach its PostgreSQL and its Kafka?
 *
 * The first thing an operator runs after writing dgp.conf, and what
 * `make demo` runs before the pipeline exists.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_cmd.h"
#include "dgp_kafka.h"
#include "dgp_pg.h"

static int ping_pg(dgp_cli_t *cli, int64_t timeout_ms, dgp_arena_t *arena)
{
	char err[1024];
	PGconn *conn;
	if (dgp_cli_pg_connect(cli, "ping", timeout_ms, &conn) != DGP_OK)
		return DGP_EXIT_FAIL;
	PGresult *res = PQexec(conn, "SELECT version(), current_database()");
	int rc = DGP_EXIT_OK;
	if (dgp_pg_result_err(conn, res, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("ping", "postgresql: %s", err);
		rc = DGP_EXIT_FAIL;
	} else {
		printf("postgresql ok: server %s, database %s, %s:%s\n",
		       dgp_pg_server_version(arena, conn), PQgetvalue(res, 0, 1), PQhost(conn),
		       PQport(conn));
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}

static int ping_kafka(dgp_cli_t *cli, int64_t timeout_ms, dgp_arena_t *arena)
{
	char err[1024];
	rd_kafka_conf_t *conf = dgp_kafka_conf_new(cli->cfg, err, sizeof(err));
	if (!conf) {
		dgp_cli_err("ping", "kafka: %s", err);
		return DGP_EXIT_FAIL;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		dgp_cli_err("ping", "kafka: %s", err);
		return DGP_EXIT_FAIL;
	}
	char *desc;
	int rc = DGP_EXIT_OK;
	if (dgp_kafka_describe_cluster(rk, (int)timeout_ms, arena, &desc, err, sizeof(err)) !=
	    DGP_OK) {
		dgp_cli_err("ping", "kafka (%s): %s", cli->cfg->kafka_brokers, err);
		rc = DGP_EXIT_FAIL;
	} else {
		printf("kafka ok: %s, librdkafka %s\n", desc, rd_kafka_version_str());
	}
	rd_kafka_destroy(rk);
	return rc;
}

int dgp_cmd_ping(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pg-only", no_argument, NULL, 'p'},
	    {"kafka-only", no_argument, NULL, 'k'},
	    {"timeout-ms", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	bool do_pg = true, do_kafka = true;
	int64_t timeout_ms = cli->cfg->pg_connect_timeout_ms;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			do_kafka = false;
			break;
		case 'k':
			do_pg = false;
			break;
		case 't':
			if (!dgp_cli_opt_int("ping", "timeout-ms", optarg, 1, INT32_MAX,
			                     &timeout_ms))
				return DGP_EXIT_USAGE;
			break;
		default:
			return DGP_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		dgp_cli_err("ping", "unexpected argument \"%s\"", argv[optind]);
		return DGP_EXIT_USAGE;
	}
	dgp_arena_t *arena = dgp_arena_new(0);
	int rc = DGP_EXIT_OK;
	if (do_pg && ping_pg(cli, timeout_ms, arena) != DGP_EXIT_OK)
		rc = DGP_EXIT_FAIL;
	if (do_kafka && ping_kafka(cli, timeout_ms, arena) != DGP_EXIT_OK)
		rc = DGP_EXIT_FAIL;
	dgp_arena_destroy(arena);
	return rc;
}
