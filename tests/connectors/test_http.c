/*
 * test_http.c — the HTTP endpoint on a loopback port: the three paths,
 * wrong methods and paths, and robustness — a malformed request, a slow
 * client that never finishes its request, 50 parallel scrapes — none of
 * which may crash the server, stop it answering, or stall a thread that
 * bumps counters meanwhile.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dgp_http.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int connect_port(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Send req, read until the server closes (or timeout_s), return the reply (malloc'd). */
static char *exchange(uint16_t port, const char *req, size_t req_len, double timeout_s)
{
	int fd = connect_port(port);
	if (req_len)
		cr_assert_eq(send(fd, req, req_len, MSG_NOSIGNAL), (ssize_t)req_len);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	double deadline = now_s() + timeout_s;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((deadline - now_s()) * 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		if (len + 4096 > cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

static char *get(uint16_t port, const char *method, const char *path)
{
	char req[256];
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	                 method, path);
	return exchange(port, req, (size_t)n, 10);
}

static bool ready_flag;
static bool ready_fn(void *opaque, char *why, size_t why_size)
{
	(void)opaque;
	if (!ready_flag)
		snprintf(why, why_size, "postgresql unreachable");
	return ready_flag;
}

static dgp_metrics_t *reg;
static dgp_metrics_std_t std_set;
static dgp_http_t *http;

static void start(unsigned timeout_ms)
{
	reg = dgp_metrics_new();
	dgp_metrics_std_register(reg, &std_set);
	dgp_http_opts_t o = {.listen = "127.0.0.1:0",
	                     .threads = 2,
	                     .connection_limit = 64,
	                     .per_client_limit = 64, /* the 50 parallel scrapers share 127.0.0.1 */
	                     .timeout_ms = timeout_ms,
	                     .metrics = reg,
	                     .ready = ready_fn};
	char err[256];
	cr_assert_eq(dgp_http_start(&o, &http, err, sizeof(err)), DGP_OK, "%s", err);
	cr_assert_neq(dgp_http_port(http), 0);
}

static void stop(void)
{
	dgp_http_stop(http);
	dgp_metrics_destroy(reg);
	http = NULL;
	reg = NULL;
}

Test(http, metrics_healthz_readyz)
{
	start(2000);
	dgp_metrics_resource_t r;
	dgp_metrics_std_resource(&std_set, "gaj_hjrk", &r);
	dgp_metric_inc(r.read, 12345);
	uint16_t port = dgp_http_port(http);

	char *m = get(port, "GET", "/metrics");
	cr_expect(strncmp(m, "HTTP/1.1 200", 12) == 0, "%s", m);
	cr_expect(strstr(m, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), "%s", m);
	cr_expect(strstr(m, "\r\n\r\n# HELP dgp_build_info"), "body starts with the registry");
	cr_expect(strstr(m, "dgp_records_read_total{resource=\"gaj_hjrk\"} 12345\n"));
	free(m);

	char *h = get(port, "GET", "/healthz");
	cr_expect(strncmp(h, "HTTP/1.1 200", 12) == 0);
	cr_expect(strstr(h, "\r\n\r\nok\n"));
	free(h);

	ready_flag = false;
	char *r1 = get(port, "GET", "/readyz");
	cr_expect(strncmp(r1, "HTTP/1.1 503", 12) == 0, "%s", r1);
	cr_expect(strstr(r1, "not ready: postgresql unreachable"));
	free(r1);
	char *m0 = get(port, "GET", "/metrics"); /* readiness is a metric too, for alerts */
	cr_expect(strstr(m0, "\ndgp_ready 0\n"), "%s", m0);
	free(m0);
	ready_flag = true;
	char *r2 = get(port, "GET", "/readyz");
	cr_expect(strncmp(r2, "HTTP/1.1 200", 12) == 0, "%s", r2);
	free(r2);
	char *m1 = get(port, "GET", "/metrics");
	cr_expect(strstr(m1, "\ndgp_ready 1\n"), "%s", m1);
	free(m1);

	char *head = get(port, "HEAD", "/metrics");
	cr_expect(strncmp(head, "HTTP/1.1 200", 12) == 0);
	cr_expect(!strstr(head, "# HELP"), "HEAD has no body");
	free(head);
	stop();
}

Test(http, wrong_method_and_path)
{
	start(2000);
	uint16_t port = dgp_http_port(http);
	char *p = get(port, "POST", "/metrics");
	cr_expect(strncmp(p, "HTTP/1.1 405", 12) == 0, "%s", p);
	cr_expect(strstr(p, "Allow: GET, HEAD\r\n"));
	free(p);
	char *n = get(port, "GET", "/metrics/../etc/passwd");
	cr_expect(strncmp(n, "HTTP/1.1 404", 12) == 0, "%s", n);
	free(n);
	stop();
}

Test(http, listen_address_errors)
{
	char host[64], err[256];
	uint16_t port;
	cr_expect_eq(
	    dgp_http_parse_listen("127.0.0.1:9187", host, sizeof(host), &port, err, sizeof(err)),
	    DGP_OK);
	cr_expect_str_eq(host, "127.0.0.1");
	cr_expect_eq(port, 9187);
	cr_expect_eq(dgp_http_parse_listen("[::1]:80", host, sizeof(host), &port, err, sizeof(err)),
	             DGP_OK);
	cr_expect_str_eq(host, "::1");
	cr_expect_eq(dgp_http_parse_listen(":9187", host, sizeof(host), &port, err, sizeof(err)),
	             DGP_ERR_INVALID);
	cr_expect_eq(dgp_http_parse_listen("::1:80", host, sizeof(host), &port, err, sizeof(err)),
	             DGP_ERR_INVALID);
	cr_expect_eq(dgp_http_parse_listen("h:70000", host, sizeof(host), &port, err, sizeof(err)),
	             DGP_ERR_INVALID);
	/* A port in use is an error, not a crash. */
	start(2000);
	char listen[32];
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", dgp_http_port(http));
	dgp_http_opts_t o = {.listen = listen,
	                     .threads = 1,
	                     .connection_limit = 4,
	                     .timeout_ms = 1000,
	                     .metrics = reg};
	dgp_http_t *second;
	cr_expect_eq(dgp_http_start(&o, &second, err, sizeof(err)), DGP_ERR_HTTP);
	cr_expect_null(second);
	stop();
}

Test(http, empty_listen_turns_it_off)
{
	dgp_config_t *cfg = dgp_config_new();
	char err[256];
	cr_assert_eq(dgp_config_set(cfg, "http.listen", "", err, sizeof(err)), DGP_OK);
	dgp_http_t *h = (dgp_http_t *)1;
	cr_expect_eq(dgp_http_start_config(cfg, NULL, NULL, NULL, &h, err, sizeof(err)), DGP_OK);
	cr_expect_null(h);
	dgp_http_stop(h);
	dgp_config_destroy(cfg);
}

/* ---- robustness ----------------------------------------------------------- */

typedef struct {
	atomic_bool stop;
	dgp_metric_t *m;
	double worst_gap_s; /* longest time between two bumps */
	uint64_t bumps;
} bumper_t;

/* The "pipeline": bumps a counter as fast as it can and records its longest stall. */
static void *bumper(void *arg)
{
	bumper_t *b = arg;
	double last = now_s();
	while (!atomic_load(&b->stop)) {
		for (int i = 0; i < 1000; i++)
			dgp_metric_inc(b->m, 1);
		b->bumps += 1000;
		double t = now_s();
		if (t - last > b->worst_gap_s)
			b->worst_gap_s = t - last;
		last = t;
	}
	return NULL;
}

static void *scraper(void *arg)
{
	uint16_t port = *(uint16_t *)arg;
	for (int i = 0; i < 10; i++) {
		char *m = get(port, "GET", "/metrics");
		cr_assert(strncmp(m, "HTTP/1.1 200", 12) == 0, "scrape failed: %.80s", m);
		cr_assert(strstr(m, "dgp_http_requests_total"), "truncated body");
		free(m);
	}
	return NULL;
}

Test(http, malformed_slow_and_50_parallel, .timeout = 120)
{
	start(1000);
	uint16_t port = dgp_http_port(http);
	bumper_t b = {.m = dgp_metric_get(std_set.records_read, (const char *const[]){"hot"})};
	pthread_t bt;
	pthread_create(&bt, NULL, bumper, &b);

	/* Malformed: garbage, a bad request line, an oversized header, a NUL byte. */
	static const char garbage[] =
	    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n";
	char *g = exchange(port, garbage, sizeof(garbage) - 1, 5);
	cr_expect(g[0] == '\0' || strncmp(g, "HTTP/1.1 400", 12) == 0, "%s", g);
	free(g);
	char *g2 = exchange(port, "GET\r\n\r\n", 7, 5);
	free(g2);
	size_t big = 100000;
	char *huge = malloc(big + 64);
	int n = snprintf(huge, 64, "GET /metrics HTTP/1.1\r\nX-Big: ");
	memset(huge + n, 'a', big);
	memcpy(huge + n + big, "\r\n\r\n", 4);
	int fd = connect_port(port);
	(void)!send(fd, huge, (size_t)n + big + 4, MSG_NOSIGNAL); /* may be cut off: fine */
	close(fd);
	free(huge);
	char *g3 = exchange(port, "GET /metrics\0 HTTP/1.1\r\n\r\n", 26, 5);
	free(g3);

	/* Slow client: half a request line, then nothing.  It must be timed out… */
	int slow = connect_port(port);
	cr_assert_eq(send(slow, "GET /metr", 9, MSG_NOSIGNAL), 9);
	/* …while everyone else is served: 50 parallel scrapers, 10 scrapes each. */
	pthread_t th[50];
	double t0 = now_s();
	for (int i = 0; i < 50; i++)
		pthread_create(&th[i], NULL, scraper, &port);
	for (int i = 0; i < 50; i++)
		pthread_join(th[i], NULL);
	double took = now_s() - t0;
	cr_expect_lt(took, 30, "500 scrapes took %.1f s", took);

	struct pollfd p = {.fd = slow, .events = POLLIN};
	char c;
	cr_expect_eq(poll(&p, 1, 5000), 1, "the slow client was not timed out");
	cr_expect_leq(recv(slow, &c, 1, 0), 0, "closed without an answer");
	close(slow);

	char *h = get(port, "GET", "/healthz");
	cr_expect(strncmp(h, "HTTP/1.1 200", 12) == 0, "still answering: %s", h);
	free(h);
	atomic_store(&b.stop, true);
	pthread_join(bt, NULL);
	cr_expect_geq(dgp_http_requests(http), 500);
	/* The bumping thread never waited for a scrape (generous bound for loaded CI/ASan). */
	cr_expect_lt(b.worst_gap_s, 0.5, "counter bumps stalled for %.3f s", b.worst_gap_s);
	cr_expect_eq(dgp_metric_value(b.m), b.bumps);
	stop();
}

/* ---- slowloris ------------------------------------------------------------ */

/* A connection from source address 127.0.0.2 (another client, same loopback). */
static int connect_from(const char *src, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in me = {.sin_family = AF_INET};
	inet_pton(AF_INET, src, &me.sin_addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

enum { NSLOW = 80 };
typedef struct {
	int fd[NSLOW];
	atomic_bool stop;
} loris_t;

/* Keep every slow connection alive: one header byte each 200 ms, never the end. */
static void *dribble(void *arg)
{
	loris_t *l = arg;
	while (!atomic_load(&l->stop)) {
		for (int i = 0; i < NSLOW; i++)
			(void)!send(l->fd[i], "a", 1, MSG_NOSIGNAL);
		usleep(200 * 1000);
	}
	return NULL;
}

/* Whether the server closed fd (EOF or reset), without waiting. */
static bool closed_by_server(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;
	return poll(&p, 1, 0) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

Test(http, a_slowloris_from_one_address_does_not_block_the_others, .timeout = 120)
{
	/* The defaults of the config table: 256 connections, 8 per client, 10 s idle. */
	reg = dgp_metrics_new();
	dgp_metrics_std_register(reg, &std_set);
	dgp_config_t *cfg = dgp_config_new();
	char err[256];
	cr_assert_eq(dgp_config_set(cfg, "http.listen", "127.0.0.1:0", err, sizeof(err)), DGP_OK);
	cr_assert_eq(dgp_config_set(cfg, "http.connection.limit", "64", err, sizeof(err)), DGP_OK);
	cr_assert_eq(dgp_http_start_config(cfg, reg, ready_fn, NULL, &http, err, sizeof(err)),
	             DGP_OK, "%s", err);
	uint16_t port = dgp_http_port(http);

	/* 80 connections from 127.0.0.2, each an unfinished request kept alive by a byte
	 * now and then: more than the whole connection limit. */
	static loris_t l;
	atomic_store(&l.stop, false);
	for (int i = 0; i < NSLOW; i++) {
		l.fd[i] = connect_from("127.0.0.2", port);
		cr_assert_eq(send(l.fd[i], "GET /metrics HTTP/1.1\r\nX-", 25, MSG_NOSIGNAL), 25);
	}
	pthread_t dt;
	pthread_create(&dt, NULL, dribble, &l);

	/* Everyone else is served: /metrics, /healthz and /readyz from 127.0.0.1.  A
	 * blocked endpoint would leave these without an answer for the whole 15 s. */
	char *m =
	    exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 54, 15);
	cr_expect(strncmp(m, "HTTP/1.1 200", 12) == 0, "/metrics blocked by slow clients: %.80s",
	          m);
	free(m);
	char *h =
	    exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 54, 15);
	cr_expect(strncmp(h, "HTTP/1.1 200", 12) == 0, "/healthz blocked: %.80s", h);
	free(h);
	ready_flag = true;
	char *r =
	    exchange(port, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 53, 15);
	cr_expect(strncmp(r, "HTTP/1.1 200", 12) == 0, "/readyz blocked: %.80s", r);
	free(r);

	/* The slow client got exactly its 8 connections; the other 72 were closed. */
	int closed = 0;
	for (int tries = 0; tries < 150 && closed < NSLOW - 8; tries++) {
		closed = 0;
		for (int i = 0; i < NSLOW; i++)
			closed += closed_by_server(l.fd[i]);
		if (closed < NSLOW - 8)
			usleep(100 * 1000);
	}
	cr_expect_eq(closed, NSLOW - 8, "connections of the slow client closed by the server");

	atomic_store(&l.stop, true);
	pthread_join(dt, NULL);
	for (int i = 0; i < NSLOW; i++)
		close(l.fd[i]);
	dgp_config_destroy(cfg);
	stop();
}

/* ---- /readyz from the owner's flag while the owner frees and replaces its connection */

typedef struct {
	dgp_http_readiness_t *ready;
	atomic_bool stop;
	unsigned swaps;
} reconnector_t;

/* What dgp load does on a lost connection: not ready, free it, open another, ready. */
static void *reconnector(void *arg)
{
	reconnector_t *rc = arg;
	char *conn = malloc(256);
	while (!atomic_load(&rc->stop)) {
		dgp_http_readiness_set(rc->ready, "postgresql connection is down");
		free(conn); /* ASan flags any reader of the old connection from here on */
		conn = malloc(256);
		memset(conn, 1, 256);
		dgp_http_readiness_set(rc->ready, NULL);
		rc->swaps++;
	}
	free(conn);
	return NULL;
}

Test(http, readyz_follows_the_owners_flag_while_it_reconnects, .timeout = 120)
{
	static dgp_http_readiness_t ready;
	reg = dgp_metrics_new();
	dgp_metrics_std_register(reg, &std_set);
	dgp_http_opts_t o = {.listen = "127.0.0.1:0",
	                     .threads = 2,
	                     .metrics = reg,
	                     .ready = dgp_http_readiness_check,
	                     .ready_opaque = &ready};
	char err[256];
	cr_assert_eq(dgp_http_start(&o, &http, err, sizeof(err)), DGP_OK, "%s", err);
	uint16_t port = dgp_http_port(http);
	static const char down[] = "HTTP/1.1 503";
	static const char down_body[] = "\r\n\r\nnot ready: postgresql connection is down\n";

	char *r = get(port, "GET", "/readyz");
	cr_expect(strncmp(r, down, 12) == 0 && strstr(r, "\r\n\r\nnot ready: starting\n"),
	          "before the owner says anything: %s", r);
	free(r);
	dgp_http_readiness_set(&ready, NULL);
	r = get(port, "GET", "/readyz");
	cr_expect(strncmp(r, "HTTP/1.1 200", 12) == 0 && strstr(r, "\r\n\r\nready\n"), "%s", r);
	free(r);
	dgp_http_readiness_set(&ready, "postgresql connection is down");
	r = get(port, "GET", "/readyz");
	cr_expect(strncmp(r, down, 12) == 0 && strstr(r, down_body), "%s", r);
	free(r);

	/* 200 scrapes while the owner swaps its connection as fast as it can: each
	 * answer is one of the two, and nothing reads freed memory. */
	reconnector_t rc = {.ready = &ready};
	pthread_t t;
	pthread_create(&t, NULL, reconnector, &rc);
	int ok = 0, not_ready = 0;
	for (int i = 0; i < 200; i++) {
		r = get(port, "GET", "/readyz");
		if (strncmp(r, "HTTP/1.1 200", 12) == 0 && strstr(r, "\r\n\r\nready\n"))
			ok++;
		else if (strncmp(r, down, 12) == 0 && strstr(r, down_body))
			not_ready++;
		else
			cr_expect_fail("unexpected /readyz answer: %.200s", r);
		free(r);
	}
	atomic_store(&rc.stop, true);
	pthread_join(t, NULL);
	cr_expect_eq(ok + not_ready, 200);
	cr_expect_gt(rc.swaps, 0);
	stop();
}
