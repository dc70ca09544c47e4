/*
 * bench_utf8.c — dgp's hand-written UTF-8 check against the libraries.
 *
 *   records (realistic dgp-gen CSV lines, pure ASCII, pure CJK)
 *     ├─ per record:    validate each line (what dgp_file_source does)
 *     └─ whole buffer:  validate the whole input in one call
 *   with  dgp_utf8_valid        (pipeline/dgp_utf8.c: SSSE3, 16-byte blocks)
 *         dgp_utf8_valid_dfa    (pipeline/dgp_utf8.c: table DFA, 8-byte steps)
 *         g_utf8_validate_len   (GLib)
 *         u_strFromUTF8         (ICU, preflight: no output buffer)
 *         U8_NEXT               (ICU's utf8.h macro, one code point per step)
 *         iconv UTF-8→UTF-16LE  (glibc, into a reused scratch buffer)
 *
 * Before anything is timed every validator must give the same verdict on
 * every record and buffer, and the expected verdict on a set of invalid
 * (and edge-case valid) sequences placed at every offset 0–16 of a
 * record; the program exits 1 if one does not.  Times are thread CPU time
 * (the machine is shared), median of RUNS runs.  bench_loop() holds the
 * measured loop only, so callgrind can count it alone
 * (--toggle-collect=bench_loop, see run.sh).
 *
 * Usage: dgp_bench_utf8 --file CSV [--runs N] [--only NAME] [--input real|ascii|cjk]
 *                       [--mode record|buffer] [--records N] [--reps N]
 * (--reps: whole-buffer calls per timed run, default 20; the figures are per call)
 */
#include <errno.h>
#include <glib.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "dgp_utf8.h"

typedef bool (*validate_fn)(const char *s, size_t len);

static bool v_dgp(const char *s, size_t len)
{
	return dgp_utf8_valid(s, len);
}

static bool v_dgp_dfa(const char *s, size_t len)
{
	return dgp_utf8_valid_dfa(s, len);
}

static bool v_glib(const char *s, size_t len)
{
	return g_utf8_validate_len(s, len, NULL);
}

static bool v_icu_conv(const char *s, size_t len)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = 0;
	u_strFromUTF8(NULL, 0, &n, s, (int32_t)len, &err);
	return err == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(err);
}

static bool v_icu_u8next(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	int32_t i = 0, n = (int32_t)len;
	while (i < n) {
		UChar32 c;
		U8_NEXT(u, i, n, c);
		if (c < 0)
			return false;
	}
	return true;
}

static iconv_t cd;
static char *scratch;
static size_t scratch_cap;

static bool v_iconv(const char *s, size_t len)
{
	char *in = (char *)s;
	size_t inleft = len;
	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		char *out = scratch;
		size_t outleft = scratch_cap;
		if (iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1)
			return true;
		if (errno != E2BIG) /* EILSEQ: invalid; EINVAL: truncated at the end */
			return false;
	}
	return true;
}

static const struct {
	const char *name;
	validate_fn fn;
} validators[] = {
    {"dgp_utf8_valid", v_dgp},         {"dgp_utf8_valid_dfa", v_dgp_dfa}, {"glib", v_glib},
    {"icu_u_strFromUTF8", v_icu_conv}, {"icu_U8_NEXT", v_icu_u8next},     {"iconv", v_iconv},
};
#define NV (sizeof(validators) / sizeof(validators[0]))

typedef struct {
	const char *name;
	char *buf;      /* records, each followed by '\n' */
	size_t len;     /* bytes of buf */
	size_t *starts; /* nrec + 1 offsets: record i is buf[starts[i] .. starts[i+1]-1) */
	size_t nrec;
	size_t rec_bytes; /* sum of record lengths (without the newlines) */
} input_t;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void index_records(input_t *in)
{
	in->starts = malloc((in->len + 2) * sizeof(*in->starts));
	in->nrec = 0;
	in->rec_bytes = 0;
	size_t o = 0;
	while (o < in->len) {
		const char *nl = memchr(in->buf + o, '\n', in->len - o);
		size_t end = nl ? (size_t)(nl - in->buf) : in->len;
		in->starts[in->nrec++] = o;
		in->rec_bytes += end - o;
		o = end + 1;
	}
	in->starts[in->nrec] = o;
}

/* The dgp-gen file minus its header line, at most max_rec records. */
static int load_real(input_t *in, const char *path, size_t max_rec)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *all = malloc((size_t)sz + 1);
	size_t got = fread(all, 1, (size_t)sz, f);
	fclose(f);
	const char *body = memchr(all, '\n', got);
	body = body ? body + 1 : all;
	in->name = "real";
	in->len = got - (size_t)(body - all);
	in->buf = malloc(in->len + 1);
	memcpy(in->buf, body, in->len);
	free(all);
	index_records(in);
	if (in->nrec > max_rec) {
		in->nrec = max_rec;
		in->len = in->starts[max_rec];
		index_records(in);
	}
	return 0;
}

/* nrec records of reclen bytes: printable ASCII, or CJK (U+4E00–U+9FA5, 3 bytes each). */
static void make_synthetic(input_t *in, const char *name, size_t nrec, size_t reclen, bool cjk)
{
	in->name = name;
	in->buf = malloc(nrec * (reclen + 1) + 1);
	uint32_t cp = 0x4E00;
	size_t o = 0;
	for (size_t r = 0; r < nrec; r++) {
		for (size_t k = 0; k < reclen; k += cjk ? 3 : 1) {
			if (cjk) {
				in->buf[o++] = (char)(0xE0 | cp >> 12);
				in->buf[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
				in->buf[o++] = (char)(0x80 | (cp & 0x3F));
				cp = cp == 0x9FA5 ? 0x4E00 : cp + 1;
			} else {
				in->buf[o++] = (char)(' ' + (r * 7 + k) % 95);
			}
		}
		in->buf[o++] = '\n';
	}
	in->len = o;
	index_records(in);
}

/* -------- verdict agreement -------- */

static const struct {
	const char *what;
	const char *bytes;
	size_t n;
	bool valid; /* RFC 3629 verdict (dgp's) */
} cases[] = {
    {"overlong C0 AF", "\xC0\xAF", 2, false},
    {"overlong E0 80 AF", "\xE0\x80\xAF", 3, false},
    {"overlong F0 80 80 AF", "\xF0\x80\x80\xAF", 4, false},
    {"surrogate ED A0 80", "\xED\xA0\x80", 3, false},
    {"surrogate pair ED A0 BD ED B8 80", "\xED\xA0\xBD\xED\xB8\x80", 6, false},
    {"above U+10FFFF F4 90 80 80", "\xF4\x90\x80\x80", 4, false},
    {"lead F5", "\xF5\x80\x80\x80", 4, false},
    {"lead FF", "\xFF", 1, false},
    {"stray continuation 80", "\x80", 1, false},
    {"cut 3-byte E5 BC + ASCII",
     "\xE5\xBC"
     "a",
     3, false},
    {"cut 4-byte F0 9F 98 + ASCII",
     "\xF0\x9F\x98"
     "a",
     4, false},
    {"GBK 张三 D5 C5 C8 FD", "\xD5\xC5\xC8\xFD", 4, false},
    {"valid U+1F600 F0 9F 98 80", "\xF0\x9F\x98\x80", 4, true},
    {"valid U+10FFFF F4 8F BF BF", "\xF4\x8F\xBF\xBF", 4, true},
    {"valid U+FFFF EF BF BF", "\xEF\xBF\xBF", 3, true},
    {"valid U+FDD0 EF B7 90", "\xEF\xB7\x90", 3, true},
    {"valid U+D7FF ED 9F BF", "\xED\x9F\xBF", 3, true},
    {"valid U+E000 EE 80 80", "\xEE\x80\x80", 3, true},
    {"NUL byte 00", "\0", 1, true},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* GLib's g_utf8_validate_len() refuses NUL bytes by design (its contract);
 * that is the one expected difference. */
static bool expected(size_t v, size_t c)
{
	if (strcmp(validators[v].name, "glib") == 0 && cases[c].n == 1 && cases[c].bytes[0] == 0)
		return false;
	return cases[c].valid;
}

static int check_cases(void)
{
	static const char tail[] = "张三,湖北省武汉市武昌区中山路1号";
	static const char prefix[] = "420106194001020004,abcdefghijklmnop";
	char rec[256];
	int bad = 0;
	for (size_t c = 0; c < NCASES; c++)
		for (size_t off = 0; off <= 16; off++)
			for (int at_end = 0; at_end < 2; at_end++) {
				size_t n = 0;
				memcpy(rec, prefix, off), n = off;
				memcpy(rec + n, cases[c].bytes, cases[c].n), n += cases[c].n;
				if (!at_end)
					memcpy(rec + n, tail, sizeof(tail) - 1),
					    n += sizeof(tail) - 1;
				for (size_t v = 0; v < NV; v++) {
					bool got = validators[v].fn(rec, n);
					if (got != expected(v, c)) {
						fprintf(
						    stderr,
						    "verdict: %s says %s on \"%s\" at offset %zu%s "
						    "(expected %s)\n",
						    validators[v].name, got ? "valid" : "invalid",
						    cases[c].what, off,
						    at_end ? ", record end" : "",
						    expected(v, c) ? "valid" : "invalid");
						bad++;
					}
				}
			}
	return bad;
}

static int check_input(const input_t *in)
{
	int bad = 0;
	for (size_t v = 0; v < NV; v++) {
		size_t nvalid = 0;
		for (size_t r = 0; r < in->nrec; r++)
			nvalid += validators[v].fn(in->buf + in->starts[r],
			                           in->starts[r + 1] - 1 - in->starts[r]);
		bool whole = validators[v].fn(in->buf, in->len);
		if (nvalid != in->nrec || !whole) {
			fprintf(stderr,
			        "verdict: %s: %zu of %zu %s records valid, whole buffer %s\n",
			        validators[v].name, nvalid, in->nrec, in->name,
			        whole ? "valid" : "invalid");
			bad++;
		}
	}
	return bad;
}

/* -------- timing -------- */

/* The measured loop (callgrind counts this function only).  Returns the valid count. */
__attribute__((noinline)) static size_t bench_loop(validate_fn fn, const input_t *in,
                                                   bool per_record)
{
	if (!per_record)
		return fn(in->buf, in->len);
	size_t nvalid = 0;
	for (size_t r = 0; r < in->nrec; r++)
		nvalid += fn(in->buf + in->starts[r], in->starts[r + 1] - 1 - in->starts[r]);
	return nvalid;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void run(size_t v, const input_t *in, bool per_record, int runs, int buffer_reps)
{
	double t[16];
	size_t sink = 0;
	int reps = per_record ? 1 : buffer_reps;
	for (int k = 0; k < runs; k++) {
		double t0 = cpu_now();
		for (int i = 0; i < reps; i++)
			sink += bench_loop(validators[v].fn, in, per_record);
		t[k] = (cpu_now() - t0) / reps;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	double med = t[runs / 2];
	size_t bytes = per_record ? in->rec_bytes : in->len;
	/* valid: calls per run that said valid (every record, or 1 for the buffer) */
	size_t valid = sink / (size_t)runs / (size_t)reps;
	if (per_record)
		printf("%-6s %-7s %-18s %9.1f %9.0f %10.3f %7zu\n", in->name, "record",
		       validators[v].name, med * 1e9 / (double)in->nrec, (double)bytes / med / 1e6,
		       med * 1e3, valid);
	else
		printf("%-6s %-7s %-18s %9s %9.0f %10.3f %7zu\n", in->name, "buffer",
		       validators[v].name, "-", (double)bytes / med / 1e6, med * 1e3, valid);
}

int main(int argc, char **argv)
{
	const char *file = NULL, *only = NULL, *only_input = NULL, *only_mode = NULL;
	int runs = 5;
	int buffer_reps = 20; /* whole-buffer calls are short: repeat them within a run */
	size_t max_rec = 100000;
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--file") == 0)
			file = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--only") == 0)
			only = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--input") == 0)
			only_input = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--mode") == 0)
			only_mode = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--reps") == 0)
			buffer_reps = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--records") == 0)
			max_rec = (size_t)atol(argv[++i]);
		else {
			fprintf(stderr,
			        "usage: %s --file CSV [--runs N] [--only NAME] "
			        "[--input real|ascii|cjk] [--mode record|buffer] [--records N] "
			        "[--reps N]\n",
			        argv[0]);
			return 2;
		}
	}
	if (!file || runs < 1 || runs > 16 || buffer_reps < 1) {
		fprintf(stderr,
		        "%s: --file CSV (dgp-gen output) is required, --runs 1–16, --reps >= 1\n",
		        argv[0]);
		return 2;
	}
	cd = iconv_open("UTF-16LE", "UTF-8");
	if (cd == (iconv_t)-1) {
		perror("iconv_open UTF-8 -> UTF-16LE");
		return 1;
	}
	scratch_cap = 64 * 1024;
	scratch = malloc(scratch_cap);

	input_t inputs[3];
	if (load_real(&inputs[0], file, max_rec) != 0) {
		fprintf(stderr, "%s: cannot read %s: %s\n", argv[0], file, strerror(errno));
		return 1;
	}
	size_t reclen =
	    (inputs[0].rec_bytes / inputs[0].nrec + 2) / 3 * 3; /* CJK: whole characters */
	make_synthetic(&inputs[1], "ascii", inputs[0].nrec, reclen, false);
	make_synthetic(&inputs[2], "cjk", inputs[0].nrec, reclen, true);

	int bad = check_cases();
	for (int k = 0; k < 3; k++)
		bad += check_input(&inputs[k]);
	if (bad) {
		fprintf(stderr, "%d verdict disagreement(s)\n", bad);
		return 1;
	}
	printf("# verdicts agree: %zu validators, %zu cases x 17 offsets x 2 placements, "
	       "3 inputs of %zu records (%zu B/record real, %zu B/record synthetic)\n",
	       NV, NCASES, inputs[0].nrec, inputs[0].rec_bytes / inputs[0].nrec, reclen);
	for (int k = 0; k < 3; k++)
		printf("# input %s: %zu records, %zu record bytes, %zu buffer bytes\n",
		       inputs[k].name, inputs[k].nrec, inputs[k].rec_bytes, inputs[k].len);
	printf("%-6s %-7s %-18s %9s %9s %10s %7s\n", "input", "mode", "validator", "ns/rec", "MB/s",
	       "ms/call", "valid");
	for (int k = 0; k < 3; k++) {
		if (only_input && strcmp(only_input, inputs[k].name))
			continue;
		for (int m = 0; m < 2; m++) {
			if (only_mode && strcmp(only_mode, m == 0 ? "record" : "buffer"))
				continue;
			for (size_t v = 0; v < NV; v++)
				if (!only || strcmp(only, validators[v].name) == 0)
					run(v, &inputs[k], m == 0, runs, buffer_reps);
		}
	}
	iconv_close(cd);
	return 0;
}
