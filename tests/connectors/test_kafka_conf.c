/* test_kafka_conf.c — kafka.* passthrough checked by librdkafka itself. */
#include <criterion/criterion.h>
#include <string.h>

#include "dgp_kafka.h"

Test(kafka_conf, check_known_unknown_invalid)
{
	char err[512];
	cr_expect_eq(dgp_kafka_conf_check("security.protocol", "ssl", err, sizeof(err), NULL),
	             DGP_OK);
	cr_expect_eq(dgp_kafka_conf_check("no.such.property", "1", err, sizeof(err), NULL),
	             DGP_ERR_CONF_UNKNOWN);
	cr_expect_eq(
	    dgp_kafka_conf_check("security.protocol", "carrier-pigeon", err, sizeof(err), NULL),
	    DGP_ERR_CONF_INVALID);
	cr_expect_neq(strstr(err, "kafka.security.protocol"), NULL, "%s", err);
	cr_expect_eq(dgp_kafka_conf_check("session.timeout.ms", "-5", err, sizeof(err), NULL),
	             DGP_ERR_CONF_INVALID);
}

Test(kafka_conf, config_builds_librdkafka_conf)
{
	char err[512];
	dgp_config_t *cfg = dgp_config_new();
	dgp_config_set_passthrough(cfg, "kafka.", dgp_kafka_conf_check, NULL);
	cr_assert_eq(dgp_config_set(cfg, "kafka.brokers", "h1:1234", err, sizeof(err)), DGP_OK);
	cr_assert_eq(dgp_config_set(cfg, "kafka.client.id", "dgp-test", err, sizeof(err)), DGP_OK);
	rd_kafka_conf_t *conf = dgp_kafka_conf_new(cfg, err, sizeof(err));
	cr_assert_not_null(conf, "%s", err);
	char val[256];
	size_t sz = sizeof(val);
	cr_assert_eq(rd_kafka_conf_get(conf, "bootstrap.servers", val, &sz), RD_KAFKA_CONF_OK);
	cr_expect_str_eq(val, "h1:1234");
	sz = sizeof(val);
	cr_assert_eq(rd_kafka_conf_get(conf, "client.id", val, &sz), RD_KAFKA_CONF_OK);
	cr_expect_str_eq(val, "dgp-test");
	rd_kafka_conf_destroy(conf);
	dgp_config_destroy(cfg);
}
