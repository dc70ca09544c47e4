/*
 * dgp_region.c — GB/T 2260 lookups over the compiled-in table, and the
 * `region` normalisation rule.
 *
 *   "420106" ─digits→ 420106 ─slot[4201]→ 武汉市's row of ddx ─ddx[..][06]→ 1 + offset
 *            ─first[4201] + offset→ entry: status[], year[], name_off[] → names
 *
 * The arrays come from dgp_region_table.c, generated at build time from
 * pipeline/data/gb2260.tsv (scripts/gen-region-c.py).  Entries are sorted
 * by code; first[p] is the first entry whose 4-digit prefix is >= p, so one
 * prefecture's counties lie in [first[p], first[p+1]); ddx gives a code's
 * offset there directly: O(1), no search, ~80 KB of tables.
 */
#include "dgp_region.h"

#include "dgp_norm.h"
#include "dgp_norm_ascii.h"

extern const size_t dgp_region_n;
extern const uint16_t dgp_region_first[10001];
extern const uint8_t dgp_region_dd[];
extern const uint16_t dgp_region_slot[10000];
extern const uint8_t dgp_region_ddx[][100]; /* [0] is all zero: "no such prefix" */
extern const uint8_t dgp_region_status[];
extern const uint16_t dgp_region_year[];
extern const uint32_t dgp_region_name_off[];
extern const char dgp_region_names[];
extern const size_t dgp_region_names_size; /* bytes, including every name's NUL */

dgp_region_status_t dgp_region_lookup(uint32_t code, const char **name, int *last_year)
{
	if (code > 999999)
		return DGP_REGION_NONE;
	uint32_t p = code / 100;
	unsigned x = dgp_region_ddx[dgp_region_slot[p]][code % 100];
	if (!x)
		return DGP_REGION_NONE;
	uint32_t i = dgp_region_first[p] + x - 1;
	if (name)
		*name = dgp_region_names + dgp_region_name_off[i];
	if (last_year)
		*last_year = dgp_region_year[i];
	return (dgp_region_status_t)dgp_region_status[i];
}

dgp_region_status_t dgp_region_lookup_str(const char *s, size_t len, const char **name,
                                          int *last_year)
{
	if (len != 6)
		return DGP_REGION_NONE;
	uint32_t code = 0;
	for (size_t i = 0; i < 6; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return DGP_REGION_NONE;
		code = code * 10 + d;
	}
	return dgp_region_lookup(code, name, last_year);
}

size_t dgp_region_count(size_t *n_current, size_t *n_historical)
{
	size_t cur = 0;
	for (size_t i = 0; i < dgp_region_n; i++)
		cur += dgp_region_status[i] != DGP_REGION_HISTORICAL;
	if (n_current)
		*n_current = cur;
	if (n_historical)
		*n_historical = dgp_region_n - cur;
	return dgp_region_n;
}

uint32_t dgp_region_at(size_t i, dgp_region_status_t *status, const char **name)
{
	/* the prefix of entry i: the last p with first[p] <= i (binary search) */
	uint32_t lo = 0, hi = 10000;
	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) / 2;
		if (dgp_region_first[mid] <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (status)
		*status = (dgp_region_status_t)dgp_region_status[i];
	if (name)
		*name = dgp_region_names + dgp_region_name_off[i];
	return lo * 100 + dgp_region_dd[i];
}

dgp_reason_t dgp_norm_region(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                             size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	(void)ctx;
	char buf[DGP_NORM_ASCII_BUF];
	const char *s = in;
	size_t n = len;
	uint32_t flags = 0;
	/* six plain digits (the usual case) need no NUL/width/trim preparation */
	int plain = len == 6;
	for (size_t i = 0; plain && i < 6; i++)
		plain = (unsigned)((unsigned char)in[i] - '0') <= 9;
	if (!plain) {
		dgp_reason_t reason = dgp_norm_ascii_prepare(in, len, buf, &s, &n, &flags);
		if (reason != DGP_REASON_OK)
			return dgp_norm_reject(res, reason);
		if (n == 0)
			return dgp_norm_reject(res, DGP_REASON_EMPTY);
		if (n != 6)
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
		for (int i = 0; i < 6; i++)
			if ((unsigned)((unsigned char)s[i] - '0') > 9)
				return dgp_norm_reject(res, DGP_REASON_FORMAT);
	}
	uint32_t code = (uint32_t)s[0] * 100000u + (uint32_t)s[1] * 10000u +
	                (uint32_t)s[2] * 1000u + (uint32_t)s[3] * 100u + (uint32_t)s[4] * 10u +
	                (uint32_t)s[5] - '0' * 111111u;
	uint32_t p = code / 100;
	unsigned x = dgp_region_ddx[dgp_region_slot[p]][code % 100];
	if (!x)
		return dgp_norm_reject(res, DGP_REASON_REGION);
	uint32_t i = dgp_region_first[p] + x - 1;
	dgp_region_status_t st = (dgp_region_status_t)dgp_region_status[i];
	if (st == DGP_REGION_HISTORICAL && rule->region_current_only)
		return dgp_norm_reject(res, DGP_REASON_REGION);
	if (out_cap < 6)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	*res = (dgp_norm_result_t){0};
	memcpy(out, s, 6);
	res->len = 6;
	if (st == DGP_REGION_HISTORICAL)
		flags |= DGP_NF_REGION_HISTORICAL;
	else if (st == DGP_REGION_STATISTICAL)
		flags |= DGP_NF_REGION_STATISTICAL;
	res->flags = flags;
	/*
	 * The name as the aux output, when it fits: handy for `dgp check` and
	 * reports.  Names are stored back to back, NUL-separated, so the next
	 * offset gives the length without a strlen.
	 */
	uint32_t off = dgp_region_name_off[i];
	size_t nl =
	    (i + 1 < dgp_region_n ? dgp_region_name_off[i + 1] : dgp_region_names_size) - off - 1;
	if (6 + nl <= out_cap) {
		memcpy(out + 6, dgp_region_names + off, nl);
		res->aux_off = 6;
		res->aux_len = nl;
	}
	return DGP_REASON_OK;
}
