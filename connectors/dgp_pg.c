/*
 * dgp_pg.c — connecting to PostgreSQL and classifying its errors.
 */
#include "dgp_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dgp_log.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* libpq messages end with a newline; keep errstr one line. */
static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/*
 * login_refused — whether a failed connection's message is the server refusing
 * the login rather than being out of reach.  libpq keeps no SQLSTATE for a failed
 * connection, so the server's messages (28000, 28P01, 3D000, 42704 …) and
 * libpq's own for a missing password are matched; retrying those only delays
 * the operator's fix.
 */
static bool login_refused(const char *msg)
{
	static const char *const refused[] = {
	    "password authentication failed", "no pg_hba.conf entry", "authentication failed",
	    "fe_sendauth: no password supplied", "does not exist", "SCRAM", "not permitted to log in",
	    NULL};
	for (int i = 0; refused[i]; i++)
		if (strstr(msg, refused[i]))
			return true;
	return false;
}

dgp_err_t dgp_pg_connect(const char *conninfo, int64_t timeout_ms, PGconn **conn,
			 char *errstr, size_t errstr_size)
{
	static const char *const keys[] = {"dbname", "application_name",
					   "client_encoding", NULL};
	const char *vals[] = {conninfo ? conninfo : "", "dgp", "UTF8", NULL};
	int64_t deadline = now_ms() + timeout_ms;
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
		bool refused = c && login_refused(PQerrorMessage(c));
		PQfinish(c);
		if (refused) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s", errstr);
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG_AUTH, "%s", msg);
		}
		if (now_ms() + backoff > deadline)
			return DGP_ERR_PG_CONN;
		dgp_log(DGP_LOG_DEBUG, "pg", "connect failed, retrying in %lld ms: %s",
			(long long)backoff, errstr);
		sleep_ms(backoff);
		backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
	}
}

dgp_err_t dgp_pg_result_err(PGconn *conn, const PGresult *res, char *errstr,
			    size_t errstr_size)
{
	if (!res)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG_CONN, "%s",
				      PQerrorMessage(conn));
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
	case PGRES_SINGLE_TUPLE:
	case PGRES_PIPELINE_SYNC:
		return DGP_OK;
	default:
		break;
	}
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	dgp_err_t err = DGP_ERR_PG;
	if (state && strcmp(state, "23505") == 0)
		err = DGP_ERR_PG_UNIQUE;
	else if ((state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0)) ||
		 PQstatus(conn) == CONNECTION_BAD)
		err = DGP_ERR_PG_CONN;
	dgp_errstr_set(errstr, errstr_size, err, "%s: %s", state ? state : "-----",
		       msg ? msg : PQresultErrorMessage(res));
	chomp(errstr);
	return err;
}

bool dgp_pg_sqlstate_is_row_level(const char *s)
{
	static const char batch_level[][3] = {"08", "0A", "25", "3B", "40", "42", "53",
					      "55", "57", "58", "F0", "XX"};
	if (!s || strlen(s) != 5)
		return false;
	for (size_t i = 0; i < sizeof(batch_level) / sizeof(batch_level[0]); i++)
		if (s[0] == batch_level[i][0] && s[1] == batch_level[i][1])
			return false;
	return true;
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
