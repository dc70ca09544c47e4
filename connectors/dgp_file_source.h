/*
 * dgp_file_source.h — records out of a department's bulk export file.
 *
 *   file (.csv/.jsonl, plain or .gz) ──gzread, 1 MiB──▶ read buffer
 *     ──split (JSONL: newline; CSV: newline outside quotes)──▶ raw record
 *     ──NUL check, UTF-8 check or GBK/GB18030 → UTF-8 (iconv)──▶ text
 *     ──▶ dgp_file_record_t: raw + text + origin (line, byte offsets)
 *         or a record-level reject: charset | too_long
 *
 * Offsets and line numbers are those of the uncompressed stream: the first
 * byte of the file is offset 0 and line 1.  A record's end_offset (just
 * past its line terminator) is where a load resumes (dgp_ops.file_progress);
 * resuming a .gz file decompresses and discards up to there.  CRLF and LF
 * both end a record (the CR is not part of it); a UTF-8 or GB18030 byte
 * order mark at offset 0 is skipped; empty lines are not records.
 *
 * Bad input never stops the file: an invalid byte sequence or a NUL byte
 * makes that record a charset reject, a record longer than
 * load.max.record.bytes a too_long reject — skipped up to the next newline
 * without ever being held in memory, its first load.max.record.bytes bytes
 * kept as raw and its detail naming its full length and byte offset (what
 * the operator needs to cut the rest out of the file).  A stray CSV quote costs one line: a quoted
 * field that spans lines and then runs past max_quoted_lines newlines, past the record limit or the
 * end of the file, or closes and is followed by anything but a delimiter or a line end, is cut back
 * to the line of its opening quote (that line is the record; the parser rejects it) and splitting
 * resumes at the next line.  Damaged gzip data does stop it: every complete record before the
 * damage is returned, then an error naming the file and the offset.
 *
 * A source is not thread-safe.  Memory: one read buffer (grows up to
 * load.max.record.bytes + 2 for a long record), one transcoding buffer.
 */
#ifndef DGP_FILE_SOURCE_H
#define DGP_FILE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "dgp_err.h"
#include "dgp_norm.h"
#include "dgp_parse.h"
#include "dgp_record.h"

#define DGP_FILE_SOURCE_READ_SIZE        (1u << 20)  /* default gzread size */
#define DGP_FILE_SOURCE_MAX_RECORD       (16u << 20) /* default load.max.record.bytes */
#define DGP_FILE_SOURCE_MAX_QUOTED_LINES 20          /* default load.csv.max.quoted.lines */
#define DGP_FILE_ID_HEX                  33          /* xxh3-128 hex + NUL */

typedef struct dgp_file_source dgp_file_source_t;

typedef struct dgp_file_source_opts {
	dgp_format_t format;     /* JSONL or CSV: how records are split */
	char csv_delim;          /* CSV: 0 means ',' */
	char csv_quote;          /* CSV: 0 means '"' */
	const char *encoding;    /* NULL, "" or "UTF-8"; else an iconv name: "GBK", "GB18030" */
	size_t max_record_bytes; /* 0 means DGP_FILE_SOURCE_MAX_RECORD */
	size_t read_size;        /* 0 means DGP_FILE_SOURCE_READ_SIZE */
	size_t
	    max_quoted_lines; /* CSV: newlines one quoted field may span before its quote is
	                       * taken for a stray one; 0 means DGP_FILE_SOURCE_MAX_QUOTED_LINES */
	int64_t start_offset; /* resume: a record's end_offset from an earlier run; 0 = start */
	int64_t start_line;   /* 1-based line at start_offset (its next_line); 0 means 1 */
} dgp_file_source_opts_t;

/* One record.  Everything it points to is owned by the source and valid until the next call. */
typedef struct dgp_file_record {
	const char *raw; /* the record's bytes as in the file, terminator removed; for
	                  * too_long only the first max_record_bytes bytes */
	size_t raw_len;
	const char *text; /* UTF-8 text to parse (== raw for UTF-8 files); NULL when rejected */
	size_t text_len;
	dgp_origin_t origin; /* source = the path given to open, partition -1 */
	int64_t next_line;   /* line at origin.end_offset: store both to resume there */
	dgp_reason_t reason; /* OK, CHARSET or TOO_LONG */
	const char *detail;  /* why, when reason != OK, e.g. "invalid GBK at byte 7"; else NULL */
	uint32_t flags;      /* DGP_NF_TRANSCODED when the text was transcoded */
} dgp_file_record_t;

/*
 * dgp_file_source_open — open path for reading records as opts say (NULL:
 * all defaults, JSON lines).  For CSV the header row is read at once, even
 * when resuming (see dgp_file_source_header).  The path string is copied;
 * origin.source points to the copy, so the source must outlive the batches
 * holding its records.  Returns DGP_OK with *src (free with
 * dgp_file_source_close), or DGP_ERR_IO (cannot open / read / seek),
 * DGP_ERR_INVALID (unknown encoding, start offset past the end, a header
 * that is not valid text) with errstr naming the file.
 */
dgp_err_t dgp_file_source_open(const char *path, const dgp_file_source_opts_t *opts,
                               dgp_file_source_t **src, char *errstr,
                               size_t errstr_size) DGP_MUST_CHECK;

/* dgp_file_source_close — close and free; NULL is a no-op. */
void dgp_file_source_close(dgp_file_source_t *src);

/*
 * dgp_file_source_header — the CSV header row as UTF-8 text (terminator
 * removed), or NULL when the file has no rows (or the format is JSONL).
 * Valid until close.
 */
const char *dgp_file_source_header(const dgp_file_source_t *src, size_t *len);

/*
 * dgp_file_source_defer_text — from now on dgp_file_source_next leaves the
 * UTF-8 check or transcoding of each record (text NULL, reason OK unless
 * too long) to dgp_file_source_make_text, so a reader that drops most
 * records unread (the chunk gate) does not pay for their text.
 */
void dgp_file_source_defer_text(dgp_file_source_t *src);

/*
 * dgp_file_source_make_text — the text of rec as dgp_file_source_next
 * would have made it: rec->raw checked (UTF-8) or transcoded, setting text,
 * flags, or reason CHARSET with detail.  rec->raw may be a copy of the
 * record's bytes.  A record that has its text or is rejected is left as it
 * is.  A transcoded text and a detail are valid until the next call on src.
 */
void dgp_file_source_make_text(dgp_file_source_t *src, dgp_file_record_t *rec);

/*
 * dgp_file_source_next — the next record into *rec.  Returns 1 when *rec
 * holds a record (check rec->reason), 0 at the end of the file, or a
 * negative dgp_err_t: DGP_ERR_IO for a read error or damaged / truncated
 * gzip data, with errstr naming the file and the uncompressed byte offset
 * where reading stopped.  After an error every later call returns it again.
 */
int dgp_file_source_next(dgp_file_source_t *src, dgp_file_record_t *rec, char *errstr,
                         size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_file_source_progress — bytes of the file (compressed, as on disk)
 * consumed so far and the file's size, for a progress bar and an ETA.
 */
void dgp_file_source_progress(const dgp_file_source_t *src, uint64_t *read_bytes,
                              uint64_t *total_bytes);

/*
 * dgp_file_source_guess_encoding — whether the file looks written in
 * another encoding than opts->encoding says, judged by its first nrecords
 * records (the CSV header and too_long lines not counted): *likely is set
 * to "UTF-8", "GBK" or "GB18030" when most of those records with non-ASCII
 * bytes fail to decode as declared and every one decodes cleanly as that
 * encoding, or (declared GBK/GB18030) the file opens with a UTF-8 byte
 * order mark and its records are all UTF-8; else NULL.  Reads only those
 * records; a read error ends the check early (reading the file again
 * reports it).  Returns DGP_OK, or the errors of dgp_file_source_open
 * with errstr set.
 */
dgp_err_t dgp_file_source_guess_encoding(const char *path, const dgp_file_source_opts_t *opts,
                                         size_t nrecords, const char **likely, char *errstr,
                                         size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_file_id — the file's identity for dgp_ops.file_progress: xxh3-128 of
 * its bytes as on disk (compressed for .gz), as 32 lowercase hex digits,
 * written NUL-terminated to hex[DGP_FILE_ID_HEX].  Reads the whole file once
 * in 1 MiB blocks.  Returns DGP_OK or DGP_ERR_IO with errstr naming the file.
 */
dgp_err_t dgp_file_id(const char *path, char hex[DGP_FILE_ID_HEX], char *errstr,
                      size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_file_load_id — the identity of loading a file one way, the key of
 * dgp_ops.file_progress: xxh3-128 (32 lowercase hex digits, NUL-terminated
 * into hex[DGP_FILE_ID_HEX]) of the file's content id (dgp_file_id), the
 * resource code and the parse options that change what its bytes mean:
 * format, encoding (case-insensitive; NULL and "" are UTF-8), delimiter
 * and quote (0 means ',' and '"').  The same bytes loaded for another
 * resource or with another encoding are another load.
 */
void dgp_file_load_id(const char *content_id, const char *resource_code,
                      const dgp_file_source_opts_t *opts, char hex[DGP_FILE_ID_HEX]);

#endif /* DGP_FILE_SOURCE_H */
