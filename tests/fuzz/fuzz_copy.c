/*
 * fuzz_copy.c — libFuzzer harness for the encoders that put values into
 * PostgreSQL: COPY text format (dgp_sql_copy_text in pipeline/dgp_sql.c,
 * into a reused buffer, and the sink's put_copy_text_sanitised) and the
 * text[] literals of the sink's parameters (put_array_elem).  The sink's
 * encoders are static, so connectors/dgp_pg_sink.c is included here
 * whole (no connection is made; libpq is only linked).
 *
 *   byte 0: encoder (0 dgp_sql_copy_text, 1 dgp_sql_copy_text row by row,
 *           2 put_copy_text_sanitised, 3 text[] literal)
 *   byte 1: field separator of the input, byte 2: the one-byte field that
 *           stands for NULL (COPY encoders)
 *   rest:   the fields
 *
 * The encoded row goes through a reference decoder written here after
 * PostgreSQL's COPY FROM text format (CopyReadLineText /
 * CopyReadAttributesText: one line, no raw CR or LF inside, fields split
 * at unescaped tabs, \N alone is NULL, backslash escapes incl. octal and
 * \x, \. is the end-of-data marker) or its array_in for quoted elements.
 * Invariant: decode(encode(fields)) == fields, NULLs included; for the
 * sanitising encoder the decoded values are valid UTF-8 without NUL, and
 * equal to the input whenever the input already was.
 */
#include "../../connectors/dgp_pg_sink.c"

#include <stdint.h>

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_copy: %s\n", what);
	abort();
}

typedef struct field {
	const char *p; /* NULL: SQL NULL */
	size_t len;
} field_t;

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * PostgreSQL's COPY text format, one row: fills out[] (values malloc'd
 * into *store) and returns the field count.  Fails on what the server
 * would refuse.
 */
static size_t copy_decode(const char *p, size_t n, field_t *out, size_t max_fields, char *store)
{
	if (n == 0 || p[n - 1] != '\n')
		fail("row does not end in a newline");
	n--; /* the row's own terminator */
	size_t nf = 0, i = 0, o = 0;
	for (;;) {
		size_t start = i;
		bool escaped = false;
		while (i < n && p[i] != '\t') {
			if (p[i] == '\n' || p[i] == '\r')
				fail("literal newline or carriage return inside the row");
			if (p[i] == '\\') {
				if (i + 1 >= n)
					fail("row ends in a lone backslash");
				if (p[i + 1] == '.')
					fail("end-of-data marker \\. inside the row");
				escaped = true;
				i++;
			}
			i++;
		}
		if (nf == max_fields)
			fail("more fields decoded than encoded");
		if (i - start == 2 && p[start] == '\\' && p[start + 1] == 'N') {
			out[nf++] = (field_t){NULL, 0};
		} else {
			char *v = store + o;
			size_t k = 0;
			for (size_t j = start; j < i; j++) {
				unsigned char c = (unsigned char)p[j];
				if (c != '\\' || !escaped) {
					v[k++] = (char)c;
					continue;
				}
				c = (unsigned char)p[++j];
				switch (c) {
				case 'b':
					v[k++] = '\b';
					break;
				case 'f':
					v[k++] = '\f';
					break;
				case 'n':
					v[k++] = '\n';
					break;
				case 'r':
					v[k++] = '\r';
					break;
				case 't':
					v[k++] = '\t';
					break;
				case 'v':
					v[k++] = '\v';
					break;
				case '0':
				case '1':
				case '2':
				case '3':
				case '4':
				case '5':
				case '6':
				case '7': {
					int val = c - '0';
					for (int d = 0; d < 2 && j + 1 < i && p[j + 1] >= '0' &&
					                p[j + 1] <= '7';
					     d++)
						val = val * 8 + (p[++j] - '0');
					v[k++] = (char)(val & 0377);
					break;
				}
				case 'x':
					if (j + 1 < i && hexval((unsigned char)p[j + 1]) >= 0) {
						int val = hexval((unsigned char)p[++j]);
						if (j + 1 < i &&
						    hexval((unsigned char)p[j + 1]) >= 0)
							val = val * 16 +
							      hexval((unsigned char)p[++j]);
						v[k++] = (char)val;
					} else {
						v[k++] = 'x';
					}
					break;
				default:
					v[k++] = (char)c;
				}
			}
			out[nf++] = (field_t){v, k};
			o += k;
		}
		if (i == n)
			break;
		i++; /* the tab */
	}
	return nf;
}

/* array_in for a one-dimensional text[] whose elements are all double-quoted. */
static size_t array_decode(const char *p, size_t n, field_t *out, size_t max_fields, char *store)
{
	if (n < 2 || p[0] != '{' || p[n - 1] != '}')
		fail("array literal not in braces");
	size_t i = 1, nf = 0, o = 0;
	if (n == 2)
		return 0;
	for (;;) {
		if (p[i] != '"')
			fail("array element not quoted");
		i++;
		char *v = store + o;
		size_t k = 0;
		while (i < n - 1 && p[i] != '"') {
			if (p[i] == '\\')
				i++;
			if (i >= n - 1)
				fail("array literal ends inside an escape");
			v[k++] = p[i++];
		}
		if (i >= n - 1)
			fail("unterminated array element");
		i++; /* closing quote */
		if (nf == max_fields)
			fail("more elements decoded than encoded");
		out[nf++] = (field_t){v, k};
		o += k;
		if (i == n - 1)
			return nf;
		if (p[i] != ',')
			fail("array elements not separated by a comma");
		i++;
	}
}

static bool same(field_t a, field_t b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static bool valid_text(const char *p, size_t n)
{
	return dgp_utf8_valid(p, n) && !memchr(p, 0, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	int mode = data[0] & 3;
	char sep = (char)data[1], null1 = (char)data[2];
	/* Exact-size copy: ASan reports any read past a field. */
	size_t n = size - 3;
	char *in = malloc(n ? n : 1);
	memcpy(in, data + 3, n);

	size_t max_fields = n + 1;
	field_t *fields = malloc(max_fields * sizeof(*fields));
	size_t nf = 0;
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && in[i] != sep)
			continue;
		field_t f = {in + start, i - start};
		if (mode < 3 && f.len == 1 && f.p[0] == null1)
			f.p = NULL;
		fields[nf++] = f;
		start = i + 1;
	}

	dgp_buf_t enc = {0}, tmp = {0};
	dgp_buf_t denc = {0};
	const char *ep;
	size_t elen;
	if (mode == 3) {
		dgp_buf_putc(&enc, '{');
		for (size_t i = 0; i < nf; i++) {
			if (i)
				dgp_buf_putc(&enc, ',');
			put_array_elem(&enc, fields[i].p, fields[i].len);
		}
		dgp_buf_putc(&enc, '}');
		ep = enc.p, elen = enc.len;
	} else {
		for (size_t i = 0; i < nf; i++) {
			if (i)
				mode == 0 ? dgp_buf_append(&denc, "\t", 1)
				          : dgp_buf_putc(&enc, '\t');
			if (mode == 0)
				dgp_sql_copy_text(&denc, fields[i].p, fields[i].len);
			else if (!fields[i].p)
				dgp_buf_append(&enc, "\\N", 2); /* as copy_row writes a NULL */
			else if (mode == 1)
				dgp_sql_copy_text(&enc, fields[i].p, fields[i].len);
			else
				put_copy_text_sanitised(&enc, &tmp, fields[i].p, fields[i].len);
		}
		if (mode == 0) {
			dgp_buf_append(&denc, "\n", 1);
			ep = denc.p, elen = denc.len;
		} else {
			dgp_buf_putc(&enc, '\n');
			ep = enc.p, elen = enc.len;
		}
	}

	/* Sanitising turns each bad byte into 3 bytes: room for that. */
	char *store = malloc(3 * n + 1);
	field_t *dec = malloc(max_fields * sizeof(*dec));
	size_t nd = mode == 3 ? array_decode(ep, elen, dec, max_fields, store)
	                      : copy_decode(ep, elen, dec, max_fields, store);
	if (nd != nf)
		fail("field count changed in the round trip");
	for (size_t i = 0; i < nf; i++) {
		if (mode == 2) {
			if (!fields[i].p) {
				if (dec[i].p)
					fail("NULL did not survive the round trip");
				continue;
			}
			if (!dec[i].p || !valid_text(dec[i].p, dec[i].len))
				fail("sanitised value is not valid UTF-8 without NUL");
			if (valid_text(fields[i].p, fields[i].len) && !same(fields[i], dec[i]))
				fail("sanitising changed a valid value");
			continue;
		}
		if (!same(fields[i], dec[i]))
			fail("decode(encode(value)) != value");
	}
	free(dec);
	free(store);
	free(enc.p);
	free(tmp.p);
	dgp_buf_free(&denc);
	free(fields);
	free(in);
	return 0;
}
