/*
 * adapter_jsonc.c — json-c adapter for bench_json.c: one json_tokener,
 * reset per record, strict mode with UTF-8 validation.
 */
#include <string.h>

#include <json-c/json.h>

#include "bench_json.h"

/* json-c: one tokener, reset per record, strict + UTF-8 validation. */
static void *jsonc_open(size_t max_line)
{
	(void)max_line;
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	return tok;
}

static int jsonc_parse(void *st, const char *p, size_t n, acc_t *a, perr_t *e)
{
	struct json_tokener *tok = st;
	json_tokener_reset(tok);
	json_object *root = json_tokener_parse_ex(tok, p, (int)n);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (!root) {
		if (jerr == json_tokener_continue)
			bench_set_err(e, (long)n, "premature end of input");
		else
			bench_set_err(e, (long)json_tokener_get_parse_end(tok),
			              json_tokener_error_desc(jerr));
		return -1;
	}
	int rc = 0;
	if (!bench_only_ws(p + json_tokener_get_parse_end(tok), p + n)) {
		bench_set_err(e, (long)json_tokener_get_parse_end(tok), "trailing characters");
		rc = -1;
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		bench_set_err(e, -1, "top-level value is not an object");
		rc = -1;
		goto out;
	}
	char num[32];
	json_object_object_foreach(root, k, v)
	{
		size_t kl = strlen(k);
		uint64_t kh = key_hash(k, kl);
		switch (json_object_get_type(v)) {
		case json_type_string:
			touch(a, kh, kl, T_STRING, json_object_get_string(v),
			      (size_t)json_object_get_string_len(v));
			break;
		case json_type_int:
			touch(a, kh, kl, T_NUMBER, num,
			      bench_fmt_int(num, json_object_get_int64(v)));
			break;
		case json_type_double: { /* json-c keeps the parsed text of a double */
			const char *s = json_object_get_string(v);
			touch(a, kh, kl, T_NUMBER, s, strlen(s));
			break;
		}
		case json_type_boolean:
			if (json_object_get_boolean(v))
				touch(a, kh, kl, T_TRUE, "true", 4);
			else
				touch(a, kh, kl, T_FALSE, "false", 5);
			break;
		case json_type_null:
			touch(a, kh, kl, T_NULL, "null", 4);
			break;
		default:
			bench_set_err(e, -1, "nested value");
			rc = -1;
			goto out;
		}
	}
out:
	json_object_put(root);
	return rc;
}

static void jsonc_close(void *st)
{
	json_tokener_free(st);
}

const parser_t dgp_bench_parser_jsonc = {"json-c", jsonc_open, jsonc_parse, jsonc_close};
