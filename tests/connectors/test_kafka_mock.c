/*
 * test_kafka_mock.c — librdkafka's mock cluster (rdkafka_mock.h): the
 * broker goes down, produce stalls, the broker comes back, every message
 * is delivered exactly once; dgp's one producer (dgp_kafka_producer_new)
 * counts the messages a down broker never got and gives a full queue back.
 * Needs no JVM; complements the real broker.
 */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <string.h>

#include "dgp_kafka.h"

#define NMSG 200

static int delivered_ok, delivered_err;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err)
		delivered_err++;
	else
		delivered_ok++;
}

static rd_kafka_t *new_client(rd_kafka_type_t type, const char *bootstraps, const char *group)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	cr_assert_eq(rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof(err)), 0);
	if (type == RD_KAFKA_PRODUCER) {
		rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
		cr_assert_eq(
		    rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof(err)), 0);
		cr_assert_eq(
		    rd_kafka_conf_set(conf, "message.timeout.ms", "60000", err, sizeof(err)), 0);
	} else {
		cr_assert_eq(rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)), 0);
		cr_assert_eq(
		    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err)), 0);
	}
	rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
	cr_assert_not_null(rk, "%s", err);
	return rk;
}

Test(kafka_mock, broker_down_then_back_delivers_everything_once, .timeout = 100)
{
	char err[512];
	/* A scratch client hosts the mock cluster. */
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	cr_assert_not_null(host, "%s", err);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(host, 1);
	cr_assert_not_null(mc);
	const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
	cr_assert_eq(rd_kafka_mock_topic_create(mc, "dept.test", 2, 1), 0);

	rd_kafka_t *prod = new_client(RD_KAFKA_PRODUCER, boot, NULL);
	/* First half while the broker is up. */
	for (int i = 0; i < NMSG / 2; i++) {
		char v[32];
		int n = snprintf(v, sizeof(v), "m%d", i);
		cr_assert_eq(rd_kafka_producev(prod, RD_KAFKA_V_TOPIC("dept.test"),
		                               RD_KAFKA_V_VALUE(v, (size_t)n),
		                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		                               RD_KAFKA_V_END),
		             0);
	}
	cr_assert_eq(rd_kafka_flush(prod, 20000), 0);
	cr_assert_eq(delivered_ok, NMSG / 2);

	/* Broker down: the second half is queued, not delivered, not failed. */
	cr_assert_eq(rd_kafka_mock_broker_set_down(mc, 1), 0);
	for (int i = NMSG / 2; i < NMSG; i++) {
		char v[32];
		int n = snprintf(v, sizeof(v), "m%d", i);
		cr_assert_eq(rd_kafka_producev(prod, RD_KAFKA_V_TOPIC("dept.test"),
		                               RD_KAFKA_V_VALUE(v, (size_t)n),
		                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		                               RD_KAFKA_V_END),
		             0);
	}
	rd_kafka_flush(prod, 2000);
	cr_expect_eq(delivered_ok, NMSG / 2, "nothing delivered while the broker is down");
	cr_expect_eq(delivered_err, 0, "nothing failed while the broker is down");

	/* Back up: everything arrives. */
	cr_assert_eq(rd_kafka_mock_broker_set_up(mc, 1), 0);
	cr_assert_eq(rd_kafka_flush(prod, 30000), 0);
	cr_expect_eq(delivered_ok, NMSG);
	cr_expect_eq(delivered_err, 0);
	rd_kafka_destroy(prod);

	/* Consume: each message exactly once. */
	rd_kafka_t *cons = new_client(RD_KAFKA_CONSUMER, boot, "g1");
	rd_kafka_poll_set_consumer(cons);
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, "dept.test", RD_KAFKA_PARTITION_UA);
	cr_assert_eq(rd_kafka_subscribe(cons, topics), 0);
	rd_kafka_topic_partition_list_destroy(topics);
	int seen[NMSG] = {0}, total = 0;
	for (int polls = 0; total < NMSG && polls < 600; polls++) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 100);
		if (!m)
			continue;
		if (!m->err) {
			int idx;
			char buf[32];
			snprintf(buf, sizeof(buf), "%.*s", (int)m->len, (const char *)m->payload);
			cr_assert_eq(sscanf(buf, "m%d", &idx), 1);
			cr_assert(idx >= 0 && idx < NMSG);
			seen[idx]++;
			total++;
		}
		rd_kafka_message_destroy(m);
	}
	cr_expect_eq(total, NMSG);
	for (int i = 0; i < NMSG; i++)
		cr_expect_eq(seen[i], 1, "message m%d seen %d times", i, seen[i]);
	rd_kafka_consumer_close(cons);
	rd_kafka_destroy(cons);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(host);
}

static rd_kafka_resp_err_t produce_one(rd_kafka_t *p, int i, int full_waits)
{
	char v[32];
	int n = snprintf(v, sizeof(v), "m%d", i);
	rd_kafka_headers_t *h = rd_kafka_headers_new(1);
	rd_kafka_header_add(h, "dgp-reason", -1, "checksum", -1);
	return dgp_kafka_produce(p, "dept.test", v, (size_t)n, "k", 1, h, full_waits);
}

Test(kafka_mock, the_producer_counts_what_a_down_broker_never_got, .timeout = 100)
{
	char err[512];
	rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof(err));
	cr_assert_not_null(host, "%s", err);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(host, 1);
	cr_assert_not_null(mc);
	cr_assert_eq(rd_kafka_mock_topic_create(mc, "dept.test", 1, 1), 0);
	dgp_config_t *cfg = dgp_config_new();
	cr_assert_eq(dgp_config_set(cfg, "kafka.brokers", rd_kafka_mock_cluster_bootstraps(mc), err,
	                            sizeof(err)),
	             DGP_OK, "%s", err);

	static const char *const bad[] = {"linger.ms", "-1", NULL};
	uint64_t undelivered = 0;
	cr_expect_null(dgp_kafka_producer_new(cfg, bad, &undelivered, err, sizeof(err)));
	cr_expect_eq(strncmp(err, "producer linger.ms: ", 20), 0, "%s", err);

	static const char *const settings[] = {"message.timeout.ms", "1000",
	                                       "queue.buffering.max.messages", "3", NULL};
	rd_kafka_t *p = dgp_kafka_producer_new(cfg, settings, &undelivered, err, sizeof(err));
	cr_assert_not_null(p, "%s", err);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(produce_one(p, i, -1), RD_KAFKA_RESP_ERR_NO_ERROR);
	cr_assert_eq(dgp_kafka_produce(p, "dept.test", "m2", 2, NULL, 0, NULL, -1),
	             RD_KAFKA_RESP_ERR_NO_ERROR, "no key, no headers");
	cr_assert_eq(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
	cr_expect_eq(undelivered, 0);

	/* Broker down: three messages fill the queue, a fourth is given back at once. */
	cr_assert_eq(rd_kafka_mock_broker_set_down(mc, 1), 0);
	for (int i = 3; i < 6; i++)
		cr_assert_eq(produce_one(p, i, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
	cr_expect_eq(produce_one(p, 6, 0), RD_KAFKA_RESP_ERR__QUEUE_FULL);
	/* message.timeout.ms fails the three queued ones; the refused one is not counted */
	cr_expect_eq(rd_kafka_flush(p, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
	cr_expect_eq(undelivered, 3);
	rd_kafka_destroy(p);
	dgp_config_destroy(cfg);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(host);
}
