/*
 * dgp_source_kafka.c — the Kafka consumer behind the engine's source
 * interface (see dgp_source_kafka.h).  The message of the last next() is
 * kept here, so text() can transcode it in place.
 */
#include "dgp_source_kafka.h"

#include <stdlib.h>

#include "dgp_arena.h"

struct dgp_source_kafka {
	dgp_source_t src;
	dgp_kafka_source_t *ks;
	dgp_kafka_msg_t msg; /* the message of the last next() */
};

static int kafka_next(void *opaque, int timeout_ms, dgp_source_record_t *rec, char *err,
                      size_t err_size)
{
	dgp_source_kafka_t *k = opaque;
	int got = dgp_kafka_source_next(k->ks, timeout_ms, &k->msg, err, err_size);
	if (got < 0)
		return DGP_SOURCE_ERROR;
	if (got == 0)
		return DGP_SOURCE_IDLE;
	const dgp_kafka_msg_t *m = &k->msg;
	*rec = (dgp_source_record_t){
	    .origin = {m->topic, m->partition, m->offset, -1, m->offset + 1},
	    .next_line = -1,
	    .timestamp_ms = m->timestamp_ms,
	    .op = m->op,
	    .raw = m->raw,
	    .raw_len = m->raw_len,
	    .format = m->format,
	    .csv_header = m->csv_header,
	    .csv_header_len = m->csv_header_len,
	    .reason = m->reason,
	    .detail = m->detail,
	};
	return DGP_SOURCE_RECORD;
}

/* The charset the message names, else the resource's encoding (catalog). */
static dgp_reason_t kafka_text(void *opaque, dgp_source_record_t *rec, const char *encoding)
{
	dgp_source_kafka_t *k = opaque;
	rec->reason = dgp_kafka_source_text(k->ks, &k->msg, encoding);
	rec->detail = k->msg.detail;
	rec->text = rec->reason == DGP_REASON_OK ? k->msg.payload : NULL;
	rec->text_len = rec->reason == DGP_REASON_OK ? k->msg.len : 0;
	return rec->reason;
}

static void kafka_commit(void *opaque, const char *topic, int32_t partition, int64_t next)
{
	dgp_kafka_source_commit(((dgp_source_kafka_t *)opaque)->ks, topic, partition, next);
}

static void kafka_pause(void *opaque, bool pause)
{
	dgp_kafka_source_pause(((dgp_source_kafka_t *)opaque)->ks, pause);
}

static dgp_err_t kafka_seek(void *opaque, const char *topic, int32_t partition, int64_t next,
                            int64_t next_line, char *err, size_t err_size)
{
	(void)next_line;
	return dgp_kafka_source_seek(((dgp_source_kafka_t *)opaque)->ks, topic, partition, next,
	                             err, err_size);
}

static void kafka_close(void *opaque)
{
	dgp_source_kafka_t *k = opaque;
	dgp_kafka_source_close(k->ks); /* the revoke hook runs: the engine commits */
	free(k);
}

/* ---- rebalance hooks → the engine's listener -------------------------------------- */

static void hook_revoke(void *opaque, const rd_kafka_topic_partition_list_t *parts)
{
	dgp_source_kafka_t *k = opaque;
	const dgp_source_listener_t *l = &k->src.listener;
	if (!l->revoke)
		return;
	for (int i = 0; i < parts->cnt; i++)
		l->revoke(l->engine, parts->elems[i].topic, parts->elems[i].partition);
}

static dgp_err_t hook_stored(void *opaque, const char *topic, int32_t partition, bool *found,
                             int64_t *next, char *err, size_t err_size)
{
	dgp_source_kafka_t *k = opaque;
	const dgp_source_listener_t *l = &k->src.listener;
	if (!l->stored) {
		*found = false;
		return DGP_OK;
	}
	return l->stored(l->engine, topic, partition, found, next, err, err_size);
}

static void hook_assigned(void *opaque, const rd_kafka_topic_partition_list_t *parts)
{
	dgp_source_kafka_t *k = opaque;
	const dgp_source_listener_t *l = &k->src.listener;
	if (!l->assigned)
		return;
	for (int i = 0; i < parts->cnt; i++)
		l->assigned(l->engine, parts->elems[i].topic, parts->elems[i].partition);
}

dgp_err_t dgp_source_kafka_new(const dgp_kafka_source_opts_t *opts, dgp_source_kafka_t **out,
                               char *err, size_t err_size)
{
	dgp_source_kafka_t *k = dgp_xcalloc(1, sizeof(*k));
	dgp_kafka_source_opts_t o = *opts;
	o.hooks = (dgp_kafka_source_hooks_t){k, hook_revoke, hook_stored, hook_assigned};
	k->src = (dgp_source_t){.opaque = k,
	                        .next = kafka_next,
	                        .text = kafka_text,
	                        .commit = kafka_commit,
	                        .pause = kafka_pause,
	                        .seek = kafka_seek,
	                        .close = kafka_close};
	dgp_err_t e = dgp_kafka_source_new(&o, &k->ks, err, err_size);
	if (e != DGP_OK) {
		free(k);
		return e;
	}
	*out = k;
	return DGP_OK;
}

dgp_source_t *dgp_source_kafka_source(dgp_source_kafka_t *k)
{
	return &k->src;
}

dgp_kafka_source_t *dgp_source_kafka_consumer(dgp_source_kafka_t *k)
{
	return k->ks;
}
