/* test_arena.c — alignment, growth, oversized blocks, shrink, reset keeps standard blocks for
 * reuse. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dgp_arena.h"

Test(arena, alignment_and_distinct_pointers)
{
	dgp_arena_t *a = dgp_arena_new(1024);
	char *prev = NULL;
	for (size_t n = 0; n < 100; n++) {
		char *p = dgp_arena_alloc(a, n);
		cr_assert_eq((uintptr_t)p % 16, 0, "size %zu not aligned", n);
		cr_assert_neq(p, prev);
		memset(p, 0xAB, n);
		prev = p;
	}
	dgp_arena_destroy(a);
}

Test(arena, grows_and_keeps_earlier_data)
{
	dgp_arena_t *a = dgp_arena_new(256);
	char *ptrs[1000];
	for (int i = 0; i < 1000; i++)
		ptrs[i] = dgp_arena_sprintf(a, "value-%d", i);
	for (int i = 0; i < 1000; i++) {
		char want[32];
		snprintf(want, sizeof(want), "value-%d", i);
		cr_assert_str_eq(ptrs[i], want);
	}
	cr_expect_geq(dgp_arena_reserved(a), dgp_arena_used(a));
	dgp_arena_destroy(a);
}

Test(arena, oversized_allocation_gets_own_block)
{
	dgp_arena_t *a = dgp_arena_new(1024);
	char *small1 = dgp_arena_strdup(a, "before");
	char *big = dgp_arena_alloc(a, 100000);
	memset(big, 'x', 100000);
	char *small2 = dgp_arena_strdup(a, "after");
	/* The small allocation after the big one still uses the first block. */
	cr_expect_lt((size_t)(small2 - small1), 1024);
	cr_expect_str_eq(small1, "before");
	cr_expect_str_eq(small2, "after");
	dgp_arena_destroy(a);
}

Test(arena, shrink_gives_back_the_tail_of_the_latest_allocation_only)
{
	dgp_arena_t *a = dgp_arena_new(1024);
	char *p = dgp_arena_alloc(a, 200);
	size_t used = dgp_arena_used(a);
	cr_assert_eq(used, 208); /* 200 aligned to 16 */
	memcpy(p, "kept", 4);
	dgp_arena_shrink(a, p, 200, 20);
	cr_expect_eq(dgp_arena_used(a), 32);
	char *q = dgp_arena_alloc(a, 16);
	cr_expect_eq(q, p + 32, "the next allocation starts after the kept part");
	cr_expect(memcmp(p, "kept", 4) == 0);
	/* not the latest allocation: nothing happens */
	dgp_arena_shrink(a, p, 20, 0);
	cr_expect_eq(dgp_arena_used(a), 48);
	/* all of it back */
	dgp_arena_shrink(a, q, 16, 0);
	cr_expect_eq(dgp_arena_used(a), 48, "an empty allocation still takes 16 bytes");
	/* an oversized allocation (its own block) keeps its size */
	char *big = dgp_arena_alloc(a, 100000);
	size_t before = dgp_arena_used(a);
	dgp_arena_shrink(a, big, 100000, 10);
	cr_expect_eq(dgp_arena_used(a), before);
	cr_expect_eq(dgp_arena_alloc(a, 1), q + 16, "the current block goes on where it was");
	dgp_arena_destroy(a);
}

Test(arena, reset_keeps_standard_blocks_and_frees_oversized_ones)
{
	dgp_arena_t *a = dgp_arena_new(4096);
	size_t base = dgp_arena_reserved(a), held = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 10000; i++)
			(void)dgp_arena_alloc(a, 100);
		size_t standard = dgp_arena_reserved(a);
		(void)dgp_arena_alloc(a, 1 << 20);
		cr_expect_gt(dgp_arena_reserved(a), standard + (1 << 20) - 1);
		dgp_arena_reset(a);
		cr_expect_eq(dgp_arena_used(a), 0);
		/* the oversized block is gone; the standard ones stay for the next round */
		cr_expect_eq(dgp_arena_reserved(a), standard);
		cr_expect_gt(dgp_arena_reserved(a), base);
		if (round)
			cr_expect_eq(standard, held, "round %d took new blocks", round);
		held = standard;
	}
	dgp_arena_destroy(a);
}

Test(arena, memdup_terminates_and_handles_empty)
{
	dgp_arena_t *a = dgp_arena_new(0);
	char *e = dgp_arena_memdup(a, NULL, 0);
	cr_expect_str_eq(e, "");
	char *s = dgp_arena_memdup(a, "abcdef", 3);
	cr_expect_str_eq(s, "abc");
	char *z = dgp_arena_calloc(a, 64);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(z[i], 0);
	dgp_arena_destroy(a);
	dgp_arena_destroy(NULL);
}
