/*
 * dgp_config.h — dgp's configuration: one declarative table, one setter.
 *
 * Sources, later ones overriding earlier ones:
 *   1. the table's defaults,
 *   2. the key=value file (dgp.conf; `#` comments, blank lines ignored),
 *   3. environment variables: DGP_ + the key upper-cased with '.' → '_'
 *      (pg.conninfo ← DGP_PG_CONNINFO).
 * Keys under a registered passthrough prefix (`kafka.`) that are not in the
 * table are handed, without the prefix, to the passthrough validator (cli/
 * installs one that calls rd_kafka_conf_set) and kept in order for the
 * connector that builds the client configuration.
 *
 * Unknown keys and invalid values in the file are errors naming file and
 * line; an unknown DGP_* environment variable is ignored (the environment is
 * shared with the scripts), but an invalid value for a known key is an error.
 *
 * CONFIGURATION.md is generated from the table (`dgp config doc`); a test
 * fails when the committed file is stale.
 */
#ifndef DGP_CONFIG_H
#define DGP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_err.h"

/* The effective configuration.  Read fields directly; set them only through dgp_config_set(). */
typedef struct dgp_config {
	char *log_level;                          /* log.level */
	char *pg_conninfo;                        /* pg.conninfo */
	int64_t pg_connect_timeout_ms;            /* pg.connect.timeout.ms */
	int64_t pg_copy_direct;                   /* pg.copy.direct (bool) */
	char *kafka_brokers;                      /* kafka.brokers */
	char *catalog_dir;                        /* catalog.dir */
	char *catalog_timezone;                   /* catalog.timezone */
	char *http_listen;                        /* http.listen */
	int64_t http_threads;                     /* http.threads */
	int64_t http_connection_limit;            /* http.connection.limit */
	int64_t http_connection_limit_per_client; /* http.connection.limit.per.client */
	int64_t http_timeout_ms;                  /* http.timeout.ms */
	int64_t metrics_catalog_interval_ms;      /* metrics.catalog.interval.ms */
	char *probe_targets;                      /* probe.targets */
	int64_t probe_interval_ms;                /* probe.interval.ms */
	int64_t probe_timeout_ms;                 /* probe.timeout.ms */
	int64_t probe_repair_target_s;            /* probe.repair.target.s */
	int64_t load_max_record_bytes;            /* load.max.record.bytes */
	int64_t load_csv_max_quoted_lines;        /* load.csv.max.quoted.lines */
	int64_t load_skip_unchanged_chunks;       /* load.skip.unchanged.chunks (bool) */
	int64_t load_chunk_bits;                  /* load.chunk.bits */
	int64_t batch_max_rows;                   /* batch.max.rows */
	int64_t batch_pipelined;                  /* batch.pipelined (bool) */
	int64_t golden_batch_keys;                /* golden.batch.keys */
	int64_t golden_interval_ms;               /* golden.interval.ms */
	int64_t dedup_key_hash_bits;              /* dedup.key.hash.bits */
	int64_t batch_max_ms;                     /* batch.max.ms */
	int64_t shutdown_timeout_ms;              /* shutdown.timeout.ms */
	char *reject_topic;                       /* reject.topic */
	char *unknown_fields_strict;              /* unknown.fields.strict */
	char *run_topics;                         /* run.topics */
	char *run_topic_prefix;                   /* run.topic.prefix */
	int64_t run_kafka_timeout_ms;             /* run.kafka.timeout.ms */
	int64_t run_log_interval_ms;              /* run.log.interval.ms */
	int64_t norm_utc_offset_minutes;          /* norm.utc.offset.minutes */

	struct dgp_config_private *priv; /* sources, passthrough list: not for callers */
} dgp_config_t;

typedef enum dgp_conf_type {
	DGP_CONF_STR,
	DGP_CONF_INT,
	DGP_CONF_BOOL,
	DGP_CONF_ENUM, /* a string restricted to `choices` */
} dgp_conf_type_t;

#define DGP_CONF_F_SECRET 0x1 /* value may hold a secret: redacted in dumps */

/* One row of the table.  The table is static and read-only. */
typedef struct dgp_conf_prop {
	const char *name;
	dgp_conf_type_t type;
	size_t offset;       /* of the field in dgp_config_t */
	int64_t min, max;    /* for INT */
	const char *defval;  /* default as text */
	const char *choices; /* for ENUM: "a,b,c" */
	int flags;
	const char *desc; /* one or two sentences for CONFIGURATION.md */
} dgp_conf_prop_t;

/*
 * Validates a passthrough key (already stripped of its prefix).  Returns
 * DGP_OK, DGP_ERR_CONF_UNKNOWN or DGP_ERR_CONF_INVALID with errstr filled.
 */
typedef dgp_err_t dgp_conf_passthrough_fn(const char *key, const char *value, char *errstr,
                                          size_t errstr_size, void *opaque);

/* Where a value came from, for `dgp config dump`. */
typedef enum dgp_conf_source {
	DGP_CONF_SRC_DEFAULT,
	DGP_CONF_SRC_FILE,
	DGP_CONF_SRC_ENV,
	DGP_CONF_SRC_SET, /* dgp_config_set() by the program */
} dgp_conf_source_t;

/* dgp_config_props — the table, n rows.  Static storage. */
const dgp_conf_prop_t *dgp_config_props(size_t *n);

/* dgp_config_new — a config holding the defaults.  Never NULL; free with dgp_config_destroy(). */
dgp_config_t *dgp_config_new(void);
void dgp_config_destroy(dgp_config_t *cfg);

/*
 * dgp_config_set_passthrough — register prefix (e.g. "kafka.", kept by
 * reference: pass a literal) and its validator.  One prefix per config.
 */
void dgp_config_set_passthrough(dgp_config_t *cfg, const char *prefix, dgp_conf_passthrough_fn *fn,
                                void *opaque);

/*
 * dgp_config_set — set key to value (text form, parsed per the table).
 * Returns DGP_OK, DGP_ERR_CONF_UNKNOWN or DGP_ERR_CONF_INVALID; errstr gets
 * a message naming the key.  On error the old value is kept.
 */
dgp_err_t dgp_config_set(dgp_config_t *cfg, const char *key, const char *value, char *errstr,
                         size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_config_load_file — apply a key=value file.  Stops at the first error;
 * errstr then reads "FILE:LINE: message".  Keys set before the error stay
 * set: load into a fresh config and swap on success (a failed reload keeps
 * the old config).
 */
dgp_err_t dgp_config_load_file(dgp_config_t *cfg, const char *path, char *errstr,
                               size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_config_load_env — apply DGP_* variables of envp (NULL-terminated,
 * e.g. `environ`) for table keys and passthrough keys.  For a passthrough
 * key the validator decides: UNKNOWN is ignored, INVALID is an error.
 */
dgp_err_t dgp_config_load_env(dgp_config_t *cfg, char *const *envp, char *errstr,
                              size_t errstr_size) DGP_MUST_CHECK;

/* dgp_config_source — where key's current value came from, and (for FILE) the "path:line". */
dgp_conf_source_t dgp_config_source(const dgp_config_t *cfg, const char *key, const char **where);

/*
 * dgp_config_value — current value of a table key as text, or NULL for an
 * unknown key.  The string lives until the key is set again.
 */
const char *dgp_config_value(const dgp_config_t *cfg, const char *key);

/*
 * dgp_config_redact — value with secrets hidden: for pg.conninfo the value
 * of every secret libpq keyword (password, sslpassword, …) whatever the
 * spacing or quoting, and the password of a URI's userinfo or query; for
 * secret keys and passthrough keys that name a password, secret, passphrase
 * or private key the whole value.  A conninfo libpq could not parse is
 * hidden from the unparsable part on.  Writes into out (NUL-terminated,
 * truncated to out_size) and returns out.
 */
const char *dgp_config_redact(const char *key, const char *value, char *out, size_t out_size);

/*
 * dgp_config_file_secret_key — whether a value set from the configuration
 * file holds a secret (redaction would change it); if so the first such key
 * is written into key.  The CLI warns when that file is readable by others.
 */
bool dgp_config_file_secret_key(const dgp_config_t *cfg, char *key, size_t key_size) DGP_MUST_CHECK;

/* Passthrough entries, in the order they were set (later duplicates replace earlier ones). */
size_t dgp_config_passthrough_count(const dgp_config_t *cfg);
void dgp_config_passthrough_get(const dgp_config_t *cfg, size_t i, const char **key,
                                const char **value);

#endif /* DGP_CONFIG_H */
