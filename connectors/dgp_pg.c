/*
 * dgp_pg.c — connecting to PostgreSQL and the one classification of its
 * errors (connection lost / login refused / row refused / other) that every
 * caller decides on.
 */
#include "dgp_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dgp_clock.h"
#include "dgp_log.h"

/* libpq messages end with a newline; errstr does not. */
static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

dgp_err_t dgp_pg_connect(const char *conninfo, int64_t timeout_ms, PGconn **conn, char *errstr,
                         size_t errstr_size)
{
	static const char *const keys[] = {"dbname", "application_name", "client_encoding", NULL};
	const char *vals[] = {conninfo ? conninfo : "", "dgp", "UTF8", NULL};
	int64_t deadline = dgp_clock_mono_ms() + timeout_ms;
	int64_t backoff = 100;

	*conn = NULL;
	for (;;) {
		/* expand_dbname=1: conninfo is parsed as a full connection string. */
		PGconn *c = PQconnectdbParams(keys, vals, 1);
		if (c && PQstatus(c) == CONNECTION_OK) {
			*conn = c;
			return DGP_OK;
		}
		dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG_CONN, "%s",
		               c ? PQerrorMessage(c) : "out of memory");
		chomp(errstr);
		bool refused = c && dgp_pg_login_class(PQerrorMessage(c)) == DGP_PG_AUTH;
		PQfinish(c);
		if (refused) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s", errstr);
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG_AUTH, "%s", msg);
		}
		if (dgp_clock_mono_ms() + backoff > deadline)
			return DGP_ERR_PG_CONN;
		dgp_log(DGP_LOG_DEBUG, "pg", "connect failed, retrying in %lld ms: %s",
		        (long long)backoff, errstr);
		dgp_clock_sleep_ms(backoff);
		backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
	}
}

/* SQLSTATE classes that say the session is gone, the login refused, or nothing about a row. */
static bool sqlstate_in(const char *s, const char *const *prefixes)
{
	for (size_t i = 0; prefixes[i]; i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static bool sqlstate_wellformed(const char *s)
{
	if (strlen(s) != 5)
		return false;
	for (int i = 0; i < 5; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

dgp_pg_class_t dgp_pg_classify(ConnStatusType conn, ExecStatusType status, const char *sqlstate)
{
	static const char *const lost[] = {"08", "57P0", NULL};
	static const char *const auth[] = {"28", "3D000", NULL};
	static const char *const other[] = {"0A", "25", "3B", "40", "42", "53",
	                                    "55", "57", "58", "F0", "XX", NULL};
	if (conn == CONNECTION_BAD)
		return DGP_PG_CONN_LOST;
	switch (status) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
	case PGRES_SINGLE_TUPLE:
	case PGRES_PIPELINE_SYNC:
		return DGP_PG_OK;
	default:
		break;
	}
	/* Errors without a SQLSTATE are libpq's own (a broken protocol, a failed send). */
	if (!sqlstate || !*sqlstate)
		return DGP_PG_CONN_LOST;
	if (!sqlstate_wellformed(sqlstate))
		return DGP_PG_OTHER;
	if (sqlstate_in(sqlstate, lost))
		return DGP_PG_CONN_LOST;
	if (sqlstate_in(sqlstate, auth))
		return DGP_PG_AUTH;
	if (sqlstate_in(sqlstate, other))
		return DGP_PG_OTHER;
	return DGP_PG_ROW_REFUSED;
}

dgp_pg_class_t dgp_pg_sqlstate_class(const char *sqlstate)
{
	return dgp_pg_classify(CONNECTION_OK, PGRES_FATAL_ERROR, sqlstate);
}

/*
 * The server's messages for a refused login (28000, 28P01, 3D000, 42704 …)
 * and libpq's own for a missing password; retrying those only delays the
 * operator's fix.
 */
dgp_pg_class_t dgp_pg_login_class(const char *msg)
{
	static const char *const refused[] = {"password authentication failed",
	                                      "no pg_hba.conf entry",
	                                      "authentication failed",
	                                      "fe_sendauth: no password supplied",
	                                      "does not exist",
	                                      "SCRAM",
	                                      "not permitted to log in",
	                                      NULL};
	for (int i = 0; msg && refused[i]; i++)
		if (strstr(msg, refused[i]))
			return DGP_PG_AUTH;
	return DGP_PG_CONN_LOST;
}

dgp_err_t dgp_pg_class_err(dgp_pg_class_t cls)
{
	switch (cls) {
	case DGP_PG_OK:
		return DGP_OK;
	case DGP_PG_CONN_LOST:
		return DGP_ERR_PG_CONN;
	case DGP_PG_AUTH:
		return DGP_ERR_PG_AUTH;
	case DGP_PG_ROW_REFUSED:
	case DGP_PG_OTHER:
		break;
	}
	return DGP_ERR_PG;
}

dgp_pg_class_t dgp_pg_result_class(const PGconn *conn, const PGresult *res)
{
	return dgp_pg_classify(PQstatus(conn), res ? PQresultStatus(res) : PGRES_FATAL_ERROR,
	                       res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
}

dgp_err_t dgp_pg_result_err(PGconn *conn, const PGresult *res, char *errstr, size_t errstr_size)
{
	dgp_err_t err = dgp_pg_class_err(dgp_pg_result_class(conn, res));
	if (err == DGP_OK)
		return err;
	if (!res) {
		dgp_errstr_set(errstr, errstr_size, err, "%s", PQerrorMessage(conn));
	} else {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		dgp_errstr_set(errstr, errstr_size, err, "%s: %s", state ? state : "-----",
		               msg ? msg : PQresultErrorMessage(res));
	}
	chomp(errstr);
	return err;
}

dgp_err_t dgp_pg_call_err(PGconn *conn, const char *what, char *errstr, size_t errstr_size)
{
	dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG_CONN, "%s: %s", what, PQerrorMessage(conn));
	chomp(errstr);
	return DGP_ERR_PG_CONN;
}

dgp_err_t dgp_pg_exec(PGconn *conn, const char *sql, char *errstr, size_t errstr_size)
{
	PGresult *res = PQexec(conn, sql);
	dgp_err_t err = dgp_pg_result_err(conn, res, errstr, errstr_size);
	PQclear(res);
	return err;
}

dgp_err_t dgp_pg_set_time_zone(PGconn *conn, int32_t utc_offset_min, char *errstr,
                               size_t errstr_size)
{
	/* POSIX zones count west of UTC: UTC+8 is "<+08>-08", UTC+5:30 "<+0530>-05:30" */
	int a = utc_offset_min < 0 ? -utc_offset_min : utc_offset_min;
	char east = utc_offset_min < 0 ? '-' : '+', west = utc_offset_min < 0 ? '+' : '-';
	char sql[128];
	if (a % 60)
		snprintf(sql, sizeof(sql),
		         "SET TimeZone = '<%c%02d%02d>%c%02d:%02d'; SET DateStyle = 'ISO, YMD'",
		         east, a / 60, a % 60, west, a / 60, a % 60);
	else
		snprintf(sql, sizeof(sql),
		         "SET TimeZone = '<%c%02d>%c%02d'; SET DateStyle = 'ISO, YMD'", east,
		         a / 60, west, a / 60);
	return dgp_pg_exec(conn, sql, errstr, errstr_size);
}

char *dgp_pg_server_version(dgp_arena_t *arena, PGconn *conn)
{
	int v = PQserverVersion(conn);
	return dgp_arena_sprintf(arena, "%d.%d", v / 10000, v % 10000);
}
