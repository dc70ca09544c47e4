/*
 * dgp_pg_sink_batch.c — dgp_pg_sink_write() of a dgp_batch_t.
 *
 * Kept apart from dgp_pg_sink.c only so that programs which hand the sink
 * their own records (tests, tools) do not need pipeline/dgp_batch.c linked.
 */
#include "dgp_pg_sink.h"

dgp_err_t dgp_pg_sink_write_batch(dgp_pg_sink_t *sk, dgp_batch_t *batch,
				  const dgp_pg_progress_t *progress, dgp_pg_sink_result_t *result,
				  char *errstr, size_t errstr_size)
{
	dgp_pg_sink_input_t in = {.schema = dgp_batch_schema(batch)};
	dgp_record_t **ins, **mrg;
	dgp_batch_writes(batch, &ins, &in.n_inserts, &mrg, &in.n_merges);
	in.inserts = ins;
	in.merges = mrg;
	in.field_rejects = dgp_batch_field_rejects(batch, &in.n_field_rejects);
	in.counts = dgp_batch_counts(batch);
	in.field_counts = dgp_batch_field_counts(batch);

	/* Record rejects: the batch keeps them among its records. */
	size_t n = dgp_batch_size(batch), nrej = in.counts->rejected;
	const dgp_record_t **rej = NULL;
	if (nrej) {
		rej = dgp_arena_alloc(dgp_batch_arena(batch), nrej * sizeof(*rej));
		size_t k = 0;
		for (size_t i = 0; i < n && k < nrej; i++) {
			const dgp_record_t *r = dgp_batch_record(batch, i);
			if (r->reason != DGP_REASON_OK)
				rej[k++] = r;
		}
		nrej = k;
	}
	in.rejects = rej;
	in.n_rejects = nrej;
	return dgp_pg_sink_write(sk, &in, progress, result, errstr, errstr_size);
}
