/*
 * dgp_http.c — /metrics, /healthz and /readyz on libmicrohttpd.
 *
 *   accept (MHD thread pool on epoll, connection limit, per-client limit, idle timeout)
 *     └─▶ handle(): method? path? ─▶ render into a per-request arena
 *           └─▶ MHD copies the bytes into its response ─▶ arena freed
 *
 * Each request gets its own arena, so concurrent scrapes share nothing
 * but the registry, which they only read.
 */
#include "dgp_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"
#include "dgp_log.h"

enum { PATH_METRICS, PATH_HEALTHZ, PATH_READYZ, PATH_OTHER, NPATHS };
static const char *const path_label[NPATHS] = {"/metrics", "/healthz", "/readyz", "other"};

struct dgp_http {
	struct MHD_Daemon *daemon;
	dgp_metrics_t *metrics;
	dgp_http_ready_fn *ready;
	void *ready_opaque;
	uint16_t port;
	_Atomic uint64_t requests;
	dgp_metric_t *served[NPATHS]; /* dgp_http_requests_total{path} */
	dgp_metric_t *ready_gauge;    /* dgp_ready: /readyz's answer, for alerting */
};

dgp_err_t dgp_http_parse_listen(const char *listen, char *host, size_t host_size, uint16_t *port,
                                char *errstr, size_t errstr_size)
{
	const char *h = listen, *colon;
	size_t hlen;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':')
			return dgp_errstr_set(
			    errstr, errstr_size, DGP_ERR_INVALID,
			    "invalid listen address \"%s\": expected [ADDRESS]:PORT", listen);
		h = listen + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || strchr(listen, ':') != colon)
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
			                      "invalid listen address \"%s\": expected HOST:PORT "
			                      "(IPv6 as [ADDRESS]:PORT)",
			                      listen);
		hlen = (size_t)(colon - listen);
	}
	if (hlen == 0 || hlen >= host_size)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "invalid listen address \"%s\": missing or overlong host "
		                      "(use 0.0.0.0 to listen on every interface)",
		                      listen);
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 0 || p > 65535)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "invalid listen address \"%s\": port must be 0..65535",
		                      listen);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return DGP_OK;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	dgp_log(DGP_LOG_DEBUG, "http", "%s", msg);
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
                               const char *content_type, const char *body, size_t len,
                               bool allow_header)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow_header)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned status, const char *text,
                                    bool allow_header)
{
	return respond(conn, status, "text/plain; charset=utf-8", text, strlen(text), allow_header);
}

static int path_index(const char *url)
{
	for (int i = 0; i < PATH_OTHER; i++)
		if (strcmp(url, path_label[i]) == 0)
			return i;
	return PATH_OTHER;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	dgp_http_t *http = cls;
	int path = path_index(url);
	atomic_fetch_add_explicit(&http->requests, 1, memory_order_relaxed);
	if (http->served[path])
		dgp_metric_inc(http->served[path], 1);

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
		                    true);
	switch (path) {
	case PATH_METRICS: {
		if (!http->metrics)
			return respond(conn, MHD_HTTP_OK, DGP_METRICS_CONTENT_TYPE, "", 0, false);
		if (http->ready_gauge) { /* the same answer /readyz would give now */
			char why[256] = "";
			dgp_metric_set(http->ready_gauge,
			               !http->ready ||
			                   http->ready(http->ready_opaque, why, sizeof(why)));
		}
		dgp_arena_t *arena = dgp_arena_new(0);
		size_t len;
		char *text = dgp_metrics_render(http->metrics, arena, &len);
		enum MHD_Result ret =
		    respond(conn, MHD_HTTP_OK, DGP_METRICS_CONTENT_TYPE, text, len, false);
		dgp_arena_destroy(arena);
		return ret;
	}
	case PATH_HEALTHZ:
		return respond_text(conn, MHD_HTTP_OK, "ok\n", false);
	case PATH_READYZ: {
		char why[256] = "";
		if (!http->ready || http->ready(http->ready_opaque, why, sizeof(why)))
			return respond_text(conn, MHD_HTTP_OK, "ready\n", false);
		char body[300];
		snprintf(body, sizeof(body), "not ready: %s\n", why[0] ? why : "unknown");
		return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, body, false);
	}
	default:
		return respond_text(conn, MHD_HTTP_NOT_FOUND,
		                    "not found: try /metrics, /healthz or /readyz\n", false);
	}
}

void dgp_http_readiness_set(dgp_http_readiness_t *r, const char *why)
{
	atomic_store_explicit(&r->why, why, memory_order_release);
	atomic_store_explicit(&r->started, true, memory_order_release);
}

bool dgp_http_readiness_check(void *opaque, char *why, size_t why_size)
{
	dgp_http_readiness_t *r = opaque;
	if (!atomic_load_explicit(&r->started, memory_order_acquire)) {
		snprintf(why, why_size, "starting");
		return false;
	}
	const char *w = atomic_load_explicit(&r->why, memory_order_acquire);
	if (!w)
		return true;
	snprintf(why, why_size, "%s", w);
	return false;
}

dgp_err_t dgp_http_start(const dgp_http_opts_t *opts, dgp_http_t **out, char *errstr,
                         size_t errstr_size)
{
	char host[256];
	uint16_t port;
	*out = NULL;
	dgp_err_t err =
	    dgp_http_parse_listen(opts->listen, host, sizeof(host), &port, errstr, errstr_size);
	if (err != DGP_OK)
		return err;

	char portstr[8];
	snprintf(portstr, sizeof(portstr), "%u", port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(host, portstr, &hints, &ai);
	if (gai != 0 || !ai)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "cannot resolve listen address \"%s\": %s", opts->listen,
		                      gai_strerror(gai));

	dgp_http_t *http = dgp_xcalloc(1, sizeof(*http));
	http->metrics = opts->metrics;
	http->ready = opts->ready;
	http->ready_opaque = opts->ready_opaque;
	if (opts->metrics) {
		static const char *const l_path[] = {"path", NULL};
		dgp_metric_family_t *f = dgp_metrics_counter(
		    opts->metrics, "dgp_http_requests_total",
		    "Requests answered by the HTTP endpoint, per path.", l_path);
		for (int i = 0; i < NPATHS; i++)
			http->served[i] = dgp_metric_get(f, (const char *const[]){path_label[i]});
		http->ready_gauge = dgp_metric_get(
		    dgp_metrics_gauge(
		        opts->metrics, "dgp_ready",
		        "1 when /readyz answers ready (e.g. PostgreSQL reachable), else 0; "
		        "evaluated at each scrape.",
		        NULL),
		    NULL);
	}

	unsigned timeout_s = (opts->timeout_ms + 999) / 1000;
	/* AUTO picks epoll on Linux: a slow client costs a connection, not a thread. */
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	http->daemon = MHD_start_daemon(
	    flags, port, NULL, NULL, handle, http, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opts->threads ? opts->threads : 1),
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(opts->connection_limit ? opts->connection_limit : 256),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)(opts->per_client_limit ? opts->per_client_limit : 8),
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout_s ? timeout_s : 1,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!http->daemon) {
		free(http);
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_HTTP,
		                      "could not listen on %s (address in use, or not an address "
		                      "of this host?)",
		                      opts->listen);
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_BIND_PORT);
	http->port = info ? info->port : port;
	dgp_log(DGP_LOG_INFO, "http", "serving /metrics, /healthz, /readyz on %s (port %u)",
	        opts->listen, http->port);
	*out = http;
	return DGP_OK;
}

dgp_err_t dgp_http_start_config(const dgp_config_t *cfg, dgp_metrics_t *metrics,
                                dgp_http_ready_fn *ready, void *ready_opaque, dgp_http_t **out,
                                char *errstr, size_t errstr_size)
{
	*out = NULL;
	if (!cfg->http_listen || !*cfg->http_listen)
		return DGP_OK;
	dgp_http_opts_t o = {
	    .listen = cfg->http_listen,
	    .threads = (unsigned)cfg->http_threads,
	    .connection_limit = (unsigned)cfg->http_connection_limit,
	    .per_client_limit = (unsigned)cfg->http_connection_limit_per_client,
	    .timeout_ms = (unsigned)cfg->http_timeout_ms,
	    .metrics = metrics,
	    .ready = ready,
	    .ready_opaque = ready_opaque,
	};
	return dgp_http_start(&o, out, errstr, errstr_size);
}

uint16_t dgp_http_port(const dgp_http_t *http)
{
	return http ? http->port : 0;
}

uint64_t dgp_http_requests(const dgp_http_t *http)
{
	return http ? atomic_load_explicit(&((dgp_http_t *)http)->requests, memory_order_relaxed)
	            : 0;
}

void dgp_http_stop(dgp_http_t *http)
{
	if (!http)
		return;
	MHD_stop_daemon(http->daemon);
	free(http);
}
