/*
 * dgp_arena.c — bump allocator over a chain of malloc'd blocks.
 *
 *   head → [block: hdr | used .......... | free ]  (current, allocations bump `pos`)
 *            └ next → [older block] → … → [first block]
 *   spare → [block] → …  (standard-size blocks a reset released, reused first)
 *
 * A request larger than a quarter of the block size gets a block of its own,
 * inserted behind the current one so the current block's free tail is not
 * wasted; oversized blocks are freed on reset.  Standard blocks are kept: a
 * batch loop that resets its arena touches the same pages batch after batch
 * instead of having fresh ones faulted in and zeroed by the kernel (a quarter
 * of `dgp load`'s time on a reload before, benchmarks/RESULTS.md).
 */
#include "dgp_arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN         16
#define ARENA_DEFAULT_BLOCK (64 * 1024)

typedef struct arena_block {
	struct arena_block *next;
	size_t size; /* payload bytes */
	size_t pos;  /* bytes used */
	_Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block_t;

struct dgp_arena {
	arena_block_t *head;
	arena_block_t *first; /* the block kept across resets */
	arena_block_t *spare; /* standard-size blocks released by reset, for reuse */
	size_t block_size;
	size_t used;
	size_t reserved;
};

void dgp_oom(size_t n, const char *what)
{
	fprintf(stderr, "dgp: out of memory (%zu bytes for %s)\n", n, what);
	abort();
}

void *dgp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		dgp_oom(n, "malloc");
	return p;
}

void *dgp_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		dgp_oom(n, "realloc");
	return q;
}

void *dgp_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		dgp_oom(nmemb * size, "calloc");
	return p;
}

static arena_block_t *block_new(dgp_arena_t *a, size_t payload)
{
	if (payload > SIZE_MAX - sizeof(arena_block_t))
		dgp_oom(payload, "arena block");
	arena_block_t *b = malloc(sizeof(*b) + payload);
	if (!b)
		dgp_oom(sizeof(*b) + payload, "arena block");
	b->next = NULL;
	b->size = payload;
	b->pos = 0;
	a->reserved += sizeof(*b) + payload;
	return b;
}

dgp_arena_t *dgp_arena_new(size_t block_size)
{
	dgp_arena_t *a = dgp_xcalloc(1, sizeof(*a));
	a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
	a->head = block_new(a, a->block_size);
	a->first = a->head;
	return a;
}

static void free_chain(arena_block_t *b)
{
	while (b) {
		arena_block_t *next = b->next;
		free(b);
		b = next;
	}
}

void dgp_arena_destroy(dgp_arena_t *a)
{
	if (!a)
		return;
	free_chain(a->head);
	free_chain(a->spare);
	free(a);
}

static size_t align_up(size_t n)
{
	return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

void *dgp_arena_alloc(dgp_arena_t *a, size_t n)
{
	if (n > SIZE_MAX - ARENA_ALIGN)
		dgp_oom(n, "arena allocation");
	size_t need = align_up(n ? n : 1);
	arena_block_t *cur = a->head;

	if (cur->size - cur->pos >= need) {
		void *p = cur->data + cur->pos;
		cur->pos += need;
		a->used += need;
		return p;
	}
	if (need > a->block_size / 4) {
		/* Oversized: its own block, behind the current one. */
		arena_block_t *b = block_new(a, need);
		b->pos = need;
		b->next = cur->next;
		cur->next = b;
		a->used += need;
		return b->data;
	}
	arena_block_t *b = a->spare;
	if (b) {
		a->spare = b->next;
		b->pos = 0;
	} else {
		b = block_new(a, a->block_size);
	}
	b->next = cur;
	a->head = b;
	b->pos = need;
	a->used += need;
	return b->data;
}

void dgp_arena_shrink(dgp_arena_t *a, void *p, size_t n, size_t keep)
{
	arena_block_t *cur = a->head;
	unsigned char *u = p;
	size_t need = align_up(n ? n : 1), kept = align_up(keep ? keep : 1);
	if (u >= cur->data && u < cur->data + cur->size && u + need == cur->data + cur->pos &&
	    kept < need) {
		cur->pos -= need - kept;
		a->used -= need - kept;
	}
}

void *dgp_arena_calloc(dgp_arena_t *a, size_t n)
{
	void *p = dgp_arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *dgp_arena_memdup(dgp_arena_t *a, const void *p, size_t len)
{
	char *d = dgp_arena_alloc(a, len + 1);
	if (len)
		memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

char *dgp_arena_strdup(dgp_arena_t *a, const char *s)
{
	return dgp_arena_memdup(a, s, strlen(s));
}

char *dgp_arena_vsprintf(dgp_arena_t *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *s = dgp_arena_alloc(a, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *dgp_arena_sprintf(dgp_arena_t *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = dgp_arena_vsprintf(a, fmt, ap);
	va_end(ap);
	return s;
}

void dgp_arena_reset(dgp_arena_t *a)
{
	arena_block_t *b = a->head;
	while (b) {
		arena_block_t *next = b->next;
		if (b == a->first) {
		} else if (b->size == a->block_size) {
			b->next = a->spare;
			a->spare = b;
		} else {
			a->reserved -= sizeof(*b) + b->size;
			free(b);
		}
		b = next;
	}
	a->first->next = NULL;
	a->first->pos = 0;
	a->head = a->first;
	a->used = 0;
}

size_t dgp_arena_used(const dgp_arena_t *a)
{
	return a->used;
}

size_t dgp_arena_reserved(const dgp_arena_t *a)
{
	return a->reserved;
}
