/*
 * dgp_avail.c — per target, a list of observed segments and a list of
 * outages, both appended in time order and pruned past the horizon.
 *
 * A result (t, up) closes the stretch since the previous result: the
 * previous state is credited for min(t − prev_t, max_gap), merged into the
 * last segment when the state and the boundary match.  Only state changes
 * and gaps make new segments, so a year of one-minute results that are all
 * up is one segment.
 */
#include "dgp_avail.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_arena.h"

const int64_t dgp_avail_window_ms[DGP_AVAIL_NWINDOWS] = {DGP_AVAIL_DAY_MS, 30 * DGP_AVAIL_DAY_MS,
                                                         365 * DGP_AVAIL_DAY_MS};
const char *const dgp_avail_window_name[DGP_AVAIL_NWINDOWS] = {"1d", "30d", "365d"};

typedef struct segment {
	int64_t start, end; /* [start, end) */
	bool up;
} segment_t;

typedef struct target {
	char *name, *kind;
	bool has_last;
	int64_t last_t;
	bool last_up;
	segment_t *seg;
	size_t nseg, capseg;
	dgp_avail_outage_t *out; /* ttr/breach of closed ones final; open one completed on read */
	size_t nout, capout;
} target_t;

struct dgp_avail {
	int64_t max_gap, repair_target, horizon;
	dgp_avail_clock_fn *clock;
	void *opaque;
	target_t *t;
	size_t nt, capt;
};

static int64_t realtime_ms(void *opaque)
{
	(void)opaque;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

dgp_avail_t *dgp_avail_new(int64_t max_gap_ms, int64_t repair_target_ms, int64_t horizon_ms,
                           dgp_avail_clock_fn *clock, void *opaque)
{
	dgp_avail_t *a = dgp_xcalloc(1, sizeof(*a));
	a->max_gap = max_gap_ms > 0 ? max_gap_ms : 1;
	a->repair_target = repair_target_ms > 0 ? repair_target_ms : DGP_AVAIL_DAY_MS;
	a->horizon = horizon_ms > 0 ? horizon_ms : 0;
	a->clock = clock ? clock : realtime_ms;
	a->opaque = opaque;
	return a;
}

void dgp_avail_destroy(dgp_avail_t *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nt; i++) {
		free(a->t[i].name);
		free(a->t[i].kind);
		free(a->t[i].seg);
		free(a->t[i].out);
	}
	free(a->t);
	free(a);
}

int64_t dgp_avail_now(const dgp_avail_t *a)
{
	return a->clock(a->opaque);
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *d = dgp_xmalloc(n + 1);
	memcpy(d, s, n + 1);
	return d;
}

static target_t *target_find(dgp_avail_t *a, const char *name, const char *kind)
{
	for (size_t i = 0; i < a->nt; i++)
		if (strcmp(a->t[i].name, name) == 0)
			return &a->t[i];
	if (a->nt == a->capt) {
		a->capt = a->capt ? a->capt * 2 : 8;
		a->t = dgp_xrealloc(a->t, a->capt * sizeof(*a->t));
	}
	target_t *t = &a->t[a->nt++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->kind = xstrdup(kind ? kind : "");
	return t;
}

static void segment_add(target_t *t, int64_t start, int64_t end, bool up)
{
	if (end <= start)
		return;
	if (t->nseg) {
		segment_t *last = &t->seg[t->nseg - 1];
		if (last->up == up && last->end == start) {
			last->end = end;
			return;
		}
	}
	if (t->nseg == t->capseg) {
		t->capseg = t->capseg ? t->capseg * 2 : 16;
		t->seg = dgp_xrealloc(t->seg, t->capseg * sizeof(*t->seg));
	}
	t->seg[t->nseg++] = (segment_t){start, end, up};
}

static void outage_open(target_t *t, int64_t start)
{
	if (t->nout == t->capout) {
		t->capout = t->capout ? t->capout * 2 : 8;
		t->out = dgp_xrealloc(t->out, t->capout * sizeof(*t->out));
	}
	t->out[t->nout++] = (dgp_avail_outage_t){start, -1, 0, true, false};
}

/* Drop what ended before the horizon so a process that probes for years stays small. */
static void prune(const dgp_avail_t *a, target_t *t)
{
	if (!a->horizon)
		return;
	int64_t cut = t->last_t - a->horizon;
	size_t k = 0;
	while (k < t->nseg && t->seg[k].end < cut)
		k++;
	if (k) {
		memmove(t->seg, t->seg + k, (t->nseg - k) * sizeof(*t->seg));
		t->nseg -= k;
	}
	k = 0;
	while (k < t->nout && !t->out[k].open && t->out[k].end_ms < cut)
		k++;
	if (k) {
		memmove(t->out, t->out + k, (t->nout - k) * sizeof(*t->out));
		t->nout -= k;
	}
}

dgp_err_t dgp_avail_record(dgp_avail_t *a, const char *target, const char *kind, int64_t at_ms,
                           bool up)
{
	target_t *t = target_find(a, target, kind);
	if (t->has_last && at_ms < t->last_t)
		return DGP_ERR_INVALID;
	if (t->has_last) {
		int64_t gap = at_ms - t->last_t;
		segment_add(t, t->last_t, t->last_t + (gap < a->max_gap ? gap : a->max_gap),
		            t->last_up);
	}
	bool was_up = !t->has_last || t->last_up;
	if (was_up && !up)
		outage_open(t, at_ms);
	if (!was_up && up && t->nout) {
		dgp_avail_outage_t *o = &t->out[t->nout - 1];
		o->end_ms = at_ms;
		o->ttr_ms = at_ms - o->start_ms;
		o->open = false;
		o->breach = o->ttr_ms > a->repair_target;
	}
	t->has_last = true;
	t->last_t = at_ms;
	t->last_up = up;
	prune(a, t);
	return DGP_OK;
}

size_t dgp_avail_ntargets(const dgp_avail_t *a)
{
	return a->nt;
}

const char *dgp_avail_target_name(const dgp_avail_t *a, size_t i)
{
	return a->t[i].name;
}

const char *dgp_avail_target_kind(const dgp_avail_t *a, size_t i)
{
	return a->t[i].kind;
}

bool dgp_avail_last(const dgp_avail_t *a, size_t i, int64_t *at_ms, bool *up)
{
	const target_t *t = &a->t[i];
	if (!t->has_last)
		return false;
	*at_ms = t->last_t;
	*up = t->last_up;
	return true;
}

static int64_t overlap(int64_t s, int64_t e, int64_t from, int64_t to)
{
	int64_t lo = s > from ? s : from, hi = e < to ? e : to;
	return hi > lo ? hi - lo : 0;
}

/* An outage as of now: an open one's time to repair keeps growing. */
static dgp_avail_outage_t outage_at(const dgp_avail_t *a, const dgp_avail_outage_t *o, int64_t now)
{
	dgp_avail_outage_t r = *o;
	if (r.open) {
		r.ttr_ms = now > r.start_ms ? now - r.start_ms : 0;
		r.breach = r.ttr_ms > a->repair_target;
	}
	return r;
}

void dgp_avail_stats(const dgp_avail_t *a, size_t i, int64_t window_ms, dgp_avail_stats_t *out)
{
	const target_t *t = &a->t[i];
	int64_t now = dgp_avail_now(a), from = now - window_ms;
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < t->nseg; k++) {
		int64_t d = overlap(t->seg[k].start, t->seg[k].end, from, now);
		if (t->seg[k].up)
			out->up_ms += d;
		else
			out->down_ms += d;
	}
	if (t->has_last) {
		int64_t tail_end = t->last_t + a->max_gap < now ? t->last_t + a->max_gap : now;
		int64_t d = overlap(t->last_t, tail_end, from, now);
		if (t->last_up)
			out->up_ms += d;
		else
			out->down_ms += d;
	}
	int64_t seen = out->up_ms + out->down_ms;
	out->ratio = seen ? (double)out->up_ms / (double)seen : NAN;
	for (size_t k = 0; k < t->nout; k++) {
		dgp_avail_outage_t o = outage_at(a, &t->out[k], now);
		int64_t end = o.open ? now : o.end_ms;
		if (end < from || o.start_ms > now)
			continue;
		out->outages++;
		out->breaches += o.breach;
		if (o.ttr_ms > out->longest_ttr_ms)
			out->longest_ttr_ms = o.ttr_ms;
	}
}

size_t dgp_avail_outages(const dgp_avail_t *a, size_t i, int64_t since_ms, dgp_avail_outage_t *out,
                         size_t max)
{
	const target_t *t = &a->t[i];
	int64_t now = dgp_avail_now(a);
	size_t n = 0;
	for (size_t k = 0; k < t->nout; k++) {
		if (!t->out[k].open && t->out[k].end_ms < since_ms)
			continue;
		if (n < max)
			out[n] = outage_at(a, &t->out[k], now);
		n++;
	}
	return n;
}
