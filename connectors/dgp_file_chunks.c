/*
 * dgp_file_chunks.c — the chunk gate between a file source and a load
 * loop, and the resource's chunk fingerprints in dgp_ops.file_chunks.
 *
 *   dgp_file_source_next (raw bytes only: text deferred) ─▶ buf[] (records
 *     copied into arena) ─▶ chunker
 *     boundary or end of file ─▶ fingerprint ─▶ seen
 *        in prev: buf dropped, skipped += records (never checked as text)
 *        else:    buf[out++] checked or transcoded (dgp_file_source_make_text)
 *                 and handed out until drained, then the next chunk
 *     64 MiB buffered without a boundary ─▶ handed out, and the rest of
 *        that chunk streams through unbuffered (passthrough)
 */
#include "dgp_file_chunks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"
#include "dgp_pg.h"

#define GATE_MAX_BUFFERED (64u << 20)

typedef struct chunk {
	dgp_chunk_fp_t fp;
	int64_t first_line;
	bool tainted; /* holds a rejected record: never skipped */
} chunk_t;

struct dgp_file_chunks {
	dgp_file_source_t *src;
	const dgp_chunk_set_t *prev;
	dgp_chunker_t *chunker;
	chunk_t *chunks; /* every chunk closed so far, in file order */
	size_t nchunks, chunks_cap;
	int64_t chunk_line; /* line of the current chunk's first record, -1 before one */
	dgp_chunk_set_t *seen;
	dgp_arena_t *arena; /* the buffered chunk's bytes */
	dgp_file_record_t *buf;
	size_t nbuf, out, cap, bytes;
	bool passthrough; /* the current chunk is too big to buffer: records stream */
	bool eof;
	int err; /* the source's error, returned once the buffer is drained */
	char errmsg[2048];
	uint64_t skipped, records;
};

dgp_file_chunks_t *dgp_file_chunks_new(dgp_file_source_t *src, const dgp_chunk_set_t *prev,
                                       uint32_t avg_records)
{
	dgp_file_chunks_t *g = dgp_xcalloc(1, sizeof(*g));
	g->src = src;
	g->prev = prev;
	g->chunker = dgp_chunker_new(avg_records);
	g->chunk_line = -1;
	g->arena = dgp_arena_new(1 << 20);
	dgp_file_source_defer_text(src); /* only records handed out need text */
	return g;
}

void dgp_file_chunks_destroy(dgp_file_chunks_t *g)
{
	if (!g)
		return;
	dgp_chunker_destroy(g->chunker);
	free(g->chunks);
	dgp_chunk_set_destroy(g->seen);
	dgp_arena_destroy(g->arena);
	free(g->buf);
	free(g);
}

static void buffer(dgp_file_chunks_t *g, const dgp_file_record_t *rec)
{
	if (g->nbuf == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		g->buf = dgp_xrealloc(g->buf, g->cap * sizeof(*g->buf));
	}
	dgp_file_record_t *c = &g->buf[g->nbuf++];
	*c = *rec;
	c->raw = dgp_arena_memdup(g->arena, rec->raw, rec->raw_len); /* text: when handed out */
	if (rec->detail)
		c->detail = dgp_arena_strdup(g->arena, rec->detail);
	g->bytes += rec->raw_len;
}

/* A record read: the first of a chunk starts its line range. */
static bool chunk_add(dgp_file_chunks_t *g, const dgp_file_record_t *rec)
{
	if (g->chunk_line < 0)
		g->chunk_line = rec->origin.line;
	g->records++;
	return dgp_chunker_add(g->chunker, rec->raw, rec->raw_len);
}

static dgp_chunk_fp_t close_chunk(dgp_file_chunks_t *g, uint64_t *n)
{
	dgp_chunk_fp_t fp = dgp_chunker_close(g->chunker, n);
	if (g->nchunks == g->chunks_cap) {
		g->chunks_cap = g->chunks_cap ? 2 * g->chunks_cap : 1024;
		g->chunks = dgp_xrealloc(g->chunks, g->chunks_cap * sizeof(*g->chunks));
	}
	g->chunks[g->nchunks++] = (chunk_t){fp, g->chunk_line, false};
	g->chunk_line = -1;
	return fp;
}

/* Read the next chunk into buf; drops it when prev holds its fingerprint. */
static void read_chunk(dgp_file_chunks_t *g, char *errstr, size_t errstr_size)
{
	dgp_arena_reset(g->arena);
	g->nbuf = g->out = g->bytes = 0;
	dgp_file_record_t rec;
	bool closed = false;
	while (!closed) {
		int got = dgp_file_source_next(g->src, &rec, errstr, errstr_size);
		if (got < 0) {
			g->err = got;
			snprintf(g->errmsg, sizeof(g->errmsg), "%s", errstr);
			return; /* a partial chunk before damage is parsed, never skipped */
		}
		if (got == 0) {
			g->eof = true;
			break;
		}
		buffer(g, &rec);
		closed = chunk_add(g, &rec);
		if (!closed && g->bytes > GATE_MAX_BUFFERED) {
			g->passthrough = true;
			return;
		}
	}
	if (!g->nbuf)
		return;
	uint64_t n;
	dgp_chunk_fp_t fp = close_chunk(g, &n);
	if (g->prev && dgp_chunk_set_has(g->prev, fp)) {
		g->skipped += n;
		g->nbuf = 0;
	}
}

int dgp_file_chunks_next(dgp_file_chunks_t *g, dgp_file_record_t *rec, char *errstr,
                         size_t errstr_size)
{
	for (;;) {
		if (g->out < g->nbuf) {
			*rec = g->buf[g->out++];
			dgp_file_source_make_text(g->src, rec);
			return 1;
		}
		if (g->err) {
			snprintf(errstr, errstr_size, "%s", g->errmsg);
			return g->err;
		}
		if (g->eof)
			return 0;
		if (g->passthrough) {
			int got = dgp_file_source_next(g->src, rec, errstr, errstr_size);
			if (got < 0) {
				g->err = got;
				snprintf(g->errmsg, sizeof(g->errmsg), "%s", errstr);
				return got;
			}
			if (got == 0) {
				g->eof = true;
				close_chunk(g, NULL);
				return 0;
			}
			if (chunk_add(g, rec)) {
				close_chunk(g, NULL);
				g->passthrough = false;
			}
			dgp_file_source_make_text(g->src, rec);
			return 1;
		}
		read_chunk(g, errstr, errstr_size);
	}
}

uint64_t dgp_file_chunks_take_skipped(dgp_file_chunks_t *g)
{
	uint64_t n = g->skipped;
	g->skipped = 0;
	return n;
}

void dgp_file_chunks_taint(dgp_file_chunks_t *g, int64_t line)
{
	/* the last chunk starting at or before line */
	size_t lo = 0, hi = g->nchunks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->chunks[mid].first_line <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0)
		g->chunks[lo - 1].tainted = true;
}

const dgp_chunk_set_t *dgp_file_chunks_seen(dgp_file_chunks_t *g, uint64_t *records)
{
	if (records)
		*records = g->records;
	dgp_chunk_set_destroy(g->seen);
	g->seen = dgp_chunk_set_new(g->nchunks);
	for (size_t i = 0; i < g->nchunks; i++)
		if (!g->chunks[i].tainted)
			dgp_chunk_set_add(g->seen, g->chunks[i].fp);
	return g->seen;
}

/* ---- dgp_ops.file_chunks ------------------------------------------------- */

static void fp_bytes(dgp_chunk_fp_t fp, unsigned char out[DGP_CHUNK_FP_BYTES])
{
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)(fp.hi >> (56 - 8 * i));
		out[8 + i] = (unsigned char)(fp.lo >> (56 - 8 * i));
	}
}

dgp_err_t dgp_file_chunks_prev(PGconn *conn, const char *resource_code, dgp_chunk_fp_t context,
                               dgp_chunk_set_t **prev, char *errstr, size_t errstr_size)
{
	*prev = NULL;
	unsigned char ctx[DGP_CHUNK_FP_BYTES];
	fp_bytes(context, ctx);
	const char *params[] = {resource_code, (const char *)ctx};
	int lens[] = {0, DGP_CHUNK_FP_BYTES};
	int fmts[] = {0, 1};
	PGresult *r = PQexecParams(conn,
	                           "SELECT f.fingerprints FROM dgp_ops.file_chunks f"
	                           " LEFT JOIN dgp_catalog.resource_stats s USING (resource_code)"
	                           " WHERE f.resource_code = $1 AND f.context = $2::bytea"
	                           " AND f.last_change IS NOT DISTINCT FROM s.last_change",
	                           2, NULL, params, lens, fmts, 1);
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	if (e == DGP_OK && PQntuples(r) == 1)
		e = dgp_chunk_set_from_bytes(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0),
		                             prev, errstr, errstr_size);
	PQclear(r);
	return e;
}

dgp_err_t dgp_file_chunks_store(PGconn *conn, const char *resource_code, dgp_chunk_fp_t context,
                                const dgp_chunk_set_t *seen, uint64_t records, int64_t load_log_id,
                                char *errstr, size_t errstr_size)
{
	unsigned char ctx[DGP_CHUNK_FP_BYTES];
	fp_bytes(context, ctx);
	size_t len;
	void *fps = dgp_chunk_set_bytes(seen, &len);
	char nchunks[24], nrecords[24], logid[24];
	snprintf(nchunks, sizeof(nchunks), "%zu", dgp_chunk_set_count(seen));
	snprintf(nrecords, sizeof(nrecords), "%" PRIu64, records);
	snprintf(logid, sizeof(logid), "%" PRId64, load_log_id);
	const char *params[] = {resource_code,
	                        (const char *)ctx,
	                        nchunks,
	                        nrecords,
	                        load_log_id > 0 ? logid : NULL,
	                        fps};
	int lens[] = {0, DGP_CHUNK_FP_BYTES, 0, 0, 0, (int)len};
	int fmts[] = {0, 1, 0, 0, 0, 1};
	PGresult *r = PQexecParams(
	    conn,
	    "INSERT INTO dgp_ops.file_chunks AS f (resource_code, context, last_change,"
	    " load_log_id, chunks, records, fingerprints, stored_at)"
	    " SELECT $1, $2::bytea, (SELECT last_change FROM dgp_catalog.resource_stats"
	    "  WHERE resource_code = $1), $5::bigint, $3::bigint, $4::bigint, $6::bytea, now()"
	    " ON CONFLICT (resource_code) DO UPDATE SET context = EXCLUDED.context,"
	    " last_change = EXCLUDED.last_change, load_log_id = EXCLUDED.load_log_id,"
	    " chunks = EXCLUDED.chunks, records = EXCLUDED.records,"
	    " fingerprints = EXCLUDED.fingerprints, stored_at = EXCLUDED.stored_at",
	    6, NULL, params, lens, fmts, 0);
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	PQclear(r);
	free(fps);
	return e;
}

dgp_err_t dgp_file_chunks_forget(PGconn *conn, const char *resource_code, char *errstr,
                                 size_t errstr_size)
{
	const char *params[] = {resource_code};
	PGresult *r = PQexecParams(conn, "DELETE FROM dgp_ops.file_chunks WHERE resource_code = $1",
	                           1, NULL, params, NULL, NULL, 0);
	dgp_err_t e = dgp_pg_result_err(conn, r, errstr, errstr_size);
	PQclear(r);
	return e;
}
