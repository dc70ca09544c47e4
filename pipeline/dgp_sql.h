/*
 * dgp_sql.h — building SQL text and COPY data without a connection.
 *
 * Values never go into SQL text; what does (identifiers from the catalog)
 * is quoted here.  COPY text-format escaping lives here too, so every
 * writer (sink, catalog sync) escapes the same way.
 */
#ifndef DGP_SQL_H
#define DGP_SQL_H

#include <stddef.h>

#include "dgp_arena.h"

/*
 * dgp_sql_quote_ident — name as a quoted SQL identifier ("a""b"), in arena.
 * name must be valid UTF-8 without NUL.
 */
char *dgp_sql_quote_ident(dgp_arena_t *arena, const char *name);

/*
 * A growable byte buffer (malloc'd; reused across batches by resetting len).
 */
typedef struct dgp_buf {
	char *p;
	size_t len, cap;
} dgp_buf_t;

void dgp_buf_reserve(dgp_buf_t *b, size_t extra);
void dgp_buf_append(dgp_buf_t *b, const void *p, size_t n);
void dgp_buf_printf(dgp_buf_t *b, const char *fmt, ...) DGP_PRINTF(2, 3);
void dgp_buf_free(dgp_buf_t *b);

/*
 * dgp_sql_copy_text — append one value in COPY text format: backslash,
 * tab, newline and carriage return escaped; p == NULL appends \N (NULL).
 * Bytes are otherwise copied as they are (the caller guarantees UTF-8).
 */
void dgp_sql_copy_text(dgp_buf_t *b, const char *p, size_t len);

#endif /* DGP_SQL_H */
