/*
 * test_kafka_roundtrip.c — 10,000 messages through the real broker: produced
 * with idempotence on, consumed by a fresh consumer group, each arriving
 * exactly once with its key and bytes intact.
 */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_kafka.h"

#define NMSG  10000
#define NPART 4

static int dr_ok, dr_err;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err)
		dr_err++;
	else
		dr_ok++;
}

static dgp_config_t *config_from_env(void)
{
	const char *brokers = getenv("DGP_KAFKA_BROKERS");
	cr_assert_not_null(brokers, "DGP_KAFKA_BROKERS is not set: start the services with "
	                            "scripts/services.sh start (make test does)");
	dgp_config_t *cfg = dgp_config_new();
	char err[512];
	dgp_config_set_passthrough(cfg, "kafka.", dgp_kafka_conf_check, NULL);
	cr_assert_eq(dgp_config_set(cfg, "kafka.brokers", brokers, err, sizeof(err)), DGP_OK);
	return cfg;
}

static void create_topic(rd_kafka_t *rk, const char *topic)
{
	char err[512];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, NPART, 1, err, sizeof(err));
	cr_assert_not_null(nt, "%s", err);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
	cr_assert_not_null(ev, "CreateTopics timed out");
	const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
	size_t cnt;
	const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &cnt);
	cr_assert_eq(cnt, 1);
	cr_assert_eq(rd_kafka_topic_result_error(tr[0]), RD_KAFKA_RESP_ERR_NO_ERROR, "%s",
	             rd_kafka_topic_result_error_string(tr[0]));
	rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
}

Test(kafka_integration, ten_thousand_messages_exactly_once, .timeout = 240)
{
	char topic[64], group[96], err[512];
	snprintf(topic, sizeof(topic), "dgp.test.roundtrip.%ld.%d", (long)time(NULL),
	         rand() % 100000);
	snprintf(group, sizeof(group), "dgp-test-%s", topic);
	dgp_config_t *cfg = config_from_env();

	rd_kafka_conf_t *pconf = dgp_kafka_conf_new(cfg, err, sizeof(err));
	cr_assert_not_null(pconf, "%s", err);
	rd_kafka_conf_set_dr_msg_cb(pconf, dr_cb);
	cr_assert_eq(rd_kafka_conf_set(pconf, "enable.idempotence", "true", err, sizeof(err)), 0);
	cr_assert_eq(rd_kafka_conf_set(pconf, "linger.ms", "5", err, sizeof(err)), 0);
	rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err));
	cr_assert_not_null(prod, "%s", err);
	create_topic(prod, topic);

	for (int i = 0; i < NMSG; i++) {
		char key[32], val[128];
		int kl = snprintf(key, sizeof(key), "k%05d", i);
		int vl = snprintf(val, sizeof(val), "{\"XH\":%d,\"XM\":\"张三%d\"}", i, i);
		rd_kafka_resp_err_t e;
		while ((e = rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(topic),
		                              RD_KAFKA_V_KEY(key, (size_t)kl),
		                              RD_KAFKA_V_VALUE(val, (size_t)vl),
		                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		                              RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(prod, 50);
		cr_assert_eq(e, 0, "%s", rd_kafka_err2str(e));
		rd_kafka_poll(prod, 0);
	}
	cr_assert_eq(rd_kafka_flush(prod, 60000), 0);
	cr_assert_eq(dr_ok, NMSG);
	cr_assert_eq(dr_err, 0);
	rd_kafka_destroy(prod);

	rd_kafka_conf_t *cconf = dgp_kafka_conf_new(cfg, err, sizeof(err));
	cr_assert_eq(rd_kafka_conf_set(cconf, "group.id", group, err, sizeof(err)), 0);
	cr_assert_eq(rd_kafka_conf_set(cconf, "auto.offset.reset", "earliest", err, sizeof(err)),
	             0);
	rd_kafka_t *cons = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof(err));
	cr_assert_not_null(cons, "%s", err);
	rd_kafka_poll_set_consumer(cons);
	rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tl, topic, RD_KAFKA_PARTITION_UA);
	cr_assert_eq(rd_kafka_subscribe(cons, tl), 0);
	rd_kafka_topic_partition_list_destroy(tl);

	static unsigned char seen[NMSG];
	memset(seen, 0, sizeof(seen));
	int total = 0, dups = 0, parts_seen = 0;
	unsigned part_mask = 0;
	time_t deadline = time(NULL) + 120;
	while (total < NMSG && time(NULL) < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (m->err) {
			cr_assert(m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF, "%s",
			          rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		int i;
		char val[128], want[128], key[32];
		snprintf(val, sizeof(val), "%.*s", (int)m->len, (const char *)m->payload);
		cr_assert_eq(sscanf(val, "{\"XH\":%d,", &i), 1, "payload %s", val);
		cr_assert(i >= 0 && i < NMSG);
		snprintf(want, sizeof(want), "{\"XH\":%d,\"XM\":\"张三%d\"}", i, i);
		cr_assert_str_eq(val, want);
		snprintf(key, sizeof(key), "k%05d", i);
		cr_assert_eq(m->key_len, strlen(key));
		cr_assert_eq(memcmp(m->key, key, m->key_len), 0);
		if (seen[i]++)
			dups++;
		part_mask |= 1u << m->partition;
		total++;
		rd_kafka_message_destroy(m);
	}
	for (int p = 0; p < NPART; p++)
		parts_seen += (part_mask >> p) & 1;
	cr_expect_eq(total, NMSG);
	cr_expect_eq(dups, 0);
	cr_expect_eq(parts_seen, NPART, "keys spread over all partitions");
	for (int i = 0; i < NMSG; i++)
		cr_assert_eq(seen[i], 1, "message %d seen %d times", i, seen[i]);
	rd_kafka_consumer_close(cons);
	rd_kafka_destroy(cons);
	dgp_config_destroy(cfg);
}
