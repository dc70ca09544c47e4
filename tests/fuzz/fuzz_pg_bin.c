/*
 * fuzz_pg_bin.c — libFuzzer harness for the binary COPY forms of
 * connectors/dgp_pg_bin.c (date, numeric, bigint from text).
 *
 * The input is one text, copied to an exact-size buffer, and the output
 * buffer is exactly DGP_PG_BIN_NUMERIC_MAX(n) bytes (at least 8): ASan
 * reports a read or write past either.  Each form an encoder accepts is
 * decoded here, after PostgreSQL's date_recv / numeric_recv / int8recv and
 * their output functions, and must give the input back as its canonical
 * text: the same digits without leading zeros of the whole part, no sign
 * on zero, the fraction as written.
 */
#include "dgp_pg_bin.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what, const char *in, size_t n)
{
	fprintf(stderr, "fuzz_pg_bin: %s: \"%.*s\"\n", what, (int)n, in);
	abort();
}

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The input as the canonical text the decoded value must print as. */
static size_t canonical(const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0;
	int neg = n && in[0] == '-';
	if (neg)
		i = 1;
	while (i + 1 < n && in[i] == '0' && in[i + 1] != '.')
		i++;
	int nonzero = 0;
	for (size_t k = i; k < n; k++)
		nonzero |= in[k] >= '1' && in[k] <= '9';
	if (neg && nonzero)
		out[o++] = '-';
	memcpy(out + o, in + i, n - i);
	return o + n - i;
}

/* numeric_recv + numeric_out: sign, weight, base-10000 digits, dscale. */
static size_t numeric_text(const unsigned char *b, char *out)
{
	unsigned nd = rd16(b), sign = rd16(b + 4), dscale = rd16(b + 6);
	int weight = (int16_t)rd16(b + 2);
	size_t o = 0;
	if (sign == 0x4000)
		out[o++] = '-';
	if (weight < 0 || nd == 0) {
		out[o++] = '0';
	} else {
		for (int g = 0; g <= weight; g++) {
			unsigned d = (unsigned)g < nd ? rd16(b + 8 + 2 * g) : 0;
			char tmp[8];
			int l = g == 0 ? snprintf(tmp, sizeof(tmp), "%u", d)
			               : snprintf(tmp, sizeof(tmp), "%04u", d);
			memcpy(out + o, tmp, (size_t)l);
			o += (size_t)l;
		}
	}
	if (dscale) {
		out[o++] = '.';
		for (unsigned k = 0; k < dscale; k++) {
			int g =
			    weight + 1 + (int)(k / 4); /* index of the group holding this digit */
			unsigned d = g >= 0 && (unsigned)g < nd ? rd16(b + 8 + 2 * g) : 0;
			static const unsigned pow10[4] = {1000, 100, 10, 1};
			out[o++] = (char)('0' + d / pow10[k % 4] % 10);
		}
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size ? size : 1);
	memcpy(in, data, size);
	size_t cap = DGP_PG_BIN_NUMERIC_MAX(size);
	unsigned char *out = malloc(cap);
	char *text = malloc(2 * size + 64), *want = malloc(size + 2);

	int len = dgp_pg_bin_numeric(in, size, out);
	if (len >= 0) {
		if ((size_t)len > cap || (size_t)len != 8 + 2 * (size_t)rd16(out))
			fail("numeric length", in, size);
		for (unsigned k = 0; k < rd16(out); k++)
			if (rd16(out + 8 + 2 * k) > 9999)
				fail("numeric digit", in, size);
		size_t tl = numeric_text(out, text), wl = canonical(in, size, want);
		if (tl != wl || memcmp(text, want, tl) != 0)
			fail("numeric round trip", in, size);
	}

	len = dgp_pg_bin_date(in, size, out);
	if (len >= 0) {
		int32_t days = (int32_t)((uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 |
		                         (uint32_t)out[2] << 8 | out[3]);
		/* civil_from_days (Howard Hinnant), from 2000-01-01 */
		int64_t z = (int64_t)days + 10957 + 719468;
		int64_t era = (z >= 0 ? z : z - 146096) / 146097;
		unsigned doe = (unsigned)(z - era * 146097);
		unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t y = (int64_t)yoe + era * 400;
		unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		unsigned mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
		unsigned m = mp < 10 ? mp + 3 : mp - 9;
		y += m <= 2;
		int l = snprintf(text, 64, "%04" PRId64 "-%02u-%02u", y, m, d);
		if (len != 4 || (size_t)l != size || memcmp(text, in, size) != 0)
			fail("date round trip", in, size);
	}

	len = dgp_pg_bin_int8(in, size, out);
	if (len >= 0) {
		uint64_t u = 0;
		for (int k = 0; k < 8; k++)
			u = u << 8 | out[k];
		int l = snprintf(text, 64, "%" PRId64, (int64_t)u);
		size_t wl = canonical(in, size, want);
		if (len != 8 || (size_t)l != wl || memcmp(text, want, wl) != 0)
			fail("bigint round trip", in, size);
	}
	free(in);
	free(out);
	free(text);
	free(want);
	return 0;
}
