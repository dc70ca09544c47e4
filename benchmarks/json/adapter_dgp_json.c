/*
 * adapter_dgp_json.c — pipeline/dgp_json.c (dgp's own hand-written scanner)
 * as a bench_json parser. It lives in its own file because dgp_json.h and
 * the libraries' headers share no namespace but could; keep them apart.
 *
 * The scratch buffer is allocated once per run, the way pipeline/parse takes
 * it from the batch arena: unescaped strings never need more than the record.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_json.h"
#include "dgp_json.h"

#define MAX_FIELDS 256

typedef struct {
	char *scratch;
	dgp_json_field_t fields[MAX_FIELDS];
} dgp_json_st;

static void *dgp_json_open(size_t max_line)
{
	dgp_json_st *st = malloc(sizeof *st);
	if (st)
		st->scratch = malloc(max_line + 1);
	if (!st || !st->scratch) {
		fprintf(stderr, "bench_json: out of memory\n");
		abort();
	}
	return st;
}

static int dgp_json_parse(void *vst, const char *p, size_t n, acc_t *a, perr_t *e)
{
	dgp_json_st *st = vst;
	dgp_json_error_t err;
	int nf = dgp_json_scan(p, n, st->scratch, st->fields, MAX_FIELDS, &err);
	if (nf < 0) {
		bench_set_err(e, (long)err.offset, err.msg);
		return -1;
	}
	for (int i = 0; i < nf; i++) {
		const dgp_json_field_t *f = &st->fields[i];
		touch(a, key_hash(f->key, f->key_len), f->key_len, (int)f->type, f->val,
		      f->val_len);
	}
	return 0;
}

static void dgp_json_close(void *vst)
{
	dgp_json_st *st = vst;
	free(st->scratch);
	free(st);
}

const parser_t dgp_bench_parser_dgp_json = {"dgp_json", dgp_json_open, dgp_json_parse,
                                            dgp_json_close};
