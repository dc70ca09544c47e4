/*
 * dgp_err.c — code → string table for dgp_err_t.
 *
 * One row per code, indexed by -code, so adding a code is adding a row; the
 * unit test walks every code to make sure no row is missing.
 */
#include "dgp_err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
	const char *name;
	const char *desc;
} err_table[] = {
    [0] = {"OK", "ok"},
    [-DGP_ERR_INVALID] = {"INVALID", "invalid argument or value"},
    [-DGP_ERR_IO] = {"IO", "input/output error"},
    [-DGP_ERR_PARSE] = {"PARSE", "malformed input"},
    [-DGP_ERR_CONF_UNKNOWN] = {"CONF_UNKNOWN", "unknown configuration key"},
    [-DGP_ERR_CONF_INVALID] = {"CONF_INVALID", "invalid configuration value"},
    [-DGP_ERR_NOT_FOUND] = {"NOT_FOUND", "not found"},
    [-DGP_ERR_CATALOG] = {"CATALOG", "catalog definitions are inconsistent"},
    [-DGP_ERR_TOO_LONG] = {"TOO_LONG", "value too long"},
    [-DGP_ERR_TIMEOUT] = {"TIMEOUT", "timed out"},
    [-DGP_ERR_STATE] = {"STATE", "operation not valid in this state"},
    [-DGP_ERR_PG_CONN] = {"PG_CONN", "postgresql connection failed"},
    [-DGP_ERR_PG_AUTH] = {"PG_AUTH", "postgresql refused the login"},
    [-DGP_ERR_PG_UNIQUE] = {"PG_UNIQUE", "postgresql unique violation"},
    [-DGP_ERR_PG] = {"PG", "postgresql error"},
    [-DGP_ERR_KAFKA] = {"KAFKA", "kafka error"},
    [-DGP_ERR_HTTP] = {"HTTP", "http error"},
    [-DGP_ERR_INTERRUPTED] = {"INTERRUPTED", "interrupted"},
    [-DGP_ERR_STALE] = {"STALE", "stale batch: another writer committed past its start"},
};

_Static_assert(sizeof(err_table) / sizeof(err_table[0]) == (size_t)-DGP_ERR__END,
               "err_table must have one row per dgp_err_t code");

static int err_index(dgp_err_t err)
{
	if (err > 0 || err <= DGP_ERR__END)
		return -1;
	return -(int)err;
}

const char *dgp_err2str(dgp_err_t err)
{
	int i = err_index(err);
	return i < 0 ? "unknown error" : err_table[i].desc;
}

const char *dgp_err_name(dgp_err_t err)
{
	int i = err_index(err);
	return i < 0 ? "UNKNOWN" : err_table[i].name;
}

dgp_err_t dgp_errstr_set(char *errstr, size_t errstr_size, dgp_err_t err, const char *fmt, ...)
{
	if (errstr && errstr_size > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errstr, errstr_size, fmt, ap);
		va_end(ap);
	}
	return err;
}
