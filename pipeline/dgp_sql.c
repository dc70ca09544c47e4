/*
 * dgp_sql.c — identifier quoting, COPY text escaping, a byte buffer.
 */
#include "dgp_sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

void dgp_buf_reserve(dgp_buf_t *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = dgp_xrealloc(b->p, cap);
	b->cap = cap;
}

void dgp_buf_append(dgp_buf_t *b, const void *p, size_t n)
{
	dgp_buf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void dgp_buf_printf(dgp_buf_t *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		dgp_buf_reserve(b, (size_t)n);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
}

void dgp_buf_free(dgp_buf_t *b)
{
	free(b->p);
	*b = (dgp_buf_t){0};
}

void dgp_sql_copy_text(dgp_buf_t *b, const char *p, size_t len)
{
	if (!p) {
		dgp_buf_append(b, "\\N", 2);
		return;
	}
	dgp_buf_reserve(b, 2 * len);
	char *o = b->p + b->len;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		switch (c) {
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		default:
			*o++ = c;
		}
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}
