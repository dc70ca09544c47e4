/*
 * dgp_source.h — one interface for everything the engine reads from: a
 * Kafka consumer, a file, a test's fake.
 *
 *   source ─next()─▶ dgp_source_record_t (origin, raw bytes, format, CSV header)
 *          ─text()─▶ UTF-8 text in the lane's encoding (sources that transcode late)
 *   engine ─commit()─▶ the source learns what PostgreSQL holds (informational)
 *          ─pause()─▶ back-pressure while the sink is down
 *          ─seek()──▶ read a partition / file again from the stored progress
 *   source ─listener─▶ engine: revoke (flush before giving up), stored (where
 *                      to resume a partition), assigned (warm caches again)
 *
 * A source is a struct of function pointers over an opaque handle, so the
 * engine knows neither librdkafka nor files.  The adapters live in
 * connectors/ (dgp_kafka_source.c, dgp_file_source.c); tests fake one.
 */
#ifndef DGP_SOURCE_H
#define DGP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_err.h"
#include "dgp_norm.h"
#include "dgp_parse.h"
#include "dgp_record.h"

/* dgp_source_t.next() results. */
enum {
	DGP_SOURCE_END =
	    -2, /* the input is read to its end (files); rec->origin has the end position */
	DGP_SOURCE_ERROR =
	    -1, /* unrecoverable (damaged file, fatal consumer error): errstr says why */
	DGP_SOURCE_IDLE = 0,   /* nothing arrived within the timeout (streams) */
	DGP_SOURCE_RECORD = 1, /* *rec filled */
};

/*
 * One record as a source hands it over; every pointer is valid until the
 * source's next next(), seek() or close().
 */
typedef struct dgp_source_record {
	dgp_origin_t origin;  /* source = topic or path (lives as long as the source); partition
	                         -1 for files; end_offset = where reading resumes after it */
	int64_t next_line;    /* files: line at origin.end_offset; streams: -1 */
	int64_t timestamp_ms; /* produce time, -1 unknown (files) */
	dgp_op_t op;          /* DGP_OP_DELETE: a tombstone, raw is its message key */
	const char *raw;      /* the bytes as received */
	size_t raw_len;
	const char *text; /* UTF-8 text to parse; NULL until text() for sources that have it */
	size_t text_len;
	dgp_format_t format;
	const char *csv_header; /* the CSV header row in force, NULL: the lane's default */
	size_t csv_header_len;
	dgp_reason_t reason;     /* OK, or why the bytes cannot be read (charset, too_long, …) */
	const char *detail;      /* with reason: why, never a value */
	uint64_t skipped_before; /* records passed over unparsed just before this one (a reload's
	                            unchanged chunks): counted read and unchanged with it */
} dgp_source_record_t;

/*
 * What a source tells the engine from inside next() (rebalances).  Set by
 * dgp_ingest_new(); a source calls the members that are not NULL.
 */
typedef struct dgp_source_listener {
	void *engine;
	/* revoke — (source, partition) is about to be given up: the engine commits
	 * what it read from it first (it may block while the sink is down). */
	void (*revoke)(void *engine, const char *source, int32_t partition);
	/* stored — where (source, partition) stands in the sink: *found false when
	 * nothing is stored; an error makes the source ask again. */
	dgp_err_t (*stored)(void *engine, const char *source, int32_t partition, bool *found,
	                    int64_t *next_offset, char *errstr, size_t errstr_size);
	/* assigned — (source, partition) was taken on at its stored position. */
	void (*assigned)(void *engine, const char *source, int32_t partition);
} dgp_source_listener_t;

typedef struct dgp_source {
	void *opaque;
	/*
	 * next — wait up to timeout_ms for one record: DGP_SOURCE_RECORD,
	 * _IDLE, _END (rec->origin.source / end_offset / next_line say where the
	 * input ended) or _ERROR (errstr set).
	 */
	int (*next)(void *opaque, int timeout_ms, dgp_source_record_t *rec, char *errstr,
	            size_t errstr_size);
	/* text — may be NULL (text already set): make rec->text UTF-8 without a NUL byte
	 * (dgp_parse_check_text) from encoding (the lane's, NULL: UTF-8) unless the record
	 * names its own; returns rec->reason. */
	dgp_reason_t (*text)(void *opaque, dgp_source_record_t *rec, const char *encoding);
	/* commit — may be NULL: the sink committed (source, partition) up to next_offset. */
	void (*commit)(void *opaque, const char *source, int32_t partition, int64_t next_offset);
	/* pause — may be NULL: stop (true) or resume (false) fetching; positions kept. */
	void (*pause)(void *opaque, bool pause);
	/* seek — read (source, partition) again from next_offset (< 0: from the start /
	 * the source's reset policy), next_line (files) the line there.  DGP_ERR_STATE
	 * when the source no longer holds it (nothing to do). */
	dgp_err_t (*seek)(void *opaque, const char *source, int32_t partition, int64_t next_offset,
	                  int64_t next_line, char *errstr, size_t errstr_size);
	/* close — may be NULL: release the source (dgp_source_close). */
	void (*close)(void *opaque);
	dgp_source_listener_t listener; /* set by the engine */
} dgp_source_t;

/* dgp_source_close — src->close(src->opaque) when set; NULL is a no-op. */
static inline void dgp_source_close(dgp_source_t *src)
{
	if (src && src->close)
		src->close(src->opaque);
}

#endif /* DGP_SOURCE_H */
