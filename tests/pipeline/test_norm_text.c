/* test_norm_text.c — text, person_name, org_name, encoding: STANDARDS §8 examples, controls,
 * charset, limits. */
#include "norm_testutil.h"
#include "test_rng.h"

#define WF DGP_NF_WIDTH_FOLDED
#define CR DGP_NF_CONTROL_REMOVED
#define TC DGP_NF_TRANSCODED
#define NS DGP_NF_NAME_SUSPECT

Test(norm_text, width_folding_not_nfkc)
{
	const dgp_norm_rule_t *r = rule_of("text", NULL);
	expect_ok(r, "ＡＢＣ１２３！～", "ABC123!~", WF);
	expect_ok(r, "①㈱Ⅻ²ｶ", "①㈱Ⅻ²ｶ", 0); /* NFKC would rewrite these */
	expect_ok(r, "。、“”—", "。、“”—", 0);
	expect_ok(r, "武汉光谷（集团）有限公司", "武汉光谷(集团)有限公司", WF);
	expect_ok(r, "plain ascii", "plain ascii", 0);
}

Test(norm_text, whitespace_collapsed_and_trimmed)
{
	const dgp_norm_rule_t *r = rule_of("text", NULL);
	expect_ok(r, "  a  b\t\tc \n d  ", "a b c d", 0);
	expect_ok(r,
	          "\xE3\x80\x80"
	          "湖北省\xE3\x80\x80\xE3\x80\x80武汉市"
	          "\xE3\x80\x80",
	          "湖北省 武汉市", WF);
	expect_ok(r,
	          "a\xC2\xA0"
	          "b",
	          "a b", 0); /* NBSP */
	expect_ok(r,
	          "a\xE2\x80\x83\xE2\x80\xA8"
	          "b",
	          "a b", 0); /* EM SPACE, LINE SEPARATOR */
	expect_ok(r,
	          "a\xC2\x85"
	          "b",
	          "a b", 0); /* NEL */
	expect_ok(r, "x", "x", 0);
}

Test(norm_text, controls_removed)
{
	const dgp_norm_rule_t *r = rule_of("text", NULL);
	expect_ok(r,
	          "a\x01"
	          "b\x1F"
	          "c\x7F",
	          "abc", CR);
	expect_ok(r,
	          "a\xC2\x80"
	          "b\xC2\x9F",
	          "ab", CR); /* C1 */
	expect_ok(r,
	          "\xEF\xBB\xBF"
	          "BOM",
	          "BOM", CR);                                   /* U+FEFF */
	expect_ok(r, "zero\xE2\x80\x8Bwidth", "zerowidth", CR); /* U+200B */
	expect_ok(r, "a\x1B[31mred", "a[31mred", CR);
	expect_ok(r, "ａ\x07　ｂ", "a b", CR | WF);
}

Test(norm_text, empty_and_charset)
{
	const dgp_norm_rule_t *r = rule_of("text", NULL);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "   \t\r\n", DGP_REASON_EMPTY);
	expect_reject(r, "\xE3\x80\x80\xC2\xA0", DGP_REASON_EMPTY);
	expect_reject(r, "\x01\x02", DGP_REASON_EMPTY);
	expect_reject_n(r, "a\0b", 3, DGP_REASON_CHARSET);
	expect_reject_n(r, "\0", 1, DGP_REASON_CHARSET);
	expect_reject(r, "abc\x80", DGP_REASON_CHARSET);
	expect_reject(r, "\xC0\xAF", DGP_REASON_CHARSET); /* overlong '/' */
	expect_reject(r, "\xE0\x80\xAF", DGP_REASON_CHARSET);
	expect_reject(r, "\xF0\x80\x80\xAF", DGP_REASON_CHARSET);
	expect_reject(r,
	              "a\xED\xA0\x80"
	              "b",
	              DGP_REASON_CHARSET); /* lone surrogate */
	expect_reject(r, "\xED\xBF\xBF", DGP_REASON_CHARSET);
	expect_reject(r, "\xF4\x90\x80\x80", DGP_REASON_CHARSET); /* > U+10FFFF */
	expect_reject(r, "\xFF\xFE", DGP_REASON_CHARSET);
	expect_reject(r, "武汉\xE5\xB8", DGP_REASON_CHARSET);     /* truncated */
	expect_reject(r, "\xD6\xD0\xCE\xC4", DGP_REASON_CHARSET); /* GBK 中文 is not UTF-8 */
}

Test(norm_text, length_limits)
{
	const dgp_norm_rule_t *r5 = rule_of("text", "max=5");
	expect_ok(r5, "12345", "12345", 0);
	expect_ok(r5, "  1 2 3  ", "1 2 3", 0);
	expect_reject(r5, "123456", DGP_REASON_TOO_LONG);
	expect_ok(r5, "武汉市江岸", "武汉市江岸", 0); /* characters, not bytes */
	expect_reject(r5, "武汉市江岸区", DGP_REASON_TOO_LONG);
	const dgp_norm_rule_t *r = rule_of("text", NULL);
	char big[4002];
	memset(big, 'a', sizeof(big));
	expect_reject_n(r, big, 4001, DGP_REASON_TOO_LONG);
	big[4000] = '\0';
	expect_ok(r, big, big, 0);
}

Test(norm_text, output_buffer_too_small)
{
	const dgp_norm_rule_t *r = rule_of("text", NULL);
	expect_cap(r, "hello world", 11, DGP_REASON_OK);
	expect_cap(r, "hello world", 10, DGP_REASON_TOO_LONG);
	expect_cap(r, "hello world", 5, DGP_REASON_TOO_LONG);
	expect_cap(r, "hello world", 0, DGP_REASON_TOO_LONG);
	expect_cap(r, "武汉", 6, DGP_REASON_OK);
	expect_cap(r, "武汉", 5, DGP_REASON_TOO_LONG);
	/* a run of ideographs with less room than the rest of the input (checked per character) */
	expect_cap(r, "ａ武汉", 7, DGP_REASON_OK);
	expect_cap(r, "武汉ａ", 7, DGP_REASON_OK);
	expect_cap(r, "武汉ａ", 6, DGP_REASON_TOO_LONG);
	expect_cap(r, "武汉ａ", 5, DGP_REASON_TOO_LONG);
	expect_cap(r, "ａｂ", 2, DGP_REASON_OK);
	expect_cap(r, "ａｂ", 1, DGP_REASON_TOO_LONG);
	const dgp_norm_rule_t *p = rule_of("person_name", NULL);
	expect_cap(p, "买买提.艾力", 17, DGP_REASON_OK);
	expect_cap(p, "买买提.艾力", 16, DGP_REASON_TOO_LONG);
	const dgp_norm_rule_t *o = rule_of("org_name", NULL);
	expect_cap(o, "武汉光谷（集团）有限公司", 32 + 36, DGP_REASON_OK);
	expect_cap(o, "武汉光谷（集团）有限公司", 32 + 35, DGP_REASON_TOO_LONG);
	expect_cap(o, "武汉光谷（集团）有限公司", 31, DGP_REASON_TOO_LONG);
}

Test(norm_person_name, spaces_and_dots)
{
	const dgp_norm_rule_t *r = rule_of("person_name", NULL);
	expect_ok(r, "张三", "张三", 0);
	expect_ok(r, "张 三", "张三", 0);
	expect_ok(r, " 张\xE3\x80\x80三 ", "张三", WF);
	expect_ok(r, "欧阳  娜娜", "欧阳娜娜", 0);
	expect_ok(r, "John  Smith", "John Smith", 0);
	expect_ok(r, "J. Smith", "J. Smith", 0);
	expect_ok(r, "阿卜杜拉·买买提", "阿卜杜拉·买买提", 0);
	expect_ok(r, "阿卜杜拉 · 买买提", "阿卜杜拉·买买提", 0);
	expect_ok(r, "阿卜杜拉・买买提", "阿卜杜拉·买买提", 0);  /* U+30FB */
	expect_ok(r, "阿卜杜拉•买买提", "阿卜杜拉·买买提", 0);   /* U+2022 */
	expect_ok(r, "阿卜杜拉‧买买提", "阿卜杜拉·买买提", 0);   /* U+2027 */
	expect_ok(r, "阿卜杜拉･买买提", "阿卜杜拉·买买提", 0);   /* U+FF65 */
	expect_ok(r, "阿卜杜拉∙买买提", "阿卜杜拉·买买提", 0);   /* U+2219 */
	expect_ok(r, "阿卜杜拉⋅买买提", "阿卜杜拉·买买提", 0);   /* U+22C5 */
	expect_ok(r, "阿卜杜拉●买买提", "阿卜杜拉·买买提", 0);   /* U+25CF */
	expect_ok(r, "阿卜杜拉．买买提", "阿卜杜拉·买买提", WF); /* U+FF0E */
	expect_ok(r, "阿卜杜拉.买买提", "阿卜杜拉·买买提", 0);
	expect_ok(r, "阿卜杜拉 . 买买提", "阿卜杜拉·买买提", 0);
	expect_ok(r, "张三.", "张三.", NS);      /* no CJK after: stays (flagged) */
	expect_ok(r, "拉 .\x1F乹", "拉·乹", CR); /* what is dropped does not count */
	expect_ok(r, "拉 .\xEF\xBB\xBF乹", "拉·乹", CR);
	expect_ok(r, "张三\x01", "张三", CR);
	expect_reject(r, "", DGP_REASON_EMPTY);
	expect_reject(r, "张\xED\xA0\x80", DGP_REASON_CHARSET);
	expect_reject_n(r, "张\0三", 4, DGP_REASON_CHARSET);
	char big[120];
	memset(big, 'a', sizeof(big));
	expect_reject_n(r, big, 101, DGP_REASON_TOO_LONG); /* default max 100 */
	expect_ok(rule_of("person_name", "max=200"), "aaaa", "aaaa", 0);
}

Test(norm_person_name, invisible_characters_give_one_key)
{
	const dgp_norm_rule_t *r = rule_of("person_name", NULL);
	/* U+200B, U+200C, U+200D, U+2060, U+FEFF, U+00AD: all one person */
	static const char *const inv[] = {"\xE2\x80\x8B", "\xE2\x80\x8C", "\xE2\x80\x8D",
	                                  "\xE2\x81\xA0", "\xEF\xBB\xBF", "\xC2\xAD"};
	for (size_t i = 0; i < sizeof(inv) / sizeof(inv[0]); i++) {
		char in[64];
		snprintf(in, sizeof(in), "%s张%s三%s", inv[i], inv[i], inv[i]);
		expect_ok(r, in, "张三", CR);
		snprintf(in, sizeof(in), "阿卜杜拉%s·%s买买提", inv[i], inv[i]);
		expect_ok(r, in, "阿卜杜拉·买买提", CR);
	}
	/* the org-name key drops them too; the display value keeps the joiners */
	expect_ok_aux(rule_of("org_name", NULL), "武汉\xE2\x80\x8D光谷", "武汉光谷",
	              "武汉\xE2\x80\x8D光谷", CR);
	/* free text keeps ZWJ (emoji sequences) */
	expect_ok(rule_of("text", NULL),
	          "a\xE2\x80\x8D"
	          "b",
	          "a\xE2\x80\x8D"
	          "b",
	          0);
}

Test(norm_person_name, dots_mapped_and_collapsed)
{
	const dgp_norm_rule_t *r = rule_of("person_name", NULL);
	expect_ok(r, "阿卜杜拉ˑ买买提", "阿卜杜拉·买买提", 0);        /* U+02D1 */
	expect_ok(r, "阿卜杜拉\xCE\x87买买提", "阿卜杜拉·买买提", 0); /* U+0387 */
	expect_ok(r, "阿卜杜拉··买买提", "阿卜杜拉·买买提", 0);
	expect_ok(r, "阿卜杜拉· ·买买提", "阿卜杜拉·买买提", 0);
	expect_ok(r, "阿卜杜拉・•买买提", "阿卜杜拉·买买提", 0);
	expect_ok(r, "阿卜杜拉.·买买提", "阿卜杜拉.·买买提", 0); /* '.' not between CJK */
}

Test(norm_person_name, suspicious_names_flagged_not_rejected)
{
	const dgp_norm_rule_t *r = rule_of("person_name", NULL);
	expect_ok(r, "·买买提", "·买买提", NS);
	expect_ok(r, "买买提·", "买买提·", NS);
	expect_ok(r, ".John", ".John", NS);
	expect_ok(r, "张三2", "张三2", NS);
	expect_ok(r, "张三２", "张三2", NS | WF);
	expect_ok(r, "张", "张", NS);
	expect_ok(r, "J", "J", NS);
	expect_ok(r, " 张 ", "张", NS);
	expect_ok(r, "张三", "张三", 0);
	expect_ok(r, "J. Smith", "J. Smith", 0);
	expect_ok(r, "欧阳·娜娜", "欧阳·娜娜", 0);
}

Test(norm_org_name, standards_examples)
{
	const dgp_norm_rule_t *r = rule_of("org_name", NULL);
	expect_ok_aux(r, "武汉光谷（集团）有限公司", "武汉光谷(集团)有限公司",
	              "武汉光谷（集团）有限公司", WF);
	expect_ok_aux(r, "武汉光谷(集团)有限公司", "武汉光谷(集团)有限公司",
	              "武汉光谷(集团)有限公司", 0);
	expect_ok_aux(r, " 武汉光谷 （集团） 有限公司 ", "武汉光谷(集团)有限公司",
	              "武汉光谷 （集团） 有限公司", WF);
	expect_ok_aux(r, "ＡＢＣ科技（武汉）有限公司", "ABC科技(武汉)有限公司",
	              "ABC科技（武汉）有限公司", WF);
	expect_ok_aux(r, "Wuhan  ABC Co., Ltd.", "WuhanABCCo.,Ltd.", "Wuhan ABC Co., Ltd.", 0);
	expect_reject(r, "  ", DGP_REASON_EMPTY);
	expect_reject(r, "公司\xC0\x80", DGP_REASON_CHARSET);
	expect_reject(rule_of("org_name", "max=4"), "武汉光谷集团", DGP_REASON_TOO_LONG);
}

Test(norm_encoding, gbk_and_gb18030)
{
	const dgp_norm_rule_t *g = rule_of("encoding", "charset=GBK");
	/* 武汉光谷（集团）有限公司 in GBK, with its full-width brackets A3A8/A3A9 */
	expect_ok(g,
	          "\xCE\xE4\xBA\xBA\xB9\xE2\xB9\xC8\xA3\xA8\xBC\xAF\xCD\xC5\xA3\xA9\xD3\xD0\xCF\xDE"
	          "\xB9\xAB\xCB\xBE",
	          "武汉光谷(集团)有限公司", TC | WF);
	expect_ok(g, "\xD6\xD0\xCE\xC4  abc ", "中文 abc", TC);
	expect_ok(g, "plain ascii ", "plain ascii", 0);   /* no transcoding needed */
	expect_reject(g, "\xD6", DGP_REASON_CHARSET);     /* truncated */
	expect_reject(g, "\xD6\x20", DGP_REASON_CHARSET); /* bad trail byte */
	expect_reject(g, "\xFF\xFF", DGP_REASON_CHARSET);
	expect_reject_n(g, "\xD6\xD0\0", 3, DGP_REASON_CHARSET);
	expect_reject(g, "", DGP_REASON_EMPTY);
	expect_reject(g, "\xA1\xA1", DGP_REASON_EMPTY); /* GBK ideographic space */
	const dgp_norm_rule_t *b = rule_of("encoding", "charset=GB18030");
	expect_ok(b, "\xD6\xD0\xCE\xC4", "中文", TC);
	/* U+20000 𠀀 is the 4-byte GB18030 sequence 95 32 82 36 */
	expect_ok(b, "\x95\x32\x82\x36", "\xF0\xA0\x80\x80", TC);
	expect_reject(g, "\x95\x32\x82\x36", DGP_REASON_CHARSET); /* not GBK */
	const dgp_norm_rule_t *d = rule_of("encoding", NULL);     /* GB18030 by default */
	expect_ok(d, "a\x81\x30\x81\x30", "a", TC | CR);          /* U+0080 is a C1 control */
	expect_ok(d, "\xB0\xA1", "啊", TC);
	expect_cap(b, "\xD6\xD0\xCE\xC4", 6, DGP_REASON_OK);
	expect_cap(b, "\xD6\xD0\xCE\xC4", 5, DGP_REASON_TOO_LONG);
	const dgp_norm_rule_t *m = rule_of("encoding", "charset=GBK;max=1");
	expect_reject(m, "\xD6\xD0\xCE\xC4", DGP_REASON_TOO_LONG);
}

/*
 * The encoding rule decodes two-byte sequences through a table built from
 * iconv; check it against iconv itself for every lead/trail byte pair of
 * both charsets: encoding(pair) == text(iconv(pair)), or charset when iconv
 * refuses the pair.
 */
#include <iconv.h>

static void check_against_iconv(const char *charset)
{
	char args[32];
	snprintf(args, sizeof(args), "charset=%s", charset);
	const dgp_norm_rule_t *enc = rule_of("encoding", args);
	const dgp_norm_rule_t *txt = rule_of("text", NULL);
	iconv_t cd = iconv_open("UTF-8", charset);
	cr_assert_neq(cd, (iconv_t)-1);
	int checked = 0, valid = 0;
	for (int lead = 0x80; lead <= 0xFF; lead++) {
		for (int trail = 0x00; trail <= 0xFF; trail++) {
			char in[3] = {'a', (char)lead, (char)trail}, u8[16], got[64], want[64];
			char *src = in, *dst = u8;
			size_t sl = 3, dl = sizeof(u8);
			bool ok = iconv(cd, &src, &sl, &dst, &dl) != (size_t)-1 && sl == 0;
			iconv(cd, NULL, NULL, NULL, NULL);
			if (trail == 0)
				ok = false; /* NUL bytes are refused before any decoding */
			dgp_norm_result_t er, tr;
			dgp_reason_t e =
			    dgp_norm_apply(enc, &test_ctx, in, 3, got, sizeof(got), &er);
			if (!ok) {
				cr_expect_eq(e, DGP_REASON_CHARSET,
				             "%s %02X%02X: %s, iconv refuses", charset, lead, trail,
				             dgp_reason_name(e));
			} else {
				valid++;
				dgp_reason_t t =
				    dgp_norm_apply(txt, &test_ctx, u8, (size_t)(dst - u8), want,
				                   sizeof(want), &tr);
				cr_expect_eq(e, t, "%s %02X%02X: %s vs %s", charset, lead, trail,
				             dgp_reason_name(e), dgp_reason_name(t));
				if (e == t && e == DGP_REASON_OK) {
					cr_expect(er.len == tr.len &&
					              memcmp(got, want, er.len) == 0,
					          "%s %02X%02X: \"%.*s\" vs \"%.*s\"", charset,
					          lead, trail, (int)er.len, got, (int)tr.len, want);
					cr_expect_eq(er.flags, tr.flags | DGP_NF_TRANSCODED);
				}
			}
			checked++;
		}
	}
	iconv_close(cd);
	cr_expect_eq(checked, 128 * 256);
	cr_expect_gt(valid, 20000, "%s: only %d valid pairs", charset, valid);
}

Test(norm_encoding, table_matches_iconv_gbk)
{
	check_against_iconv("GBK");
}

Test(norm_encoding, table_matches_iconv_gb18030)
{
	check_against_iconv("GB18030");
}

/*
 * The plain-value shortcut (printable ASCII and U+4000–U+9FFF only: the
 * input is the output) agrees with the full path on random values: a
 * leading space is trimmed in every mode and sets no flag, and a value with
 * a space never takes the shortcut, so " " + v goes the full way.  The
 * pieces straddle the shortcut's edges: '.', digits, ideographs either side
 * of U+4000 and U+9FFF, full-width letters, U+3000, leads cut short, stray
 * continuation bytes, NUL, DEL; values up to 70 bytes, across steps of 16.
 */
Test(norm_text, plain_shortcut_agrees_with_the_full_path)
{
	static const char *const pieces[] = {
	    /* plain: the first eleven */
	    "a", "Z", "7", "0", "9", "-", "~", "武", "汉", "䀀", "鿿",
	    /* not */
	    ".", "\x7F", "\x01", "㿿", "ꀀ", "Ａ", "　", "·", "é", "😀", "\xE4", "\xE4\xB8", "\xB8",
	    "\x80", "\xEA\x80\x80", "\xED\xA0\x80", "\xE3\x80\x80", "(", "（"};
	static const struct {
		const char *name, *args;
	} rules[] = {{"text", NULL},           {"text", "max=6"},  {"person_name", NULL},
	             {"person_name", "max=3"}, {"org_name", NULL}, {"org_name", "max=4"}};
	uint64_t st = 0x2545F4914F6CDD1Dull;
	size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	unsigned long plain = 0;
	for (size_t ri = 0; ri < sizeof(rules) / sizeof(rules[0]); ri++) {
		const dgp_norm_rule_t *r = rule_of(rules[ri].name, rules[ri].args);
		for (int iter = 0; iter < 20000; iter++) {
			char v[128] = " ";
			size_t len = 1, want = 2 + test_rnd(&st) % 70;
			uint64_t x = test_rnd(&st);
			/* mostly plain pieces, so the shortcut is taken often */
			while (len < want) {
				uint64_t y = test_rnd(&st);
				size_t k = (x & 3) ? y % 11 : y % npieces;
				size_t pl = strlen(pieces[k]);
				if (len + pl > sizeof(v) - 2)
					break;
				memcpy(v + len, pieces[k], pl);
				len += pl;
			}
			if ((x >> 8) % 50 == 0 && len > 1)
				v[1 + (x >> 16) % (len - 1)] = '\0';
			char got[1024], ref[1024];
			dgp_norm_result_t res, rres;
			dgp_reason_t a =
			    run_rule_n(r, v + 1, len - 1, 3 * len + 64, got, sizeof(got), &res);
			dgp_reason_t b =
			    run_rule_n(r, v, len, 3 * len + 64, ref, sizeof(ref), &rres);
			cr_assert_eq(a, b, "%s(%s) rule, iteration %d: %d vs %d", rules[ri].name,
			             rules[ri].args ? rules[ri].args : "", iter, a, b);
			if (a != DGP_REASON_OK)
				continue;
			plain += strchr(v + 1, ' ') == NULL;
			cr_assert_eq(res.len, rres.len);
			cr_assert_eq(res.aux_len, rres.aux_len);
			cr_assert_eq(res.flags, rres.flags, "%s, iteration %d", rules[ri].name,
			             iter);
			size_t total = res.aux_len ? res.aux_off + res.aux_len : res.len;
			cr_assert_eq(memcmp(got, ref, total), 0, "%s, iteration %d", rules[ri].name,
			             iter);
		}
	}
	cr_expect(plain > 10000, "%lu accepted values without a space", plain);
}

/* The shortcut's steps of 16 bytes: a character across two steps, one cut short at a step's end. */
Test(norm_text, plain_shortcut_at_step_edges)
{
	const dgp_norm_rule_t *r = rule_of("text", NULL);
	expect_ok(r, "aaaaaaaaaaaaaa武", "aaaaaaaaaaaaaa武", 0);
	expect_ok(r, "aaaaaaaaaaaaaaa武", "aaaaaaaaaaaaaaa武", 0);
	expect_ok(r, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa武汉", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa武汉", 0);
	expect_reject(r, "aaaaaaaaaaaaaaa\xE4", DGP_REASON_CHARSET);
	expect_reject(r, "aaaaaaaaaaaaaa\xE4\xB8", DGP_REASON_CHARSET);
	expect_reject(r, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xE4\xB8", DGP_REASON_CHARSET);
	expect_reject(r,
	              "\xB8"
	              "aaaaaaaaaaaaaaaaaa",
	              DGP_REASON_CHARSET);
	expect_reject(r, "aaaaaaaaaaaaaaaa\xB8", DGP_REASON_CHARSET);
}
