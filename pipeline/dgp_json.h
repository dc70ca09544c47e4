/*
 * dgp_json.h — strict scanner for one flat JSON object (one record), and
 * the JSON string writer every JSON output uses.
 *
 * Department records are one object of string keys to string / number /
 * true / false / null values.  The scanner accepts exactly that subset of
 * RFC 8259, strictly: UTF-8 validated, no trailing garbage, no leading
 * zeros, no raw control characters, no \u0000, no unpaired surrogates.
 * Nested objects and arrays get their own error, so a caller can tell "not
 * a flat record" from "not JSON".  Chosen over jansson, json-c, yajl and
 * cJSON by benchmarks/json (RESULTS.md, "JSON parser choice").
 *
 *   in ──▶ key/value slices into in        (no escapes: zero copy)
 *     └──▶ key/value slices into scratch   (first backslash: copy + unescape)
 *
 * No allocation, no NUL terminator needed, never reads past in + len.
 */
#ifndef DGP_JSON_H
#define DGP_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "dgp_buf.h"
#include "dgp_err.h"

typedef enum dgp_json_type {
	DGP_JSON_STRING,
	DGP_JSON_NUMBER,
	DGP_JSON_TRUE,
	DGP_JSON_FALSE,
	DGP_JSON_NULL,
} dgp_json_type_t;

/*
 * One (key, value) pair.  key and val point into the input (no escapes)
 * or into the caller's scratch buffer (unescaped).  For numbers val is the
 * number text exactly as written; for true/false/null it is the literal.
 */
typedef struct dgp_json_field {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
	dgp_json_type_t type;
	size_t offset; /* byte offset of the key's opening quote in the input */
} dgp_json_field_t;

typedef struct dgp_json_error {
	size_t offset;   /* byte offset into the input where the error was found */
	const char *msg; /* static string, lowercase, no trailing period */
	int charset;     /* 1 when the error is invalid UTF-8 or a NUL byte, else 0 */
} dgp_json_error_t;

/*
 * dgp_json_scan — scan in[0..len) as one flat JSON object.
 *
 * scratch must hold at least len bytes (unescaping never grows a string);
 * it is only written once a backslash is seen, so it may be NULL when in
 * holds no '\\'.  Both in and scratch must outlive the fields.
 *
 * Returns the number of fields (>= 0) written to fields[0..max_fields), or
 * -1 with *err set.  Duplicate keys are returned as they are, in input
 * order: rejecting them is the caller's policy.
 */
int dgp_json_scan(const char *in, size_t len, char *scratch, dgp_json_field_t *fields,
                  size_t max_fields, dgp_json_error_t *err) DGP_MUST_CHECK;

/*
 * The one JSON string writer: s (UTF-8, NUL-terminated) with its quotes;
 * " and \ backslashed, newline, carriage return and tab as \n \r \t, other
 * control characters as \u00XX, every other byte as it is.
 * dgp_json_buf_string appends to b, dgp_json_put_string writes to out.
 */
void dgp_json_buf_string(dgp_buf_t *b, const char *s);
void dgp_json_put_string(FILE *out, const char *s);

#endif /* DGP_JSON_H */
