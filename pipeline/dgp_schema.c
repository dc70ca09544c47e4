/*
 * dgp_schema.c — look-ups on a resource schema.
 *
 * Called once per CSV header column or per parser set-up, never per
 * record: parsers build their own tables from it (dgp_parse.c).
 */
#include "dgp_schema.h"

#include <string.h>

/* Not strncasecmp: that one follows the locale, and source names are ASCII by contract. */
static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool ascii_case_eq(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return false;
	return true;
}

int dgp_schema_field_by_source(const dgp_schema_t *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const char *src = s->fields[i].source_name;
		if (src && strlen(src) == len && ascii_case_eq(src, name, len))
			return (int)i;
	}
	return -1;
}
