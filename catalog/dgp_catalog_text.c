/*
 * dgp_catalog_text.c — display width, UTC timestamps, JSON and CSV
 * quoting for the catalog's reports and exports.
 */
#include "dgp_catalog_text.h"

#include <string.h>
#include <time.h>

#include "dgp_utf8.h"

/* East Asian Wide / Fullwidth ranges (Unicode EastAsianWidth.txt, W and F), coarse but sorted. */
static const uint32_t wide_ranges[][2] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool is_wide(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(wide_ranges) / sizeof(wide_ranges[0]); i++) {
		if (cp < wide_ranges[i][0])
			return false;
		if (cp <= wide_ranges[i][1])
			return true;
	}
	return false;
}

static bool is_combining(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x20D0 && cp <= 0x20FF);
}

size_t dgp_display_width(const char *s)
{
	size_t w = 0, len = strlen(s);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		int n = dgp_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n < 0) {
			w++;
			i++;
			continue;
		}
		i += (size_t)n;
		w += is_wide(cp) ? 2 : is_combining(cp) ? 0 : 1;
	}
	return w;
}

char *dgp_time_format(int64_t t, char *out, size_t out_size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, out_size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, out_size, "%lld", (long long)t);
	return out;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool dgp_time_parse(const char *s, int64_t *t)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t len = strlen(s);
	int y, mo, d, h = 0, mi = 0, se = 0;
	if (len < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return false;
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != ' ') || len < 19 || !digits(s + 11, 2, &h) ||
		    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
		    !digits(s + 17, 2, &se))
			return false;
		if (len > 20 || (len == 20 && s[19] != 'Z'))
			return false;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
	    mi > 59 || se > 59)
		return false;
	*t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	return true;
}

void dgp_csv_put_field(FILE *out, const char *s)
{
	size_t len = strlen(s);
	bool quote = strpbrk(s, ",\"\r\n\t") != NULL || (len && (s[0] == ' ' || s[len - 1] == ' '));
	if (!quote) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}
