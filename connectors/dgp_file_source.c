/*
 * dgp_file_source.c — split a (gzipped) export file into records.
 *
 *   gzread ──▶ buf[0 .. cap)
 *               beg: first byte of the record being split
 *               scan: where splitting resumes after a refill (CSV quote
 *                     state is kept with it, so no byte is scanned twice)
 *               end: bytes valid
 *   refill: move buf[beg .. end) to the front, read more behind it; grow
 *   buf only when one record fills it, up to max_record_bytes + 2.  A
 *   record that would not fit switches to skipping: keep its first bytes,
 *   then throw buffers away until the next newline (a 100 MB line costs
 *   100 MB of reading and no memory).
 *
 * buf_off is the stream offset of buf[0]; every origin offset is buf_off +
 * an index, so offsets are those of the uncompressed stream whatever the
 * compression.  zlib's gzread reads plain files transparently.
 *
 * GBK/GB18030 records go through iconv here, not through the encoding
 * normaliser (dgp_norm_encoding): that rule transcodes one value and then
 * normalises it as text (collapses whitespace, caps its length) without
 * saying where a bad byte was; a record needs a byte-exact transcode and
 * the offset for its reject detail.
 */
#include "dgp_file_source.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "dgp_arena.h"

#define GZ_CHUNK (64u << 10) /* zlib's buffer, and most bytes asked of one gzread */

enum csv_state { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE_END };

struct dgp_file_source {
	char *path;
	gzFile gz;
	uint64_t total_bytes;
	dgp_format_t format;
	unsigned char delim, quote;
	bool gb;              /* GBK/GB18030: bytes >= 0x81 lead a multibyte character */
	iconv_t cd;           /* (iconv_t)-1 for UTF-8 */
	const char *encoding; /* for messages */
	size_t max_record, read_size;
	bool defer_text; /* records come without text: dgp_file_source_make_text */

	char *buf;
	size_t cap, beg, scan, end;
	int64_t buf_off;      /* stream offset of buf[0] */
	int64_t line;         /* line of buf[beg] */
	enum csv_state csv;   /* state at buf[scan] */
	int64_t rec_newlines; /* newlines inside quotes in buf[beg .. scan) */
	size_t q_open;        /* CSV: open quote of the current quoted field, relative to beg */
	int64_t q_open_nl;    /* rec_newlines when that quote opened */
	int64_t max_quoted_lines;
	bool eof;
	dgp_err_t err; /* sticky read error */
	char errmsg[512];

	bool skipping; /* inside a too_long record */
	int64_t skip_offset, skip_line, skip_newlines;
	char *keep; /* the first max_record bytes of a too_long record */
	size_t keep_len;

	char *tbuf; /* transcoded text */
	size_t tcap;
	char *header;
	size_t header_len;
	char detail[256];
};

static bool is_utf8_name(const char *enc)
{
	return !enc || !*enc || strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0;
}

static bool is_gb_name(const char *enc)
{
	return strncasecmp(enc, "GB", 2) == 0 || strcasecmp(enc, "CP936") == 0;
}

/* ---- reading ------------------------------------------------------------- */

static dgp_err_t read_error(dgp_file_source_t *s)
{
	int zerr = Z_OK;
	const char *msg = gzerror(s->gz, &zerr);
	if (msg && strncmp(msg, "<fd:", 4) == 0 && strstr(msg, ": "))
		msg = strstr(msg, ": ") + 2; /* gzdopen names the file "<fd:N>": we name it */
	int64_t at = s->buf_off + (int64_t)s->end;
	if (zerr == Z_ERRNO)
		snprintf(s->errmsg, sizeof(s->errmsg), "could not read \"%s\" at byte %lld: %s",
		         s->path, (long long)at, strerror(errno));
	else
		snprintf(s->errmsg, sizeof(s->errmsg),
		         "damaged gzip data in \"%s\" at byte %lld of the uncompressed stream "
		         "(byte %lld of the file): %s",
		         s->path, (long long)at, (long long)gzoffset(s->gz),
		         msg && *msg ? msg : "unknown zlib error");
	s->err = DGP_ERR_IO;
	return s->err;
}

/* Move the unfinished record to the front, then read behind it.  Grows buf when full. */
static dgp_err_t fill(dgp_file_source_t *s)
{
	if (s->beg > 0) {
		memmove(s->buf, s->buf + s->beg, s->end - s->beg);
		s->buf_off += (int64_t)s->beg;
		s->scan -= s->beg;
		s->end -= s->beg;
		s->beg = 0;
	}
	if (s->end == s->cap) {
		size_t ncap = s->cap * 2;
		if (ncap > s->max_record + 2)
			ncap = s->max_record + 2;
		if (ncap > s->cap) {
			s->buf = dgp_xrealloc(s->buf, ncap);
			s->cap = ncap;
		}
	}
	size_t want = s->cap - s->end;
	if (want > s->read_size)
		want = s->read_size;
	/* gzread discards what it inflated in a call that then hits damaged
	 * data: smaller calls keep more of the records before the damage. */
	if (want > GZ_CHUNK && !gzdirect(s->gz))
		want = GZ_CHUNK;
	if (want > INT_MAX / 2) /* gzread's count is an unsigned, its result an int */
		want = INT_MAX / 2;
	int n = gzread(s->gz, s->buf + s->end, (unsigned)want);
	if (n < 0)
		return read_error(s);
	if (n == 0) {
		/* gzread returns 0, not -1, for a gzip stream cut short: gzerror
		 * then says Z_BUF_ERROR "unexpected end of file" */
		int zerr = Z_OK;
		gzerror(s->gz, &zerr);
		if (zerr != Z_OK)
			return read_error(s);
		s->eof = true;
	}
	s->end += (size_t)n;
	return DGP_OK;
}

/* ---- splitting ----------------------------------------------------------- */

/* Index of the '\n' ending the record at beg, or -1 when buf holds no end yet. */
static ptrdiff_t find_end_jsonl(dgp_file_source_t *s)
{
	const char *nl = memchr(s->buf + s->scan, '\n', s->end - s->scan);
	if (!nl) {
		s->scan = s->end;
		return -1;
	}
	return nl - s->buf;
}

/*
 * RFC 4180 splitting: a newline ends the record unless a quoted field is
 * open.  A quote opens a field only at its start, so a stray quote inside
 * an unquoted field cannot swallow the lines after it (the parser rejects
 * that record).  In GBK/GB18030 a lead byte's trail byte is skipped: it
 * may equal an ASCII delimiter such as '|'.
 *
 * A stray quote at the start of a field opens a field that never closes,
 * or closes at the next row's legitimate opening quote.  So a quoted field
 * that spans lines and then crosses more than max_quoted_lines newlines,
 * is followed by anything but a delimiter or a line end, is still open at
 * the end of the file or makes the record longer than max_record, is taken
 * for a stray quote: the record is cut back to the end of the line holding
 * the opening quote (the parser rejects it as an unterminated quoted field)
 * and splitting resumes at the line after it, so the rows behind it load.
 */

/* Index of the newline ending the line of the current field's opening quote. */
static size_t quote_line_end(const dgp_file_source_t *s)
{
	const char *nl = memchr(s->buf + s->beg + s->q_open, '\n', s->end - s->beg - s->q_open);
	return (size_t)(nl - s->buf); /* a newline follows: the field crossed one */
}

/* Cut the record at beg back to its opening quote's line; returns that line's newline. */
static ptrdiff_t cut_back(dgp_file_source_t *s)
{
	size_t nl = quote_line_end(s);
	s->rec_newlines = s->q_open_nl;
	s->csv = CSV_FIELD_START;
	s->scan = nl;
	return (ptrdiff_t)nl;
}

/* The record at beg holds a quoted field, still open, that crossed a newline. */
static bool quoted_across_lines(const dgp_file_source_t *s)
{
	return s->format == DGP_FORMAT_CSV && (s->csv == CSV_QUOTED || s->csv == CSV_QUOTE_END) &&
	       s->rec_newlines > s->q_open_nl;
}

static ptrdiff_t find_end_csv(dgp_file_source_t *s)
{
	const unsigned char *b = (const unsigned char *)s->buf;
	size_t i = s->scan, end = s->end;
	/* Fast path, most rows: no quote before the newline, so no state to track. */
	if (s->csv == CSV_FIELD_START && i == s->beg) {
		const char *nl = memchr(s->buf + i, '\n', end - i);
		if (nl && !memchr(s->buf + i, s->quote, (size_t)(nl - s->buf) - i))
			return nl - s->buf;
	}
	enum csv_state st = s->csv;
	int64_t nl = s->rec_newlines;
	const unsigned char delim = s->delim, quote = s->quote;
	ptrdiff_t found = -1;
	bool stray = false;
	while (i < end) {
		unsigned char c = b[i];
		if (st == CSV_QUOTED) {
			if (c == quote) {
				st = CSV_QUOTE_END;
			} else if (c == '\n' && ++nl - s->q_open_nl > s->max_quoted_lines) {
				stray = true;
				break;
			}
		} else if (st == CSV_QUOTE_END && c == quote) {
			st = CSV_QUOTED;
		} else if (st == CSV_QUOTE_END && c != delim && c != '\n' && c != '\r' &&
		           nl > s->q_open_nl) {
			stray = true; /* a multi-line field closed by the next row's quote */
			break;
		} else if (c == '\n') {
			found = (ptrdiff_t)i;
			break;
		} else if (c == delim) {
			st = CSV_FIELD_START;
		} else if (c == quote && st == CSV_FIELD_START) {
			st = CSV_QUOTED;
			s->q_open = i - s->beg;
			s->q_open_nl = nl;
		} else if (st != CSV_QUOTED) {
			st = CSV_UNQUOTED;
		}
		if (s->gb && c >= 0x81 && c != quote && c != delim) {
			if (i + 1 >= end && !s->eof)
				break; /* trail byte not read yet: rescan this byte after the refill
				        */
			/* Trail bytes are 0x30-0x39 (4-byte forms) or 0x40-0xFE: a quote,
			 * comma or newline after a lead byte is damage, not a trail, and
			 * must keep its meaning so the damage stays in one record. */
			if (i + 1 < end && b[i + 1] >= 0x30)
				i++;
		}
		i++;
	}
	if (stray)
		return cut_back(s);
	s->scan = found >= 0 ? (size_t)found : (i > end ? end : i);
	s->csv = st;
	s->rec_newlines = nl;
	return found;
}

/* ---- records ------------------------------------------------------------- */

static void set_detail(dgp_file_source_t *s, dgp_file_record_t *rec, dgp_reason_t r,
                       const char *fmt, ...) DGP_PRINTF(4, 5);

static void set_detail(dgp_file_source_t *s, dgp_file_record_t *rec, dgp_reason_t r,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
	va_end(ap);
	rec->reason = r;
	rec->detail = s->detail;
	rec->text = NULL;
	rec->text_len = 0;
}

/* GBK/GB18030 → UTF-8 into tbuf; false (record rejected) on an invalid sequence. */
static bool transcode(dgp_file_source_t *s, dgp_file_record_t *rec)
{
	size_t need = 2 * rec->raw_len + 16; /* GB: 1→1, 2→≤3, 4→4 bytes */
	if (need > s->tcap) {
		s->tbuf = dgp_xrealloc(s->tbuf, need);
		s->tcap = need;
	}
	iconv(s->cd, NULL, NULL, NULL, NULL);
	char *in = (char *)rec->raw, *out = s->tbuf;
	size_t inleft = rec->raw_len, outleft = s->tcap;
	if (iconv(s->cd, &in, &inleft, &out, &outleft) == (size_t)-1 ||
	    iconv(s->cd, NULL, NULL, &out, &outleft) == (size_t)-1) {
		set_detail(s, rec, DGP_REASON_CHARSET, "%s %s at byte %zu",
		           errno == EINVAL ? "truncated" : "invalid", s->encoding,
		           (size_t)(in - rec->raw));
		return false;
	}
	rec->text = s->tbuf;
	rec->text_len = (size_t)(out - s->tbuf);
	rec->flags = DGP_NF_TRANSCODED;
	return true;
}

/* Check or transcode rec->raw into rec->text. */
static void make_text(dgp_file_source_t *s, dgp_file_record_t *rec)
{
	if (s->cd != (iconv_t)-1) {
		const char *nul = memchr(rec->raw, 0, rec->raw_len);
		if (nul)
			set_detail(s, rec, DGP_REASON_CHARSET, "NUL byte at byte %zu",
			           (size_t)(nul - rec->raw));
		else
			transcode(s, rec);
		return;
	}
	if (dgp_parse_check_text(rec->raw, rec->raw_len, s->detail, sizeof(s->detail)) !=
	    DGP_REASON_OK) {
		rec->reason = DGP_REASON_CHARSET;
		rec->detail = s->detail;
		return;
	}
	rec->text = rec->raw;
	rec->text_len = rec->raw_len;
}

/*
 * Holding a line of any length would let one line exhaust memory, so raw
 * keeps the first max_record bytes; the detail says what was cut and where
 * the whole record lies in the (uncompressed) file, so it can be cut out of
 * it again: `tail -c +<offset + 1> | head -c <length>`.
 */
static void too_long(dgp_file_source_t *s, dgp_file_record_t *rec, int64_t len)
{
	set_detail(s, rec, DGP_REASON_TOO_LONG,
	           "record of %lld bytes at byte offset %lld is longer than"
	           " load.max.record.bytes (%zu); raw keeps its first %zu bytes, %lld more"
	           " are in the file",
	           (long long)len, (long long)rec->origin.offset, s->max_record, rec->raw_len,
	           (long long)(len - (int64_t)rec->raw_len));
}

/* The record buf[beg .. stop) ending at stream offset end_offset; false for an empty line. */
static bool take_record(dgp_file_source_t *s, size_t stop, int64_t end_offset,
                        dgp_file_record_t *rec)
{
	size_t len = stop - s->beg;
	if (len && s->buf[s->beg + len - 1] == '\r')
		len--;
	*rec = (dgp_file_record_t){
	    .raw = s->buf + s->beg,
	    .raw_len = len,
	    .origin = {.source = s->path,
	               .partition = -1,
	               .offset = s->buf_off + (int64_t)s->beg,
	               .line = s->line,
	               .end_offset = end_offset},
	};
	s->line += 1 + s->rec_newlines;
	rec->next_line = s->line;
	s->rec_newlines = 0;
	s->csv = CSV_FIELD_START;
	if (len == 0)
		return false;
	if (len > s->max_record) {
		rec->raw_len = s->max_record;
		too_long(s, rec, (int64_t)len);
		return true;
	}
	if (!s->defer_text)
		make_text(s, rec);
	return true;
}

/* The record at beg cannot fit: keep its first bytes, then skip to the next newline. */
static void start_skipping(dgp_file_source_t *s)
{
	s->skipping = true;
	s->skip_offset = s->buf_off + (int64_t)s->beg;
	s->skip_line = s->line;
	s->keep_len = s->end - s->beg < s->max_record ? s->end - s->beg : s->max_record;
	if (!s->keep)
		s->keep = dgp_xmalloc(s->max_record);
	memcpy(s->keep, s->buf + s->beg, s->keep_len);
	s->skip_newlines = s->rec_newlines; /* quoted newlines already passed (CSV) */
	s->buf_off += (int64_t)s->end;
	s->beg = s->scan = s->end = 0;
}

/* Skipping: look for the newline; true with rec set once the record is over. */
static bool skip_step(dgp_file_source_t *s, dgp_file_record_t *rec)
{
	const char *nl = memchr(s->buf + s->scan, '\n', s->end - s->scan);
	size_t stop;
	if (nl)
		stop = (size_t)(nl - s->buf);
	else if (s->eof)
		stop = s->end;
	else {
		s->buf_off += (int64_t)s->end;
		s->beg = s->scan = s->end = 0;
		return false;
	}
	int64_t rec_end = s->buf_off + (int64_t)stop;
	*rec = (dgp_file_record_t){
	    .raw = s->keep,
	    .raw_len = s->keep_len,
	    .origin = {.source = s->path,
	               .partition = -1,
	               .offset = s->skip_offset,
	               .line = s->skip_line,
	               .end_offset = nl ? rec_end + 1 : rec_end},
	};
	too_long(s, rec, rec_end - s->skip_offset);
	s->line = s->skip_line + s->skip_newlines + 1;
	rec->next_line = s->line;
	s->rec_newlines = 0;
	s->csv = CSV_FIELD_START;
	s->skipping = false;
	s->beg = s->scan = nl ? stop + 1 : stop;
	return true;
}

static int next_record(dgp_file_source_t *s, dgp_file_record_t *rec)
{
	for (;;) {
		if (s->err)
			return s->err;
		if (s->skipping) {
			if (skip_step(s, rec))
				return 1;
		} else {
			ptrdiff_t nl =
			    s->format == DGP_FORMAT_CSV ? find_end_csv(s) : find_end_jsonl(s);
			if (nl >= 0) {
				s->scan = (size_t)nl + 1;
				bool got = take_record(s, (size_t)nl, s->buf_off + nl + 1, rec);
				s->beg = s->scan;
				if (got)
					return 1;
				continue;
			}
			bool over = s->end - s->beg > s->max_record + 1;
			if ((over || s->eof) && quoted_across_lines(s)) {
				nl = cut_back(s); /* a stray quote, not a long record */
				s->scan = (size_t)nl + 1;
				bool got = take_record(s, (size_t)nl, s->buf_off + nl + 1, rec);
				s->beg = s->scan;
				if (got)
					return 1;
				continue;
			}
			if (over) {
				start_skipping(s);
				continue;
			}
			if (s->eof) {
				if (s->beg == s->end)
					return 0;
				size_t stop = s->end;
				bool got = take_record(s, stop, s->buf_off + (int64_t)stop, rec);
				s->beg = s->scan = stop;
				if (got)
					return 1;
				continue;
			}
		}
		if (s->eof)
			continue; /* skip_step finishes at EOF */
		dgp_err_t err = fill(s);
		if (err != DGP_OK)
			return err;
	}
}

int dgp_file_source_next(dgp_file_source_t *s, dgp_file_record_t *rec, char *errstr,
                         size_t errstr_size)
{
	int r = next_record(s, rec);
	if (r < 0)
		dgp_errstr_set(errstr, errstr_size, (dgp_err_t)r, "%s", s->errmsg);
	return r;
}

void dgp_file_source_defer_text(dgp_file_source_t *s)
{
	s->defer_text = true;
}

void dgp_file_source_make_text(dgp_file_source_t *s, dgp_file_record_t *rec)
{
	if (rec->reason == DGP_REASON_OK && !rec->text)
		make_text(s, rec);
}

/* ---- open / close -------------------------------------------------------- */

static void skip_bom(dgp_file_source_t *s)
{
	static const char utf8_bom[] = "\xEF\xBB\xBF", gb18030_bom[] = "\x84\x31\x95\x33";
	while (s->end < 4 && !s->eof && !s->err)
		if (fill(s) != DGP_OK)
			return;
	const char *bom = s->gb ? gb18030_bom : utf8_bom;
	size_t n = strlen(bom);
	if (s->end >= n && memcmp(s->buf, bom, n) == 0)
		s->beg = s->scan = n;
}

static dgp_err_t read_header(dgp_file_source_t *s, char *errstr, size_t errstr_size)
{
	dgp_file_record_t rec;
	int r = next_record(s, &rec);
	if (r < 0)
		return dgp_errstr_set(errstr, errstr_size, (dgp_err_t)r, "%s", s->errmsg);
	if (r == 0)
		return DGP_OK;
	if (rec.reason != DGP_REASON_OK)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
		                      "CSV header of \"%s\" is not valid: %s", s->path, rec.detail);
	s->header = dgp_xmalloc(rec.text_len + 1);
	memcpy(s->header, rec.text, rec.text_len);
	s->header[rec.text_len] = '\0';
	s->header_len = rec.text_len;
	return DGP_OK;
}

static dgp_err_t seek_to(dgp_file_source_t *s, int64_t offset, int64_t line, char *errstr,
                         size_t errstr_size)
{
	z_off_t got = gzseek(s->gz, (z_off_t)offset, SEEK_SET);
	if (got != (z_off_t)offset)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO,
		                      "could not seek \"%s\" to byte %lld to resume", s->path,
		                      (long long)offset);
	/* gzseek past the end succeeds; the first read tells. */
	s->buf_off = offset;
	s->beg = s->scan = s->end = 0;
	s->eof = false;
	s->line = line;
	s->csv = CSV_FIELD_START;
	s->rec_newlines = 0;
	if (fill(s) != DGP_OK)
		return dgp_errstr_set(errstr, errstr_size, s->err, "%s", s->errmsg);
	if (s->end == 0 && s->eof && gzoffset(s->gz) >= 0) {
		/* Nothing after offset: fine when offset is exactly the end. */
		char probe;
		if (gzseek(s->gz, (z_off_t)offset - 1, SEEK_SET) != (z_off_t)offset - 1 ||
		    gzread(s->gz, &probe, 1) != 1)
			return dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
			                      "resume offset %lld is past the end of \"%s\"",
			                      (long long)offset, s->path);
	}
	return DGP_OK;
}

dgp_err_t dgp_file_source_open(const char *path, const dgp_file_source_opts_t *opts,
                               dgp_file_source_t **srcp, char *errstr, size_t errstr_size)
{
	static const dgp_file_source_opts_t defaults = {.format = DGP_FORMAT_JSONL};
	if (!opts)
		opts = &defaults;
	*srcp = NULL;
	dgp_file_source_t *s = dgp_xcalloc(1, sizeof(*s));
	s->path = dgp_xmalloc(strlen(path) + 1);
	strcpy(s->path, path);
	s->cd = (iconv_t)-1;
	s->format = opts->format;
	s->delim = (unsigned char)(opts->csv_delim ? opts->csv_delim : ',');
	s->quote = (unsigned char)(opts->csv_quote ? opts->csv_quote : '"');
	s->max_record =
	    opts->max_record_bytes ? opts->max_record_bytes : DGP_FILE_SOURCE_MAX_RECORD;
	s->read_size = opts->read_size ? opts->read_size : DGP_FILE_SOURCE_READ_SIZE;
	s->max_quoted_lines = opts->max_quoted_lines ? (int64_t)opts->max_quoted_lines
	                                             : DGP_FILE_SOURCE_MAX_QUOTED_LINES;
	s->line = 1;
	dgp_err_t err = DGP_OK;

	if (!is_utf8_name(opts->encoding)) {
		s->cd = iconv_open("UTF-8", opts->encoding);
		if (s->cd == (iconv_t)-1) {
			err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_INVALID,
			                     "unknown encoding \"%s\" for \"%s\"", opts->encoding,
			                     path);
			goto fail;
		}
		s->gb = is_gb_name(opts->encoding);
		s->encoding = opts->encoding;
	}

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "could not open \"%s\": %s",
		                     path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	s->total_bytes = (uint64_t)st.st_size;
	s->gz = gzdopen(fd, "rb");
	if (!s->gz) {
		close(fd);
		err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "could not open \"%s\": %s",
		                     path, errno ? strerror(errno) : "out of memory");
		goto fail;
	}
	/* zlib inflates into its own buffer of twice this size and drops the
	 * lot when it meets damage: a small one keeps the records before it. */
	gzbuffer(s->gz, GZ_CHUNK);
	s->cap = s->read_size;
	if (s->cap > s->max_record + 2)
		s->cap = s->max_record + 2;
	s->buf = dgp_xmalloc(s->cap);

	bool resume = opts->start_offset > 0;
	if (!resume || s->format == DGP_FORMAT_CSV) {
		skip_bom(s);
		if (s->err) {
			err = dgp_errstr_set(errstr, errstr_size, s->err, "%s", s->errmsg);
			goto fail;
		}
	}
	if (s->format == DGP_FORMAT_CSV) {
		err = read_header(s, errstr, errstr_size);
		if (err != DGP_OK)
			goto fail;
	}
	if (resume) {
		err = seek_to(s, opts->start_offset, opts->start_line > 0 ? opts->start_line : 1,
		              errstr, errstr_size);
		if (err != DGP_OK)
			goto fail;
	}
	*srcp = s;
	return DGP_OK;
fail:
	dgp_file_source_close(s);
	return err;
}

void dgp_file_source_close(dgp_file_source_t *s)
{
	if (!s)
		return;
	if (s->gz)
		gzclose_r(s->gz);
	if (s->cd != (iconv_t)-1)
		iconv_close(s->cd);
	free(s->buf);
	free(s->keep);
	free(s->tbuf);
	free(s->header);
	free(s->path);
	free(s);
}

const char *dgp_file_source_header(const dgp_file_source_t *s, size_t *len)
{
	if (len)
		*len = s->header_len;
	return s->header;
}

void dgp_file_source_progress(const dgp_file_source_t *s, uint64_t *read_bytes,
                              uint64_t *total_bytes)
{
	z_off_t off = gzoffset(s->gz);
	*read_bytes = off > 0 ? (uint64_t)off : 0;
	*total_bytes = s->total_bytes;
}

dgp_err_t dgp_file_id(const char *path, char hex[DGP_FILE_ID_HEX], char *errstr, size_t errstr_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO, "could not open \"%s\": %s",
		                      path, strerror(errno));
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		dgp_oom(0, "xxh3 state");
	XXH3_128bits_reset(st);
	char *block = dgp_xmalloc(DGP_FILE_SOURCE_READ_SIZE);
	dgp_err_t err = DGP_OK;
	for (;;) {
		ssize_t n = read(fd, block, DGP_FILE_SOURCE_READ_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = dgp_errstr_set(errstr, errstr_size, DGP_ERR_IO,
			                     "could not read \"%s\": %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		XXH3_128bits_update(st, block, (size_t)n);
	}
	if (err == DGP_OK) {
		XXH128_canonical_t c;
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
	}
	free(block);
	XXH3_freeState(st);
	close(fd);
	return err;
}

/* ---- encoding check ------------------------------------------------------ */

/* in[0..len) converts cleanly from cd's encoding (no NUL byte either). */
static bool decodes_as(iconv_t cd, const char *in, size_t len, char *out, size_t out_cap)
{
	if (memchr(in, 0, len))
		return false;
	iconv(cd, NULL, NULL, NULL, NULL);
	char *ip = (char *)in, *op = out;
	size_t il = len, ol = out_cap;
	return iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 &&
	       iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1;
}

static bool decodes_utf8(const char *in, size_t len)
{
	char d[8];
	return dgp_parse_check_text(in, len, d, sizeof(d)) == DGP_REASON_OK;
}

static bool is_ascii(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			return false;
	return true;
}

dgp_err_t dgp_file_source_guess_encoding(const char *path, const dgp_file_source_opts_t *opts,
                                         size_t nrecords, const char **likely, char *errstr,
                                         size_t errstr_size)
{
	*likely = NULL;
	/* The lines as bytes: JSONL splitting (newline), no transcoding. */
	dgp_file_source_opts_t o = {.format = DGP_FORMAT_JSONL,
	                            .max_record_bytes = opts->max_record_bytes,
	                            .read_size = opts->read_size};
	dgp_file_source_t *s;
	dgp_err_t err = dgp_file_source_open(path, &o, &s, errstr, errstr_size);
	if (err != DGP_OK)
		return err;
	bool declared_utf8 = is_utf8_name(opts->encoding);
	bool bom = s->beg == 3; /* UTF-8 mode skipped a UTF-8 byte order mark */
	static const char *const gb_names[] = {"GBK", "GB18030"};
	iconv_t declared = declared_utf8 ? (iconv_t)-1 : iconv_open("UTF-8", opts->encoding);
	iconv_t gb[2];
	for (int i = 0; i < 2; i++)
		gb[i] = iconv_open("UTF-8", gb_names[i]);
	bool other_ok[2] = {true, true}; /* UTF-8 declared: GBK, GB18030; else [0]: UTF-8 */
	size_t seen = 0, nonascii = 0, fails = 0, cap = 0;
	char *out = NULL;
	dgp_file_record_t rec;
	while (seen < nrecords && next_record(s, &rec) == 1) {
		if (opts->format == DGP_FORMAT_CSV && rec.origin.line == 1)
			continue; /* the header: names, mostly ASCII */
		if (rec.reason == DGP_REASON_TOO_LONG)
			continue;
		seen++;
		if (is_ascii(rec.raw, rec.raw_len))
			continue;
		nonascii++;
		if (2 * rec.raw_len + 16 > cap) {
			cap = 2 * rec.raw_len + 16;
			out = dgp_xrealloc(out, cap);
		}
		if (declared_utf8) {
			if (!decodes_utf8(rec.raw, rec.raw_len))
				fails++;
			for (int i = 0; i < 2; i++)
				other_ok[i] = other_ok[i] && gb[i] != (iconv_t)-1 &&
				              decodes_as(gb[i], rec.raw, rec.raw_len, out, cap);
		} else {
			if (declared == (iconv_t)-1 ||
			    !decodes_as(declared, rec.raw, rec.raw_len, out, cap))
				fails++;
			other_ok[0] = other_ok[0] && decodes_utf8(rec.raw, rec.raw_len);
		}
	}
	/* Most records with non-ASCII bytes fail as declared and every one decodes
	 * as the other; or, declared GBK/GB18030, a UTF-8 byte order mark opens a
	 * file whose records are all UTF-8. */
	bool most_fail = fails > 0 && 2 * fails > nonascii;
	if (declared_utf8) {
		if (most_fail)
			*likely = other_ok[0] ? gb_names[0] : other_ok[1] ? gb_names[1] : NULL;
	} else if (other_ok[0] && (most_fail || (bom && nonascii))) {
		*likely = "UTF-8";
	}
	free(out);
	for (int i = 0; i < 2; i++)
		if (gb[i] != (iconv_t)-1)
			iconv_close(gb[i]);
	if (declared != (iconv_t)-1)
		iconv_close(declared);
	dgp_file_source_close(s);
	return DGP_OK;
}

void dgp_file_load_id(const char *content_id, const char *resource_code,
                      const dgp_file_source_opts_t *opts, char hex[DGP_FILE_ID_HEX])
{
	/* One text, fields separated by a byte no field holds. */
	char enc[64];
	const char *e = is_utf8_name(opts->encoding) ? "UTF-8" : opts->encoding;
	size_t i = 0;
	for (; e[i] && i + 1 < sizeof(enc); i++)
		enc[i] = (char)(e[i] >= 'a' && e[i] <= 'z' ? e[i] - 'a' + 'A' : e[i]);
	enc[i] = '\0';
	char text[512];
	int n = snprintf(
	    text, sizeof(text), "%s\x1f%s\x1f%s\x1f%s\x1f%c\x1f%c", content_id,
	    resource_code ? resource_code : "", opts->format == DGP_FORMAT_CSV ? "csv" : "jsonl",
	    enc, opts->csv_delim ? opts->csv_delim : ',', opts->csv_quote ? opts->csv_quote : '"');
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits(text, len));
	for (int k = 0; k < 16; k++)
		snprintf(hex + 2 * k, 3, "%02x", c.digest[k]);
}
