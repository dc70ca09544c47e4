/*
 * dgp_kafka.c — librdkafka configuration from dgp_config, log bridging, and
 * the producer both `dgp produce` and the reject.topic of `dgp run` use.
 */
#include "dgp_kafka.h"

#include <stdio.h>
#include <string.h>

#include "dgp_log.h"

dgp_err_t dgp_kafka_conf_check(const char *key, const char *value, char *errstr, size_t errstr_size,
                               void *opaque)
{
	(void)opaque;
	char msg[512] = "";
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, key, value, msg, sizeof(msg));
	rd_kafka_conf_destroy(conf);
	switch (r) {
	case RD_KAFKA_CONF_OK:
		return DGP_OK;
	case RD_KAFKA_CONF_UNKNOWN:
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_UNKNOWN,
		                      "unknown librdkafka property \"%s\"", key);
	default:
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
		                      "invalid value for kafka.%s: %s", key, msg);
	}
}

/* librdkafka syslog levels → dgp levels. */
static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	dgp_log_level_t l = level <= 3   ? DGP_LOG_ERROR
	                    : level == 4 ? DGP_LOG_WARN
	                    : level <= 6 ? DGP_LOG_INFO
	                                 : DGP_LOG_DEBUG;
	dgp_log(l, "kafka", "%s: %s", fac, buf);
}

rd_kafka_conf_t *dgp_kafka_conf_new(const dgp_config_t *cfg, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char msg[512];
	if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->kafka_brokers, msg, sizeof(msg)) !=
	    RD_KAFKA_CONF_OK) {
		dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
		               "invalid kafka.brokers: %s", msg);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	for (size_t i = 0; i < dgp_config_passthrough_count(cfg); i++) {
		const char *k, *v;
		dgp_config_passthrough_get(cfg, i, &k, &v);
		if (rd_kafka_conf_set(conf, k, v, msg, sizeof(msg)) != RD_KAFKA_CONF_OK) {
			dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
			               "invalid kafka.%s: %s", k, msg);
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
	return conf;
}

/* The producer's opaque is the caller's undelivered counter (or NULL). */
static void producer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	if (m->err && opaque)
		__atomic_fetch_add((uint64_t *)opaque, 1, __ATOMIC_RELAXED);
}

rd_kafka_t *dgp_kafka_producer_new(const dgp_config_t *cfg, const char *const *settings,
                                   uint64_t *undelivered, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *conf = dgp_kafka_conf_new(cfg, errstr, errstr_size);
	if (!conf)
		return NULL;
	char msg[512];
	if (rd_kafka_conf_set(conf, "enable.idempotence", "true", msg, sizeof(msg)) !=
	    RD_KAFKA_CONF_OK) {
		dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
		               "producer enable.idempotence: %s", msg);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	for (size_t i = 0; settings && settings[i] && settings[i + 1]; i += 2) {
		if (rd_kafka_conf_set(conf, settings[i], settings[i + 1], msg, sizeof(msg)) !=
		    RD_KAFKA_CONF_OK) {
			dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID, "producer %s: %s",
			               settings[i], msg);
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	rd_kafka_conf_set_dr_msg_cb(conf, producer_dr_cb);
	rd_kafka_conf_set_opaque(conf, undelivered);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, msg, sizeof(msg));
	if (!rk) {
		dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA, "%s", msg);
		rd_kafka_conf_destroy(conf);
	}
	return rk;
}

rd_kafka_resp_err_t dgp_kafka_produce(rd_kafka_t *rk, const char *topic, const void *value,
                                      size_t len, const void *key, size_t klen,
                                      rd_kafka_headers_t *hdrs, int full_waits)
{
	rd_kafka_resp_err_t e;
	for (int waits = 0;; waits++) {
		/* NULL headers are none: producev keeps them only when given */
		e = rd_kafka_producev(
		    rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_VALUE((void *)value, len), RD_KAFKA_V_KEY(key, klen),
		    RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || (full_waits >= 0 && waits >= full_waits))
			break;
		rd_kafka_poll(rk, 100);
	}
	if (e && hdrs) /* once queued, the message owns the headers */
		rd_kafka_headers_destroy(hdrs);
	return e;
}

dgp_err_t dgp_kafka_describe_cluster(rd_kafka_t *rk, int timeout_ms, dgp_arena_t *arena, char **out,
                                     char *errstr, size_t errstr_size)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return dgp_errstr_set(errstr, errstr_size,
		                      e == RD_KAFKA_RESP_ERR__TIMED_OUT ? DGP_ERR_TIMEOUT
		                                                        : DGP_ERR_KAFKA,
		                      "kafka metadata request failed: %s", rd_kafka_err2str(e));
	int controller = rd_kafka_controllerid(rk, timeout_ms);
	*out = dgp_arena_sprintf(arena, "%d broker%s (%s:%d), controller id %d, %d topic%s",
	                         md->broker_cnt, md->broker_cnt == 1 ? "" : "s",
	                         md->broker_cnt ? md->brokers[0].host : "?",
	                         md->broker_cnt ? md->brokers[0].port : 0, controller,
	                         md->topic_cnt, md->topic_cnt == 1 ? "" : "s");
	rd_kafka_metadata_destroy(md);
	return DGP_OK;
}
