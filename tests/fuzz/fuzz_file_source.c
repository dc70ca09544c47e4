/*
 * fuzz_file_source.c — libFuzzer harness for the record splitter of
 * connectors/dgp_file_source.c (compiled into the harness, so the
 * connectors library and its services' client libraries stay out).
 *
 *   byte 0: options (JSONL/CSV, UTF-8/GBK, delimiter, small record limit)
 *   byte 1: read size 1–32 (so records straddle every buffer boundary)
 *   rest:   the file, in a memfd ──gzdopen──▶ dgp_file_source_next
 *
 * Invariants: records come in file order without overlap and inside the
 * file; a record's raw bytes are the file's bytes at its offset (the first
 * ones for too_long); lines never go down; the record limit holds; and
 * resuming after the first record reproduces the remaining ones exactly.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dgp_file_source.h"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_file_source: %s\n", what);
	abort();
}

typedef struct seen {
	int64_t offset, end_offset, line, next_line;
	size_t raw_len;
	dgp_reason_t reason;
} seen_t;

/* Reads the whole memfd path; returns the records' summaries (malloc'd), *n their count. */
static seen_t *read_all(const char *path, const dgp_file_source_opts_t *o, const uint8_t *file,
			size_t size, size_t *n)
{
	dgp_file_source_t *src;
	char err[512];
	*n = 0;
	if (dgp_file_source_open(path, o, &src, err, sizeof(err)) != DGP_OK)
		return NULL;
	seen_t *s = NULL;
	size_t cap = 0;
	dgp_file_record_t rec;
	int r;
	int64_t last_end = 0, last_line = 0;
	while ((r = dgp_file_source_next(src, &rec, err, sizeof(err))) == 1) {
		const dgp_origin_t *g = &rec.origin;
		if (g->offset < last_end || g->end_offset <= g->offset ||
		    g->end_offset > (int64_t)size)
			fail("record outside the file or out of order");
		if (g->line < last_line || rec.next_line <= g->line)
			fail("line numbers go down");
		if (rec.raw_len > (size_t)(g->end_offset - g->offset) ||
		    memcmp(rec.raw, file + g->offset, rec.raw_len) != 0)
			fail("raw bytes are not the file's bytes at the offset");
		if (rec.reason == DGP_REASON_OK && rec.raw_len > o->max_record_bytes)
			fail("record over the limit accepted");
		if ((rec.reason == DGP_REASON_OK) != (rec.text != NULL))
			fail("text and reason disagree");
		if (rec.reason != DGP_REASON_OK && (!rec.detail || !rec.detail[0]))
			fail("reject without a detail");
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			s = realloc(s, cap * sizeof(*s));
		}
		memset(&s[*n], 0, sizeof(*s)); /* padding too: summaries are compared with memcmp */
		s[*n].offset = g->offset;
		s[*n].end_offset = g->end_offset;
		s[*n].line = g->line;
		s[*n].next_line = rec.next_line;
		s[*n].raw_len = rec.raw_len;
		s[*n].reason = rec.reason;
		(*n)++;
		last_end = g->end_offset;
		last_line = rec.next_line;
	}
	if (r < 0)
		fail("error on a plain file");
	dgp_file_source_close(src);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 1 << 14)
		return 0;
	uint8_t opt = data[0];
	dgp_file_source_opts_t o = {
		.format = opt & 1 ? DGP_FORMAT_CSV : DGP_FORMAT_JSONL,
		.encoding = opt & 2 ? "GBK" : NULL,
		.csv_delim = opt & 4 ? '|' : ',',
		.max_record_bytes = 8u + (opt >> 3) * 4u,
		.read_size = 1u + (data[1] & 31),
	};
	const uint8_t *file = data + 2;
	size -= 2;
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, file, size) != (ssize_t)size)
		fail("memfd");
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	size_t n, m;
	seen_t *all = read_all(path, &o, file, size, &n);
	if (n > 0 && o.format == DGP_FORMAT_JSONL) { /* CSV would re-read its header first: same thing */
		o.start_offset = all[0].end_offset;
		o.start_line = all[0].next_line;
		seen_t *rest = read_all(path, &o, file, size, &m);
		if (m != n - 1 || (m && memcmp(rest, all + 1, m * sizeof(*rest)) != 0))
			fail("resume does not reproduce the remaining records");
		free(rest);
	}
	free(all);
	close(fd);
	return 0;
}
