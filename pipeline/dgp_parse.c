/*
 * dgp_parse.c — JSON-lines and CSV records → raw field slices.
 *
 * JSON:  in ──dgp_json_scan──▶ (key, value) pairs ──key table──▶ vals[field]
 *        Keys are looked up in an open-addressing table of the schema's
 *        source names (ASCII case-folded hash), built once per parser;
 *        a per-field generation stamp finds duplicate keys without
 *        clearing anything per record.
 *
 * CSV:   in ──one left-to-right pass──▶ column slices ──header map──▶ vals
 *        An unquoted field or a quoted one without doubled quotes is a
 *        slice of in; only a field with "" is copied (unescaped) into the
 *        arena, into one per-record scratch block of len bytes.
 *
 * Hand-written rather than libcsv: libcsv copies every field into its own
 * buffer and calls back per field, so each value would be copied twice;
 * benchmarks/csv measures the difference (RESULTS.md, "CSV parsing").
 */
#include "dgp_parse.h"

#include "dgp_simd.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_json.h"
#include "dgp_utf8.h"

#define JSON_MIN_FIELDS 1024 /* a record with more keys than this is malformed */

static int utf8_prefix(const char *s, size_t len, size_t max);
static bool ascii_case_eq(const char *a, size_t alen, const char *b, size_t blen);

struct dgp_parser {
	const dgp_schema_t *schema;
	dgp_format_t format;
	char delim, quote;

	/* JSON */
	int32_t *keytab;  /* field index + 1, 0 = empty slot */
	size_t *name_len; /* per field: strlen(source_name) */
	size_t keymask;   /* table size - 1 (power of two) */
	uint32_t *seen;   /* per field: generation of the last record that set it */
	uint32_t gen;
	dgp_json_field_t *jfields;
	size_t max_jfields;
	size_t *unknown; /* indexes into jfields of this record's unknown keys */

	/* CSV */
	int *col_field; /* per header column: field index, -1 ignored */
	size_t ncols;
	size_t op_col;              /* 1 + the header column named "_dgp_op", 0: none */
	bool every_field;           /* the header has a column for every field of the schema */
	unsigned char special[256]; /* delimiter, quote, CR, LF */

	dgp_op_t op; /* what the last record parsed asks for */

	uint64_t unknown_keys;
	bool strict_unknown;
	dgp_unknown_field_t *unames; /* names (copied) of the unknown keys / columns seen */
	size_t nunames, cap_unames;
	uint32_t *ugen; /* per name: generation of the last record counted */
};

#define UNKNOWN_NAMES_MAX 1024 /* distinct unknown names kept; more count only in the total */

/* The index of unknown name k, added on first sight; -1 once the table is full. */
static int unknown_name(dgp_parser_t *p, const char *k, size_t len)
{
	for (size_t i = 0; i < p->nunames; i++)
		if (ascii_case_eq(p->unames[i].name, p->unames[i].len, k, len))
			return (int)i;
	if (p->nunames == UNKNOWN_NAMES_MAX)
		return -1;
	if (p->nunames == p->cap_unames) {
		p->cap_unames = p->cap_unames ? 2 * p->cap_unames : 8;
		p->unames = dgp_xrealloc(p->unames, p->cap_unames * sizeof(*p->unames));
		p->ugen = dgp_xrealloc(p->ugen, p->cap_unames * sizeof(*p->ugen));
	}
	size_t keep = (size_t)utf8_prefix(k, len, 128);
	char *name = dgp_xmalloc(keep + 1);
	memcpy(name, k, keep);
	name[keep] = '\0';
	p->unames[p->nunames] = (dgp_unknown_field_t){name, keep, 0};
	p->ugen[p->nunames] = 0;
	return (int)p->nunames++;
}

/* Record gen carries unknown name i: counted once per record. */
static void unknown_count(dgp_parser_t *p, int i)
{
	if (i >= 0 && p->ugen[i] != p->gen) {
		p->ugen[i] = p->gen;
		p->unames[i].records++;
	}
}

static inline unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool ascii_case_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return false;
	return true;
}

/*
 * Hash of a key, equal for keys that differ only in ASCII case: up to 16
 * bytes (the first and last 8) with 0x20 ORed into every byte, which maps
 * 'A'-'Z' onto 'a'-'z' and every other byte onto a fixed value.  Collisions
 * cost a probe; equality is checked by ascii_case_eq.
 */
static uint64_t key_hash(const char *k, size_t len)
{
	uint64_t a = 0, b = 0;
	if (len >= 8) {
		memcpy(&a, k, 8);
		memcpy(&b, k + len - 8, 8);
	} else if (len >= 4) {
		uint32_t x, y;
		memcpy(&x, k, 4);
		memcpy(&y, k + len - 4, 4);
		a = x;
		b = y;
	} else {
		for (size_t i = 0; i < len; i++)
			a = a << 8 | (unsigned char)k[i];
	}
	a |= 0x2020202020202020ull;
	b |= 0x2020202020202020ull;
	uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ len;
	return h ^ (h >> 29);
}

static void build_keytab(dgp_parser_t *p)
{
	const dgp_schema_t *s = p->schema;
	size_t size = 16;
	while (size < 2 * s->nfields)
		size *= 2;
	p->keytab = dgp_xcalloc(size, sizeof(*p->keytab));
	p->name_len = dgp_xcalloc(s->nfields ? s->nfields : 1, sizeof(*p->name_len));
	p->keymask = size - 1;
	for (size_t i = 0; i < s->nfields; i++) {
		const char *name = s->fields[i].source_name;
		if (!name)
			continue;
		size_t len = strlen(name);
		/* A second field with the same source name is a catalog error the
		 * catalog reports; here the first one wins, as in dgp_schema_field_by_source. */
		if (dgp_schema_field_by_source(s, name, len) != (int)i)
			continue;
		size_t slot = key_hash(name, len) & p->keymask;
		while (p->keytab[slot])
			slot = (slot + 1) & p->keymask;
		p->keytab[slot] = (int32_t)i + 1;
		p->name_len[i] = len;
	}
}

static int key_lookup(const dgp_parser_t *p, const char *k, size_t len)
{
	size_t slot = key_hash(k, len) & p->keymask;
	while (p->keytab[slot]) {
		int f = p->keytab[slot] - 1;
		const char *name = p->schema->fields[f].source_name;
		if (ascii_case_eq(name, p->name_len[f], k, len))
			return f;
		slot = (slot + 1) & p->keymask;
	}
	return -1;
}

dgp_parser_t *dgp_parse_new(const dgp_schema_t *schema, const dgp_parse_opts_t *opts)
{
	dgp_parser_t *p = dgp_xcalloc(1, sizeof(*p));
	p->schema = schema;
	p->format = opts ? opts->format : DGP_FORMAT_JSONL;
	p->delim = opts && opts->csv_delim ? opts->csv_delim : ',';
	p->quote = opts && opts->csv_quote ? opts->csv_quote : '"';
	p->strict_unknown = opts && opts->strict_unknown;
	if (p->delim == p->quote || p->delim == '\n' || p->delim == '\r' || p->quote == '\n' ||
	    p->quote == '\r') {
		p->delim = ',';
		p->quote = '"';
	}
	p->special[(unsigned char)p->delim] = 1;
	p->special[(unsigned char)p->quote] = 1;
	p->special['\r'] = 1;
	p->special['\n'] = 1;

	build_keytab(p);
	p->seen = dgp_xcalloc(schema->nfields ? schema->nfields : 1, sizeof(*p->seen));
	p->max_jfields =
	    schema->nfields * 2 > JSON_MIN_FIELDS ? schema->nfields * 2 : JSON_MIN_FIELDS;
	if (p->format == DGP_FORMAT_JSONL) {
		p->jfields = dgp_xmalloc(p->max_jfields * sizeof(*p->jfields));
		p->unknown = dgp_xmalloc(p->max_jfields * sizeof(*p->unknown));
	}
	return p;
}

void dgp_parse_destroy(dgp_parser_t *p)
{
	if (!p)
		return;
	free(p->keytab);
	free(p->name_len);
	free(p->seen);
	free(p->jfields);
	free(p->unknown);
	free(p->col_field);
	for (size_t i = 0; i < p->nunames; i++)
		free((char *)p->unames[i].name);
	free(p->unames);
	free(p->ugen);
	free(p);
}

uint64_t dgp_parse_unknown_keys(const dgp_parser_t *p)
{
	return p->unknown_keys;
}

const dgp_unknown_field_t *dgp_parse_unknown_fields(const dgp_parser_t *p, size_t *n)
{
	*n = p->nunames;
	return p->unames;
}

size_t dgp_parse_csv_columns(const dgp_parser_t *p)
{
	return p->ncols;
}

static dgp_reason_t reject(dgp_reason_t r, char *detail, size_t detail_size, const char *fmt, ...)
    DGP_PRINTF(4, 5);

static dgp_reason_t reject(dgp_reason_t r, char *detail, size_t detail_size, const char *fmt, ...)
{
	if (detail_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, detail_size, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Longest prefix of s[0..len), at most max bytes, that ends on a UTF-8 character boundary. */
static int utf8_prefix(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (int)len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

dgp_reason_t dgp_parse_check_text(const char *in, size_t len, char *detail, size_t detail_size)
{
	const char *nul = memchr(in, 0, len);
	if (!nul && dgp_utf8_valid(in, len))
		return DGP_REASON_OK;
	/* rejected: find where, decoding as the normalisers do */
	size_t limit = nul ? (size_t)(nul - in) : len;
	size_t i = 0;
	while (i < limit) {
		i += dgp_utf8_ascii_run(in + i, limit - i);
		if (i >= limit)
			break;
		uint32_t cp;
		int n = dgp_utf8_decode((const unsigned char *)in + i, limit - i, &cp);
		if (n < 0)
			return reject(DGP_REASON_CHARSET, detail, detail_size,
			              "invalid UTF-8 at byte %zu", i);
		i += (size_t)n;
	}
	if (nul)
		return reject(DGP_REASON_CHARSET, detail, detail_size, "NUL byte at byte %zu",
		              (size_t)(nul - in));
	return DGP_REASON_OK;
}

/* ---- JSON ---------------------------------------------------------------- */

static bool unknown_seen(const dgp_parser_t *p, size_t nunknown, const dgp_json_field_t *f)
{
	for (size_t i = 0; i < nunknown; i++) {
		const dgp_json_field_t *u = &p->jfields[p->unknown[i]];
		if (ascii_case_eq(u->key, u->key_len, f->key, f->key_len))
			return true;
	}
	return false;
}

/* The record's "_dgp_op": "delete" or "upsert", once; anything else is malformed. */
static dgp_reason_t op_of(dgp_parser_t *p, const dgp_json_field_t *f, bool seen, char *detail,
                          size_t detail_size)
{
	if (seen)
		return reject(DGP_REASON_MALFORMED, detail, detail_size,
		              "duplicate key \"%s\" at byte %zu", DGP_PARSE_OP_KEY, f->offset);
	if (f->type == DGP_JSON_STRING && f->val_len == 6 && memcmp(f->val, "delete", 6) == 0)
		p->op = DGP_OP_DELETE;
	else if (f->type == DGP_JSON_STRING && f->val_len == 6 && memcmp(f->val, "upsert", 6) == 0)
		p->op = DGP_OP_UPSERT;
	else
		return reject(DGP_REASON_MALFORMED, detail, detail_size,
		              "\"%s\" at byte %zu is neither \"delete\" nor \"upsert\"",
		              DGP_PARSE_OP_KEY, f->offset);
	return DGP_REASON_OK;
}

static dgp_reason_t parse_json(dgp_parser_t *p, const char *in, size_t len, dgp_arena_t *arena,
                               dgp_slice_t *vals, char *detail, size_t detail_size)
{
	/* Scratch only when a backslash can need it: most records have none. */
	char *scratch = memchr(in, '\\', len) ? dgp_arena_alloc(arena, len) : NULL;
	dgp_json_error_t err;
	int n = dgp_json_scan(in, len, scratch, p->jfields, p->max_jfields, &err);
	if (n < 0)
		return reject(err.charset ? DGP_REASON_CHARSET : DGP_REASON_MALFORMED, detail,
		              detail_size, "%s at byte %zu", err.msg, err.offset);

	if (++p->gen == 0) { /* wrapped after 2^32 records: old stamps could match */
		memset(p->seen, 0, p->schema->nfields * sizeof(*p->seen));
		p->gen = 1;
	}
	size_t nunknown = 0;
	bool op_seen = false;
	for (int i = 0; i < n; i++) {
		const dgp_json_field_t *f = &p->jfields[i];
		if (f->key_len == sizeof(DGP_PARSE_OP_KEY) - 1 &&
		    memcmp(f->key, DGP_PARSE_OP_KEY, f->key_len) == 0) {
			dgp_reason_t r = op_of(p, f, op_seen, detail, detail_size);
			if (r != DGP_REASON_OK)
				return r;
			op_seen = true;
			continue;
		}
		int fi = key_lookup(p, f->key, f->key_len);
		bool dup;
		if (fi >= 0) {
			dup = p->seen[fi] == p->gen;
			p->seen[fi] = p->gen;
		} else {
			dup = unknown_seen(p, nunknown, f);
			p->unknown[nunknown++] = (size_t)i;
		}
		if (dup)
			return reject(DGP_REASON_MALFORMED, detail, detail_size,
			              "duplicate key \"%.*s\" at byte %zu",
			              utf8_prefix(f->key, f->key_len, 64), f->key, f->offset);
		if (fi >= 0 && f->type != DGP_JSON_NULL)
			vals[fi] = (dgp_slice_t){f->val, f->val_len};
	}
	p->unknown_keys += nunknown;
	for (size_t i = 0; i < nunknown; i++) {
		const dgp_json_field_t *f = &p->jfields[p->unknown[i]];
		unknown_count(p, unknown_name(p, f->key, f->key_len));
	}
	if (nunknown && p->strict_unknown) {
		const dgp_json_field_t *f = &p->jfields[p->unknown[0]];
		return reject(DGP_REASON_UNKNOWN_FIELD, detail, detail_size,
		              "key \"%.*s\" at byte %zu is not a field of the catalog (strict)",
		              utf8_prefix(f->key, f->key_len, 64), f->key, f->offset);
	}
	return DGP_REASON_OK;
}

/* ---- CSV ----------------------------------------------------------------- */

/*
 * One CSV field starting at in[*pos].  Sets *val (absent for an unquoted
 * empty field) and leaves *pos on the delimiter or at len.  *scratch is
 * the per-record unescape block, allocated from arena on first need.
 * Returns OK or MALFORMED with detail.  Always inlined: it runs once per
 * field, and the call with its ten arguments cost a third of parsing a
 * record.
 */
static inline __attribute__((always_inline)) dgp_reason_t
csv_field(const dgp_parser_t *p, const char *in, size_t len, size_t *pos, dgp_arena_t *arena,
          char **scratch, size_t *scratch_used, dgp_slice_t *val, char *detail, size_t detail_size)
{
	size_t i = *pos;
	if (i < len && in[i] == p->quote) {
		size_t open = i++;
		size_t start = i;
		char *copy = NULL; /* once a doubled quote is seen */
		for (;;) {
			const char *q = memchr(in + i, p->quote, len - i);
			if (!q)
				return reject(DGP_REASON_MALFORMED, detail, detail_size,
				              "unterminated quoted field at byte %zu", open);
			size_t qi = (size_t)(q - in);
			if (qi + 1 < len && in[qi + 1] == p->quote) { /* "" → " */
				if (!copy) {
					if (!*scratch)
						*scratch = dgp_arena_alloc(arena, len);
					copy = *scratch + *scratch_used;
					memcpy(copy, in + start, qi - start);
					*scratch_used += qi - start;
				} else {
					memcpy(*scratch + *scratch_used, in + i, qi - i);
					*scratch_used += qi - i;
				}
				(*scratch)[(*scratch_used)++] = p->quote;
				i = qi + 2;
				continue;
			}
			if (copy) {
				memcpy(*scratch + *scratch_used, in + i, qi - i);
				*scratch_used += qi - i;
				*val =
				    (dgp_slice_t){copy, (size_t)(*scratch + *scratch_used - copy)};
			} else {
				*val = (dgp_slice_t){in + start, qi - start};
			}
			i = qi + 1;
			if (i < len && in[i] != p->delim)
				return reject(
				    DGP_REASON_MALFORMED, detail, detail_size,
				    "unexpected character after closing quote at byte %zu", i);
			*pos = i;
			return DGP_REASON_OK;
		}
	}
	size_t start = i;
#ifdef __SSE2__
	/* Sixteen bytes a step while sixteen are left (SSE2 is in every x86-64): the
	 * scan is most of parsing a record. */
	{
		const __m128i vd = _mm_set1_epi8(p->delim), vq = _mm_set1_epi8(p->quote),
		              vr = _mm_set1_epi8('\r'), vn = _mm_set1_epi8('\n');
		while (len - i >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
			__m128i m = _mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vq)),
			    _mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, vn)));
			unsigned bits = (unsigned)_mm_movemask_epi8(m);
			if (bits) {
				i += (size_t)__builtin_ctz(bits);
				goto scanned;
			}
			i += 16;
		}
	}
#endif
	{
		/* Four bytes per length check (measured: 6.3 → 5.2 instructions a byte). */
		const unsigned char *u = (const unsigned char *)in, *sp = p->special;
		for (;;) {
			if (len - i < 4) {
				while (i < len && !sp[u[i]])
					i++;
				break;
			}
			if (sp[u[i]])
				break;
			if (sp[u[i + 1]]) {
				i += 1;
				break;
			}
			if (sp[u[i + 2]]) {
				i += 2;
				break;
			}
			if (sp[u[i + 3]]) {
				i += 3;
				break;
			}
			i += 4;
		}
	}
#ifdef __SSE2__
scanned:
#endif
	if (i < len && in[i] != p->delim)
		return reject(DGP_REASON_MALFORMED, detail, detail_size,
		              in[i] == p->quote ? "quote inside an unquoted field at byte %zu"
		                                : "line break outside quotes at byte %zu",
		              i);
	*val = i > start ? (dgp_slice_t){in + start, i - start} : (dgp_slice_t){NULL, 0};
	*pos = i;
	return DGP_REASON_OK;
}

/*
 * Column col's value v (its field at byte at): into vals when the column is
 * a field, the delete marker when it is the op column, else counted as an
 * unknown column's value (the first one remembered for strict mode).
 */
static inline __attribute__((always_inline)) dgp_reason_t
put_column(dgp_parser_t *p, size_t col, dgp_slice_t v, size_t at, dgp_slice_t *vals,
           size_t *strict_col, size_t *strict_at, char *detail, size_t detail_size)
{
	if (col < p->ncols && p->col_field[col] >= 0) {
		vals[p->col_field[col]] = v;
	} else if (col + 1 == p->op_col) {
		if (v.len == 6 && memcmp(v.p, "delete", 6) == 0)
			p->op = DGP_OP_DELETE;
		else if (v.len && !(v.len == 6 && memcmp(v.p, "upsert", 6) == 0))
			return reject(DGP_REASON_MALFORMED, detail, detail_size,
			              "column %zu \"%s\" at byte %zu is neither \"delete\" nor "
			              "\"upsert\"",
			              col + 1, DGP_PARSE_OP_KEY, at);
	} else if (col < p->ncols && v.p && v.len) { /* a value in an unknown column */
		unknown_count(p, -p->col_field[col] - 2);
		if (!*strict_col) {
			*strict_col = col + 1;
			*strict_at = at;
		}
	}
	return DGP_REASON_OK;
}

#ifdef __SSE2__
#define SPLIT_MAX_WORDS 64 /* records up to 4 KiB are split from one bitmap */

/*
 * The field ends of in[0..len) as bits, 64 a word (bit k of words[w]: byte
 * 64w + k): each delimiter, and len itself, where the last field ends; sixteen
 * bytes a step.  False (nothing to split here) when the record holds a
 * quote, CR or LF — quoted fields and broken lines take csv_field's way — or
 * is longer than SPLIT_MAX_WORDS words.  One pass over the record instead of
 * a scan per field: the fields of a population record are ~10 bytes, shorter
 * than a step.  words has SPLIT_MAX_WORDS + 1 words.
 */
static bool field_end_bits(const dgp_parser_t *p, const char *in, size_t len, uint64_t *words)
{
	if (len > SPLIT_MAX_WORDS * 64)
		return false;
	const __m128i vd = _mm_set1_epi8(p->delim), vq = _mm_set1_epi8(p->quote),
	              vr = _mm_set1_epi8('\r'), vn = _mm_set1_epi8('\n');
	unsigned other = 0;
	memset(words, 0, (len / 64 + 1) * sizeof(*words));
	for (size_t i = 0; i < len; i += 16) {
		__m128i x = dgp_load16(in + i, len - i);
		unsigned live =
		    len - i >= 16 ? 0xFFFFu : (1u << (len - i)) - 1; /* not the padding */
		uint64_t d = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd)) & live;
		other |= (unsigned)_mm_movemask_epi8(_mm_or_si128(
		             _mm_cmpeq_epi8(x, vq),
		             _mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, vn)))) &
		         live;
		words[i / 64] |= d << (i % 64);
	}
	words[len / 64] |= 1ull << (len % 64);
	return other == 0;
}
#endif

static dgp_reason_t parse_csv(dgp_parser_t *p, const char *in, size_t len, dgp_arena_t *arena,
                              dgp_slice_t *vals, char *detail, size_t detail_size)
{
	if (!p->col_field)
		return reject(DGP_REASON_MALFORMED, detail, detail_size,
		              "no CSV header was read before the record");
	char *scratch = NULL;
	size_t scratch_used = 0, pos = 0, col = 0, strict_col = 0, strict_at = 0;
	if (++p->gen == 0)
		p->gen = 1;
#ifdef __SSE2__
	uint64_t words[SPLIT_MAX_WORDS + 1];
	if (field_end_bits(p, in, len, words)) {
		size_t start = 0;
		for (size_t w = 0; w <= len / 64; w++) {
			for (uint64_t bits = words[w]; bits; bits &= bits - 1) {
				size_t end = w * 64 + (size_t)__builtin_ctzll(bits);
				dgp_slice_t v = end > start ? (dgp_slice_t){in + start, end - start}
				                            : (dgp_slice_t){NULL, 0};
				dgp_reason_t r = put_column(p, col, v, start, vals, &strict_col,
				                            &strict_at, detail, detail_size);
				if (r != DGP_REASON_OK)
					return r;
				col++;
				start = end + 1;
			}
		}
		goto counted;
	}
#endif
	for (;;) {
		dgp_slice_t v = {NULL, 0};
		size_t at = pos;
		dgp_reason_t r = csv_field(p, in, len, &pos, arena, &scratch, &scratch_used, &v,
		                           detail, detail_size);
		if (r != DGP_REASON_OK)
			return r;
		r = put_column(p, col, v, at, vals, &strict_col, &strict_at, detail, detail_size);
		if (r != DGP_REASON_OK)
			return r;
		col++;
		if (pos >= len)
			break;
		pos++; /* the delimiter */
	}
#ifdef __SSE2__
counted:
#endif
	if (col != p->ncols)
		return reject(DGP_REASON_COLUMNS, detail, detail_size,
		              "%zu columns, header has %zu", col, p->ncols);
	if (strict_col && p->strict_unknown) {
		int u = -p->col_field[strict_col - 1] - 2;
		return reject(
		    DGP_REASON_UNKNOWN_FIELD, detail, detail_size,
		    "column %zu \"%s\" at byte %zu is not a field of the catalog (strict)",
		    strict_col, u >= 0 ? p->unames[u].name : "", strict_at);
	}
	return DGP_REASON_OK;
}

static void trim_spaces(dgp_slice_t *v)
{
	while (v->len && (v->p[0] == ' ' || v->p[0] == '\t')) {
		v->p++;
		v->len--;
	}
	while (v->len && (v->p[v->len - 1] == ' ' || v->p[v->len - 1] == '\t'))
		v->len--;
}

static dgp_err_t missing_column(const dgp_schema_t *s, const dgp_field_spec_t *f, const char *what,
                                const char *unknown_names, char *errstr, size_t errstr_size)
{
	return dgp_errstr_set(errstr, errstr_size, DGP_ERR_CATALOG,
	                      "CSV header has no column \"%s\" for %s field %s of resource %s%s%s",
	                      f->source_name ? f->source_name : "", what, f->name,
	                      s->resource_code ? s->resource_code : "",
	                      *unknown_names ? "; columns the catalog does not know: " : "",
	                      unknown_names);
}

dgp_err_t dgp_parse_csv_header(dgp_parser_t *p, const char *in, size_t len, char *errstr,
                               size_t errstr_size)
{
	char detail[256];
	const dgp_schema_t *s = p->schema;
	if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0) { /* a BOM the caller left in */
		in += 3;
		len -= 3;
	}
	if (dgp_parse_check_text(in, len, detail, sizeof(detail)) != DGP_REASON_OK)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE, "CSV header: %s", detail);

	/* Unescaped names live only during this call. */
	dgp_arena_t *tmp = dgp_arena_new(len + 64);
	char *scratch = NULL;
	size_t scratch_used = 0, pos = 0, ncols = 0, cap = 16;
	int *map = dgp_xmalloc(cap * sizeof(*map));
	bool *have = dgp_xcalloc(s->nfields ? s->nfields : 1, sizeof(*have));
	size_t op_col = 0;
	uint64_t unknown = 0;
	char unknown_names[256] = ""; /* the unknown columns, for the error below */
	size_t un_len = 0;
	dgp_err_t err = DGP_OK;
	for (;;) {
		dgp_slice_t v = {0};
		if (csv_field(p, in, len, &pos, tmp, &scratch, &scratch_used, &v, detail,
		              sizeof(detail)) != DGP_REASON_OK) {
			err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE, "CSV header: %s",
			                     detail);
			break;
		}
		if (!v.p)
			v.p = "";
		trim_spaces(&v);
		if (v.len == sizeof(DGP_PARSE_OP_KEY) - 1 &&
		    memcmp(v.p, DGP_PARSE_OP_KEY, v.len) == 0) {
			if (op_col) {
				err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE,
				                     "CSV header: column %zu repeats \"%s\"",
				                     ncols + 1, DGP_PARSE_OP_KEY);
				break;
			}
			op_col = ncols + 1;
		}
		int f = op_col == ncols + 1 ? -1 : dgp_schema_field_by_source(s, v.p, v.len);
		if (f >= 0 && have[f]) {
			err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_PARSE,
			                     "CSV header: column %zu \"%.*s\" repeats field %s",
			                     ncols + 1, utf8_prefix(v.p, v.len, 64), v.p,
			                     s->fields[f].source_name);
			break;
		}
		if (f >= 0) {
			have[f] = true;
		} else if (op_col != ncols + 1) {
			unknown++;
			if (un_len + v.len + 8 < sizeof(unknown_names))
				un_len += (size_t)snprintf(unknown_names + un_len,
				                           sizeof(unknown_names) - un_len,
				                           "%s\"%.*s\"", un_len ? ", " : "",
				                           utf8_prefix(v.p, v.len, 64), v.p);
			else if (un_len + 6 < sizeof(unknown_names) &&
			         !strstr(unknown_names, ", …"))
				un_len += (size_t)snprintf(unknown_names + un_len,
				                           sizeof(unknown_names) - un_len, ", …");
		}
		if (ncols == cap) {
			cap *= 2;
			map = dgp_xrealloc(map, cap * sizeof(*map));
		}
		/* unknown: -2 - its name's index (-1 when the name table is full); "_dgp_op": -1 */
		map[ncols] = f >= 0                ? f
		             : op_col == ncols + 1 ? -1
		                                   : -2 - unknown_name(p, v.p, v.len);
		ncols++;
		if (pos >= len)
			break;
		pos++;
	}
	/* A key or required field without its column would reject every record
	 * (empty): a misspelled column name is refused here, with the names the
	 * header has that the catalog does not know. */
	for (size_t k = 0; err == DGP_OK && k < s->nkeys; k++)
		if (!have[s->key_fields[k]])
			err = missing_column(s, &s->fields[s->key_fields[k]], "key", unknown_names,
			                     errstr, errstr_size);
	for (size_t i = 0; err == DGP_OK && i < s->nfields; i++)
		if (s->fields[i].required && !s->fields[i].key && s->fields[i].source_name &&
		    !have[i])
			err = missing_column(s, &s->fields[i], "required", unknown_names, errstr,
			                     errstr_size);
	size_t nhave = 0;
	for (size_t i = 0; i < s->nfields; i++)
		nhave += have[i];
	free(have);
	dgp_arena_destroy(tmp);
	if (err != DGP_OK) {
		free(map);
		return err;
	}
	free(p->col_field);
	p->col_field = map;
	p->every_field = nhave == s->nfields;
	p->ncols = ncols;
	p->op_col = op_col;
	p->unknown_keys += unknown;
	return DGP_OK;
}

/* ---- entry --------------------------------------------------------------- */

dgp_reason_t dgp_parse_record(dgp_parser_t *p, const char *in, size_t len, dgp_arena_t *arena,
                              dgp_slice_t *vals, char *detail, size_t detail_size)
{
	/* A CSV record that parses sets every column's field: absent needs no setting then. */
	if (p->format != DGP_FORMAT_CSV || !p->every_field)
		for (size_t i = 0; i < p->schema->nfields; i++)
			vals[i] = (dgp_slice_t){NULL, 0};
	if (detail_size)
		detail[0] = '\0';
	p->op = DGP_OP_UPSERT;
	if (p->format == DGP_FORMAT_CSV)
		return parse_csv(p, in, len, arena, vals, detail, detail_size);
	return parse_json(p, in, len, arena, vals, detail, detail_size);
}

dgp_op_t dgp_parse_op(const dgp_parser_t *p)
{
	return p->op;
}

dgp_reason_t dgp_parse_key(const dgp_schema_t *s, const char *key, size_t len, dgp_slice_t *vals,
                           char *detail, size_t detail_size)
{
	for (size_t i = 0; i < s->nfields; i++)
		vals[i] = (dgp_slice_t){NULL, 0};
	if (detail_size)
		detail[0] = '\0';
	size_t parts = 1;
	for (size_t i = 0; i < len; i++)
		parts += key[i] == DGP_KEY_SEP;
	if (parts != s->nkeys)
		return reject(DGP_REASON_DELETE_KEY, detail, detail_size,
		              "key of %zu bytes has %zu part%s, the resource's key %zu field%s",
		              len, parts, parts == 1 ? "" : "s", s->nkeys,
		              s->nkeys == 1 ? "" : "s");
	size_t b = 0;
	for (size_t k = 0; k < s->nkeys; k++) {
		const char *e = memchr(key + b, DGP_KEY_SEP, len - b);
		size_t n = e ? (size_t)(e - (key + b)) : len - b;
		vals[s->key_fields[k]] = (dgp_slice_t){key + b, n};
		b += n + 1;
	}
	return DGP_REASON_OK;
}
