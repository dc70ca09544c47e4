/*
 * dgp_parse.h — one record's bytes → raw field slices, by schema field.
 *
 *   record bytes (UTF-8, in the batch arena)
 *     ├─ JSON lines: one flat object; keys matched to source names
 *     └─ CSV: one row; columns matched by the header row
 *          ─▶ vals[schema->nfields]: slices into the record bytes,
 *             or into the batch arena where unescaping was needed
 *          ─▶ or a record-level reject: malformed | columns | charset,
 *             with a detail naming the byte offset inside the record
 *
 * Ownership: the parser never copies a value it does not have to.  A value
 * without escapes points into `in`, so `in` must live as long as the
 * values — in the record path, in the batch arena.  The file source hands
 * out transient records, so the engine copies each one into the batch
 * arena first (once: untranscoded, that copy is also the record's raw bytes):
 *
 *     dgp_arena_t *a = dgp_batch_arena(batch);
 *     char *text = dgp_arena_memdup(a, rec.text, rec.text_len);
 *     dgp_reason_t r = dgp_parse_record(parser, text, rec.text_len, a, vals,
 *                                       detail, sizeof(detail));
 *     dgp_batch_set_raw_kept(batch, rec.text == rec.raw);
 *     dgp_batch_add(batch, cache, ctx, &rec.origin,
 *                   rec.text == rec.raw ? text : rec.raw, rec.raw_len,
 *                   vals, r, r ? detail : NULL);
 *
 * A CSV record without a quote, CR or LF is split from one bitmap of its
 * delimiters (16 bytes a step, SSE2); one with any is scanned field by field.
 *
 * Values that needed unescaping (JSON \-escapes, CSV doubled quotes) are
 * written to `arena`: one allocation per record at most, never per field.
 *
 * Absent vs empty (dgp_slice_t): a JSON null, a key not present, a CSV
 * column missing from the header and an unquoted empty CSV field are
 * absent (p == NULL); "" in JSON and a quoted empty CSV field ("") are
 * empty strings (p != NULL, len 0) — PostgreSQL's COPY CSV convention.
 *
 * A parser is not thread-safe; it is built once per file / topic and
 * reused for every record.
 */
#ifndef DGP_PARSE_H
#define DGP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "dgp_arena.h"
#include "dgp_err.h"
#include "dgp_norm.h"
#include "dgp_record.h"
#include "dgp_schema.h"

typedef enum dgp_format {
	DGP_FORMAT_JSONL, /* one flat JSON object per line */
	DGP_FORMAT_CSV,   /* RFC 4180, header row first */
} dgp_format_t;

typedef struct dgp_parse_opts {
	dgp_format_t format;
	char csv_delim;      /* field delimiter; 0 means ',' */
	char csv_quote;      /* quote character; 0 means '"' */
	bool strict_unknown; /* a record carrying a key / a value in a column the schema does
	                      * not know is rejected (DGP_REASON_UNKNOWN_FIELD) */
} dgp_parse_opts_t;

/* A JSON key or CSV column the schema does not know: its name only, never a value. */
typedef struct dgp_unknown_field {
	const char *name; /* as first seen (at most 128 bytes), NUL-terminated */
	size_t len;
	uint64_t records; /* records that carried it (CSV: with a non-empty value) */
} dgp_unknown_field_t;

typedef struct dgp_parser dgp_parser_t;

/*
 * The JSON key of a delete marker: {"_dgp_op":"delete", <key fields>} asks
 * for the key's row to be deleted ("upsert" is the default, an ordinary
 * record).  Not a catalog name: source names start with a letter.
 */
#define DGP_PARSE_OP_KEY "_dgp_op"

/*
 * dgp_parse_new — a parser for records of schema (which must outlive it).
 * opts NULL means JSON lines.  A CSV parser needs dgp_parse_csv_header()
 * before its first record.  Never NULL; free with dgp_parse_destroy().
 * Delimiter and quote must differ and be neither '\r' nor '\n' (a bad
 * combination falls back to ',' and '"').
 */
dgp_parser_t *dgp_parse_new(const dgp_schema_t *schema, const dgp_parse_opts_t *opts);

/* dgp_parse_destroy — free the parser; NULL is a no-op. */
void dgp_parse_destroy(dgp_parser_t *p);

/*
 * dgp_parse_csv_header — map the columns of the header row in[0..len)
 * (no line terminator) to schema fields by source name, ASCII
 * case-insensitively, ignoring spaces around names and a leading UTF-8
 * byte order mark.  Unknown columns are
 * ignored (and counted: dgp_parse_unknown_keys).  Returns DGP_OK, or
 * DGP_ERR_PARSE when the header is not valid CSV or names a field twice,
 * or DGP_ERR_CATALOG when the column of a key or required field is
 * missing (every record would be rejected as empty); errstr names the
 * missing column and the header's unknown columns.  in is not kept.
 */
dgp_err_t dgp_parse_csv_header(dgp_parser_t *p, const char *in, size_t len, char *errstr,
                               size_t errstr_size) DGP_MUST_CHECK;

/* dgp_parse_csv_columns — the header's column count (0 before the header). */
size_t dgp_parse_csv_columns(const dgp_parser_t *p);

/*
 * dgp_parse_record — parse one record in[0..len) (no line terminator)
 * into vals[0..schema->nfields), which are all set (absent unless found).
 * in must be UTF-8 (dgp_parse_check_text) and outlive vals (see the top
 * of this file); arena receives unescaped values.  Returns DGP_REASON_OK,
 * or DGP_REASON_MALFORMED / DGP_REASON_COLUMNS / DGP_REASON_CHARSET with
 * a NUL-terminated detail in detail[0..detail_size) such as
 * "expected ':' after key at byte 17", "duplicate key \"XM\" at byte 40"
 * or "4 columns, header has 5".  vals are unspecified after a reject.
 *
 * JSON: unknown keys are ignored and counted, a key given twice (also
 * when it differs only in case) is malformed, nested objects and arrays
 * are malformed, numbers / true / false keep their text, null is absent.
 * "_dgp_op" (DGP_PARSE_OP_KEY) is no field: it sets dgp_parse_op(); a
 * value other than "delete" / "upsert" is malformed.  CSV: a header column
 * named "_dgp_op" does the same, an empty value meaning "upsert".
 */
dgp_reason_t dgp_parse_record(dgp_parser_t *p, const char *in, size_t len, dgp_arena_t *arena,
                              dgp_slice_t *vals, char *detail, size_t detail_size) DGP_MUST_CHECK;

/* dgp_parse_op — what the last record dgp_parse_record() accepted asks for. */
dgp_op_t dgp_parse_op(const dgp_parser_t *p);

/*
 * dgp_parse_key — split a message key key[0..len) (a Kafka tombstone's:
 * the raw key values joined with DGP_KEY_SEP, as dgp-produce writes it)
 * into the key fields of vals[0..s->nfields) (the others absent), slices
 * into key.  Returns DGP_REASON_OK, or DGP_REASON_DELETE_KEY with detail
 * when the number of parts is not the schema's key field count.
 */
dgp_reason_t dgp_parse_key(const dgp_schema_t *s, const char *key, size_t len, dgp_slice_t *vals,
                           char *detail, size_t detail_size) DGP_MUST_CHECK;

/*
 * dgp_parse_unknown_keys — JSON keys / CSV header columns seen so far that
 * match no field of the schema (for the catalog's drift report).
 */
uint64_t dgp_parse_unknown_keys(const dgp_parser_t *p);

/*
 * dgp_parse_unknown_fields — the distinct unknown names seen so far (ASCII
 * case-insensitively; at most 1024), in order of first sight, with the
 * records that carried each.  *n is their number.  The array is owned by
 * the parser, valid until its next call; entries are only appended, so a
 * caller can log each new name once by remembering how many it has seen.
 */
const dgp_unknown_field_t *dgp_parse_unknown_fields(const dgp_parser_t *p, size_t *n);

/*
 * dgp_parse_check_text — DGP_REASON_OK when in[0..len) is valid UTF-8
 * without NUL bytes, else DGP_REASON_CHARSET with detail "NUL byte at byte
 * N" or "invalid UTF-8 at byte N" (the first offending offset).
 */
dgp_reason_t dgp_parse_check_text(const char *in, size_t len, char *detail,
                                  size_t detail_size) DGP_MUST_CHECK;

#endif /* DGP_PARSE_H */
