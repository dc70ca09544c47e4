/*
 * dgp_pg.h — PostgreSQL connection helpers shared by the sink, the catalog
 * sync and the probes: connect with a deadline, map errors to dgp_err_t,
 * quote identifiers.
 *
 * Values never go into SQL text: they travel through COPY or as parameters
 * of PQexecParams.  Identifiers (schema, table, column names that come from
 * the catalog) always go through dgp_sql_quote_ident() (pipeline/dgp_sql.h).
 */
#ifndef DGP_PG_H
#define DGP_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "dgp_arena.h"
#include "dgp_err.h"

/*
 * dgp_pg_connect — connect with conninfo (libpq keyword/value string or URI;
 * "" means libpq's environment defaults), retrying with backoff until
 * timeout_ms has passed.  Sets the session's application_name to "dgp" and
 * client_encoding to UTF8.  On success *conn is an open connection the
 * caller owns (PQfinish); on failure *conn is NULL and errstr holds libpq's
 * last message (without the password).  Returns DGP_OK, DGP_ERR_PG_CONN
 * (unreachable until the timeout), or DGP_ERR_PG_AUTH at once when the server
 * refuses the login (wrong password, unknown role or database, pg_hba.conf):
 * waiting cannot fix those.
 */
dgp_err_t dgp_pg_connect(const char *conninfo, int64_t timeout_ms, PGconn **conn,
			 char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_result_err — classify a result: DGP_OK for COMMAND_OK/TUPLES_OK/
 * COPY_IN/COPY_OUT, DGP_ERR_PG_UNIQUE for SQLSTATE 23505, DGP_ERR_PG_CONN
 * for connection-class failures (08xxx, 57P0x, a NULL result or a bad
 * connection), DGP_ERR_PG otherwise.  errstr gets "SQLSTATE: message".
 */
dgp_err_t dgp_pg_result_err(PGconn *conn, const PGresult *res, char *errstr,
			    size_t errstr_size);

/*
 * dgp_pg_sqlstate_is_row_level — does PostgreSQL blame this failure on the
 * rows a statement wrote (so another split of the rows can succeed)?  True
 * for data exceptions (22), integrity constraints (23), cardinality (21),
 * trigger RAISEs (P0) and every other class, except those that say nothing
 * about a row: connection (08), transaction state and rollback (25, 40),
 * syntax, undefined objects and privileges (42), feature not supported
 * (0A), resources (53), object state and locks (55), operator intervention
 * (57), system and internal errors (58, XX), configuration (F0), savepoints
 * (3B).  False for NULL, "" or a malformed state.
 */
bool dgp_pg_sqlstate_is_row_level(const char *sqlstate);

/*
 * dgp_pg_set_time_zone — set the session TimeZone to the fixed offset
 * utc_offset_min minutes east of UTC (a POSIX zone such as '<+08>-08':
 * no history, no summer time) and DateStyle to ISO, so a timestamptz
 * reads back, as text, exactly in the datetime rule's canonical spelling
 * (dgp_norm_date.c).  Returns DGP_OK or the error of the SET.
 */
dgp_err_t dgp_pg_set_time_zone(PGconn *conn, int32_t utc_offset_min, char *errstr,
			       size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_pg_exec — run one or more SQL commands that return no rows, with no
 * parameters (schema DDL, BEGIN/COMMIT).  Returns as dgp_pg_result_err().
 */
dgp_err_t dgp_pg_exec(PGconn *conn, const char *sql, char *errstr,
		      size_t errstr_size) DGP_MUST_CHECK;

/* dgp_pg_server_version — "15.18" style text of the server's version, in arena. */
char *dgp_pg_server_version(dgp_arena_t *arena, PGconn *conn);

#endif /* DGP_PG_H */
