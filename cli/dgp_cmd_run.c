/*
 * dgp_cmd_run.c — `dgp run`: the long-running service, Kafka → PostgreSQL,
 * wiring the Kafka source and the PostgreSQL sink to the ingest engine.
 *
 *   dgp_source_kafka ─message─▶ engine (pipeline/dgp_ingest.c): the lane of the
 *     topic's resource (resolve(): catalog, run.topic.prefix), parse, normalise,
 *     classify; batch full (batch.max.rows) or old (batch.max.ms)
 *     ─dgp_sink_pg─▶ one transaction = rows + rejects + dgp_ops.offsets of the batch
 *     ─COMMIT─▶ committed(): end-to-end latency, reject.topic, unknown fields
 *
 * The engine holds the exactly-once and stale-writer protocols, back-pressure
 * and re-warming (see dgp_ingest.h); this file keeps what is the command's
 * own: signals, SIGHUP's catalog reload, the reject producer, /readyz, the
 * progress line, --until-idle and shutdown within shutdown.timeout.ms.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgp_clock.h"
#include "dgp_batch.h"
#include "dgp_catalog.h"
#include "dgp_catalog_gauges.h"
#include "dgp_catalog_schema.h"
#include "dgp_catalog_sync.h"
#include "dgp_cmd.h"
#include "dgp_golden.h"
#include "dgp_http.h"
#include "dgp_ingest.h"
#include "dgp_kafka.h"
#include "dgp_kafka_source.h"
#include "dgp_log.h"
#include "dgp_metrics.h"
#include "dgp_pg.h"
#include "dgp_pg_sink.h"
#include "dgp_sink_pg.h"
#include "dgp_source_kafka.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] =
	    "dgp run: shutdown.timeout.ms passed before the batch in flight "
	    "was committed; exiting without it (it is read again at restart)\n";
	ssize_t w = write(2, msg, sizeof(msg) - 1);
	(void)w;
	_exit(1);
}

/* A resource consumed in this run: its schema, built on first sight of its topic. */
typedef struct res_state {
	const dgp_catalog_resource_t *res;
	const dgp_schema_t *schema;
	struct res_state *next;
} res_state_t;

typedef struct run {
	dgp_cli_t *cli;
	const char *catalog_dir; /* --catalog, NULL: catalog.dir; SIGHUP reloads it */
	dgp_catalog_t *cat;
	dgp_arena_t *arena; /* schemas: lives as long as cat */
	res_state_t *resources;
	dgp_http_readiness_t pg_ready; /* the sink's connection, read by /readyz */
	dgp_sink_pg_t sink;
	dgp_source_kafka_t *ksrc;
	dgp_kafka_source_t *src; /* the consumer under ksrc */
	dgp_ingest_t *eng;
	rd_kafka_t *reject_producer;
	uint64_t rejects_undelivered; /* delivery reports of reject.topic that failed */
	dgp_metrics_t *reg;
	dgp_metrics_std_t std;
	dgp_histogram_t *e2e; /* dgp_kafka_end_to_end_seconds */
	double gauges_at;     /* monotonic time of the next catalog gauges refresh */
	dgp_http_t *http;
	/* the progress line */
	uint64_t log_seen;
	double log_at, last_msg_at;
	dgp_golden_worker_t *golden; /* woken by each batch that wrote: its keys are queued */
} run_t;

/* ---- the engine's resolver: topic → resource ------------------------------------- */

static const char *strip_prefix(run_t *r, const char *topic)
{
	const char *p = r->cli->cfg->run_topic_prefix;
	size_t n = strlen(p);
	return strncmp(topic, p, n) == 0 ? topic + n : NULL;
}

static dgp_err_t resolve(void *opaque, const char *topic, dgp_ingest_lane_info_t *info, char *err,
                         size_t err_size)
{
	run_t *r = opaque;
	const char *bare = strip_prefix(r, topic);
	const dgp_catalog_resource_t *res = bare ? dgp_catalog_find_by_topic(r->cat, bare) : NULL;
	if (!res)
		return DGP_ERR_NOT_FOUND;
	res_state_t *rs = r->resources;
	while (rs && rs->res != res)
		rs = rs->next;
	if (!rs) {
		rs = dgp_arena_calloc(r->arena, sizeof(*rs));
		rs->res = res;
		if (dgp_catalog_schema_build(r->cat, res, r->arena, &rs->schema, err, err_size) !=
		    DGP_OK) {
			dgp_log(DGP_LOG_ERROR, "run", "%s: %s", res->code, err);
			return DGP_ERR_NOT_FOUND;
		}
		rs->next = r->resources;
		r->resources = rs;
	}
	*info = (dgp_ingest_lane_info_t){
	    .schema = rs->schema,
	    /* the charset a message names, else the resource's encoding */
	    .encoding = dgp_catalog_encoding_name(res->encoding),
	    .strict_unknown = dgp_cli_strict_unknown(r->cli->cfg, res->code),
	    .user = (void *)res,
	};
	return DGP_OK;
}

/* ---- after a commit ------------------------------------------------------------------ */

static void produce_rejects(run_t *r, dgp_ingest_lane_t *lane)
{
	if (!r->reject_producer)
		return;
	const dgp_schema_t *schema = lane->info.schema;
	const char *rt = r->cli->cfg->reject_topic;
	size_t n = dgp_batch_size(lane->batch);
	for (size_t i = 0; i < n; i++) {
		const dgp_record_t *rec = dgp_batch_record(lane->batch, i);
		if (rec->reason == DGP_REASON_OK)
			continue;
		char part[16], off[24];
		snprintf(part, sizeof(part), "%" PRId32, rec->origin.partition);
		snprintf(off, sizeof(off), "%" PRId64, rec->origin.offset);
		const char *field =
		    rec->reject_field >= 0 ? schema->fields[rec->reject_field].source_name : "";
		const char *reason = dgp_reason_name(rec->reason);
		rd_kafka_headers_t *hdrs = rd_kafka_headers_new(6);
		rd_kafka_header_add(hdrs, "dgp-reason", -1, reason, -1);
		rd_kafka_header_add(hdrs, "dgp-field", -1, field, -1);
		rd_kafka_header_add(hdrs, "dgp-resource", -1, schema->resource_code, -1);
		rd_kafka_header_add(hdrs, "dgp-topic", -1, rec->origin.source, -1);
		rd_kafka_header_add(hdrs, "dgp-partition", -1, part, -1);
		rd_kafka_header_add(hdrs, "dgp-offset", -1, off, -1);
		/* a full queue is waited out for up to 10 s, then the reject is skipped */
		rd_kafka_resp_err_t e = dgp_kafka_produce(r->reject_producer, rt, rec->raw.p,
		                                          rec->raw.len, NULL, 0, hdrs, 100);
		if (e)
			dgp_log(DGP_LOG_WARN, "run",
			        "reject.topic %s: %s (the reject is in dgp_ops.reject)", rt,
			        rd_kafka_err2str(e));
	}
	rd_kafka_poll(r->reject_producer, 0);
}

static void on_committed(void *opaque, dgp_ingest_lane_t *lane, const dgp_sink_result_t *res)
{
	run_t *r = opaque;
	if (res->inserted || res->updated || res->deleted)
		dgp_golden_worker_wake(r->golden);
	int64_t now_ms = (int64_t)time(NULL) * 1000;
	struct timespec wall;
	if (clock_gettime(CLOCK_REALTIME, &wall) == 0)
		now_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
	for (size_t i = 0; i < lane->n_ts; i++)
		if (lane->ts_ms[i] > 0)
			dgp_histogram_observe(r->e2e, (double)(now_ms - lane->ts_ms[i]) / 1000.0);
	produce_rejects(r, lane);
	for (int i = 0; i < 2; i++)
		dgp_cli_unknown_fields("run", lane->info.schema->resource_code, lane->parser[i],
		                       r->std.unknown_fields, &lane->unknown_logged[i],
		                       &lane->unknown_counted[i]);
}

static void on_assigned(void *opaque, const char *topic, int32_t partition)
{
	(void)topic;
	(void)partition;
	((run_t *)opaque)->last_msg_at =
	    dgp_clock_mono_s(); /* --until-idle counts from the assignment */
}

static bool ready(void *opaque, char *why, size_t why_size)
{
	run_t *r = opaque;
	if (!dgp_http_readiness_check(&r->pg_ready, why, why_size)) {
		snprintf(why, why_size, "postgresql unreachable");
		return false;
	}
	if (!r->src || dgp_kafka_source_assigned(r->src) == 0) {
		snprintf(why, why_size, "no kafka partitions assigned");
		return false;
	}
	return true;
}

static void states_free(run_t *r)
{
	dgp_ingest_forget_lanes(r->eng);
	r->resources = NULL;
}

/* ---- subscription, reload --------------------------------------------------------- */

static dgp_err_t subscribe(run_t *r, char *err, size_t err_size)
{
	const dgp_config_t *cfg = r->cli->cfg;
	size_t n = 0, cap = 16;
	char **topics = dgp_xcalloc(cap, sizeof(*topics));
	if (*cfg->run_topics) {
		char *copy = strdup(cfg->run_topics), *save = NULL;
		for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
			if (n == cap)
				topics = dgp_xrealloc(topics, (cap *= 2) * sizeof(*topics));
			/* a name gets the prefix like the catalog's names; a regex is the
			 * operator's own and must match the prefixed names */
			const char *pre = t[0] == '^' ? "" : cfg->run_topic_prefix;
			size_t l = strlen(pre) + strlen(t) + 1;
			topics[n] = dgp_xmalloc(l);
			snprintf(topics[n++], l, "%s%s", pre, t);
		}
		free(copy);
	} else {
		size_t nres;
		const dgp_catalog_resource_t *res = dgp_catalog_resources(r->cat, &nres);
		topics = dgp_xrealloc(topics, (nres + 1) * sizeof(*topics));
		for (size_t i = 0; i < nres; i++) {
			size_t l = strlen(cfg->run_topic_prefix) + strlen(res[i].topic) + 1;
			topics[n] = dgp_xmalloc(l);
			snprintf(topics[n++], l, "%s%s", cfg->run_topic_prefix, res[i].topic);
		}
	}
	dgp_err_t e =
	    dgp_kafka_source_subscribe(r->src, (const char *const *)topics, n, err, err_size);
	if (e == DGP_OK)
		dgp_log(DGP_LOG_INFO, "run", "subscribed to %zu topic%s%s%s in group %s", n,
		        n == 1 ? "" : "s", *cfg->run_topics ? ": " : "",
		        *cfg->run_topics ? cfg->run_topics : "", dgp_kafka_source_group(r->src));
	for (size_t i = 0; i < n; i++)
		free(topics[i]);
	free(topics);
	return e;
}

static void reload(run_t *r)
{
	dgp_catalog_t *cat;
	dgp_log(DGP_LOG_INFO, "run", "SIGHUP: reloading the catalog");
	if (dgp_cli_load_catalog(r->cli, "run", r->catalog_dir, &cat) != DGP_EXIT_OK) {
		dgp_log(DGP_LOG_ERROR, "run", "catalog reload failed; keeping the old catalog");
		return;
	}
	char err[2048];
	dgp_catalog_sync_report_t rep;
	if (dgp_ingest_flush(r->eng, err, sizeof(err)) != DGP_OK ||
	    dgp_catalog_sync(r->sink.conn, cat, &rep, err, sizeof(err)) != DGP_OK) {
		dgp_log(DGP_LOG_ERROR, "run",
		        "catalog reload: sync failed (%s); keeping the old "
		        "catalog",
		        err);
		dgp_catalog_destroy(cat);
		return;
	}
	states_free(r);
	dgp_arena_destroy(r->arena);
	dgp_catalog_destroy(r->cat);
	r->cat = cat;
	r->arena = dgp_arena_new(0);
	/* New schema pointers: a new sink, so no SQL built for the old ones survives. */
	dgp_sink_pg_renew(&r->sink);
	dgp_catalog_gauges_tick("run", r->sink.conn, cat, &r->std,
	                        r->cli->cfg->metrics_catalog_interval_ms, true, &r->gauges_at);
	size_t nres;
	dgp_catalog_resources(cat, &nres);
	dgp_log(DGP_LOG_INFO, "run",
	        "catalog reloaded: %zu resources; %zu tables created, %zu "
	        "columns added",
	        nres, rep.tables_created, rep.columns_added);
	if (subscribe(r, err, sizeof(err)) != DGP_OK)
		dgp_log(DGP_LOG_ERROR, "run", "%s", err);
}

/* ---- progress line ----------------------------------------------------------------- */

static void lag_one(void *opaque, const char *topic, int32_t partition, int64_t lag)
{
	run_t *r = opaque;
	char p[16];
	snprintf(p, sizeof(p), "%" PRId32, partition);
	const char *v[] = {topic, p};
	dgp_metric_set(dgp_metric_get(r->std.kafka_lag, v), (double)lag);
}

static int64_t log_progress(run_t *r, bool force)
{
	double t = dgp_clock_mono_s();
	if (!force && t - r->log_at < r->cli->cfg->run_log_interval_ms / 1000.0)
		return -1;
	int64_t lag = dgp_kafka_source_lag(r->src, lag_one, r);
	double el = t - r->log_at;
	const dgp_ingest_totals_t *tot = dgp_ingest_totals(r->eng);
	char del[48] = ""; /* only once there were deletes, as in the summary */
	if (tot->deleted || tot->absent)
		snprintf(del, sizeof(del), ", %" PRIu64 " deleted / %" PRIu64 " absent",
		         tot->deleted, tot->absent);
	dgp_log(DGP_LOG_INFO, "run",
	        "%.0f records/s, %" PRIu64 " records, %" PRIu64 " rows written, %" PRIu64
	        " rejected%s, %" PRIu64 " batches committed, %zu partitions, lag %" PRId64 "%s",
	        el > 0 ? (double)(tot->received - r->log_seen) / el : 0, tot->read,
	        tot->rows_written, tot->rejected, del, tot->batches,
	        dgp_kafka_source_assigned(r->src), lag,
	        dgp_kafka_source_paused(r->src) ? " (paused: postgresql)" : "");
	r->log_at = t;
	r->log_seen = tot->received;
	return lag;
}

/* ---- the command ------------------------------------------------------------------- */

static int run_loop(run_t *r, double until_idle_s)
{
	char err[2048];
	r->log_at = r->last_msg_at = dgp_clock_mono_s();
	double backlog_at = 0;
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			reload(r);
		}
		const dgp_ingest_totals_t *tot = dgp_ingest_totals(r->eng);
		uint64_t seen = tot->received + tot->unknown_records;
		if (dgp_ingest_step(r->eng, 100, NULL, err, sizeof(err)) != DGP_OK) {
			dgp_log(DGP_LOG_ERROR, "run", "%s", err);
			return DGP_EXIT_FAIL;
		}
		double t = dgp_clock_mono_s();
		if (tot->received + tot->unknown_records != seen)
			r->last_msg_at = t;
		log_progress(r, false);
		/* the connection is the write thread's while a batch is in flight */
		if (!dgp_ingest_sink_busy(r->eng))
			dgp_catalog_gauges_tick("run", r->sink.conn, r->cat, &r->std,
			                        r->cli->cfg->metrics_catalog_interval_ms, false,
			                        &r->gauges_at);
		if (until_idle_s > 0 && t - r->last_msg_at >= until_idle_s &&
		    dgp_kafka_source_assigned(r->src) > 0) {
			bool pending = dgp_ingest_pending(r->eng) > 0;
			/* Every partition of every subscribed topic, held here or not
			 * (one added a moment ago too), must stand committed at its
			 * high-water mark; asked at most once a second. */
			if (!pending && t >= backlog_at) {
				backlog_at = t + 1;
				int64_t backlog =
				    dgp_kafka_source_backlog(r->src, 5000, err, sizeof(err));
				if (backlog == 0) {
					dgp_log(
					    DGP_LOG_INFO, "run",
					    "idle for %.1f s with every "
					    "partition of the subscribed topics committed at its "
					    "high-water mark; stopping (--until-idle)",
					    until_idle_s);
					return DGP_EXIT_OK;
				}
				if (backlog < 0)
					dgp_log(DGP_LOG_WARN, "run", "--until-idle: %s", err);
			}
		}
	}
	return DGP_EXIT_OK;
}

int dgp_cmd_run(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"until-idle", required_argument, NULL, 'i'},
	    {"catalog", required_argument, NULL, 'C'},
	    {NULL, 0, NULL, 0},
	};
	const char *catalog_dir = NULL;
	double until_idle_s = 0;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': { /* milliseconds */
			int64_t ms;
			if (!dgp_cli_opt_int("run", "until-idle", optarg, 1, INT64_MAX, &ms))
				return DGP_EXIT_USAGE;
			until_idle_s = (double)ms / 1000.0;
			break;
		}
		case 'C':
			catalog_dir = optarg;
			break;
		default:
			return DGP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		dgp_cli_err("run", "unexpected argument \"%s\" (try \"dgp run --help\")",
		            argv[optind]);
		return DGP_EXIT_USAGE;
	}
	run_t r = {.cli = cli, .catalog_dir = catalog_dir};
	if (dgp_cli_load_catalog(cli, "run", catalog_dir, &r.cat) != DGP_EXIT_OK)
		return DGP_EXIT_FAIL;
	char err[2048];
	PGconn *conn;
	if (dgp_pg_connect(cli->cfg->pg_conninfo, cli->cfg->pg_connect_timeout_ms, &conn, err,
	                   sizeof(err)) != DGP_OK) {
		dgp_cli_err("run",
		            "postgresql unreachable within pg.connect.timeout.ms (%lld ms): %s",
		            (long long)cli->cfg->pg_connect_timeout_ms, err);
		dgp_catalog_destroy(r.cat);
		return DGP_EXIT_FAIL;
	}
	if (dgp_pg_set_time_zone(conn, (int32_t)cli->cfg->norm_utc_offset_minutes, err,
	                         sizeof(err)) != DGP_OK ||
	    dgp_pg_sink_ensure_ops(conn, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "postgresql: %s", err);
		PQfinish(conn);
		dgp_catalog_destroy(r.cat);
		return DGP_EXIT_FAIL;
	}
	dgp_sink_pg_init(&r.sink, cli->cfg, conn, &r.pg_ready);
	r.arena = dgp_arena_new(0);
	r.reg = dgp_metrics_new();
	dgp_metrics_std_register(r.reg, &r.std);
	int bits = (int)cli->cfg->dedup_key_hash_bits;
	/* A lost connection is retried for as long as it takes (shutdown bounds it). */
	dgp_ingest_opts_t io = {
	    .log_module = "run",
	    .batch_max_rows = (size_t)cli->cfg->batch_max_rows,
	    .batch_max_age_s = (double)cli->cfg->batch_max_ms / 1000.0,
	    .key_hash_mask = bits >= 64 ? ~0ull : (1ull << bits) - 1,
	    .utc_offset_min = (int32_t)cli->cfg->norm_utc_offset_minutes,
	    .pipelined = cli->cfg->batch_pipelined != 0,
	    .std = &r.std,
	    .hooks = {.opaque = &r,
	              .resolve = resolve,
	              .assigned = on_assigned,
	              .committed = on_committed},
	};
	r.eng = dgp_ingest_new(&io, NULL, &r.sink.sink);
	static const double e2e_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4,
	                                    0.5,  0.6,   0.7,  0.8, 0.9, 1,   1.25,
	                                    1.5,  2,     3,    5,   10,  30,  60};
	r.e2e = dgp_histogram_get(
	    dgp_metrics_histogram(r.reg, "dgp_kafka_end_to_end_seconds",
	                          "From the message's Kafka timestamp (produce time) to the "
	                          "COMMIT of its batch in PostgreSQL.",
	                          NULL, e2e_bounds, sizeof(e2e_bounds) / sizeof(e2e_bounds[0])),
	    NULL);
	/* Rows, last loads and compliance of every resource, whoever loaded them. */
	dgp_catalog_gauges_tick("run", r.sink.conn, r.cat, &r.std,
	                        cli->cfg->metrics_catalog_interval_ms, true, &r.gauges_at);

	int rc = DGP_EXIT_FAIL;
	dgp_kafka_source_opts_t so = {
	    .cfg = cli->cfg,
	    .connect_timeout_ms = (int)cli->cfg->run_kafka_timeout_ms,
	    .max_message_bytes = (size_t)cli->cfg->load_max_record_bytes,
	};
	if (dgp_source_kafka_new(&so, &r.ksrc, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "%s (run.kafka.timeout.ms)", err);
		goto out;
	}
	r.src = dgp_source_kafka_consumer(r.ksrc);
	r.sink.group_id = dgp_kafka_source_group(r.src);
	dgp_ingest_set_source(r.eng, dgp_source_kafka_source(r.ksrc));
	if (*cli->cfg->reject_topic &&
	    !(r.reject_producer = dgp_kafka_producer_new(cli->cfg, NULL, &r.rejects_undelivered,
	                                                 err, sizeof(err)))) {
		dgp_cli_err("run", "reject.topic producer: %s", err);
		goto out;
	}
	if (dgp_http_start_config(cli->cfg, r.reg, ready, &r, &r.http, err, sizeof(err)) !=
	    DGP_OK) {
		dgp_cli_err("run", "http endpoint: %s", err);
		goto out;
	}
	if (r.http)
		dgp_log(DGP_LOG_INFO, "run", "metrics on port %u (/metrics, /healthz, /readyz)",
		        (unsigned)dgp_http_port(r.http));
	if (subscribe(&r, err, sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "%s", err);
		goto out;
	}
	/* Golden records off the write path: the batches queue their keys, this
	 * thread refreshes them on its own connection, woken by each batch that
	 * wrote and at least every golden.interval.ms. */
	if (dgp_golden_worker_start(cli->cfg->pg_conninfo, cli->cfg->pg_connect_timeout_ms,
	                            cli->cfg->golden_batch_keys, cli->cfg->golden_interval_ms,
	                            r.std.golden_queue_keys, r.std.golden_lag, &r.golden, err,
	                            sizeof(err)) != DGP_OK) {
		dgp_cli_err("run", "%s", err);
		goto out;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);

	rc = run_loop(&r, until_idle_s);
	/* Shutdown: finish and commit the batches, leave the group, within the timeout. */
	double timeout_s = (double)cli->cfg->shutdown_timeout_ms / 1000.0;
	double stop_at = dgp_clock_mono_s() + timeout_s;
	dgp_ingest_stop(r.eng, stop_at);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)((cli->cfg->shutdown_timeout_ms + 999) / 1000));
	if (dgp_ingest_flush(r.eng, err, sizeof(err)) != DGP_OK)
		rc = DGP_EXIT_FAIL;
	r.src = NULL;
	dgp_source_close(dgp_source_kafka_source(r.ksrc)); /* the revoke: nothing left to flush */
	r.ksrc = NULL;
	if (r.reject_producer) {
		bool flushed =
		    rd_kafka_flush(r.reject_producer, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR;
		uint64_t lost = __atomic_load_n(&r.rejects_undelivered, __ATOMIC_RELAXED);
		if (!flushed || lost)
			dgp_log(DGP_LOG_WARN, "run",
			        "reject.topic %s: %" PRIu64 " rejects not delivered, %d still "
			        "queued (all are in dgp_ops.reject)",
			        cli->cfg->reject_topic, lost, rd_kafka_outq_len(r.reject_producer));
	}
	/* A last drain for what the final batches queued, up to three quarters
	 * of the shutdown timeout (its last chunk commits before the alarm); the
	 * keys left stay queued for the next dgp run or dgp golden. */
	dgp_golden_worker_stop(r.golden, true, stop_at - timeout_s / 4, NULL);
	r.golden = NULL;
	alarm(0);
	const dgp_ingest_totals_t *tot = dgp_ingest_totals(r.eng);
	printf("dgp run: %" PRIu64 " records, %" PRIu64 " rows written, %" PRIu64
	       " rejected, %" PRIu64 " batches committed",
	       tot->read, tot->rows_written, tot->rejected, tot->batches);
	if (tot->deleted || tot->absent)
		printf(", deleted %" PRIu64 " / absent %" PRIu64, tot->deleted, tot->absent);
	printf("\n");
out:
	dgp_http_stop(r.http);
	if (r.ksrc)
		dgp_source_close(dgp_source_kafka_source(r.ksrc));
	if (r.reject_producer)
		rd_kafka_destroy(r.reject_producer);
	dgp_ingest_destroy(r.eng);
	dgp_metrics_destroy(r.reg);
	dgp_sink_pg_fini(&r.sink);
	dgp_arena_destroy(r.arena);
	dgp_catalog_destroy(r.cat);
	return rc;
}
