/*
 * test_rng.h — the randomised tests' generator: xorshift64*, seeded by each
 * test, so a test draws the same values on every run and every machine.
 */
#ifndef DGP_TEST_RNG_H
#define DGP_TEST_RNG_H

#include <stdint.h>

/* test_rnd — the next value of the sequence in *st (never seed it with 0). */
static inline uint64_t test_rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 2685821657736338717ull;
}

#endif /* DGP_TEST_RNG_H */
