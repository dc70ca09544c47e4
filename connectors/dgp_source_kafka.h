/*
 * dgp_source_kafka.h — the Kafka consumer (dgp_kafka_source.h) as the
 * engine's dgp_source_t.
 *
 *   dgp_kafka_source_next ─▶ dgp_source_record_t (topic/partition@offset, raw,
 *       format, dgp-csv-header, produce time); text() transcodes in the lane's
 *       encoding unless the message names its charset
 *   rebalance hooks ─▶ listener: revoke (the engine commits first), stored
 *       (the offset PostgreSQL holds), assigned (caches warmed again)
 *   commit ─▶ Kafka's committed offset (monitoring only); pause, seek as is
 */
#ifndef DGP_SOURCE_KAFKA_H
#define DGP_SOURCE_KAFKA_H

#include "dgp_kafka_source.h"
#include "dgp_source.h"

typedef struct dgp_source_kafka dgp_source_kafka_t;

/*
 * dgp_source_kafka_new — the consumer of opts (its hooks are the adapter's:
 * opts->hooks is ignored).  DGP_OK with *out (free with
 * dgp_source_close(dgp_source_kafka_source(*out)): leaves the group, the
 * engine committing the revoked partitions first), or
 * dgp_kafka_source_new's error.
 */
dgp_err_t dgp_source_kafka_new(const dgp_kafka_source_opts_t *opts, dgp_source_kafka_t **out,
                               char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/* dgp_source_kafka_source — the interface (owned by k). */
dgp_source_t *dgp_source_kafka_source(dgp_source_kafka_t *k);

/* dgp_source_kafka_consumer — the consumer underneath (subscribe, lag, backlog, group). */
dgp_kafka_source_t *dgp_source_kafka_consumer(dgp_source_kafka_t *k);

#endif /* DGP_SOURCE_KAFKA_H */
