/* test_dedup.c — classification, growth, bytes per key, key-hash collisions, snapshots. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dgp_dedup.h"

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

Test(dedup, classify_four_ways)
{
	dgp_dedup_t *t = dgp_dedup_new(0);
	uint64_t k = dgp_dedup_hash("420106199003071238", 18);
	uint64_t c1 = dgp_dedup_hash("张三|1|01", 11), c2 = dgp_dedup_hash("张三|2|01", 11);
	cr_expect_eq(dgp_dedup_classify(t, k, c1), DGP_DEDUP_NEW);
	dgp_dedup_put(t, k, c1, false); /* warm-loaded from PostgreSQL */
	cr_expect_eq(dgp_dedup_classify(t, k, c1), DGP_DEDUP_UNCHANGED);
	cr_expect_eq(dgp_dedup_classify(t, k, c2), DGP_DEDUP_CHANGED);
	dgp_dedup_put(t, k, c2, true); /* this run committed the change */
	cr_expect_eq(dgp_dedup_classify(t, k, c2), DGP_DEDUP_DUPLICATE);
	cr_expect_eq(dgp_dedup_classify(t, k, c1), DGP_DEDUP_CHANGED);
	cr_expect_eq(dgp_dedup_count(t), 1);
	cr_expect_str_eq(dgp_dedup_class_name(DGP_DEDUP_DUPLICATE), "duplicate");
	dgp_dedup_destroy(t);
}

Test(dedup, key_hash_zero_is_a_valid_key)
{
	dgp_dedup_t *t = dgp_dedup_new(4);
	dgp_dedup_put(t, 0, 42, false);
	uint64_t c;
	cr_expect(dgp_dedup_get(t, 0, &c, NULL));
	cr_expect_eq(c, 42);
	dgp_dedup_destroy(t);
}

Test(dedup, colliding_key_hashes_cost_a_merge_never_a_lost_change)
{
	/* Two different people whose keys hash alike look like one key with
	 * changed content: CHANGED (merge path upserts by the real key), never
	 * UNCHANGED — unless their contents are identical too. */
	dgp_dedup_t *t = dgp_dedup_new(0);
	uint64_t same_key_hash = 7;
	dgp_dedup_put(t, same_key_hash, dgp_dedup_hash("person A", 8), true);
	cr_expect_eq(dgp_dedup_classify(t, same_key_hash, dgp_dedup_hash("person B", 8)),
	             DGP_DEDUP_CHANGED);
	dgp_dedup_destroy(t);
}

Test(dedup, million_keys_all_found_within_24_bytes_per_key, .timeout = 60)
{
	const size_t n = 1000000;
	dgp_dedup_t *t = dgp_dedup_new(0); /* grow from empty: the worst case for slack */
	uint64_t s = 1;
	size_t worst_bytes_per_key_x100 = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = splitmix(&s);
		dgp_dedup_put(t, k, k ^ 0xABCDEF, false);
		if (i > 10000 && i % 1000 == 0) {
			size_t bpk = dgp_dedup_bytes(t) * 100 / dgp_dedup_count(t);
			if (bpk > worst_bytes_per_key_x100)
				worst_bytes_per_key_x100 = bpk;
		}
	}
	cr_expect_eq(dgp_dedup_count(t), n);
	cr_expect_leq(worst_bytes_per_key_x100, 2400, "worst %zu/100 bytes per key",
	              worst_bytes_per_key_x100);
	s = 1;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = splitmix(&s), c;
		bool this_run = true;
		cr_assert(dgp_dedup_get(t, k, &c, &this_run), "key %zu lost", i);
		cr_assert_eq(c, (k ^ 0xABCDEF) & ~1ull);
		cr_assert_not(this_run);
	}
	/* Absent keys are absent. */
	size_t false_hits = 0;
	for (size_t i = 0; i < 100000; i++) {
		uint64_t k = splitmix(&s);
		false_hits += dgp_dedup_get(t, k, NULL, NULL);
	}
	cr_expect_eq(false_hits, 0);
	dgp_dedup_destroy(t);
}

/* Prefetching is a hint only: present and absent keys read the same after it. */
Test(dedup, prefetch_changes_nothing)
{
	dgp_dedup_t *t = dgp_dedup_new(1000000); /* large enough for huge pages */
	uint64_t s = 7;
	for (int i = 0; i < 1000; i++) {
		uint64_t k = splitmix(&s);
		dgp_dedup_put(t, k, k + 2, false);
	}
	s = 7;
	for (int i = 0; i < 2000; i++) { /* the 1000 keys put, then 1000 absent ones */
		uint64_t k = splitmix(&s), c = 0;
		dgp_dedup_prefetch(t, k);
		dgp_dedup_prefetch(t, 0);
		bool found = dgp_dedup_get(t, k, &c, NULL);
		cr_assert_eq(found, i < 1000, "key %d", i);
		if (found)
			cr_assert_eq(c, (k + 2) & ~1ull); /* the low bit is the this-run flag */
	}
	cr_expect_eq(dgp_dedup_count(t), 1000);
	dgp_dedup_destroy(t);
}

Test(dedup, presized_table_does_not_grow)
{
	dgp_dedup_t *t = dgp_dedup_new(100000);
	size_t bytes = dgp_dedup_bytes(t);
	uint64_t s = 99;
	for (int i = 0; i < 100000; i++)
		dgp_dedup_put(t, splitmix(&s), 1, false);
	cr_expect_eq(dgp_dedup_bytes(t), bytes);
	cr_expect_leq(bytes / 100000, 24);
	dgp_dedup_destroy(t);
}

/* The warm reserves room for the table's rows: the entries already in stay, the rest need no
 * growth. */
Test(dedup, reserve_keeps_entries_and_makes_room)
{
	dgp_dedup_t *t = dgp_dedup_new(0);
	uint64_t s = 7;
	for (uint64_t i = 0; i < 1000; i++)
		dgp_dedup_put(t, splitmix(&s), i << 1, i & 1);
	dgp_dedup_reserve(t, 100000);
	size_t bytes = dgp_dedup_bytes(t);
	cr_expect_leq(bytes / 101000, 24);
	s = 7;
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t content;
		bool this_run;
		cr_assert(dgp_dedup_get(t, splitmix(&s), &content, &this_run));
		cr_expect_eq(content, i << 1);
		cr_expect_eq(this_run, (bool)(i & 1));
	}
	for (int i = 0; i < 100000; i++)
		dgp_dedup_put(t, splitmix(&s), 1, false);
	cr_expect_eq(dgp_dedup_count(t), 101000);
	cr_expect_eq(dgp_dedup_bytes(t), bytes);
	dgp_dedup_reserve(t, 10); /* room already: nothing moves */
	cr_expect_eq(dgp_dedup_bytes(t), bytes);
	dgp_dedup_destroy(t);
}

Test(dedup, snapshot_round_trip_with_metadata)
{
	char path[] = "/tmp/dgp_dedup_snap_XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	dgp_dedup_t *t = dgp_dedup_new(0);
	uint64_t s = 5;
	for (int i = 0; i < 50000; i++) {
		uint64_t k = splitmix(&s);
		dgp_dedup_put(t, k, k * 3, i % 2);
	}
	char err[256];
	const char meta[] = "dept.gaj.hjrk:0=1234";
	cr_assert_eq(dgp_dedup_save(t, path, meta, sizeof(meta), err, sizeof(err)), DGP_OK, "%s",
	             err);
	dgp_dedup_t *u;
	void *m;
	size_t ml;
	cr_assert_eq(dgp_dedup_load(path, &u, &m, &ml, err, sizeof(err)), DGP_OK, "%s", err);
	cr_expect_eq(ml, sizeof(meta));
	cr_expect_str_eq((char *)m, meta);
	cr_expect_eq(dgp_dedup_count(u), 50000);
	s = 5;
	for (int i = 0; i < 50000; i++) {
		uint64_t k = splitmix(&s);
		/* Loaded entries are "before this run", whatever they were when saved. */
		cr_assert_eq(dgp_dedup_classify(u, k, k * 3), DGP_DEDUP_UNCHANGED);
	}
	free(m);
	dgp_dedup_destroy(u);

	/* Truncate the uncompressed stream: load names how far it got. */
	gzFile in = gzopen(path, "rb");
	static char raw[2 << 20];
	int n = gzread(in, raw, sizeof(raw));
	gzclose(in);
	cr_assert_gt(n, 1000);
	gzFile outf = gzopen(path, "wb");
	gzwrite(outf, raw, (unsigned)(n - 100));
	gzclose(outf);
	cr_expect_eq(dgp_dedup_load(path, &u, &m, &ml, err, sizeof(err)), DGP_ERR_PARSE);
	cr_expect_neq(strstr(err, "truncated after"), NULL, "%s", err);
	cr_expect_null(u);

	/* Not a snapshot at all. */
	FILE *f = fopen(path, "w");
	fputs("hello", f);
	fclose(f);
	cr_expect_eq(dgp_dedup_load(path, &u, &m, &ml, err, sizeof(err)), DGP_ERR_PARSE);
	cr_expect_neq(strstr(err, "not a dgp dedup snapshot"), NULL, "%s", err);
	unlink(path);
	dgp_dedup_destroy(t);
}

/* A removed key is absent (NEW again), the others stay; removing twice finds nothing. */
Test(dedup, remove_forgets_one_key_and_keeps_the_others)
{
	dgp_dedup_t *t = dgp_dedup_new(0);
	for (uint64_t k = 0; k < 5000; k++)
		dgp_dedup_put(t, dgp_dedup_hash(&k, sizeof(k)), k * 2 + 2, false);
	for (uint64_t k = 0; k < 5000; k += 2)
		cr_assert(dgp_dedup_remove(t, dgp_dedup_hash(&k, sizeof(k))));
	cr_expect_eq(dgp_dedup_count(t), 2500);
	uint64_t k0 = 0, k1 = 1;
	cr_expect_not(dgp_dedup_remove(t, dgp_dedup_hash(&k0, sizeof(k0))));
	for (uint64_t k = 0; k < 5000; k++) {
		uint64_t c = 0;
		bool there = dgp_dedup_get(t, dgp_dedup_hash(&k, sizeof(k)), &c, NULL);
		cr_assert_eq(there, k % 2 == 1, "key %llu", (unsigned long long)k);
		if (there)
			cr_assert_eq(c, k * 2 + 2);
	}
	cr_expect_eq(dgp_dedup_classify(t, dgp_dedup_hash(&k0, sizeof(k0)), 2), DGP_DEDUP_NEW);
	cr_expect_eq(dgp_dedup_classify(t, dgp_dedup_hash(&k1, sizeof(k1)), 4),
	             DGP_DEDUP_UNCHANGED);
	dgp_dedup_put(t, dgp_dedup_hash(&k0, sizeof(k0)), 2, true);
	cr_expect_eq(dgp_dedup_count(t), 2501, "put again after the remove");
	dgp_dedup_destroy(t);
}
