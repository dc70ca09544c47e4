/*
 * dgp_record.h — one department record on its way through the pipeline.
 *
 *   raw bytes (as received) ──parse──▶ raw field slices ──normalise──▶ vals
 *                                                  └──▶ or reject (reason, field)
 *
 * Everything a record points to lives in its batch's arena.
 */
#ifndef DGP_RECORD_H
#define DGP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "dgp_dedup.h"
#include "dgp_norm.h"

/* The byte that joins the fields of a record key (dgp_batch) and of a key read back from PostgreSQL
 * (the sink's cache warm-up). */
#define DGP_KEY_SEP '\x1f'

/* A byte range; p == NULL means absent (SQL NULL), len 0 with p != NULL an empty string. */
typedef struct dgp_slice {
	const char *p;
	size_t len;
} dgp_slice_t;

/* Where a record came from: a file (path, line, byte offset) or Kafka (topic, partition, offset).
 */
typedef struct dgp_origin {
	const char *source; /* file path or topic; lives at least as long as the batch */
	int32_t partition;  /* -1 for files */
	int64_t offset; /* Kafka offset, or byte offset of the record's first byte in the file */
	int64_t line;   /* 1-based line of the record's first byte in the file; -1 for Kafka */
	int64_t end_offset; /* file: byte offset just past the record (resume point); Kafka: offset
	                       + 1 */
} dgp_origin_t;

/*
 * What a record asks for: its key's row as the record has it (an insert or
 * an update, told apart by the dedup cache), or its key's row gone (a Kafka
 * tombstone with a key, a file's delete marker: README "Deletes").
 */
typedef enum dgp_op {
	DGP_OP_UPSERT = 0,
	DGP_OP_DELETE,
} dgp_op_t;

typedef struct dgp_record {
	dgp_origin_t origin;
	dgp_op_t op;
	dgp_slice_t raw;     /* the bytes as received (before transcoding) */
	dgp_slice_t *vals;   /* schema->nfields normalised values (a delete: key fields only) */
	uint32_t flags;      /* union of the fields' DGP_NF_* flags */
	dgp_reason_t reason; /* DGP_REASON_OK, or why the record is rejected */
	int reject_field;    /* index of the offending field, -1 for record-level reasons */
	const char
	    *reject_detail; /* e.g. "column 3 of 5", parser message with byte offset; may be NULL */
	dgp_dedup_class_t cls; /* valid when reason == OK; a delete still to apply is none of
	                          them (dgp_batch_counts_t.deletes), a superseded one DUPLICATE */
	uint64_t key_hash, content_hash;
	dgp_slice_t key; /* normalised record key (fields joined with 0x1F) */
} dgp_record_t;

#endif /* DGP_RECORD_H */
