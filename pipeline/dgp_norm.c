/*
 * dgp_norm.c — reject reasons, quality flags, the rule registry and rule
 * compilation ("name" + "k=v;k=v" → dgp_norm_rule_t).
 *
 * The rule functions themselves live in one module per family
 * (dgp_norm_id.c, dgp_norm_date.c, …); this file only knows their names.
 */
#include "dgp_norm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
	const char *name;
	const char *desc;
} reasons[DGP_REASON__COUNT] = {
    [DGP_REASON_OK] = {"ok", "accepted"},
    [DGP_REASON_EMPTY] = {"empty", "value is empty or only whitespace"},
    [DGP_REASON_FORMAT] = {"format", "value does not have the required shape"},
    [DGP_REASON_CHECKSUM] = {"checksum", "check character does not match"},
    [DGP_REASON_DATE] = {"date", "not a real, complete calendar date"},
    [DGP_REASON_FUTURE_DATE] = {"future_date", "date lies in the future"},
    [DGP_REASON_DATE_RANGE] = {"date_range", "date lies outside the rule's fixed bounds"},
    [DGP_REASON_REGION] = {"region", "region or province code not in GB/T 2260"},
    [DGP_REASON_CHARSET] = {"charset", "invalid character encoding or NUL byte"},
    [DGP_REASON_TOO_LONG] = {"too_long", "value longer than the field allows"},
    [DGP_REASON_NOT_IN_LIST] = {"not_in_list", "value is not in the field's code list"},
    [DGP_REASON_RANGE] = {"range", "number out of range or too precise"},
    [DGP_REASON_MALFORMED] = {"malformed", "record is not valid JSON or CSV, or not a flat object"},
    [DGP_REASON_COLUMNS] = {"columns", "CSV row has a different number of columns than the header"},
    [DGP_REASON_DB_REFUSED] =
        {"db_refused", "PostgreSQL refused the accepted record (SQLSTATE and message in detail)"},
    [DGP_REASON_CURRENCY] = {"currency",
                             "amount in a currency the field does not allow "
                             "(CNY only unless its money rule lists others with currencies=)"},
    [DGP_REASON_EMPTY_MESSAGE] = {"empty_message", "Kafka message without any bytes"},
    [DGP_REASON_TOMBSTONE] = {"tombstone", "Kafka tombstone (null value) without a message key"},
    [DGP_REASON_UNKNOWN_FIELD] = {"unknown_field",
                                  "record has a field the catalog does not know (strict resource)"},
    [DGP_REASON_DELETE_KEY] = {"delete_key",
                               "delete whose key does not hold the resource's key fields"},
};

const char *dgp_reason_name(dgp_reason_t r)
{
	if ((unsigned)r >= DGP_REASON__COUNT)
		return "unknown";
	return reasons[r].name;
}

const char *dgp_reason_desc(dgp_reason_t r)
{
	if ((unsigned)r >= DGP_REASON__COUNT)
		return "unknown reason";
	return reasons[r].desc;
}

static const char *const flag_names[DGP_NF__COUNT] = {
    "upgraded_15",       "region_unknown",     "region_historical", "orgcode_check",
    "authority_unknown", "width_folded",       "control_removed",   "landline",
    "transcoded",        "residence_permit",   "foreign_permanent", "separators_removed",
    "name_suspect",      "region_statistical", "long_term",         "placeholder_date",
};

const char *dgp_norm_flag_names(uint32_t flags, char *out, size_t out_size)
{
	size_t o = 0;
	if (out_size == 0)
		return out;
	out[0] = '\0';
	for (int i = 0; i < DGP_NF__COUNT; i++) {
		if (!(flags & (1u << i)))
			continue;
		int n = snprintf(out + o, out_size - o, "%s%s", o ? "," : "", flag_names[i]);
		if (n < 0 || (size_t)n >= out_size - o)
			break;
		o += (size_t)n;
	}
	return out;
}

dgp_norm_ctx_t dgp_norm_ctx_at(int64_t now, int32_t utc_offset_min)
{
	/* the zone's wall clock is UTC shifted by the offset: gmtime of the shifted instant */
	time_t t = (time_t)(now + (int64_t)utc_offset_min * 60);
	struct tm tm;
	gmtime_r(&t, &tm);
	return (dgp_norm_ctx_t){.today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	                                 tm.tm_mday,
	                        .utc_offset_min = utc_offset_min};
}

dgp_norm_ctx_t dgp_norm_ctx_now(int32_t utc_offset_min)
{
	return dgp_norm_ctx_at((int64_t)time(NULL), utc_offset_min);
}

/*
 * The registry.  Argument keys (see dgp_norm_rule_compile):
 *   max=N         maximum length in characters
 *   min_date=D    lower bound, YYYY-MM-DD
 *   max_date=M    upper bound: today (default), none, or YYYY-MM-DD
 *   long_term=yes date: 长期/长期有效/永久 accepted as 9999-12-31, flag long_term
 *   scale=N       digits after the decimal point (0–9)
 *   range=A..B    inclusive integer range
 *   list=NAME     code list from the catalog
 *   charset=CS    source encoding: GBK or GB18030
 *   pairs=A,B     USCC 登记管理部门+机构类别 whitelist (two characters each)
 *   current=Y     region: accept current codes only
 *   currencies=L  money: other currencies allowed besides CNY, "USD,JPY" or "any"
 */
static const dgp_norm_def_t defs[] = {
    {"idcard", dgp_norm_idcard, "min_date", "C",
     "公民身份号码 (GB 11643): 15→18 upgrade, birth date, MOD 11-2 check, province; "
     "港澳台 residence permits and foreign permanent-resident IDs flagged"},
    {"uscc", dgp_norm_uscc, "pairs", "C",
     "统一社会信用代码 (GB 32100): 31-char alphabet, MOD 31-3 check, "
     "spaces/hyphens removed; org code/authority flagged"},
    {"orgcode", dgp_norm_orgcode, "", "C",
     "组织机构代码 (GB 11714): 8+1 characters, optional hyphen, MOD 11 check"},
    {"region", dgp_norm_region, "current", "C",
     "行政区划代码 (GB/T 2260): current code, or historical with a flag"},
    {"date", dgp_norm_date, "min_date,max_date,long_term", "DC",
     "date: YYYY年M月D日, YYYY-M-D, YYYY/M/D, YYYY.M.D, YYYYMMDD, ISO 8601; 长期 → 9999-12-31"},
    {"datetime", dgp_norm_datetime, "min_date,max_date", "TC",
     "date and time (ISO 8601 / GB/T 7408 basic, H时M分S秒) → YYYY-MM-DD HH:MM:SS[.f]+08"},
    {"mobile", dgp_norm_mobile, "", "C",
     "mobile number: strip spaces/dashes/brackets and +86/0086/86; 1[3-9] + 9 digits"},
    {"phone", dgp_norm_phone, "", "C",
     "mobile, or landline 0AA(A)-NNNNNNN(N) (area codes and lengths from libphonenumber) with "
     "flag landline; extension in aux"},
    {"gender", dgp_norm_gender, "", "C",
     "性别 (GB/T 2261.1): 0/1/2/9, 男/女/男性/女性/未知/未说明, M/F → code"},
    {"ethnicity", dgp_norm_ethnicity, "", "C",
     "民族 (GB/T 3304): 01–56 or 1–56, 汉族/汉, letter code HA → two-digit code"},
    {"code_list", dgp_norm_code_list, "list", "C",
     "catalog code list: a code or label (trimmed, width-folded) → the code"},
    {"text", dgp_norm_text, "max", "CM",
     "free text: full-width folded, whitespace collapsed, controls removed, UTF-8 checked"},
    {"person_name", dgp_norm_person_name, "max", "CM",
     "person name: text, no spaces inside CJK names, one middle dot (U+00B7), invisible "
     "characters removed; odd names flagged"},
    {"org_name", dgp_norm_org_name, "max", "CM",
     "organisation name: match key without spaces, half-width brackets; display value in aux"},
    {"encoding", dgp_norm_encoding, "charset,max", "",
     "GBK/GB18030 bytes → UTF-8 (iconv), then text; invalid sequences rejected"},
    {"integer", dgp_norm_integer, "range", "IN",
     "integer (int64), thousands separators, optional range=A..B"},
    {"decimal", dgp_norm_decimal, "scale", "NBF",
     "decimal with exactly scale=N fraction digits; never rounds (too precise → range)"},
    {"money", dgp_norm_money, "scale,currencies", "YN",
     "amount with units 万/亿/元 → 1000000.00, currency code in aux (CNY unless currencies= "
     "allows others: then stored in <column>_currency)"},
    {NULL, NULL, NULL, NULL, NULL},
};

const dgp_norm_def_t *dgp_norm_defs(size_t *n)
{
	*n = sizeof(defs) / sizeof(defs[0]) - 1;
	return defs;
}

const dgp_norm_def_t *dgp_norm_find(const char *name)
{
	for (const dgp_norm_def_t *d = defs; d->name; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

static bool key_accepted(const char *accepted, const char *key, size_t key_len)
{
	const char *p = accepted;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (l == key_len && strncmp(p, key, l) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static bool parse_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

/* "YYYY-MM-DD", a day of the calendar → YYYYMMDD. */
static bool parse_ymd(const char *s, int32_t *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return false;
	*out = y * 10000 + m * 100 + d;
	return true;
}

/* A code list name: an upper-case letter, then upper-case letters, digits and _. */
static bool list_name_ok(const char *v)
{
	if (v[0] < 'A' || v[0] > 'Z')
		return false;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* USCC pairs: two characters each, comma-separated ("11,12,91"). */
static bool pairs_ok(const char *v)
{
	size_t len = strlen(v);
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i += 3)
		if (i + 2 > len || (i + 2 < len && v[i + 2] != ','))
			return false;
	return true;
}

static dgp_err_t apply_arg(dgp_norm_rule_t *r, const char *key, const char *val, dgp_arena_t *arena,
                           dgp_codelist_lookup_fn *lookup, void *opaque, char *errstr,
                           size_t errstr_size)
{
	int64_t n;
	if (strcmp(key, "max") == 0) {
		if (!parse_i64(val, &n) || n < 1 || n > 1000000)
			goto bad;
		r->max_chars = (uint32_t)n;
	} else if (strcmp(key, "min_date") == 0) {
		if (!parse_ymd(val, &r->min_date))
			goto bad;
	} else if (strcmp(key, "max_date") == 0) {
		if (strcmp(val, "today") == 0)
			r->max_date = DGP_NORM_MAX_TODAY;
		else if (strcmp(val, "none") == 0)
			r->max_date = DGP_NORM_MAX_NONE;
		else if (!parse_ymd(val, &r->max_date))
			goto bad;
	} else if (strcmp(key, "long_term") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			goto bad;
		r->long_term = val[0] == 'y';
	} else if (strcmp(key, "scale") == 0) {
		if (!parse_i64(val, &n) || n < 0 || n > 9)
			goto bad;
		r->scale = (int)n;
	} else if (strcmp(key, "range") == 0) {
		const char *dots = strstr(val, "..");
		char lo[32];
		if (!dots || (size_t)(dots - val) >= sizeof(lo))
			goto bad;
		memcpy(lo, val, (size_t)(dots - val));
		lo[dots - val] = '\0';
		if (!parse_i64(lo, &r->min) || !parse_i64(dots + 2, &r->max) || r->min > r->max)
			goto bad;
		r->has_range = true;
	} else if (strcmp(key, "list") == 0) {
		if (!list_name_ok(val))
			goto bad;
		r->list = lookup ? lookup(val, opaque) : NULL;
		if (!r->list)
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
			                      "rule %s: unknown code list \"%s\"", r->name, val);
	} else if (strcmp(key, "charset") == 0) {
		if (strcasecmp(val, "GBK") != 0 && strcasecmp(val, "GB18030") != 0)
			goto bad;
		r->charset = strcasecmp(val, "GBK") == 0 ? "GBK" : "GB18030";
	} else if (strcmp(key, "currencies") == 0) {
		if (!dgp_norm_currencies_valid(val))
			goto bad;
		r->currencies = dgp_arena_strdup(arena, val);
	} else if (strcmp(key, "pairs") == 0) {
		if (!pairs_ok(val))
			goto bad;
		r->allow_pairs = dgp_arena_strdup(arena, val);
	} else if (strcmp(key, "current") == 0) {
		if (strcmp(val, "Y") != 0 && strcmp(val, "N") != 0)
			goto bad;
		r->region_current_only = val[0] == 'Y';
	} else {
		goto bad;
	}
	return DGP_OK;
bad:
	return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
	                      "invalid value \"%s\" for argument %s", val, key);
}

dgp_err_t dgp_norm_rule_compile(const char *name, const char *args, dgp_arena_t *arena,
                                dgp_codelist_lookup_fn *lookup, void *lookup_opaque,
                                const dgp_norm_rule_t **rule, char *errstr, size_t errstr_size)
{
	const dgp_norm_def_t *def = dgp_norm_find(name);
	*rule = NULL;
	if (!def)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_NOT_FOUND, "unknown rule \"%s\"",
		                      name);
	dgp_norm_rule_t *r = dgp_arena_calloc(arena, sizeof(*r));
	r->name = def->name;
	r->fn = def->fn;
	if (args && *args) {
		char *copy = dgp_arena_strdup(arena, args);
		const char *seen[16];
		size_t n_seen = 0;
		for (char *save = NULL, *kv = strtok_r(copy, ";", &save); kv;
		     kv = strtok_r(NULL, ";", &save)) {
			while (isspace((unsigned char)*kv))
				kv++;
			if (!*kv)
				continue;
			char *eq = strchr(kv, '=');
			if (!eq || eq == kv)
				return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
				                      "argument \"%s\" is not key=value", kv);
			*eq = '\0';
			if (!key_accepted(def->args, kv, strlen(kv)))
				return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
				                      "rule %s does not take argument \"%s\" "
				                      "(it takes: %s)",
				                      name, kv, *def->args ? def->args : "none");
			for (size_t i = 0; i < n_seen; i++)
				if (strcmp(seen[i], kv) == 0)
					return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
					                      "argument %s is given twice", kv);
			if (n_seen < sizeof(seen) / sizeof(seen[0]))
				seen[n_seen++] = kv;
			dgp_err_t err = apply_arg(r, kv, eq + 1, arena, lookup, lookup_opaque,
			                          errstr, errstr_size);
			if (err != DGP_OK)
				return err;
		}
	}
	if (strcmp(name, "code_list") == 0 && !r->list)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "rule code_list needs a list=NAME argument");
	*rule = r;
	return DGP_OK;
}
