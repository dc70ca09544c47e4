/*
 * dgp_norm_num.c — number rules: integer, decimal, money.
 *
 *   in ─dgp_norm_prep (fold full-width, trim)─▶ [money: currency prefix]
 *      ─▶ parse_number: sign, digits, ',' groups, '.' fraction ─▶ [money: units, currency]
 *      ─▶ put_decimal: shift by the unit, check precision, write ─▶ out (+ aux currency)
 *
 * Numbers are kept as digit strings, never as floating point: 1.5亿 is
 * exactly 150000000.00 and a value is never rounded.
 *
 * Common syntax: optional + or -, digits, optional thousands separators
 * (',' in groups of three: 1,234,567; full-width ， and digits fold), an
 * optional '.' and fraction digits.  No exponent, no spaces inside.
 * Leading zeros are dropped; -0 is written 0.
 *
 * integer: a whole number in int64 range (range=A..B narrows it, out of
 *   it → range).  A fraction of zeros is accepted (12.00 → 12, spreadsheet
 *   exports write those); any other fraction → range.
 * decimal: written with exactly scale=N fraction digits (default 0).
 *   More significant fraction digits than scale → range (no rounding:
 *   1.25 at scale 1 is refused, 1.20 is 1.2).  More than 38 integer
 *   digits → range.
 * money: like decimal with scale 2 by default (scale=N overrides; scale=0
 *   cannot be asked for) and at most 18 integer digits (its column is
 *   numeric(18 + scale, scale): more would overflow it → range), plus
 *   - units after the number, which multiply and may stack: 百 千 万 亿
 *     (百万 = 10^6, 千万 = 10^7, 万亿 = 10^12), and 元;
 *   - one currency, before or after the number: ￥ ¥ RMB CNY 人民币 (CNY),
 *     $ US$ USD 美元 (USD), HK$ HKD 港元 港币 (HKD), € EUR 欧元 (EUR),
 *     £ GBP 英镑 (GBP), JPY 日元 (JPY); two different ones → format.
 *     ¥ is taken as CNY (it is also the yen sign; yen amounts say 日元).
 *   A field takes CNY only unless its currencies= argument allows others
 *   (a list of ISO 4217 codes, "USD,JPY", or "any" for every currency
 *   above): the amount is never converted, so an amount in a currency the
 *   field does not allow is rejected (currency) rather than loaded as if it
 *   were yuan; a field that allows others stores the code in its companion
 *   column <column>_currency (dgp_schema.h).
 *   out = the amount ("1000000.00"), aux = the code ("CNY").  100万元人民币 →
 *   1000000.00, 1.5亿元 → 150000000.00, ￥1,234.5 → 1234.50; 50万美元 →
 *   currency, or 500000.00 + USD with currencies=USD.
 */
#include "dgp_norm.h"
#include "dgp_norm_prep.h"

#define NUM_BUF          192 /* longer non-ASCII input is no number */
#define MAX_DIGITS       60  /* digits kept from the input; more → range */
#define MAX_INT_DIGITS   38
#define MONEY_INT_DIGITS 18 /* numeric(18 + scale, scale): dgp_catalog_column_type */

typedef struct num {
	bool neg;
	int nd;    /* digits in dig */
	int point; /* how many of them are before the decimal point */
	char dig[MAX_DIGITS];
} num_t;

static inline bool is_digit(char c)
{
	return (unsigned)(c - '0') < 10u;
}

/* Reads a number at s[*i]: sign, digits with ',' groups of three, fraction. */
static dgp_reason_t parse_number(const char *s, size_t n, size_t *i, num_t *v)
{
	size_t k = *i;
	v->neg = false;
	v->nd = 0;
	if (k < n && (s[k] == '+' || s[k] == '-')) {
		v->neg = s[k] == '-';
		k++;
	}
	int group = 0;    /* digits in the current ',' group */
	bool sep = false; /* a ',' was seen */
	size_t start = k;
	while (k < n && (is_digit(s[k]) || s[k] == ',')) {
		if (s[k] == ',') {
			if (k == start || (sep ? group != 3 : group > 3) || k + 1 >= n ||
			    !is_digit(s[k + 1]))
				return DGP_REASON_FORMAT;
			sep = true;
			group = 0;
		} else {
			if (v->nd == MAX_DIGITS)
				return DGP_REASON_RANGE;
			if (v->nd || s[k] != '0') /* leading zeros carry nothing */
				v->dig[v->nd++] = s[k];
			group++;
		}
		k++;
	}
	if (sep && group != 3)
		return DGP_REASON_FORMAT;
	bool int_digits = k > start;
	v->point = v->nd;
	bool frac_digits = false;
	if (k < n && s[k] == '.') {
		k++;
		while (k < n && is_digit(s[k])) {
			if (v->nd == MAX_DIGITS)
				return DGP_REASON_RANGE;
			v->dig[v->nd++] = s[k++];
			frac_digits = true;
		}
	}
	if (!int_digits && !frac_digits)
		return DGP_REASON_FORMAT;
	*i = k;
	return DGP_REASON_OK;
}

/*
 * Writes v × 10^exp with exactly scale fraction digits into out; refuses
 * (range) to drop a non-zero digit or to write more than MAX_INT_DIGITS.
 */
static dgp_reason_t put_decimal(const num_t *v, int exp, int scale, int max_int, char *out,
                                size_t cap, size_t *len)
{
	int point = v->point + exp;
	/* fraction digits past the scale must all be zero */
	for (int d = point + scale; d < v->nd; d++)
		if (d >= 0 && v->dig[d] != '0')
			return DGP_REASON_RANGE;
	/* first non-zero digit of the integer part; none (int_len 0) when it is all zeros */
	int first = 0;
	while (first < point && first < v->nd && v->dig[first] == '0')
		first++;
	if (first >= v->nd)
		first = point;
	int int_len = point - first;
	if (int_len > max_int)
		return DGP_REASON_RANGE;
	bool zero = true;
	for (int d = 0; d < v->nd && d < point + scale; d++)
		if (v->dig[d] != '0')
			zero = false;
	size_t need = (v->neg && !zero) + (int_len > 0 ? (size_t)int_len : 1) +
	              (scale ? 1 + (size_t)scale : 0);
	if (need > cap)
		return DGP_REASON_TOO_LONG;
	char *p = out;
	if (v->neg && !zero)
		*p++ = '-';
	if (int_len <= 0)
		*p++ = '0';
	for (int d = first; d < point; d++)
		*p++ = d < v->nd ? v->dig[d] : '0';
	if (scale) {
		*p++ = '.';
		for (int d = point; d < point + scale; d++)
			*p++ = d >= 0 && d < v->nd ? v->dig[d] : '0';
	}
	*len = (size_t)(p - out);
	return DGP_REASON_OK;
}

dgp_reason_t dgp_norm_integer(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                              const char *in, size_t len, char *out, size_t out_cap,
                              dgp_norm_result_t *res)
{
	(void)ctx;
	char buf[NUM_BUF];
	const char *s;
	size_t n, i = 0;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	num_t v;
	r = parse_number(s, n, &i, &v);
	if (r == DGP_REASON_OK && i != n)
		r = DGP_REASON_FORMAT;
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	for (int d = v.point; d < v.nd; d++)
		if (v.dig[d] != '0')
			return dgp_norm_reject(res, DGP_REASON_RANGE);
	if (v.point > 19)
		return dgp_norm_reject(res, DGP_REASON_RANGE);
	uint64_t mag = 0;
	for (int d = 0; d < v.point; d++)
		mag = mag * 10 + (uint64_t)(v.dig[d] - '0');
	if (mag > (uint64_t)INT64_MAX + v.neg)
		return dgp_norm_reject(res, DGP_REASON_RANGE);
	int64_t x = v.neg ? (int64_t)(0 - mag) : (int64_t)mag;
	if (rule && rule->has_range && (x < rule->min || x > rule->max))
		return dgp_norm_reject(res, DGP_REASON_RANGE);
	size_t olen;
	r = put_decimal(&v, 0, 0, MAX_INT_DIGITS, out, out_cap, &olen);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	*res = (dgp_norm_result_t){.len = olen, .flags = flags};
	return DGP_REASON_OK;
}

dgp_reason_t dgp_norm_decimal(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                              const char *in, size_t len, char *out, size_t out_cap,
                              dgp_norm_result_t *res)
{
	(void)ctx;
	char buf[NUM_BUF];
	const char *s;
	size_t n, i = 0;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	num_t v;
	r = parse_number(s, n, &i, &v);
	if (r == DGP_REASON_OK && i != n)
		r = DGP_REASON_FORMAT;
	size_t olen = 0;
	if (r == DGP_REASON_OK)
		r = put_decimal(&v, 0, rule ? rule->scale : 0, MAX_INT_DIGITS, out, out_cap, &olen);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	*res = (dgp_norm_result_t){.len = olen, .flags = flags};
	return DGP_REASON_OK;
}

/* ---- money ---------------------------------------------------------------- */

#define W(w) w, sizeof(w) - 1

/* Currency spellings, longest first where one is a prefix of another. */
static const struct {
	const char *word;
	size_t len;
	const char *code;
} currencies[] = {
    {W("人民币"), "CNY"}, {W("美元"), "USD"}, {W("港元"), "HKD"}, {W("港币"), "HKD"},
    {W("欧元"), "EUR"},   {W("日元"), "JPY"}, {W("英镑"), "GBP"}, {W("US$"), "USD"},
    {W("HK$"), "HKD"},    {W("RMB"), "CNY"},  {W("CNY"), "CNY"},  {W("USD"), "USD"},
    {W("HKD"), "HKD"},    {W("EUR"), "EUR"},  {W("GBP"), "GBP"},  {W("JPY"), "JPY"},
    {W("￥"), "CNY"},     {W("¥"), "CNY"},    {W("$"), "USD"},    {W("€"), "EUR"},
    {W("£"), "GBP"},
};

/* Units: all three bytes of UTF-8. */
static const struct {
	const char *word;
	int exp;
} units[] = {
    {"百", 2}, {"千", 3}, {"万", 4}, {"亿", 8}, {"元", 0},
};

static void skip_spaces(const char *s, size_t n, size_t *i)
{
	while (*i < n && s[*i] == ' ')
		(*i)++;
}

/* A currency at s[*i]: sets *code, and *clash when it contradicts one already set. */
static bool match_currency(const char *s, size_t n, size_t *i, const char **code, bool *clash)
{
	if (*i >= n)
		return false;
	for (size_t k = 0; k < sizeof(currencies) / sizeof(currencies[0]); k++) {
		size_t wl = currencies[k].len;
		if (s[*i] == currencies[k].word[0] &&
		    dgp_prep_lit(s, n, *i, currencies[k].word, wl)) {
			if (*code && strcmp(*code, currencies[k].code) != 0)
				*clash = true;
			*code = currencies[k].code;
			*i += wl;
			return true;
		}
	}
	return false;
}

/* Is code (not CNY) among the rule's currencies=? */
static bool currency_allowed(const dgp_norm_rule_t *rule, const char *code)
{
	const char *l = rule ? rule->currencies : NULL;
	if (!l)
		return false;
	if (strcmp(l, "any") == 0)
		return true;
	for (const char *p = l; *p; p += p[3] == ',' ? 4 : 3)
		if (memcmp(p, code, 3) == 0)
			return true;
	return false;
}

bool dgp_norm_currencies_valid(const char *list)
{
	if (strcmp(list, "any") == 0)
		return true;
	for (const char *p = list;; p += 4) {
		bool known = false;
		for (size_t k = 0; k < sizeof(currencies) / sizeof(currencies[0]); k++)
			known |= strlen(p) >= 3 && memcmp(p, currencies[k].code, 3) == 0;
		if (!known || (p[3] != ',' && p[3] != '\0'))
			return false;
		if (p[3] == '\0')
			return true;
	}
}

dgp_reason_t dgp_norm_money(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                            size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	(void)ctx;
	char buf[NUM_BUF];
	const char *s;
	size_t n, i = 0;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	const char *code = NULL;
	bool clash = false;
	if (match_currency(s, n, &i, &code, &clash))
		skip_spaces(s, n, &i);
	num_t v;
	r = parse_number(s, n, &i, &v);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	int exp = 0;
	bool yuan = false;
	while (i < n) {
		skip_spaces(s, n, &i);
		if (i == n)
			break;
		bool unit = false;
		for (size_t k = 0; n - i >= 3 && k < sizeof(units) / sizeof(units[0]); k++) {
			size_t wl = 3;
			if (memcmp(s + i, units[k].word, 3) == 0) {
				if (units[k].exp == 0) {
					if (yuan)
						return dgp_norm_reject(res, DGP_REASON_FORMAT);
					yuan = true;
				} else if (yuan) {
					return dgp_norm_reject(res, DGP_REASON_FORMAT); /* 元万 */
				}
				exp += units[k].exp;
				i += wl;
				unit = true;
				break;
			}
		}
		if (unit)
			continue;
		if (!match_currency(s, n, &i, &code, &clash))
			return dgp_norm_reject(res, DGP_REASON_FORMAT);
	}
	if (clash || exp > 16)
		return dgp_norm_reject(res, DGP_REASON_FORMAT);
	if (!code)
		code = "CNY";
	if (strcmp(code, "CNY") != 0 && !currency_allowed(rule, code))
		return dgp_norm_reject(res, DGP_REASON_CURRENCY);
	int scale = rule && rule->scale ? rule->scale : 2;
	size_t olen = 0;
	r = put_decimal(&v, exp, scale, MONEY_INT_DIGITS, out, out_cap, &olen);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	if (olen - (size_t)scale - 1 - (out[0] == '-') > MONEY_INT_DIGITS)
		return dgp_norm_reject(res, DGP_REASON_RANGE);
	if (olen + 3 > out_cap)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	memcpy(out + olen, code, 3);
	*res = (dgp_norm_result_t){.len = olen, .flags = flags, .aux_off = olen, .aux_len = 3};
	return DGP_REASON_OK;
}
