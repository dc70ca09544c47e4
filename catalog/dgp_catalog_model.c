/*
 * dgp_catalog_model.c — the loaded catalog: its lifetime, its diagnostics
 * and the lookups callers make (by code, topic, file, slug, name).
 */
#include "dgp_catalog_int.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dgp_catalog_diag_add(dgp_catalog_t *cat, const char *file, int line, const char *column,
                          const char *hint, const char *fmt, ...)
{
	dgp_catalog_diag_t *d = vec_push(&cat->diags);
	va_list ap;
	va_start(ap, fmt);
	d->message = dgp_arena_vsprintf(cat->arena, fmt, ap);
	va_end(ap);
	d->file = file;
	d->line = line;
	d->column = column ? column : "";
	d->hint = hint;
}

void dgp_catalog_destroy(dgp_catalog_t *cat)
{
	if (!cat)
		return;
	free(cat->diags.v);
	dgp_arena_destroy(cat->arena);
}

/* ----------------------------------------------------------------- lookups */

const char *dgp_catalog_dir(const dgp_catalog_t *cat)
{
	return cat->dir;
}

const dgp_catalog_diag_t *dgp_catalog_diags(const dgp_catalog_t *cat, size_t *n)
{
	*n = cat->diags.n;
	return (const dgp_catalog_diag_t *)cat->diags.v;
}

char *dgp_catalog_diag_format(const dgp_catalog_diag_t *d, const char *dir, char *out,
                              size_t out_size)
{
	char line[24] = "";
	if (d->line > 0)
		snprintf(line, sizeof(line), ":%d", d->line);
	bool sep = dir && *d->file;
	snprintf(out, out_size, "%s%s%s%s: %s%s%s", dir ? dir : "", sep ? "/" : "", d->file, line,
	         d->column, *d->column ? ": " : "", d->message);
	return out;
}

#define ACCESSOR(fn, type, arr, count)                                                             \
	const type *fn(const dgp_catalog_t *cat, size_t *n)                                        \
	{                                                                                          \
		*n = cat->count;                                                                   \
		return cat->arr;                                                                   \
	}
ACCESSOR(dgp_catalog_providers, dgp_catalog_provider_t, providers, n_providers)
ACCESSOR(dgp_catalog_resources, dgp_catalog_resource_t, resources, n_resources)
ACCESSOR(dgp_catalog_base_columns, dgp_catalog_base_column_t, base_columns, n_base_columns)
ACCESSOR(dgp_catalog_code_lists, dgp_catalog_code_list_t, code_lists, n_code_lists)
ACCESSOR(dgp_catalog_demands, dgp_catalog_demand_t, demands, n_demands)
ACCESSOR(dgp_catalog_responsibilities, dgp_catalog_responsibility_t, resps, n_resps)
ACCESSOR(dgp_catalog_negatives, dgp_catalog_negative_t, negs, n_negs)

const dgp_catalog_resource_t *dgp_catalog_find_resource(const dgp_catalog_t *cat, const char *code)
{
	return smap_get(&cat->by_code, code);
}

const dgp_catalog_resource_t *dgp_catalog_find_by_topic(const dgp_catalog_t *cat, const char *topic)
{
	return smap_get(&cat->by_topic, topic);
}

const dgp_catalog_resource_t *dgp_catalog_find_by_file(const dgp_catalog_t *cat, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < cat->n_resources; i++)
		if (*cat->resources[i].file_pattern &&
		    fnmatch(cat->resources[i].file_pattern, base, 0) == 0)
			return &cat->resources[i];
	return NULL;
}

const dgp_catalog_provider_t *dgp_catalog_find_provider(const dgp_catalog_t *cat, const char *slug)
{
	return smap_get(&cat->by_slug, slug);
}

const dgp_catalog_field_t *dgp_catalog_find_field(const dgp_catalog_resource_t *res,
                                                  const char *source_name)
{
	for (size_t i = 0; i < res->n_fields; i++)
		if (strcmp(res->fields[i].source_name, source_name) == 0)
			return &res->fields[i];
	return NULL;
}

const dgp_catalog_base_column_t *
dgp_catalog_find_base_column(const dgp_catalog_t *cat, dgp_base_library_t lib, const char *name)
{
	for (size_t i = 0; i < cat->n_base_columns; i++)
		if (cat->base_columns[i].library == lib &&
		    strcmp(cat->base_columns[i].name, name) == 0)
			return &cat->base_columns[i];
	return NULL;
}

const dgp_catalog_code_list_t *dgp_catalog_find_code_list(const dgp_catalog_t *cat,
                                                          const char *name)
{
	return smap_get(&cat->by_list, name);
}

const char *dgp_catalog_code_list_label(const dgp_catalog_code_list_t *list, const char *code)
{
	for (size_t i = 0; i < list->n_codes; i++)
		if (strcmp(list->codes[i].code, code) == 0)
			return list->codes[i].label;
	return NULL;
}

void dgp_catalog_summarize(const dgp_catalog_t *cat, dgp_catalog_summary_t *s)
{
	memset(s, 0, sizeof(*s));
	s->providers = cat->n_providers;
	s->resources = cat->n_resources;
	s->base_columns = cat->n_base_columns;
	s->code_lists = cat->n_code_lists;
	s->demands = cat->n_demands;
	s->responsibilities = cat->n_resps;
	s->negatives = cat->n_negs;
	for (size_t i = 0; i < cat->n_code_lists; i++)
		s->codes += cat->code_lists[i].n_codes;
	for (size_t i = 0; i < cat->n_resources; i++) {
		const dgp_catalog_resource_t *r = &cat->resources[i];
		s->fields += r->n_fields;
		s->by_share[r->share_type]++;
		s->by_cycle[r->update_cycle]++;
		s->by_library[r->base_library]++;
		s->by_class[r->cls]++;
		s->open += r->open;
		for (size_t j = 0; j < r->n_fields; j++) {
			s->sensitive_fields += r->fields[j].sensitivity == DGP_SENS_SENSITIVE;
			s->mapped_fields += *r->fields[j].base_column_name != 0;
		}
	}
}
