/*
 * dgp_json.c — strict scanner for one flat JSON object (see dgp_json.h).
 *
 * The input bytes are read once, left to right.  A string without escapes
 * is returned as a slice of the input; the first backslash switches that
 * string to copy mode, where bytes go to the caller's scratch buffer and
 * escapes are decoded there.  Numbers and literals are always input slices.
 * Plain ASCII and 3-byte CJK runs (the bulk of 人口 / 法人 records) are
 * skipped without decoding; anything else goes through dgp_utf8_decode().
 */
#include "dgp_json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dgp_utf8.h"

typedef struct scanner {
	const unsigned char *p, *start, *end;
	char *out; /* next free byte of scratch */
	dgp_json_error_t *err;
} scanner_t;

static int fail_kind(scanner_t *s, const unsigned char *at, const char *msg, int charset)
{
	s->err->offset = (size_t)(at - s->start);
	s->err->msg = msg;
	s->err->charset = charset;
	return -1;
}

static int fail(scanner_t *s, const unsigned char *at, const char *msg)
{
	return fail_kind(s, at, msg, 0);
}

static void skip_ws(scanner_t *s)
{
	const unsigned char *p = s->p, *end = s->end;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	s->p = p;
}

/* Bytes that stand for themselves inside a string: ASCII minus controls, '"', '\\'. */
static const unsigned char PLAIN[256] = {
    [0x20 ... 0x21] = 1,
    [0x23 ... 0x5B] = 1,
    [0x5D ... 0x7F] = 1,
};

static int hex4(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	if (end - p < 4)
		return -1;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*cp = v;
	return 0;
}

/* Decode the escape after the backslash at s->p into s->out. */
static int unescape(scanner_t *s)
{
	const unsigned char *bs = s->p++;
	if (s->p >= s->end)
		return fail(s, s->p, "unterminated string");
	uint32_t cp;
	switch (*s->p++) {
	case '"':
		*s->out++ = '"';
		return 0;
	case '\\':
		*s->out++ = '\\';
		return 0;
	case '/':
		*s->out++ = '/';
		return 0;
	case 'b':
		*s->out++ = '\b';
		return 0;
	case 'f':
		*s->out++ = '\f';
		return 0;
	case 'n':
		*s->out++ = '\n';
		return 0;
	case 'r':
		*s->out++ = '\r';
		return 0;
	case 't':
		*s->out++ = '\t';
		return 0;
	case 'u':
		break;
	default:
		return fail(s, bs, "invalid escape sequence");
	}
	if (hex4(s->p, s->end, &cp) < 0)
		return fail(s, bs, "invalid \\u escape, expected 4 hex digits");
	s->p += 4;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(s, bs, "unpaired low surrogate in \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		uint32_t lo;
		if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
		    hex4(s->p + 2, s->end, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return fail(s, bs, "unpaired high surrogate in \\u escape");
		s->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp == 0) { /* a value like any other bad one: the batch rejects it (charset) */
		*s->out++ = '\0';
		return 0;
	}
	s->out += dgp_utf8_encode(cp, s->out);
	return 0;
}

/*
 * s->p is on the opening quote.  Returns the string as a slice of the
 * input while it has no escapes, then as a slice of scratch.
 */
static int scan_string(scanner_t *s, const char **str, size_t *len)
{
	const unsigned char *open = s->p++, *begin = s->p;
	char *copy = NULL; /* start of this string in scratch, once copying */
	for (;;) {
		/* Locals, not s->p: stores through char *out may alias s, which
		 * would make the compiler reload s->p on every byte. */
		const unsigned char *run = s->p, *p = s->p, *end = s->end;
		for (;;) { /* runs of plain ASCII and of 3-byte CJK (lead E1-EC) */
			while (end - p >= 4 && PLAIN[p[0]] && PLAIN[p[1]] && PLAIN[p[2]] &&
			       PLAIN[p[3]])
				p += 4;
			while (p < end && PLAIN[*p])
				p++;
			if (end - p >= 3 && *p >= 0xE1 && *p <= 0xEC && (p[1] & 0xC0) == 0x80 &&
			    (p[2] & 0xC0) == 0x80)
				p += 3;
			else
				break;
		}
		s->p = p;
		if (copy) {
			memcpy(s->out, run, (size_t)(s->p - run));
			s->out += s->p - run;
		}
		if (s->p >= s->end)
			return fail(s, open, "unterminated string");
		unsigned char c = *s->p;
		if (c == '"') {
			if (copy) {
				*str = copy;
				*len = (size_t)(s->out - copy);
			} else {
				*str = (const char *)begin;
				*len = (size_t)(s->p - begin);
			}
			s->p++;
			return 0;
		}
		if (c == '\\') {
			if (!copy) {
				copy = s->out;
				memcpy(s->out, begin, (size_t)(s->p - begin));
				s->out += s->p - begin;
			}
			if (unescape(s) < 0)
				return -1;
		} else if (c < 0x20) {
			return c ? fail(s, s->p, "control character in string must be escaped")
			         : fail_kind(s, s->p, "NUL byte in string", 1);
		} else {
			uint32_t cp;
			int n = dgp_utf8_decode(s->p, (size_t)(s->end - s->p), &cp);
			if (n < 0)
				return fail_kind(s, s->p, "invalid UTF-8 in string", 1);
			if (copy) {
				memcpy(s->out, s->p, (size_t)n);
				s->out += n;
			}
			s->p += n;
		}
	}
}

static int digits(scanner_t *s)
{
	const unsigned char *d = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > d ? 0 : fail(s, s->p, "invalid number, expected a digit");
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(scanner_t *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0') {
		s->p++;
		if (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			return fail(s, s->p, "invalid number, leading zero");
	} else if (digits(s) < 0) {
		return -1;
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s) < 0)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s) < 0)
			return -1;
	}
	return 0;
}

static int scan_literal(scanner_t *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return fail(s, s->p, "invalid literal, expected true, false or null");
	s->p += n;
	return 0;
}

static int scan_value(scanner_t *s, dgp_json_field_t *f)
{
	const unsigned char *v = s->p;
	if (s->p >= s->end)
		return fail(s, s->p, "unexpected end of input, expected a value");
	switch (*s->p) {
	case '"':
		f->type = DGP_JSON_STRING;
		return scan_string(s, &f->val, &f->val_len);
	case 't':
		f->type = DGP_JSON_TRUE;
		if (scan_literal(s, "true", 4) < 0)
			return -1;
		break;
	case 'f':
		f->type = DGP_JSON_FALSE;
		if (scan_literal(s, "false", 5) < 0)
			return -1;
		break;
	case 'n':
		f->type = DGP_JSON_NULL;
		if (scan_literal(s, "null", 4) < 0)
			return -1;
		break;
	case '{':
	case '[':
		return fail(s, s->p, "nested object or array, a record must be flat");
	default:
		if (*s->p != '-' && (*s->p < '0' || *s->p > '9'))
			return fail(s, s->p, "unexpected character, expected a value");
		f->type = DGP_JSON_NUMBER;
		if (scan_number(s) < 0)
			return -1;
	}
	f->val = (const char *)v;
	f->val_len = (size_t)(s->p - v);
	return 0;
}

int dgp_json_scan(const char *in, size_t len, char *scratch, dgp_json_field_t *fields,
                  size_t max_fields, dgp_json_error_t *err)
{
	scanner_t s = {(const unsigned char *)in, (const unsigned char *)in,
	               (const unsigned char *)in + len, scratch, err};
	size_t n = 0;
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return fail(&s, s.p,
		            s.p >= s.end ? "empty input, expected an object" : "expected '{'");
	s.p++;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
	} else {
		for (;;) {
			if (s.p >= s.end || *s.p != '"')
				return fail(&s, s.p,
				            s.p >= s.end ? "unexpected end of input, expected a key"
				                         : "expected a string key");
			if (n == max_fields)
				return fail(&s, s.p, "too many fields in record");
			dgp_json_field_t *f = &fields[n];
			f->offset = (size_t)(s.p - s.start);
			if (scan_string(&s, &f->key, &f->key_len) < 0)
				return -1;
			skip_ws(&s);
			if (s.p >= s.end || *s.p != ':')
				return fail(&s, s.p, "expected ':' after key");
			s.p++;
			skip_ws(&s);
			if (scan_value(&s, f) < 0)
				return -1;
			n++;
			skip_ws(&s);
			if (s.p < s.end && *s.p == ',') {
				s.p++;
				skip_ws(&s);
				continue;
			}
			if (s.p < s.end && *s.p == '}') {
				s.p++;
				break;
			}
			return fail(&s, s.p,
			            s.p >= s.end ? "unexpected end of input, expected ',' or '}'"
			                         : "expected ',' or '}'");
		}
	}
	skip_ws(&s);
	if (s.p != s.end)
		return *s.p ? fail(&s, s.p, "trailing characters after the object")
		            : fail_kind(&s, s.p, "NUL byte after the object", 1);
	return (int)n;
}

/* ---- writing ----------------------------------------------------------- */

/* The escape for byte c into e (NUL-terminated), or NULL when c goes as it is. */
static const char *json_escape(unsigned char c, char e[8])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		if (c >= 0x20)
			return NULL;
		snprintf(e, 8, "\\u%04x", c);
		return e;
	}
}

void dgp_json_buf_string(dgp_buf_t *b, const char *s)
{
	char e[8];
	dgp_buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *x = json_escape(*p, e);
		if (x)
			dgp_buf_puts(b, x);
		else
			dgp_buf_putc(b, (char)*p);
	}
	dgp_buf_putc(b, '"');
}

void dgp_json_put_string(FILE *out, const char *s)
{
	char e[8];
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *x = json_escape(*p, e);
		if (x)
			fputs(x, out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}
