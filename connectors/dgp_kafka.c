/*
 * dgp_kafka.c — librdkafka configuration from dgp_config, log bridging.
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
