/*
 * bench_dedup.c — memory of the dedup cache per key, in memory, as it grows:
 * insert N distinct keys (xxh3 of a decimal counter, like a loaded key) and
 * report the entry array's bytes per key, the load factor that implies, and
 * the insert / lookup time per key.  Usage: bench_dedup N [N...].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dgp_dedup.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t key_hash(uint64_t i)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%018llu", (unsigned long long)i);
	return dgp_dedup_hash(b, (size_t)n);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_dedup N [N...]\n");
		return 2;
	}
	printf("%12s %12s %10s %8s %10s %10s\n", "keys", "bytes", "bytes/key", "load", "put ns",
	       "get ns");
	for (int a = 1; a < argc; a++) {
		uint64_t n = strtoull(argv[a], NULL, 10);
		dgp_dedup_t *t = dgp_dedup_new(0); /* grown as a load would grow it */
		double t0 = now_s();
		for (uint64_t i = 0; i < n; i++)
			dgp_dedup_put(t, key_hash(i), key_hash(i ^ 0x5555) | 1, false);
		double t1 = now_s();
		uint64_t found = 0;
		for (uint64_t i = 0; i < n; i++)
			found += dgp_dedup_classify(t, key_hash(i), key_hash(i ^ 0x5555) | 1) ==
			         DGP_DEDUP_UNCHANGED;
		double t2 = now_s();
		size_t bytes = dgp_dedup_bytes(t);
		printf("%12llu %12zu %10.2f %7.1f%% %10.1f %10.1f%s\n", (unsigned long long)n,
		       bytes, (double)bytes / (double)n, 100.0 * 16.0 * (double)n / (double)bytes,
		       (t1 - t0) * 1e9 / (double)n, (t2 - t1) * 1e9 / (double)n,
		       found == n ? "" : "  LOOKUPS FAILED");
		dgp_dedup_destroy(t);
	}
	return 0;
}
