/*
 * dgp_sql.c — identifier and literal quoting, COPY text escaping.
 */
#include "dgp_sql.h"

#include <string.h>

char *dgp_sql_quote_ident(dgp_arena_t *arena, const char *name)
{
	size_t n = strlen(name), quotes = 0;
	for (size_t i = 0; i < n; i++)
		quotes += name[i] == '"';
	char *out = dgp_arena_alloc(arena, n + quotes + 3);
	char *o = out;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"')
			*o++ = '"';
		*o++ = name[i];
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

void dgp_sql_quote_literal(dgp_buf_t *b, const char *text)
{
	dgp_buf_putc(b, '\'');
	for (const char *t = text; *t; t++) {
		if (*t == '\'')
			dgp_buf_putc(b, '\'');
		dgp_buf_putc(b, *t);
	}
	dgp_buf_putc(b, '\'');
}

/* The bytes that would end or change a COPY text field, and the letter each is escaped with. */
static const unsigned char COPY_SPECIAL[256] = {
    ['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'};

/*
 * Everything but the four goes as is, in runs copied with memcpy
 * (normalised values almost never hold one of them).
 */
void dgp_sql_copy_text(dgp_buf_t *b, const char *p, size_t n)
{
	if (!p) {
		dgp_buf_append(b, "\\N", 2);
		return;
	}
	dgp_buf_reserve(b, 2 * n);
	char *o = b->p + b->len;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char esc = COPY_SPECIAL[(unsigned char)p[i]];
		if (!esc)
			continue;
		memcpy(o, p + run, i - run);
		o += i - run;
		*o++ = '\\';
		*o++ = (char)esc;
		run = i + 1;
	}
	memcpy(o, p + run, n - run);
	o += n - run;
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}
