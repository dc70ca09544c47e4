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
    {"log.level", DGP_CONF_ENUM, CONF_OFF(log_level), 0, 0, "info", "error,warn,info,debug", 0,
     "Least severe level written to the log.  Personal data is never "
     "logged at any level."},
    {"pg.conninfo", DGP_CONF_STR, CONF_OFF(pg_conninfo), 0, 0, "", NULL, DGP_CONF_F_SECRET,
     "libpq connection string or URI of the PostgreSQL database.  Empty "
     "means libpq's defaults (PGHOST, PGPORT, …).  Give a password through "
     "`passfile=` or PGPASSWORD, not here in a file others can read; "
     "`dgp config dump` redacts it."},
    {"pg.connect.timeout.ms", DGP_CONF_INT, CONF_OFF(pg_connect_timeout_ms), 100, 3600000, "10000",
     NULL, 0,
     "How long to keep trying to reach PostgreSQL at start before giving "
     "up with an error."},
    {"pg.copy.direct", DGP_CONF_BOOL, CONF_OFF(pg_copy_direct), 0, 1, "true", NULL, 0,
     "A batch's new rows (keys not yet in the table: a first load's all) go "
     "by COPY straight into the dgp_src table (binary when every column type "
     "has a binary form in dgp, else text), which costs PostgreSQL about half "
     "of the staged insert (benchmarks/RESULTS.md).  Only when "
     "the role may SET log_min_messages (a superuser, or `GRANT SET ON "
     "PARAMETER log_min_messages TO dgp`, PostgreSQL 15): that COPY runs "
     "with the server's logging of errors off, since a refused row's DETAIL "
     "would quote a key; dgp then writes the batch through the stage and "
     "logs the SQLSTATE itself.  Without the grant, or false, every row goes "
     "through the stage."},
    {"kafka.brokers", DGP_CONF_STR, CONF_OFF(kafka_brokers), 0, 0, "127.0.0.1:9092", NULL, 0,
     "Kafka bootstrap brokers, `host:port[,host:port…]`; sets librdkafka's "
     "`bootstrap.servers`.  Any other `kafka.*` key is passed to librdkafka "
     "without the prefix (e.g. `kafka.security.protocol`), checked when the "
     "file is loaded."},
    {"catalog.dir", DGP_CONF_STR, CONF_OFF(catalog_dir), 0, 0, "", NULL, 0,
     "Directory holding the catalog definition files.  Empty: the sample "
     "catalog installed with dgp (`/usr/share/dgp/catalog/sample` from the "
     "Debian package; in a build tree, the source's `catalog/sample`), so "
     "every command works from any directory."},
    {"catalog.timezone", DGP_CONF_STR, CONF_OFF(catalog_timezone), 0, 0, "Asia/Shanghai", NULL, 0,
     "Time zone (IANA name, from the tzdata package) of the times in `dgp catalog "
     "export`'s CSV and XLSX files and their 说明: departments read Beijing time.  "
     "The JSON export stays in UTC."},
    {"http.listen", DGP_CONF_STR, CONF_OFF(http_listen), 0, 0, "127.0.0.1:9187", NULL, 0,
     "Address of the HTTP endpoint of `dgp run`, `dgp load` and `dgp "
     "availability probe` (`GET /metrics`, `/healthz`, `/readyz`): "
     "`host:port` or `[v6addr]:port`; port 0 picks a free one.  Loopback by "
     "default: the endpoint has no authentication, so expose it only behind a "
     "firewall or proxy.  Empty turns the endpoint off."},
    {"http.threads", DGP_CONF_INT, CONF_OFF(http_threads), 1, 64, "2", NULL, 0,
     "Threads serving the HTTP endpoint.  Scrapes never take a lock the "
     "pipeline waits on, so two are enough for Prometheus and a person."},
    {"http.connection.limit", DGP_CONF_INT, CONF_OFF(http_connection_limit), 1, 10000, "256", NULL,
     0,
     "Most HTTP connections open at once; further clients wait in the listen "
     "queue until one closes.  Each holds at most 32 KiB."},
    {"http.connection.limit.per.client", DGP_CONF_INT, CONF_OFF(http_connection_limit_per_client),
     1, 10000, "8", NULL, 0,
     "Most HTTP connections open at once from one client address; a further "
     "connection from it is closed at once.  Keeps one slow or hostile client "
     "(slowloris: many connections each sending a byte now and then) from "
     "taking every connection, so Prometheus and health checks from other "
     "addresses are still served."},
    {"http.timeout.ms", DGP_CONF_INT, CONF_OFF(http_timeout_ms), 1000, 3600000, "10000", NULL, 0,
     "An HTTP connection that sends or reads nothing for this long (a slow or "
     "stuck client, an unfinished request) is closed.  Rounded up to whole "
     "seconds."},
    {"metrics.catalog.interval.ms", DGP_CONF_INT, CONF_OFF(metrics_catalog_interval_ms), 100,
     86400000, "60000", NULL, 0,
     "`dgp run` and `dgp load`: time between two reads of the catalog's statistics "
     "(dgp_catalog.resource_stats) for the gauges dgp_resource_rows, "
     "dgp_resource_last_update_timestamp_seconds, dgp_catalog_resources_overdue and "
     "dgp_catalog_resources_never_loaded, which thus count loads by other processes "
     "too.  Also read at start, after a catalog reload and at the end of a load."},
    {"probe.targets", DGP_CONF_STR, CONF_OFF(probe_targets), 0, 0, "", NULL, DGP_CONF_F_SECRET,
     "Interfaces whose availability `dgp availability probe` measures, "
     "separated by `;`: `NAME=http[s]://URL [STATUS]` (up when the GET "
     "answers STATUS, default 200), `NAME=pg:CONNINFO` (up when `SELECT 1` "
     "answers; an empty CONNINFO means pg.conninfo), `NAME=kafka:HOST:PORT[,…]` "
     "(up when the cluster returns metadata, with the `kafka.*` security "
     "settings; empty means kafka.brokers).  NAME is `[A-Za-z0-9_.-]+`.  Put "
     "passwords in libpq's passfile or the environment (DGP_PROBE_TARGETS in "
     "the unit's EnvironmentFile), not here."},
    {"probe.interval.ms", DGP_CONF_INT, CONF_OFF(probe_interval_ms), 100, 86400000, "60000", NULL,
     0,
     "Time between two probe rounds.  A gap of more than three intervals "
     "between results (dgp was not probing) counts as unobserved, neither up "
     "nor down."},
    {"probe.timeout.ms", DGP_CONF_INT, CONF_OFF(probe_timeout_ms), 100, 600000, "5000", NULL, 0,
     "A probe that has no answer after this long counts as down."},
    {"probe.repair.target.s", DGP_CONF_INT, CONF_OFF(probe_repair_target_s), 1, 31536000, "86400",
     NULL, 0,
     "Service target for the time to repair an outage: an outage longer than "
     "this is reported as an SLA breach."},
    {"load.max.record.bytes", DGP_CONF_INT, CONF_OFF(load_max_record_bytes), 1024, 1073741824,
     "16777216", NULL, 0,
     "Longest record (one JSON line or CSV row, without its line terminator) "
     "that `dgp load` accepts.  A longer one is rejected as too_long with its "
     "first load.max.record.bytes bytes kept, and skipped up to the next newline "
     "without holding the rest in memory; the read buffer grows to at most this "
     "size."},
    {"load.csv.max.quoted.lines", DGP_CONF_INT, CONF_OFF(load_csv_max_quoted_lines), 1, 1000000,
     "20", NULL, 0,
     "`dgp load`, CSV: most line breaks one quoted field may span.  A quoted "
     "field that spans lines and then runs past this, past load.max.record.bytes "
     "or the end of the file, or closes and is followed by anything but a "
     "delimiter, is taken for a stray quote: only the line holding the opening "
     "quote is rejected (malformed) and splitting resumes at the next line."},
    {"load.skip.unchanged.chunks", DGP_CONF_BOOL, CONF_OFF(load_skip_unchanged_chunks), 0, 1,
     "true", NULL, 0,
     "`dgp load`: skip, without parsing them, the chunks of a file that are "
     "byte for byte those of the resource's last complete file load (same "
     "parse options, CSV header, fields and rules, and no write to the "
     "resource since); their records count as unchanged (skipped).  Chunks end "
     "after records chosen by their own bytes, so an inserted or deleted record "
     "changes only its chunk.  false parses every record (README: Bulk load)."},
    {"load.chunk.bits", DGP_CONF_INT, CONF_OFF(load_chunk_bits), 0, 16, "6", NULL, 0,
     "`dgp load`: a chunk holds 2^bits records on average (6: 64).  Smaller "
     "chunks skip more of a file whose changes are scattered; each chunk costs "
     "16 bytes in dgp_ops.file_chunks."},
    {"batch.max.rows", DGP_CONF_INT, CONF_OFF(batch_max_rows), 1, 10000000, "20000", NULL, 0,
     "Records per batch: one PostgreSQL transaction writes one batch.  Larger "
     "batches amortise round trips; memory grows with them (about 2 KiB per "
     "record)."},
    {"batch.pipelined", DGP_CONF_BOOL, CONF_OFF(batch_pipelined), 0, 1, "true", NULL, 0,
     "`dgp load` and `dgp run`: a second thread writes a batch to PostgreSQL "
     "while the next one is read and normalised, so both cores work; each "
     "resource then holds two batches in memory.  One batch is in flight at a "
     "time and offsets are committed in order, as with false, which writes "
     "each batch before reading on (benchmarks/RESULTS.md: what it buys)."},
    {"golden.batch.keys", DGP_CONF_INT, CONF_OFF(golden_batch_keys), 1, 100000000, "20000", NULL, 0,
     "Golden worker: queued golden keys (dgp_ops.golden_queue) refreshed in one "
     "transaction, with one call of the base's refresh function per base.  The "
     "queue holds one row of keys per batch and a row is never split: a chunk "
     "takes whole rows up to this many keys, or the first row alone when it "
     "holds more.  A "
     "crash loses nothing: the chunk's keys go back to the queue.  Larger chunks "
     "were not faster on a first load of 200,000 persons (100,000: 18.5 s, "
     "20,000: 16.1 s; benchmarks/RESULTS.md) and hold their locks longer."},
    {"golden.interval.ms", DGP_CONF_INT, CONF_OFF(golden_interval_ms), 10, 86400000, "1000", NULL,
     0,
     "`dgp run`, `dgp load` (while it reads its files) and `dgp golden`: time "
     "between two drains of the golden queue (each drain refreshes every "
     "queued key, in chunks of golden.batch.keys).  In `dgp run` and `dgp "
     "load` each batch that wrote rows also starts the next drain at once (within "
     "20 ms), so this is the longest wait."},
    {"dedup.key.hash.bits", DGP_CONF_INT, CONF_OFF(dedup_key_hash_bits), 1, 64, "64", NULL, 0,
     "Bits of the xxh3 key hash the dedup cache keeps.  Leave at 64; tests set "
     "it low to force key-hash collisions and show they cost extra merges, "
     "never a lost change."},
    {"batch.max.ms", DGP_CONF_INT, CONF_OFF(batch_max_ms), 1, 3600000, "1000", NULL, 0,
     "`dgp run`: a batch that is not full is written once its first record is "
     "this old, so latency stays bounded when traffic is low."},
    {"shutdown.timeout.ms", DGP_CONF_INT, CONF_OFF(shutdown_timeout_ms), 100, 3600000, "30000",
     NULL, 0,
     "`dgp run`: after SIGTERM or SIGINT, how long finishing the batch in flight, "
     "committing it and leaving the consumer group may take.  Past it dgp exits "
     "1 without committing the rest (nothing is lost: those messages are read "
     "again).  The golden worker's last drain takes new chunks until three "
     "quarters of it have passed; the keys left stay queued for the next "
     "`dgp run` or `dgp golden`."},
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
     "`dgp run`: the topics to consume, comma-separated catalog topic names "
     "(`run.topic.prefix` is prepended to each); an entry starting with `^` is a "
     "regular expression (librdkafka's syntax) used as given, so it must match "
     "the prefixed names.  Empty: every topic the catalog names.  A topic no "
     "catalog resource names is not consumed."},
    {"run.topic.prefix", DGP_CONF_STR, CONF_OFF(run_topic_prefix), 0, 0, "", NULL, 0,
     "`dgp run`: prepended to the catalog's topic names and to the names in "
     "`run.topics` (e.g. `prod.` or a per-test prefix); a topic maps to its "
     "resource with the prefix removed."},
    {"run.kafka.timeout.ms", DGP_CONF_INT, CONF_OFF(run_kafka_timeout_ms), 100, 3600000, "10000",
     NULL, 0,
     "`dgp run`: how long to wait for the Kafka brokers at start before giving "
     "up with an error (exit 1)."},
    {"norm.utc.offset.minutes", DGP_CONF_INT, CONF_OFF(norm_utc_offset_minutes), -720, 840, "480",
     NULL, 0,
     "Time zone the normalisers work in, as minutes east of UTC (480 = UTC+8, "
     "Asia/Shanghai; China has kept one offset, without summer time, since 1991).  "
     "\"Today\" for `max_date=today` is this zone's date, a datetime without an "
     "offset is a wall-clock time in this zone, and every datetime is written with "
     "this offset; `dgp load` and `dgp run` set the PostgreSQL session TimeZone "
     "to the same fixed offset so timestamptz keys read back identically."},
    {"run.log.interval.ms", DGP_CONF_INT, CONF_OFF(run_log_interval_ms), 100, 86400000, "10000",
     NULL, 0,
     "`dgp run`: interval of the progress log line (records/s, rows committed, "
     "consumer lag)."},
};

#define NPROPS (sizeof(props) / sizeof(props[0]))

typedef struct passthrough {
	char *key; /* without prefix */
	char *value;
	dgp_conf_source_t source;
	char *where;
} passthrough_t;

struct dgp_config_private {
	dgp_conf_source_t source[NPROPS];
	char *where[NPROPS];    /* "path:line" for FILE */
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

static dgp_err_t config_set_prop(dgp_config_t *cfg, size_t idx, const char *value, char *errstr,
                                 size_t errstr_size)
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
			                      "value %lld for %s is out of range %lld..%lld", v,
			                      p->name, (long long)p->min, (long long)p->max);
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

void dgp_config_set_passthrough(dgp_config_t *cfg, const char *prefix, dgp_conf_passthrough_fn *fn,
                                void *opaque)
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

static void passthrough_store(struct dgp_config_private *pv, const char *key, const char *value,
                              dgp_conf_source_t src, const char *where)
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
	pv->pt[pv->pt_n++] = (passthrough_t){xstrdup_or_null(key), xstrdup_or_null(value), src,
	                                     xstrdup_or_null(where)};
}

static dgp_err_t config_set_src(dgp_config_t *cfg, const char *key, const char *value,
                                dgp_conf_source_t src, const char *where, char *errstr,
                                size_t errstr_size)
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
		dgp_err_t err =
		    pv->pt_fn ? pv->pt_fn(key + plen, value, errstr, errstr_size, pv->pt_opaque)
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

dgp_err_t dgp_config_set(dgp_config_t *cfg, const char *key, const char *value, char *errstr,
                         size_t errstr_size)
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

dgp_err_t dgp_config_load_file(dgp_config_t *cfg, const char *path, char *errstr,
                               size_t errstr_size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO,
		                      "could not open configuration file \"%s\": %s", path,
		                      strerror(errno));
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
			                     "%s: expected key = value, found \"%.40s\"", where, s);
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
		                     "could not read configuration file \"%s\": %s", path,
		                     strerror(errno));
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

dgp_err_t dgp_config_load_env(dgp_config_t *cfg, char *const *envp, char *errstr,
                              size_t errstr_size)
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
		dgp_err_t err =
		    config_set_src(cfg, key, eq + 1, DGP_CONF_SRC_ENV, NULL, msg, sizeof(msg));
		if (err == DGP_ERR_CONF_UNKNOWN && pt)
			continue; /* e.g. DGP_KAFKA_HOME from the scripts: not ours */
		if (err != DGP_OK)
			return dgp_errstr_set(errstr, errstr_size, err,
			                      "environment variable %.*s: %s", (int)(eq - *e), *e,
			                      msg);
	}
	return DGP_OK;
}

dgp_conf_source_t dgp_config_source(const dgp_config_t *cfg, const char *key, const char **where)
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

/*
 * Passthrough keys whose value is a secret.  librdkafka's secret properties
 * (sasl.password, ssl.key.password, ssl.keystore.password,
 * sasl.oauthbearer.client.secret, ssl.key.pem, sasl.oauthbearer.config,
 * sasl.oauthbearer.assertion.private.key.passphrase, …) all contain one of
 * these words; matching words rather than a list also covers properties a
 * newer librdkafka adds.
 */
static bool key_names_secret(const char *key)
{
	static const char *const words[] = {
	    "password", "passphrase", "secret", "private",   "key.pem", "sasl.oauthbearer.config",
	    "ssl.key",  "ssl_key",    "token",  "credential"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(key, words[i]))
			return true;
	return false;
}

/* libpq connection keywords whose value is a secret (its "*" display fields). */
static bool conninfo_key_secret(const char *k, size_t n)
{
	static const char *const keys[] = {"password", "sslpassword", "oauth_client_secret"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == n && strncmp(k, keys[i], n) == 0)
			return true;
	return false;
}

/* Bounded writer into the caller's buffer; truncation only ever drops text. */
typedef struct {
	char *out;
	size_t size, len;
} redact_out_t;

static void rput(redact_out_t *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n && w->len + 1 < w->size; i++)
		w->out[w->len++] = s[i];
	w->out[w->len] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode a URI query key of n bytes into buf; false when too long. */
static bool uri_decode_key(const char *k, size_t n, char *buf, size_t buf_size)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (o + 1 >= buf_size)
			return false;
		if (k[i] == '%' && i + 2 < n && hexval(k[i + 1]) >= 0 && hexval(k[i + 2]) >= 0) {
			buf[o++] = (char)(hexval(k[i + 1]) * 16 + hexval(k[i + 2]));
			i += 2;
		} else {
			buf[o++] = k[i];
		}
	}
	buf[o] = '\0';
	return true;
}

/*
 * URI form (libpq's conninfo_uri_parse): postgresql://[user[:password]@]hosts[/db][?k=v&…].
 * The password of the userinfo and every secret query parameter become ***.
 */
static void redact_uri(const char *v, size_t scheme_len, redact_out_t *w)
{
	const char *p = v + scheme_len;
	rput(w, v, scheme_len);
	size_t auth = strcspn(p, "@/?");
	if (p[auth] == '@') {
		size_t user = strcspn(p, ":@");
		rput(w, p, user);
		if (p[user] == ':')
			rput(w, ":***", 4);
		p += auth;
	}
	size_t rest = strcspn(p, "?");
	rput(w, p, rest);
	p += rest;
	while (*p) { /* '?' or '&' then key[=value] */
		rput(w, p, 1);
		p++;
		size_t klen = strcspn(p, "=&");
		char key[64];
		bool decoded = uri_decode_key(p, klen, key, sizeof(key));
		for (const char *k = key; decoded && *k; k++)
			decoded = isalnum((unsigned char)*k) || *k == '_';
		if (!decoded) { /* no keyword libpq knows: where a secret ends is unknown */
			rput(w, "***", 3);
			return;
		}
		bool secret = conninfo_key_secret(key, strlen(key));
		rput(w, p, klen);
		p += klen;
		if (*p == '=') {
			size_t vlen = strcspn(p + 1, "&");
			if (secret)
				rput(w, "=***", 4);
			else
				rput(w, p, vlen + 1);
			p += vlen + 1;
		}
	}
}

/*
 * Keyword/value form, parsed as libpq's conninfo_parse() does: `key [ws] =
 * [ws] value`, value either single-quoted (with \' and \\) or up to the next
 * white space (with \-escapes).  Text between the pairs is kept as written;
 * the value of a secret keyword becomes ***.  Text libpq could not parse
 * either is hidden from there on, since where its secret ends is unknown.
 */
static void redact_keyword_value(const char *v, redact_out_t *w)
{
	const char *p = v;
	for (;;) {
		const char *ws = p;
		while (isspace((unsigned char)*p))
			p++;
		rput(w, ws, (size_t)(p - ws));
		if (!*p)
			return;
		const char *key = p;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		size_t klen = (size_t)(p - key);
		bool keyword = klen > 0; /* libpq's keywords are [a-z_]; anything else it refuses */
		for (size_t i = 0; i < klen && keyword; i++)
			keyword = isalnum((unsigned char)key[i]) || key[i] == '_';
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=' || !keyword) { /* not a conninfo libpq reads: hide the rest */
			rput(w, "***", 3);
			return;
		}
		p++;
		while (isspace((unsigned char)*p))
			p++;
		const char *val = p;
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p) { /* unterminated quote */
				rput(w, key, (size_t)(val - key));
				rput(w, "***", 3);
				return;
			}
			p++;
		} else {
			for (; *p && !isspace((unsigned char)*p); p++)
				if (*p == '\\' && p[1])
					p++;
		}
		rput(w, key, (size_t)(val - key));
		if (conninfo_key_secret(key, klen))
			rput(w, "***", 3);
		else
			rput(w, val, (size_t)(p - val));
	}
}

/*
 * A "password=" the parse left readable where some reader could take it for a
 * parameter (after a separator, not followed by ***): the parse and libpq may
 * disagree on text that strange, so none of it is shown.
 */
static bool password_left(const char *out)
{
	for (const char *p = out; (p = strstr(p, "password=")) != NULL; p++) {
		bool sep = p == out || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '?' ||
		           p[-1] == '&' || p[-1] == 'l'; /* sslpassword= */
		const char *v = p + 9; /* "***", or its start where the buffer cut it short */
		bool masked = strncmp(v, "***", 3) == 0 || (*v && strspn(v, "*") == strlen(v));
		if (sep && !masked)
			return true;
	}
	return false;
}

/* Replace every secret of a libpq keyword/value string or URI by ***. */
static void redact_conninfo(const char *v, char *out, size_t out_size)
{
	redact_out_t w = {out, out_size, 0};
	out[0] = '\0';
	static const char *const schemes[] = {"postgresql://", "postgres://"};
	bool uri = false;
	for (size_t i = 0; i < 2 && !uri; i++) {
		if (strncmp(v, schemes[i], strlen(schemes[i])) == 0) {
			redact_uri(v, strlen(schemes[i]), &w);
			uri = true;
		}
	}
	if (!uri)
		redact_keyword_value(v, &w);
	if (password_left(out))
		snprintf(out, out_size, "***");
}

/* A table key whose value is a libpq connection string (or a list holding some). */
static bool key_is_conninfo(const char *key)
{
	return strcmp(key, "pg.conninfo") == 0;
}

const char *dgp_config_redact(const char *key, const char *value, char *out, size_t out_size)
{
	if (out_size == 0)
		return out;
	if (key_is_conninfo(key)) {
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

/* Whether key = value shows a secret, i.e. redaction changes it. */
static bool value_holds_secret(const char *key, const char *value)
{
	char red[4096];
	if (!value || !*value)
		return false;
	return strcmp(dgp_config_redact(key, value, red, sizeof(red)), value) != 0;
}

bool dgp_config_file_secret_key(const dgp_config_t *cfg, char *key, size_t key_size)
{
	const struct dgp_config_private *pv = cfg->priv;
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		if (pv->source[i] == DGP_CONF_SRC_FILE &&
		    value_holds_secret(props[i].name, dgp_config_value(cfg, props[i].name))) {
			snprintf(key, key_size, "%s", props[i].name);
			return true;
		}
	}
	for (size_t i = 0; i < pv->pt_n; i++) {
		char full[512];
		snprintf(full, sizeof(full), "%s%s", pv->pt_prefix ? pv->pt_prefix : "",
		         pv->pt[i].key);
		if (pv->pt[i].source == DGP_CONF_SRC_FILE &&
		    value_holds_secret(full, pv->pt[i].value)) {
			snprintf(key, key_size, "%s", full);
			return true;
		}
	}
	return false;
}

size_t dgp_config_passthrough_count(const dgp_config_t *cfg)
{
	return cfg->priv->pt_n;
}

void dgp_config_passthrough_get(const dgp_config_t *cfg, size_t i, const char **key,
                                const char **value)
{
	*key = cfg->priv->pt[i].key;
	*value = cfg->priv->pt[i].value;
}
