/*
 * dgp_log.h — levelled logging whose sink the CLI sets.
 *
 * Library code never prints: it calls dgp_log(), which formats the message
 * and hands it to the sink installed by cli/ (stderr with timestamps, or
 * journald-friendly plain lines).  With no sink installed messages are
 * dropped, so unit tests and library users stay silent unless they ask.
 *
 * Personal data never goes into a log message: pass values through
 * dgp_log_mask() (or log counts and reason codes, not values).
 */
#ifndef DGP_LOG_H
#define DGP_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "dgp_err.h"

typedef enum dgp_log_level {
	DGP_LOG_ERROR = 0,
	DGP_LOG_WARN = 1,
	DGP_LOG_INFO = 2,
	DGP_LOG_DEBUG = 3,
} dgp_log_level_t;

/*
 * A sink gets the level, the module name ("pg", "kafka", "load", …) and the
 * formatted message (no trailing newline).  It may be called from any thread;
 * the sink must be thread-safe.
 */
typedef void dgp_log_sink_fn(dgp_log_level_t level, const char *module, const char *msg,
                             void *opaque);

/* dgp_log_set_sink — install sink (NULL = drop everything). Not thread-safe: call at start-up. */
void dgp_log_set_sink(dgp_log_sink_fn *sink, void *opaque);

/* dgp_log_set_level — messages above level are not formatted at all. */
void dgp_log_set_level(dgp_log_level_t level);

/* dgp_log_enabled — whether a message at level would reach the sink (skip costly formatting). */
bool dgp_log_enabled(dgp_log_level_t level);

/*
 * dgp_log_level_parse — "error" "warn" "info" "debug" → level.
 * Returns false (level untouched) for anything else.
 */
bool dgp_log_level_parse(const char *name, dgp_log_level_t *level) DGP_MUST_CHECK;

/* dgp_log_level_name — "error" … "debug". */
const char *dgp_log_level_name(dgp_log_level_t level);

/* dgp_log — format and emit; messages longer than 2 KiB are truncated. */
void dgp_log(dgp_log_level_t level, const char *module, const char *fmt, ...) DGP_PRINTF(3, 4);
void dgp_vlog(dgp_log_level_t level, const char *module, const char *fmt, va_list ap);

/*
 * dgp_log_mask — write a masked copy of the len bytes at value into out
 * (out_size bytes, always NUL-terminated): the first `front` and last `end`
 * UTF-8 characters kept, every character between replaced by '*'.  A value
 * of at most front + end characters is masked entirely.  Returns out.
 * E.g. front 1, end 2: "11010519491231002X" → "1***************2X".
 */
char *dgp_log_mask(const char *value, size_t len, unsigned front, unsigned end, char *out,
                   size_t out_size);

#endif /* DGP_LOG_H */
