/*
 * dgp_catalog_int.h — what the three parts of the catalog share and callers
 * of dgp_catalog.h must not see: the body of dgp_catalog_t, the growable
 * vector and string map it is built with, and the diagnostic list.
 *
 *   dgp_catalog_load.c      CSV files ──▶ typed objects ──link──▶ the model
 *   dgp_catalog_model.c     the model's lifetime, lookups and diagnostics
 *   dgp_catalog_validate.c  cross-row / cross-file checks of the model
 */
#ifndef DGP_CATALOG_INT_H
#define DGP_CATALOG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"
#include "dgp_catalog.h"
#include "dgp_norm.h"

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---------------------------------------------------------------- vectors */

typedef struct vec {
	char *v;
	size_t n, cap, elem;
} vec_t;

#define VEC(type) ((vec_t){NULL, 0, 0, sizeof(type)})

/* vec_push — a zeroed new element; pointers into the vector die at the next push. */
static inline void *vec_push(vec_t *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->v = dgp_xrealloc(v->v, v->cap * v->elem);
	}
	void *p = v->v + v->n * v->elem;
	memset(p, 0, v->elem);
	v->n++;
	return p;
}

/* vec_to_arena — copy the elements into the arena and empty the vector (read n first). */
static inline void *vec_to_arena(vec_t *v, dgp_arena_t *a)
{
	void *p = dgp_arena_alloc(a, v->n * v->elem);
	if (v->n)
		memcpy(p, v->v, v->n * v->elem);
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
	return p;
}

#define VEC_AT(vec, type, i) (((type *)(vec).v)[i])

/* ------------------------------------------------------------- string map */

/* Open addressing, first insert wins; lives in the arena. */
typedef struct smap {
	size_t cap;
	const char **keys;
	const void **vals;
} smap_t;

static inline uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static inline void smap_init(smap_t *m, dgp_arena_t *a, size_t n)
{
	m->cap = 16;
	while (m->cap < 2 * n + 16)
		m->cap *= 2;
	m->keys = dgp_arena_calloc(a, m->cap * sizeof(*m->keys));
	m->vals = dgp_arena_calloc(a, m->cap * sizeof(*m->vals));
}

/* smap_put — insert key → val; when key is already there, keep the old value and return it. */
static inline const void *smap_put(smap_t *m, const char *key, const void *val)
{
	for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i]) {
			m->keys[i] = key;
			m->vals[i] = val;
			return NULL;
		}
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	}
}

static inline const void *smap_get(const smap_t *m, const char *key)
{
	if (!m->cap || !key)
		return NULL;
	for (size_t i = str_hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	return NULL;
}

/* ---------------------------------------------------------------- catalog */

struct dgp_catalog {
	dgp_arena_t *arena;
	const char *dir;
	vec_t diags; /* dgp_catalog_diag_t, copied out lazily */

	dgp_catalog_provider_t *providers;
	size_t n_providers;
	dgp_catalog_resource_t *resources;
	size_t n_resources;
	dgp_catalog_base_column_t *base_columns;
	size_t n_base_columns;
	dgp_catalog_code_list_t *code_lists;
	size_t n_code_lists;
	dgp_catalog_demand_t *demands;
	size_t n_demands;
	dgp_catalog_responsibility_t *resps;
	size_t n_resps;
	dgp_catalog_negative_t *negs;
	size_t n_negs;

	smap_t by_code, by_topic, by_slug, by_base_column, by_list;
	smap_t fields_unread; /* slugs whose fields.csv could not be read (already reported) */
	bool validated;
};

/*
 * dgp_catalog_diag_add — record a diagnostic at file:line, column (NULL for
 * the row as a whole), with an optional hint sentence; message printf-style,
 * lowercase, no trailing period.  Strings are copied into the arena.
 */
void dgp_catalog_diag_add(dgp_catalog_t *cat, const char *file, int line, const char *column,
                          const char *hint, const char *fmt, ...) DGP_PRINTF(6, 7);

/*
 * dgp_catalog_field_rule_find — the registry row of a rule a fields.csv or
 * base_columns.csv row may name (one that fits some data type), or NULL.
 */
const dgp_norm_def_t *dgp_catalog_field_rule_find(const char *name);

/*
 * dgp_catalog_code_problem — NULL when s is a well-formed resource code
 * (class digit + 项 + 目 [+ 细目] "/" 顺序码; *class_digit and *has_detail
 * set), else what is wrong with it.
 */
const char *dgp_catalog_code_problem(const char *s, int *class_digit, bool *has_detail);

#endif /* DGP_CATALOG_INT_H */
