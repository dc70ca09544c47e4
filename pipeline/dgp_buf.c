/*
 * dgp_buf.c — the growable byte buffer (dgp_buf.h).
 */
#include "dgp_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_arena.h"

void dgp_buf_reserve(dgp_buf_t *b, size_t extra)
{
	if (b->p && b->len + extra + 1 <= b->cap)
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
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void dgp_buf_puts(dgp_buf_t *b, const char *s)
{
	dgp_buf_append(b, s, strlen(s));
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

const char *dgp_buf_cstr(dgp_buf_t *b)
{
	dgp_buf_reserve(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}

void dgp_buf_free(dgp_buf_t *b)
{
	free(b->p);
	*b = (dgp_buf_t){0};
}
