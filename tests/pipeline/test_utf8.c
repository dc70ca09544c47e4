/* test_utf8.c — strict decoding (overlongs, surrogates, > U+10FFFF, truncation), validation, width
 * folding. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dgp_utf8.h"
#include "test_rng.h"

static int dec(const char *s, size_t len, uint32_t *cp)
{
	/* Copy into an exact-size heap buffer so ASan catches any read past len. */
	unsigned char *b = malloc(len ? len : 1);
	memcpy(b, s, len);
	int n = dgp_utf8_decode(b, len, cp);
	free(b);
	return n;
}

Test(utf8, decode_valid_boundaries)
{
	static const struct {
		const char *s;
		int n;
		uint32_t cp;
	} ok[] = {
	    {"\x00", 1, 0},
	    {"A", 1, 'A'},
	    {"\x7F", 1, 0x7F},
	    {"\xC2\x80", 2, 0x80},
	    {"\xDF\xBF", 2, 0x7FF},
	    {"\xE0\xA0\x80", 3, 0x800},
	    {"\xED\x9F\xBF", 3, 0xD7FF},
	    {"\xEE\x80\x80", 3, 0xE000},
	    {"\xEF\xBF\xBF", 3, 0xFFFF},
	    {"\xE6\xB1\x89", 3, 0x6C49}, /* 汉 */
	    {"\xF0\x90\x80\x80", 4, 0x10000},
	    {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
	};
	for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		uint32_t cp = 0xDEAD;
		size_t len = ok[k].n;
		cr_expect_eq(dec(ok[k].s, len, &cp), ok[k].n, "case %zu", k);
		cr_expect_eq(cp, ok[k].cp, "case %zu: cp %x", k, cp);
	}
}

Test(utf8, decode_rejects_overlongs_surrogates_and_out_of_range)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {"\x80", 1}, /* stray continuation */
	    {"\xBF", 1},
	    {"\xC0\x80", 2},         /* overlong NUL */
	    {"\xC1\xBF", 2},         /* overlong 0x7F */
	    {"\xC0\xAF", 2},         /* overlong '/' */
	    {"\xE0\x80\xAF", 3},     /* overlong '/' */
	    {"\xE0\x9F\xBF", 3},     /* overlong 0x7FF */
	    {"\xF0\x80\x80\xAF", 4}, /* overlong '/' */
	    {"\xF0\x8F\xBF\xBF", 4}, /* overlong 0xFFFF */
	    {"\xED\xA0\x80", 3},     /* U+D800 lone high surrogate */
	    {"\xED\xBF\xBF", 3},     /* U+DFFF lone low surrogate */
	    {"\xED\xB0\x80", 3},     /* U+DC00 */
	    {"\xF4\x90\x80\x80", 4}, /* U+110000 */
	    {"\xF5\x80\x80\x80", 4}, /* lead byte F5 */
	    {"\xFE", 1},
	    {"\xFF", 1},
	    {"\xC2", 1},         /* truncated */
	    {"\xE6\xB1", 2},     /* truncated 汉 */
	    {"\xF0\x90\x80", 3}, /* truncated */
	    {"\xC2\x41", 2},     /* bad continuation */
	    {"\xE6\x41\x89", 3},
	    {"\xE6\xB1\xC0", 3},
	    {"\xF0\x90\x80\x41", 4},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		uint32_t cp = 0xDEAD;
		cr_expect_eq(dec(bad[k].s, bad[k].len, &cp), DGP_UTF8_INVALID, "case %zu", k);
		cr_expect_eq(cp, 0xDEAD, "case %zu touched cp", k);
	}
}

Test(utf8, decode_does_not_read_past_len)
{
	/* A 3-byte lead with only 1 byte available must fail without reading on. */
	uint32_t cp;
	cr_expect_eq(dec("\xE6", 1, &cp), DGP_UTF8_INVALID);
	cr_expect_eq(dec("\xF0", 1, &cp), DGP_UTF8_INVALID);
	cr_expect_eq(dec("\xF0\x9F", 2, &cp), DGP_UTF8_INVALID);
}

Test(utf8, encode_roundtrips)
{
	static const uint32_t cps[] = {0,      0x41,   0x7F,   0x80,   0x7FF,   0x800,
	                               0x6C49, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
	for (size_t k = 0; k < sizeof(cps) / sizeof(cps[0]); k++) {
		char buf[4];
		uint32_t back;
		int n = dgp_utf8_encode(cps[k], buf);
		cr_expect_eq(dgp_utf8_decode((unsigned char *)buf, (size_t)n, &back), n);
		cr_expect_eq(back, cps[k]);
	}
}

Test(utf8, valid_whole_buffer)
{
	cr_expect(dgp_utf8_valid("", 0));
	cr_expect(dgp_utf8_valid("hello, world 0123456789", 23));
	const char *mixed = "ASCII-only-prefix-longer-than-8 武汉光谷（集团）有限公司 end";
	cr_expect(dgp_utf8_valid(mixed, strlen(mixed)));
	cr_expect(dgp_utf8_valid("a\0b", 3));
	cr_expect_not(dgp_utf8_valid("abcdefghij\xC0\x80", 12));
	cr_expect_not(dgp_utf8_valid("abcdefgh\xED\xA0\x80xyz", 14));
	cr_expect_not(dgp_utf8_valid("abc\xE6\xB1", 5));
	/* an invalid byte at every position of a long ASCII run */
	char buf[40];
	for (size_t pos = 0; pos < sizeof(buf); pos++) {
		memset(buf, 'a', sizeof(buf));
		buf[pos] = (char)0x80;
		cr_expect_not(dgp_utf8_valid(buf, sizeof(buf)), "pos %zu", pos);
	}
}

/* The reference: decode code point by code point, as the normalisers do. */
static bool valid_by_decoding(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		int n = dgp_utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return false;
		i += (size_t)n;
	}
	return true;
}

/*
 * seq at offset off of an ASCII buffer of len bytes: in the DFA's 8-byte steps or its tail, in
 * the SIMD check's 16-byte blocks, its zero-padded tail, or across two blocks; both checks.
 */
static void expect_as_decoding(const unsigned char *seq, size_t n, size_t off, size_t len)
{
	unsigned char buf[40];
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + off, seq, n);
	bool want = valid_by_decoding(buf, len);
	if (dgp_utf8_valid((const char *)buf, len) != want ||
	    dgp_utf8_valid_dfa((const char *)buf, len) != want)
		cr_assert_fail(
		    "%02X %02X %02X %02X (%zu bytes) at %zu of %zu: expected %s (simd %d,"
		    " dfa %d)",
		    seq[0], n > 1 ? seq[1] : 0, n > 2 ? seq[2] : 0, n > 3 ? seq[3] : 0, n, off, len,
		    want ? "valid" : "invalid", dgp_utf8_valid((const char *)buf, len),
		    dgp_utf8_valid_dfa((const char *)buf, len));
}

Test(utf8, valid_agrees_with_decoding_for_every_sequence_up_to_three_bytes)
{
	static const size_t where[][2] = {{0, 3}, {5, 8}, {7, 12}, {14, 32}, {29, 32}};
	unsigned char s[3];
	unsigned long invalid = 0;
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++)
			for (unsigned c = 0; c < 256; c++) {
				s[0] = (unsigned char)a, s[1] = (unsigned char)b,
				s[2] = (unsigned char)c;
				invalid += !valid_by_decoding(s, 3);
				for (size_t k = 0; k < sizeof(where) / sizeof(where[0]); k++)
					expect_as_decoding(s, 3, where[k][0], where[k][1]);
			}
	/* of the 2^24 triples, those that are not 1+1+1, 1+2, 2+1 or one 3-byte character */
	cr_expect_eq(invalid, 16777216ul - 128ul * 128 * 128 - 2 * 128ul * 1920 - 61440ul);
}

Test(utf8, valid_agrees_with_decoding_for_four_byte_sequences)
{
	/* every lead and second byte; third and fourth from each byte class */
	static const unsigned char tail[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
	                                     0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF};
	unsigned char s[4];
	for (unsigned a = 0xC0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++)
			for (size_t c = 0; c < sizeof(tail); c++)
				for (size_t d = 0; d < sizeof(tail); d++) {
					s[0] = (unsigned char)a, s[1] = (unsigned char)b;
					s[2] = tail[c], s[3] = tail[d];
					expect_as_decoding(s, 4, 0, 4);
					expect_as_decoding(s, 4, 3, 16);
					expect_as_decoding(s, 4, 6, 12);
					expect_as_decoding(s, 4, 13, 20);
					expect_as_decoding(s, 4, 14, 33);
				}
}

Test(utf8, valid_simd_and_dfa_agree_with_decoding_on_random_text)
{
	/* runs of ASCII, characters of every length and stray bytes, 0–100 bytes long */
	static const uint32_t cps[] = {0x41,   0x7F,   0x80,   0x7FF,   0x800,   0x4E2D,
	                               0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
	uint64_t st = 0x9E3779B97F4A7C15ull;
	unsigned char buf[128];
	unsigned long valid = 0;
	for (int iter = 0; iter < 200000; iter++) {
		size_t len = test_rnd(&st) % 101, o = 0;
		while (o < len) {
			uint64_t r = test_rnd(&st);
			switch (r % 4) {
			case 0: /* ASCII */
				for (size_t k = (r >> 8) % 20; k > 0 && o < len; k--)
					buf[o++] = (unsigned char)(0x20 + (r >> 16) % 95);
				break;
			case 1:
			case 2: { /* a character */
				char e[4];
				int n = dgp_utf8_encode(
				    cps[(r >> 8) % (sizeof(cps) / sizeof(cps[0]))], e);
				for (int k = 0; k < n && o < len; k++)
					buf[o++] = (unsigned char)e[k];
				break;
			}
			default: /* any byte: a stray, a lead without its tail, an overlong's start
			          */
				if ((r >> 8) % 8 == 0)
					buf[o++] = (unsigned char)(r >> 16);
				else
					buf[o++] = (unsigned char)(0x41 + (r >> 16) % 26);
			}
		}
		bool want = valid_by_decoding(buf, len);
		valid += want;
		cr_assert_eq(dgp_utf8_valid((const char *)buf, len), want, "iteration %d", iter);
		cr_assert_eq(dgp_utf8_valid_dfa((const char *)buf, len), want, "iteration %d",
		             iter);
	}
	/* both verdicts drawn often */
	cr_expect(valid > 20000 && valid < 180000, "%lu valid of 200000", valid);
}

Test(utf8, count)
{
	cr_expect_eq(dgp_utf8_count("", 0), 0);
	cr_expect_eq(dgp_utf8_count("abc", 3), 3);
	cr_expect_eq(dgp_utf8_count("武汉abc", strlen("武汉abc")), 5);
	cr_expect_eq(dgp_utf8_count("\xF0\x9F\x98\x80", 4), 1);
}

static void expect_fold(const char *in, const char *want, bool want_folded)
{
	char out[256];
	bool folded = !want_folded;
	ptrdiff_t n = dgp_utf8_fold_width(in, strlen(in), out, sizeof(out), &folded, NULL);
	cr_assert_eq(n, (ptrdiff_t)strlen(want), "fold(%s): len %td", in, n);
	cr_expect_eq(memcmp(out, want, (size_t)n), 0, "fold(%s): %.*s", in, (int)n, out);
	cr_expect_eq(folded, want_folded, "fold(%s): folded", in);
}

Test(utf8, fold_full_width_ascii_and_ideographic_space)
{
	expect_fold("２０２４年１月５日", "2024年1月5日", true);
	expect_fold("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", true);
	expect_fold("武汉光谷（集团）有限公司", "武汉光谷(集团)有限公司", true);
	expect_fold("\xE3\x80\x80张三\xE3\x80\x80", " 张三 ", true);
	expect_fold("！～", "!~", true); /* U+FF01 and U+FF5E, the range ends */
	expect_fold("plain ascii that is long enough", "plain ascii that is long enough", false);
	expect_fold("", "", false);
}

Test(utf8, fold_is_not_nfkc)
{
	/* STANDARDS §8: ① ㈱ Ⅻ ² ｶ and Chinese punctuation stay */
	expect_fold("①㈱Ⅻ²ｶ。、“”—", "①㈱Ⅻ²ｶ。、“”—", false);
	/* U+FF00 and U+FF5F lie just outside the folded range */
	expect_fold("\xEF\xBC\x80\xEF\xBD\x9F", "\xEF\xBC\x80\xEF\xBD\x9F", false);
}

Test(utf8, fold_all_94)
{
	for (uint32_t cp = 0xFF01; cp <= 0xFF5E; cp++) {
		char in[4], out[4];
		int n = dgp_utf8_encode(cp, in);
		bool folded = false;
		cr_assert_eq(dgp_utf8_fold_width(in, (size_t)n, out, sizeof(out), &folded, NULL),
		             1);
		cr_expect_eq((unsigned char)out[0], cp - 0xFEE0);
		cr_expect(folded);
	}
}

Test(utf8, fold_in_place_and_errors)
{
	char buf[] = "abcdefghijklmnop１２３qrstuvwxyz0123456789";
	size_t len = strlen(buf);
	ptrdiff_t n = dgp_utf8_fold_width(buf, len, buf, len, NULL, NULL);
	cr_assert_eq(n, (ptrdiff_t)(len - 6));
	cr_expect_eq(memcmp(buf, "abcdefghijklmnop123qrstuvwxyz0123456789", (size_t)n), 0);

	char out[8];
	cr_expect_eq(dgp_utf8_fold_width("abc\xC0\x80", 5, out, sizeof(out), NULL, NULL),
	             DGP_UTF8_INVALID);
	cr_expect_eq(dgp_utf8_fold_width("\xED\xA0\x80", 3, out, sizeof(out), NULL, NULL),
	             DGP_UTF8_INVALID);
	cr_expect_eq(dgp_utf8_fold_width("0123456789", 10, out, sizeof(out), NULL, NULL),
	             DGP_UTF8_NOSPACE);
	cr_expect_eq(dgp_utf8_fold_width("汉汉汉", 9, out, sizeof(out), NULL, NULL),
	             DGP_UTF8_NOSPACE);
	cr_expect_eq(dgp_utf8_fold_width("１２３４５６７８", 24, out, sizeof(out), NULL, NULL), 8);
}

Test(utf8, check_fold)
{
	cr_expect_eq(dgp_utf8_check_fold("", 0), 0);
	cr_expect_eq(dgp_utf8_check_fold("ascii only", 10), 0);
	cr_expect_eq(dgp_utf8_check_fold("2024年1月5日", strlen("2024年1月5日")), 0);
	cr_expect_eq(dgp_utf8_check_fold("①㈱Ⅻ", strlen("①㈱Ⅻ")), 0);
	cr_expect_eq(dgp_utf8_check_fold("２０２４", strlen("２０２４")), 1);
	cr_expect_eq(dgp_utf8_check_fold("a\xE3\x80\x80"
	                                 "b",
	                                 5),
	             1);
	cr_expect_eq(dgp_utf8_check_fold("年\xC0\x80", 5), DGP_UTF8_INVALID);
	cr_expect_eq(dgp_utf8_check_fold("\xED\xA0\x80", 3), DGP_UTF8_INVALID);
	cr_expect_eq(dgp_utf8_check_fold("年\xE5\xB9", 5), DGP_UTF8_INVALID);
}

Test(utf8, fold_turns_unicode_spaces_to_space_and_drops_format_characters)
{
	char out[64];
	bool folded = true, dropped = false;
	/* NBSP, EN QUAD, NNBSP, MMSP → ' ' (not a width fold); ZWSP, ZWJ, WJ, BOM, SHY dropped */
	const char *in = "\xC2\xA0"
	                 "a\xE2\x80\x80"
	                 "b\xE2\x80\xAF"
	                 "c\xE2\x81\x9F"
	                 "\xE2\x80\x8B"
	                 "d\xE2\x80\x8D\xE2\x81\xA0\xEF\xBB\xBF\xC2\xAD"
	                 "e";
	ptrdiff_t n = dgp_utf8_fold_width(in, strlen(in), out, sizeof(out), &folded, &dropped);
	cr_assert_eq(n, 9);
	cr_expect_eq(memcmp(out, " a b c de", 9), 0, "%.*s", (int)n, out);
	cr_expect_not(folded);
	cr_expect(dropped);
	cr_expect_eq(dgp_utf8_check_fold("\xC2\xA0", 2), 1);
	cr_expect_eq(dgp_utf8_check_fold("\xC2\xAD", 2), 1);
	cr_expect_eq(dgp_utf8_check_fold("\xE2\x80\x8C", 3), 1);
	cr_expect_eq(dgp_utf8_check_fold("\xC2\xB7", 2), 0);
}
