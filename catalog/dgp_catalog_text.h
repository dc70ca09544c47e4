/*
 * dgp_catalog_text.h — the small text helpers that `dgp catalog status`
 * and `dgp catalog export` share: terminal display width of UTF-8 (CJK is
 * two columns), UTC timestamps, JSON strings and RFC 4180 CSV fields.
 *
 * Output goes to a caller's FILE (stdout for the CLI, a file for exports);
 * these functions never choose where.
 */
#ifndef DGP_CATALOG_TEXT_H
#define DGP_CATALOG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dgp_err.h"
#include "dgp_json.h" /* dgp_json_put_string, which the writers here pair with */

/*
 * dgp_display_width — columns a UTF-8 string takes in a terminal: 2 for
 * East Asian wide and full-width characters (CJK ideographs and
 * punctuation, kana, Hangul, full-width forms), 0 for combining marks,
 * 1 otherwise.  Invalid bytes count 1 each.
 */
size_t dgp_display_width(const char *s);

/* dgp_time_format — t (epoch seconds) as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (≥ 21 bytes). */
char *dgp_time_format(int64_t t, char *out, size_t out_size);

/*
 * dgp_time_parse — "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SS"
 * with an optional "Z" (UTC) into *t.  Returns false (t untouched) for
 * anything else or an impossible date or time.
 */
bool dgp_time_parse(const char *s, int64_t *t) DGP_MUST_CHECK;

/*
 * dgp_csv_put_field — s as one RFC 4180 field: quoted when it holds ',',
 * '"', CR, LF or a tab (a reader splitting on tabs, or trimming them, keeps
 * it inside the field), or starts or ends with a space; '"' doubled.
 */
void dgp_csv_put_field(FILE *out, const char *s);

#endif /* DGP_CATALOG_TEXT_H */
