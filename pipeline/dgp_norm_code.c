/*
 * dgp_norm_code.c — code rules: gender (GB/T 2261.1), ethnicity (GB/T 3304)
 * and catalog code lists (dgp_codelist_*).
 *
 *   in ─dgp_norm_prep (fold full-width, trim)─▶ match a code or a label ─▶ out: the code
 *                                                └─ no match ─▶ not_in_list
 *
 * gender accepts the codes 0 1 2 9 and the names 男 / 男性, 女 / 女性,
 * 未知 / 未知的性别 / 未知性别, 未说明 / 未说明的性别 / 未说明性别, and the
 * English M / F / MALE / FEMALE (any case) → "0" | "1" | "2" | "9".
 *
 * ethnicity accepts the 56 GB/T 3304 codes as 01–56 or 1–9 without the
 * leading zero, the names with or without 族 (汉族, 汉, 土家族, 土家), and
 * the two-letter romanisation codes in any case (HA, ug) → "01"–"56".
 * 97 其他 / 98 外国血统 are not in GB/T 3304 (STANDARDS.md §4 [U]) and give
 * not_in_list; a catalog that wants them uses a code_list.
 *
 * code_list matches a code or a label of rule->list exactly after the same
 * fold-and-trim (a value already in the list's form is looked up first,
 * without the prep); the output is the code.  Lists are open-addressing hash
 * tables in the catalog's arena, built once, read-only afterwards (so any
 * number of threads may look up concurrently).
 */
#include "dgp_norm.h"
#include "dgp_norm_prep.h"

#define CODE_BUF 256 /* longer non-ASCII input matches no code or label */

static dgp_reason_t emit_code(char *out, size_t out_cap, dgp_norm_result_t *res, uint32_t flags,
                              const char *code, size_t n)
{
	if (n > out_cap)
		return dgp_norm_reject(res, DGP_REASON_TOO_LONG);
	memcpy(out, code, n);
	*res = (dgp_norm_result_t){.len = n, .flags = flags};
	return DGP_REASON_OK;
}

/* s[0..n) equals the ASCII word w (upper case) ignoring case. */
static bool ascii_ieq(const char *s, size_t n, const char *w)
{
	size_t i = 0;
	for (; i < n && w[i]; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (c != w[i])
			return false;
	}
	return i == n && !w[i];
}

static bool eq(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	return n == wl && memcmp(s, w, n) == 0;
}

/* ---- gender ---------------------------------------------------------- */

static const struct {
	const char *word;
	char code;
} gender_words[] = {
    {"男", '1'},           {"女", '2'},         {"男性", '1'},     {"女性", '2'},
    {"未知", '0'},         {"未知的性别", '0'}, {"未知性别", '0'}, {"未说明", '9'},
    {"未说明的性别", '9'}, {"未说明性别", '9'},
};

dgp_reason_t dgp_norm_gender(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                             size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	(void)rule;
	(void)ctx;
	/* the usual spellings first: 1, 2, 男, 女 */
	if (len == 1 && (in[0] == '1' || in[0] == '2'))
		return emit_code(out, out_cap, res, 0, in, 1);
	if (len == 3 && (memcmp(in, "男", 3) == 0 || memcmp(in, "女", 3) == 0))
		return emit_code(out, out_cap, res, 0, (unsigned char)in[2] == 0xB7 ? "1" : "2", 1);
	char buf[CODE_BUF];
	const char *s;
	size_t n;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	char code = 0;
	if (n == 1 && (s[0] == '0' || s[0] == '1' || s[0] == '2' || s[0] == '9'))
		code = s[0];
	else if (ascii_ieq(s, n, "M") || ascii_ieq(s, n, "MALE"))
		code = '1';
	else if (ascii_ieq(s, n, "F") || ascii_ieq(s, n, "FEMALE"))
		code = '2';
	for (size_t k = 0; !code && k < sizeof(gender_words) / sizeof(gender_words[0]); k++)
		if (eq(s, n, gender_words[k].word))
			code = gender_words[k].code;
	if (!code)
		return dgp_norm_reject(res, DGP_REASON_NOT_IN_LIST);
	return emit_code(out, out_cap, res, flags, &code, 1);
}

/* ---- ethnicity --------------------------------------------------------- */

/* GB/T 3304-1991, in code order (index + 1 = code); names without 族. */
#define E(name, letters)                                                                           \
	{                                                                                          \
		name, sizeof(name) - 1, letters                                                    \
	}
static const struct {
	const char *name;
	size_t len;
	char letters[3];
} ethnic[56] = {
    E("汉", "HA"),       E("蒙古", "MG"),   E("回", "HU"),       E("藏", "ZA"),
    E("维吾尔", "UG"),   E("苗", "MH"),     E("彝", "YI"),       E("壮", "ZH"),
    E("布依", "BY"),     E("朝鲜", "CS"),   E("满", "MA"),       E("侗", "DO"),
    E("瑶", "YA"),       E("白", "BA"),     E("土家", "TJ"),     E("哈尼", "HN"),
    E("哈萨克", "KZ"),   E("傣", "DA"),     E("黎", "LI"),       E("傈僳", "LS"),
    E("佤", "VA"),       E("畲", "SH"),     E("高山", "GS"),     E("拉祜", "LH"),
    E("水", "SU"),       E("东乡", "DX"),   E("纳西", "NX"),     E("景颇", "JP"),
    E("柯尔克孜", "KG"), E("土", "TU"),     E("达斡尔", "DU"),   E("仫佬", "ML"),
    E("羌", "QI"),       E("布朗", "BL"),   E("撒拉", "SL"),     E("毛南", "MN"),
    E("仡佬", "GL"),     E("锡伯", "XB"),   E("阿昌", "AC"),     E("普米", "PM"),
    E("塔吉克", "TA"),   E("怒", "NU"),     E("乌孜别克", "UZ"), E("俄罗斯", "RS"),
    E("鄂温克", "EW"),   E("德昂", "DE"),   E("保安", "BN"),     E("裕固", "YG"),
    E("京", "GI"),       E("塔塔尔", "TT"), E("独龙", "DR"),     E("鄂伦春", "OR"),
    E("赫哲", "HZ"),     E("门巴", "MB"),   E("珞巴", "LB"),     E("基诺", "JN"),
};
#undef E

/* The GB/T 3304 code (1–56) of s[0..n), or 0. */
static int ethnic_code(const char *s, size_t n)
{
	if (n <= 2 && s[0] >= '0' && s[0] <= '9') {
		int v = s[0] - '0';
		if (n == 2) {
			if (s[1] < '0' || s[1] > '9')
				return 0;
			v = v * 10 + (s[1] - '0');
		}
		return v >= 1 && v <= 56 ? v : 0;
	}
	if (n == 2) {
		char a = (char)(s[0] & ~0x20), b = (char)(s[1] & ~0x20);
		for (int k = 0; k < 56; k++)
			if (ethnic[k].letters[0] == a && ethnic[k].letters[1] == b)
				return k + 1;
		return 0;
	}
	static const char zu[] = "族";
	if (n > 3 && memcmp(s + n - 3, zu, 3) == 0)
		n -= 3;
	for (int k = 0; k < 56; k++)
		if (n == ethnic[k].len && memcmp(s, ethnic[k].name, n) == 0)
			return k + 1;
	return 0;
}

dgp_reason_t dgp_norm_ethnicity(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                                const char *in, size_t len, char *out, size_t out_cap,
                                dgp_norm_result_t *res)
{
	(void)rule;
	(void)ctx;
	/* the usual spellings first: 01–56 and 汉族 */
	if (len == 2 && in[0] >= '0' && in[0] <= '5' && in[1] >= '0' && in[1] <= '9' &&
	    !(in[0] == '0' && in[1] == '0') && !(in[0] == '5' && in[1] > '6'))
		return emit_code(out, out_cap, res, 0, in, 2);
	if (len == 6 && memcmp(in, "汉族", 6) == 0)
		return emit_code(out, out_cap, res, 0, "01", 2);
	char buf[CODE_BUF];
	const char *s;
	size_t n;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	int code = ethnic_code(s, n);
	if (!code)
		return dgp_norm_reject(res, DGP_REASON_NOT_IN_LIST);
	char c[2] = {(char)('0' + code / 10), (char)('0' + code % 10)};
	return emit_code(out, out_cap, res, flags, c, 2);
}

/* ---- code lists -------------------------------------------------------- */

typedef struct cl_slot {
	uint64_t hash;   /* 0 = empty */
	const char *key; /* normalised code or label */
	uint32_t key_len;
	uint32_t code_len;
	const char *code; /* normalised code the key maps to */
} cl_slot_t;

struct dgp_codelist {
	const char *name;
	dgp_arena_t *arena;
	cl_slot_t *slots;
	size_t mask; /* slots - 1; a power of two */
	size_t used;
};

static uint64_t cl_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a: keys are short */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h | 1; /* never 0: 0 marks an empty slot */
}

static const cl_slot_t *cl_find(const dgp_codelist_t *l, const char *s, size_t n, uint64_t h)
{
	for (size_t i = h & l->mask;; i = (i + 1) & l->mask) {
		const cl_slot_t *sl = &l->slots[i];
		if (!sl->hash)
			return NULL;
		if (sl->hash == h && sl->key_len == n && memcmp(sl->key, s, n) == 0)
			return sl;
	}
}

dgp_codelist_t *dgp_codelist_new(dgp_arena_t *arena, const char *name)
{
	dgp_codelist_t *l = dgp_arena_calloc(arena, sizeof(*l));
	l->name = dgp_arena_strdup(arena, name);
	l->arena = arena;
	l->mask = 15;
	l->slots = dgp_arena_calloc(arena, (l->mask + 1) * sizeof(cl_slot_t));
	return l;
}

const char *dgp_codelist_name(const dgp_codelist_t *list)
{
	return list->name;
}

static void cl_insert(dgp_codelist_t *l, const char *key, size_t key_len, const char *code,
                      size_t code_len)
{
	uint64_t h = cl_hash(key, key_len);
	if (cl_find(l, key, key_len, h))
		return; /* first code (or label) added wins */
	if ((l->used + 1) * 2 > l->mask + 1) {
		/* keep the load ≤ 1/2; the old table stays in the arena until it is freed */
		cl_slot_t *old = l->slots;
		size_t old_n = l->mask + 1;
		l->mask = old_n * 2 - 1;
		l->slots = dgp_arena_calloc(l->arena, old_n * 2 * sizeof(cl_slot_t));
		for (size_t k = 0; k < old_n; k++) {
			if (!old[k].hash)
				continue;
			size_t i = old[k].hash & l->mask;
			while (l->slots[i].hash)
				i = (i + 1) & l->mask;
			l->slots[i] = old[k];
		}
	}
	size_t i = h & l->mask;
	while (l->slots[i].hash)
		i = (i + 1) & l->mask;
	l->slots[i] = (cl_slot_t){.hash = h,
	                          .key = key,
	                          .key_len = (uint32_t)key_len,
	                          .code = code,
	                          .code_len = (uint32_t)code_len};
	l->used++;
}

/* The list's form of a code or label: folded and trimmed, copied into the arena. */
static const char *cl_norm(dgp_arena_t *a, const char *s, size_t *n)
{
	size_t len = strlen(s);
	char *buf = dgp_arena_alloc(a, len + 1);
	const char *p;
	uint32_t flags = 0;
	if (dgp_norm_prep(s, len, buf, len + 1, &p, n, &flags) != DGP_REASON_OK)
		return NULL; /* empty or not UTF-8: nothing can match it */
	return p == buf ? buf : dgp_arena_memdup(a, p, *n);
}

void dgp_codelist_add(dgp_codelist_t *list, const char *code, const char *label)
{
	size_t cn, ln;
	const char *c = cl_norm(list->arena, code, &cn);
	if (!c)
		return;
	cl_insert(list, c, cn, c, cn);
	const char *l = label ? cl_norm(list->arena, label, &ln) : NULL;
	if (l)
		cl_insert(list, l, ln, c, cn);
}

dgp_reason_t dgp_norm_code_list(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                                const char *in, size_t len, char *out, size_t out_cap,
                                dgp_norm_result_t *res)
{
	(void)ctx;
	/*
	 * The usual value is a code or label as the list has it: the list's keys
	 * are dgp_norm_prep output, on which dgp_norm_prep changes nothing and
	 * flags nothing, so an exact match is the answer the prepared value would
	 * give.  Anything else (padding, full-width, a miss) takes the prep.
	 */
	if (rule->list) {
		const cl_slot_t *hit = cl_find(rule->list, in, len, cl_hash(in, len));
		if (hit)
			return emit_code(out, out_cap, res, 0, hit->code, hit->code_len);
	}
	char buf[CODE_BUF];
	const char *s;
	size_t n;
	uint32_t flags = 0;
	dgp_reason_t r = dgp_norm_prep(in, len, buf, sizeof(buf), &s, &n, &flags);
	if (r == DGP_REASON_FORMAT)
		r = DGP_REASON_NOT_IN_LIST; /* too long for the buffer: longer than any entry */
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	const cl_slot_t *sl = rule->list ? cl_find(rule->list, s, n, cl_hash(s, n)) : NULL;
	if (!sl)
		return dgp_norm_reject(res, DGP_REASON_NOT_IN_LIST);
	return emit_code(out, out_cap, res, flags, sl->code, sl->code_len);
}
