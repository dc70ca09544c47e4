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
 *
 * Built a second time with -DFUZZ_GZIP (fuzz_file_source_gzip): then the
 * file is the rest gzipped here, and byte 2 says how:
 *   0  one gzip member         the records must be exactly those of the
 *   1  two members, split at      plain file (offsets, lines, raw bytes),
 *      byte 3's share of it       and resuming works as on a plain file
 *   2  one member damaged at byte 3's share: one byte XORed with byte 4
 *   3  one member cut short at byte 3's share
 * For 2 and 3 the reference is zlib's own inflate of the damaged bytes
 * (the longest output before the damage, later members included): records
 * must be its bytes at their offsets, the reader may stop with an error
 * only when zlib finds the damage too, and when zlib reads the damaged
 * file without error the records equal those of its output read plainly.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "dgp_file_source.h"

#ifndef FUZZ_GZIP
#define FUZZ_GZIP 0
#endif

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

/*
 * Reads the whole memfd path; returns the records' summaries (malloc'd), *n
 * their count.  file/size: the uncompressed stream the records come from.
 * *how (may be NULL: then a read error fails the harness) tells how the
 * reading ended.
 */
enum ending { READ_TO_END, READ_ERROR, OPEN_REFUSED };
static seen_t *read_all(const char *path, const dgp_file_source_opts_t *o, const uint8_t *file,
                        size_t size, size_t *n, enum ending *how)
{
	dgp_file_source_t *src;
	char err[512];
	*n = 0;
	/* Open reads the first buffer (BOM, CSV header): damage there fails it with an I/O error.
	 */
	dgp_err_t oe = dgp_file_source_open(path, o, &src, err, sizeof(err));
	if (oe != DGP_OK) {
		if (oe == DGP_ERR_IO && !how)
			fail("open: read error on an undamaged file");
		if (how)
			*how = oe == DGP_ERR_IO ? READ_ERROR : OPEN_REFUSED;
		return NULL;
	}
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
	if (r < 0 && !how)
		fail("error on an undamaged file");
	if (r < 0 && (!memchr(err, '\0', sizeof(err)) || !err[0]))
		fail("read error without a message");
	if (how)
		*how = r < 0 ? READ_ERROR : READ_TO_END;
	dgp_file_source_close(src);
	return s;
}

static int memfile(const void *p, size_t n, char *path, size_t path_size)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		fail("memfd");
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

#if FUZZ_GZIP
/* Append p gzipped as one member to *out (malloc'd, *len bytes). */
static void gzip_member(const uint8_t *p, size_t n, unsigned char **out, size_t *len)
{
	z_stream z = {0};
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		fail("deflateInit2");
	size_t bound = deflateBound(&z, n) + 64;
	*out = realloc(*out, *len + bound);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = *out + *len;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		fail("deflate");
	*len += bound - z.avail_out;
	deflateEnd(&z);
}

/*
 * zlib's inflate of gz as gzread sees it: members one after another while
 * the next bytes are a gzip header, a file without one as it is.  Returns
 * the output (malloc'd, *out_len bytes: all that inflate produced before
 * any damage), NULL when that is over 16 MiB (damage can inflate far);
 * *damaged when a member is damaged or cut short.
 */
static unsigned char *ref_inflate(const unsigned char *gz, size_t n, size_t *out_len, bool *damaged)
{
	size_t cap = n + 4096, o = 0, i = 0;
	unsigned char *out = malloc(cap);
	*damaged = false;
	if (n < 2 || gz[0] != 0x1f || gz[1] != 0x8b) { /* no gzip header: read as is */
		memcpy(out, gz, n);
		*out_len = n;
		return out;
	}
	while (i < n) {
		z_stream z = {0};
		if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
			fail("inflateInit2");
		z.next_in = (Bytef *)gz + i;
		z.avail_in = (uInt)(n - i);
		int r;
		do {
			if (o == cap) {
				if (cap >= 16u << 20) {
					inflateEnd(&z);
					free(out);
					return NULL;
				}
				out = realloc(out, cap *= 2);
			}
			z.next_out = out + o;
			z.avail_out = (uInt)(cap - o);
			r = inflate(&z, Z_NO_FLUSH);
			o = cap - z.avail_out;
		} while (r == Z_OK && (z.avail_out == 0 || z.avail_in > 0));
		i = n - z.avail_in;
		inflateEnd(&z);
		if (r != Z_STREAM_END) {
			*damaged = true;
			break;
		}
		if (n - i < 2 || gz[i] != 0x1f || gz[i + 1] != 0x8b)
			break; /* trailing bytes that are no gzip member: ignored, as gzread does */
	}
	*out_len = o;
	return out;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t head = FUZZ_GZIP ? 5 : 2;
	if (size < head || size > (1u << 20) + head)
		return 0;
	uint8_t opt = data[0];
	dgp_file_source_opts_t o = {
	    .format = opt & 1 ? DGP_FORMAT_CSV : DGP_FORMAT_JSONL,
	    .encoding = opt & 2 ? "GBK" : NULL,
	    .csv_delim = opt & 4 ? '|' : ',',
	    .max_record_bytes = 8u + (opt >> 3) * 4u,
	    .read_size = 1u + (data[1] & 31),
	};
	const uint8_t *file = data + head;
	size -= head;
	char path[64];
	size_t n, m;
#if FUZZ_GZIP
	int mode = data[2] & 3;
	size_t at = size ? (size_t)data[3] * size / 256 : 0;
	unsigned char *gz = NULL;
	size_t gz_len = 0;
	if (mode == 1) {
		gzip_member(file, at, &gz, &gz_len);
		gzip_member(file + at, size - at, &gz, &gz_len);
	} else {
		gzip_member(file, size, &gz, &gz_len);
	}
	if (mode >= 2) {
		size_t pos = (size_t)data[3] * gz_len / 256;
		if (mode == 2)
			gz[pos] ^= data[4] ? data[4] : 1;
		else
			gz_len = pos;
	}
	int fd = memfile(gz, gz_len, path, sizeof(path));
	size_t ref_len = size;
	bool damaged = false;
	unsigned char *ref = ref_inflate(gz, gz_len, &ref_len, &damaged);
	if (!ref) {
		free(gz);
		close(fd);
		return 0;
	}
	if (mode < 2 && (damaged || ref_len != size || memcmp(ref, file, size) != 0))
		fail("reference inflate does not give the file back");
	enum ending how;
	seen_t *all = read_all(path, &o, ref, ref_len, &n, &how);
	if (how != OPEN_REFUSED && (how == READ_ERROR) != damaged)
		fail("read error and zlib's verdict on the gzip stream disagree");
	if (!damaged) {
		/* the same records as the uncompressed bytes read plainly */
		char ppath[64];
		int pfd = memfile(ref, ref_len, ppath, sizeof(ppath));
		seen_t *plain = read_all(ppath, &o, ref, ref_len, &m, NULL);
		if (m != n || (m && memcmp(plain, all, m * sizeof(*plain)) != 0))
			fail("records of the gzip file differ from those of the plain file");
		free(plain);
		close(pfd);
	}
	if (damaged) {
		free(all);
		free(ref);
		free(gz);
		close(fd);
		return 0;
	}
	file = ref;
	size = ref_len;
#else
	int fd = memfile(file, size, path, sizeof(path));
	seen_t *all = read_all(path, &o, file, size, &n, NULL);
#endif
	if (n > 0 &&
	    o.format == DGP_FORMAT_JSONL) { /* CSV would re-read its header first: same thing */
		o.start_offset = all[0].end_offset;
		o.start_line = all[0].next_line;
		seen_t *rest = read_all(path, &o, file, size, &m, NULL);
		if (m != n - 1 || (m && memcmp(rest, all + 1, m * sizeof(*rest)) != 0))
			fail("resume does not reproduce the remaining records");
		free(rest);
	}
	free(all);
#if FUZZ_GZIP
	free(ref);
	free(gz);
#endif
	close(fd);
	return 0;
}
