/*
 * dgp_norm.h — field normalisation and validation rules (issue 3).
 *
 *   raw bytes ──rule fn──▶ out buffer (normalised value, UTF-8)
 *                 │         + flags (quality notes that do not reject)
 *                 └───────▶ or a reject reason (stable short code)
 *
 * A rule is chosen once per field from the catalog (dgp_norm_rule_compile:
 * name + "k=v;k=v" arguments → compiled rule), then applied to every value
 * with dgp_norm_apply().  Rule functions are pure: no allocation, no global
 * state, no locale; the same input, rule and context give the same output.
 * The caller owns both buffers.  Standards and worked examples:
 * ../shared/domain/STANDARDS.md.
 */
#ifndef DGP_NORM_H
#define DGP_NORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dgp_arena.h"
#include "dgp_err.h"

/*
 * Reject reasons.  The names are stable identifiers stored in
 * dgp_ops.reject and used as metrics labels: never rename one, only add.
 * The table in dgp_norm.c gives each a name and a description; README.md
 * lists them (a test checks the two agree).
 */
typedef enum dgp_reason {
	DGP_REASON_OK = 0,
	DGP_REASON_EMPTY,       /* empty or only whitespace */
	DGP_REASON_FORMAT,      /* wrong shape: length, characters, structure */
	DGP_REASON_CHECKSUM,    /* check character does not match */
	DGP_REASON_DATE,        /* not a real calendar date / partial date */
	DGP_REASON_FUTURE_DATE, /* date after today (rules whose upper bound is today) */
	DGP_REASON_DATE_RANGE,  /* date outside the rule's fixed bounds (min_date, max_date=D) */
	DGP_REASON_REGION,      /* region code / province not in GB/T 2260 */
	DGP_REASON_CHARSET,     /* invalid UTF-8 / GBK / GB18030 bytes, NUL byte */
	DGP_REASON_TOO_LONG,    /* longer than the rule's max (characters) */
	DGP_REASON_NOT_IN_LIST, /* not a code or label of the code list */
	DGP_REASON_RANGE,       /* number out of the rule's range or precision */
	DGP_REASON_MALFORMED,   /* record-level: not valid JSON / CSV, or not a flat object */
	DGP_REASON_COLUMNS,     /* record-level: CSV row has the wrong number of columns */
	DGP_REASON_DB_REFUSED,  /* record-level: PostgreSQL refused the row (SQLSTATE in the detail)
	                         */
	DGP_REASON_CURRENCY,    /* money: a currency the field does not allow (currencies=) */
	DGP_REASON_EMPTY_MESSAGE, /* record-level: a Kafka message without any bytes */
	DGP_REASON_TOMBSTONE,     /* record-level: a Kafka tombstone (null value) without a key
	                             (with one it is a delete) */
	DGP_REASON_UNKNOWN_FIELD, /* record-level: a field the catalog does not know (strict mode)
	                           */
	DGP_REASON_DELETE_KEY,    /* record-level: a delete (tombstone key, delete marker) whose
	                             key does not hold the resource's key fields */
	DGP_REASON__COUNT
} dgp_reason_t;

/* dgp_reason_name — "empty", "format", …; "ok" for DGP_REASON_OK; never NULL. */
const char *dgp_reason_name(dgp_reason_t r);
/* dgp_reason_desc — one lowercase sentence fragment for operators. */
const char *dgp_reason_desc(dgp_reason_t r);

/* Quality flags: the value is accepted, but something is worth a look. */
#define DGP_NF_UPGRADED_15        (1u << 0) /* 15-digit 身份证号 upgraded to 18 */
#define DGP_NF_REGION_UNKNOWN     (1u << 1) /* county code not in the bundled table */
#define DGP_NF_REGION_HISTORICAL  (1u << 2) /* code retired from GB/T 2260 */
#define DGP_NF_ORGCODE_CHECK      (1u << 3) /* USCC: embedded GB 11714 check fails */
#define DGP_NF_AUTHORITY_UNKNOWN  (1u << 4) /* USCC: 登记管理部门/机构类别 pair not whitelisted */
#define DGP_NF_WIDTH_FOLDED       (1u << 5)  /* full-width characters were folded */
#define DGP_NF_CONTROL_REMOVED    (1u << 6)  /* control characters were removed */
#define DGP_NF_LANDLINE           (1u << 7)  /* phone: a landline, not a mobile */
#define DGP_NF_TRANSCODED         (1u << 8)  /* input was GBK/GB18030, now UTF-8 */
#define DGP_NF_RESIDENCE_PERMIT   (1u << 9)  /* idcard: 港澳台 residence permit (81/82/830000) */
#define DGP_NF_FOREIGN_PERMANENT  (1u << 10) /* idcard: foreign permanent resident (leading 9) */
#define DGP_NF_SEPARATORS_REMOVED (1u << 11) /* USCC: spaces or hyphens inside were removed */
#define DGP_NF_NAME_SUSPECT       (1u << 12) /* person_name: edge dot, digit, one character */
#define DGP_NF_REGION_STATISTICAL (1u << 13) /* code only in the statistics bureau's list */
#define DGP_NF_LONG_TERM          (1u << 14) /* date: 长期/长期有效/永久, stored as 9999-12-31 */
/* date: a system default such as 1900-01-01 or 1970-01-01 */
#define DGP_NF_PLACEHOLDER_DATE (1u << 15)
#define DGP_NF__COUNT           16

/* dgp_norm_flag_names — comma-separated names of the flags set ("upgraded_15,region_unknown") into
 * out. */
const char *dgp_norm_flag_names(uint32_t flags, char *out, size_t out_size);

/*
 * Per-call context: what a pure function may not look up itself.  Both
 * fields describe the configured time zone (norm.utc.offset.minutes):
 * "today" is that zone's date, not UTC's, and datetime values are written
 * in that zone's offset.  Tests set them directly.
 */
typedef struct dgp_norm_ctx {
	int32_t today;          /* YYYYMMDD, e.g. 20261127: dates after it are future_date */
	int32_t utc_offset_min; /* minutes east of UTC of the configured zone (480 = UTC+8) */
} dgp_norm_ctx_t;

/*
 * dgp_norm_ctx_at — the context at instant now (seconds since the epoch)
 * in the zone utc_offset_min minutes east of UTC: today is that zone's
 * date.  dgp_norm_ctx_now — the same at the current time.
 */
dgp_norm_ctx_t dgp_norm_ctx_at(int64_t now, int32_t utc_offset_min);
dgp_norm_ctx_t dgp_norm_ctx_now(int32_t utc_offset_min);

/* What a rule reports besides the output bytes. */
typedef struct dgp_norm_result {
	size_t len;          /* bytes written to out (no NUL added) */
	uint32_t flags;      /* DGP_NF_* */
	dgp_reason_t reason; /* DGP_REASON_OK or why it was rejected */
	/*
	 * A second output in the same out buffer, after the value, for rules
	 * that have one: org_name's display value (the value itself is the
	 * match key), money's ISO 4217 currency code ("CNY" unless the rule's
	 * currencies= allows others).  aux_len 0 when none.
	 */
	size_t aux_off, aux_len;
	/* Derived by idcard for cross-checks with the record's own fields. */
	char gender;    /* '1' male, '2' female (GB/T 2261.1), 0 if not derived */
	char birth[11]; /* "YYYY-MM-DD", "" if not derived */
} dgp_norm_result_t;

/* A code list (e.g. 婚姻状况): codes with labels, built once from the catalog. */
typedef struct dgp_codelist dgp_codelist_t;

/*
 * dgp_codelist_new — an empty list named name, allocated in arena (lives
 * as long as the arena).  dgp_codelist_add — add code with label (both
 * copied into the arena); a value matches a list when it equals a code or
 * a label, after the text rule's trimming and width folding; the output is
 * always the code.
 */
dgp_codelist_t *dgp_codelist_new(dgp_arena_t *arena, const char *name);
void dgp_codelist_add(dgp_codelist_t *list, const char *code, const char *label);
const char *dgp_codelist_name(const dgp_codelist_t *list);

/* Resolves a code-list name from rule arguments (list=HYZK); NULL when unknown. */
typedef const dgp_codelist_t *dgp_codelist_lookup_fn(const char *name, void *opaque);

typedef struct dgp_norm_rule dgp_norm_rule_t;

/*
 * A rule function: normalise in (len bytes, not NUL-terminated, may hold
 * any bytes) into out (out_cap bytes).  Sets *res completely and returns
 * res->reason.  Never reads in[len] or beyond, never writes past
 * out + out_cap; when the output would not fit it rejects with too_long.
 * out_cap >= DGP_NORM_OUT_CAP(len) always suffices.
 */
typedef dgp_reason_t dgp_norm_fn(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                                 const char *in, size_t len, char *out, size_t out_cap,
                                 dgp_norm_result_t *res);

#define DGP_NORM_OUT_CAP(len) (3 * (len) + 64)

/* A compiled rule: the function plus its parsed arguments.  Read-only after compile. */
struct dgp_norm_rule {
	const char *name; /* rule name, e.g. "idcard" */
	dgp_norm_fn *fn;
	uint32_t max_chars;     /* text-like rules: max length in characters (0 = rule default) */
	int32_t min_date;       /* date rules: YYYYMMDD lower bound (0 = none) */
	int32_t max_date;       /* date rules: YYYYMMDD upper bound, or one of: */
#define DGP_NORM_MAX_TODAY 0    /*   ctx->today, rejected as future_date (the default) */
#define DGP_NORM_MAX_NONE  (-1) /*   no upper bound (validity, deadline, planned dates) */
	bool long_term; /* date: 长期/长期有效/永久 → 9999-12-31 + DGP_NF_LONG_TERM */
	int scale;      /* decimal/money: digits after the point */
	const char *currencies; /* money: codes allowed besides CNY ("USD,JPY"), "any" for every
	                           currency the rule knows; NULL: CNY only */
	int64_t min, max;       /* integer: inclusive range */
	bool has_range;
	const char *charset;        /* encoding rule: "GBK", "GB18030" */
	const dgp_codelist_t *list; /* code_list */
	const char *allow_pairs; /* uscc: whitelisted dept/type pairs "11,12,…" (NULL = built-in) */
	bool region_current_only; /* region: reject historical codes (current-residence fields) */
};

/*
 * One row of the rule registry: name, function, accepted argument keys, the
 * catalog data types (GB/T 21063 letters, catalog/FORMAT.md) a field with
 * the rule may have, help.  A rule that fits no data type ("", encoding) is
 * not a field rule: the catalog does not accept it in fields.csv.
 */
typedef struct dgp_norm_def {
	const char *name;
	dgp_norm_fn *fn;
	const char *args;       /* accepted argument keys, comma-separated ("max,list") or "" */
	const char *data_types; /* e.g. "DC"; "" when no field may name the rule */
	const char *summary;    /* one line for `dgp check --list` */
} dgp_norm_def_t;

/* dgp_norm_defs — the registry, n rows, static storage. */
const dgp_norm_def_t *dgp_norm_defs(size_t *n);

/* dgp_norm_find — registry row for name, or NULL. */
const dgp_norm_def_t *dgp_norm_find(const char *name);

/*
 * dgp_norm_rule_compile — compile rule name with args ("max=200;list=HYZK",
 * NULL or "" for none) into *rule (allocated in arena).  lookup resolves
 * list= names (may be NULL when no rule needs one).  Returns DGP_OK,
 * DGP_ERR_NOT_FOUND (unknown rule) or DGP_ERR_INVALID (an argument not
 * key=value, not taken by the rule, given twice, or with an invalid value —
 * dates must be days of the calendar), with errstr naming the argument.
 * The catalog validates fields.csv with it, so it is the one authority on
 * what a rule accepts.
 */
dgp_err_t dgp_norm_rule_compile(const char *name, const char *args, dgp_arena_t *arena,
                                dgp_codelist_lookup_fn *lookup, void *lookup_opaque,
                                const dgp_norm_rule_t **rule, char *errstr,
                                size_t errstr_size) DGP_MUST_CHECK;

/* dgp_norm_apply — run rule on one value (see dgp_norm_fn). */
static inline dgp_reason_t dgp_norm_apply(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                                          const char *in, size_t len, char *out, size_t out_cap,
                                          dgp_norm_result_t *res)
{
	return rule->fn(rule, ctx, in, len, out, out_cap, res);
}

/* Rule functions (one module per family). */
dgp_norm_fn dgp_norm_idcard, dgp_norm_uscc, dgp_norm_orgcode,
    dgp_norm_region;                          /* dgp_norm_id.c, dgp_region.c */
dgp_norm_fn dgp_norm_date, dgp_norm_datetime; /* dgp_norm_date.c */
dgp_norm_fn dgp_norm_mobile, dgp_norm_phone;  /* dgp_norm_phone.c */
dgp_norm_fn dgp_norm_gender, dgp_norm_ethnicity, dgp_norm_code_list; /* dgp_norm_code.c */
dgp_norm_fn dgp_norm_text, dgp_norm_person_name, dgp_norm_org_name;  /* dgp_norm_text.c */
dgp_norm_fn dgp_norm_encoding;                                       /* dgp_norm_text.c */
dgp_norm_fn dgp_norm_integer, dgp_norm_decimal, dgp_norm_money;      /* dgp_norm_num.c */

/* dgp_norm_currencies_valid — is list a currencies= value money knows: "any" or codes "USD,JPY". */
bool dgp_norm_currencies_valid(const char *list);

/* Helper for rule functions: reset *res and return reason (res->len = 0). */
static inline dgp_reason_t dgp_norm_reject(dgp_norm_result_t *res, dgp_reason_t reason)
{
	*res = (dgp_norm_result_t){0};
	res->reason = reason;
	return reason;
}

#endif /* DGP_NORM_H */
