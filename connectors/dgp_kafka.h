/*
 * dgp_kafka.h — building librdkafka clients from dgp's configuration.
 *
 * `kafka.brokers` becomes bootstrap.servers; every other `kafka.*` key is
 * passed to rd_kafka_conf_set() without the prefix, so TLS, SASL and tuning
 * work exactly as librdkafka's CONFIGURATION.md documents.  librdkafka's own
 * log lines go to dgp_log() under the module "kafka".
 */
#ifndef DGP_KAFKA_H
#define DGP_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "dgp_arena.h"
#include "dgp_config.h"
#include "dgp_err.h"

/*
 * dgp_kafka_conf_check — the passthrough validator for dgp_config
 * (dgp_conf_passthrough_fn): tries key=value on a scratch rd_kafka_conf_t.
 * Returns DGP_OK, DGP_ERR_CONF_UNKNOWN or DGP_ERR_CONF_INVALID with
 * librdkafka's message in errstr.  opaque is unused.
 */
dgp_err_t dgp_kafka_conf_check(const char *key, const char *value, char *errstr, size_t errstr_size,
                               void *opaque);

/*
 * dgp_kafka_conf_new — a librdkafka configuration from cfg: bootstrap
 * servers, the passthrough keys in the order they were set, dgp's log
 * callback.  Returns NULL with errstr set when librdkafka refuses a value
 * (cannot happen for a cfg whose keys passed dgp_kafka_conf_check).  The
 * caller owns the result (rd_kafka_new takes it over on success).
 */
rd_kafka_conf_t *dgp_kafka_conf_new(const dgp_config_t *cfg, char *errstr, size_t errstr_size);

/*
 * dgp_kafka_producer_new — the one producer setup: an idempotent producer
 * (enable.idempotence=true) on dgp_kafka_conf_new(cfg), then settings, a
 * NULL-terminated list of librdkafka key, value pairs (NULL: none), e.g.
 * {"linger.ms", "20", NULL}.  Each message librdkafka reports as not
 * delivered adds one to *undelivered (atomically, in the thread that polls
 * or flushes; NULL: not counted), so a caller can tell after
 * rd_kafka_flush() whether everything arrived.  Returns NULL with errstr
 * set when librdkafka refuses a setting or the client.  The caller owns the
 * producer (rd_kafka_flush, rd_kafka_destroy) and *undelivered, which must
 * outlive it.
 */
rd_kafka_t *dgp_kafka_producer_new(const dgp_config_t *cfg, const char *const *settings,
                                   uint64_t *undelivered, char *errstr, size_t errstr_size);

/*
 * dgp_kafka_produce — queue one message on topic: value (len bytes) and key
 * (klen bytes, NULL for none) are copied, hdrs (NULL for none) belongs to
 * the message once queued and is destroyed here otherwise.  While the
 * producer's queue is full it serves delivery reports for 100 ms and tries
 * again, at most full_waits times (negative: until there is room).  Returns
 * RD_KAFKA_RESP_ERR_NO_ERROR or librdkafka's error (__QUEUE_FULL once the
 * waits are used up).
 */
rd_kafka_resp_err_t dgp_kafka_produce(rd_kafka_t *rk, const char *topic, const void *value,
                                      size_t len, const void *key, size_t klen,
                                      rd_kafka_headers_t *hdrs, int full_waits);

/*
 * dgp_kafka_describe_cluster — one line describing the cluster rk is
 * connected to ("N brokers, controller id K, T topics"), allocated in
 * arena, waiting up to timeout_ms for metadata.  Returns DGP_OK or
 * DGP_ERR_KAFKA / DGP_ERR_TIMEOUT with errstr set.
 */
dgp_err_t dgp_kafka_describe_cluster(rd_kafka_t *rk, int timeout_ms, dgp_arena_t *arena, char **out,
                                     char *errstr, size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_KAFKA_H */
