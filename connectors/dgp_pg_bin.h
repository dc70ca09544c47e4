/*
 * dgp_pg_bin.h — PostgreSQL's binary COPY forms of the values dgp's rules
 * write as text: date, numeric, bigint.
 *
 * The direct COPY of new rows (dgp_pg_sink.c) sends binary when every
 * column of the table has one of these types or a text type: PostgreSQL
 * reads binary rows in about three quarters of the time it parses text
 * (benchmarks/RESULTS.md).  Each function takes the canonical text a rule
 * writes (dgp_norm.h) and refuses anything else (returns -1), so a value
 * outside that shape is never guessed at: the caller gives up the binary
 * COPY and PostgreSQL parses the text instead.
 *
 * Formats (PostgreSQL's date_send, numeric_send, int8send; network order):
 *   date     int32 days since 2000-01-01
 *   numeric  int16 ndigits, int16 weight, int16 sign (0x0000 / 0x4000),
 *            int16 dscale, ndigits × int16 base-10000 digits, the first
 *            one weight groups before the decimal point
 *   bigint   int64
 */
#ifndef DGP_PG_BIN_H
#define DGP_PG_BIN_H

#include <stddef.h>

/* Bytes dgp_pg_bin_numeric() may write for a text of n bytes. */
#define DGP_PG_BIN_NUMERIC_MAX(n) (8 + 2 * ((n) / 4 + 2))

/* "YYYY-MM-DD" (year 0001–9999, a real calendar day) → 4 bytes; else -1. */
int dgp_pg_bin_date(const char *p, size_t n, unsigned char out[4]);

/*
 * "-?D+(.D+)?" (at most 1000 digits) → the numeric's bytes, at most
 * DGP_PG_BIN_NUMERIC_MAX(n); returns their count, or -1.  The scale is the
 * text's count of fraction digits, as numeric_in gives it.
 */
int dgp_pg_bin_numeric(const char *p, size_t n, unsigned char *out);

/* "-?D+" in int64 range → 8 bytes; else -1. */
int dgp_pg_bin_int8(const char *p, size_t n, unsigned char out[8]);

#endif /* DGP_PG_BIN_H */
