/*
 * dgp_cmd_gen.c — `dgp gen`: realistic department records for any catalog
 * resource, with controllable dirt and a ground-truth manifest.
 *
 *   person / entity index i (key offset + row) ─▶ natural key (unique per i)
 *   seed + i ─▶ attributes (name, birth date, address, …): the same person
 *              has the same attributes in every department's file, so files
 *              generated with one seed overlap like real departments do
 *   plan per row: fresh key | exact duplicate | changed re-send |
 *                 bad key | missing required value | impossible date
 *   ─▶ CSV / JSON lines, UTF-8 or GBK, plain or .gz
 *   ─▶ manifest: what dgp load must report and store, computed by replaying
 *      the plan through the same classification rules (first load into an
 *      empty database, and a reload of the same records afterwards)
 *
 * Identifiers are completed with dgp's own validators (the check character
 * is the one candidate the rule accepts), so the generator and the
 * normalisers cannot drift apart.
 */
#include <getopt.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dgp_catalog.h"
#include "dgp_catalog_schema.h"
#include "dgp_dedup.h"
#include "dgp_json.h"
#include "dgp_cmd.h"
#include "dgp_norm.h"
#include "dgp_sql.h"

/* ---- deterministic randomness ---------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* A value in [0, n) from (seed, entity, field, salt): stable per entity. */
static uint32_t pick(uint64_t seed, uint64_t entity, uint32_t field, uint32_t salt, uint32_t n)
{
	uint64_t h = mix(seed ^ mix(entity * 0x100000001B3ull ^ ((uint64_t)field << 32) ^ salt));
	return n ? (uint32_t)(h % n) : 0;
}

typedef struct rng {
	uint64_t s;
} rng_t;

static uint32_t rnd(rng_t *r, uint32_t n)
{
	r->s = mix(r->s);
	return n ? (uint32_t)(r->s % n) : 0;
}

static bool chance(rng_t *r, double p)
{
	return p > 0 && (double)rnd(r, 1000000) < p * 1000000.0;
}

/* ---- vocabularies ----------------------------------------------------- */

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐",   "孙",  "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许",   "韩",  "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜",   "叶",  "程", "魏", "吕",
    "丁", "任", "沈", "姚", "卢", "熊", "万", "喻", "汪", "夏", "欧阳", "司马"};
static const char *const given[] = {"伟",   "芳",   "娜",   "敏",   "静", "丽",   "强",   "磊",
                                    "军",   "洋",   "勇",   "艳",   "杰", "娟",   "涛",   "明",
                                    "超",   "秀英", "霞",   "平",   "刚", "桂英", "华",   "建国",
                                    "文",   "志强", "海燕", "红",   "晨", "睿",   "子涵", "欣怡",
                                    "浩然", "雨桐", "梓轩", "思远", "俊", "婷",   "慧",   "鹏"};
static const char *const districts[] = {"420106", "420102", "420103", "420104", "420105",
                                        "420107", "420111", "420112", "420113", "420114",
                                        "420115", "420116", "420117"};
static const char *const streets[] = {
    "中南路街道", "水果湖街道", "珞珈山街道", "积玉桥街道", "杨园街道",   "徐家棚街道", "粮道街道",
    "首义路街道", "紫阳街道",   "白沙洲街道", "南湖街道",   "黄鹤楼街道", "中华路街道", "石洞街道"};
static const char *const roads[] = {"中南路",   "武珞路", "中北路", "友谊大道", "和平大道",
                                    "民主路",   "解放路", "八一路", "珞喻路",   "徐东大街",
                                    "临江大道", "复兴路", "首义路", "紫阳路"};
static const char *const brands[] = {"楚天", "江城", "黄鹤", "长江", "光谷", "汉昌", "东湖",
                                     "珞珈", "荆楚", "晴川", "武昌", "知音", "九州", "鼎盛"};
static const char *const trades[] = {"科技",     "商贸",     "建设工程", "信息技术", "餐饮管理",
                                     "物业服务", "文化传媒", "医疗器械", "教育咨询", "物流"};
static const char *const forms[] = {"有限公司", "有限责任公司", "股份有限公司", "（集团）有限公司"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- generation context ---------------------------------------------- */

typedef struct gen {
	const dgp_catalog_t *cat;
	const dgp_catalog_resource_t *res;
	const dgp_schema_t *schema;
	uint64_t seed, key_offset;
	dgp_norm_ctx_t ctx;
	dgp_arena_t *arena;
	const dgp_norm_rule_t *r_idcard, *r_uscc, *r_orgcode;
	int change_field; /* non-key text-like field changed by re-sends, -1 none */
} gen_t;

static bool accepted(const dgp_norm_rule_t *r, const dgp_norm_ctx_t *ctx, const char *v)
{
	char out[256];
	dgp_norm_result_t res;
	return dgp_norm_apply(r, ctx, v, strlen(v), out, sizeof(out), &res) == DGP_REASON_OK;
}

/* Complete a 17-character body with the check character rule accepts. */
static void complete_check(const dgp_norm_rule_t *r, const dgp_norm_ctx_t *ctx, char *id,
                           size_t body, const char *alphabet)
{
	for (const char *c = alphabet; *c; c++) {
		id[body] = *c;
		id[body + 1] = '\0';
		if (accepted(r, ctx, id))
			return;
	}
	id[body] = '?'; /* cannot happen for a well-formed body */
}

/* Person i: unique 身份证号 for i < 13 × 29200 × 1000 (district × birth date × sequence). */
static void person_id(const gen_t *g, uint64_t i, char out[64], int *year, int *month, int *day)
{
	uint64_t seq = i % 1000, j = i / 1000;
	uint64_t day_index = j % 29200, district = (j / 29200) % NELEM(districts);
	/* 1940-01-01 + day_index days (1940-01-01 is day -10957 of the Unix epoch),
	 * by Howard Hinnant's civil-from-days arithmetic. */
	int64_t z = (int64_t)day_index - 10957 + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	*year = (int)y;
	*month = (int)m;
	*day = (int)d;
	snprintf(out, 64, "%s%04d%02u%02u%03u", districts[district], (int)y % 10000, m, d,
	         (unsigned)seq);
	complete_check(g->r_idcard, &g->ctx, out, 17, "0123456789X");
}

/* Entity i: a 统一社会信用代码 (企业 91, 420106) around a valid 组织机构代码. */
static void entity_id(const gen_t *g, uint64_t i, char out[64])
{
	static const char a36[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	char org[10];
	uint64_t v = i + 1000;
	for (int k = 7; k >= 0; k--) {
		org[k] = a36[v % 31];
		v /= 31;
	}
	complete_check(g->r_orgcode, &g->ctx, org, 8, "0123456789X");
	snprintf(out, 64, "91%s%.9s", districts[i % NELEM(districts)], org);
	complete_check(g->r_uscc, &g->ctx, out, 17, a36);
}

static const char *person_name(const gen_t *g, uint64_t e, uint32_t f)
{
	const char *s = surnames[pick(g->seed, e, f, 1, NELEM(surnames))];
	const char *a = given[pick(g->seed, e, f, 2, NELEM(given))];
	const char *b =
	    pick(g->seed, e, f, 3, 3) ? given[pick(g->seed, e, f, 4, NELEM(given))] : "";
	return dgp_arena_sprintf(g->arena, "%s%s%s", s, a, b);
}

static const char *address(const gen_t *g, uint64_t e, uint32_t f)
{
	return dgp_arena_sprintf(g->arena, "湖北省武汉市武昌区%s%s%u号%u栋%u室",
	                         streets[pick(g->seed, e, f, 1, NELEM(streets))],
	                         roads[pick(g->seed, e, f, 2, NELEM(roads))],
	                         1 + pick(g->seed, e, f, 3, 400), 1 + pick(g->seed, e, f, 4, 30),
	                         101 + pick(g->seed, e, f, 5, 2000));
}

static const char *org_name(const gen_t *g, uint64_t e, uint32_t f)
{
	return dgp_arena_sprintf(g->arena, "武汉%s%s%s",
	                         brands[pick(g->seed, e, f, 1, NELEM(brands))],
	                         trades[pick(g->seed, e, f, 2, NELEM(trades))],
	                         forms[pick(g->seed, e, f, 3, NELEM(forms))]);
}

static bool src_has(const dgp_field_spec_t *f, const char *suffix)
{
	size_t n = strlen(f->source_name), m = strlen(suffix);
	return n >= m && strcmp(f->source_name + n - m, suffix) == 0;
}

/* Cut s to at most max characters (UTF-8 aware). */
static const char *fit(const gen_t *g, const char *s, uint32_t max)
{
	if (!max)
		return s;
	size_t i = 0, chars = 0;
	while (s[i] && chars < max) {
		unsigned char c = (unsigned char)s[i];
		i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		chars++;
	}
	return s[i] ? dgp_arena_memdup(g->arena, s, i) : s;
}

/* A valid raw value of field fi for entity e (version v > 0 changes text-like fields). */
static const char *field_value(const gen_t *g, size_t fi, uint64_t e, unsigned version)
{
	const dgp_field_spec_t *f = &g->schema->fields[fi];
	const dgp_catalog_field_t *cf = &g->res->fields[fi];
	const char *rule = f->rule->name;
	uint32_t F = (uint32_t)fi;
	char buf[64];
	int y, m, d;
	const char *v;

	if (strcmp(rule, "idcard") == 0) {
		char id[64];
		person_id(g, e, id, &y, &m, &d);
		return dgp_arena_strdup(g->arena, id);
	}
	if (strcmp(rule, "uscc") == 0) {
		char id[64];
		entity_id(g, e, id);
		return dgp_arena_strdup(g->arena, id);
	}
	if (strcmp(rule, "orgcode") == 0) {
		char id[64];
		entity_id(g, e, id);
		return dgp_arena_sprintf(g->arena, "%.8s-%c", id + 8, id[16]);
	}
	if (strcmp(rule, "date") == 0) {
		if (src_has(f, "CSRQ") && g->schema->base == DGP_BASE_PERSON) {
			char id[64];
			person_id(g, e, id, &y, &m, &d);
		} else {
			y = 1990 + (int)pick(g->seed, e, F, 1, 35);
			m = 1 + (int)pick(g->seed, e, F, 2, 12);
			d = 1 + (int)pick(g->seed, e, F, 3, 28);
		}
		if (y * 10000 + m * 100 + d > g->ctx.today)
			y = g->ctx.today / 10000 - 1;
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
		return dgp_arena_strdup(g->arena, buf);
	}
	if (strcmp(rule, "datetime") == 0)
		return dgp_arena_sprintf(g->arena, "%04u-%02u-%02u %02u:%02u:%02u",
		                         2015 + pick(g->seed, e, F, 1, 10),
		                         1 + pick(g->seed, e, F, 2, 12),
		                         1 + pick(g->seed, e, F, 3, 28), pick(g->seed, e, F, 4, 24),
		                         pick(g->seed, e, F, 5, 60), pick(g->seed, e, F, 6, 60));
	if (strcmp(rule, "mobile") == 0 || strcmp(rule, "phone") == 0)
		return dgp_arena_sprintf(g->arena, "1%u%09u", 3 + pick(g->seed, e, F, 1, 7),
		                         pick(g->seed, e, F, 2, 1000000000));
	if (strcmp(rule, "gender") == 0) {
		if (g->schema->base == DGP_BASE_PERSON) {
			char id[64];
			person_id(g, e, id, &y, &m, &d);
			return (id[16] - '0') % 2 ? "1" : "2";
		}
		return pick(g->seed, e, F, 1, 2) ? "1" : "2";
	}
	if (strcmp(rule, "ethnicity") == 0) {
		uint32_t k = pick(g->seed, e, F, 1, 100);
		return dgp_arena_sprintf(g->arena, "%02u", k < 92 ? 1 : 2 + k % 55);
	}
	if (strcmp(rule, "region") == 0)
		return districts[pick(g->seed, e, F, 1, NELEM(districts))];
	if (strcmp(rule, "code_list") == 0) {
		const dgp_catalog_code_list_t *cl = cf->code_list;
		if (!cl || !cl->n_codes)
			return "";
		return cl->codes[pick(g->seed, e, F, version, (uint32_t)cl->n_codes)].code;
	}
	if (strcmp(rule, "integer") == 0) {
		int64_t lo = f->rule->has_range ? f->rule->min : 0;
		int64_t hi = f->rule->has_range ? f->rule->max : 10000;
		uint64_t span = (uint64_t)(hi - lo) + 1;
		return dgp_arena_sprintf(g->arena, "%lld",
		                         (long long)(lo + (int64_t)(mix(g->seed ^ e ^ F) % span)));
	}
	if (strcmp(rule, "decimal") == 0) {
		if (!f->rule->scale)
			return dgp_arena_sprintf(g->arena, "%u", pick(g->seed, e, F, 1, 100000));
		return dgp_arena_sprintf(g->arena, "%u.%0*u", pick(g->seed, e, F, 1, 100000),
		                         f->rule->scale, pick(g->seed, e, F, 2, 10));
	}
	if (strcmp(rule, "money") == 0)
		return dgp_arena_sprintf(g->arena, "%u万元人民币",
		                         10 + pick(g->seed, e, F, 1, 5000));
	if (strcmp(rule, "person_name") == 0)
		v = person_name(g, e, F);
	else if (strcmp(rule, "org_name") == 0)
		v = org_name(g, e, F);
	else if (src_has(f, "DZ") || strstr(f->name, "地址") || strstr(f->name, "住所"))
		v = address(g, e, F);
	else if (f->key)
		return dgp_arena_sprintf(g->arena, "K%09llu",
		                         (unsigned long long)(e + 1)); /* never cut */
	else
		v = dgp_arena_sprintf(g->arena, "%s%u", f->name, 1 + pick(g->seed, e, F, 1, 9999));
	uint32_t max = f->rule->max_chars ? f->rule->max_chars : (uint32_t)cf->length;
	if (!version)
		return fit(g, v, max);
	/* Room for the version suffix, so a re-send always differs. */
	return dgp_arena_sprintf(g->arena, "%s%u", fit(g, v, max > 8 ? max - 4 : max), version);
}

/* ---- cosmetic dirt (normalises to the same value) --------------------- */

static const char *fullwidth(const gen_t *g, const char *s)
{
	dgp_buf_t b = {0};
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x21 && c <= 0x7E) {
			unsigned cp = c + 0xFEE0u;
			char u[3] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)),
			             (char)(0x80 | (cp & 0x3F))};
			dgp_buf_append(&b, u, 3);
		} else {
			dgp_buf_append(&b, p, 1);
		}
	}
	const char *out = dgp_arena_memdup(g->arena, b.p, b.len);
	dgp_buf_free(&b);
	return out;
}

static const char *dirty(const gen_t *g, size_t fi, const char *v, rng_t *r)
{
	const char *rule = g->schema->fields[fi].rule->name;
	size_t n = strlen(v);
	if (strcmp(rule, "idcard") == 0 && n == 18) {
		switch (rnd(r, 3)) {
		case 0: /* 15-digit form, when born in the 1900s */
			if (v[6] == '1' && v[7] == '9')
				return dgp_arena_sprintf(g->arena, "%.6s%.9s", v, v + 8);
			return v;
		case 1:
			return fullwidth(g, v);
		default:
			return v[17] == 'X' ? dgp_arena_sprintf(g->arena, "%.17sx", v)
			                    : dgp_arena_sprintf(g->arena, " %s ", v);
		}
	}
	if (strcmp(rule, "uscc") == 0)
		return dgp_arena_sprintf(g->arena, " %s", fullwidth(g, v));
	if (strcmp(rule, "date") == 0 && n == 10) {
		int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
		switch (rnd(r, 3)) {
		case 0:
			return dgp_arena_sprintf(g->arena, "%d年%d月%d日", y, m, d);
		case 1:
			return dgp_arena_sprintf(g->arena, "%d/%d/%d", y, m, d);
		default:
			return dgp_arena_sprintf(g->arena, "%04d%02d%02d", y, m, d);
		}
	}
	if ((strcmp(rule, "mobile") == 0 || strcmp(rule, "phone") == 0) && n == 11)
		return dgp_arena_sprintf(g->arena, "+86 %.3s-%.4s-%.4s", v, v + 3, v + 7);
	return v;
}

/* ---- the plan and its replay ------------------------------------------ */

typedef enum kind {
	ROW_FRESH,    /* first occurrence of a new key */
	ROW_DUP,      /* exact re-send of the key's latest version */
	ROW_CHANGE,   /* re-send with a changed non-key field */
	ROW_BAD_KEY,  /* key fails its check character (or is blank) */
	ROW_MISSING,  /* a required non-key field is blank */
	ROW_BAD_DATE, /* an impossible date in a required date field */
} kind_t;

typedef struct opts {
	uint64_t rows;
	uint64_t batch_rows; /* batch.max.rows: in-file versions collapse per batch */
	double dup, change, bad_key, missing, bad_date, dirt, bad_optional;
} opts_t;

typedef struct tally {
	uint64_t read, cls[4], rejected, by_reason[DGP_REASON__COUNT], field_rejects;
	uint64_t unique_keys;
} tally_t;

/* Fields of a kind: first required non-key field with a rule, -1 when none. */
static int first_field(const gen_t *g, const char *rule, bool required)
{
	for (size_t i = 0; i < g->schema->nfields; i++) {
		const dgp_field_spec_t *f = &g->schema->fields[i];
		if (f->key || f->required != required)
			continue;
		if (!rule || strcmp(f->rule->name, rule) == 0)
			return (int)i;
	}
	return -1;
}

static int changeable_field(const gen_t *g)
{
	static const char *const rules[] = {"text", "person_name", "org_name"};
	for (size_t i = 0; i < g->schema->nfields; i++) {
		const dgp_field_spec_t *f = &g->schema->fields[i];
		if (f->key || f->base_column)
			continue; /* keep golden columns stable across re-sends */
		for (size_t r = 0; r < NELEM(rules); r++)
			if (strcmp(f->rule->name, rules[r]) == 0)
				return (int)i;
	}
	return -1;
}

/* An optional field whose rule rejects "??", for field-level rejects. */
static int bad_optional_field(const gen_t *g)
{
	static const char *const rules[] = {"mobile", "phone", "date", "region", "integer"};
	for (size_t i = 0; i < g->schema->nfields; i++) {
		const dgp_field_spec_t *f = &g->schema->fields[i];
		if (f->key || f->required)
			continue;
		for (size_t r = 0; r < NELEM(rules); r++)
			if (strcmp(f->rule->name, rules[r]) == 0)
				return (int)i;
	}
	return -1;
}

typedef struct out {
	gzFile gz;
	FILE *f;
	bool csv;
	iconv_t cd; /* (iconv_t)-1 for UTF-8 */
	dgp_buf_t line, conv;
} out_t;

static void put_csv(dgp_buf_t *b, const char *v)
{
	bool quote = strpbrk(v, ",\"\r\n") != NULL;
	if (!quote) {
		dgp_buf_append(b, v, strlen(v));
		return;
	}
	dgp_buf_append(b, "\"", 1);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			dgp_buf_append(b, "\"", 1);
		dgp_buf_append(b, p, 1);
	}
	dgp_buf_append(b, "\"", 1);
}

static bool emit(out_t *o, const char *data, size_t n)
{
	if (o->cd != (iconv_t)-1) {
		o->conv.len = 0;
		dgp_buf_reserve(&o->conv, 2 * n + 16);
		char *in = (char *)data, *outp = o->conv.p;
		size_t inl = n, outl = o->conv.cap - 1;
		if (iconv(o->cd, &in, &inl, &outp, &outl) == (size_t)-1)
			return false;
		data = o->conv.p;
		n = (size_t)(outp - o->conv.p);
	}
	if (o->gz)
		return gzwrite(o->gz, data, (unsigned)n) == (int)n;
	return fwrite(data, 1, n, o->f) == n;
}

static bool write_row(out_t *o, const gen_t *g, const char *const *vals)
{
	dgp_buf_t *b = &o->line;
	b->len = 0;
	for (size_t i = 0; i < g->schema->nfields; i++) {
		if (o->csv) {
			if (i)
				dgp_buf_append(b, ",", 1);
			put_csv(b, vals[i] ? vals[i] : "");
		} else if (vals[i]) {
			dgp_buf_append(b, b->len ? "," : "{", 1);
			dgp_json_buf_string(b, g->schema->fields[i].source_name);
			dgp_buf_append(b, ":", 1);
			dgp_json_buf_string(b, vals[i]);
		}
	}
	if (!o->csv)
		dgp_buf_append(b, b->len ? "}" : "{}", b->len ? 1 : 2);
	dgp_buf_append(b, "\n", 1);
	return emit(o, b->p, b->len);
}

/* Per key: version of the latest accepted record, and whether it was seen this run. */
typedef struct keystate {
	unsigned version;
	bool seen;
} keystate_t;

static void classify(tally_t *t, keystate_t *k, unsigned version, bool before_run, unsigned prior)
{
	int cls;
	if (k->seen)
		cls = version == k->version ? DGP_DEDUP_DUPLICATE : DGP_DEDUP_CHANGED;
	else if (before_run)
		cls = version == prior ? DGP_DEDUP_UNCHANGED : DGP_DEDUP_CHANGED;
	else
		cls = DGP_DEDUP_NEW;
	k->seen = true;
	k->version = version;
	t->cls[cls]++;
}

/*
 * One load of the logged rows in batches of batch_rows records (rejects
 * included, as dgp_batch_full counts them): per batch, the last version of
 * each key is classified against the keys' state and every earlier record
 * of it counts DUPLICATE, as dgp_batch does.  before_run: the keys' prior
 * versions (the first load's result) are in PostgreSQL already.  last is
 * scratch, one slot per key index.
 */
static void tally_load(tally_t *t, keystate_t *ks, const int64_t *log_key, const unsigned *log_ver,
                       uint64_t rows, uint64_t batch_rows, const keystate_t *prior, uint64_t *last)
{
	for (uint64_t b0 = 0; b0 < rows; b0 += batch_rows) {
		uint64_t b1 = rows - b0 > batch_rows ? b0 + batch_rows : rows;
		for (uint64_t row = b0; row < b1; row++)
			if (log_key[row] >= 0)
				last[log_key[row]] = row;
		for (uint64_t row = b0; row < b1; row++) {
			int64_t k = log_key[row];
			if (k < 0)
				continue;
			if (last[k] != row)
				t->cls[DGP_DEDUP_DUPLICATE]++;
			else
				classify(t, &ks[k], log_ver[row], prior != NULL,
				         prior ? prior[k].version : 0);
		}
	}
}

static void print_tally(FILE *f, const char *name, const tally_t *t, bool last)
{
	fprintf(
	    f,
	    "    \"%s\": {\"read\": %llu, \"new\": %llu, \"changed\": %llu, \"unchanged\": %llu, "
	    "\"duplicate\": %llu, \"rejected\": %llu, \"field_rejects\": %llu, "
	    "\"rejected_by_reason\": {",
	    name, (unsigned long long)t->read, (unsigned long long)t->cls[DGP_DEDUP_NEW],
	    (unsigned long long)t->cls[DGP_DEDUP_CHANGED],
	    (unsigned long long)t->cls[DGP_DEDUP_UNCHANGED],
	    (unsigned long long)t->cls[DGP_DEDUP_DUPLICATE], (unsigned long long)t->rejected,
	    (unsigned long long)t->field_rejects);
	bool first = true;
	for (int i = 1; i < DGP_REASON__COUNT; i++) {
		if (!t->by_reason[i])
			continue;
		fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", dgp_reason_name((dgp_reason_t)i),
		        (unsigned long long)t->by_reason[i]);
		first = false;
	}
	fprintf(f, "}}%s\n", last ? "" : ",");
}

static int generate(gen_t *g, const opts_t *op, out_t *o, FILE *manifest, const char *out_path)
{
	rng_t r = {g->seed ^ 0xD6E8FEB86659FD93ull};
	size_t nf = g->schema->nfields;
	const char **vals = dgp_xcalloc(nf + 1, sizeof(*vals));
	uint64_t cap = op->rows + 1, nkeys = 0;
	unsigned *versions = dgp_xcalloc(cap, sizeof(*versions)); /* latest version per key index */
	unsigned char *badopt = dgp_xcalloc(cap, 1); /* key's records carry a bad optional value */
	keystate_t *first = dgp_xcalloc(cap, sizeof(*first)),
	           *again = dgp_xcalloc(cap, sizeof(*again));
	tally_t t1 = {0}, t2 = {0};
	int missing_f = first_field(g, NULL, true), date_f = first_field(g, "date", true);
	int badopt_f = bad_optional_field(g);
	dgp_reason_t badopt_reason = DGP_REASON_OK;
	if (badopt_f >= 0) {
		char scratch[64];
		dgp_norm_result_t nr;
		badopt_reason = dgp_norm_apply(g->schema->fields[badopt_f].rule, &g->ctx, "??", 2,
		                               scratch, sizeof(scratch), &nr);
	}
	int key0 = (int)g->schema->key_fields[0];
	bool key_checked = strcmp(g->schema->fields[key0].rule->name, "idcard") == 0 ||
	                   strcmp(g->schema->fields[key0].rule->name, "uscc") == 0;
	/* replay log for the reload: key index (or -1 reject) and version per row */
	int64_t *log_key = dgp_xcalloc(cap, sizeof(*log_key));
	unsigned *log_ver = dgp_xcalloc(cap, sizeof(*log_ver));
	bool ok = true;

	if (o->csv) {
		dgp_buf_t *b = &o->line;
		b->len = 0;
		for (size_t i = 0; i < nf; i++) {
			if (i)
				dgp_buf_append(b, ",", 1);
			dgp_buf_append(b, g->schema->fields[i].source_name,
			               strlen(g->schema->fields[i].source_name));
		}
		dgp_buf_append(b, "\n", 1);
		ok = emit(o, b->p, b->len);
	}
	for (uint64_t row = 0; row < op->rows && ok; row++) {
		dgp_arena_reset(g->arena);
		kind_t kind = ROW_FRESH;
		double x = (double)rnd(&r, 1000000) / 1000000.0;
		if (nkeys && x < op->dup)
			kind = ROW_DUP;
		else if (nkeys && g->change_field >= 0 && x < op->dup + op->change)
			kind = ROW_CHANGE;
		else if (x < op->dup + op->change + op->bad_key)
			kind = ROW_BAD_KEY;
		else if (missing_f >= 0 && x < op->dup + op->change + op->bad_key + op->missing)
			kind = ROW_MISSING;
		else if (date_f >= 0 &&
		         x < op->dup + op->change + op->bad_key + op->missing + op->bad_date)
			kind = ROW_BAD_DATE;

		uint64_t k =
		    (kind == ROW_DUP || kind == ROW_CHANGE) ? rnd(&r, (uint32_t)nkeys) : nkeys;
		if (kind == ROW_CHANGE)
			versions[k]++;
		uint64_t entity = g->key_offset + k;
		for (size_t i = 0; i < nf; i++) {
			const dgp_field_spec_t *f = &g->schema->fields[i];
			unsigned v = (int)i == g->change_field ? versions[k] : 0;
			bool present = f->required || f->key || (int)i == g->change_field ||
			               pick(g->seed, entity, (uint32_t)i, 99, 10) < 7;
			vals[i] = present ? field_value(g, i, entity, v) : NULL;
			if (vals[i] && chance(&r, op->dirt))
				vals[i] = dirty(g, i, vals[i], &r);
		}
		dgp_reason_t reject = DGP_REASON_OK;
		switch (kind) {
		case ROW_BAD_KEY:
			if (key_checked) {
				/* Any other check character: the rule must say checksum. */
				char *bad = dgp_arena_strdup(
				    g->arena, field_value(g, (size_t)key0, entity, 0));
				bad[17] = bad[17] == '0' ? '1' : '0';
				vals[key0] = bad;
				reject = DGP_REASON_CHECKSUM;
			} else {
				vals[key0] = "";
				reject = DGP_REASON_EMPTY;
			}
			break;
		case ROW_MISSING:
			vals[missing_f] = "";
			reject = DGP_REASON_EMPTY;
			break;
		case ROW_BAD_DATE:
			vals[date_f] = "2023-02-29";
			reject = DGP_REASON_DATE;
			break;
		case ROW_FRESH:
			if (badopt_f >= 0 && chance(&r, op->bad_optional))
				badopt[k] = 1;
			break;
		default:
			break;
		}
		if (badopt_f >= 0 && reject == DGP_REASON_OK && badopt[k])
			vals[badopt_f] = "??";
		ok = write_row(o, g, vals);

		t1.read++;
		t2.read++;
		if (reject != DGP_REASON_OK) {
			t1.rejected++;
			t1.by_reason[reject]++;
			t2.rejected++;
			t2.by_reason[reject]++;
			log_key[row] = -1;
			continue;
		}
		if (badopt[k]) {
			t1.field_rejects++;
			t1.by_reason[badopt_reason]++;
			t2.field_rejects++;
			t2.by_reason[badopt_reason]++;
		}
		if (kind == ROW_FRESH)
			nkeys++;
		log_key[row] = (int64_t)k;
		log_ver[row] = versions[k];
	}
	/* The first load into an empty database, then the reload of the same
	 * rows against the state the first load left. */
	uint64_t *last = dgp_xcalloc(cap, sizeof(*last));
	uint64_t batch_rows = op->batch_rows ? op->batch_rows : 1;
	tally_load(&t1, first, log_key, log_ver, op->rows, batch_rows, NULL, last);
	tally_load(&t2, again, log_key, log_ver, op->rows, batch_rows, first, last);
	free(last);
	t1.unique_keys = t2.unique_keys = nkeys;

	if (ok && manifest) {
		fprintf(manifest, "{\n  \"resource\": \"%s\",\n  \"table\": \"dgp_src.%s\",\n",
		        g->res->code, g->schema->table);
		fprintf(manifest, "  \"file\": \"%s\",\n  \"rows\": %llu,\n  \"seed\": %llu,\n",
		        out_path, (unsigned long long)op->rows, (unsigned long long)g->seed);
		fprintf(manifest, "  \"key_offset\": %llu,\n  \"unique_keys\": %llu,\n",
		        (unsigned long long)g->key_offset, (unsigned long long)nkeys);
		fprintf(manifest, "  \"base\": \"%s\",\n  \"expected\": {\n",
		        g->schema->base == DGP_BASE_PERSON         ? "person"
		        : g->schema->base == DGP_BASE_LEGAL_ENTITY ? "legal_entity"
		                                                   : "none");
		print_tally(manifest, "first_load", &t1, false);
		print_tally(manifest, "reload", &t2, true);
		fprintf(manifest, "  }\n}\n");
	}
	free(vals);
	free(versions);
	free(badopt);
	free(first);
	free(again);
	free(log_key);
	free(log_ver);
	return ok ? DGP_EXIT_OK : DGP_EXIT_FAIL;
}

int dgp_cmd_gen(dgp_cli_t *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"resource", required_argument, NULL, 'r'},
	    {"rows", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, 's'},
	    {"out", required_argument, NULL, 'o'},
	    {"manifest", required_argument, NULL, 'm'},
	    {"format", required_argument, NULL, 'f'},
	    {"encoding", required_argument, NULL, 'e'},
	    {"key-offset", required_argument, NULL, 'k'},
	    {"catalog", required_argument, NULL, 'C'},
	    {"dup-rate", required_argument, NULL, 1},
	    {"change-rate", required_argument, NULL, 2},
	    {"bad-key-rate", required_argument, NULL, 3},
	    {"missing-rate", required_argument, NULL, 4},
	    {"bad-date-rate", required_argument, NULL, 5},
	    {"dirt-rate", required_argument, NULL, 6},
	    {"bad-optional-rate", required_argument, NULL, 7},
	    {NULL, 0, NULL, 0},
	};
	opts_t op = {.rows = 1000, .batch_rows = (uint64_t)cli->cfg->batch_max_rows};
	const char *code = NULL, *out_path = NULL, *manifest_path = NULL, *format = NULL;
	const char *encoding = NULL, *catalog_dir = NULL;
	uint64_t seed = 1, key_offset = 0;
	int c, li = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:n:s:o:m:f:e:k:", longopts, &li)) != -1) {
		double *rate = NULL;
		uint64_t *count = NULL;
		switch (c) {
		case 'r':
			code = optarg;
			break;
		case 'n':
			count = &op.rows;
			break;
		case 's':
			count = &seed;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'm':
			manifest_path = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'e':
			encoding = optarg;
			break;
		case 'k':
			count = &key_offset;
			break;
		case 'C':
			catalog_dir = optarg;
			break;
		case 1:
			rate = &op.dup;
			break;
		case 2:
			rate = &op.change;
			break;
		case 3:
			rate = &op.bad_key;
			break;
		case 4:
			rate = &op.missing;
			break;
		case 5:
			rate = &op.bad_date;
			break;
		case 6:
			rate = &op.dirt;
			break;
		case 7:
			rate = &op.bad_optional;
			break;
		default:
			return DGP_EXIT_USAGE;
		}
		/* the rates are long options only, so li names them */
		if (rate && !dgp_cli_opt_real("gen", longopts[li].name, optarg, 0, 1, rate))
			return DGP_EXIT_USAGE;
		if (count) {
			int64_t v;
			const char *name = c == 'n' ? "rows" : c == 's' ? "seed" : "key-offset";
			if (!dgp_cli_opt_int("gen", name, optarg, 0, INT64_MAX, &v))
				return DGP_EXIT_USAGE;
			*count = (uint64_t)v;
		}
	}
	if (!code || !out_path || optind != argc) {
		dgp_cli_err("gen",
		            "--resource CODE and --out FILE are required (try \"dgp gen --help\")");
		return DGP_EXIT_USAGE;
	}
	if (op.dup + op.change + op.bad_key + op.missing + op.bad_date > 1) {
		dgp_cli_err(
		    "gen",
		    "dup, change, bad-key, missing and bad-date rates add up to more than 1");
		return DGP_EXIT_USAGE;
	}
	dgp_catalog_t *cat;
	if (dgp_cli_load_catalog(cli, "gen", catalog_dir, &cat) != DGP_EXIT_OK)
		return DGP_EXIT_FAIL;
	const dgp_catalog_resource_t *res = dgp_catalog_find_resource(cat, code);
	if (!res) {
		dgp_cli_err("gen", "no resource %s in the catalog", code);
		dgp_catalog_destroy(cat);
		return DGP_EXIT_FAIL;
	}
	dgp_arena_t *schema_arena = dgp_arena_new(0);
	gen_t g = {.cat = cat, .res = res, .seed = seed, .key_offset = key_offset};
	g.ctx = dgp_norm_ctx_now((int32_t)cli->cfg->norm_utc_offset_minutes);
	char err[1024];
	if (dgp_catalog_schema_build(cat, res, schema_arena, &g.schema, err, sizeof(err)) !=
	        DGP_OK ||
	    dgp_norm_rule_compile("idcard", NULL, schema_arena, NULL, NULL, &g.r_idcard, err,
	                          sizeof(err)) != DGP_OK ||
	    dgp_norm_rule_compile("uscc", NULL, schema_arena, NULL, NULL, &g.r_uscc, err,
	                          sizeof(err)) != DGP_OK ||
	    dgp_norm_rule_compile("orgcode", NULL, schema_arena, NULL, NULL, &g.r_orgcode, err,
	                          sizeof(err)) != DGP_OK) {
		dgp_cli_err("gen", "%s", err);
		dgp_arena_destroy(schema_arena);
		dgp_catalog_destroy(cat);
		return DGP_EXIT_FAIL;
	}
	g.arena = dgp_arena_new(0);
	g.change_field = changeable_field(&g);

	char base[4096];
	snprintf(base, sizeof(base), "%s", out_path);
	bool gz = strlen(base) > 3 && strcmp(base + strlen(base) - 3, ".gz") == 0;
	if (gz)
		base[strlen(base) - 3] = '\0';
	out_t o = {.cd = (iconv_t)-1};
	o.csv = format ? strcmp(format, "csv") == 0
	               : !(strstr(base, ".jsonl") || strstr(base, ".json"));
	if (format && !o.csv && strcmp(format, "jsonl") != 0) {
		dgp_cli_err("gen", "--format is csv or jsonl, not \"%s\"", format);
		return DGP_EXIT_USAGE;
	}
	const char *enc = encoding ? encoding : dgp_catalog_encoding_name(res->encoding);
	if (strcasecmp(enc, "UTF-8") != 0 && strcasecmp(enc, "UTF8") != 0) {
		o.cd = iconv_open(enc, "UTF-8");
		if (o.cd == (iconv_t)-1) {
			dgp_cli_err("gen", "unknown encoding \"%s\"", enc);
			return DGP_EXIT_USAGE;
		}
	}
	if (gz)
		o.gz = gzopen(out_path, "wb6");
	else
		o.f = fopen(out_path, "wb");
	FILE *mf = manifest_path ? fopen(manifest_path, "w") : NULL;
	int rc;
	if ((gz && !o.gz) || (!gz && !o.f) || (manifest_path && !mf)) {
		dgp_cli_err("gen", "could not create %s",
		            (manifest_path && !mf) ? manifest_path : out_path);
		rc = DGP_EXIT_FAIL;
	} else {
		rc = generate(&g, &op, &o, mf, out_path);
		if (rc != DGP_EXIT_OK)
			dgp_cli_err("gen", "writing %s failed", out_path);
	}
	if (o.gz && gzclose(o.gz) != Z_OK)
		rc = DGP_EXIT_FAIL;
	if (o.f && fclose(o.f) != 0)
		rc = DGP_EXIT_FAIL;
	if (mf && fclose(mf) != 0)
		rc = DGP_EXIT_FAIL;
	if (o.cd != (iconv_t)-1)
		iconv_close(o.cd);
	dgp_buf_free(&o.line);
	dgp_buf_free(&o.conv);
	dgp_arena_destroy(g.arena);
	dgp_arena_destroy(schema_arena);
	dgp_catalog_destroy(cat);
	return rc;
}
