/*
 * flat_json.h — hand-written scanner for one flat JSON object per record.
 *
 * Baseline for benchmarks/json: dgp's department records are one object of
 * string keys to string / number / true / false / null values. This scanner
 * accepts exactly that subset of RFC 8259, strictly (UTF-8 validated, no
 * trailing garbage, no leading zeros, no raw control characters) and rejects
 * nested objects/arrays with their own error, so a caller can tell "not a flat
 * record" from "not JSON".
 */
#ifndef DGP_FLAT_JSON_H
#define DGP_FLAT_JSON_H

#include <stddef.h>

typedef enum {
	DGP_JSON_STRING,
	DGP_JSON_NUMBER,
	DGP_JSON_TRUE,
	DGP_JSON_FALSE,
	DGP_JSON_NULL,
} dgp_json_type_t;

/* One (key, value) pair. key/val point either into the input (no escapes) or
 * into the caller's scratch buffer (unescaped). For numbers val is the number
 * text exactly as written; for true/false/null it is the literal. */
typedef struct {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
	dgp_json_type_t type;
} dgp_json_field_t;

typedef struct {
	size_t offset;   /* byte offset into the input where the error was found */
	const char *msg; /* static string, lowercase, no trailing period */
} dgp_json_error_t;

/*
 * Scan in[0..len) as one flat JSON object.
 *
 * scratch must hold at least len bytes (unescaping never grows a string), and
 * both in and scratch must outlive the fields. No allocation, no NUL
 * terminator needed, never reads past in + len.
 *
 * Returns the number of fields (>= 0) written to fields[0..max_fields), or -1
 * with *err set. \u0000 is rejected (PostgreSQL text cannot hold NUL), as are
 * unpaired surrogates (they have no UTF-8 form). Duplicate keys are returned
 * as they are, in input order.
 */
int dgp_flat_json_scan(const char *in, size_t len, char *scratch, dgp_json_field_t *fields,
                       size_t max_fields, dgp_json_error_t *err)
    __attribute__((warn_unused_result));

#endif
