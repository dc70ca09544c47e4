/*
 * dgp_arena.h — region allocator whose lifetime matches the data.
 *
 * A batch of records, a loaded catalog, a parsed config: each lives in one
 * arena and is freed by one dgp_arena_reset() or dgp_arena_destroy(), never
 * field by field (PostgreSQL's memory contexts, mmgr/README).  Allocation
 * failure aborts the process with a message: an out-of-memory condition in
 * the record path is not something a caller can recover from, and checking
 * NULL after every allocation only hides real errors.
 *
 * Not thread-safe: one arena belongs to one thread at a time.
 */
#ifndef DGP_ARENA_H
#define DGP_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "dgp_err.h"

typedef struct dgp_arena dgp_arena_t;

/*
 * dgp_arena_new — create an arena that grows in blocks of at least
 * block_size bytes (0 picks 64 KiB).  Returns the arena; never NULL.
 * The caller owns it and frees it with dgp_arena_destroy().
 */
dgp_arena_t *dgp_arena_new(size_t block_size);

/* dgp_arena_destroy — free the arena and everything allocated in it; NULL is a no-op. */
void dgp_arena_destroy(dgp_arena_t *a);

/*
 * dgp_arena_alloc — n bytes aligned to 16, uninitialised, valid until the
 * next reset/destroy.  n == 0 returns a valid unique pointer.  Never NULL.
 */
void *dgp_arena_alloc(dgp_arena_t *a, size_t n);

/*
 * dgp_arena_shrink — keep only the first keep bytes (keep <= n) of p, the
 * arena's latest allocation of n bytes; the rest is handed out again.  So a
 * caller can reserve a worst case, write into it and give back the tail.
 * A no-op when p is not the latest allocation of the arena's current block
 * (an oversized allocation, in a block of its own, keeps its size).
 */
void dgp_arena_shrink(dgp_arena_t *a, void *p, size_t n, size_t keep);

/* dgp_arena_calloc — as dgp_arena_alloc(a, n), zero-filled. */
void *dgp_arena_calloc(dgp_arena_t *a, size_t n);

/*
 * dgp_arena_memdup — copy len bytes of p into the arena and append a NUL
 * (so the copy is also a C string when p holds no NUL).  p may be NULL when
 * len is 0.
 */
char *dgp_arena_memdup(dgp_arena_t *a, const void *p, size_t len);

/* dgp_arena_strdup — copy a NUL-terminated string into the arena. */
char *dgp_arena_strdup(dgp_arena_t *a, const char *s);

/* dgp_arena_sprintf — printf into a new arena string. */
char *dgp_arena_sprintf(dgp_arena_t *a, const char *fmt, ...) DGP_PRINTF(2, 3);
char *dgp_arena_vsprintf(dgp_arena_t *a, const char *fmt, va_list ap);

/*
 * dgp_arena_reset — release everything allocated so far in one step.  Every
 * standard-size block is kept for reuse (oversized ones are freed), so a batch
 * loop that resets its arena does not go back to malloc, nor to fresh pages,
 * while batches stay the same size; the memory held is that of the largest
 * batch (dgp_arena_reserved).
 */
void dgp_arena_reset(dgp_arena_t *a);

/* dgp_arena_used — bytes handed out since the last reset (payload only). */
size_t dgp_arena_used(const dgp_arena_t *a);

/* dgp_arena_reserved — bytes held from malloc, including unused tails. */
size_t dgp_arena_reserved(const dgp_arena_t *a);

/*
 * dgp_oom — print "dgp: out of memory (N bytes for WHAT)" to stderr and
 * abort().  The one place where library code may end the process: there
 * is no sensible recovery, and a message beats a NULL dereference later.
 */
__attribute__((noreturn)) void dgp_oom(size_t n, const char *what);

/* dgp_xmalloc / dgp_xrealloc / dgp_xcalloc — malloc that calls dgp_oom() instead of returning NULL.
 */
void *dgp_xmalloc(size_t n);
void *dgp_xrealloc(void *p, size_t n);
void *dgp_xcalloc(size_t nmemb, size_t size);

#endif /* DGP_ARENA_H */
