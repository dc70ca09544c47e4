/*
 * dgp_buf.h — the growable byte buffer every module builds text in (SQL,
 * COPY rows, JSON, metrics exposition).
 *
 * malloc'd, reused across batches by setting len = 0; growth doubles, so
 * a reused buffer stops allocating once it has seen its largest content.
 * The bytes are always followed by a NUL that len does not count, so a
 * buffer that was written to reads as a C string.
 */
#ifndef DGP_BUF_H
#define DGP_BUF_H

#include <stddef.h>

#include "dgp_err.h"

typedef struct dgp_buf {
	char *p; /* NULL until the first write or reserve */
	size_t len, cap;
} dgp_buf_t;

/* dgp_buf_reserve — room for extra more bytes (and the NUL); allocates even for 0. */
void dgp_buf_reserve(dgp_buf_t *b, size_t extra);

/* dgp_buf_append — append n bytes of p (may hold NULs). */
void dgp_buf_append(dgp_buf_t *b, const void *p, size_t n);

/* dgp_buf_putc — append one byte (inline: COPY rows are built a byte at a time). */
static inline void dgp_buf_putc(dgp_buf_t *b, char c)
{
	if (!b->p || b->len + 2 > b->cap)
		dgp_buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/* dgp_buf_puts — append the C string s without its NUL. */
void dgp_buf_puts(dgp_buf_t *b, const char *s);

/* dgp_buf_printf — append printf output. */
void dgp_buf_printf(dgp_buf_t *b, const char *fmt, ...) DGP_PRINTF(2, 3);

/* dgp_buf_cstr — the content as a C string ("" for a fresh buffer), valid until the next write. */
const char *dgp_buf_cstr(dgp_buf_t *b);

/* dgp_buf_free — free the memory; the buffer is fresh again. */
void dgp_buf_free(dgp_buf_t *b);

#endif /* DGP_BUF_H */
