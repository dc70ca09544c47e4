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
#include "dgp_buf.h"

/*
 * dgp_sql_quote_ident — name as a quoted SQL identifier ("a""b"), in arena.
 * name must be valid UTF-8 without NUL.
 */
char *dgp_sql_quote_ident(dgp_arena_t *arena, const char *name);

/*
 * dgp_sql_quote_literal — append text as one SQL string literal ('…',
 * quotes doubled; standard_conforming_strings, so a backslash is itself).
 * Only for SQL dgp assembles from its own catalog (function bodies);
 * values from records travel through COPY or parameters.
 */
void dgp_sql_quote_literal(dgp_buf_t *b, const char *text);

/*
 * dgp_sql_copy_text — append one value of len bytes in COPY text format:
 * backslash, tab, newline and carriage return escaped; p == NULL appends \N (NULL).
 * Bytes are otherwise copied as they are (the caller guarantees UTF-8).
 */
void dgp_sql_copy_text(dgp_buf_t *b, const char *p, size_t len);

#endif /* DGP_SQL_H */
