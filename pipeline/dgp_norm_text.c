/*
 * dgp_norm_text.c — free-text rules: text, person_name, org_name, encoding.
 *
 *   in ──(encoding: GBK/GB18030 ─iconv─▶ UTF-8 in out, then in place)──┐
 *      ──────────────────────────────────────────────────────────────────┴─▶ text_core:
 *        ASCII runs copied in bulk │ strict UTF-8 decode │ fold full-width │ drop
 *        controls │ collapse whitespace │ (mode: name dots / no spaces) ─▶ out
 *
 * text: full-width ASCII (U+FF01–U+FF5E) → ASCII and U+3000 → space (flag
 *   width_folded); every run of whitespace (ASCII whitespace, U+3000, U+00A0,
 *   U+1680, U+2000–U+200A, U+2028/9, U+202F, U+205F, U+0085) → one space;
 *   trimmed; C0/C1 controls other than whitespace, DEL, and the invisible
 *   U+200B ZERO WIDTH SPACE / U+FEFF BOM removed (flag control_removed).
 *   A NUL byte or invalid UTF-8 (overlong, surrogate, > U+10FFFF,
 *   truncated) → charset.  More than max characters (max=N; default 4000)
 *   → too_long.  Nothing left → empty.  Not NFKC (STANDARDS.md §8).
 *
 * person_name (default max 100): text, then
 *   - a space between two CJK characters, or next to a middle dot, is
 *     dropped: "张 三" → "张三", "阿卜杜拉 · 买买提" → "阿卜杜拉·买买提";
 *     spaces between Latin words stay ("John Smith");
 *   - every middle-dot look-alike becomes U+00B7 '·': ・ U+30FB, ･ U+FF65,
 *     • U+2022, ‧ U+2027, ․ U+2024, ∙ U+2219, ⋅ U+22C5, ● U+25CF, ⸱ U+2E31,
 *     ㆍ U+318D, · U+0387, ˑ U+02D1; and '.' (or full-width ．) between two
 *     CJK characters ("买买提.艾力" → "买买提·艾力").  A '.' elsewhere stays
 *     ("J. Smith").  Two dots in a row become one ("买买提··艾力");
 *   - the invisible format characters U+00AD, U+200B–U+200D, U+2060, U+FEFF
 *     are removed (flag control_removed), so they cannot split one person
 *     into several match keys (org_name's key drops them too);
 *   - flag name_suspect (accepted, worth a look): a dot at either end, an
 *     ASCII digit, or a single character.
 *
 * org_name (default max 500): out = the match key — text with every space
 *   removed and brackets half-width: "武汉光谷（集团）有限公司",
 *   "武汉光谷(集团)有限公司" and " 武汉光谷 （集团） 有限公司 " all give
 *   "武汉光谷(集团)有限公司".  aux = the display value — text, but （ and ）
 *   keep the style they were written in ("武汉光谷 （集团） 有限公司").
 *
 * encoding (charset=GBK|GB18030, default GB18030, max as text): the bytes
 *   are GBK/GB18030; they are converted to UTF-8 with iconv (flag
 *   transcoded when any byte was non-ASCII) and then normalised as text.
 *   Invalid or truncated sequences → charset.  Decoding: pure-ASCII values
 *   are not converted at all; two-byte sequences go through a table built
 *   once per process from iconv itself (every lead/trail pair, ~24k
 *   conversions, a few ms, 48 KiB per charset), so the mapping is iconv's;
 *   only GB18030 values containing a four-byte sequence go through iconv,
 *   with one descriptor per thread and charset opened on first use and
 *   kept (iconv_open costs microseconds and allocates; the descriptor is
 *   closed by a pthread key destructor at thread exit).  Measured on a
 *   12-character name: table 2-byte decode adds ~10 ns over the text rule,
 *   iconv() per value added ~95 ns (≈ 1,500 instructions).
 */
#include "dgp_norm.h"
#include "dgp_simd.h"
#include "dgp_utf8.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>

#define TEXT_MAX_DEFAULT   4000
#define PERSON_MAX_DEFAULT 100
#define ORG_MAX_DEFAULT    500

enum mode {
	MODE_TEXT,
	MODE_PERSON,
	MODE_ORG_KEY,     /* no spaces, everything folded */
	MODE_ORG_DISPLAY, /* text, but （ ） kept */
};

static inline bool is_cjk(uint32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x323AF) || cp == 0x3007;
}

static inline bool is_unicode_space(uint32_t cp)
{
	return cp == 0x3000 || dgp_utf8_is_space(cp);
}

/*
 * Characters dropped in every mode: C1 controls, U+200B and U+FEFF; in the
 * key modes (person names, org-name keys) every invisible format character
 * (U+00AD, U+200C/D, U+2060 too), which would split one name into several
 * keys.  Free text keeps the joiners: emoji and some scripts need them.
 */
static inline bool is_invisible(uint32_t cp, enum mode mode)
{
	if (cp >= 0x80 && cp <= 0x9F && cp != 0x85)
		return true;
	if (mode == MODE_PERSON || mode == MODE_ORG_KEY)
		return dgp_utf8_is_format(cp);
	return cp == 0x200B || cp == 0xFEFF;
}

static inline bool is_dot_variant(uint32_t cp)
{
	switch (cp) {
	case 0x00B7:
	case 0x02D1:
	case 0x0387:
	case 0x2022:
	case 0x2024:
	case 0x2027:
	case 0x2219:
	case 0x22C5:
	case 0x25CF:
	case 0x2E31:
	case 0x30FB:
	case 0x318D:
	case 0xFF65:
		return true;
	default:
		return false;
	}
}

/* byte classes for the ASCII path */
enum { B_PLAIN = 0, B_SPACE = 1, B_CTRL = 2, B_NUL = 3, B_HIGH = 4, B_DOT = 5 };
static const unsigned char bclass[256] = {
    [0] = B_NUL,      [1 ... 8] = B_CTRL, ['\t'] = B_SPACE, ['\n'] = B_SPACE,
    ['\v'] = B_SPACE, ['\f'] = B_SPACE,   ['\r'] = B_SPACE, [14 ... 31] = B_CTRL,
    [' '] = B_SPACE,  ['.'] = B_DOT,      [127] = B_CTRL,   [128 ... 255] = B_HIGH,
};

/*
 * The next code point at in[i..) that text_core would emit, after folding
 * (0 if none or invalid): whitespace, controls and invisible characters are
 * skipped exactly as text_core drops them, so a decision taken on it holds
 * when the output is normalised again.
 */
static uint32_t peek_next(const char *in, size_t len, size_t i, enum mode mode)
{
	while (i < len) {
		uint32_t cp;
		int n = dgp_utf8_decode((const unsigned char *)in + i, len - i, &cp);
		if (n < 0)
			return 0;
		cp = dgp_utf8_fold_cp(cp);
		if (cp > ' ' && cp != 0x7F && !is_unicode_space(cp) && !is_invisible(cp, mode))
			return cp;
		if (cp == 0)
			return 0;
		i += (size_t)n;
	}
	return 0;
}

/* A well-formed 3-byte sequence led by E4–E9 (U+4000–U+9FFF) at u[i]. */
static inline bool is_e4_e9(const unsigned char *u, size_t i, size_t len)
{
	return len - i >= 3 && (unsigned)(u[i] - 0xE4) <= 5 &&
	       ((u[i + 1] ^ 0x80) | (u[i + 2] ^ 0x80)) < 0x40;
}

#ifdef __SSE2__
/*
 * Whether in[0..len) is a plain value: printable ASCII other than the space
 * and '.', and well-formed 3-byte sequences led by E4–E9 (U+4000–U+9FFF),
 * nothing else.  Such a value has nothing to fold, drop, join or decode
 * in any mode: text_core's output is the input, its characters the bytes
 * that are not continuation bytes (*nch), and *digit says whether an ASCII
 * digit is among them (person_name's name_suspect).  Most values of a
 * population record are plain (names, addresses, 户号, occupations).
 *
 * Sixteen bytes a step (SSE2, in every x86-64): each byte is classed as
 * plain ASCII, continuation (80–BF) or lead (E4–E9); the value is
 * well-formed when the continuation bytes are exactly the two after each
 * lead (a lead's tail may run into the next step, never past the end).
 * A partial last step is done on a zero-padded copy (dgp_load16).
 * Measured on the 户籍人口 benchmark (callgrind): ~415 → ~310 instructions a
 * text value, calls and the output's copy included.
 */
static bool plain_value(const char *in, size_t len, uint32_t *nch, bool *digit)
{
	const __m128i sp = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7F), dot = _mm_set1_epi8('.'),
	              c0 = _mm_set1_epi8((char)0xC0), e3 = _mm_set1_epi8((char)0xE3),
	              ea = _mm_set1_epi8((char)0xEA), d0 = _mm_set1_epi8('0' - 1),
	              d9 = _mm_set1_epi8('9' + 1);
	uint32_t carry = 0;
	unsigned digits = 0;
	__m128i conts = _mm_setzero_si128(); /* continuation bytes, two 64-bit sums */
	for (size_t i = 0; i < len; i += 16) {
		/* a partial step's padding reads as NUL: not plain, so masked off below */
		__m128i x = dgp_load16(in + i, len - i);
		/* signed compares: bytes 80–FF are negative */
		__m128i ascii =
		    _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(x, del), _mm_cmpeq_epi8(x, dot)),
		                     _mm_cmpgt_epi8(x, sp));
		__m128i cont = _mm_cmplt_epi8(x, c0); /* 80–BF: below C0 as signed bytes */
		__m128i lead = _mm_and_si128(_mm_cmpgt_epi8(x, e3), _mm_cmplt_epi8(x, ea));
		uint32_t n = len - i >= 16 ? 16 : (uint32_t)(len - i);
		uint32_t live = n == 16 ? 0xFFFFu : (1u << n) - 1;
		uint32_t a = (uint32_t)_mm_movemask_epi8(ascii) & live;
		uint32_t c = (uint32_t)_mm_movemask_epi8(cont) & live;
		uint32_t l = (uint32_t)_mm_movemask_epi8(lead) & live;
		if ((a | c | l) != live)
			return false;
		uint32_t want = (l << 1) | (l << 2) | carry; /* continuation bytes due */
		if ((want & 0xFFFFu) != c)
			return false;
		carry = want >> 16;
		conts = _mm_add_epi64(conts, _mm_sad_epu8(_mm_and_si128(cont, _mm_set1_epi8(1)),
		                                          _mm_setzero_si128()));
		digits |= (unsigned)_mm_movemask_epi8(
		              _mm_and_si128(_mm_cmpgt_epi8(x, d0), _mm_cmplt_epi8(x, d9))) &
		          a;
	}
	if (carry) /* a sequence cut short by the end */
		return false;
	/* the padding is NUL, never a continuation byte */
	*nch = (uint32_t)(len - (size_t)_mm_cvtsi128_si64(conts) -
	                  (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(conts, conts)));
	*digit = digits != 0;
	return true;
}
#endif

/*
 * text_core — normalise in[0..len) into out[0..cap) in the given mode;
 * *olen is set on success.  out may equal in in MODE_TEXT and
 * MODE_ORG_KEY/DISPLAY (the output never runs ahead of the input there);
 * MODE_PERSON may grow '.' into '·' and needs a separate buffer.
 *
 * A plain value (plain_value) is copied whole.  Otherwise three paths,
 * cheapest first: runs of printable ASCII (copied as a block), 3-byte
 * sequences led by E4–E9 (U+4000–U+9FFF: the CJK ideographs, never special
 * here, so no table lookups), and everything else (full decode).
 */
static dgp_reason_t text_core(const char *in, size_t len, char *out, size_t cap, uint32_t max_chars,
                              enum mode mode, size_t *olen, uint32_t *flags)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t i = 0, o = 0;
	uint32_t nch = 0, prev = 0;
	bool pending = false;
#ifdef __SSE2__
	{
		bool digit;
		if (len && len <= cap && plain_value(in, len, &nch, &digit)) {
			if (nch > max_chars)
				return DGP_REASON_TOO_LONG;
			if (out != in)
				memcpy(out, in, len);
			if (mode == MODE_PERSON && (digit || nch == 1))
				*flags |= DGP_NF_NAME_SUSPECT;
			*olen = len;
			return DGP_REASON_OK;
		}
		nch = 0;
	}
#endif
	while (i < len) {
		unsigned char c = u[i];
		uint32_t cp;
		size_t n;
		if (is_e4_e9(u, i, len)) {
			cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(u[i + 1] & 0x3F) << 6) |
			     (u[i + 2] & 0x3Fu);
			if (pending && o > 0) {
				bool drop = mode == MODE_ORG_KEY ||
				            (mode == MODE_PERSON &&
				             (prev == 0xB7 || (is_cjk(prev) && is_cjk(cp))));
				if (!drop) {
					if (o >= cap)
						return DGP_REASON_TOO_LONG;
					out[o++] = ' ';
					nch++;
				}
			}
			pending = false;
			/* the run of ideographs: three bytes in, the same three out.  A run
			 * writes what it reads, so when out has room for the rest of the
			 * input it needs no check per character (measured: 27 → 13
			 * instructions a character). */
			size_t run_start = i;
			if (cap - o >= len - i) {
				const unsigned char *end = u + len - 3;
				const unsigned char *p = u + i;
				unsigned char *q = (unsigned char *)out + o;
				do {
					unsigned char c0 = p[0], c1 = p[1], c2 = p[2];
					q[0] = c0;
					q[1] = c1;
					q[2] = c2;
					p += 3;
					q += 3;
				} while (p <= end && (unsigned)(p[0] - 0xE4) <= 5 &&
				         ((p[1] ^ 0x80) | (p[2] ^ 0x80)) < 0x40);
				o += (size_t)(p - (u + i));
				i = (size_t)(p - u);
			} else {
				do {
					if (o + 3 > cap)
						return DGP_REASON_TOO_LONG;
					out[o] = in[i];
					out[o + 1] = in[i + 1];
					out[o + 2] = in[i + 2];
					o += 3;
					i += 3;
				} while (is_e4_e9(u, i, len));
			}
			nch += (uint32_t)((i - run_start) / 3);
			if (nch > max_chars)
				return DGP_REASON_TOO_LONG;
			prev = ((uint32_t)(u[i - 3] & 0x0F) << 12) |
			       ((uint32_t)(u[i - 2] & 0x3F) << 6) | (u[i - 1] & 0x3Fu);
			continue;
		}
		{
			switch (bclass[c]) {
			case B_PLAIN: {
				/* a run of printable ASCII */
				size_t j = i + 1;
				while (j < len && bclass[u[j]] == B_PLAIN)
					j++;
				size_t run = j - i;
				if (pending && o > 0 && mode != MODE_ORG_KEY &&
				    !(mode == MODE_PERSON && prev == 0xB7)) {
					if (o >= cap)
						return DGP_REASON_TOO_LONG;
					out[o++] = ' ';
					nch++;
				}
				pending = false;
				if (o + run > cap)
					return DGP_REASON_TOO_LONG;
				nch += (uint32_t)run;
				if (nch > max_chars)
					return DGP_REASON_TOO_LONG;
				memmove(out + o, in + i, run);
				o += run;
				/* name_suspect: a digit (CJK names never get here) */
				if (mode == MODE_PERSON)
					for (size_t k = i; k < j; k++)
						if ((unsigned)(u[k] - '0') <= 9)
							*flags |= DGP_NF_NAME_SUSPECT;
				prev = u[j - 1];
				i = j;
				continue;
			}
			case B_SPACE:
				pending = true;
				i++;
				continue;
			case B_CTRL:
				*flags |= DGP_NF_CONTROL_REMOVED;
				i++;
				continue;
			case B_NUL:
				return DGP_REASON_CHARSET;
			case B_DOT:
				cp = '.';
				n = 1;
				break;
			default: {
				int k = dgp_utf8_decode(u + i, len - i, &cp);
				if (k < 0)
					return DGP_REASON_CHARSET;
				n = (size_t)k;
				if (is_invisible(cp, mode)) {
					*flags |= DGP_NF_CONTROL_REMOVED;
					i += n;
					continue;
				}
				if (is_unicode_space(cp)) {
					if (cp == 0x3000)
						*flags |= DGP_NF_WIDTH_FOLDED;
					pending = true;
					i += n;
					continue;
				}
				if (cp >= 0xFF01 && cp <= 0xFF5E &&
				    !(mode == MODE_ORG_DISPLAY && (cp == 0xFF08 || cp == 0xFF09))) {
					cp -= 0xFEE0;
					*flags |= DGP_NF_WIDTH_FOLDED;
					if (mode == MODE_PERSON && cp - '0' <= 9)
						*flags |= DGP_NF_NAME_SUSPECT;
				}
				break;
			}
			}
			if (mode == MODE_PERSON) {
				if (is_dot_variant(cp))
					cp = 0xB7;
				else if (cp == '.' && is_cjk(prev) &&
				         is_cjk(peek_next(in, len, i + n, mode)))
					cp = 0xB7;
				if (cp == 0xB7 && prev == 0xB7) {
					/* "买买提··艾力": one dot (spaces beside it go anyway) */
					pending = false;
					i += n;
					continue;
				}
			}
		}
		if (pending && o > 0) {
			bool drop = mode == MODE_ORG_KEY ||
			            (mode == MODE_PERSON &&
			             (prev == 0xB7 || cp == 0xB7 || (is_cjk(prev) && is_cjk(cp))));
			if (!drop) {
				if (o >= cap)
					return DGP_REASON_TOO_LONG;
				out[o++] = ' ';
				nch++;
			}
		}
		pending = false;
		if (++nch > max_chars)
			return DGP_REASON_TOO_LONG;
		if (cp < 0x80) {
			if (o >= cap)
				return DGP_REASON_TOO_LONG;
			out[o++] = (char)cp;
		} else if (cp == 0xB7) { /* also ˑ U+02D1, · U+0387: two bytes, but not C2 B7 */
			if (o + 2 > cap)
				return DGP_REASON_TOO_LONG;
			out[o++] = (char)0xC2;
			out[o++] = (char)0xB7;
		} else {
			if (o + n > cap)
				return DGP_REASON_TOO_LONG;
			/* byte by byte: n ≤ 4, and out may trail in (in-place modes) */
			for (size_t b = 0; b < n; b++)
				out[o + b] = in[i + b];
			o += n;
		}
		prev = cp;
		i += n;
	}
	if (o == 0)
		return DGP_REASON_EMPTY;
	if (mode == MODE_PERSON && nch == 1)
		*flags |= DGP_NF_NAME_SUSPECT;
	*olen = o;
	return DGP_REASON_OK;
}

static dgp_reason_t run_mode(const dgp_norm_rule_t *rule, const char *in, size_t len, char *out,
                             size_t out_cap, dgp_norm_result_t *res, enum mode mode,
                             uint32_t def_max)
{
	uint32_t flags = 0;
	size_t olen = 0;
	uint32_t max = rule && rule->max_chars ? rule->max_chars : def_max;
	dgp_reason_t r = text_core(in, len, out, out_cap, max, mode, &olen, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	*res = (dgp_norm_result_t){.len = olen, .flags = flags};
	return DGP_REASON_OK;
}

dgp_reason_t dgp_norm_text(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx, const char *in,
                           size_t len, char *out, size_t out_cap, dgp_norm_result_t *res)
{
	(void)ctx;
	return run_mode(rule, in, len, out, out_cap, res, MODE_TEXT, TEXT_MAX_DEFAULT);
}

/*
 * Whether the normalised name o[0..n) starts or ends with a dot (text_core
 * flags the other suspicious names, digits and single characters, on its
 * way through).
 */
static bool name_edge_dot(const char *o, size_t n)
{
	const unsigned char *u = (const unsigned char *)o;
	return u[0] == '.' || u[n - 1] == '.' || (n >= 2 && u[0] == 0xC2 && u[1] == 0xB7) ||
	       (n >= 2 && u[n - 2] == 0xC2 && u[n - 1] == 0xB7);
}

dgp_reason_t dgp_norm_person_name(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                                  const char *in, size_t len, char *out, size_t out_cap,
                                  dgp_norm_result_t *res)
{
	(void)ctx;
	dgp_reason_t r =
	    run_mode(rule, in, len, out, out_cap, res, MODE_PERSON, PERSON_MAX_DEFAULT);
	if (r == DGP_REASON_OK && name_edge_dot(out, res->len))
		res->flags |= DGP_NF_NAME_SUSPECT;
	return r;
}

dgp_reason_t dgp_norm_org_name(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                               const char *in, size_t len, char *out, size_t out_cap,
                               dgp_norm_result_t *res)
{
	(void)ctx;
	uint32_t max = rule && rule->max_chars ? rule->max_chars : ORG_MAX_DEFAULT;
	uint32_t kflags = 0, dflags = 0;
	size_t klen = 0, dlen = 0;
	/* the key, then the display value right after it (aux) */
	dgp_reason_t r = text_core(in, len, out, out_cap, max, MODE_ORG_KEY, &klen, &kflags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	r = text_core(in, len, out + klen, out_cap - klen, max, MODE_ORG_DISPLAY, &dlen, &dflags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	*res = (dgp_norm_result_t){
	    .len = klen, .flags = kflags | dflags, .aux_off = klen, .aux_len = dlen};
	return DGP_REASON_OK;
}

/* ---- encoding ------------------------------------------------------------ */

enum { CS_GBK, CS_GB18030, CS__COUNT };
static const char *const cs_names[CS__COUNT] = {"GBK", "GB18030"};

typedef struct tl_iconv {
	iconv_t cd[CS__COUNT];
	bool opened[CS__COUNT];
} tl_iconv_t;

static __thread tl_iconv_t tl_cd;
static pthread_key_t cd_key;
static pthread_once_t cd_once = PTHREAD_ONCE_INIT;

static void cd_close(void *p)
{
	tl_iconv_t *t = p;
	for (int k = 0; k < CS__COUNT; k++)
		if (t->opened[k])
			iconv_close(t->cd[k]);
	memset(t, 0, sizeof(*t));
}

static void cd_key_make(void)
{
	if (pthread_key_create(&cd_key, cd_close) != 0)
		dgp_oom(sizeof(pthread_key_t), "iconv thread key");
}

/* This thread's descriptor for cs → UTF-8, opened on first use. */
static iconv_t thread_cd(int cs)
{
	if (!tl_cd.opened[cs]) {
		pthread_once(&cd_once, cd_key_make);
		iconv_t cd = iconv_open("UTF-8", cs_names[cs]);
		if (cd == (iconv_t)-1)
			return cd;
		tl_cd.cd[cs] = cd;
		tl_cd.opened[cs] = true;
		(void)pthread_setspecific(cd_key, &tl_cd);
	}
	return tl_cd.cd[cs];
}

/*
 * Two-byte GBK/GB18030 → code point, one table per charset, built once per
 * process by asking iconv about every lead/trail pair (so the mapping is
 * iconv's, byte for byte) and then read without locks.  Index: (lead −
 * 0x81) × 191 + (trail − 0x40); 0 = no such character, 0xFFFF = a
 * character outside the BMP (GB18030 FE51 → U+20087 …: left to iconv).
 * 2 × 48 KiB.  The single bytes 0x80 and 0xFF are asked too (glibc's GBK
 * reads 0x80 as €, as code page 936 does).
 */
#define DBCS_LEADS  126                                        /* 0x81–0xFE */
#define DBCS_TRAILS 191                                        /* 0x40–0xFE */
static uint16_t dbcs_tab[CS__COUNT][DBCS_LEADS * DBCS_TRAILS]; /* .bss: no heap */
static uint16_t dbcs_single[CS__COUNT][2];                     /* 0x80, 0xFF */
static pthread_once_t dbcs_once[CS__COUNT] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

static void dbcs_build(int cs)
{
	uint16_t *t = dbcs_tab[cs];
	iconv_t cd = iconv_open("UTF-8", cs_names[cs]);
	if (cd != (iconv_t)-1) {
		for (int k = 0; k < 2; k++) {
			char in[1] = {(char)(k ? 0xFF : 0x80)}, u8[8];
			char *src = in, *dst = u8;
			size_t sl = 1, dl = sizeof(u8);
			uint32_t cp = 0;
			if (iconv(cd, &src, &sl, &dst, &dl) != (size_t)-1 && sl == 0 &&
			    dgp_utf8_decode((unsigned char *)u8, (size_t)(dst - u8), &cp) ==
			        dst - u8 &&
			    cp > 0)
				dbcs_single[cs][k] = cp < 0x10000 ? (uint16_t)cp : 0xFFFF;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
		for (int lead = 0x81; lead <= 0xFE; lead++) {
			for (int trail = 0x40; trail <= 0xFE; trail++) {
				char in[2] = {(char)lead, (char)trail}, u8[8];
				char *src = in, *dst = u8;
				size_t sl = 2, dl = sizeof(u8);
				uint32_t cp = 0;
				if (iconv(cd, &src, &sl, &dst, &dl) != (size_t)-1 && sl == 0 &&
				    dgp_utf8_decode((unsigned char *)u8, (size_t)(dst - u8), &cp) ==
				        dst - u8 &&
				    cp > 0)
					t[(lead - 0x81) * DBCS_TRAILS + (trail - 0x40)] =
					    cp < 0x10000 ? (uint16_t)cp : 0xFFFF;
				iconv(cd, NULL, NULL, NULL, NULL);
			}
		}
		iconv_close(cd);
	}
}
static void dbcs_build_gbk(void)
{
	dbcs_build(CS_GBK);
}
static void dbcs_build_gb18030(void)
{
	dbcs_build(CS_GB18030);
}

/*
 * GBK/GB18030 → UTF-8 through the table.  Returns the UTF-8 length, -1 for
 * an invalid or truncated sequence, -2 when out is too small, -3 when a
 * GB18030 four-byte sequence needs iconv.
 */
static ptrdiff_t dbcs_decode(const uint16_t *t, const uint16_t single[2], bool four_byte,
                             const char *in, size_t len, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t i = 0, o = 0;
	while (i < len) {
		unsigned c = u[i];
		if (c < 0x80) {
			if (o >= cap)
				return -2;
			out[o++] = (char)c;
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = 2;
		if (c == 0x80 || c == 0xFF) {
			cp = single[c == 0xFF];
			n = 1;
		} else {
			if (i + 1 >= len)
				return -1;
			unsigned d = u[i + 1];
			if (four_byte && d >= 0x30 && d <= 0x39)
				return -3;
			if (d < 0x40 || d == 0x7F || d == 0xFF)
				return -1;
			cp = t[(c - 0x81) * DBCS_TRAILS + (d - 0x40)];
		}
		if (!cp)
			return -1;
		if (cp == 0xFFFF)
			return -3;
		if (o + 3 > cap)
			return -2;
		o += (size_t)dgp_utf8_encode(cp, out + o);
		i += n;
	}
	return (ptrdiff_t)o;
}

/* The iconv path: values with a four-byte GB18030 sequence or a non-BMP two-byte one (rare). */
static ptrdiff_t iconv_decode(int cs, const char *in, size_t len, char *out, size_t cap)
{
	iconv_t cd = thread_cd(cs);
	if (cd == (iconv_t)-1)
		return -1; /* no converter: cannot decode */
	char *src = (char *)in, *dst = out;
	size_t src_left = len, dst_left = cap;
	if (iconv(cd, &src, &src_left, &dst, &dst_left) == (size_t)-1) {
		int e = errno;
		iconv(cd, NULL, NULL, NULL, NULL); /* reset the state for the next value */
		return e == E2BIG ? -2 : -1;
	}
	return dst - out;
}

dgp_reason_t dgp_norm_encoding(const dgp_norm_rule_t *rule, const dgp_norm_ctx_t *ctx,
                               const char *in, size_t len, char *out, size_t out_cap,
                               dgp_norm_result_t *res)
{
	(void)ctx;
	uint32_t max = rule && rule->max_chars ? rule->max_chars : TEXT_MAX_DEFAULT;
	if (dgp_utf8_ascii_run(in, len) == len)
		return run_mode(rule, in, len, out, out_cap, res, MODE_TEXT, TEXT_MAX_DEFAULT);
	if (memchr(in, '\0', len))
		return dgp_norm_reject(res, DGP_REASON_CHARSET);
	int cs = rule && rule->charset && strcmp(rule->charset, "GBK") == 0 ? CS_GBK : CS_GB18030;
	pthread_once(&dbcs_once[cs], cs == CS_GBK ? dbcs_build_gbk : dbcs_build_gb18030);
	ptrdiff_t n =
	    dbcs_decode(dbcs_tab[cs], dbcs_single[cs], cs == CS_GB18030, in, len, out, out_cap);
	if (n == -3)
		n = iconv_decode(cs, in, len, out, out_cap);
	if (n < 0)
		return dgp_norm_reject(res, n == -2 ? DGP_REASON_TOO_LONG : DGP_REASON_CHARSET);
	uint32_t flags = DGP_NF_TRANSCODED;
	size_t olen = 0;
	/* the UTF-8 is in out; normalise it in place (MODE_TEXT never grows) */
	dgp_reason_t r = text_core(out, (size_t)n, out, out_cap, max, MODE_TEXT, &olen, &flags);
	if (r != DGP_REASON_OK)
		return dgp_norm_reject(res, r);
	*res = (dgp_norm_result_t){.len = olen, .flags = flags};
	return DGP_REASON_OK;
}
