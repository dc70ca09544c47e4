/*
 * dgp_err.h — the one error enum of dgp and its code → string table.
 *
 * Every function that can fail returns dgp_err_t (or bool) and is marked
 * DGP_MUST_CHECK.  0 is success; negative values are local errors.  Values
 * that come from PostgreSQL or Kafka are mapped into a few classes here so
 * that callers can decide (retry, give up, reroute a batch) without looking
 * at SQLSTATEs or rd_kafka_resp_err_t; the detailed text travels in the
 * caller's errstr buffer.
 */
#ifndef DGP_ERR_H
#define DGP_ERR_H

#include <stddef.h>

#define DGP_MUST_CHECK        __attribute__((warn_unused_result))
#define DGP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

typedef enum dgp_err {
	DGP_OK = 0,
	DGP_ERR_INVALID = -1,      /* invalid argument or value */
	DGP_ERR_IO = -2,           /* file or socket I/O failed (see errno text) */
	DGP_ERR_PARSE = -3,        /* malformed input (JSON, CSV, config line) */
	DGP_ERR_CONF_UNKNOWN = -4, /* configuration key not known */
	DGP_ERR_CONF_INVALID = -5, /* configuration value out of type or range */
	DGP_ERR_NOT_FOUND = -6,    /* looked-up object does not exist */
	DGP_ERR_CATALOG = -7,      /* catalog definitions are inconsistent */
	DGP_ERR_TOO_LONG = -8,     /* value exceeds a configured limit */
	DGP_ERR_TIMEOUT = -9,      /* an operation did not finish in time */
	DGP_ERR_STATE = -10,       /* call not valid in the object's state */
	DGP_ERR_PG_CONN = -11,     /* PostgreSQL unreachable or connection lost: retry */
	DGP_ERR_PG_UNIQUE = -12,   /* SQLSTATE 23505: reroute through the merge path */
	DGP_ERR_PG = -13,          /* any other PostgreSQL error: give up the batch */
	DGP_ERR_KAFKA = -14,       /* Kafka client or broker error */
	DGP_ERR_HTTP = -15,        /* HTTP server or probe error */
	DGP_ERR_INTERRUPTED = -16, /* stopped by a signal before finishing */
	DGP_ERR_STALE = -17, /* another writer committed past the batch's start: drop it, re-read */
	DGP_ERR_PG_AUTH =
	    -18, /* PostgreSQL refused the login (password, role, database, pg_hba): do not retry */
	DGP_ERR__END = -19 /* not an error: one past the last code */
} dgp_err_t;

/*
 * dgp_err2str — a short lowercase description of err ("ok" for DGP_OK).
 * Never returns NULL; an unknown code gives "unknown error".  The string is
 * static: do not free it.
 */
const char *dgp_err2str(dgp_err_t err);

/*
 * dgp_err_name — the enum name without prefix, e.g. "PG_UNIQUE", stable for
 * logs and metrics labels.  Never returns NULL.
 */
const char *dgp_err_name(dgp_err_t err);

/*
 * dgp_errstr_set — printf into errstr (if errstr_size > 0) and return err, so
 * that error paths read `return dgp_errstr_set(errstr, size, DGP_ERR_IO, …)`.
 */
dgp_err_t dgp_errstr_set(char *errstr, size_t errstr_size, dgp_err_t err, const char *fmt, ...)
    DGP_PRINTF(4, 5);

#endif /* DGP_ERR_H */
