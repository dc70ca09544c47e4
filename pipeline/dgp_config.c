/*
 * dgp_config.c — the configuration table and its one setter.
 *
 * Every value is set through config_set_prop(), whatever its source, so
 * parsing and range checks live in one place.  String fields are malloc'd
 * copies owned by the config (a config is long-lived and small; an arena
 * would keep every overwritten value until the end).
 */
#include "dgp_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"

#define CONF_OFF(field) offsetof(dgp_config_t, field)

static const dgp_conf_prop_t props[] = {
	{"log.level", DGP_CONF_ENUM, CONF_OFF(log_level), 0, 0, "info",
	 "error,warn,info,debug", 0,
	 "Least severe level written to the log.  Personal data is never "
	 "logged at any level."},
	{"pg.conninfo", DGP_CONF_STR, CONF_OFF(pg_conninfo), 0, 0, "", NULL,
	 DGP_CONF_F_SECRET,
	 "libpq connection string or URI of the PostgreSQL database.  Empty "
	 "means libpq's defaults (PGHOST, PGPORT, …).  Give a password through "
	 "`passfile=` or PGPASSWORD, not here in a file others can read; "
	 "`dgp config dump` redacts it."},
	{"pg.connect.timeout.ms", DGP_CONF_INT, CONF_OFF(pg_connect_timeout_ms),
	 100, 3600000, "10000", NULL, 0,
	 "How long to keep trying to reach PostgreSQL at start before giving "
	 "up with an error."},
	{"kafka.brokers", DGP_CONF_STR, CONF_OFF(kafka_brokers), 0, 0,
	 "127.0.0.1:9092", NULL, 0,
	 "Kafka bootstrap brokers, `host:port[,host:port…]`; sets librdkafka's "
	 "`bootstrap.servers`.  Any other `kafka.*` key is passed to librdkafka "
	 "without the prefix (e.g. `kafka.security.protocol`), checked when the "
	 "file is loaded."},
	{"catalog.dir", DGP_CONF_STR, CONF_OFF(catalog_dir), 0, 0,
	 "catalog/sample", NULL, 0,
	 "Directory holding the catalog definition files."},
	{"http.listen", DGP_CONF_STR, CONF_OFF(http_listen), 0, 0, "127.0.0.1:9187",
	 NULL, 0,
	 "Address of the HTTP endpoint of `dgp run`, `dgp load` and `dgp "
	 "availability probe` (`GET /metrics`, `/healthz`, `/readyz`): "
	 "`host:port` or `[v6addr]:port`; port 0 picks a free one.  Loopback by "
	 "default: the endpoint has no authentication, so expose it only behind a "
	 "firewall or proxy.  Empty turns the endpoint off."},
	{"http.threads", DGP_CONF_INT, CONF_OFF(http_threads), 1, 64, "2", NULL, 0,
	 "Threads serving the HTTP endpoint.  Scrapes never take a lock the "
	 "pipeline waits on, so two are enough for Prometheus and a person."},
	{"http.connection.limit", DGP_CONF_INT, CONF_OFF(http_connection_limit), 1,
	 10000, "64", NULL, 0,
	 "Most HTTP connections open at once; further clients are refused until "
	 "one closes."},
	{"http.timeout.ms", DGP_CONF_INT, CONF_OFF(http_timeout_ms), 1000, 3600000,
	 "10000", NULL, 0,
	 "An HTTP connection idle this long (a slow or stuck client) is closed.  "
	 "Rounded up to whole seconds."},
	{"metrics.catalog.interval.ms", DGP_CONF_INT, CONF_OFF(metrics_catalog_interval_ms), 100,
	 86400000, "60000", NULL, 0,
	 "`dgp run` and `dgp load`: time between two reads of the catalog's statistics "
	 "(dgp_catalog.resource_stats) for the gauges dgp_resource_rows, "
	 "dgp_resource_last_update_timestamp_seconds, dgp_catalog_resources_overdue and "
	 "dgp_catalog_resources_never_loaded, which thus count loads by other processes "
	 "too.  Also read at start, after a catalog reload and at the end of a load."},
	{"probe.targets", DGP_CONF_STR, CONF_OFF(probe_targets), 0, 0, "", NULL,
	 DGP_CONF_F_SECRET,
	 "Interfaces whose availability `dgp availability probe` measures, "
	 "separated by `;`: `NAME=http[s]://URL [STATUS]` (up when the GET "
	 "answers STATUS, default 200), `NAME=pg:CONNINFO` (up when `SELECT 1` "
	 "answers; an empty CONNINFO means pg.conninfo), `NAME=kafka:HOST:PORT[,…]` "
	 "(up when the cluster returns metadata, with the `kafka.*` security "
	 "settings; empty means kafka.brokers).  NAME is `[A-Za-z0-9_.-]+`.  Put "
	 "passwords in libpq's passfile or the environment (DGP_PROBE_TARGETS in "
	 "the unit's EnvironmentFile), not here."},
	{"probe.interval.ms", DGP_CONF_INT, CONF_OFF(probe_interval_ms), 100,
	 86400000, "60000", NULL, 0,
	 "Time between two probe rounds.  A gap of more than three intervals "
	 "between results (dgp was not probing) counts as unobserved, neither up "
	 "nor down."},
	{"probe.timeout.ms", DGP_CONF_INT, CONF_OFF(probe_timeout_ms), 100, 600000,
	 "5000", NULL, 0,
	 "A probe that has no answer after this long counts as down."},
	{"probe.repair.target.s", DGP_CONF_INT, CONF_OFF(probe_repair_target_s), 1,
	 31536000, "86400", NULL, 0,
	 "Service target for the time to repair an outage: an outage longer than "
	 "this is reported as an SLA breach."},
	{"load.max.record.bytes", DGP_CONF_INT, CONF_OFF(load_max_record_bytes), 1024,
	 1073741824, "16777216", NULL, 0,
	 "Longest record (one JSON line or CSV row, without its line terminator) "
	 "that `dgp load` accepts.  A longer one is rejected as too_long with its "
	 "first load.max.record.bytes bytes kept, and skipped up to the next newline "
	 "without holding the rest in memory; the read buffer grows to at most this "
	 "size."},
	{"load.csv.max.quoted.lines", DGP_CONF_INT, CONF_OFF(load_csv_max_quoted_lines), 1,
	 1000000, "20", NULL, 0,
	 "`dgp load`, CSV: most line breaks one quoted field may span.  A quoted "
	 "field that spans lines and then runs past this, past load.max.record.bytes "
	 "or the end of the file, or closes and is followed by anything but a "
	 "delimiter, is taken for a stray quote: only the line holding the opening "
	 "quote is rejected (malformed) and splitting resumes at the next line."},
	{"batch.max.rows", DGP_CONF_INT, CONF_OFF(batch_max_rows), 1, 10000000, "20000", NULL, 0,
	 "Records per batch: one PostgreSQL transaction writes one batch.  Larger "
	 "batches amortise round trips; memory grows with them (about 2 KiB per "
	 "record)."},
	{"dedup.key.hash.bits", DGP_CONF_INT, CONF_OFF(dedup_key_hash_bits), 1, 64, "64", NULL, 0,
	 "Bits of the xxh3 key hash the dedup cache keeps.  Leave at 64; tests set "
	 "it low to force key-hash collisions and show they cost extra merges, "
	 "never a lost change."},
	{"batch.max.ms", DGP_CONF_INT, CONF_OFF(batch_max_ms), 1, 3600000, "1000", NULL, 0,
	 "`dgp run`: a batch that is not full is written once its first record is "
	 "this old, so latency stays bounded when traffic is low."},
	{"shutdown.timeout.ms", DGP_CONF_INT, CONF_OFF(shutdown_timeout_ms), 100, 3600000,
	 "30000", NULL, 0,
	 "`dgp run`: after SIGTERM or SIGINT, how long finishing the batch in flight, "
	 "committing it and leaving the consumer group may take.  Past it dgp exits "
	 "1 without committing the rest (nothing is lost: those messages are read "
	 "again)."},
	{"unknown.fields.strict", DGP_CONF_STR, CONF_OFF(unknown_fields_strict), 0, 0, "", NULL, 0,
	 "`dgp load` and `dgp run`: resources (codes, comma-separated; `*` every "
	 "one) whose records are rejected as unknown_field when they carry a JSON "
	 "key or a value in a CSV column the catalog does not know.  Elsewhere such "
	 "fields are not loaded, but reported by name (never value): the load "
	 "summary, a warning the first time a name is seen, "
	 "dgp_unknown_fields_total{resource,field}."},
	{"reject.topic", DGP_CONF_STR, CONF_OFF(reject_topic), 0, 0, "", NULL, 0,
	 "`dgp run`: also send every rejected record (raw bytes) to this Kafka topic "
	 "after its batch committed, with the headers `dgp-reason`, `dgp-field`, "
	 "`dgp-resource`, `dgp-topic`, `dgp-partition`, `dgp-offset`.  Empty: rejects "
	 "go to dgp_ops.reject only (they always do)."},
	{"run.topics", DGP_CONF_STR, CONF_OFF(run_topics), 0, 0, "", NULL, 0,
	 "`dgp run`: the topics to consume, comma-separated; an entry starting with "
	 "`^` is a regular expression (librdkafka's syntax).  Empty: every topic the "
	 "catalog names.  A topic no catalog resource names is not consumed."},
	{"run.topic.prefix", DGP_CONF_STR, CONF_OFF(run_topic_prefix), 0, 0, "", NULL, 0,
	 "`dgp run`: prepended to the catalog's topic names (e.g. `prod.` or a "
	 "per-test prefix); a topic maps to its resource with the prefix removed."},
	{"run.kafka.timeout.ms", DGP_CONF_INT, CONF_OFF(run_kafka_timeout_ms), 100, 3600000,
	 "10000", NULL, 0,
	 "`dgp run`: how long to wait for the Kafka brokers at start before giving "
	 "up with an error (exit 1)."},
	{"run.log.interval.ms", DGP_CONF_INT, CONF_OFF(run_log_interval_ms), 100, 86400000,
	 "10000", NULL, 0,
	 "`dgp run`: interval of the progress log line (records/s, rows committed, "
	 "consumer lag)."},
};

#define NPROPS (sizeof(props) / sizeof(props[0]))

typedef struct passthrough {
	char *key;   /* without prefix */
	char *value;
	dgp_conf_source_t source;
	char *where;
} passthrough_t;

struct dgp_config_private {
	dgp_conf_source_t source[NPROPS];
	char *where[NPROPS]; /* "path:line" for FILE */
	char *int_text[NPROPS]; /* text form of INT/BOOL values */
	const char *pt_prefix;
	dgp_conf_passthrough_fn *pt_fn;
	void *pt_opaque;
	passthrough_t *pt;
	size_t pt_n, pt_cap;
};

const dgp_conf_prop_t *dgp_config_props(size_t *n)
{
	*n = NPROPS;
	return props;
}

static const dgp_conf_prop_t *prop_find(const char *key, size_t *idx)
{
	for (size_t i = 0; i < NPROPS; i++) {
		if (strcmp(props[i].name, key) == 0) {
			*idx = i;
			return &props[i];
		}
	}
	return NULL;
}

static char **str_field(dgp_config_t *cfg, const dgp_conf_prop_t *p)
{
	return (char **)((char *)cfg + p->offset);
}

static int64_t *int_field(dgp_config_t *cfg, const dgp_conf_prop_t *p)
{
	return (int64_t *)((char *)cfg + p->offset);
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t vl = strlen(v);
	const char *p = choices;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (l == vl && strncmp(p, v, l) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static dgp_err_t config_set_prop(dgp_config_t *cfg, size_t idx, const char *value,
				 char *errstr, size_t errstr_size)
{
	const dgp_conf_prop_t *p = &props[idx];
	struct dgp_config_private *pv = cfg->priv;

	switch (p->type) {
	case DGP_CONF_ENUM:
		if (!choice_ok(p->choices, value))
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
					      "invalid value \"%s\" for %s: expected one of %s",
					      value, p->name, p->choices);
		/* fall through */
	case DGP_CONF_STR: {
		char **f = str_field(cfg, p);
		free(*f);
		*f = strdup(value);
		if (!*f)
			dgp_oom(strlen(value), "config value");
		return DGP_OK;
	}
	case DGP_CONF_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (errno || end == value || *end != '\0')
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
					      "invalid value \"%s\" for %s: expected an integer",
					      value, p->name);
		if (v < p->min || v > p->max)
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
					      "value %lld for %s is out of range %lld..%lld",
					      v, p->name, (long long)p->min, (long long)p->max);
		*int_field(cfg, p) = v;
		break;
	}
	case DGP_CONF_BOOL: {
		bool b;
		if (!parse_bool(value, &b))
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
					      "invalid value \"%s\" for %s: expected true or false",
					      value, p->name);
		*int_field(cfg, p) = b;
		break;
	}
	}
	free(pv->int_text[idx]);
	pv->int_text[idx] = strdup(value);
	if (!pv->int_text[idx])
		dgp_oom(strlen(value), "config value");
	return DGP_OK;
}

dgp_config_t *dgp_config_new(void)
{
	dgp_config_t *cfg = dgp_xcalloc(1, sizeof(*cfg));
	cfg->priv = dgp_xcalloc(1, sizeof(*cfg->priv));
	for (size_t i = 0; i < NPROPS; i++) {
		char err[256];
		if (config_set_prop(cfg, i, props[i].defval, err, sizeof(err)) != DGP_OK)
			abort(); /* a default that fails its own check is a bug in the table */
	}
	return cfg;
}

void dgp_config_destroy(dgp_config_t *cfg)
{
	if (!cfg)
		return;
	struct dgp_config_private *pv = cfg->priv;
	for (size_t i = 0; i < NPROPS; i++) {
		if (props[i].type == DGP_CONF_STR || props[i].type == DGP_CONF_ENUM)
			free(*str_field(cfg, &props[i]));
		free(pv->where[i]);
		free(pv->int_text[i]);
	}
	for (size_t i = 0; i < pv->pt_n; i++) {
		free(pv->pt[i].key);
		free(pv->pt[i].value);
		free(pv->pt[i].where);
	}
	free(pv->pt);
	free(pv);
	free(cfg);
}

void dgp_config_set_passthrough(dgp_config_t *cfg, const char *prefix,
				dgp_conf_passthrough_fn *fn, void *opaque)
{
	cfg->priv->pt_prefix = prefix;
	cfg->priv->pt_fn = fn;
	cfg->priv->pt_opaque = opaque;
}

static char *xstrdup_or_null(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		dgp_oom(strlen(s), "config");
	return d;
}

static void passthrough_store(struct dgp_config_private *pv, const char *key,
			      const char *value, dgp_conf_source_t src, const char *where)
{
	for (size_t i = 0; i < pv->pt_n; i++) {
		if (strcmp(pv->pt[i].key, key) == 0) {
			free(pv->pt[i].value);
			free(pv->pt[i].where);
			pv->pt[i].value = xstrdup_or_null(value);
			pv->pt[i].where = xstrdup_or_null(where);
			pv->pt[i].source = src;
			return;
		}
	}
	if (pv->pt_n == pv->pt_cap) {
		pv->pt_cap = pv->pt_cap ? pv->pt_cap * 2 : 8;
		pv->pt = dgp_xrealloc(pv->pt, pv->pt_cap * sizeof(*pv->pt));
	}
	pv->pt[pv->pt_n++] = (passthrough_t){xstrdup_or_null(key), xstrdup_or_null(value),
					     src, xstrdup_or_null(where)};
}

static dgp_err_t config_set_src(dgp_config_t *cfg, const char *key, const char *value,
				dgp_conf_source_t src, const char *where,
				char *errstr, size_t errstr_size)
{
	struct dgp_config_private *pv = cfg->priv;
	size_t idx;
	if (prop_find(key, &idx)) {
		dgp_err_t err = config_set_prop(cfg, idx, value, errstr, errstr_size);
		if (err != DGP_OK)
			return err;
		pv->source[idx] = src;
		free(pv->where[idx]);
		pv->where[idx] = xstrdup_or_null(where);
		return DGP_OK;
	}
	size_t plen = pv->pt_prefix ? strlen(pv->pt_prefix) : 0;
	if (plen && strncmp(key, pv->pt_prefix, plen) == 0 && key[plen]) {
		dgp_err_t err = pv->pt_fn ? pv->pt_fn(key + plen, value, errstr, errstr_size,
						      pv->pt_opaque)
					  : DGP_OK;
		if (err == DGP_ERR_CONF_UNKNOWN)
			return dgp_errstr_set(errstr, errstr_size, err,
					      "unknown configuration key \"%s\"", key);
		if (err != DGP_OK)
			return err;
		passthrough_store(pv, key + plen, value, src, where);
		return DGP_OK;
	}
	return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_UNKNOWN,
			      "unknown configuration key \"%s\"", key);
}

dgp_err_t dgp_config_set(dgp_config_t *cfg, const char *key, const char *value,
			 char *errstr, size_t errstr_size)
{
	return config_set_src(cfg, key, value, DGP_CONF_SRC_SET, NULL, errstr, errstr_size);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

dgp_err_t dgp_config_load_file(dgp_config_t *cfg, const char *path,
			       char *errstr, size_t errstr_size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO,
				      "could not open configuration file \"%s\": %s",
				      path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	dgp_err_t err = DGP_OK;
	char where[4096 + 16];
	char msg[512];

	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (!eq) {
			err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE,
					     "%s: expected key = value, found \"%.40s\"",
					     where, s);
			break;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		if (*key == '\0') {
			err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE,
					     "%s: missing key before '='", where);
			break;
		}
		err = config_set_src(cfg, key, value, DGP_CONF_SRC_FILE, where, msg, sizeof(msg));
		if (err != DGP_OK) {
			dgp_errstr_set(errstr, errstr_size, err, "%s: %s", where, msg);
			break;
		}
	}
	if (err == DGP_OK && ferror(f))
		err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO,
				     "could not read configuration file \"%s\": %s",
				     path, strerror(errno));
	free(line);
	fclose(f);
	return err;
}

/* "DGP_PG_CONNINFO" → "pg.conninfo"; false when name is not DGP_-prefixed. */
static bool env_to_key(const char *name, size_t name_len, char *key, size_t key_size)
{
	if (name_len <= 4 || strncmp(name, "DGP_", 4) != 0 || name_len - 4 >= key_size)
		return false;
	size_t k = 0;
	for (size_t i = 4; i < name_len; i++)
		key[k++] = name[i] == '_' ? '.' : (char)tolower((unsigned char)name[i]);
	key[k] = '\0';
	return true;
}

dgp_err_t dgp_config_load_env(dgp_config_t *cfg, char *const *envp,
			      char *errstr, size_t errstr_size)
{
	struct dgp_config_private *pv = cfg->priv;
	for (char *const *e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char key[256], msg[512];
		if (!eq || !env_to_key(*e, (size_t)(eq - *e), key, sizeof(key)))
			continue;
		size_t idx;
		size_t plen = pv->pt_prefix ? strlen(pv->pt_prefix) : 0;
		bool known = prop_find(key, &idx) != NULL;
		bool pt = !known && plen && strncmp(key, pv->pt_prefix, plen) == 0;
		if (!known && !pt)
			continue;
		dgp_err_t err = config_set_src(cfg, key, eq + 1, DGP_CONF_SRC_ENV,
					       NULL, msg, sizeof(msg));
		if (err == DGP_ERR_CONF_UNKNOWN && pt)
			continue; /* e.g. DGP_KAFKA_HOME from the scripts: not ours */
		if (err != DGP_OK)
			return dgp_errstr_set(errstr, errstr_size, err,
					      "environment variable %.*s: %s",
					      (int)(eq - *e), *e, msg);
	}
	return DGP_OK;
}

dgp_conf_source_t dgp_config_source(const dgp_config_t *cfg, const char *key,
				    const char **where)
{
	size_t idx;
	const struct dgp_config_private *pv = cfg->priv;
	if (where)
		*where = NULL;
	if (prop_find(key, &idx)) {
		if (where)
			*where = pv->where[idx];
		return pv->source[idx];
	}
	size_t plen = pv->pt_prefix ? strlen(pv->pt_prefix) : 0;
	for (size_t i = 0; plen && i < pv->pt_n; i++) {
		if (strncmp(key, pv->pt_prefix, plen) == 0 &&
		    strcmp(pv->pt[i].key, key + plen) == 0) {
			if (where)
				*where = pv->pt[i].where;
			return pv->pt[i].source;
		}
	}
	return DGP_CONF_SRC_DEFAULT;
}

const char *dgp_config_value(const dgp_config_t *cfg, const char *key)
{
	size_t idx;
	const dgp_conf_prop_t *p = prop_find(key, &idx);
	if (!p)
		return NULL;
	if (p->type == DGP_CONF_STR || p->type == DGP_CONF_ENUM)
		return *(char *const *)((const char *)cfg + p->offset);
	return cfg->priv->int_text[idx];
}

static bool key_names_secret(const char *key)
{
	static const char *const words[] = {"password", "secret", "private", "key.pem",
					    "sasl.oauthbearer.config", "ssl.key"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(key, words[i]))
			return true;
	return false;
}

/* Replace the value of every password=… in a libpq keyword/value string or URI. */
static void redact_conninfo(const char *v, char *out, size_t out_size)
{
	size_t o = 0;
	const char *p = v;
	while (*p && o + 1 < out_size) {
		if (strncmp(p, "password=", 9) == 0 &&
		    (p == v || p[-1] == ' ' || p[-1] == '?' || p[-1] == '&')) {
			const char *mask = "password=***";
			for (const char *m = mask; *m && o + 1 < out_size; m++)
				out[o++] = *m;
			p += 9;
			if (*p == '\'') { /* quoted value: skip to the closing quote */
				for (p++; *p && *p != '\''; p++)
					if (*p == '\\' && p[1])
						p++;
				if (*p)
					p++;
			} else {
				while (*p && *p != ' ' && *p != '&')
					p++;
			}
			continue;
		}
		/* URI form postgresql://user:secret@host */
		if (strncmp(p, "://", 3) == 0) {
			const char *at = strchr(p + 3, '@');
			const char *colon = strchr(p + 3, ':');
			const char *slash = strchr(p + 3, '/');
			if (at && colon && colon < at && (!slash || at < slash)) {
				size_t keep = (size_t)(colon - p) + 1;
				for (size_t i = 0; i < keep && o + 1 < out_size; i++)
					out[o++] = p[i];
				for (const char *m = "***"; *m && o + 1 < out_size; m++)
					out[o++] = *m;
				p = at;
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}

const char *dgp_config_redact(const char *key, const char *value, char *out,
			      size_t out_size)
{
	if (out_size == 0)
		return out;
	if (strcmp(key, "pg.conninfo") == 0) {
		redact_conninfo(value, out, out_size);
		return out;
	}
	size_t idx;
	const dgp_conf_prop_t *p = prop_find(key, &idx);
	if ((p && (p->flags & DGP_CONF_F_SECRET)) || (!p && key_names_secret(key))) {
		snprintf(out, out_size, "%s", *value ? "***" : "");
		return out;
	}
	snprintf(out, out_size, "%s", value);
	return out;
}

size_t dgp_config_passthrough_count(const dgp_config_t *cfg)
{
	return cfg->priv->pt_n;
}

void dgp_config_passthrough_get(const dgp_config_t *cfg, size_t i,
				const char **key, const char **value)
{
	*key = cfg->priv->pt[i].key;
	*value = cfg->priv->pt[i].value;
}
