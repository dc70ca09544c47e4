/*
 * dgp_file_chunks.h — skip the chunks of a reloaded file that are
 * unchanged since the resource's last complete load, before parsing them.
 *
 *   file source ──record──▶ chunk buffer (raw, text, origin copied)
 *        chunker: boundary? ──▶ fingerprint ─▶ seen (the next load's set)
 *            in prev ──▶ drop the chunk's records, count them skipped
 *            else    ──▶ hand them out one by one, as the source would
 *
 * dgp_file_chunks_next replaces dgp_file_source_next in a load loop;
 * after each call the loop adds dgp_file_chunks_take_skipped() to its batch
 * (dgp_batch_count_skipped), so skipped records count as read and
 * unchanged exactly once, in the batch that commits the progress past
 * them.  A chunk is buffered whole before it is handed out (its bytes
 * only; a chunk past 64 MiB is handed out as it is read and never skipped
 * in this load).
 *
 * When skipping is right (the caller's part, dgp_cmd_load.c):
 *   - prev comes from dgp_ops.file_chunks only when it was stored by a
 *     load of the same resource read in the same context (parse options,
 *     CSV header, the resource's fields and rules, dgp's version) and no
 *     batch has written to the resource since (resource_stats.last_change
 *     unchanged), so PostgreSQL still holds what those chunks loaded;
 *   - a chunk holding a rejected record (or value) is never stored, so
 *     it is parsed and rejected again each time, as without skipping;
 *   - a set is stored only after a load that read its file from the first
 *     record to the end and committed it, and in which no key appeared
 *     twice (dgp_batch_counts_t.repeated == 0): each key then lives in one
 *     chunk, so skipping the chunk cannot skip a later version of a key
 *     that a parsed chunk changed.
 * The one case these rules cannot see: a reloaded file that holds a key
 * in an unchanged chunk and also, earlier, in a changed chunk; the parsed
 * earlier version stays, where a full parse would end on the unchanged
 * later one.  load.skip.unchanged.chunks = false parses everything.
 */
#ifndef DGP_FILE_CHUNKS_H
#define DGP_FILE_CHUNKS_H

#include <libpq-fe.h>
#include <stdint.h>

#include "dgp_chunk.h"
#include "dgp_err.h"
#include "dgp_file_source.h"

typedef struct dgp_file_chunks dgp_file_chunks_t;

/*
 * dgp_file_chunks_new — a gate over src (not owned; must outlive the
 * gate) chunking with avg_records (a power of two).  prev (not owned, may
 * be NULL: nothing is skipped) holds the fingerprints that may be skipped.
 * Switches src to deferred text (dgp_file_source_defer_text): a skipped
 * record is never checked or transcoded, a record handed out is.  Never NULL.
 */
dgp_file_chunks_t *dgp_file_chunks_new(dgp_file_source_t *src, const dgp_chunk_set_t *prev,
                                       uint32_t avg_records);
void dgp_file_chunks_destroy(dgp_file_chunks_t *g);

/*
 * dgp_file_chunks_next — as dgp_file_source_next: 1 with the next record
 * to parse in *rec (valid until the next call), 0 at the end of the file,
 * or the source's negative error (after every record read before it was
 * handed out).
 */
int dgp_file_chunks_next(dgp_file_chunks_t *g, dgp_file_record_t *rec, char *errstr,
                         size_t errstr_size) DGP_MUST_CHECK;

/* dgp_file_chunks_take_skipped — records skipped since the last call. */
uint64_t dgp_file_chunks_take_skipped(dgp_file_chunks_t *g);

/*
 * dgp_file_chunks_taint — the record at line (a record handed out) was
 * rejected, or a value of it was: its chunk stays out of the seen set, so
 * the next load parses it and rejects it again, and a skipped record is
 * always one that loaded.
 */
void dgp_file_chunks_taint(dgp_file_chunks_t *g, int64_t line);

/*
 * dgp_file_chunks_seen — the fingerprints of every chunk read so far
 * (skipped or not) but the tainted ones; at the end of the file, the set
 * the next load may skip.  *records gets the records read (may be NULL).
 * Valid until the next call or destroy.
 */
const dgp_chunk_set_t *dgp_file_chunks_seen(dgp_file_chunks_t *g, uint64_t *records);

/*
 * dgp_file_chunks_prev — the fingerprints stored for resource_code in
 * context, when no batch has written to the resource since they were
 * stored; *prev is NULL otherwise (free with dgp_chunk_set_destroy).
 */
dgp_err_t dgp_file_chunks_prev(PGconn *conn, const char *resource_code, dgp_chunk_fp_t context,
                               dgp_chunk_set_t **prev, char *errstr,
                               size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_file_chunks_store — after a complete load of a file: replace the
 * resource's fingerprints with seen, stamped with the resource's current
 * resource_stats.last_change.  records: the records of the file.
 */
dgp_err_t dgp_file_chunks_store(PGconn *conn, const char *resource_code, dgp_chunk_fp_t context,
                                const dgp_chunk_set_t *seen, uint64_t records, int64_t load_log_id,
                                char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/* dgp_file_chunks_forget — delete the resource's fingerprints (nothing may be skipped). */
dgp_err_t dgp_file_chunks_forget(PGconn *conn, const char *resource_code, char *errstr,
                                 size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_FILE_CHUNKS_H */
