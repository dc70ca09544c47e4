/*
 * dgp_metrics.c — the registry behind dgp_metrics.h and its text rendering.
 *
 *   reg ─▶ family ─▶ family ─▶ …        (append-only, next published with release)
 *            └─▶ series ─▶ series ─▶ …  (append-only, likewise)
 *                  └─ label values + dgp_metric_t | histogram buckets
 *
 * Writers (registration, dgp_metric_get) serialise on reg->mu; readers
 * (render) load the list heads and next pointers with acquire and never
 * lock, so a scrape cannot hold up a registrant and a registrant holds up
 * a scrape only for the instant of a pointer store.  Memory for families
 * and series comes from malloc and is freed in dgp_metrics_destroy(): the
 * lists only grow, and there are hundreds, not millions, of series.
 */
#include "dgp_metrics.h"

#include "dgp_buf.h"
#include "dgp_clock.h"
#include "dgp_batch.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_version.h"

typedef enum fam_type { FAM_COUNTER, FAM_GAUGE, FAM_HISTOGRAM, FAM_GAUGE_FN } fam_type_t;

struct dgp_histogram {
	size_t nbounds;
	const double *bounds;      /* the family's */
	_Atomic uint64_t sum_bits; /* double */
	_Atomic uint64_t counts[]; /* nbounds + 1, non-cumulative; last is +Inf */
};

typedef struct series {
	struct series *_Atomic next;
	char *values[DGP_METRICS_MAX_LABELS];
	dgp_metric_t metric;   /* counter / gauge */
	dgp_histogram_t *hist; /* histogram */
} series_t;

struct dgp_metric_family {
	struct dgp_metric_family *_Atomic next;
	dgp_metrics_t *reg;
	fam_type_t type;
	char *name, *help;
	size_t nlabels;
	char *labels[DGP_METRICS_MAX_LABELS];
	double *bounds;
	size_t nbounds;
	dgp_metrics_collect_fn *fn;
	void *fn_opaque;
	series_t *_Atomic head;
	series_t *tail; /* writers only */
};

struct dgp_metrics {
	pthread_mutex_t mu;
	dgp_metric_family_t *_Atomic head;
	dgp_metric_family_t *tail; /* writers only */
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t dbits(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof(b));
	return b;
}

static double bitsd(uint64_t b)
{
	double v;
	memcpy(&v, &b, sizeof(v));
	return v;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *d = dgp_xmalloc(n + 1);
	memcpy(d, s, n + 1);
	return d;
}

__attribute__((noreturn, format(printf, 1, 2))) static void misuse(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("dgp: metrics registration error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static bool name_ok(const char *s, bool colon_ok)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || (colon_ok && *s == ':')))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- registry ------------------------------------------------------------ */

dgp_metrics_t *dgp_metrics_new(void)
{
	dgp_metrics_t *reg = dgp_xcalloc(1, sizeof(*reg));
	pthread_mutex_init(&reg->mu, NULL);
	return reg;
}

static void series_free(series_t *s, size_t nlabels)
{
	for (size_t i = 0; i < nlabels; i++)
		free(s->values[i]);
	free(s->hist);
	free(s);
}

void dgp_metrics_destroy(dgp_metrics_t *reg)
{
	if (!reg)
		return;
	dgp_metric_family_t *f = atomic_load(&reg->head);
	while (f) {
		dgp_metric_family_t *fn = atomic_load(&f->next);
		series_t *s = atomic_load(&f->head);
		while (s) {
			series_t *sn = atomic_load(&s->next);
			series_free(s, f->nlabels);
			s = sn;
		}
		for (size_t i = 0; i < f->nlabels; i++)
			free(f->labels[i]);
		free(f->name);
		free(f->help);
		free(f->bounds);
		free(f);
		f = fn;
	}
	pthread_mutex_destroy(&reg->mu);
	free(reg);
}

static size_t count_labels(const char *const *labels)
{
	size_t n = 0;
	while (labels && labels[n])
		n++;
	return n;
}

static bool same_labels(const dgp_metric_family_t *f, const char *const *labels)
{
	if (count_labels(labels) != f->nlabels)
		return false;
	for (size_t i = 0; i < f->nlabels; i++)
		if (strcmp(f->labels[i], labels[i]) != 0)
			return false;
	return true;
}

typedef struct fam_spec {
	fam_type_t type;
	const char *name, *help;
	const char *const *labels;
	const double *bounds;
	size_t nbounds;
	dgp_metrics_collect_fn *fn;
	void *fn_opaque;
} fam_spec_t;

static bool same_family(const dgp_metric_family_t *f, const fam_spec_t *sp)
{
	if (f->type != sp->type || !same_labels(f, sp->labels))
		return false;
	if (f->type == FAM_HISTOGRAM)
		return f->nbounds == sp->nbounds &&
		       memcmp(f->bounds, sp->bounds, sp->nbounds * sizeof(double)) == 0;
	if (f->type == FAM_GAUGE_FN)
		return f->fn == sp->fn && f->fn_opaque == sp->fn_opaque;
	return true;
}

static void spec_check(const fam_spec_t *sp)
{
	const char *name = sp->name;
	if (!name_ok(name, true))
		misuse("invalid metric name \"%s\"", name);
	if (sp->type == FAM_COUNTER && !ends_with(name, "_total"))
		misuse("counter \"%s\" must end in _total", name);
	if (sp->type != FAM_COUNTER && ends_with(name, "_total"))
		misuse("only counters end in _total: \"%s\"", name);
	size_t nl = count_labels(sp->labels);
	if (nl > DGP_METRICS_MAX_LABELS)
		misuse("\"%s\" has %zu labels, at most %d allowed", name, nl,
		       DGP_METRICS_MAX_LABELS);
	for (size_t i = 0; i < nl; i++)
		if (!name_ok(sp->labels[i], false) || strncmp(sp->labels[i], "__", 2) == 0 ||
		    (sp->type == FAM_HISTOGRAM && strcmp(sp->labels[i], "le") == 0))
			misuse("invalid label name \"%s\" for \"%s\"", sp->labels[i], name);
	for (size_t i = 0; i < sp->nbounds; i++)
		if (!isfinite(sp->bounds[i]) || (i && sp->bounds[i] <= sp->bounds[i - 1]))
			misuse("bounds of \"%s\" must be finite and strictly increasing", name);
}

/*
 * Find or add a family.  A new family is filled in completely before the
 * release store that publishes it, so render never sees half of one.
 */
static dgp_metric_family_t *family_register(dgp_metrics_t *reg, const fam_spec_t *sp)
{
	pthread_mutex_lock(&reg->mu);
	for (dgp_metric_family_t *f = atomic_load_explicit(&reg->head, memory_order_relaxed); f;
	     f = atomic_load_explicit(&f->next, memory_order_relaxed)) {
		if (strcmp(f->name, sp->name) != 0)
			continue;
		if (!same_family(f, sp))
			misuse("\"%s\" registered twice with different type, labels, bounds "
			       "or callback",
			       sp->name);
		pthread_mutex_unlock(&reg->mu);
		return f;
	}
	spec_check(sp);
	dgp_metric_family_t *f = dgp_xcalloc(1, sizeof(*f));
	f->reg = reg;
	f->type = sp->type;
	f->name = xstrdup(sp->name);
	f->help = xstrdup(sp->help ? sp->help : "");
	f->nlabels = count_labels(sp->labels);
	for (size_t i = 0; i < f->nlabels; i++)
		f->labels[i] = xstrdup(sp->labels[i]);
	if (sp->type == FAM_HISTOGRAM) {
		f->bounds = dgp_xmalloc((sp->nbounds ? sp->nbounds : 1) * sizeof(double));
		if (sp->nbounds)
			memcpy(f->bounds, sp->bounds, sp->nbounds * sizeof(double));
		f->nbounds = sp->nbounds;
	}
	f->fn = sp->fn;
	f->fn_opaque = sp->fn_opaque;
	if (reg->tail)
		atomic_store_explicit(&reg->tail->next, f, memory_order_release);
	else
		atomic_store_explicit(&reg->head, f, memory_order_release);
	reg->tail = f;
	pthread_mutex_unlock(&reg->mu);
	return f;
}

dgp_metric_family_t *dgp_metrics_counter(dgp_metrics_t *reg, const char *name, const char *help,
                                         const char *const *labels)
{
	fam_spec_t sp = {.type = FAM_COUNTER, .name = name, .help = help, .labels = labels};
	return family_register(reg, &sp);
}

dgp_metric_family_t *dgp_metrics_gauge(dgp_metrics_t *reg, const char *name, const char *help,
                                       const char *const *labels)
{
	fam_spec_t sp = {.type = FAM_GAUGE, .name = name, .help = help, .labels = labels};
	return family_register(reg, &sp);
}

dgp_metric_family_t *dgp_metrics_histogram(dgp_metrics_t *reg, const char *name, const char *help,
                                           const char *const *labels, const double *bounds,
                                           size_t nbounds)
{
	fam_spec_t sp = {.type = FAM_HISTOGRAM,
	                 .name = name,
	                 .help = help,
	                 .labels = labels,
	                 .bounds = bounds,
	                 .nbounds = nbounds};
	return family_register(reg, &sp);
}

dgp_metric_family_t *dgp_metrics_gauge_fn(dgp_metrics_t *reg, const char *name, const char *help,
                                          const char *const *labels, dgp_metrics_collect_fn *fn,
                                          void *opaque)
{
	if (!fn)
		misuse("callback gauge \"%s\" without a callback", name);
	fam_spec_t sp = {.type = FAM_GAUGE_FN,
	                 .name = name,
	                 .help = help,
	                 .labels = labels,
	                 .fn = fn,
	                 .fn_opaque = opaque};
	return family_register(reg, &sp);
}

/* ---- series -------------------------------------------------------------- */

static bool same_values(const series_t *s, size_t n, const char *const *values)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->values[i], values[i]) != 0)
			return false;
	return true;
}

static series_t *series_get(dgp_metric_family_t *f, const char *const *values)
{
	dgp_metrics_t *reg = f->reg;
	if (f->nlabels && !values)
		misuse("\"%s\" needs %zu label values", f->name, f->nlabels);
	pthread_mutex_lock(&reg->mu);
	for (series_t *s = atomic_load_explicit(&f->head, memory_order_relaxed); s;
	     s = atomic_load_explicit(&s->next, memory_order_relaxed)) {
		if (same_values(s, f->nlabels, values)) {
			pthread_mutex_unlock(&reg->mu);
			return s;
		}
	}
	series_t *s = dgp_xcalloc(1, sizeof(*s));
	for (size_t i = 0; i < f->nlabels; i++) {
		if (!values[i])
			misuse("\"%s\": label value %zu is NULL", f->name, i);
		s->values[i] = xstrdup(values[i]);
	}
	if (f->type == FAM_HISTOGRAM) {
		s->hist = dgp_xcalloc(1, sizeof(*s->hist) + (f->nbounds + 1) * sizeof(uint64_t));
		s->hist->nbounds = f->nbounds;
		s->hist->bounds = f->bounds;
	}
	if (f->tail)
		atomic_store_explicit(&f->tail->next, s, memory_order_release);
	else
		atomic_store_explicit(&f->head, s, memory_order_release);
	f->tail = s;
	pthread_mutex_unlock(&reg->mu);
	return s;
}

dgp_metric_t *dgp_metric_get(dgp_metric_family_t *fam, const char *const *values)
{
	if (fam->type != FAM_COUNTER && fam->type != FAM_GAUGE)
		misuse("dgp_metric_get on \"%s\", which is not a counter or gauge", fam->name);
	return &series_get(fam, values)->metric;
}

dgp_histogram_t *dgp_histogram_get(dgp_metric_family_t *fam, const char *const *values)
{
	if (fam->type != FAM_HISTOGRAM)
		misuse("dgp_histogram_get on \"%s\", which is not a histogram", fam->name);
	return series_get(fam, values)->hist;
}

void dgp_metric_set(dgp_metric_t *m, double v)
{
	atomic_store_explicit(&m->bits, dbits(v), memory_order_relaxed);
}

static void atomic_add_double(_Atomic uint64_t *p, double v)
{
	uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(p, &old, dbits(bitsd(old) + v),
	                                              memory_order_relaxed, memory_order_relaxed))
		;
}

void dgp_metric_add(dgp_metric_t *m, double v)
{
	atomic_add_double(&m->bits, v);
}

void dgp_metric_set_max(dgp_metric_t *m, double v)
{
	uint64_t old = atomic_load_explicit(&m->bits, memory_order_relaxed);
	while (bitsd(old) < v &&
	       !atomic_compare_exchange_weak_explicit(&m->bits, &old, dbits(v),
	                                              memory_order_relaxed, memory_order_relaxed))
		;
}

uint64_t dgp_metric_value(const dgp_metric_t *m)
{
	return atomic_load_explicit(&((dgp_metric_t *)m)->bits, memory_order_relaxed);
}

double dgp_metric_gauge_value(const dgp_metric_t *m)
{
	return bitsd(dgp_metric_value(m));
}

void dgp_histogram_observe(dgp_histogram_t *h, double v)
{
	size_t i = 0;
	/* Linear: a dozen bounds, and most observations land in the first few. */
	while (i < h->nbounds && !(v <= h->bounds[i]))
		i++;
	atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
	atomic_add_double(&h->sum_bits, v);
}

/* ---- rendering ----------------------------------------------------------- */

/* HELP text escapes backslash and newline; label values also the double quote. */
static void buf_escaped(dgp_buf_t *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			dgp_buf_append(b, "\\\\", 2);
		else if (*s == '\n')
			dgp_buf_append(b, "\\n", 2);
		else if (quote && *s == '"')
			dgp_buf_append(b, "\\\"", 2);
		else
			dgp_buf_append(b, s, 1);
	}
}

/* Shortest text that reads back as the same double; Go-style +Inf/-Inf/NaN. */
static void fmt_double(char *out, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(out, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void buf_double(dgp_buf_t *b, double v)
{
	char tmp[40];
	fmt_double(tmp, sizeof(tmp), v);
	dgp_buf_puts(b, tmp);
}

/* `name{l1="v1",l2="v2"[,le="x"]} ` — braces only when there is a label. */
static void buf_labels(dgp_buf_t *b, const dgp_metric_family_t *f, const char *const *values,
                       const char *le)
{
	if (!f->nlabels && !le) {
		dgp_buf_append(b, " ", 1);
		return;
	}
	dgp_buf_append(b, "{", 1);
	for (size_t i = 0; i < f->nlabels; i++) {
		if (i)
			dgp_buf_append(b, ",", 1);
		dgp_buf_puts(b, f->labels[i]);
		dgp_buf_append(b, "=\"", 2);
		buf_escaped(b, values[i], true);
		dgp_buf_append(b, "\"", 1);
	}
	if (le) {
		if (f->nlabels)
			dgp_buf_append(b, ",", 1);
		dgp_buf_append(b, "le=\"", 4);
		dgp_buf_puts(b, le);
		dgp_buf_append(b, "\"", 1);
	}
	dgp_buf_append(b, "} ", 2);
}

static void render_histogram(dgp_buf_t *b, const dgp_metric_family_t *f, const series_t *s)
{
	const dgp_histogram_t *h = s->hist;
	const char *const *values = (const char *const *)s->values;
	uint64_t cum = 0;
	char le[40];
	/* Snapshot the counts once: _count is the +Inf bucket by construction. */
	for (size_t i = 0; i <= h->nbounds; i++) {
		cum +=
		    atomic_load_explicit(&((dgp_histogram_t *)h)->counts[i], memory_order_relaxed);
		if (i < h->nbounds)
			fmt_double(le, sizeof(le), h->bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		dgp_buf_puts(b, f->name);
		dgp_buf_append(b, "_bucket", 7);
		buf_labels(b, f, values, le);
		dgp_buf_printf(b, "%llu\n", (unsigned long long)cum);
	}
	dgp_buf_puts(b, f->name);
	dgp_buf_append(b, "_sum", 4);
	buf_labels(b, f, values, NULL);
	buf_double(b, bitsd(atomic_load_explicit(&((dgp_histogram_t *)h)->sum_bits,
	                                         memory_order_relaxed)));
	dgp_buf_append(b, "\n", 1);
	dgp_buf_puts(b, f->name);
	dgp_buf_append(b, "_count", 6);
	buf_labels(b, f, values, NULL);
	dgp_buf_printf(b, "%llu\n", (unsigned long long)cum);
}

struct dgp_metrics_emitter {
	dgp_buf_t *b;
	const dgp_metric_family_t *f;
};

void dgp_metrics_emit(dgp_metrics_emitter_t *em, const char *const *values, double v)
{
	static const char *const none[DGP_METRICS_MAX_LABELS] = {""};
	for (size_t i = 0; i < em->f->nlabels; i++)
		if (!values || !values[i])
			values = none; /* a callback bug must not crash a scrape */
	dgp_buf_puts(em->b, em->f->name);
	buf_labels(em->b, em->f, values, NULL);
	buf_double(em->b, v);
	dgp_buf_append(em->b, "\n", 1);
}

static const char *type_name(fam_type_t t)
{
	switch (t) {
	case FAM_COUNTER:
		return "counter";
	case FAM_HISTOGRAM:
		return "histogram";
	case FAM_GAUGE:
	case FAM_GAUGE_FN:
		break;
	}
	return "gauge";
}

static void render_family(dgp_buf_t *b, const dgp_metric_family_t *f)
{
	dgp_buf_append(b, "# HELP ", 7);
	dgp_buf_puts(b, f->name);
	dgp_buf_append(b, " ", 1);
	buf_escaped(b, f->help, false);
	dgp_buf_append(b, "\n# TYPE ", 8);
	dgp_buf_puts(b, f->name);
	dgp_buf_append(b, " ", 1);
	dgp_buf_puts(b, type_name(f->type));
	dgp_buf_append(b, "\n", 1);
	if (f->type == FAM_GAUGE_FN) {
		dgp_metrics_emitter_t em = {b, f};
		f->fn(&em, f->fn_opaque);
		return;
	}
	for (const series_t *s =
	         atomic_load_explicit(&((dgp_metric_family_t *)f)->head, memory_order_acquire);
	     s; s = atomic_load_explicit(&((series_t *)s)->next, memory_order_acquire)) {
		if (f->type == FAM_HISTOGRAM) {
			render_histogram(b, f, s);
			continue;
		}
		dgp_buf_puts(b, f->name);
		buf_labels(b, f, (const char *const *)s->values, NULL);
		uint64_t bits = dgp_metric_value(&s->metric);
		if (f->type == FAM_COUNTER)
			dgp_buf_printf(b, "%llu", (unsigned long long)bits);
		else
			buf_double(b, bitsd(bits));
		dgp_buf_append(b, "\n", 1);
	}
}

char *dgp_metrics_render(dgp_metrics_t *reg, dgp_arena_t *arena, size_t *len)
{
	dgp_buf_t b = {0};
	dgp_buf_reserve(&b, 0);
	b.p[0] = '\0';
	for (const dgp_metric_family_t *f = atomic_load_explicit(&reg->head, memory_order_acquire);
	     f; f = atomic_load_explicit(&((dgp_metric_family_t *)f)->next, memory_order_acquire))
		render_family(&b, f);
	char *out = dgp_arena_memdup(arena, b.p, b.len);
	if (len)
		*len = b.len;
	free(b.p);
	return out;
}

/* ---- the standard set ---------------------------------------------------- */

/* Rows per batch: powers of 4 up to the largest batch anyone would configure. */
const double dgp_metrics_batch_rows_bounds[] = {1,    4,    16,    64,    256,
                                                1024, 4096, 16384, 65536, 262144};
const size_t dgp_metrics_batch_rows_nbounds =
    sizeof(dgp_metrics_batch_rows_bounds) / sizeof(dgp_metrics_batch_rows_bounds[0]);
/* Seconds: 1 ms to 1 min, the range from a round-trip to a slow merge batch. */
const double dgp_metrics_seconds_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,      2.5,   5,    10,    30,   60};
const size_t dgp_metrics_seconds_nbounds =
    sizeof(dgp_metrics_seconds_bounds) / sizeof(dgp_metrics_seconds_bounds[0]);

/* dgp_resource_seconds_since_update: now − last_update, for resources updated at least once. */
static void collect_since_update(dgp_metrics_emitter_t *em, void *opaque)
{
	dgp_metric_family_t *last = opaque;
	double now = dgp_clock_wall_s();
	for (const series_t *s = atomic_load_explicit(&last->head, memory_order_acquire); s;
	     s = atomic_load_explicit(&((series_t *)s)->next, memory_order_acquire)) {
		double t = dgp_metric_gauge_value(&s->metric);
		if (t > 0)
			dgp_metrics_emit(em, (const char *const *)s->values, now - t);
	}
}

void dgp_metrics_std_register(dgp_metrics_t *reg, dgp_metrics_std_t *std)
{
	static const char *const l_res[] = {"resource", NULL};
	static const char *const l_res_reason[] = {"resource", "reason", NULL};
	static const char *const l_res_outcome[] = {"resource", "outcome", NULL};
	static const char *const l_topic_part[] = {"topic", "partition", NULL};
	static const char *const l_target_kind[] = {"target", "kind", NULL};
	static const char *const l_target_window[] = {"target", "window", NULL};
	static const char *const l_target[] = {"target", NULL};
	static const char *const l_version[] = {"version", NULL};

	memset(std, 0, sizeof(*std));
	std->reg = reg;
	dgp_metric_t *info =
	    dgp_metric_get(dgp_metrics_gauge(reg, "dgp_build_info",
	                                     "dgp's version; the value is always 1.", l_version),
	                   (const char *const[]){DGP_VERSION});
	dgp_metric_set(info, 1);
	dgp_metric_t *start = dgp_metric_get(
	    dgp_metrics_gauge(reg, "dgp_process_start_time_seconds",
	                      "Unix time at which the dgp process registered its metrics.", NULL),
	    NULL);
	if (dgp_metric_gauge_value(start) == 0)
		dgp_metric_set(start, (double)(int64_t)dgp_clock_wall_s());

	std->records_read = dgp_metrics_counter(
	    reg, "dgp_records_read_total",
	    "Records read from a source (Kafka message or file line), per catalog resource.",
	    l_res);
	std->records_new = dgp_metrics_counter(
	    reg, "dgp_records_new_total",
	    "Records whose natural key was not loaded before (the COPY path).", l_res);
	std->records_changed = dgp_metrics_counter(
	    reg, "dgp_records_changed_total",
	    "Records whose key was known with other content (the merge path).", l_res);
	std->records_unchanged =
	    dgp_metrics_counter(reg, "dgp_records_unchanged_total",
	                        "Records identical to what is loaded: no PostgreSQL work.", l_res);
	std->records_duplicate = dgp_metrics_counter(
	    reg, "dgp_records_duplicate_total",
	    "Records repeated within the stream before being loaded: no PostgreSQL work.", l_res);
	std->records_deleted = dgp_metrics_counter(
	    reg, "dgp_records_deleted_total",
	    "Rows deleted from dgp_src by tombstones and delete markers (kept in dgp_ops.deleted).",
	    l_res);
	std->records_rejected = dgp_metrics_counter(
	    reg, "dgp_records_rejected_total",
	    "Records rejected into dgp_ops.reject, per resource and reason code.", l_res_reason);
	std->batches = dgp_metrics_counter(
	    reg, "dgp_batches_total",
	    "Batches finished per resource; outcome is committed, failed, or stale (dgp run: "
	    "another member committed past the batch's start; dropped and read again).",
	    l_res_outcome);
	std->batch_rows = dgp_histogram_get(
	    dgp_metrics_histogram(reg, "dgp_batch_rows", "Rows per committed batch.", NULL,
	                          dgp_metrics_batch_rows_bounds, dgp_metrics_batch_rows_nbounds),
	    NULL);
	std->batch_duration = dgp_histogram_get(
	    dgp_metrics_histogram(reg, "dgp_batch_duration_seconds",
	                          "Time from a batch's first record to its commit.", NULL,
	                          dgp_metrics_seconds_bounds, dgp_metrics_seconds_nbounds),
	    NULL);
	std->pg_roundtrip = dgp_histogram_get(
	    dgp_metrics_histogram(reg, "dgp_pg_roundtrip_seconds",
	                          "Duration of one PostgreSQL command (COPY, merge, commit).", NULL,
	                          dgp_metrics_seconds_bounds, dgp_metrics_seconds_nbounds),
	    NULL);
	static const char *const l_res_field[] = {"resource", "field", NULL};
	std->unknown_fields = dgp_metrics_counter(
	    reg, "dgp_unknown_fields_total",
	    "Records that carried a JSON key or CSV column the catalog does not know (by name; "
	    "its values are not loaded).",
	    l_res_field);
	std->kafka_lag = dgp_metrics_gauge(
	    reg, "dgp_kafka_consumer_lag",
	    "Messages between the partition's high watermark and the next offset to load.",
	    l_topic_part);
	std->dedup_entries = dgp_metric_get(
	    dgp_metrics_gauge(reg, "dgp_dedup_entries", "Keys in the dedup cache.", NULL), NULL);
	std->dedup_bytes = dgp_metric_get(
	    dgp_metrics_gauge(reg, "dgp_dedup_bytes", "Memory held by the dedup cache.", NULL),
	    NULL);
	std->catalog_resources = dgp_metric_get(
	    dgp_metrics_gauge(reg, "dgp_catalog_resources", "Resources in the data catalog.", NULL),
	    NULL);
	std->catalog_resources_overdue = dgp_metric_get(
	    dgp_metrics_gauge(
	        reg, "dgp_catalog_resources_overdue",
	        "Catalog resources loaded before but not within their update cycle "
	        "(dgp catalog status: overdue); never-loaded ones are not counted here.",
	        NULL),
	    NULL);
	std->catalog_resources_never_loaded = dgp_metric_get(
	    dgp_metrics_gauge(reg, "dgp_catalog_resources_never_loaded",
	                      "Catalog resources with no load recorded, counted apart from the "
	                      "overdue ones so that a new centre, where most resources were never "
	                      "loaded yet, does not alert on all of them.",
	                      NULL),
	    NULL);
	std->golden_queue_keys = dgp_metric_get(
	    dgp_metrics_gauge(reg, "dgp_golden_queue_keys",
	                      "Golden keys queued in dgp_ops.golden_queue, waiting for the golden "
	                      "worker to refresh their golden records.",
	                      NULL),
	    NULL);
	std->golden_lag = dgp_metric_get(
	    dgp_metrics_gauge(reg, "dgp_golden_lag_seconds",
	                      "Age of the oldest key in dgp_ops.golden_queue (0 when empty): how "
	                      "far the golden records lag behind dgp_src.",
	                      NULL),
	    NULL);
	std->resource_rows = dgp_metrics_gauge(
	    reg, "dgp_resource_rows",
	    "Rows in the resource's dgp_src table (dgp_catalog.resource_stats).", l_res);
	std->resource_last_update = dgp_metrics_gauge(
	    reg, "dgp_resource_last_update_timestamp_seconds",
	    "Unix time of the resource's last committed batch, by this process or (read from "
	    "dgp_catalog.resource_stats every metrics.catalog.interval.ms) by any other.",
	    l_res);
	dgp_metrics_gauge_fn(reg, "dgp_resource_seconds_since_update",
	                     "Seconds since the resource's last committed batch (computed at "
	                     "scrape time).",
	                     l_res, collect_since_update, std->resource_last_update);
	std->probe_up = dgp_metrics_gauge(reg, "dgp_probe_up",
	                                  "1 when the interface's last probe succeeded, else 0.",
	                                  l_target_kind);
	std->probe_duration =
	    dgp_metrics_gauge(reg, "dgp_probe_duration_seconds",
	                      "Duration of the interface's last probe.", l_target_kind);
	std->availability_ratio = dgp_metrics_gauge(
	    reg, "dgp_availability_ratio",
	    "Measured availability: up time over observed time in the window (1d, 30d, "
	    "365d); absent until the window holds an observation.",
	    l_target_window);
	std->availability_observed = dgp_metrics_gauge(
	    reg, "dgp_availability_observed_seconds",
	    "Time in the window covered by probe results (up or down).", l_target_window);
	std->availability_outages = dgp_metrics_gauge(
	    reg, "dgp_availability_outages", "Outages that overlap the window, open ones included.",
	    l_target_window);
	std->availability_breaches = dgp_metrics_gauge(
	    reg, "dgp_availability_sla_breaches",
	    "Outages in the window whose time to repair exceeded probe.repair.target.s.",
	    l_target_window);
	std->availability_open_outage = dgp_metrics_gauge(
	    reg, "dgp_availability_open_outage_seconds",
	    "Duration of the interface's current outage; 0 when it is up.", l_target);
}

void dgp_metrics_std_resource(dgp_metrics_std_t *std, const char *resource,
                              dgp_metrics_resource_t *out)
{
	const char *const v[] = {resource};
	memset(out, 0, sizeof(*out));
	out->read = dgp_metric_get(std->records_read, v);
	out->new_ = dgp_metric_get(std->records_new, v);
	out->changed = dgp_metric_get(std->records_changed, v);
	out->unchanged = dgp_metric_get(std->records_unchanged, v);
	out->duplicate = dgp_metric_get(std->records_duplicate, v);
	out->deleted = dgp_metric_get(std->records_deleted, v);
	for (int r = DGP_REASON_OK + 1; r < DGP_REASON__COUNT; r++)
		out->rejected[r] = dgp_metric_get(
		    std->records_rejected,
		    (const char *const[]){resource, dgp_reason_name((dgp_reason_t)r)});
	out->batches_ok =
	    dgp_metric_get(std->batches, (const char *const[]){resource, "committed"});
	out->batches_stale = dgp_metric_get(std->batches, (const char *const[]){resource, "stale"});
	out->batches_failed =
	    dgp_metric_get(std->batches, (const char *const[]){resource, "failed"});
	out->rows = dgp_metric_get(std->resource_rows, v);
	out->last_update = dgp_metric_get(std->resource_last_update, v);
}

void dgp_metrics_std_batch(const dgp_metrics_std_t *std, const dgp_metrics_resource_t *res,
                           const struct dgp_batch_counts *c, double seconds, double now_unix)
{
	dgp_metric_inc(res->read, c->read);
	dgp_metric_inc(res->new_, c->cls[DGP_DEDUP_NEW]);
	dgp_metric_inc(res->changed, c->cls[DGP_DEDUP_CHANGED]);
	dgp_metric_inc(res->unchanged, c->cls[DGP_DEDUP_UNCHANGED]);
	dgp_metric_inc(res->duplicate, c->cls[DGP_DEDUP_DUPLICATE]);
	dgp_metric_inc(res->deleted, c->deleted);
	for (int i = 1; i < DGP_REASON__COUNT; i++)
		if (c->by_reason[i] && res->rejected[i])
			dgp_metric_inc(res->rejected[i], c->by_reason[i]);
	dgp_metric_inc(res->batches_ok, 1);
	dgp_metric_set_max(res->last_update, now_unix);
	dgp_histogram_observe(std->batch_rows, (double)c->read);
	dgp_histogram_observe(std->batch_duration, seconds);
}
