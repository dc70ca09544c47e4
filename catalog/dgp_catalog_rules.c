/*
 * dgp_catalog_rules.c — the catalog's table of normaliser rules (see the
 * header for why it is here and not in pipeline/dgp_norm.c yet).
 */
#define _GNU_SOURCE /* memmem */
#include "dgp_catalog_rules.h"
#include "dgp_norm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Argument keys and their meaning are those of pipeline/dgp_norm.c's registry. */
static const dgp_catalog_rule_t rules[] = {
    {"idcard", "C", "min_date"}, {"uscc", "C", "pairs"},     {"orgcode", "C", ""},
    {"region", "C", "current"},  {"date", "DC", "min_date,max_date,long_term"}, {"datetime", "TC", "min_date,max_date"},
    {"mobile", "C", ""},         {"phone", "C", ""},         {"gender", "C", ""},
    {"ethnicity", "C", ""},      {"text", "CM", "max"},      {"person_name", "CM", "max"},
    {"org_name", "CM", "max"},   {"code_list", "C", "list"}, {"integer", "IN", "range"},
    {"decimal", "NBF", "scale"}, {"money", "YN", "scale,currencies"},   {NULL, NULL, NULL},
};

const dgp_catalog_rule_t *dgp_catalog_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]) - 1;
	return rules;
}

const dgp_catalog_rule_t *dgp_catalog_rule_find(const char *name)
{
	for (const dgp_catalog_rule_t *r = rules; r->name; r++)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

static bool key_accepted(const char *accepted, const char *key, size_t len)
{
	for (const char *p = accepted; *p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (l == len && strncmp(p, key, len) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static bool parse_int(const char *s, size_t len, long long lo, long long hi, long long *out)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || *end || v < lo || v > hi || (buf[0] != '-' && (buf[0] < '0' || buf[0] > '9')))
		return false;
	*out = v;
	return true;
}

static bool is_ymd(const char *s, size_t len)
{
	int y, m, d;
	char tail;
	char buf[16];
	if (len != 10)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || buf[4] != '-' || buf[7] != '-')
		return false;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

static bool value_ok(const char *key, const char *v, size_t len)
{
	long long n, lo, hi;
	if (strcmp(key, "max") == 0)
		return parse_int(v, len, 1, 1000000, &n);
	if (strcmp(key, "scale") == 0)
		return parse_int(v, len, 0, 9, &n);
	if (strcmp(key, "min_date") == 0)
		return is_ymd(v, len);
	if (strcmp(key, "max_date") == 0)
		return (len == 5 && memcmp(v, "today", 5) == 0) ||
		       (len == 4 && memcmp(v, "none", 4) == 0) || is_ymd(v, len);
	if (strcmp(key, "long_term") == 0)
		return (len == 3 && memcmp(v, "yes", 3) == 0) || (len == 2 && memcmp(v, "no", 2) == 0);
	if (strcmp(key, "current") == 0)
		return len == 1 && (v[0] == 'Y' || v[0] == 'N');
	if (strcmp(key, "currencies") == 0) {
		char buf[256];
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, v, len);
		buf[len] = '\0';
		return dgp_norm_currencies_valid(buf);
	}
	if (strcmp(key, "range") == 0) {
		const char *dots = memmem(v, len, "..", 2);
		return dots && parse_int(v, (size_t)(dots - v), -(1LL << 62), 1LL << 62, &lo) &&
		       parse_int(dots + 2, len - (size_t)(dots - v) - 2, -(1LL << 62), 1LL << 62,
		                 &hi) &&
		       lo <= hi;
	}
	if (strcmp(key, "list") == 0) {
		if (len == 0 || v[0] < 'A' || v[0] > 'Z')
			return false;
		for (size_t i = 0; i < len; i++)
			if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
			      v[i] == '_'))
				return false;
		return true;
	}
	if (strcmp(key, "pairs") == 0) {
		/* two characters per pair, comma-separated: "11,12,91" */
		if (len == 0)
			return false;
		for (size_t i = 0; i < len; i += 3)
			if (i + 2 > len || (i + 2 < len && v[i + 2] != ','))
				return false;
		return true;
	}
	return false;
}

bool dgp_catalog_rule_check_args(const dgp_catalog_rule_t *rule, const char *args,
                                 dgp_arena_t *arena, const char **list, char *errstr,
                                 size_t errstr_size)
{
	char seen[8][16];
	int n_seen = 0;
	*list = NULL;
	for (const char *p = args ? args : ""; *p;) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		if (len > 0) {
			const char *eq = memchr(p, '=', len);
			if (!eq || eq == p) {
				snprintf(errstr, errstr_size, "argument \"%.*s\" is not key=value",
				         (int)len, p);
				return false;
			}
			size_t klen = (size_t)(eq - p);
			char key[16];
			if (!key_accepted(rule->args, p, klen) || klen >= sizeof(key)) {
				snprintf(errstr, errstr_size,
				         "rule %s does not take argument \"%.*s\" (it takes: %s)",
				         rule->name, (int)klen, p,
				         *rule->args ? rule->args : "none");
				return false;
			}
			memcpy(key, p, klen);
			key[klen] = '\0';
			for (int i = 0; i < n_seen; i++) {
				if (strcmp(seen[i], key) == 0) {
					snprintf(errstr, errstr_size, "argument %s is given twice",
					         key);
					return false;
				}
			}
			if (n_seen < 8)
				memcpy(seen[n_seen++], key, klen + 1);
			const char *v = eq + 1;
			size_t vlen = len - klen - 1;
			if (!value_ok(key, v, vlen)) {
				snprintf(errstr, errstr_size,
				         "invalid value \"%.*s\" for argument %s", (int)vlen, v,
				         key);
				return false;
			}
			if (strcmp(key, "list") == 0)
				*list = dgp_arena_memdup(arena, v, vlen);
		}
		if (!semi)
			break;
		p = semi + 1;
	}
	if (strcmp(rule->name, "code_list") == 0 && !*list) {
		snprintf(errstr, errstr_size, "rule code_list needs a list=NAME argument");
		return false;
	}
	return true;
}
