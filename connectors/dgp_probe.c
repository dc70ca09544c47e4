/*
 * dgp_probe.c — parse probe targets, probe them (libcurl, libpq,
 * librdkafka), store and reload results in dgp_catalog.availability.
 *
 * Every probe makes its own connection and closes it: an availability
 * probe must see what a new client sees, not a connection that happened to
 * survive an outage.
 */
#include "dgp_probe.h"

#include <ctype.h>
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_clock.h"
#include "dgp_kafka.h"
#include "dgp_log.h"
#include "dgp_pg.h"
#include "dgp_version.h"

const char *dgp_probe_kind_name(dgp_probe_kind_t kind)
{
	switch (kind) {
	case DGP_PROBE_HTTP:
		return "http";
	case DGP_PROBE_PG:
		return "pg";
	case DGP_PROBE_KAFKA:
		return "kafka";
	}
	return "unknown";
}

/* ---- parsing ------------------------------------------------------------- */

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static dgp_err_t parse_http(const char *spec, size_t n, dgp_arena_t *arena, dgp_probe_target_t *t,
                            size_t pos, char *errstr, size_t errstr_size)
{
	size_t u = 0;
	while (u < n && !isspace((unsigned char)spec[u]))
		u++;
	t->spec = dgp_arena_memdup(arena, spec, u);
	t->expect_status = 200;
	const char *rest = spec + u;
	size_t rn = n - u;
	trim(&rest, &rn);
	if (rn) {
		char buf[8];
		char *end;
		if (rn >= sizeof(buf))
			goto bad;
		memcpy(buf, rest, rn);
		buf[rn] = '\0';
		long st = strtol(buf, &end, 10);
		if (*end || st < 100 || st > 599)
			goto bad;
		t->expect_status = (int)st;
	}
	return DGP_OK;
bad:
	return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
	                      "probe.targets entry %zu (%s): expected an HTTP status 100..599 "
	                      "after the URL",
	                      pos, t->name);
}

dgp_err_t dgp_probe_targets_parse(const char *text, const dgp_config_t *cfg, dgp_arena_t *arena,
                                  dgp_probe_target_t **targets, size_t *n, char *errstr,
                                  size_t errstr_size)
{
	size_t cap = 1;
	for (const char *p = text; *p; p++)
		cap += *p == ';';
	dgp_probe_target_t *ts = dgp_arena_calloc(arena, cap * sizeof(*ts));
	size_t k = 0, pos = 0;
	const char *p = text;
	*targets = ts;
	*n = 0;
	while (p) {
		const char *semi = strchr(p, ';');
		const char *e = p;
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		p = semi ? semi + 1 : NULL;
		trim(&e, &len);
		if (!len)
			continue;
		pos++;
		const char *eq = memchr(e, '=', len);
		size_t nl = eq ? (size_t)(eq - e) : 0;
		const char *nm = e;
		trim(&nm, &nl);
		if (!eq || !name_ok(nm, nl))
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
			                      "probe.targets entry %zu: expected NAME=TARGET with "
			                      "NAME made of A-Z a-z 0-9 _ . - (at most 63)",
			                      pos);
		dgp_probe_target_t *t = &ts[k];
		t->name = dgp_arena_memdup(arena, nm, nl);
		for (size_t j = 0; j < k; j++)
			if (strcmp(ts[j].name, t->name) == 0)
				return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
				                      "probe.targets entry %zu: name \"%s\" is "
				                      "used twice",
				                      pos, t->name);
		const char *spec = eq + 1;
		size_t sl = len - nl - 1 - (size_t)(nm - e);
		trim(&spec, &sl);
		if (sl >= 7 && (strncmp(spec, "http://", 7) == 0 ||
		                (sl >= 8 && strncmp(spec, "https://", 8) == 0))) {
			t->kind = DGP_PROBE_HTTP;
			dgp_err_t err = parse_http(spec, sl, arena, t, pos, errstr, errstr_size);
			if (err != DGP_OK)
				return err;
		} else if (sl >= 3 && strncmp(spec, "pg:", 3) == 0) {
			t->kind = DGP_PROBE_PG;
			t->spec = sl > 3 ? dgp_arena_memdup(arena, spec + 3, sl - 3)
			                 : dgp_arena_strdup(arena, cfg->pg_conninfo);
		} else if (sl >= 6 && strncmp(spec, "kafka:", 6) == 0) {
			t->kind = DGP_PROBE_KAFKA;
			t->spec = sl > 6 ? dgp_arena_memdup(arena, spec + 6, sl - 6)
			                 : dgp_arena_strdup(arena, cfg->kafka_brokers);
			if (!*t->spec)
				return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
				                      "probe.targets entry %zu (%s): no Kafka "
				                      "brokers given and kafka.brokers is empty",
				                      pos, t->name);
		} else {
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
			                      "probe.targets entry %zu (%s): expected http://, "
			                      "https://, pg: or kafka: after '='",
			                      pos, t->name);
		}
		k++;
	}
	*n = k;
	return DGP_OK;
}

/* ---- probing ------------------------------------------------------------- */

/* One line, printable, bounded: library messages end in newlines. */
static void set_detail(dgp_probe_result_t *r, const char *msg)
{
	snprintf(r->detail, sizeof(r->detail), "%.*s", (int)sizeof(r->detail) - 1, msg);
	for (char *c = r->detail; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	size_t n = strlen(r->detail);
	while (n && r->detail[n - 1] == ' ')
		r->detail[--n] = '\0';
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

static void probe_http(const dgp_probe_target_t *t, int64_t timeout_ms, dgp_probe_result_t *r)
{
	pthread_once(&curl_once, curl_init);
	CURL *c = curl_easy_init();
	if (!c) {
		set_detail(r, "could not create a curl handle");
		return;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, t->spec);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "dgp-probe/" DGP_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		r->http_status = (int)status;
		r->up = status == t->expect_status;
		if (!r->up) {
			char msg[96];
			snprintf(msg, sizeof(msg), "HTTP status %ld, expected %d", status,
			         t->expect_status);
			set_detail(r, msg);
		}
	} else {
		set_detail(r, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	curl_easy_cleanup(c);
}

/* Wait for conn's socket to be readable, at most until deadline (monotonic s). */
static bool wait_readable(PGconn *conn, double deadline)
{
	for (;;) {
		if (!PQconsumeInput(conn))
			return false;
		if (!PQisBusy(conn))
			return true;
		double left = deadline - dgp_clock_mono_s();
		if (left <= 0)
			return false;
		struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
		if (poll(&pfd, 1, (int)ceil(left * 1000)) < 0)
			return false;
	}
}

static void probe_pg(const dgp_probe_target_t *t, int64_t timeout_ms, dgp_probe_result_t *r)
{
	double deadline = dgp_clock_mono_s() + (double)timeout_ms / 1000;
	char ct[24];
	/* libpq's connect_timeout is whole seconds, at least 2. */
	snprintf(ct, sizeof(ct), "%lld",
	         (long long)((timeout_ms + 999) / 1000 < 2 ? 2 : (timeout_ms + 999) / 1000));
	static const char *const keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {t->spec, ct, "dgp-probe", NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		set_detail(r, conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return;
	}
	if (!PQsendQuery(conn, "SELECT 1") || !wait_readable(conn, deadline)) {
		set_detail(r, PQstatus(conn) == CONNECTION_OK ? "SELECT 1 timed out"
		                                              : PQerrorMessage(conn));
		PQfinish(conn);
		return;
	}
	PGresult *res;
	bool ok = false;
	char err[256] = "";
	while ((res = PQgetResult(conn))) {
		if (dgp_pg_result_err(conn, res, err, sizeof(err)) == DGP_OK)
			ok = true;
		else
			ok = false;
		PQclear(res);
	}
	r->up = ok;
	if (!ok)
		set_detail(r, err[0] ? err : "SELECT 1 failed");
	PQfinish(conn);
}

/* The probe reports the outcome itself: librdkafka's connect errors would only repeat it. */
static void kafka_quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf;
}

static void probe_kafka(const dgp_probe_target_t *t, const dgp_config_t *cfg, int64_t timeout_ms,
                        dgp_probe_result_t *r)
{
	char err[512];
	rd_kafka_conf_t *conf = dgp_kafka_conf_new(cfg, err, sizeof(err));
	if (!conf) {
		set_detail(r, err);
		return;
	}
	rd_kafka_conf_set_log_cb(conf, kafka_quiet_log);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", t->spec, err, sizeof(err)) !=
	        RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "client.id", "dgp-probe", err, sizeof(err)) !=
	        RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		set_detail(r, err);
		return;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		set_detail(r, err);
		return;
	}
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, (int)timeout_ms);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md && md->broker_cnt > 0) {
		r->up = true;
	} else if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
		set_detail(r, "metadata lists no broker");
	} else {
		char msg[160];
		snprintf(msg, sizeof(msg), "no metadata within %lld ms: %s", (long long)timeout_ms,
		         rd_kafka_err2str(e));
		set_detail(r, msg);
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_destroy(rk);
}

void dgp_probe_run(const dgp_probe_target_t *t, const dgp_config_t *cfg, int64_t timeout_ms,
                   dgp_probe_result_t *out)
{
	memset(out, 0, sizeof(*out));
	out->at_ms = dgp_clock_wall_ms();
	double t0 = dgp_clock_mono_s();
	switch (t->kind) {
	case DGP_PROBE_HTTP:
		probe_http(t, timeout_ms, out);
		break;
	case DGP_PROBE_PG:
		probe_pg(t, timeout_ms, out);
		break;
	case DGP_PROBE_KAFKA:
		probe_kafka(t, cfg, timeout_ms, out);
		break;
	}
	out->seconds = dgp_clock_mono_s() - t0;
	if (out->up)
		out->detail[0] = '\0';
}

/* ---- storage ------------------------------------------------------------- */

static const char ddl[] =
    "SET client_min_messages TO warning;\n" /* no NOTICE for what exists already */
    "CREATE SCHEMA IF NOT EXISTS \"dgp_catalog\";\n"
    "CREATE TABLE IF NOT EXISTS \"dgp_catalog\".\"availability\" (\n"
    "  \"id\" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
    "  \"target\" text NOT NULL,\n"
    "  \"kind\" text NOT NULL,\n"
    "  \"probed_at\" timestamptz NOT NULL,\n"
    "  \"up\" boolean NOT NULL,\n"
    "  \"duration_seconds\" double precision NOT NULL,\n"
    "  \"http_status\" integer,\n"
    "  \"detail\" text NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS \"availability_target_probed_at\"\n"
    "  ON \"dgp_catalog\".\"availability\" (\"target\", \"probed_at\");\n"
    "COMMENT ON TABLE \"dgp_catalog\".\"availability\" IS "
    "'one row per availability probe result (dgp availability probe)';\n";

dgp_err_t dgp_probe_store_init(PGconn *conn, char *errstr, size_t errstr_size)
{
	return dgp_pg_exec(conn, ddl, errstr, errstr_size);
}

dgp_err_t dgp_probe_store_insert(PGconn *conn, const dgp_probe_target_t *t,
                                 const dgp_probe_result_t *r, dgp_pg_class_t *cls, char *errstr,
                                 size_t errstr_size)
{
	char at[32], secs[32], status[16];
	snprintf(at, sizeof(at), "%lld", (long long)r->at_ms);
	snprintf(secs, sizeof(secs), "%.6f", r->seconds);
	snprintf(status, sizeof(status), "%d", r->http_status);
	const char *params[] = {
	    t->name,  dgp_probe_kind_name(t->kind),
	    at,       r->up ? "true" : "false",
	    secs,     t->kind == DGP_PROBE_HTTP && r->http_status ? status : NULL,
	    r->detail};
	PGresult *res = PQexecParams(
	    conn,
	    "INSERT INTO \"dgp_catalog\".\"availability\" (\"target\", \"kind\", "
	    "\"probed_at\", \"up\", \"duration_seconds\", \"http_status\", \"detail\") "
	    "VALUES ($1, $2, to_timestamp($3::bigint / 1000.0), $4::boolean, "
	    "$5::double precision, $6::integer, $7)",
	    7, NULL, params, NULL, NULL, 0);
	if (cls)
		*cls = dgp_pg_result_class(conn, res);
	dgp_err_t err = dgp_pg_result_err(conn, res, errstr, errstr_size);
	PQclear(res);
	return err;
}

dgp_err_t dgp_probe_store_load(PGconn *conn, int64_t since_ms, const char *target,
                               dgp_avail_t *avail, size_t *rows, char *errstr, size_t errstr_size)
{
	char since[32];
	snprintf(since, sizeof(since), "%lld", (long long)since_ms);
	const char *params[] = {since, target};
	if (rows)
		*rows = 0;
	/* Single-row mode: a year of one-minute results is half a million rows per target. */
	if (!PQsendQueryParams(conn,
	                       "SELECT \"target\", \"kind\", "
	                       "(extract(epoch FROM \"probed_at\") * 1000)::bigint, \"up\" "
	                       "FROM \"dgp_catalog\".\"availability\" "
	                       "WHERE \"probed_at\" >= to_timestamp($1::bigint / 1000.0) "
	                       "AND ($2::text IS NULL OR \"target\" = $2::text) "
	                       "ORDER BY \"target\", \"probed_at\", \"id\"",
	                       2, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(conn))
		return dgp_pg_call_err(conn, "read dgp_catalog.availability", errstr, errstr_size);
	dgp_err_t err = DGP_OK;
	PGresult *res;
	while ((res = PQgetResult(conn))) {
		if (err == DGP_OK)
			err = dgp_pg_result_err(conn, res, errstr, errstr_size);
		if (err == DGP_OK && PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
			const char *up = PQgetvalue(res, 0, 3);
			dgp_err_t e = dgp_avail_record(
			    avail, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
			    strtoll(PQgetvalue(res, 0, 2), NULL, 10), up[0] == 't');
			(void)e; /* ordered by time: cannot be out of order */
			if (rows)
				(*rows)++;
		}
		PQclear(res);
	}
	return err;
}
