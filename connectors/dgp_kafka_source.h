/*
 * dgp_kafka_source.h — the Kafka source of `dgp run`: librdkafka's
 * high-level consumer in one consumer group, offsets owned by PostgreSQL.
 *
 *   brokers ─fetch─▶ rd_kafka_consumer_poll ─▶ dgp_kafka_source_next()
 *      ├─ null value, with a key  ─▶ a delete of that key (op, raw = the key)
 *      ├─ null value without key / no bytes ─▶ reject: tombstone | empty_message
 *      ├─ content-encoding: gzip  ─inflate every member─▶ payload (source-owned buffer)
 *      ├─ charset (content-type's charset=, else the resource's encoding)
 *      │                          ─iconv─▶ UTF-8 (dgp_kafka_source_text)
 *      ├─ content-type / first byte ─▶ JSON line | CSV row
 *      └─ dgp-csv-header header   ─▶ the CSV header row (else the caller's
 *                                     default: the catalog's field order)
 *   rebalance (inside poll)
 *      revoke ─▶ hooks.revoke(): the caller commits everything it consumed
 *                from those partitions to PostgreSQL, then they are given up
 *      assign ─▶ hooks.stored_offset() per partition: seek to the offset
 *                stored in dgp_ops.offsets, else auto.offset.reset
 *
 * Partitions added to a subscribed topic are noticed at the next metadata
 * refresh: dgp sets topic.metadata.refresh.interval.ms to 30 s unless the
 * configuration says otherwise (kafka.topic.metadata.refresh.interval.ms).
 *
 * enable.auto.commit and enable.auto.offset.store are off: Kafka's committed
 * offsets are written by dgp_kafka_source_commit() after PostgreSQL has
 * committed, for monitoring (lag in kafka-consumer-groups) only — they are
 * never read back.  Both the eager and the cooperative assignment protocols
 * are handled.
 */
#ifndef DGP_KAFKA_SOURCE_H
#define DGP_KAFKA_SOURCE_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_config.h"
#include "dgp_err.h"
#include "dgp_norm.h"
#include "dgp_parse.h"

/* The message header names dgp reads (and `dgp-produce` writes). */
#define DGP_KAFKA_HDR_CSV_HEADER       "dgp-csv-header"
#define DGP_KAFKA_HDR_CONTENT_ENCODING "content-encoding"
#define DGP_KAFKA_HDR_CONTENT_TYPE     "content-type"

typedef struct dgp_kafka_source dgp_kafka_source_t;

typedef struct dgp_kafka_source_hooks {
	void *opaque;
	/*
	 * revoke — parts are about to be given up (rebalance, or close).  The
	 * callee writes and commits everything consumed from them before it
	 * returns; it may block (PostgreSQL down: it retries).
	 */
	void (*revoke)(void *opaque, const rd_kafka_topic_partition_list_t *parts);
	/*
	 * stored_offset — the next offset of (topic, partition) committed in
	 * PostgreSQL: *found false when none is stored.  An error makes the
	 * source retry (the partition is not assigned before it is known).
	 */
	dgp_err_t (*stored_offset)(void *opaque, const char *topic, int32_t partition, bool *found,
	                           int64_t *next_offset, char *errstr, size_t errstr_size);
	/* assigned — parts were added to the assignment (after the seeks above). */
	void (*assigned)(void *opaque, const rd_kafka_topic_partition_list_t *parts);
} dgp_kafka_source_hooks_t;

typedef struct dgp_kafka_source_opts {
	const dgp_config_t *cfg;  /* kafka.brokers and kafka.* passthrough */
	const char *group_id;     /* consumer group; NULL: kafka.group.id, else "dgp" */
	int connect_timeout_ms;   /* how long dgp_kafka_source_new waits for the cluster */
	size_t max_message_bytes; /* longest payload after inflating; longer: too_long */
	dgp_kafka_source_hooks_t hooks;
} dgp_kafka_source_opts_t;

/* One message, valid until the next dgp_kafka_source_next() or close. */
typedef struct dgp_kafka_msg {
	const char *topic;
	int32_t partition;
	int64_t offset;
	int64_t timestamp_ms; /* producer / log-append time, -1 unknown */
	const char *key;      /* may be NULL */
	size_t key_len;
	dgp_op_t op;     /* DGP_OP_DELETE: a tombstone with a key (raw and payload are the key) */
	const char *raw; /* payload as received (compressed if it was) */
	size_t raw_len;
	const char *payload; /* decoded: inflated when content-encoding: gzip */
	size_t len;
	dgp_format_t format;    /* content-type, else '{' or '[' first → JSON, else CSV */
	const char *charset;    /* content-type's charset= (e.g. "GBK"), NULL when absent */
	bool transcoded;        /* dgp_kafka_source_text() transcoded payload to UTF-8 */
	const char *csv_header; /* dgp-csv-header value, NULL when absent */
	size_t csv_header_len;
	dgp_reason_t reason; /* OK, or why the payload cannot be decoded: TOMBSTONE (null
	                      * value), EMPTY_MESSAGE, MALFORMED (gzip), TOO_LONG, and after
	                      * dgp_kafka_source_text() CHARSET */
	const char *detail;  /* with reason: e.g. "gzip: invalid stored block lengths" */
} dgp_kafka_msg_t;

/*
 * The decoding state of one consumer: the inflate buffer (grown on demand
 * up to max_message_bytes and reused from message to message) and the
 * detail text of the last reject.  Zero it, set max_message_bytes; free
 * with dgp_kafka_decoder_free().
 */
typedef struct dgp_kafka_decoder {
	size_t max_message_bytes; /* longest payload after inflating; longer: too_long */
	char *inflate_buf;
	size_t inflate_cap;
	char charset[64]; /* content-type's charset= of the current message */
	char detail[256];
} dgp_kafka_decoder_t;

/*
 * dgp_kafka_decode — decode one message's payload (len bytes; NULL is
 * empty) with its headers h (NULL: none), as dgp_kafka_source_next()
 * does: sets m's raw, payload, format, csv_header, charset, reason and
 * detail and leaves the other fields alone.  A NULL payload is a tombstone
 * (reason tombstone; dgp_kafka_source_next() makes one with a key a
 * delete), an empty one empty_message.  content-encoding: gzip
 * inflates every member into d's buffer (damaged: malformed; longer than
 * max_message_bytes: too_long);
 * one trailing "\n" or "\r\n" of the payload and of the dgp-csv-header
 * value is dropped.  Needs no broker.  m's pointers point into payload, h
 * and d: valid while those are, and until d's next decode.
 */
void dgp_kafka_decode(dgp_kafka_decoder_t *d, const void *payload, size_t len,
                      const rd_kafka_headers_t *h, dgp_kafka_msg_t *m);

/* dgp_kafka_decoder_free — free d's buffer (d itself is the caller's). */
void dgp_kafka_decoder_free(dgp_kafka_decoder_t *d);

/*
 * dgp_kafka_source_new — create the consumer (group, auto commit off,
 * auto.offset.reset=earliest unless kafka.auto.offset.reset says else,
 * rebalance callback) and wait up to connect_timeout_ms for the cluster's
 * metadata.  Returns DGP_OK, DGP_ERR_CONF_INVALID or DGP_ERR_TIMEOUT /
 * DGP_ERR_KAFKA (brokers unreachable) with errstr set.  The caller owns
 * *out (dgp_kafka_source_close).
 */
dgp_err_t dgp_kafka_source_new(const dgp_kafka_source_opts_t *opts, dgp_kafka_source_t **out,
                               char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_kafka_source_subscribe — (re)subscribe to topics: exact names, or
 * regular expressions starting with '^' (librdkafka's convention).
 * Replaces the previous subscription.  Returns DGP_OK or DGP_ERR_KAFKA.
 */
dgp_err_t dgp_kafka_source_subscribe(dgp_kafka_source_t *src, const char *const *topics, size_t n,
                                     char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_kafka_source_next — wait up to timeout_ms for one message.  Returns 1
 * with *msg filled, 0 when none arrived (consumer errors that librdkafka
 * recovers from — broker down, transport — are logged and count as none),
 * or -1 on a fatal consumer error (errstr set).  Rebalance hooks run inside.
 */
int dgp_kafka_source_next(dgp_kafka_source_t *src, int timeout_ms, dgp_kafka_msg_t *msg,
                          char *errstr, size_t errstr_size);

/*
 * dgp_kafka_source_text — make msg's payload the UTF-8 text to parse: in
 * the charset its content-type names, else in encoding (the resource's,
 * from the catalog; NULL or "" is UTF-8), transcoded with iconv into a
 * source-owned buffer valid until the next message; a leading byte order
 * mark is dropped, as a file's is.  Returns msg->reason: OK, the reason
 * decoding already gave, or CHARSET (a NUL byte, invalid bytes, an unknown
 * charset) with msg->detail naming the byte offset; EMPTY_MESSAGE when
 * only a byte order mark was sent.
 */
dgp_reason_t dgp_kafka_source_text(dgp_kafka_source_t *src, dgp_kafka_msg_t *msg,
                                   const char *encoding);

/*
 * dgp_kafka_source_pause — pause (true) or resume (false) fetching from
 * every assigned partition: back-pressure while PostgreSQL cannot keep up.
 * Positions are kept.  Idempotent.
 */
void dgp_kafka_source_pause(dgp_kafka_source_t *src, bool pause);
bool dgp_kafka_source_paused(const dgp_kafka_source_t *src);

/*
 * dgp_kafka_source_commit — tell Kafka (asynchronously) that (topic,
 * partition) is committed up to next_offset, for monitoring only.
 */
void dgp_kafka_source_commit(dgp_kafka_source_t *src, const char *topic, int32_t partition,
                             int64_t next_offset);

/*
 * dgp_kafka_source_seek — read (topic, partition) again from next_offset
 * (< 0: per auto.offset.reset), e.g. after a stale batch was dropped.
 * Messages of the partition already fetched are discarded.  Asynchronous;
 * a partition not (or no longer) assigned is left alone: DGP_ERR_STATE.
 */
dgp_err_t dgp_kafka_source_seek(dgp_kafka_source_t *src, const char *topic, int32_t partition,
                                int64_t next_offset, char *errstr,
                                size_t errstr_size) DGP_MUST_CHECK;

/* dgp_kafka_source_assigned — partitions currently assigned (safe from any thread). */
size_t dgp_kafka_source_assigned(const dgp_kafka_source_t *src);

/*
 * dgp_kafka_source_lag — for each assigned partition, high watermark minus
 * position, from librdkafka's cached watermarks (no request); a partition
 * nothing was fetched from since its assignment (e.g. just added to the
 * topic) counts from its stored offset (hooks.stored_offset), else from
 * auto.offset.reset's end.  fn gets every partition with a known lag (no
 * cached watermark yet: none), the return value is their sum.  fn may be
 * NULL.
 */
int64_t dgp_kafka_source_lag(dgp_kafka_source_t *src,
                             void (*fn)(void *opaque, const char *topic, int32_t partition,
                                        int64_t lag),
                             void *opaque);

/*
 * dgp_kafka_source_backlog — messages not yet committed in PostgreSQL in
 * every partition of every subscribed topic, whoever holds it: per
 * partition its high-water mark (asked of the broker, fresh metadata, so a
 * partition added a moment ago counts) minus the offset stored through
 * hooks.stored_offset (nothing stored: auto.offset.reset's end).  For
 * `dgp run --until-idle`; costs a metadata request, one watermark request
 * and one stored-offset lookup per partition.  Returns the sum, or -1 with
 * errstr set when the broker or the stored offsets cannot be read.
 */
int64_t dgp_kafka_source_backlog(dgp_kafka_source_t *src, int timeout_ms, char *errstr,
                                 size_t errstr_size);

/* dgp_kafka_source_group — the consumer group id in use. */
const char *dgp_kafka_source_group(const dgp_kafka_source_t *src);

/*
 * dgp_kafka_source_close — leave the group (the revoke hook runs for the
 * partitions held), then destroy the consumer.  NULL is a no-op.
 */
void dgp_kafka_source_close(dgp_kafka_source_t *src);

#endif /* DGP_KAFKA_SOURCE_H */
