/*
 * dgp_http.h — the HTTP endpoint of dgp: GET /metrics, /healthz, /readyz.
 *
 *   Prometheus ──GET /metrics──▶ MHD worker thread ─▶ dgp_metrics_render() ─▶ 200 text 0.0.4
 *   kubelet/systemd ──/healthz──▶ 200 "ok" while the process serves
 *   load balancer ──/readyz──▶ owner's ready callback ─▶ 200 "ready" | 503 "not ready: why"
 *
 * Served by libmicrohttpd's internal thread pool: the pipeline's threads
 * never serve a request, and a scrape reads the registry without taking a
 * lock the pipeline waits on.  Slow or malicious clients cannot tie it up:
 * connections are multiplexed by epoll (a slow client holds a connection,
 * never a thread), one address may hold only a few of them (per-client
 * limit: a slowloris from one host cannot take the endpoint from
 * Prometheus), and a connection silent for the timeout is closed.  A request MHD cannot parse
 * gets 400 from MHD, any method but GET/HEAD 405, any other path 404.
 *
 * Embedding (what `dgp run` / `dgp load` do):
 *
 *   dgp_metrics_t *reg = dgp_metrics_new();
 *   dgp_metrics_std_t std;  dgp_metrics_std_register(reg, &std);
 *   dgp_http_t *http;
 *   if (dgp_http_start_config(cfg, reg, my_ready, my_state, &http, err, sizeof(err)) != DGP_OK) …
 *   … pipeline bumps std / per-resource handles …
 *   dgp_http_stop(http);        // before dgp_metrics_destroy(reg)
 */
#ifndef DGP_HTTP_H
#define DGP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_config.h"
#include "dgp_err.h"
#include "dgp_metrics.h"

typedef struct dgp_http dgp_http_t;

/*
 * Readiness: return true when ready; otherwise write a short reason
 * (no personal data, no secrets) into why.  Called on an HTTP thread, maybe
 * on several at once: read state the owner keeps up to date (an atomic
 * flag set after a successful PostgreSQL round-trip, partitions assigned),
 * do not do I/O here.
 */
typedef bool dgp_http_ready_fn(void *opaque, char *why, size_t why_size);

typedef struct dgp_http_opts {
	const char *listen;        /* "host:port", "[v6]:port"; port 0 = any free port */
	unsigned threads;          /* worker threads, >= 1 */
	unsigned connection_limit; /* open connections at most */
	unsigned per_client_limit; /* open connections from one address at most; 0 = 8 */
	unsigned timeout_ms;       /* idle connection timeout, rounded up to seconds */
	dgp_metrics_t *metrics;    /* rendered by /metrics; must outlive the endpoint */
	dgp_http_ready_fn *ready;  /* NULL: /readyz is always 200 */
	void *ready_opaque;
} dgp_http_opts_t;

/*
 * Readiness the owner thread keeps and /readyz reads: NULL when ready, else a
 * static reason string.  One atomic pointer, so the HTTP threads never touch
 * what the reason is about (a PGconn a reconnect may be freeing) and never
 * wait for the owner.  Zero-initialised it reads "starting".
 */
typedef struct dgp_http_readiness {
	_Atomic(const char *) why;
	_Atomic(bool) started;
} dgp_http_readiness_t;

/* dgp_http_readiness_set — ready when why is NULL; why must be a string literal (it is kept). */
void dgp_http_readiness_set(dgp_http_readiness_t *r, const char *why);

/*
 * dgp_http_readiness_check — a dgp_http_ready_fn over the dgp_http_readiness_t
 * in opaque: pass it and &readiness to dgp_http_start*().
 */
bool dgp_http_readiness_check(void *opaque, char *why, size_t why_size);

/*
 * dgp_http_start — parse opts->listen, bind and start serving.  On success
 * *out is the running endpoint (the caller stops it with dgp_http_stop);
 * on failure *out is NULL and errstr says why (address in use, bad
 * address).  Returns DGP_OK, DGP_ERR_INVALID (listen address) or
 * DGP_ERR_HTTP.
 */
dgp_err_t dgp_http_start(const dgp_http_opts_t *opts, dgp_http_t **out, char *errstr,
                         size_t errstr_size) DGP_MUST_CHECK;

/*
 * dgp_http_start_config — dgp_http_start() with http.listen, http.threads,
 * http.connection.limit, http.connection.limit.per.client and
 * http.timeout.ms from cfg.  An empty http.listen
 * turns the endpoint off: DGP_OK with *out NULL (dgp_http_stop(NULL) and
 * dgp_http_port(NULL) accept that).
 */
dgp_err_t dgp_http_start_config(const dgp_config_t *cfg, dgp_metrics_t *metrics,
                                dgp_http_ready_fn *ready, void *ready_opaque, dgp_http_t **out,
                                char *errstr, size_t errstr_size) DGP_MUST_CHECK;

/* dgp_http_port — the port actually bound (useful with port 0); 0 for NULL. */
uint16_t dgp_http_port(const dgp_http_t *http);

/* dgp_http_requests — requests answered so far (any path, any status). */
uint64_t dgp_http_requests(const dgp_http_t *http);

/*
 * dgp_http_stop — stop accepting, close connections, join the threads and
 * free the endpoint.  NULL is a no-op.
 */
void dgp_http_stop(dgp_http_t *http);

/*
 * dgp_http_parse_listen — split "host:port" / "[v6]:port" into host (the
 * bracket-less address, NUL-terminated in host, host_size bytes) and port.
 * Returns DGP_OK or DGP_ERR_INVALID with errstr naming the problem.
 */
dgp_err_t dgp_http_parse_listen(const char *listen, char *host, size_t host_size, uint16_t *port,
                                char *errstr, size_t errstr_size) DGP_MUST_CHECK;

#endif /* DGP_HTTP_H */
