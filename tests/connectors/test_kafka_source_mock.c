/*
 * test_kafka_source_mock.c — dgp_kafka_source on librdkafka's mock cluster
 * (no JVM): assignment at the offsets "PostgreSQL" holds, payload decoding
 * (gzip, CSV header, JSON sniffing, damaged gzip), fetch request errors and
 * the broker going down and coming back — every message delivered once, in
 * order per partition, none skipped.
 */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "dgp_config.h"
#include "dgp_kafka.h"
#include "dgp_kafka_source.h"

#define TOPIC "dept.test.src"
#define NPART 2

typedef struct seen {
	int64_t next[NPART]; /* next offset expected per partition */
	int count, gz, csv, bad, revokes, assigns;
	int64_t stored[NPART]; /* "dgp_ops.offsets": -1 none */
} seen_t;

static dgp_err_t stored_offset(void *opaque, const char *topic, int32_t partition, bool *found,
                               int64_t *next, char *err, size_t err_size)
{
	(void)topic, (void)err, (void)err_size;
	seen_t *s = opaque;
	*found = s->stored[partition] >= 0;
	*next = s->stored[partition];
	s->next[partition] = *found ? *next : 0;
	return DGP_OK;
}

static void on_revoke(void *opaque, const rd_kafka_topic_partition_list_t *parts)
{
	(void)parts;
	((seen_t *)opaque)->revokes++;
}

static void assigned(void *opaque, const rd_kafka_topic_partition_list_t *parts)
{
	(void)parts;
	((seen_t *)opaque)->assigns++;
}

static void produce(rd_kafka_t *p, int32_t part, const void *v, size_t len, const char *hk,
                    const char *hv)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(1);
	if (hk)
		rd_kafka_header_add(h, hk, -1, hv, -1);
	cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(part),
	                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	                               RD_KAFKA_V_VALUE((void *)v, len), RD_KAFKA_V_HEADERS(h),
	                               RD_KAFKA_V_END),
	             0);
}

static size_t gz(const char *in, char *out, size_t cap)
{
	z_stream z = {0};
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)strlen(in);
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

/* Messages 0..n-1 per partition: JSON, every 3rd gzip, every 5th CSV with header. */
static void produce_batch(rd_kafka_t *p, int from, int n)
{
	for (int i = from; i < from + n; i++)
		for (int32_t part = 0; part < NPART; part++) {
			char v[128], z[256];
			if (i % 5 == 4) {
				snprintf(v, sizeof(v), "%d,%d\n", part, i);
				produce(p, part, v, strlen(v), DGP_KAFKA_HDR_CSV_HEADER, "P,I");
			} else {
				snprintf(v, sizeof(v), "{\"p\":%d,\"i\":%d}", part, i);
				if (i % 3 == 2) {
					size_t zl = gz(v, z, sizeof(z));
					rd_kafka_headers_t *h = rd_kafka_headers_new(1);
					rd_kafka_header_add(h, "content-encoding", -1, "gzip", -1);
					cr_assert_eq(rd_kafka_producev(
					                 p, RD_KAFKA_V_TOPIC(TOPIC),
					                 RD_KAFKA_V_PARTITION(part),
					                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					                 RD_KAFKA_V_VALUE(z, zl),
					                 RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END),
					             0);
				} else {
					produce(p, part, v, strlen(v), NULL, NULL);
				}
			}
		}
	cr_assert_eq(rd_kafka_flush(p, 20000), 0);
}

/* Consume until total messages were seen or timeout; check order and contents. */
static void consume(dgp_kafka_source_t *src, seen_t *s, int total, int timeout_s)
{
	time_t end = time(NULL) + timeout_s;
	while (s->count < total && time(NULL) < end) {
		dgp_kafka_msg_t m;
		char err[256];
		int r = dgp_kafka_source_next(src, 100, &m, err, sizeof(err));
		cr_assert_geq(r, 0, "%s", err);
		if (!r)
			continue;
		cr_assert_eq(m.offset, s->next[m.partition],
		             "partition %d: offset %lld, expected %lld", m.partition,
		             (long long)m.offset, (long long)s->next[m.partition]);
		s->next[m.partition] = m.offset + 1;
		s->count++;
		if (m.reason != DGP_REASON_OK) {
			s->bad++;
			continue;
		}
		char want[64];
		int i = (int)m.offset;
		if (m.format == DGP_FORMAT_CSV) {
			cr_assert_not_null(m.csv_header);
			cr_assert_eq(m.csv_header_len, 3);
			snprintf(want, sizeof(want), "%d,%d", m.partition, i);
			s->csv++;
		} else {
			snprintf(want, sizeof(want), "{\"p\":%d,\"i\":%d}", m.partition, i);
			if (m.raw_len != m.len || memcmp(m.raw, m.payload, m.len))
				s->gz++;
		}
		cr_assert_eq(m.len, strlen(want), "payload %.*s", (int)m.len, m.payload);
		cr_assert(memcmp(m.payload, want, m.len) == 0);
	}
}

typedef struct fixture {
	rd_kafka_t *host, *prod;
	rd_kafka_mock_cluster_t *mc;
	dgp_config_t *cfg;
	dgp_kafka_source_t *src;
	seen_t seen;
} fixture_t;

static void setup(fixture_t *f, int64_t stored0)
{
	char err[512];
	memset(f, 0, sizeof(*f));
	f->host = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof(err));
	cr_assert_not_null(f->host, "%s", err);
	f->mc = rd_kafka_mock_cluster_new(f->host, 1);
	cr_assert_eq(rd_kafka_mock_topic_create(f->mc, TOPIC, NPART, 1), 0);
	const char *boot = rd_kafka_mock_cluster_bootstraps(f->mc);
	rd_kafka_conf_t *pc = rd_kafka_conf_new();
	rd_kafka_conf_set(pc, "bootstrap.servers", boot, err, sizeof(err));
	f->prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err));
	cr_assert_not_null(f->prod);
	f->cfg = dgp_config_new();
	dgp_config_set_passthrough(f->cfg, "kafka.", dgp_kafka_conf_check, NULL);
	cr_assert_eq(dgp_config_set(f->cfg, "kafka.brokers", boot, err, sizeof(err)), DGP_OK);
	cr_assert_eq(dgp_config_set(f->cfg, "kafka.group.id", "g-mock", err, sizeof(err)), DGP_OK);
	cr_assert_eq(dgp_config_set(f->cfg, "kafka.log_level", "2", err, sizeof(err)), DGP_OK);
	f->seen.stored[0] = stored0;
	f->seen.stored[1] = -1;
	dgp_kafka_source_opts_t o = {
	    .cfg = f->cfg,
	    .connect_timeout_ms = 5000,
	    .max_message_bytes = 1 << 20,
	    .hooks = {&f->seen, on_revoke, stored_offset, assigned},
	};
	cr_assert_eq(dgp_kafka_source_new(&o, &f->src, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_str_eq(dgp_kafka_source_group(f->src), "g-mock");
	const char *topics[] = {TOPIC};
	cr_assert_eq(dgp_kafka_source_subscribe(f->src, topics, 1, err, sizeof(err)), DGP_OK);
}

static void teardown(fixture_t *f)
{
	dgp_kafka_source_close(f->src);
	cr_assert_geq(f->seen.revokes, 1, "close gives the partitions up through the hook");
	rd_kafka_destroy(f->prod);
	rd_kafka_mock_cluster_destroy(f->mc);
	rd_kafka_destroy(f->host);
	dgp_config_destroy(f->cfg);
}

Test(kafka_source_mock, seeks_to_stored_offsets_and_decodes_payloads, .timeout = 120)
{
	fixture_t f;
	setup(&f, 10); /* partition 0 committed up to 10 in "PostgreSQL", partition 1 nothing */
	produce_batch(f.prod, 0, 30);
	/* Damaged gzip: rejected with a reason, never a crash or a lost offset. */
	produce(f.prod, 1, "not gzip at all", 15, "content-encoding", "gzip");
	cr_assert_eq(rd_kafka_flush(f.prod, 10000), 0);
	consume(f.src, &f.seen, 20 + 31, 60);
	cr_assert_eq(f.seen.count, 51, "partition 0 from 10, partition 1 from 0: %d", f.seen.count);
	cr_assert_eq(f.seen.next[0], 30);
	cr_assert_eq(f.seen.next[1], 31);
	cr_assert_eq(f.seen.bad, 1);
	cr_assert_gt(f.seen.gz, 0);
	cr_assert_gt(f.seen.csv, 0);
	cr_assert_eq(dgp_kafka_source_assigned(f.src), NPART);
	teardown(&f);
}

Test(kafka_source_mock, fetch_errors_and_broker_down_lose_nothing, .timeout = 180)
{
	fixture_t f;
	setup(&f, -1);
	produce_batch(f.prod, 0, 20);
	consume(f.src, &f.seen, 40, 60);
	cr_assert_eq(f.seen.count, 40);
	/* Fetch requests fail (retriable errors), then succeed: nothing skipped, nothing twice. */
	rd_kafka_mock_push_request_errors(
	    f.mc, 1 /* Fetch */, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
	    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
	    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
	produce_batch(f.prod, 20, 20);
	consume(f.src, &f.seen, 80, 60);
	cr_assert_eq(f.seen.count, 80);
	/* The broker goes down: polls return nothing (no error surfaces as data). */
	rd_kafka_mock_broker_set_down(f.mc, 1);
	int before = f.seen.count;
	consume(f.src, &f.seen, before + 1, 3);
	cr_assert_eq(f.seen.count, before);
	rd_kafka_mock_broker_set_up(f.mc, 1);
	produce_batch(f.prod, 40, 20);
	consume(f.src, &f.seen, 120, 90);
	cr_assert_eq(f.seen.count, 120);
	cr_assert_eq(f.seen.next[0], 60);
	cr_assert_eq(f.seen.next[1], 60);
	teardown(&f);
}

Test(kafka_source_mock, unreachable_brokers_fail_clearly_at_start, .timeout = 60)
{
	dgp_config_t *cfg = dgp_config_new();
	char err[512];
	dgp_config_set_passthrough(cfg, "kafka.", dgp_kafka_conf_check, NULL);
	cr_assert_eq(dgp_config_set(cfg, "kafka.brokers", "127.0.0.1:1", err, sizeof(err)), DGP_OK);
	cr_assert_eq(dgp_config_set(cfg, "kafka.log_level", "0", err, sizeof(err)), DGP_OK);
	dgp_kafka_source_opts_t o = {.cfg = cfg, .connect_timeout_ms = 1500};
	dgp_kafka_source_t *src = (void *)1;
	dgp_err_t e = dgp_kafka_source_new(&o, &src, err, sizeof(err));
	cr_assert(e == DGP_ERR_TIMEOUT || e == DGP_ERR_KAFKA);
	cr_assert_null(src);
	cr_assert(strstr(err, "127.0.0.1:1") != NULL, "%s", err);
	dgp_config_destroy(cfg);
}

static void produce_raw(rd_kafka_t *p, const void *v, size_t len, const char *hk, const char *hv)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(1);
	if (hk)
		rd_kafka_header_add(h, hk, -1, hv, -1);
	cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0),
	                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	                               RD_KAFKA_V_VALUE((void *)v, len), RD_KAFKA_V_HEADERS(h),
	                               RD_KAFKA_V_END),
	             0);
}

typedef struct decoded {
	dgp_reason_t reason;
	dgp_format_t format;
	char payload[128];
	size_t len;
	char detail[256];
} decoded_t;

/*
 * Each kind of payload gets its own reason, or decodes to the exact text:
 * tombstone, empty, a UTF-8 BOM before JSON, a JSON array, gzip members
 * concatenated or followed by junk, GBK by content-type charset or by the
 * resource's encoding, GBK taken for UTF-8.
 */
Test(kafka_source_mock, every_payload_kind_decodes_or_gets_its_own_reason, .timeout = 120)
{
	fixture_t f;
	setup(&f, -1);
	static const char gbk[] = "{\"XM\":\"\xD5\xC5\xC8\xFD\"}"; /* 张三 in GBK */
	char z1[128], z2[128], both[256];
	size_t l1 = gz("{\"a\":", z1, sizeof(z1)), l2 = gz("2}", z2, sizeof(z2));
	memcpy(both, z1, l1);
	memcpy(both + l1, z2, l2);
	char junk[160];
	memcpy(junk, z1, l1);
	memcpy(junk + l1, "junk", 4);
	struct {
		const void *v;
		size_t len;
		const char *hk, *hv, *enc;
	} in[] = {
	    {NULL, 0, NULL, NULL, NULL},
	    {"", 0, NULL, NULL, NULL},
	    {"\xEF\xBB\xBF{\"a\":1}", 10, NULL, NULL, NULL},
	    {"[1,2]", 5, NULL, NULL, NULL},
	    {both, l1 + l2, "content-encoding", "gzip", NULL},
	    {junk, l1 + 4, "content-encoding", "gzip", NULL},
	    {gbk, sizeof(gbk) - 1, "content-type", "application/json; charset=GBK", "UTF-8"},
	    {gbk, sizeof(gbk) - 1, NULL, NULL, "GBK"},
	    {gbk, sizeof(gbk) - 1, NULL, NULL, "UTF-8"},
	    {"\n", 1, NULL, NULL, NULL},
	};
	enum { N = sizeof(in) / sizeof(in[0]) };
	for (int i = 0; i < N; i++)
		produce_raw(f.prod, in[i].v, in[i].len, in[i].hk, in[i].hv);
	cr_assert_eq(rd_kafka_flush(f.prod, 10000), 0);
	decoded_t d[N];
	int n = 0;
	time_t end = time(NULL) + 60;
	while (n < N && time(NULL) < end) {
		dgp_kafka_msg_t m;
		char err[256];
		int r = dgp_kafka_source_next(f.src, 100, &m, err, sizeof(err));
		cr_assert_geq(r, 0, "%s", err);
		if (!r)
			continue;
		cr_assert_eq(m.offset, n);
		dgp_kafka_source_text(f.src, &m, in[n].enc);
		d[n] = (decoded_t){.reason = m.reason, .format = m.format, .len = m.len};
		memcpy(d[n].payload, m.payload, m.len < 128 ? m.len : 128);
		snprintf(d[n].detail, sizeof(d[n].detail), "%s", m.detail ? m.detail : "");
		n++;
	}
	cr_assert_eq(n, N);
	cr_expect_eq(d[0].reason, DGP_REASON_TOMBSTONE);
	cr_expect_str_eq(d[0].detail, "tombstone (null value) with no key: nothing to delete");
	cr_expect_eq(d[1].reason, DGP_REASON_EMPTY_MESSAGE);
	cr_expect_str_eq(d[1].detail, "empty message");
	cr_expect_eq(d[2].reason, DGP_REASON_OK, "%s", d[2].detail);
	cr_expect_eq(d[2].format, DGP_FORMAT_JSONL);
	cr_expect_eq(d[2].len, 7);
	cr_expect(memcmp(d[2].payload, "{\"a\":1}", 7) == 0);
	cr_expect_eq(d[3].format, DGP_FORMAT_JSONL);
	cr_expect_eq(d[4].reason, DGP_REASON_OK, "%s", d[4].detail);
	cr_expect_eq(d[4].len, 7);
	cr_expect(memcmp(d[4].payload, "{\"a\":2}", 7) == 0, "%.*s", (int)d[4].len, d[4].payload);
	cr_expect_eq(d[5].reason, DGP_REASON_MALFORMED);
	char want[128];
	snprintf(want, sizeof(want),
	         "gzip: 4 bytes of trailing data after the last member at byte %zu", l1);
	cr_expect_str_eq(d[5].detail, want);
	for (int i = 6; i <= 7; i++) {
		cr_expect_eq(d[i].reason, DGP_REASON_OK, "%d: %s", i, d[i].detail);
		cr_expect_eq(d[i].len, strlen("{\"XM\":\"张三\"}"), "%d", i);
		cr_expect(memcmp(d[i].payload, "{\"XM\":\"张三\"}", d[i].len) == 0, "%d", i);
	}
	cr_expect_eq(d[8].reason, DGP_REASON_CHARSET);
	cr_expect_str_eq(d[8].detail, "invalid UTF-8 at byte 7");
	cr_expect_eq(d[9].reason, DGP_REASON_EMPTY_MESSAGE);
	cr_expect_str_eq(d[9].detail, "empty message (only a line end)");
	teardown(&f);
}

/*
 * A tombstone with a message key is a delete of that key: reason OK, op
 * delete, raw and payload the key bytes; without a key it stays a reject.
 */
Test(kafka_source_mock, a_tombstone_with_a_key_is_a_delete, .timeout = 120)
{
	fixture_t f;
	setup(&f, -1);
	static const char key[] = "420106194001020004\x1f"
	                          "2";
	cr_assert_eq(rd_kafka_producev(f.prod, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0),
	                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	                               RD_KAFKA_V_KEY((void *)key, sizeof(key) - 1),
	                               RD_KAFKA_V_VALUE(NULL, 0), RD_KAFKA_V_END),
	             0);
	produce_raw(f.prod, NULL, 0, NULL, NULL);
	cr_assert_eq(rd_kafka_flush(f.prod, 10000), 0);
	dgp_kafka_msg_t m[2];
	char raw[64] = "";
	int n = 0;
	time_t end = time(NULL) + 60;
	while (n < 2 && time(NULL) < end) {
		char err[256];
		int r = dgp_kafka_source_next(f.src, 100, &m[n], err, sizeof(err));
		cr_assert_geq(r, 0, "%s", err);
		if (!r)
			continue;
		if (n == 0)
			memcpy(raw, m[0].raw, m[0].raw_len < 63 ? m[0].raw_len : 63);
		n++;
	}
	cr_assert_eq(n, 2);
	cr_expect_eq(m[0].reason, DGP_REASON_OK);
	cr_expect_eq(m[0].op, DGP_OP_DELETE);
	cr_expect_eq(m[0].raw_len, sizeof(key) - 1);
	cr_expect_str_eq(raw, key);
	cr_expect_eq(m[1].reason, DGP_REASON_TOMBSTONE);
	cr_expect_eq(m[1].op, DGP_OP_UPSERT);
	cr_expect_str_eq(m[1].detail, "tombstone (null value) with no key: nothing to delete");
	teardown(&f);
}
