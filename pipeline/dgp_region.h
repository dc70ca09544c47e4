/*
 * dgp_region.h — the GB/T 2260 region table (行政区划代码) and its lookup.
 *
 * The table is pipeline/data/gb2260.tsv (regenerated from registry
 * packages by scripts/gen-region-table.py), compiled into the binary at
 * build time by scripts/gen-region-c.py: no file to find at run time, no
 * allocation, no initialisation.  It holds the current codes, the
 * historical ones that old 身份证号 still carry (STANDARDS.md §3), and the
 * statistics bureau's development-zone codes that no GB/T 2260 edition has
 * (status statistical; scripts/gen-region-table.py says how each is chosen).
 */
#ifndef DGP_REGION_H
#define DGP_REGION_H

#include <stddef.h>
#include <stdint.h>

typedef enum dgp_region_status {
	DGP_REGION_NONE = 0,       /* not in the table */
	DGP_REGION_CURRENT = 1,    /* in the current division list */
	DGP_REGION_HISTORICAL = 2, /* retired: only in older GB/T 2260 revisions */
	/*
	 * current in the statistics bureau's division list only: the
	 * development-zone codes (开发区, xxxx7x) that no GB/T 2260 edition has
	 */
	DGP_REGION_STATISTICAL = 3,
} dgp_region_status_t;

/*
 * dgp_region_lookup — status of the 6-digit code (0..999999; anything else
 * is DGP_REGION_NONE).  When found and name is not NULL, *name points at
 * the region's name (UTF-8, static storage: do not free); when found and
 * last_year is not NULL, *last_year is the year of the newest revision
 * listing the code (0 when unknown).  Outputs are untouched when not found.
 * O(1): three table reads, no search, no allocation; thread-safe.
 */
dgp_region_status_t dgp_region_lookup(uint32_t code, const char **name, int *last_year);

/*
 * dgp_region_lookup_str — as dgp_region_lookup for s[0..len), which must be
 * exactly 6 ASCII digits (else DGP_REGION_NONE).
 */
dgp_region_status_t dgp_region_lookup_str(const char *s, size_t len, const char **name,
                                          int *last_year);

/*
 * dgp_region_count — number of codes in the table; *n_current (current and
 * statistical codes) and *n_historical may be NULL.
 */
size_t dgp_region_count(size_t *n_current, size_t *n_historical);

/*
 * dgp_region_at — the i-th code of the table in ascending order (i <
 * dgp_region_count()), for generators and tests; same outputs as lookup.
 */
uint32_t dgp_region_at(size_t i, dgp_region_status_t *status, const char **name);

/*
 * dgp_region_province_ok — whether the 2-digit province prefix pp (0..99)
 * is one of the 34 province-level codes (11–15, 21–23, 31–37, 41–46,
 * 50–54, 61–65, 71, 81, 82).
 */
static inline int dgp_region_province_ok(unsigned pp)
{
	/* bit n set for each valid pp = 10 * (n / 10) … packed per decade */
	static const uint16_t decade[10] = {
	    0,    /* 0x */
	    0x3E, /* 11–15 */
	    0x0E, /* 21–23 */
	    0xFE, /* 31–37 */
	    0x7E, /* 41–46 */
	    0x1F, /* 50–54 */
	    0x3E, /* 61–65 */
	    0x02, /* 71 */
	    0x06, /* 81, 82 */
	    0,    /* 9x */
	};
	return pp < 100 && (decade[pp / 10] >> (pp % 10)) & 1;
}

#endif /* DGP_REGION_H */
