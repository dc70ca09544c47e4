#define _GNU_SOURCE /* memmem */
/*
 * dgp_kafka_source.c — the consumer of `dgp run` (see the header for the
 * flow).  One thread: the run loop calls dgp_kafka_source_next(), which
 * polls librdkafka; the rebalance callback runs inside that poll and calls
 * back into the run loop's hooks, so nothing here needs a lock except the
 * assignment count that /readyz reads.
 */
#include "dgp_kafka_source.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <errno.h>
#include <iconv.h>
#include <regex.h>
#include <zlib.h>

#include "dgp_clock.h"
#include "dgp_arena.h"
#include "dgp_kafka.h"
#include "dgp_log.h"

struct dgp_kafka_source {
	rd_kafka_t *rk;
	dgp_kafka_source_hooks_t hooks;
	char *group_id;
	int64_t reset_offset;    /* RD_KAFKA_OFFSET_BEGINNING / _END */
	rd_kafka_message_t *cur; /* the message handed out last */
	dgp_kafka_decoder_t dec;
	char *text_buf; /* transcoded payload */
	size_t text_cap;
	iconv_t cd; /* to UTF-8 from cd_name, (iconv_t)-1 none open */
	char cd_name[64];
	char detail[256]; /* of the last transcoding reject */
	bool paused;
	_Atomic size_t assigned;
};

static size_t assignment_size(rd_kafka_t *rk)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	size_t n = 0;
	if (rd_kafka_assignment(rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a)
		n = (size_t)a->cnt;
	if (a)
		rd_kafka_topic_partition_list_destroy(a);
	return n;
}

/* Set each partition's start offset from PostgreSQL; retried until PostgreSQL answers. */
static void seek_to_stored(dgp_kafka_source_t *s, rd_kafka_topic_partition_list_t *parts)
{
	for (int i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *p = &parts->elems[i];
		int backoff = 200;
		for (;;) {
			bool found = false;
			int64_t next = 0;
			char err[512];
			if (s->hooks.stored_offset(s->hooks.opaque, p->topic, p->partition, &found,
			                           &next, err, sizeof(err)) == DGP_OK) {
				p->offset = found ? next : s->reset_offset;
				if (found)
					dgp_log(DGP_LOG_INFO, "kafka_source",
					        "assigned %s [%d] at stored offset %lld", p->topic,
					        (int)p->partition, (long long)next);
				else
					dgp_log(DGP_LOG_INFO, "kafka_source",
					        "assigned %s [%d], no stored offset: %s", p->topic,
					        (int)p->partition,
					        s->reset_offset == RD_KAFKA_OFFSET_END
					            ? "latest"
					            : "earliest");
				break;
			}
			dgp_log(DGP_LOG_WARN, "kafka_source",
			        "cannot read the stored offset of %s [%d] (%s); retrying in %d ms",
			        p->topic, (int)p->partition, err, backoff);
			dgp_clock_sleep_ms(backoff);
			backoff = backoff < 5000 ? backoff * 2 : 5000;
		}
	}
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	dgp_kafka_source_t *s = opaque;
	bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		seek_to_stored(s, parts);
		if (cooperative) {
			rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
			if (e) {
				dgp_log(DGP_LOG_ERROR, "kafka_source", "incremental assign: %s",
				        rd_kafka_error_string(e));
				rd_kafka_error_destroy(e);
			}
		} else {
			rd_kafka_assign(rk, parts);
		}
		if (s->paused) /* back-pressure holds for new partitions too */
			rd_kafka_pause_partitions(rk, parts);
		atomic_store(&s->assigned, assignment_size(rk));
		if (s->hooks.assigned)
			s->hooks.assigned(s->hooks.opaque, parts);
	} else {
		/* Revoked (or lost): commit what was consumed from them, then let go. */
		dgp_log(DGP_LOG_INFO, "kafka_source", "%d partition%s revoked%s", parts->cnt,
		        parts->cnt == 1 ? "" : "s",
		        rd_kafka_assignment_lost(rk) ? " (assignment lost)" : "");
		if (s->hooks.revoke)
			s->hooks.revoke(s->hooks.opaque, parts);
		if (cooperative) {
			rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
			if (e)
				rd_kafka_error_destroy(e);
		} else {
			rd_kafka_assign(rk, NULL);
		}
		atomic_store(&s->assigned, assignment_size(rk));
	}
}

/* auto.offset.reset as the caller configured it: earliest unless said otherwise. */
static int64_t reset_offset_of(const dgp_config_t *cfg)
{
	for (size_t i = 0; i < dgp_config_passthrough_count(cfg); i++) {
		const char *k, *v;
		dgp_config_passthrough_get(cfg, i, &k, &v);
		if (strcmp(k, "auto.offset.reset") == 0 &&
		    (!strcmp(v, "latest") || !strcmp(v, "largest") || !strcmp(v, "end")))
			return RD_KAFKA_OFFSET_END;
	}
	return RD_KAFKA_OFFSET_BEGINNING;
}

static bool passthrough_has(const dgp_config_t *cfg, const char *key)
{
	for (size_t i = 0; i < dgp_config_passthrough_count(cfg); i++) {
		const char *k, *v;
		dgp_config_passthrough_get(cfg, i, &k, &v);
		if (strcmp(k, key) == 0)
			return true;
	}
	return false;
}

static const char *group_of(const dgp_kafka_source_opts_t *o)
{
	if (o->group_id && *o->group_id)
		return o->group_id;
	for (size_t i = 0; i < dgp_config_passthrough_count(o->cfg); i++) {
		const char *k, *v;
		dgp_config_passthrough_get(o->cfg, i, &k, &v);
		if (strcmp(k, "group.id") == 0 && *v)
			return v;
	}
	return "dgp";
}

dgp_err_t dgp_kafka_source_new(const dgp_kafka_source_opts_t *opts, dgp_kafka_source_t **out,
                               char *errstr, size_t errstr_size)
{
	*out = NULL;
	char msg[512];
	rd_kafka_conf_t *conf = dgp_kafka_conf_new(opts->cfg, errstr, errstr_size);
	if (!conf)
		return DGP_ERR_CONF_INVALID;
	/* dgp's defaults, where the configuration does not set the key itself. */
	static const char *const defaults[][2] = {
	    {"auto.offset.reset", "earliest"},
	    /* the prefetch, for all partitions together (librdkafka's default): at
	     * 16 MiB the fetcher stalled while a batch was written and 1M records
	     * took dgp run 10.9 s instead of 8.8 (benchmarks/RESULTS.md) */
	    {"queued.max.messages.kbytes", "65536"},
	    /* librdkafka's 300 s left partitions added to a topic unread for minutes */
	    {"topic.metadata.refresh.interval.ms", "30000"},
	};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (!passthrough_has(opts->cfg, defaults[i][0]))
			rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], msg, sizeof(msg));
	dgp_kafka_source_t *s = dgp_xcalloc(1, sizeof(*s));
	s->cd = (iconv_t)-1;
	s->hooks = opts->hooks;
	s->group_id = strdup(group_of(opts));
	s->reset_offset = reset_offset_of(opts->cfg);
	s->dec.max_message_bytes = opts->max_message_bytes ? opts->max_message_bytes : 16u << 20;
	/* Offsets belong to PostgreSQL: never committed or stored by librdkafka on its own. */
	static const char *const forced[][2] = {
	    {"enable.auto.commit", "false"},
	    {"enable.auto.offset.store", "false"},
	};
	for (size_t i = 0; i < sizeof(forced) / sizeof(forced[0]); i++)
		rd_kafka_conf_set(conf, forced[i][0], forced[i][1], msg, sizeof(msg));
	if (rd_kafka_conf_set(conf, "group.id", s->group_id, msg, sizeof(msg)) !=
	    RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		free(s->group_id);
		free(s);
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CONF_INVALID,
		                      "invalid group id: %s", msg);
	}
	rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
	rd_kafka_conf_set_opaque(conf, s);
	s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, msg, sizeof(msg));
	if (!s->rk) {
		rd_kafka_conf_destroy(conf);
		free(s->group_id);
		free(s);
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA,
		                      "cannot create the kafka consumer: %s", msg);
	}
	rd_kafka_poll_set_consumer(s->rk);
	/* Reachable at start, or a clear error. */
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e = rd_kafka_metadata(
	    s->rk, 0, NULL, &md, opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_destroy(s->rk);
		free(s->group_id);
		free(s);
		return dgp_errstr_set(
		    errstr, errstr_size,
		    e == RD_KAFKA_RESP_ERR__TIMED_OUT ? DGP_ERR_TIMEOUT : DGP_ERR_KAFKA,
		    "kafka brokers %s unreachable within %d ms: %s", opts->cfg->kafka_brokers,
		    opts->connect_timeout_ms, rd_kafka_err2str(e));
	}
	rd_kafka_metadata_destroy(md);
	*out = s;
	return DGP_OK;
}

dgp_err_t dgp_kafka_source_subscribe(dgp_kafka_source_t *s, const char *const *topics, size_t n,
                                     char *errstr, size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)(n ? n : 1));
	for (size_t i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, topics[i], RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t e = rd_kafka_subscribe(s->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA, "subscribe: %s",
		                      rd_kafka_err2str(e));
	return DGP_OK;
}

static bool header_get(const rd_kafka_headers_t *h, const char *name, const char **v, size_t *len)
{
	const void *val;
	size_t l;
	if (!h || rd_kafka_header_get_last(h, name, &val, &l) != RD_KAFKA_RESP_ERR_NO_ERROR || !val)
		return false;
	*v = val;
	*len = l;
	return true;
}

static bool header_is(const rd_kafka_headers_t *h, const char *name, const char *want)
{
	const char *v;
	size_t l;
	return header_get(h, name, &v, &l) && l == strlen(want) && strncasecmp(v, want, l) == 0;
}

/* Inflate a gzip payload into s->inflate_buf; false with msg->detail set on damage or size. */
static bool gunzip(dgp_kafka_decoder_t *s, dgp_kafka_msg_t *m)
{
	z_stream z = {0};
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		dgp_oom(0, "zlib stream");
	size_t out = 0;
	z.next_in = (Bytef *)m->raw;
	z.avail_in = (uInt)m->raw_len;
	int r = Z_OK;
	while (r != Z_STREAM_END) {
		if (out == s->inflate_cap) {
			if (s->inflate_cap >= s->max_message_bytes) {
				m->reason = DGP_REASON_TOO_LONG;
				snprintf(s->detail, sizeof(s->detail),
				         "inflated payload longer than %zu bytes",
				         s->max_message_bytes);
				break;
			}
			s->inflate_cap = s->inflate_cap ? s->inflate_cap * 2 : 64 * 1024;
			if (s->inflate_cap > s->max_message_bytes)
				s->inflate_cap = s->max_message_bytes;
			s->inflate_buf = dgp_xrealloc(s->inflate_buf, s->inflate_cap);
		}
		z.next_out = (Bytef *)s->inflate_buf + out;
		z.avail_out = (uInt)(s->inflate_cap - out);
		r = inflate(&z, Z_NO_FLUSH);
		out = s->inflate_cap - z.avail_out;
		if (r == Z_STREAM_END && z.avail_in > 0) {
			/* Concatenated members (gzip(1) of appended files) are one stream. */
			if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
				inflateReset(&z);
				r = Z_OK;
				continue;
			}
			m->reason = DGP_REASON_MALFORMED;
			snprintf(
			    s->detail, sizeof(s->detail),
			    "gzip: %u bytes of trailing data after the last member at byte %zu",
			    z.avail_in, (size_t)(z.next_in - (const Bytef *)m->raw));
			break;
		}
		if (r != Z_OK && r != Z_STREAM_END) {
			m->reason = DGP_REASON_MALFORMED;
			snprintf(s->detail, sizeof(s->detail), "gzip: %s",
			         z.msg              ? z.msg
			         : r == Z_BUF_ERROR ? "truncated"
			                            : "damaged");
			break;
		}
	}
	inflateEnd(&z);
	if (m->reason != DGP_REASON_OK) {
		m->detail = s->detail;
		return false;
	}
	m->payload = s->inflate_buf;
	m->len = out;
	return true;
}

/* Strip one trailing line terminator: producers often send lines as read. */
static void chomp(const char **p, size_t *len)
{
	if (*len && (*p)[*len - 1] == '\n')
		(*len)--;
	if (*len && (*p)[*len - 1] == '\r')
		(*len)--;
}

/* content-type "…; charset=GBK": m->charset, else left NULL. */
static void content_type_charset(dgp_kafka_decoder_t *s, const char *ct, size_t ctl,
                                 dgp_kafka_msg_t *m)
{
	for (size_t i = 0; i + 8 <= ctl; i++) {
		if (strncasecmp(ct + i, "charset=", 8) != 0)
			continue;
		size_t b = i + 8, e = b;
		if (b < ctl && ct[b] == '"')
			b = ++e;
		while (e < ctl && ct[e] != ';' && ct[e] != '"' && ct[e] != ' ')
			e++;
		if (e > b && e - b < sizeof(s->charset)) {
			memcpy(s->charset, ct + b, e - b);
			s->charset[e - b] = '\0';
			m->charset = s->charset;
		}
		return;
	}
}

void dgp_kafka_decode(dgp_kafka_decoder_t *s, const void *payload, size_t len,
                      const rd_kafka_headers_t *h, dgp_kafka_msg_t *m)
{
	m->raw = payload ? payload : "";
	m->raw_len = len;
	m->payload = m->raw;
	m->len = m->raw_len;
	m->format = DGP_FORMAT_JSONL;
	m->csv_header = NULL;
	m->csv_header_len = 0;
	m->charset = NULL;
	m->reason = DGP_REASON_OK;
	m->detail = NULL;
	if (!payload) {
		m->reason = DGP_REASON_TOMBSTONE;
		m->detail = "tombstone (null value) with no key: nothing to delete";
		return;
	}
	if (header_is(h, DGP_KAFKA_HDR_CONTENT_ENCODING, "gzip") && !gunzip(s, m))
		return;
	if (m->len > s->max_message_bytes) {
		m->reason = DGP_REASON_TOO_LONG;
		snprintf(s->detail, sizeof(s->detail), "payload of %zu bytes, limit %zu", m->len,
		         s->max_message_bytes);
		m->detail = s->detail;
		return;
	}
	chomp(&m->payload, &m->len);
	if (m->len == 0) {
		m->reason = DGP_REASON_EMPTY_MESSAGE;
		m->detail = m->raw_len ? "empty message (only a line end)" : "empty message";
		return;
	}
	const char *ct;
	size_t ctl;
	if (header_get(h, DGP_KAFKA_HDR_CONTENT_TYPE, &ct, &ctl)) {
		m->format =
		    (ctl >= 8 && memmem(ct, ctl, "csv", 3)) ? DGP_FORMAT_CSV : DGP_FORMAT_JSONL;
		content_type_charset(s, ct, ctl, m);
	} else {
		size_t i = 0;
		if (m->len >= 3 && !memcmp(m->payload, "\xEF\xBB\xBF", 3))
			i = 3;
		while (i < m->len && (m->payload[i] == ' ' || m->payload[i] == '\t'))
			i++;
		/* '[': a JSON array, which the JSON parser names as such */
		m->format = i < m->len && (m->payload[i] == '{' || m->payload[i] == '[')
		                ? DGP_FORMAT_JSONL
		                : DGP_FORMAT_CSV;
	}
	if (header_get(h, DGP_KAFKA_HDR_CSV_HEADER, &m->csv_header, &m->csv_header_len))
		chomp(&m->csv_header, &m->csv_header_len);
}

void dgp_kafka_decoder_free(dgp_kafka_decoder_t *d)
{
	free(d->inflate_buf);
	d->inflate_buf = NULL;
	d->inflate_cap = 0;
}

static void decode(dgp_kafka_source_t *s, rd_kafka_message_t *rkm, dgp_kafka_msg_t *m)
{
	memset(m, 0, sizeof(*m));
	m->topic = rd_kafka_topic_name(rkm->rkt);
	m->partition = rkm->partition;
	m->offset = rkm->offset;
	m->timestamp_ms = rd_kafka_message_timestamp(rkm, NULL);
	m->key = rkm->key;
	m->key_len = rkm->key_len;
	rd_kafka_headers_t *h = NULL;
	if (rd_kafka_message_headers(rkm, &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
		h = NULL;
	dgp_kafka_decode(&s->dec, rkm->payload, rkm->len, h, m);
	if (m->reason == DGP_REASON_TOMBSTONE && m->key_len) {
		/* A tombstone with a key deletes the key's row: the key is its data. */
		m->op = DGP_OP_DELETE;
		m->reason = DGP_REASON_OK;
		m->detail = NULL;
		m->raw = m->payload = m->key;
		m->raw_len = m->len = m->key_len;
	}
}

int dgp_kafka_source_next(dgp_kafka_source_t *s, int timeout_ms, dgp_kafka_msg_t *msg, char *errstr,
                          size_t errstr_size)
{
	if (s->cur) {
		rd_kafka_message_destroy(s->cur);
		s->cur = NULL;
	}
	rd_kafka_message_t *rkm = rd_kafka_consumer_poll(s->rk, timeout_ms);
	if (!rkm)
		return 0;
	if (rkm->err) {
		int rc = 0;
		if (rkm->err == RD_KAFKA_RESP_ERR__FATAL) {
			char fe[512];
			rd_kafka_fatal_error(s->rk, fe, sizeof(fe));
			dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA, "kafka: %s", fe);
			rc = -1;
		} else if (rkm->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		           rkm->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
			/* The catalog names every department's topic; most may not exist yet. */
			dgp_log(DGP_LOG_DEBUG, "kafka_source", "%s", rd_kafka_message_errstr(rkm));
		} else if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			dgp_log(DGP_LOG_WARN, "kafka_source", "%s", rd_kafka_message_errstr(rkm));
		}
		rd_kafka_message_destroy(rkm);
		return rc;
	}
	s->cur = rkm;
	decode(s, rkm, msg);
	return 1;
}

void dgp_kafka_source_pause(dgp_kafka_source_t *s, bool pause)
{
	if (s->paused == pause)
		return;
	rd_kafka_topic_partition_list_t *a = NULL;
	if (rd_kafka_assignment(s->rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
		if (pause)
			rd_kafka_pause_partitions(s->rk, a);
		else
			rd_kafka_resume_partitions(s->rk, a);
	}
	if (a)
		rd_kafka_topic_partition_list_destroy(a);
	s->paused = pause;
	dgp_log(DGP_LOG_INFO, "kafka_source", "%s fetching from %zu partition%s",
	        pause ? "paused" : "resumed", atomic_load(&s->assigned),
	        atomic_load(&s->assigned) == 1 ? "" : "s");
}

bool dgp_kafka_source_paused(const dgp_kafka_source_t *s)
{
	return s->paused;
}

void dgp_kafka_source_commit(dgp_kafka_source_t *s, const char *topic, int32_t partition,
                             int64_t next_offset)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, partition)->offset = next_offset;
	rd_kafka_resp_err_t e = rd_kafka_commit(s->rk, l, 1);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
		dgp_log(DGP_LOG_DEBUG, "kafka_source", "informational commit: %s",
		        rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
}

dgp_err_t dgp_kafka_source_seek(dgp_kafka_source_t *s, const char *topic, int32_t partition,
                                int64_t next_offset, char *errstr, size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	bool held = rd_kafka_assignment(s->rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a &&
	            rd_kafka_topic_partition_list_find(a, topic, partition);
	if (a)
		rd_kafka_topic_partition_list_destroy(a);
	if (!held)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_STATE,
		                      "seek %s [%d]: partition not assigned", topic,
		                      (int)partition);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, partition)->offset =
	    next_offset >= 0 ? next_offset : s->reset_offset;
	dgp_err_t e = DGP_OK;
	rd_kafka_error_t *err = rd_kafka_seek_partitions(s->rk, l, 0);
	if (err) {
		e = dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA, "seek %s [%d]: %s", topic,
		                   (int)partition, rd_kafka_error_string(err));
		rd_kafka_error_destroy(err);
	} else if (l->elems[0].err) {
		e = dgp_errstr_set(errstr, errstr_size, DGP_ERR_STATE, "seek %s [%d]: %s", topic,
		                   (int)partition, rd_kafka_err2str(l->elems[0].err));
	}
	rd_kafka_topic_partition_list_destroy(l);
	return e;
}

size_t dgp_kafka_source_assigned(const dgp_kafka_source_t *s)
{
	return atomic_load(&s->assigned);
}

/*
 * Where reading (topic, partition) starts when nothing was fetched from it
 * yet: the offset stored in PostgreSQL, else auto.offset.reset's end of
 * [lo, hi).  False when the stored offset cannot be read.
 */
static bool start_of(dgp_kafka_source_t *s, const char *topic, int32_t partition, int64_t lo,
                     int64_t hi, int64_t *start)
{
	bool found = false;
	int64_t next = 0;
	char err[256];
	if (s->hooks.stored_offset(s->hooks.opaque, topic, partition, &found, &next, err,
	                           sizeof(err)) != DGP_OK)
		return false;
	*start = found ? next : s->reset_offset == RD_KAFKA_OFFSET_END ? hi : lo;
	return true;
}

int64_t dgp_kafka_source_lag(dgp_kafka_source_t *s,
                             void (*fn)(void *opaque, const char *topic, int32_t partition,
                                        int64_t lag),
                             void *opaque)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	int64_t total = 0;
	if (rd_kafka_assignment(s->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
		return 0;
	rd_kafka_position(s->rk, a);
	for (int i = 0; i < a->cnt; i++) {
		int64_t lo, hi;
		const char *t = a->elems[i].topic;
		int32_t part = a->elems[i].partition;
		/* Not fetched from yet (e.g. a partition just added): ask the broker. */
		if ((rd_kafka_get_watermark_offsets(s->rk, t, part, &lo, &hi) !=
		         RD_KAFKA_RESP_ERR_NO_ERROR ||
		     hi < 0) &&
		    (rd_kafka_query_watermark_offsets(s->rk, t, part, &lo, &hi, 1000) !=
		         RD_KAFKA_RESP_ERR_NO_ERROR ||
		     hi < 0))
			continue;
		int64_t pos = a->elems[i].offset;
		if (pos < 0 && !start_of(s, a->elems[i].topic, a->elems[i].partition, lo, hi, &pos))
			continue; /* nothing fetched since the assignment and PostgreSQL unreachable
			           */
		int64_t lag = hi > pos ? hi - pos : 0;
		total += lag;
		if (fn)
			fn(opaque, a->elems[i].topic, a->elems[i].partition, lag);
	}
	rd_kafka_topic_partition_list_destroy(a);
	return total;
}

const char *dgp_kafka_source_group(const dgp_kafka_source_t *s)
{
	return s->group_id;
}

void dgp_kafka_source_close(dgp_kafka_source_t *s)
{
	if (!s)
		return;
	if (s->cur)
		rd_kafka_message_destroy(s->cur);
	s->cur = NULL;
	rd_kafka_consumer_close(s->rk); /* runs the revoke hook, leaves the group */
	rd_kafka_destroy(s->rk);
	if (s->cd != (iconv_t)-1)
		iconv_close(s->cd);
	free(s->text_buf);
	dgp_kafka_decoder_free(&s->dec);
	free(s->group_id);
	free(s);
}

static bool utf8_name(const char *enc)
{
	return !enc || !*enc || strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0;
}

static void text_reject(dgp_kafka_msg_t *m, const char *detail)
{
	m->reason = DGP_REASON_CHARSET;
	m->detail = detail;
}

dgp_reason_t dgp_kafka_source_text(dgp_kafka_source_t *s, dgp_kafka_msg_t *m, const char *encoding)
{
	if (m->reason != DGP_REASON_OK)
		return m->reason;
	const char *enc = m->charset ? m->charset : encoding;
	if (!utf8_name(enc)) {
		if (memchr(m->payload, 0, m->len)) {
			snprintf(
			    s->detail, sizeof(s->detail), "NUL byte at byte %zu",
			    (size_t)((const char *)memchr(m->payload, 0, m->len) - m->payload));
			text_reject(m, s->detail);
			return m->reason;
		}
		if (s->cd == (iconv_t)-1 || strcasecmp(s->cd_name, enc) != 0) {
			if (s->cd != (iconv_t)-1)
				iconv_close(s->cd);
			s->cd = iconv_open("UTF-8", enc);
			snprintf(s->cd_name, sizeof(s->cd_name), "%s", enc);
			if (s->cd == (iconv_t)-1) {
				snprintf(s->detail, sizeof(s->detail), "unknown charset \"%.64s\"",
				         enc);
				text_reject(m, s->detail);
				return m->reason;
			}
		}
		size_t need = 2 * m->len + 16; /* GB: 1→1, 2→≤3, 4→4 bytes */
		if (need > s->text_cap) {
			s->text_buf = dgp_xrealloc(s->text_buf, need);
			s->text_cap = need;
		}
		iconv(s->cd, NULL, NULL, NULL, NULL);
		char *in = (char *)m->payload, *out = s->text_buf;
		size_t inleft = m->len, outleft = s->text_cap;
		if (iconv(s->cd, &in, &inleft, &out, &outleft) == (size_t)-1 ||
		    iconv(s->cd, NULL, NULL, &out, &outleft) == (size_t)-1) {
			snprintf(s->detail, sizeof(s->detail), "%s %.64s at byte %zu",
			         errno == EINVAL ? "truncated" : "invalid", enc,
			         (size_t)(in - m->payload));
			text_reject(m, s->detail);
			return m->reason;
		}
		m->payload = s->text_buf;
		m->len = (size_t)(out - s->text_buf);
		m->transcoded = true;
	}
	/* A byte order mark (UTF-8, or GB18030's after transcoding) is not data. */
	if (m->len >= 3 && memcmp(m->payload, "\xEF\xBB\xBF", 3) == 0) {
		m->payload += 3;
		m->len -= 3;
	}
	if (dgp_parse_check_text(m->payload, m->len, s->detail, sizeof(s->detail)) != DGP_REASON_OK)
		text_reject(m, s->detail);
	else if (m->len == 0) {
		m->reason = DGP_REASON_EMPTY_MESSAGE;
		m->detail = "empty message (only a byte order mark)";
	}
	return m->reason;
}

/* Topic name matches one subscription entry: exact, or a '^' regular expression. */
static bool subscribed(const rd_kafka_topic_partition_list_t *sub, const char *topic)
{
	for (int i = 0; i < sub->cnt; i++) {
		const char *t = sub->elems[i].topic;
		if (t[0] != '^') {
			if (strcmp(t, topic) == 0)
				return true;
			continue;
		}
		regex_t re;
		if (regcomp(&re, t, REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		bool m = regexec(&re, topic, 0, NULL, 0) == 0;
		regfree(&re);
		if (m)
			return true;
	}
	return false;
}

int64_t dgp_kafka_source_backlog(dgp_kafka_source_t *s, int timeout_ms, char *errstr,
                                 size_t errstr_size)
{
	rd_kafka_topic_partition_list_t *sub = NULL;
	if (rd_kafka_subscription(s->rk, &sub) != RD_KAFKA_RESP_ERR_NO_ERROR || !sub) {
		dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA, "no subscription");
		return -1;
	}
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(s->rk, 1, NULL, &md, timeout_ms);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_topic_partition_list_destroy(sub);
		dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA, "metadata: %s",
		               rd_kafka_err2str(e));
		return -1;
	}
	int64_t total = 0;
	for (int t = 0; t < md->topic_cnt && total >= 0; t++) {
		const rd_kafka_metadata_topic_t *mt = &md->topics[t];
		if (mt->err || !subscribed(sub, mt->topic))
			continue;
		for (int p = 0; p < mt->partition_cnt; p++) {
			int32_t part = mt->partitions[p].id;
			int64_t lo, hi, start;
			e = rd_kafka_query_watermark_offsets(s->rk, mt->topic, part, &lo, &hi,
			                                     timeout_ms);
			if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
				dgp_errstr_set(errstr, errstr_size, DGP_ERR_KAFKA,
				               "high-water mark of %s [%d]: %s", mt->topic,
				               (int)part, rd_kafka_err2str(e));
				total = -1;
				break;
			}
			if (!start_of(s, mt->topic, part, lo, hi, &start)) {
				dgp_errstr_set(errstr, errstr_size, DGP_ERR_PG,
				               "stored offset of %s [%d] unreadable", mt->topic,
				               (int)part);
				total = -1;
				break;
			}
			if (hi > start)
				total += hi - start;
		}
	}
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_partition_list_destroy(sub);
	return total;
}
