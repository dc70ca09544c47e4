/*
 * dgp_catalog_validate.c — the cross-row and cross-file checks of a loaded
 * catalog (duplicates, references, key columns, list rows), then the
 * diagnostics sorted by file and line.
 */
#include "dgp_catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- validate */

/*
 * first_at — remember loc under key in m; when key was seen before, return
 * where (the check then reports the later definition).
 */
static const dgp_catalog_loc_t *first_at(smap_t *m, const char *key, const dgp_catalog_loc_t *loc)
{
	if (!key || !*key)
		return NULL;
	return smap_put(m, key, loc);
}

static void check_dup(dgp_catalog_t *cat, smap_t *m, const char *key, const dgp_catalog_loc_t *loc,
                      const char *column, const char *what)
{
	const dgp_catalog_loc_t *first = first_at(m, key, loc);
	if (first)
		dgp_catalog_diag_add(cat, loc->file, loc->line, column, NULL,
		                     "duplicate %s \"%s\" (first defined at %s:%d)", what, key,
		                     first->file, first->line);
}

static void validate_providers(dgp_catalog_t *cat)
{
	smap_t codes, names, slugs;
	smap_init(&codes, cat->arena, cat->n_providers);
	smap_init(&names, cat->arena, cat->n_providers);
	smap_init(&slugs, cat->arena, cat->n_providers);
	for (size_t i = 0; i < cat->n_providers; i++) {
		const dgp_catalog_provider_t *p = &cat->providers[i];
		check_dup(cat, &codes, p->code, &p->loc, "code", "provider code");
		check_dup(cat, &names, p->name, &p->loc, "name", "provider name");
		check_dup(cat, &slugs, p->slug, &p->loc, "slug", "slug");
	}
}

static const dgp_catalog_base_column_t *key_column(const dgp_catalog_t *cat, dgp_base_library_t lib)
{
	for (size_t i = 0; i < cat->n_base_columns; i++)
		if (cat->base_columns[i].library == lib && cat->base_columns[i].key)
			return &cat->base_columns[i];
	return NULL;
}

/* The name of a classification level must be the same wherever its digits appear. */
static void check_level_name(dgp_catalog_t *cat, smap_t *m, const dgp_catalog_resource_t *r,
                             size_t digits, const char *column, const char *level, const char *name)
{
	char *key = dgp_arena_memdup(cat->arena, r->code, digits);
	const dgp_catalog_resource_t *first = smap_put(m, key, r);
	if (!first)
		return;
	const char *first_name =
	    strcmp(column, "category") == 0 ? first->category : first->subcategory;
	if (strcmp(first_name, name) != 0)
		dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, column,
		                     "One classification code has one name throughout the catalog.",
		                     "%s \"%s\" differs from \"%s\" given to %s %s at %s:%d",
		                     column, name, first_name, level, key, first->loc.file,
		                     first->loc.line);
}

static void validate_fields(dgp_catalog_t *cat, const dgp_catalog_resource_t *r)
{
	smap_t seqs, names, bases;
	smap_init(&seqs, cat->arena, r->n_fields);
	smap_init(&names, cat->arena, r->n_fields);
	smap_init(&bases, cat->arena, r->n_fields);
	const char *lib = dgp_catalog_base_library_name(r->base_library);
	for (size_t j = 0; j < r->n_fields; j++) {
		const dgp_catalog_field_t *f = &r->fields[j];
		const char *file = f->loc.file;
		int line = f->loc.line;
		if (f->seq > 0) {
			const dgp_catalog_loc_t *first =
			    first_at(&seqs, dgp_arena_sprintf(cat->arena, "%d", f->seq), &f->loc);
			if (first)
				dgp_catalog_diag_add(
				    cat, file, line, "seq", NULL,
				    "duplicate seq %d in resource %s (first at line %d)", f->seq,
				    r->code, first->line);
		}
		const dgp_catalog_loc_t *first = first_at(&names, f->source_name, &f->loc);
		if (first)
			dgp_catalog_diag_add(
			    cat, file, line, "source_name", NULL,
			    "duplicate source name \"%s\" in resource %s (first at line %d)",
			    f->source_name, r->code, first->line);
		if (f->key) {
			bool listed = false;
			for (size_t k = 0; k < r->n_record_key; k++)
				listed |= strcmp(r->record_key[k], f->source_name) == 0;
			if (!listed)
				dgp_catalog_diag_add(
				    cat, file, line, "key", NULL,
				    "field %s is key=Y but not in the record_key of resource %s",
				    f->source_name, r->code);
		}
		if (f->list && !f->code_list)
			dgp_catalog_diag_add(cat, file, line, "rule_args",
			                     "Code lists are defined in codelists.csv.",
			                     "unknown code list \"%s\"", f->list);

		if (!*f->base_column_name) {
			if (f->priority > 0)
				dgp_catalog_diag_add(cat, file, line, "priority", NULL,
				                     "priority is given but base_column is empty");
			continue;
		}
		if (r->base_library == DGP_LIB_NONE) {
			dgp_catalog_diag_add(
			    cat, file, line, "base_column",
			    "Set base_library of the resource, or clear base_column.",
			    "resource %s feeds no base library (base_library is none)", r->code);
			continue;
		}
		const dgp_catalog_base_column_t *b = f->base_column;
		if (!b) {
			dgp_catalog_diag_add(
			    cat, file, line, "base_column",
			    "The golden-table columns are defined in base_columns.csv.",
			    "unknown base column \"%s\" of %s", f->base_column_name, lib);
			continue;
		}
		const dgp_catalog_loc_t *other = first_at(&bases, b->name, &f->loc);
		if (other)
			dgp_catalog_diag_add(
			    cat, file, line, "base_column", NULL,
			    "base column %s.%s is already fed by line %d of this resource", lib,
			    b->name, other->line);
		if (dgp_catalog_field_rule_find(f->rule) && strcmp(f->rule, b->rule) != 0)
			dgp_catalog_diag_add(cat, file, line, "rule", NULL,
			                     "base column %s.%s needs rule %s, not %s", lib,
			                     b->name, b->rule, f->rule);
		else if (b->list && (!f->list || strcmp(b->list, f->list) != 0))
			dgp_catalog_diag_add(cat, file, line, "rule_args", NULL,
			                     "base column %s.%s needs list=%s, not %s%s", lib,
			                     b->name, b->list, f->list ? "list=" : "no list",
			                     f->list ? f->list : "");
		if (b->key) {
			if (f->priority > 0)
				dgp_catalog_diag_add(
				    cat, file, line, "priority",
				    "The key column joins the records of all sources; it has no "
				    "priority.",
				    "the key column %s.%s takes no priority", lib, b->name);
			if (!f->required)
				dgp_catalog_diag_add(
				    cat, file, line, "required", NULL,
				    "a field feeding the key column %s.%s must be required", lib,
				    b->name);
		} else if (f->priority == 0) {
			dgp_catalog_diag_add(
			    cat, file, line, "priority",
			    "Give each source of a base column its own priority; 1 is the most "
			    "authoritative.",
			    "priority is required for a field with a base column");
		}
	}
	for (size_t k = 0; k < r->n_record_key; k++) {
		const dgp_catalog_field_t *f = dgp_catalog_find_field(r, r->record_key[k]);
		if (!f)
			dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "record_key", NULL,
			                     "\"%s\" is not a field of resource %s",
			                     r->record_key[k], r->code);
		else if (!f->key)
			dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "record_key", NULL,
			                     "field %s is not marked key=Y in %s", f->source_name,
			                     f->loc.file);
	}
	if (*r->recency) {
		const dgp_catalog_field_t *f = dgp_catalog_find_field(r, r->recency);
		if (!f)
			dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "recency", NULL,
			                     "\"%s\" is not a field of resource %s", r->recency,
			                     r->code);
		else if (strcmp(f->rule, "date") != 0 && strcmp(f->rule, "datetime") != 0)
			dgp_catalog_diag_add(
			    cat, r->loc.file, r->loc.line, "recency",
			    "The recency field orders the rows of one key, latest first; it "
			    "must hold a date or a date and time.",
			    "field %s has rule %s, not date or datetime", f->source_name, f->rule);
	}
}

static void validate_resources(dgp_catalog_t *cat)
{
	smap_t items, subjects;
	smap_init(&items, cat->arena, cat->n_resources);
	smap_init(&subjects, cat->arena, cat->n_resources);
	for (size_t i = 0; i < cat->n_resources; i++) {
		const dgp_catalog_resource_t *r = &cat->resources[i];
		const dgp_catalog_resource_t *first = smap_get(&cat->by_code, r->code);
		int d;
		bool det;
		bool code_ok = *r->code && !dgp_catalog_code_problem(r->code, &d, &det);
		if (first && first != r) {
			/* its fields went to the first definition: checking it further only repeats
			 * this */
			dgp_catalog_diag_add(
			    cat, r->loc.file, r->loc.line, "code", NULL,
			    "duplicate resource code \"%s\" (first defined at %s:%d)", r->code,
			    first->loc.file, first->loc.line);
			continue;
		}
		if (code_ok) {
			check_level_name(cat, &items, r, 3, "category", "项", r->category);
			check_level_name(cat, &subjects, r, 6, "subcategory", "目", r->subcategory);
		}
		for (size_t k = 0; k < r->n_related; k++) {
			const char *c = r->related[k];
			if (strcmp(c, r->code) == 0)
				dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "related", NULL,
				                     "resource %s lists itself as related", c);
			else if (!dgp_catalog_code_problem(c, &d, &det) &&
			         !smap_get(&cat->by_code, c))
				dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "related", NULL,
				                     "unknown resource code \"%s\"", c);
		}
		const dgp_catalog_resource_t *t = smap_get(&cat->by_topic, r->topic);
		if (t && t != r)
			dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "topic", NULL,
			                     "duplicate topic \"%s\" (first defined at %s:%d)",
			                     r->topic, t->loc.file, t->loc.line);
		if (r->n_fields == 0 && smap_get(&cat->fields_unread, r->provider->slug))
			continue;
		if (r->n_fields == 0) {
			dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, NULL,
			                     dgp_arena_sprintf(cat->arena,
			                                       "Add its 信息项 to %s/fields.csv.",
			                                       r->provider->slug),
			                     "resource %s has no fields", r->code);
			continue;
		}
		validate_fields(cat, r);
		if (r->base_library != DGP_LIB_NONE) {
			const dgp_catalog_base_column_t *kc = key_column(cat, r->base_library);
			bool fed = false;
			for (size_t j = 0; kc && j < r->n_fields; j++)
				fed |= r->fields[j].base_column == kc;
			if (kc && !fed)
				dgp_catalog_diag_add(
				    cat, r->loc.file, r->loc.line, "base_library",
				    "A resource feeding a golden table must say which of its "
				    "fields "
				    "holds the table's key.",
				    "resource feeds %s but maps no field to its key column %s",
				    dgp_catalog_base_library_name(r->base_library), kc->name);
		}
	}
}

static void validate_base_columns(dgp_catalog_t *cat)
{
	for (size_t i = 0; i < cat->n_base_columns; i++) {
		const dgp_catalog_base_column_t *b = &cat->base_columns[i];
		if (b->library == DGP_LIB_NONE || !*b->name)
			continue;
		const char *lib = dgp_catalog_base_library_name(b->library);
		const dgp_catalog_base_column_t *first =
		    dgp_catalog_find_base_column(cat, b->library, b->name);
		if (first != b) {
			dgp_catalog_diag_add(
			    cat, b->loc.file, b->loc.line, "column", NULL,
			    "duplicate base column %s.%s (first defined at line %d)", lib, b->name,
			    first->loc.line);
			continue;
		}
		const dgp_catalog_base_column_t *kc = key_column(cat, b->library);
		if (b->key && kc != b)
			dgp_catalog_diag_add(cat, b->loc.file, b->loc.line, "key", NULL,
			                     "library %s already has key column %s (line %d)", lib,
			                     kc->name, kc->loc.line);
		if (b->list && !dgp_catalog_find_code_list(cat, b->list))
			dgp_catalog_diag_add(cat, b->loc.file, b->loc.line, "rule_args",
			                     "Code lists are defined in codelists.csv.",
			                     "unknown code list \"%s\"", b->list);
		if (b->n_sources == 0)
			dgp_catalog_diag_add(
			    cat, b->loc.file, b->loc.line, "column",
			    "Map a field of some <slug>/fields.csv to it, or remove the column.",
			    "base column %s.%s has no source field", lib, b->name);
		/* sources are sorted by priority: equal neighbours share one */
		for (size_t k = 1; !b->key && k < b->n_sources; k++) {
			const dgp_catalog_field_t *x = b->sources[k - 1], *y = b->sources[k];
			if (x->priority > 0 && x->priority == y->priority)
				dgp_catalog_diag_add(
				    cat, y->loc.file, y->loc.line, "priority",
				    "Give each source of a base column its own priority; 1 is the "
				    "most authoritative.",
				    "priority %d of base column %s.%s is also given to %s:%d (%s "
				    "%s)",
				    y->priority, lib, b->name, x->loc.file, x->loc.line,
				    x->resource->code, x->source_name);
		}
	}
	for (int lib = DGP_LIB_PERSON; lib < DGP_LIB__COUNT; lib++) {
		bool any = false;
		for (size_t i = 0; i < cat->n_base_columns; i++)
			any |= cat->base_columns[i].library == (dgp_base_library_t)lib;
		if (any && !key_column(cat, (dgp_base_library_t)lib))
			dgp_catalog_diag_add(
			    cat, "base_columns.csv", 0, NULL,
			    "Mark the column that identifies a record (gmsfhm, tyshxydm) with key "
			    "Y.",
			    "library %s has no key column", dgp_catalog_base_library_name(lib));
	}
}

static void validate_code_lists(dgp_catalog_t *cat)
{
	for (size_t i = 0; i < cat->n_code_lists; i++) {
		const dgp_catalog_code_list_t *l = &cat->code_lists[i];
		const dgp_catalog_code_list_t *first = smap_get(&cat->by_list, l->name);
		if (first && first != l) {
			dgp_catalog_diag_add(cat, l->loc.file, l->loc.line, "list",
			                     "Keep the rows of one list together.",
			                     "list %s appears again (first at line %d)", l->name,
			                     first->loc.line);
			continue;
		}
		for (size_t k = 0; k < l->n_codes; k++)
			for (size_t m = 0; m < k; m++)
				if (strcmp(l->codes[k].code, l->codes[m].code) == 0) {
					/* rows of a list are consecutive: the k-th code is at line
					 * first + k */
					dgp_catalog_diag_add(
					    cat, l->loc.file, l->loc.line + (int)k, "code", NULL,
					    "duplicate code \"%s\" in list %s (first at line %d)",
					    l->codes[k].code, l->name, l->loc.line + (int)m);
					break;
				}
	}
}

/* Checks shared by the three lists; returns false when the resource is unknown. */
static bool validate_list_row(dgp_catalog_t *cat, const dgp_catalog_loc_t *loc,
                              const char *dept_col, const char *dept_slug,
                              const dgp_catalog_provider_t *dept, const char *code,
                              const dgp_catalog_resource_t *res,
                              const dgp_catalog_field_refs_t *refs, bool dept_is_provider)
{
	if (*dept_slug && !dept)
		dgp_catalog_diag_add(cat, loc->file, loc->line, dept_col,
		                     "Providers are listed in providers.csv.",
		                     "unknown provider \"%s\"", dept_slug);
	if (!res) {
		if (*code)
			dgp_catalog_diag_add(cat, loc->file, loc->line, "resource", NULL,
			                     "unknown resource code \"%s\"", code);
		return false;
	}
	for (size_t i = 0; i < refs->n; i++)
		if (!refs->fields[i])
			dgp_catalog_diag_add(cat, loc->file, loc->line, "fields", NULL,
			                     "\"%s\" is not a field of resource %s", refs->names[i],
			                     res->code);
	if (dept_is_provider && dept && res->provider != dept)
		dgp_catalog_diag_add(cat, loc->file, loc->line, dept_col, NULL,
		                     "resource %s is provided by %s, not %s", res->code,
		                     res->provider->slug, dept->slug);
	return true;
}

static void validate_lists(dgp_catalog_t *cat)
{
	smap_t ids;
	smap_init(&ids, cat->arena, cat->n_demands);
	for (size_t i = 0; i < cat->n_demands; i++) {
		const dgp_catalog_demand_t *d = &cat->demands[i];
		check_dup(cat, &ids, d->id, &d->loc, "id", "id");
		if (validate_list_row(cat, &d->loc, "demand_dept", d->dept_slug, d->dept,
		                      d->resource_code, d->resource, &d->fields, false) &&
		    d->resource->share_type == DGP_SHARE_NONE && strcmp(d->status, "已驳回") != 0)
			dgp_catalog_diag_add(
			    cat, d->loc.file, d->loc.line, "status", NULL,
			    "resource %s is 不予共享, so a demand for it can only be 已驳回",
			    d->resource->code);
	}

	smap_init(&ids, cat->arena, cat->n_resps);
	for (size_t i = 0; i < cat->n_resps; i++) {
		const dgp_catalog_responsibility_t *r = &cat->resps[i];
		check_dup(cat, &ids, r->id, &r->loc, "id", "id");
		if (!validate_list_row(cat, &r->loc, "dept", r->dept_slug, r->dept,
		                       r->resource_code, r->resource, &r->fields, true))
			continue;
		const dgp_catalog_resource_t *res = r->resource;
		if (r->update_cycle < DGP_CYCLE__COUNT && r->update_cycle != res->update_cycle)
			dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "update_cycle", NULL,
			                     "%s differs from the update_cycle %s of resource %s",
			                     dgp_catalog_update_cycle_name(r->update_cycle),
			                     dgp_catalog_update_cycle_name(res->update_cycle),
			                     res->code);
		if (r->share_type < DGP_SHARE__COUNT && r->share_type != res->share_type)
			dgp_catalog_diag_add(cat, r->loc.file, r->loc.line, "share_type", NULL,
			                     "%s differs from the share_type %s of resource %s",
			                     dgp_catalog_share_type_name(r->share_type),
			                     dgp_catalog_share_type_name(res->share_type),
			                     res->code);
		for (size_t k = 0; r->authoritative && k < r->fields.n; k++) {
			const dgp_catalog_field_t *f = r->fields.fields[k];
			if (f && f->base_column && !f->base_column->key && f->priority > 1)
				dgp_catalog_diag_add(
				    cat, r->loc.file, r->loc.line, "fields",
				    "An authoritative source (一数一源) is priority 1 for the base "
				    "columns it is named for.",
				    "field %s is not the priority-1 source of %s.%s (priority %d)",
				    f->source_name,
				    dgp_catalog_base_library_name(f->base_column->library),
				    f->base_column->name, f->priority);
		}
	}

	smap_t banned;
	smap_init(&ids, cat->arena, cat->n_negs);
	smap_init(&banned, cat->arena, cat->n_negs);
	for (size_t i = 0; i < cat->n_negs; i++) {
		const dgp_catalog_negative_t *n = &cat->negs[i];
		check_dup(cat, &ids, n->id, &n->loc, "id", "id");
		if (!validate_list_row(cat, &n->loc, "dept", n->dept_slug, n->dept,
		                       n->resource_code, n->resource, &n->fields, true) ||
		    n->fields.n)
			continue;
		const dgp_catalog_resource_t *res = n->resource;
		if (!n->no_open) {
			(void)smap_put(&banned, res->code, n);
			if (res->share_type != DGP_SHARE_NONE)
				dgp_catalog_diag_add(
				    cat, n->loc.file, n->loc.line, "restriction", NULL,
				    "resource %s is %s in %s, not 不予共享", res->code,
				    dgp_catalog_share_type_name(res->share_type), res->loc.file);
		} else if (res->open) {
			dgp_catalog_diag_add(cat, n->loc.file, n->loc.line, "restriction", NULL,
			                     "resource %s is open to the public (open is 是 in %s)",
			                     res->code, res->loc.file);
		}
	}
	for (size_t i = 0; i < cat->n_resources; i++) {
		const dgp_catalog_resource_t *r = &cat->resources[i];
		if (r->share_type == DGP_SHARE_NONE && *r->code && !smap_get(&banned, r->code))
			dgp_catalog_diag_add(
			    cat, r->loc.file, r->loc.line, "share_type",
			    "Add the resource with its legal basis to lists/negative.csv.",
			    "resource %s is 不予共享 but has no 不予共享 row in lists/negative.csv",
			    r->code);
	}
}

typedef struct diag_ref {
	dgp_catalog_diag_t d;
	size_t index;
} diag_ref_t;

/* By file, then line, then discovery order (qsort is not stable by itself). */
static int cmp_diag(const void *a, const void *b)
{
	const diag_ref_t *x = a, *y = b;
	int c = strcmp(x->d.file, y->d.file);
	if (c)
		return c;
	if (x->d.line != y->d.line)
		return x->d.line < y->d.line ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

dgp_err_t dgp_catalog_validate(dgp_catalog_t *cat)
{
	if (!cat->validated) {
		cat->validated = true;
		validate_providers(cat);
		validate_resources(cat);
		validate_base_columns(cat);
		validate_code_lists(cat);
		validate_lists(cat);
		size_t n = cat->diags.n;
		diag_ref_t *tmp = dgp_xmalloc((n + 1) * sizeof(*tmp));
		for (size_t i = 0; i < n; i++)
			tmp[i] = (diag_ref_t){VEC_AT(cat->diags, dgp_catalog_diag_t, i), i};
		qsort(tmp, n, sizeof(*tmp), cmp_diag);
		for (size_t i = 0; i < n; i++)
			VEC_AT(cat->diags, dgp_catalog_diag_t, i) = tmp[i].d;
		free(tmp);
	}
	return cat->diags.n ? DGP_ERR_CATALOG : DGP_OK;
}
