/*
 * dgp_log.c — formatting front end for the sink the CLI installs.
 */
#include "dgp_log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static dgp_log_sink_fn *log_sink;
static void *log_opaque;
static atomic_int log_level = DGP_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void dgp_log_set_sink(dgp_log_sink_fn *sink, void *opaque)
{
	log_sink = sink;
	log_opaque = opaque;
}

void dgp_log_set_level(dgp_log_level_t level)
{
	atomic_store(&log_level, (int)level);
}

bool dgp_log_enabled(dgp_log_level_t level)
{
	return log_sink && (int)level <= atomic_load(&log_level);
}

bool dgp_log_level_parse(const char *name, dgp_log_level_t *level)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (dgp_log_level_t)i;
			return true;
		}
	}
	return false;
}

const char *dgp_log_level_name(dgp_log_level_t level)
{
	if ((int)level < 0 || (int)level > 3)
		return "?";
	return level_names[level];
}

void dgp_vlog(dgp_log_level_t level, const char *module, const char *fmt, va_list ap)
{
	if (!dgp_log_enabled(level))
		return;
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_sink(level, module, msg, log_opaque);
}

void dgp_log(dgp_log_level_t level, const char *module, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dgp_vlog(level, module, fmt, ap);
	va_end(ap);
}

/* Length of the UTF-8 sequence starting with byte c (1 for invalid lead bytes). */
static size_t utf8_seq_len(unsigned char c)
{
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	if (c >= 0xE0)
		return c <= 0xEF ? 3 : 1;
	if (c >= 0xC2)
		return 2;
	return 1;
}

char *dgp_log_mask(const char *value, size_t len, unsigned front, unsigned end, char *out,
                   size_t out_size)
{
	if (out_size == 0)
		return out;
	/* Count characters first, so `end` can be found from the front. */
	size_t nchars = 0;
	for (size_t i = 0; i < len; i += utf8_seq_len((unsigned char)value[i]))
		nchars++;

	bool mask_all = nchars <= (size_t)front + end;
	size_t o = 0, ci = 0;
	for (size_t i = 0; i < len && o + 1 < out_size; ci++) {
		size_t n = utf8_seq_len((unsigned char)value[i]);
		if (i + n > len)
			n = len - i;
		bool keep = !mask_all && (ci < front || ci >= nchars - end);
		if (keep) {
			if (o + n >= out_size)
				break;
			memcpy(out + o, value + i, n);
			o += n;
		} else {
			out[o++] = '*';
		}
		i += n;
	}
	out[o] = '\0';
	return out;
}
