/*
 * dgp_source_file.h — a file (dgp_file_source.h) as the engine's dgp_source_t.
 *
 *   file ─dgp_file_source_next─▶ record (raw, UTF-8 text, file:line + byte offset)
 *        ─▶ dgp_source_record_t (partition -1, the file's CSV header)
 *   end of file ─▶ DGP_SOURCE_END with the position reached (the engine marks
 *                  the file complete); seek ─▶ reopened at a stored position
 *
 * With a chunk gate (dgp_source_file_use_chunks, connectors/dgp_file_chunks.h)
 * the records of chunks unchanged since the resource's last whole-file load
 * are passed over unparsed; each record (and the end) says how many were
 * passed over before it (skipped_before), which the engine counts read and
 * unchanged in the batch that commits the progress past them.  A seek drops
 * the gate: the records after it are all parsed, and no fingerprints are
 * stored for the file.
 */
#ifndef DGP_SOURCE_FILE_H
#define DGP_SOURCE_FILE_H

#include "dgp_file_chunks.h"
#include "dgp_file_source.h"
#include "dgp_source.h"

typedef struct dgp_source_file dgp_source_file_t;

/*
 * dgp_source_file_open — open path (kept: it must outlive the source) with
 * opts (copied; opts->encoding must outlive the source), starting at
 * opts->start_offset / start_line.  DGP_OK with *out (free with
 * dgp_source_close(dgp_source_file_source(*out))), or the open's error.
 */
dgp_err_t dgp_source_file_open(const char *path, const dgp_file_source_opts_t *opts,
                               dgp_source_file_t **out, char *errstr,
                               size_t errstr_size) DGP_MUST_CHECK;

/* dgp_source_file_source — the interface (owned by f). */
dgp_source_t *dgp_source_file_source(dgp_source_file_t *f);

/* dgp_source_file_reader — the file source underneath (header, progress); valid until a seek. */
dgp_file_source_t *dgp_source_file_reader(dgp_source_file_t *f);

/*
 * dgp_source_file_use_chunks — read through a chunk gate from here on,
 * skipping the chunks whose fingerprints are in prev (not owned, may be NULL:
 * nothing is skipped, the fingerprints are still collected).  avg_records: a
 * power of two.  Call before the first record.
 */
void dgp_source_file_use_chunks(dgp_source_file_t *f, const dgp_chunk_set_t *prev,
                                uint32_t avg_records);

/* dgp_source_file_chunks — the gate (owned by f), or NULL: none, or dropped by a seek. */
dgp_file_chunks_t *dgp_source_file_chunks(dgp_source_file_t *f);

#endif /* DGP_SOURCE_FILE_H */
