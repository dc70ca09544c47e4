/*
 * test_probe_targets.c — parsing probe.targets: kinds, defaults from
 * pg.conninfo / kafka.brokers, expected HTTP status, and errors that name
 * the entry without echoing a conninfo (it may hold a password).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "dgp_probe.h"

static dgp_config_t *cfg;
static dgp_arena_t *arena;

static void setup(void)
{
	char err[256];
	cfg = dgp_config_new();
	arena = dgp_arena_new(0);
	cr_assert_eq(dgp_config_set(cfg, "pg.conninfo", "host=db dbname=dgp", err, sizeof(err)),
	             DGP_OK);
	cr_assert_eq(dgp_config_set(cfg, "kafka.brokers", "k1:9092,k2:9092", err, sizeof(err)),
	             DGP_OK);
}

static void teardown(void)
{
	dgp_arena_destroy(arena);
	dgp_config_destroy(cfg);
}

TestSuite(probe_targets, .init = setup, .fini = teardown);

Test(probe_targets, kinds_and_defaults)
{
	dgp_probe_target_t *t;
	size_t n;
	char err[256];
	cr_assert_eq(
	    dgp_probe_targets_parse(" portal=https://portal.example.gov.cn/api/health 204 ;"
	                            "share=http://10.0.0.5:8080/ping;"
	                            "db=pg:;"
	                            "base=pg:host=10.0.0.9 port=5433 dbname=base;"
	                            "bus=kafka:;"
	                            "other.bus=kafka:10.1.1.1:9092;;",
	                            cfg, arena, &t, &n, err, sizeof(err)),
	    DGP_OK, "%s", err);
	cr_assert_eq(n, 6);
	cr_expect_str_eq(t[0].name, "portal");
	cr_expect_eq(t[0].kind, DGP_PROBE_HTTP);
	cr_expect_str_eq(t[0].spec, "https://portal.example.gov.cn/api/health");
	cr_expect_eq(t[0].expect_status, 204);
	cr_expect_eq(t[1].expect_status, 200);
	cr_expect_eq(t[2].kind, DGP_PROBE_PG);
	cr_expect_str_eq(t[2].spec, "host=db dbname=dgp");
	cr_expect_str_eq(t[3].spec, "host=10.0.0.9 port=5433 dbname=base");
	cr_expect_eq(t[4].kind, DGP_PROBE_KAFKA);
	cr_expect_str_eq(t[4].spec, "k1:9092,k2:9092");
	cr_expect_str_eq(t[5].name, "other.bus");
	cr_expect_str_eq(t[5].spec, "10.1.1.1:9092");
	cr_expect_str_eq(dgp_probe_kind_name(t[5].kind), "kafka");
}

Test(probe_targets, empty_is_no_targets)
{
	dgp_probe_target_t *t;
	size_t n = 99;
	char err[256];
	cr_assert_eq(dgp_probe_targets_parse("  ; ", cfg, arena, &t, &n, err, sizeof(err)), DGP_OK);
	cr_expect_eq(n, 0);
}

Test(probe_targets, errors_name_the_entry_not_the_secret)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"db=pg:password=hunter2;db=pg:", "entry 2: name \"db\" is used twice"},
	    {"no equals sign password=hunter2", "entry 1: expected NAME=TARGET"},
	    {"bad name=pg:", "entry 1: expected NAME=TARGET"},
	    {"x=ftp://a/b", "entry 1 (x): expected http://, https://, pg: or kafka:"},
	    {"x=http://a/b 99", "entry 1 (x): expected an HTTP status"},
	    {"x=http://a/b ok", "entry 1 (x): expected an HTTP status"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dgp_probe_target_t *t;
		size_t n;
		char err[256] = "";
		cr_expect_eq(
		    dgp_probe_targets_parse(cases[i].text, cfg, arena, &t, &n, err, sizeof(err)),
		    DGP_ERR_CONF_INVALID, "%s", cases[i].text);
		cr_expect(strstr(err, cases[i].want), "\"%s\" gave \"%s\"", cases[i].text, err);
		cr_expect(!strstr(err, "hunter2"), "secret echoed: %s", err);
	}
}
