/*
 * dgp_catalog_schema.c — catalog resource → dgp_schema_t.
 */
#include "dgp_catalog_schema.h"

#include <ctype.h>
#include <string.h>

#include "dgp_norm.h"

const char *dgp_catalog_table_name(const dgp_catalog_resource_t *res, dgp_arena_t *arena)
{
	const char *t = res->topic;
	if (strncmp(t, "dept.", 5) == 0)
		t += 5;
	char *name = dgp_arena_strdup(arena, t);
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '_';
	return name;
}

const char *dgp_catalog_column_name(const dgp_catalog_field_t *f, dgp_arena_t *arena)
{
	char *name = dgp_arena_strdup(arena, f->source_name);
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return name;
}

/* The value of scale= in "k=v;k=v" args, or def when absent or malformed. */
static int arg_scale(const char *args, int def)
{
	for (const char *p = args; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, "scale=", 6) == 0 && p[6] >= '0' && p[6] <= '9' &&
		    (p[7] == '\0' || p[7] == ';'))
			return p[6] - '0';
		p = strchr(p, ';');
	}
	return def;
}

const char *dgp_catalog_column_type(const char *rule, const char *args)
{
	static const char *const money[10] = {
	    "numeric(20,2)", "numeric(19,1)", "numeric(20,2)", "numeric(21,3)", "numeric(22,4)",
	    "numeric(23,5)", "numeric(24,6)", "numeric(25,7)", "numeric(26,8)", "numeric(27,9)",
	};
	static const struct {
		const char *rule, *type;
	} types[] = {
	    {"date", "date"},
	    {"datetime", "timestamptz"},
	    {"integer", "bigint"},
	    {"decimal", "numeric"},
	};
	if (strcmp(rule, "money") == 0) {
		/* scale=0 means the rule's default, 2 (dgp_norm_num.c) */
		int scale = arg_scale(args, 2);
		return money[scale];
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(rule, types[i].rule) == 0)
			return types[i].type;
	return "text";
}

const char *dgp_catalog_currency_column(const dgp_catalog_field_t *f, dgp_arena_t *arena)
{
	if (strcmp(f->rule, "money") != 0 || !f->rule_args)
		return NULL;
	for (const char *p = f->rule_args; *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, "currencies=", 11) == 0)
			return dgp_arena_sprintf(arena, "%s_currency",
			                         dgp_catalog_column_name(f, arena));
		const char *semi = strchr(p, ';');
		if (!semi)
			break;
		p = semi;
	}
	return NULL;
}

typedef struct list_lookup {
	const dgp_catalog_t *cat;
	dgp_arena_t *arena;
} list_lookup_t;

/* Code lists are built on demand, once per schema build and list name. */
static const dgp_codelist_t *lookup_list(const char *name, void *opaque)
{
	list_lookup_t *l = opaque;
	const dgp_catalog_code_list_t *cl = dgp_catalog_find_code_list(l->cat, name);
	if (!cl)
		return NULL;
	dgp_codelist_t *list = dgp_codelist_new(l->arena, cl->name);
	for (size_t i = 0; i < cl->n_codes; i++)
		dgp_codelist_add(list, cl->codes[i].code, cl->codes[i].label);
	return list;
}

static dgp_base_t base_of(dgp_base_library_t lib)
{
	switch (lib) {
	case DGP_LIB_PERSON:
		return DGP_BASE_PERSON;
	case DGP_LIB_LEGAL_ENTITY:
		return DGP_BASE_LEGAL_ENTITY;
	default:
		return DGP_BASE_NONE;
	}
}

dgp_err_t dgp_catalog_schema_build(const dgp_catalog_t *cat, const dgp_catalog_resource_t *res,
                                   dgp_arena_t *arena, const dgp_schema_t **out, char *errstr,
                                   size_t errstr_size)
{
	*out = NULL;
	dgp_schema_t *s = dgp_arena_calloc(arena, sizeof(*s));
	dgp_field_spec_t *fields = dgp_arena_calloc(arena, (res->n_fields + 1) * sizeof(*fields));
	size_t *keys = dgp_arena_calloc(arena, (res->n_record_key + 1) * sizeof(*keys));
	list_lookup_t ll = {cat, arena};

	s->resource_code = dgp_arena_strdup(arena, res->code);
	s->resource_name = dgp_arena_strdup(arena, res->name);
	s->table = dgp_catalog_table_name(res, arena);
	s->base = base_of(res->base_library);
	for (size_t i = 0; i < res->n_fields; i++) {
		const dgp_catalog_field_t *cf = &res->fields[i];
		dgp_field_spec_t *f = &fields[i];
		char msg[512];
		if (dgp_norm_rule_compile(cf->rule, cf->rule_args, arena, lookup_list, &ll,
		                          &f->rule, msg, sizeof(msg)) != DGP_OK)
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CATALOG, "%s:%d: %s",
			                      cf->loc.file, cf->loc.line, msg);
		f->name = dgp_arena_strdup(arena, cf->name);
		f->source_name = dgp_arena_strdup(arena, cf->source_name);
		f->column = dgp_catalog_column_name(cf, arena);
		f->pg_type = dgp_catalog_column_type(cf->rule, cf->rule_args);
		f->required = cf->required;
		f->key = cf->key;
		f->base_column =
		    cf->base_column ? dgp_arena_strdup(arena, cf->base_column->name) : NULL;
		f->priority = cf->priority;
	}
	for (size_t k = 0; k < res->n_record_key; k++) {
		size_t i = 0;
		while (i < res->n_fields &&
		       strcmp(res->fields[i].source_name, res->record_key[k]) != 0)
			i++;
		if (i == res->n_fields)
			return dgp_errstr_set(
			    errstr, errstr_size, DGP_ERR_CATALOG,
			    "%s:%d: record_key names %s, which is not a field of %s", res->loc.file,
			    res->loc.line, res->record_key[k], res->code);
		keys[k] = i;
		fields[i].key = true;
	}
	size_t ncomp = 0;
	for (size_t i = 0; i < res->n_fields; i++)
		ncomp += dgp_catalog_currency_column(&res->fields[i], arena) != NULL;
	dgp_companion_t *comp = dgp_arena_calloc(arena, (ncomp + 1) * sizeof(*comp));
	ncomp = 0;
	for (size_t i = 0; i < res->n_fields; i++) {
		const char *col = dgp_catalog_currency_column(&res->fields[i], arena);
		if (col)
			comp[ncomp++] = (dgp_companion_t){i, col, DGP_CATALOG_CURRENCY_TYPE};
	}
	const dgp_catalog_field_t *rf =
	    *res->recency ? dgp_catalog_find_field(res, res->recency) : NULL;
	s->recency = rf ? dgp_catalog_column_name(rf, arena) : NULL;
	s->ncompanions = ncomp;
	s->companions = comp;
	s->nfields = res->n_fields;
	s->fields = fields;
	s->nkeys = res->n_record_key;
	s->key_fields = keys;
	*out = s;
	return DGP_OK;
}
