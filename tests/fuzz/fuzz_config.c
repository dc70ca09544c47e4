/*
 * fuzz_config.c — libFuzzer harness for the configuration file parser
 * (dgp_config_load_file in pipeline/dgp_config.c).
 *
 *   fuzzer bytes = the whole dgp.conf ──memfd──▶ dgp_config_load_file
 *
 * A passthrough prefix "kafka." is registered with a validator that
 * refuses keys starting with 'x' (unknown) and values starting with '!'
 * (invalid), so both error paths are reachable.  Invariants:
 *   - the status is OK, parse, unknown or invalid; an error's message is a
 *     terminated string "PATH:LINE: …" with LINE inside the file;
 *   - a loaded config written back out as "key = value" lines (every table
 *     key, every passthrough key) loads again without error into a fresh
 *     config with the same values: dump and load are inverse;
 *   - dgp_config_redact never writes past its buffer, always terminates,
 *     and leaves no "password=" of pg.conninfo unmasked.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dgp_config.h"
#include "dgp_sql.h"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

static dgp_err_t passthrough(const char *key, const char *value, char *errstr, size_t errstr_size,
                             void *opaque)
{
	(void)opaque;
	if (key[0] == 'x')
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_UNKNOWN,
		                      "unknown passthrough key \"%s\"", key);
	if (value[0] == '!')
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
		                      "invalid value for \"%s\"", key);
	return DGP_OK;
}

static dgp_config_t *config_new(void)
{
	dgp_config_t *c = dgp_config_new();
	dgp_config_set_passthrough(c, "kafka.", passthrough, NULL);
	return c;
}

/* Write text into a fresh memfd; returns the fd, its path in path. */
static int memfile(const void *text, size_t n, char *path, size_t path_size)
{
	int fd = memfd_create("dgp.conf", 0);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		fail("memfd");
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

static void check_error(dgp_err_t e, const char *err, size_t err_size, const char *path,
                        const uint8_t *data, size_t size)
{
	if (e != DGP_ERR_PARSE && e != DGP_ERR_CONF_UNKNOWN && e != DGP_ERR_CONF_INVALID)
		fail("unexpected status");
	if (!memchr(err, '\0', err_size) || !err[0])
		fail("error message empty or not terminated");
	size_t pl = strlen(path);
	if (strncmp(err, path, pl) != 0 || err[pl] != ':')
		fail("error message does not start with the file name");
	char *end;
	unsigned long line = strtoul(err + pl + 1, &end, 10);
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (end == err + pl + 1 || *end != ':' || line < 1 || line > lines)
		fail("error message names no line of the file");
}

static void check_redact(const char *key, const char *value)
{
	size_t n = strlen(value);
	size_t cap = 2 * n + 16;
	char *out = malloc(cap);
	dgp_config_redact(key, value, out, cap);
	if (!memchr(out, '\0', cap) || strlen(out) + 1 >= cap)
		fail("redact: output unterminated or truncated in a roomy buffer");
	if (strcmp(key, "pg.conninfo") == 0) {
		/*
		 * A password= is a parameter in a keyword/value conninfo, or in
		 * the query part of a URI (after the '?' that follows "://"); in a
		 * URI's user name it is just text of the name, as libpq reads it.
		 */
		const char *uri = strstr(out, "://");
		bool one_uri =
		    uri && !strstr(uri + 3, "://") &&
		    (!strncmp(out, "postgresql://", 13) || !strncmp(out, "postgres://", 11));
		const char *query = one_uri ? strchr(uri, '?') : NULL;
		for (const char *p = out; (p = strstr(p, "password=")) != NULL; p++) {
			/* '?' and '&' separate parameters only in a URI's query; in the
			 * keyword/value form they are text of another keyword's value */
			bool boundary = p == out || p[-1] == ' ' || p[-1] == '\t' ||
			                (uri && (p[-1] == '?' || p[-1] == '&'));
			/* several URIs in one value is no conninfo libpq takes: nothing to say */
			bool parameter = !uri || (query && p > query);
			if (boundary && parameter && strncmp(p + 9, "***", 3) != 0)
				fail("redact: a password= of the conninfo is left unmasked");
		}
	}
	free(out);
	/* exact small buffers: ASan catches a write past them */
	for (size_t small = 1; small <= 4 && small <= n + 1; small++) {
		char *o = malloc(small);
		dgp_config_redact(key, value, o, small);
		if (!memchr(o, '\0', small))
			fail("redact: small output not terminated");
		free(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[1024];
	int fd = memfile(data, size, path, sizeof(path));
	dgp_config_t *c = config_new();
	memset(err, 'x', sizeof(err));
	dgp_err_t e = dgp_config_load_file(c, path, err, sizeof(err));
	if (e != DGP_OK) {
		check_error(e, err, sizeof(err), path, data, size);
		dgp_config_destroy(c);
		close(fd);
		return 0;
	}

	/* Dump as a file, load the dump: the same configuration. */
	size_t nprops;
	const dgp_conf_prop_t *props = dgp_config_props(&nprops);
	dgp_buf_t dump = {0};
	for (size_t i = 0; i < nprops; i++) {
		const char *v = dgp_config_value(c, props[i].name);
		if (!v)
			fail("a table key has no value");
		dgp_buf_printf(&dump, "%s = %s\n", props[i].name, v);
		check_redact(props[i].name, v);
	}
	size_t npt = dgp_config_passthrough_count(c);
	for (size_t i = 0; i < npt; i++) {
		const char *k, *v;
		dgp_config_passthrough_get(c, i, &k, &v);
		dgp_buf_printf(&dump, "kafka.%s = %s\n", k, v);
		check_redact(k, v);
	}
	char path2[64];
	int fd2 = memfile(dump.p, dump.len, path2, sizeof(path2));
	dgp_config_t *c2 = config_new();
	if (dgp_config_load_file(c2, path2, err, sizeof(err)) != DGP_OK)
		fail("the dump of a loaded config does not load");
	for (size_t i = 0; i < nprops; i++)
		if (strcmp(dgp_config_value(c, props[i].name), dgp_config_value(c2, props[i].name)))
			fail("a value changed through dump and load");
	if (dgp_config_passthrough_count(c2) != npt)
		fail("passthrough count changed through dump and load");
	for (size_t i = 0; i < npt; i++) {
		const char *k, *v, *k2, *v2;
		dgp_config_passthrough_get(c, i, &k, &v);
		dgp_config_passthrough_get(c2, i, &k2, &v2);
		if (strcmp(k, k2) || strcmp(v, v2))
			fail("a passthrough entry changed through dump and load");
	}
	dgp_config_destroy(c2);
	close(fd2);
	dgp_buf_free(&dump);
	dgp_config_destroy(c);
	close(fd);
	return 0;
}
