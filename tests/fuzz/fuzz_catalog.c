/*
 * fuzz_catalog.c — libFuzzer harness for the catalog loader and validator
 * (dgp_catalog_load / dgp_catalog_validate in catalog/dgp_catalog_load.c and
 * dgp_catalog_validate.c).
 *
 *   byte 0: which definition file the rest replaces (one of FILES below)
 *   rest:   that file's content
 *     ──written into a copy of the generated fixtures/valid in a temp dir──▶
 *     load ──▶ validate ──▶ (valid) lookups and dgp_catalog_schema_build
 *
 * The loader has no load-from-memory entry point, so one file of a small
 * valid catalog is rewritten per input and put back afterwards.
 * Invariants: load and validate return OK exactly when they recorded no
 * diagnostic; validate never drops load's diagnostics; every diagnostic
 * names a file and a message, formats into a terminated line, and a line
 * of the fuzzed file is inside it; a catalog that validates answers every
 * lookup by code, topic, provider and field with the object itself, and
 * every resource builds a schema (sync and load rely on that).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dgp_catalog.h"
#include "dgp_catalog_schema.h"

#ifndef FUZZ_CATALOG_DIR
#error "compile with -DFUZZ_CATALOG_DIR=\"…/build/tests/catalog/fixtures/valid\""
#endif

static const char *const FILES[] = {
    "providers.csv",      "base_columns.csv", "codelists.csv",
    "gaj/resources.csv",  "gaj/fields.csv",   "scjgj/resources.csv",
    "scjgj/fields.csv",   "lists/demand.csv", "lists/responsibility.csv",
    "lists/negative.csv",
};
#define NFILES (sizeof(FILES) / sizeof(FILES[0]))

static char dir[256];
static char *orig[NFILES];
static size_t orig_len[NFILES];

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_catalog: %s\n", what);
	abort();
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail("cannot read the fixture");
	char *p = NULL;
	size_t cap = 0;
	*n = 0;
	size_t got;
	do {
		p = realloc(p, cap += 4096);
		got = fread(p + *n, 1, cap - *n, f);
		*n += got;
	} while (got);
	fclose(f);
	return p;
}

static void put(const char *rel, const void *p, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n || close(fd) != 0)
		fail("cannot write into the temp catalog");
}

static void cleanup(void)
{
	char path[512];
	for (size_t i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, FILES[i]);
		unlink(path);
	}
	static const char *const subdirs[] = {"gaj", "scjgj", "lists", ""};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		rmdir(path);
	}
}

/* Copy the fixture into a fresh temp dir, once (removed at exit). */
static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/fuzz_catalog.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		fail("mkdtemp");
	static const char *const subdirs[] = {"gaj", "scjgj", "lists"};
	for (size_t i = 0; i < 3; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if (mkdir(path, 0755) != 0)
			fail("mkdir");
	}
	for (size_t i = 0; i < NFILES; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", FUZZ_CATALOG_DIR, FILES[i]);
		orig[i] = slurp(path, &orig_len[i]);
		put(FILES[i], orig[i], orig_len[i]);
	}
	atexit(cleanup);
}

static void check_diags(const dgp_catalog_t *cat, const char *fuzzed, size_t lines, size_t *count)
{
	size_t n;
	const dgp_catalog_diag_t *d = dgp_catalog_diags(cat, &n);
	*count = n;
	for (size_t i = 0; i < n; i++) {
		if (!d[i].file || !d[i].file[0] || !d[i].message || !d[i].message[0] ||
		    !d[i].column || d[i].line < 0)
			fail("diagnostic without file, message or column, or with a negative line");
		if (strcmp(d[i].file, fuzzed) == 0 && (size_t)d[i].line > lines)
			fail("diagnostic names a line past the end of the file");
		char out[1024];
		memset(out, 'x', sizeof(out));
		dgp_catalog_diag_format(&d[i], dir, out, sizeof(out));
		if (!memchr(out, '\0', sizeof(out)) || !out[0])
			fail("formatted diagnostic empty or not terminated");
		char small[8];
		dgp_catalog_diag_format(&d[i], dir, small, sizeof(small));
		if (!memchr(small, '\0', sizeof(small)))
			fail("truncated diagnostic not terminated");
	}
}

static void check_valid(const dgp_catalog_t *cat)
{
	size_t nr, np;
	const dgp_catalog_resource_t *res = dgp_catalog_resources(cat, &nr);
	const dgp_catalog_provider_t *prov = dgp_catalog_providers(cat, &np);
	for (size_t i = 0; i < np; i++)
		if (dgp_catalog_find_provider(cat, prov[i].slug) != &prov[i])
			fail("provider lookup by slug misses");
	for (size_t i = 0; i < nr; i++) {
		const dgp_catalog_resource_t *r = &res[i];
		if (dgp_catalog_find_resource(cat, r->code) != r)
			fail("resource lookup by code misses");
		if (dgp_catalog_find_by_topic(cat, r->topic) != r)
			fail("resource lookup by topic misses");
		for (size_t f = 0; f < r->n_fields; f++)
			if (dgp_catalog_find_field(r, r->fields[f].source_name) != &r->fields[f])
				fail("field lookup by source name misses");
		dgp_arena_t *a = dgp_arena_new(0);
		const dgp_schema_t *s;
		char err[512];
		if (dgp_catalog_schema_build(cat, r, a, &s, err, sizeof(err)) != DGP_OK)
			fail("a resource of a valid catalog builds no schema");
		if (s->nfields != r->n_fields || (r->n_record_key && s->nkeys != r->n_record_key))
			fail("schema and resource disagree");
		dgp_arena_destroy(a);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		setup();
	if (size < 1)
		return 0;
	size_t which = data[0] % NFILES;
	const char *fuzzed = FILES[which];
	size_t lines = 1;
	for (size_t i = 1; i < size; i++)
		lines += data[i] == '\n';
	put(fuzzed, data + 1, size - 1);

	dgp_catalog_t *cat;
	dgp_err_t e = dgp_catalog_load(dir, &cat);
	if (!cat)
		fail("load stored no catalog");
	size_t nload, nval;
	check_diags(cat, fuzzed, lines, &nload);
	if ((e == DGP_OK) != (nload == 0) || (e != DGP_OK && e != DGP_ERR_CATALOG))
		fail("load's status and its diagnostics disagree");
	e = dgp_catalog_validate(cat);
	check_diags(cat, fuzzed, lines, &nval);
	if ((e == DGP_OK) != (nval == 0) || (e != DGP_OK && e != DGP_ERR_CATALOG))
		fail("validate's status and its diagnostics disagree");
	if (nval < nload)
		fail("validate dropped diagnostics of load");
	if (e == DGP_OK)
		check_valid(cat);
	dgp_catalog_destroy(cat);

	put(fuzzed, orig[which], orig_len[which]);
	return 0;
}
