/*
 * dgp_pg_bin.c — binary COPY forms of date, numeric and bigint text
 * (see dgp_pg_bin.h).  Checked against PostgreSQL's own text input by
 * tests/integration/test_pg_sink.c (binary_forms_equal_postgresql_text_input).
 */
#include "dgp_pg_bin.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static void be16(unsigned char *o, uint16_t v)
{
	o[0] = (unsigned char)(v >> 8);
	o[1] = (unsigned char)v;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Days from 1970-01-01 to the proleptic Gregorian y-m-d (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int dgp_pg_bin_date(const char *p, size_t n, unsigned char out[4])
{
	if (n != 10 || p[4] != '-' || p[7] != '-')
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(p[i]))
			return -1;
	unsigned y =
	    (unsigned)((p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
	unsigned m = (unsigned)((p[5] - '0') * 10 + (p[6] - '0'));
	unsigned d = (unsigned)((p[8] - '0') * 10 + (p[9] - '0'));
	static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y == 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	/* 2000-01-01 is day 10957 after 1970-01-01 */
	int64_t v = days_from_civil(y, m, d) - 10957;
	uint32_t u = (uint32_t)(int32_t)v;
	out[0] = (unsigned char)(u >> 24);
	out[1] = (unsigned char)(u >> 16);
	out[2] = (unsigned char)(u >> 8);
	out[3] = (unsigned char)u;
	return 4;
}

int dgp_pg_bin_numeric(const char *p, size_t n, unsigned char *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && p[i] == '-') {
		neg = true;
		i++;
	}
	size_t ib = i;
	while (i < n && is_digit(p[i]))
		i++;
	size_t ie = i, fb = i, fe = i;
	if (ie == ib)
		return -1;
	if (i < n) {
		if (p[i] != '.')
			return -1;
		fb = ++i;
		while (i < n && is_digit(p[i]))
			i++;
		fe = i;
		if (fe == fb || i != n)
			return -1;
	}
	if (n - (neg ? 1 : 0) > 1001) /* 1000 digits and the point */
		return -1;
	while (ib < ie && p[ib] == '0') /* leading zeros of the whole part */
		ib++;
	size_t ni = ie - ib, nf = fe - fb;
	/*
	 * Digits in groups of four aligned on the decimal point: the whole part
	 * padded on the left, the fraction on the right.  group(k) for k in
	 * [0, ng): the first ni_groups are the whole part.
	 */
	size_t ni_groups = (ni + 3) / 4, nf_groups = (nf + 3) / 4;
	size_t ng = ni_groups + nf_groups;
	size_t pad = ni_groups * 4 - ni; /* zeros before the first whole digit */
	unsigned char *digits = out + 8;
	size_t nd = 0;
	int weight = (int)ni_groups - 1;
	bool leading = true;
	size_t last_nonzero = 0;
	for (size_t k = 0; k < ng; k++) {
		unsigned g = 0;
		for (size_t j = 0; j < 4; j++) {
			size_t pos = k * 4 + j; /* position in the padded digit string */
			unsigned dgt = 0;
			if (k < ni_groups) {
				if (pos >= pad)
					dgt = (unsigned)(p[ib + pos - pad] - '0');
			} else {
				size_t f = pos - ni_groups * 4;
				if (f < nf)
					dgt = (unsigned)(p[fb + f] - '0');
			}
			g = g * 10 + dgt;
		}
		if (leading && g == 0) { /* a zero group before the first digit */
			weight--;
			continue;
		}
		leading = false;
		be16(digits + 2 * nd, (uint16_t)g);
		nd++;
		if (g)
			last_nonzero = nd;
	}
	nd = last_nonzero; /* trailing zero groups carry nothing (dscale keeps the scale) */
	if (nd == 0) {
		weight = 0;
		neg = false;
	}
	be16(out, (uint16_t)nd);
	be16(out + 2, (uint16_t)(int16_t)weight);
	be16(out + 4, neg ? 0x4000 : 0x0000);
	be16(out + 6, (uint16_t)nf);
	return (int)(8 + 2 * nd);
}

int dgp_pg_bin_int8(const char *p, size_t n, unsigned char out[8])
{
	size_t i = 0;
	bool neg = false;
	if (n && p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n || n - i > 19)
		return -1;
	uint64_t v = 0;
	for (; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0'); /* 19 digits cannot overflow uint64 */
	}
	if (v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return -1;
	uint64_t u = neg ? 0 - v : v;
	for (int k = 7; k >= 0; k--) {
		out[k] = (unsigned char)u;
		u >>= 8;
	}
	return 8;
}
