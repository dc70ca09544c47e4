/*
 * dgp_norm_id.c — the identifier rules: idcard (公民身份号码, GB 11643-1999),
 * uscc (统一社会信用代码, GB 32100-2015) and orgcode (组织机构代码,
 * GB 11714-1997).  Algorithms and worked examples: STANDARDS.md §1–§2.
 *
 *   in ──dgp_norm_ascii_prepare (NUL, full-width fold, trim)──▶ s[0..n)
 *      ──shape (length, alphabet; idcard: 15 → 18 upgrade)──▶ 18 chars in b[]
 *      ──date / check character / province──▶ reject reason
 *      ──residence permit (81/82/830000), foreign permanent resident (9…),
 *        county lookup, embedded org code, authority pair──▶ flags
 *      ──▶ out (18 or 9 ASCII bytes)
 *
 * Everything is table-driven and branch-light: the hot loop sees hundreds
 * of millions of 身份证号, so no function here allocates, copies pure ASCII
 * input, or touches anything but the stack, the input and static tables.
 */
#include <string.h>

#include "dgp_norm.h"
#include "dgp_norm_ascii.h"
#include "dgp_region.h"

/* ── idcard ─────────────────────────────────────────────────────────── */

/* W_i = 2^(18−i) mod 11; check char for S mod 11 (STANDARDS.md §1). */
static const uint8_t id_w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char id_chk[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

/*
 * The default lower bound of a birth date: STANDARDS.md §1 suggests
 * 1800-01-01, and the standard's own annex example 440524188001010014 is
 * born in 1880.
 */
#define ID_MIN_DATE 18000101

static int days_in_month(int y, int m)
{
	static const uint8_t dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m];
}

/*
 * b[0..18): 17 digits + [0-9X].  Returns the check char the first 17
 * digits call for.  Unrolled, and the '0' offsets folded into one constant
 * (Σ W_i = 100), since this runs for every 身份证号.
 */
static char id_check_char(const char *b)
{
#define D(i) ((unsigned)(unsigned char)b[i] * id_w[i])
	unsigned s = D(0) + D(1) + D(2) + D(3) + D(4) + D(5) + D(6) + D(7) + D(8) + D(9) + D(10) +
	             D(11) + D(12) + D(13) + D(14) + D(15) + D(16) - '0' * 100u;
#undef D
	return id_chk[s % 11];
}

/* Whether the 8 bytes at s are all ASCII digits (exact: see dgp_norm_ascii_prepare). */
static inline int digits8(const char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return !((w | (w - 0x3030303030303030ull) | (w + 0x4646464646464646ull)) &
	         0x8080808080808080ull);
}

static int digits_only(const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		if (!digits8(s + i))
			return 0;
	unsigned bad = 0;
	for (; i < n; i++)
		bad |= (unsigned)((unsigned char)s[i] - '0') > 9;
	return !bad;
}

dgp_reason_t dgp_norm_idcard(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                             size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	char buf[DGP_NORM_ASCII_BUF], b[18];
	const char *s;
	size_t n;
	uint32_t flags = 0;
	/*
	 * Fast path for the shape nearly every value arrives in: 18 ASCII
	 * characters, 17 digits first.  Digits are neither NUL, nor space, nor
	 * full width, so the general preparation has nothing to do.
	 */
	if (len == 18 && digits8(in) && digits8(in + 8) && (unsigned)(in[16] - '0') <= 9 &&
	    ((unsigned)(in[17] - '0') <= 9 || (in[17] | 0x20) == 'x')) {
		memcpy(b, in, 18);
		b[17] = b[17] == 'x' ? 'X' : b[17];
		goto validate;
	}
	dgp_reason_t r = dgp_norm_ascii_prepare(in, len, buf, &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	if (n == 0)
		return dgp_norm_reject(res, DGP_REASON_EMPTY);
	if (n == 18) {
		if (!digits_only(s, 17))
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
		memcpy(b, s, 18);
		if (b[17] == 'x')
			b[17] = 'X';
		if (b[17] != 'X' && (unsigned)(b[17] - '0') > 9)
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
	} else if (n == 15) {
		/* GB 11643-1989: insert the century "19", append the check char */
		if (!digits_only(s, 15))
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
		memcpy(b, s, 6);
		b[6] = '1';
		b[7] = '9';
		memcpy(b + 8, s + 6, 9);
		b[17] = id_check_char(b);
		flags |= DGP_NF_UPGRADED_15;
	} else {
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	}

validate:;
	int y = (b[6] - '0') * 1000 + (b[7] - '0') * 100 + (b[8] - '0') * 10 + (b[9] - '0');
	int m = (b[10] - '0') * 10 + (b[11] - '0');
	int d = (b[12] - '0') * 10 + (b[13] - '0');
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return dgp_norm_reject(res, DGP_REASON_DATE);
	int32_t ymd = y * 10000 + m * 100 + d;
	if (ctx && ctx->today && ymd > ctx->today)
		return dgp_norm_reject(res, DGP_REASON_FUTURE_DATE);
	if (ymd < (rule && rule->min_date ? rule->min_date : ID_MIN_DATE))
		return dgp_norm_reject(res, DGP_REASON_DATE_RANGE);
	if (id_check_char(b) != b[17])
		return dgp_norm_reject(res, DGP_REASON_CHECKSUM);
	uint32_t county = (uint32_t)b[0] * 100000u + (uint32_t)b[1] * 10000u +
	                  (uint32_t)b[2] * 1000u + (uint32_t)b[3] * 100u + (uint32_t)b[4] * 10u +
	                  (uint32_t)b[5] - '0' * 111111u;
	if (b[0] == '9') {
		/*
		 * The 2023 外国人永久居留身份证: 9, the issuing province's two
		 * digits, a 3-digit nationality code, then birth date, sequence
		 * and check as GB 11643.  There is no county to look up.
		 */
		if (flags & DGP_NF_UPGRADED_15 ||
		    !dgp_region_province_ok((unsigned)((b[1] - '0') * 10 + (b[2] - '0'))))
			return dgp_norm_reject(res, DGP_REASON_REGION);
		flags |= DGP_NF_FOREIGN_PERMANENT;
	} else if (county == 810000 || county == 820000 || county == 830000) {
		/* 港澳台居民居住证 (2018): the GB 11643 layout with these address codes */
		flags |= DGP_NF_RESIDENCE_PERMIT;
	} else {
		if (!dgp_region_province_ok(county / 10000))
			return dgp_norm_reject(res, DGP_REASON_REGION);
		dgp_region_status_t st = dgp_region_lookup(county, NULL, NULL);
		if (st == DGP_REGION_NONE)
			flags |= DGP_NF_REGION_UNKNOWN;
		else if (st == DGP_REGION_HISTORICAL)
			flags |= DGP_NF_REGION_HISTORICAL;
		else if (st == DGP_REGION_STATISTICAL)
			flags |= DGP_NF_REGION_STATISTICAL;
	}
	if (out_cap < 18)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);

	memcpy(out, b, 18);
	res->len = 18;
	res->flags = flags;
	res->reason = DGP_REASON_OK;
	res->aux_off = res->aux_len = 0;
	res->gender = ((b[16] - '0') & 1) ? '1' : '2';
	memcpy(res->birth, b + 6, 4);
	res->birth[4] = '-';
	memcpy(res->birth + 5, b + 10, 2);
	res->birth[7] = '-';
	memcpy(res->birth + 8, b + 12, 2);
	res->birth[10] = '\0';
	return DGP_REASON_OK;
}

/* ── uscc ───────────────────────────────────────────────────────────── */

/*
 * 1 + the value of each byte in the 31-character alphabet 0-9 A-H J-N P Q
 * R T U W X Y (no I O S V Z), lower case accepted (upper-cased on output);
 * 0 for anything else.  Subtracting 1 in unsigned arithmetic turns "not in
 * the alphabet" into all bits set, so OR-ing a whole code's values and
 * testing BAD tells whether any character was outside the alphabet.
 */
#define BAD 0x80u
static const uint8_t a31p1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['G'] = 17, ['H'] = 18, ['J'] = 19, ['K'] = 20, ['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24,
    ['Q'] = 25, ['R'] = 26, ['T'] = 27, ['U'] = 28, ['W'] = 29, ['X'] = 30, ['Y'] = 31, ['a'] = 11,
    ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['g'] = 17, ['h'] = 18, ['j'] = 19,
    ['k'] = 20, ['l'] = 21, ['m'] = 22, ['n'] = 23, ['p'] = 24, ['q'] = 25, ['r'] = 26, ['t'] = 27,
    ['u'] = 28, ['w'] = 29, ['x'] = 30, ['y'] = 31,
};

static const char a31_chars[32] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/* W_i = 3^(i−1) mod 31 */
static const uint8_t uscc_w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

/*
 * The values of the 18 characters at s: upper-cased copy into b, the
 * weighted sum of the first 17 in *sum, the check value in *v17.  Returns
 * the OR of the first 17 values: BAD set when one was outside the alphabet
 * (as *v17 has for the 18th).
 */
static unsigned uscc_values(const char *s, char *b, unsigned *sum, unsigned *v17)
{
	unsigned acc = 0, bad = 0;
	for (int i = 0; i < 17; i++) {
		unsigned v = (unsigned)a31p1[(unsigned char)s[i]] - 1;
		bad |= v;
		acc += v * uscc_w[i];
		b[i] = a31_chars[v & 31];
	}
	*v17 = (unsigned)a31p1[(unsigned char)s[17]] - 1;
	*sum = acc;
	return bad;
}

/* GB 11714 character values + 1: 0-9 → 1–10, A–Z → 11–36; 0 otherwise (upper case only). */
static const uint8_t org_p1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['G'] = 17, ['H'] = 18, ['I'] = 19, ['J'] = 20, ['K'] = 21, ['L'] = 22, ['M'] = 23, ['N'] = 24,
    ['O'] = 25, ['P'] = 26, ['Q'] = 27, ['R'] = 28, ['S'] = 29, ['T'] = 30, ['U'] = 31, ['V'] = 32,
    ['W'] = 33, ['X'] = 34, ['Y'] = 35, ['Z'] = 36,
};

static int org_value(char c)
{
	return (int)org_p1[(unsigned char)c] - 1;
}

/* The check char of an 8-character org-code body (all org_value >= 0). */
static char org_check_char(const char *body)
{
#define V(i) ((unsigned)org_p1[(unsigned char)body[i]] - 1)
	unsigned s =
	    V(0) * 3 + V(1) * 7 + V(2) * 9 + V(3) * 10 + V(4) * 5 + V(5) * 8 + V(6) * 4 + V(7) * 2;
#undef V
	unsigned c9 = 11 - s % 11;
	return c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
}

/*
 * Built-in 登记管理部门 + 机构类别 whitelist (STANDARDS.md §2): for each
 * department character, a bitmask over the type digit 0–9.
 */
static uint16_t builtin_types(char dept)
{
	switch (dept) {
	case '1':
		return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 9;
	case '2':
		return 1u << 1 | 1u << 9;
	case '3':
		return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 9;
	case '4':
		return 1u << 1 | 1u << 9;
	case '5':
		return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 9;
	case '6':
		return 1u << 1 | 1u << 2 | 1u << 9;
	case '7':
		return 1u << 1 | 1u << 2 | 1u << 9;
	case '8':
		return 1u << 1 | 1u << 9;
	case '9':
		return 1u << 1 | 1u << 2 | 1u << 3;
	case 'A':
		return 1u << 1 | 1u << 9;
	case 'N':
		return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 9;
	case 'Y':
		return 1u << 1;
	default:
		return 0;
	}
}

/* Whether the pair (dept, type) is whitelisted by pairs ("11,12,…") or the built-in list. */
static int authority_known(const char *pairs, char dept, char type)
{
	if (!pairs) {
		unsigned t = (unsigned)(type - '0');
		return t <= 9 && (builtin_types(dept) >> t & 1);
	}
	for (const char *p = pairs; *p;) {
		while (*p == ',' || *p == ' ')
			p++;
		if (!p[0] || !p[1])
			break;
		char d = p[0] >= 'a' && p[0] <= 'z' ? (char)(p[0] - 32) : p[0];
		char t = p[1] >= 'a' && p[1] <= 'z' ? (char)(p[1] - 32) : p[1];
		if (d == dept && t == type)
			return 1;
		p += 2;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

dgp_reason_t dgp_norm_uscc(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                           size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	(void)ctx;
	char buf[DGP_NORM_ASCII_BUF], b[18];
	const char *s = in;
	size_t n = len;
	uint32_t flags = 0;
	/*
	 * 18 bytes all in the alphabet (the usual case) need no preparation:
	 * the alphabet has no NUL, space or non-ASCII byte.  Anything else goes
	 * through dgp_norm_ascii_prepare, and the values are read again.
	 */
	unsigned sum, bad, v17;
	if (len != 18 || ((bad = uscc_values(in, b, &sum, &v17)) | v17) & BAD) {
		dgp_reason_t r = dgp_norm_ascii_prepare(in, len, buf, &s, &n, &flags);
		if (r != DGP_REASON_OK)
			return dgp_norm_reject(res, r);
		if (n == 0)
			return dgp_norm_reject(res, DGP_REASON_EMPTY);
		if (n != 18) {
			/* "91 110000 600037341L", "91-110000-600037341L": written in groups */
			char joined[18];
			size_t m = 0;
			for (size_t i = 0; i < n; i++) {
				if (s[i] == ' ' || s[i] == '-')
					continue;
				if (m == 18)
					return dgp_norm_reject(res, DGP_REASON_FORMAT);
				joined[m++] = s[i];
			}
			if (m != 18)
				return dgp_norm_reject(res, DGP_REASON_FORMAT);
			memcpy(buf, joined, 18);
			s = buf;
			n = 18;
			flags |= DGP_NF_SEPARATORS_REMOVED;
		}
		bad = uscc_values(s, b, &sum, &v17);
	}
	char region[8] = {'0', '0'}; /* positions 3–8 must be digits */
	memcpy(region + 2, s + 2, 6);
	if ((bad | v17) & BAD || !digits8(region))
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	b[17] = a31_chars[v17];
	if ((31 - sum % 31) % 31 != v17)
		return dgp_norm_reject(res, DGP_REASON_CHECKSUM);
	if (out_cap < 18)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);

	/* positions 9–17 are the GB 11714 org code: its own check is only a flag */
	if (b[16] != org_check_char(b + 8))
		flags |= DGP_NF_ORGCODE_CHECK;
	if (!authority_known(rule ? rule->allow_pairs : NULL, b[0], b[1]))
		flags |= DGP_NF_AUTHORITY_UNKNOWN;

	*res = (dgp_norm_result_t){0};
	memcpy(out, b, 18);
	res->len = 18;
	res->flags = flags;
	return DGP_REASON_OK;
}

/* ── orgcode ────────────────────────────────────────────────────────── */

dgp_reason_t dgp_norm_orgcode(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                              const char *in, size_t len, char *out, size_t out_cap,
                              dgp_norm_result_t *res)
{
	(void)rule;
	(void)ctx;
	char buf[DGP_NORM_ASCII_BUF], b[9];
	const char *s;
	size_t n;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_ascii_prepare(in, len, buf, &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	if (n == 0)
		return dgp_norm_reject(res, DGP_REASON_EMPTY);
	/* XXXXXXXX-X or XXXXXXXXX; the hyphen is display only */
	if (n == 10 && s[8] == '-') {
		memcpy(b, s, 8);
		b[8] = s[9];
	} else if (n == 9) {
		memcpy(b, s, 9);
	} else {
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	}
	for (int i = 0; i < 9; i++) {
		if (b[i] >= 'a' && b[i] <= 'z')
			b[i] = (char)(b[i] - 32);
		if (org_value(b[i]) < 0)
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
	}
	if (b[8] != 'X' && (unsigned)(b[8] - '0') > 9)
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	if (org_check_char(b) != b[8])
		return dgp_norm_reject(res, DGP_REASON_CHECKSUM);
	if (out_cap < 9)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	*res = (dgp_norm_result_t){0};
	memcpy(out, b, 9);
	res->len = 9;
	res->flags = flags;
	return DGP_REASON_OK;
}
