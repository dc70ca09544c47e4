/*
 * dgp_source_file.c — a file behind the engine's source interface (see
 * dgp_source_file.h).  The end position is the last record's end (or the
 * start when none was read), so a file read to its end is stored complete
 * at exactly where its last record ended.
 */
#include "dgp_source_file.h"

#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"

struct dgp_source_file {
	dgp_source_t src;
	const char *path;
	dgp_file_source_opts_t opts;
	dgp_file_source_t *reader;
	dgp_file_chunks_t *chunks;     /* NULL: every record is parsed */
	int64_t end_offset, next_line; /* where the last record ended */
};

static int file_next(void *opaque, int timeout_ms, dgp_source_record_t *rec, char *err,
                     size_t err_size)
{
	(void)timeout_ms;
	dgp_source_file_t *f = opaque;
	dgp_file_record_t r;
	int got = f->chunks ? dgp_file_chunks_next(f->chunks, &r, err, err_size)
	                    : dgp_file_source_next(f->reader, &r, err, err_size);
	uint64_t skipped = f->chunks ? dgp_file_chunks_take_skipped(f->chunks) : 0;
	if (got < 0)
		return DGP_SOURCE_ERROR;
	if (got == 0) {
		*rec = (dgp_source_record_t){
		    .origin = {f->path, -1, f->end_offset, f->next_line, f->end_offset},
		    .next_line = f->next_line,
		    .timestamp_ms = -1,
		    .skipped_before = skipped};
		return DGP_SOURCE_END;
	}
	size_t hl = 0;
	const char *h =
	    f->opts.format == DGP_FORMAT_CSV ? dgp_file_source_header(f->reader, &hl) : NULL;
	*rec = (dgp_source_record_t){.origin = r.origin,
	                             .next_line = r.next_line,
	                             .timestamp_ms = -1,
	                             .raw = r.raw,
	                             .raw_len = r.raw_len,
	                             .text = r.text,
	                             .text_len = r.text_len,
	                             .format = f->opts.format,
	                             .csv_header = h,
	                             .csv_header_len = hl,
	                             .reason = r.reason,
	                             .detail = r.detail,
	                             .skipped_before = skipped};
	rec->origin.source = f->path;
	f->end_offset = r.origin.end_offset;
	f->next_line = r.next_line;
	return DGP_SOURCE_RECORD;
}

static dgp_err_t file_seek(void *opaque, const char *source, int32_t partition, int64_t next,
                           int64_t next_line, char *err, size_t err_size)
{
	(void)source;
	(void)partition;
	dgp_source_file_t *f = opaque;
	dgp_file_source_opts_t o = f->opts;
	o.start_offset = next >= 0 ? next : 0;
	o.start_line = next >= 0 && next_line > 0 ? next_line : 1;
	dgp_file_source_t *r;
	dgp_err_t e = dgp_file_source_open(f->path, &o, &r, err, err_size);
	if (e != DGP_OK)
		return e;
	dgp_file_chunks_destroy(f->chunks); /* it reads the old reader */
	f->chunks = NULL;
	dgp_file_source_close(f->reader);
	f->reader = r;
	f->end_offset = o.start_offset;
	f->next_line = o.start_line;
	return DGP_OK;
}

static void file_close(void *opaque)
{
	dgp_source_file_t *f = opaque;
	dgp_file_chunks_destroy(f->chunks);
	dgp_file_source_close(f->reader);
	free(f);
}

dgp_err_t dgp_source_file_open(const char *path, const dgp_file_source_opts_t *opts,
                               dgp_source_file_t **out, char *err, size_t err_size)
{
	dgp_source_file_t *f = dgp_xcalloc(1, sizeof(*f));
	f->path = path;
	f->opts = *opts;
	dgp_err_t e = dgp_file_source_open(path, opts, &f->reader, err, err_size);
	if (e != DGP_OK) {
		free(f);
		return e;
	}
	f->end_offset = opts->start_offset;
	f->next_line = opts->start_line > 0 ? opts->start_line : 1;
	f->src =
	    (dgp_source_t){.opaque = f, .next = file_next, .seek = file_seek, .close = file_close};
	*out = f;
	return DGP_OK;
}

dgp_source_t *dgp_source_file_source(dgp_source_file_t *f)
{
	return &f->src;
}

dgp_file_source_t *dgp_source_file_reader(dgp_source_file_t *f)
{
	return f->reader;
}

void dgp_source_file_use_chunks(dgp_source_file_t *f, const dgp_chunk_set_t *prev,
                                uint32_t avg_records)
{
	dgp_file_chunks_destroy(f->chunks);
	f->chunks = dgp_file_chunks_new(f->reader, prev, avg_records);
}

dgp_file_chunks_t *dgp_source_file_chunks(dgp_source_file_t *f)
{
	return f->chunks;
}
