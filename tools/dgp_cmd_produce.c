/*
 * dgp_cmd_produce.c — `dgp produce --topic T FILE`: each line of a JSON-lines
 * or CSV file (plain or .gz) as one Kafka message, for the demo and tests.
 *
 *   FILE ─gzgets─▶ line ─(CSV: first line kept as the dgp-csv-header
 *   header of every message)─▶ key = the record key's raw values (parsed
 *   with the resource's schema) ─▶ producer (idempotent) ─▶ topic
 *
 * Keying by record key keeps every version of a record in one partition,
 * so their order is kept.  --partitions N creates the topic when missing.
 * A delete marker ({"_dgp_op":"delete", key fields}, or "delete" in a CSV
 * "_dgp_op" column; needs --resource) goes as Kafka's own delete: a
 * tombstone (null value) with the key.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "dgp_catalog.h"
#include "dgp_catalog_schema.h"
#include "dgp_cmd.h"
#include "dgp_kafka.h"
#include "dgp_kafka_source.h"
#include "dgp_parse.h"

/* An existing topic with fewer partitions grows to partitions (fewer is not an error). */
static int grow_topic(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *topic, int partitions)
{
	char err[512];
	rd_kafka_NewPartitions_t *np =
	    rd_kafka_NewPartitions_new(topic, (size_t)partitions, err, sizeof(err));
	if (!np) {
		dgp_cli_err("produce", "%s", err);
		return -1;
	}
	rd_kafka_CreatePartitions(rk, &np, 1, NULL, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
	int rc = 0;
	if (!ev) {
		dgp_cli_err("produce", "adding partitions to %s: no answer in 30 s", topic);
		rc = -1;
	} else {
		size_t n;
		const rd_kafka_topic_result_t **res = rd_kafka_CreatePartitions_result_topics(
		    rd_kafka_event_CreatePartitions_result(ev), &n);
		for (size_t i = 0; i < n; i++) {
			rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
			if (e && e != RD_KAFKA_RESP_ERR_INVALID_PARTITIONS) {
				dgp_cli_err("produce", "adding partitions to %s: %s", topic,
				            rd_kafka_topic_result_error_string(res[i]));
				rc = -1;
			}
		}
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_NewPartitions_destroy(np);
	return rc;
}

static int create_topic(rd_kafka_t *rk, const char *topic, int partitions)
{
	char err[512];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, -1, err, sizeof(err));
	if (!nt) {
		dgp_cli_err("produce", "%s", err);
		return -1;
	}
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
	int rc = 0;
	if (!ev) {
		dgp_cli_err("produce", "creating topic %s: no answer in 30 s", topic);
		rc = -1;
	} else {
		size_t n;
		const rd_kafka_topic_result_t **res =
		    rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
		for (size_t i = 0; i < n; i++) {
			rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
			if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
				dgp_cli_err("produce", "creating topic %s: %s", topic,
				            rd_kafka_topic_result_error_string(res[i]));
				rc = -1;
			}
		}
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_NewTopic_destroy(nt);
	if (rc == 0)
		rc = grow_topic(rk, q, topic, partitions);
	rd_kafka_queue_destroy(q);
	return rc;
}

/* gzip-compress in into *out (malloc'd, grown as needed). */
static size_t gzip_bytes(const char *in, size_t len, char **out, size_t *cap)
{
	z_stream z = {0};
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		dgp_oom(0, "zlib stream");
	size_t need = deflateBound(&z, (uLong)len) + 32;
	if (*cap < need)
		*out = dgp_xrealloc(*out, *cap = need);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)*out;
	z.avail_out = (uInt)*cap;
	deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

int dgp_cmd_produce(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"topic", required_argument, NULL, 't'},
	    {"resource", required_argument, NULL, 'r'},
	    {"partitions", required_argument, NULL, 'p'},
	    {"gzip", no_argument, NULL, 'z'},
	    {"rate", required_argument, NULL, 'R'},
	    {"catalog", required_argument, NULL, 'C'},
	    {NULL, 0, NULL, 0},
	};
	const char *topic = NULL, *code = NULL, *catalog_dir = NULL;
	int64_t partitions = 0; /* 0: the topic is left as it is */
	double rate = 0;        /* messages per second, 0: as fast as possible */
	bool gz = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:r:p:", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			topic = optarg;
			break;
		case 'r':
			code = optarg;
			break;
		case 'p':
			if (!dgp_cli_opt_int("produce", "partitions", optarg, 0, INT32_MAX,
			                     &partitions))
				return DGP_EXIT_USAGE;
			break;
		case 'z':
			gz = true;
			break;
		case 'R':
			if (!dgp_cli_opt_real("produce", "rate", optarg, 0, HUGE_VAL, &rate))
				return DGP_EXIT_USAGE;
			break;
		case 'C':
			catalog_dir = optarg;
			break;
		default:
			return DGP_EXIT_USAGE;
		}
	}
	if (!topic || optind != argc - 1) {
		dgp_cli_err("produce", "usage: dgp produce --topic T [--resource CODE] "
		                       "[--partitions N] [--gzip] [--rate N] FILE");
		return DGP_EXIT_USAGE;
	}
	const char *path = argv[optind];
	gzFile in = gzopen(path, "rb");
	if (!in) {
		dgp_cli_err("produce", "cannot open %s", path);
		return DGP_EXIT_FAIL;
	}
	/* The key: the record key's raw values, parsed with the resource's schema. */
	dgp_catalog_t *cat = NULL;
	dgp_arena_t *arena = dgp_arena_new(0);
	const dgp_schema_t *schema = NULL;
	if (dgp_cli_load_catalog(cli, "produce", catalog_dir, &cat) == DGP_EXIT_OK) {
		const char *bare = strncmp(topic, cli->cfg->run_topic_prefix,
		                           strlen(cli->cfg->run_topic_prefix)) == 0
		                       ? topic + strlen(cli->cfg->run_topic_prefix)
		                       : topic;
		const dgp_catalog_resource_t *res = code ? dgp_catalog_find_resource(cat, code)
		                                         : dgp_catalog_find_by_topic(cat, bare);
		if (!res && !code && strstr(topic, "dept.")) /* some other prefix */
			res = dgp_catalog_find_by_topic(cat, strstr(topic, "dept."));
		if (!res)
			fprintf(stderr,
			        "dgp produce: %s names no catalog resource: messages "
			        "without key\n",
			        code ? code : topic);
		char err[512];
		if (res &&
		    dgp_catalog_schema_build(cat, res, arena, &schema, err, sizeof(err)) != DGP_OK)
			schema = NULL;
	}
	char err[512];
	uint64_t failed_deliveries = 0;
	static const char *const settings[] = {"linger.ms", "20", NULL};
	rd_kafka_t *rk =
	    dgp_kafka_producer_new(cli->cfg, settings, &failed_deliveries, err, sizeof(err));
	if (!rk) {
		dgp_cli_err("produce", "%s", err);
		return DGP_EXIT_FAIL;
	}
	int rc = DGP_EXIT_OK;
	if (partitions > 0 && create_topic(rk, topic, (int)partitions) != 0)
		rc = DGP_EXIT_FAIL;
	size_t cap = 1 << 20, zcap = 0;
	char *line = dgp_xmalloc(cap), *header = NULL, *zbuf = NULL;
	dgp_parser_t *parser = NULL;
	dgp_slice_t *vals = schema ? dgp_xcalloc(schema->nfields + 1, sizeof(*vals)) : NULL;
	dgp_arena_t *scratch = dgp_arena_new(0);
	unsigned long long sent = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool first = true;
	while (rc == DGP_EXIT_OK && gzgets(in, line, (int)cap)) {
		size_t len = strlen(line);
		while (len == cap - 1 && line[len - 1] != '\n') { /* longer than the buffer */
			line = dgp_xrealloc(line, cap *= 2);
			if (!gzgets(in, line + len, (int)(cap - len)))
				break;
			len += strlen(line + len);
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (first) {
			first = false;
			size_t i = len >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3) ? 3 : 0;
			dgp_parse_opts_t po = {line[i] == '{' ? DGP_FORMAT_JSONL : DGP_FORMAT_CSV,
			                       0, 0, false};
			if (po.format == DGP_FORMAT_CSV)
				header = strdup(line);
			if (schema) {
				parser = dgp_parse_new(schema, &po);
				if (header && dgp_parse_csv_header(parser, header, strlen(header),
				                                   err, sizeof(err)) != DGP_OK) {
					dgp_parse_destroy(parser);
					parser = NULL;
				}
			}
			if (header)
				continue;
		}
		if (!len)
			continue;
		/* Key: the raw key fields joined with 0x1F (absent when unparsable). */
		char key[1024];
		size_t kl = 0;
		bool tombstone = false;
		if (parser) {
			dgp_arena_reset(scratch);
			char det[128];
			char *text = dgp_arena_memdup(scratch, line, len);
			if (dgp_parse_record(parser, text, len, scratch, vals, det, sizeof(det)) ==
			    DGP_REASON_OK) {
				/* a delete marker goes as Kafka's delete: a tombstone with the key
				 */
				tombstone = dgp_parse_op(parser) == DGP_OP_DELETE;
				for (size_t k = 0; k < schema->nkeys; k++) {
					dgp_slice_t v = vals[schema->key_fields[k]];
					if (k && kl < sizeof(key))
						key[kl++] = '\x1f';
					if (v.p && kl + v.len < sizeof(key)) {
						memcpy(key + kl, v.p, v.len);
						kl += v.len;
					}
				}
			}
		}
		const char *payload = line;
		size_t plen = len;
		if (gz) {
			plen = gzip_bytes(line, len, &zbuf, &zcap);
			payload = zbuf;
		}
		rd_kafka_headers_t *hdrs = rd_kafka_headers_new(3);
		if (header)
			rd_kafka_header_add(hdrs, DGP_KAFKA_HDR_CSV_HEADER, -1, header, -1);
		/* The lines are read as UTF-8 (the key is parsed from them): say so,
		 * whatever encoding the catalog declares for the resource. */
		rd_kafka_header_add(
		    hdrs, DGP_KAFKA_HDR_CONTENT_TYPE, -1,
		    header ? "text/csv; charset=UTF-8" : "application/json; charset=UTF-8", -1);
		if (gz)
			rd_kafka_header_add(hdrs, DGP_KAFKA_HDR_CONTENT_ENCODING, -1, "gzip", -1);
		rd_kafka_resp_err_t e =
		    dgp_kafka_produce(rk, topic, tombstone ? NULL : payload, tombstone ? 0 : plen,
		                      kl ? key : NULL, kl, hdrs, -1);
		if (e) {
			dgp_cli_err("produce", "%s", rd_kafka_err2str(e));
			rc = DGP_EXIT_FAIL;
		}
		sent++;
		rd_kafka_poll(rk, 0);
		if (rate >
		    0) { /* pace: message n leaves no earlier than n / rate s after the first */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			double el =
			    (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
			double ahead = (double)sent / rate - el;
			if (ahead > 0.001) {
				struct timespec d = {(time_t)ahead,
				                     (long)((ahead - (double)(time_t)ahead) * 1e9)};
				nanosleep(&d, NULL);
			}
		}
	}
	if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR || failed_deliveries) {
		dgp_cli_err("produce", "%" PRIu64 " message%s not delivered", failed_deliveries,
		            failed_deliveries == 1 ? "" : "s");
		rc = DGP_EXIT_FAIL;
	}
	if (rc == DGP_EXIT_OK)
		printf("%llu messages to %s\n", sent, topic);
	rd_kafka_destroy(rk);
	gzclose(in);
	free(line);
	free(header);
	free(zbuf);
	free(vals);
	dgp_parse_destroy(parser);
	dgp_arena_destroy(scratch);
	dgp_arena_destroy(arena);
	dgp_catalog_destroy(cat);
	return rc;
}
