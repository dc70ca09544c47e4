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
dgp_err_t dgp_pg_connect(const char *conninfo, int64_t timeout_ms, PGconn **conn, char *errstr,
                         size_t errstr_size) DGP_MUST_CHECK;

/*
 * The one classification of PostgreSQL failures; every caller decides on it
 * (reconnect and retry, stop, split a batch to find a row, give up):
 *   DGP_PG_CONN_LOST    the session is gone or its state unknown: the server
 *                       or libpq said the connection broke (class 08, 57P0x
 *                       shutdown / cannot connect now / idle timeout), the
 *                       connection is CONNECTION_BAD, there is no result, or
 *                       libpq failed on its own (no SQLSTATE): reconnect, retry
 *   DGP_PG_AUTH         the login is refused (class 28, 3D000 unknown
 *                       database): waiting cannot fix it
 *   DGP_PG_ROW_REFUSED  PostgreSQL blames the rows the statement wrote, so
 *                       another split of them can succeed: data exceptions
 *                       (22), integrity constraints (23), cardinality (21),
 *                       trigger RAISEs (P0) and every class not named here
 *   DGP_PG_OTHER        the statement or the server is at fault and no row
 *                       is: transaction state and rollback (25, 40), syntax,
 *                       undefined objects and privileges (42), feature not
 *                       supported (0A), savepoints (3B), resources (53),
 *                       object state and locks (55), operator intervention
 *                       (57 but 57P0x), system and internal errors (58, XX),
 *                       configuration (F0), a malformed SQLSTATE
 */
typedef enum dgp_pg_class {
	DGP_PG_OK = 0,
	DGP_PG_CONN_LOST,
	DGP_PG_AUTH,
	DGP_PG_ROW_REFUSED,
	DGP_PG_OTHER,
} dgp_pg_class_t;

/*
 * dgp_pg_classify — the class of a statement's outcome from the connection's
 * status, the result's status and its SQLSTATE (NULL when the result has
 * none; a missing result is PGRES_FATAL_ERROR with a NULL SQLSTATE).
 * DGP_PG_OK for COMMAND_OK, TUPLES_OK, COPY_IN/OUT/BOTH, SINGLE_TUPLE and
 * PIPELINE_SYNC on a connection that is not CONNECTION_BAD.  Pure: no I/O.
 */
dgp_pg_class_t dgp_pg_classify(ConnStatusType conn, ExecStatusType status, const char *sqlstate);

/*
 * dgp_pg_sqlstate_class — the class of an error PostgreSQL reported with
 * this SQLSTATE on a live connection (e.g. one a PL/pgSQL handler caught and
 * returned): dgp_pg_classify(CONNECTION_OK, PGRES_FATAL_ERROR, sqlstate).
 */
dgp_pg_class_t dgp_pg_sqlstate_class(const char *sqlstate);

/*
 * dgp_pg_login_class — the class of a failed connection attempt from libpq's
 * message (libpq keeps no SQLSTATE for it): DGP_PG_AUTH when the server
 * refused the login (password, unknown role or database, pg_hba.conf, no
 * password to send), DGP_PG_CONN_LOST otherwise (unreachable, refused,
 * too many connections, starting up).  NULL is DGP_PG_CONN_LOST.
 */
dgp_pg_class_t dgp_pg_login_class(const char *msg);

/*
 * dgp_pg_class_err — the dgp_err_t of a class: DGP_OK, DGP_ERR_PG_CONN,
 * DGP_ERR_PG_AUTH, or DGP_ERR_PG for a refused row and every other failure
 * (a caller that tells those apart keeps the class or the SQLSTATE).
 */
dgp_err_t dgp_pg_class_err(dgp_pg_class_t cls);

/*
 * dgp_pg_result_class — dgp_pg_classify() of a live result (res may be NULL)
 * on conn.
 */
dgp_pg_class_t dgp_pg_result_class(const PGconn *conn, const PGresult *res);

/*
 * dgp_pg_result_err — dgp_pg_class_err(dgp_pg_result_class(conn, res)); on a
 * failure errstr gets "SQLSTATE: primary message" ("-----" when there is no
 * SQLSTATE, libpq's message when there is no result), without libpq's
 * trailing newline.
 */
dgp_err_t dgp_pg_result_err(PGconn *conn, const PGresult *res, char *errstr, size_t errstr_size);

/*
 * dgp_pg_call_err — a libpq call that returns a status instead of a result
 * failed (PQputCopyData, PQsendQueryParams, PQenterPipelineMode …): with no
 * SQLSTATE the session's state is unknown, so DGP_ERR_PG_CONN.  errstr gets
 * "what: libpq's message" without the trailing newline.
 */
dgp_err_t dgp_pg_call_err(PGconn *conn, const char *what, char *errstr, size_t errstr_size);

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
