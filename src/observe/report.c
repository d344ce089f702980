/*
 * report.c — the JSON report, every byte of it through jw.c's writer.
 *
 * The report is streamed so memory does not grow with the file: the header
 * goes out with the first connection, each connection as it finishes, the
 * capture counters at the end. Connections appear in the order they finish;
 * "id" numbers them in the order of their first packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>	/* JSON_COMPACT: jw escapes through Jansson */

#include "report.h"

#define REPORT_FLUSH (64 * 1024)

struct report {
	FILE *out;
	struct jw w;
	struct capture_info src;
	const struct track_stats *st;
	int summary, begun, nconn;
};

struct report *
report_new(FILE *out, int summary)
{
	struct report *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->out = out;
	r->summary = summary;
	jw_init(&r->w, JSON_COMPACT);
	return r;
}

void
report_set_source(struct report *r, const struct capture_info *src,
    const struct track_stats *st)
{
	r->src = *src;
	r->st = st;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	jw_free(&r->w);
	free(r);
}

/* "source": where the packets came from (keys as before: kind first). */
static void
source(struct jw *w, const struct capture_info *s)
{
	jw_lit(w, "{");
	JW_KEY(w, "kind");
	jw_str(w, s->live ? "live" : "file");
	JW_NEXT(w, "linktype");
	jw_str_or_null(w, s->linktype);
	JW_NEXT(w, "snaplen");
	jw_int(w, s->snaplen);
	JW_NEXT(w, "filter");
	jw_str_or_null(w, s->filter);
	if (s->live) {
		JW_NEXT(w, "interface");
		jw_str(w, s->iface);
	} else {
		JW_NEXT(w, "path");
		jw_str(w, s->path);
		JW_NEXT(w, "format");
		jw_str(w, s->format);
	}
	if (s->written_to != NULL) {
		JW_NEXT(w, "written_to");
		jw_str(w, s->written_to);
	}
	jw_lit(w, "}");
}

/* The header, once, before the first connection (or the trailer). */
static void
begin(struct report *r)
{
	struct jw *w = &r->w;

	if (r->begun)
		return;
	r->begun = 1;
	jw_lit(w, "{");
	JW_KEY(w, "tool");
	jw_str(w, "tcpobserve");
	JW_NEXT(w, "schema");
	jw_int(w, REPORT_SCHEMA);
	JW_NEXT(w, "version");
	jw_str(w, REPORT_VERSION);
	JW_NEXT(w, "source");
	source(w, &r->src);
	JW_NEXT(w, "t0");
	if (r->st->have_t0)
		jw_secs(w, r->st->t0);
	else
		jw_null(w);
	JW_NEXT(w, "connections");
	jw_lit(w, "[\n");
}

void
report_conn(void *ctx, const struct conn *c)
{
	struct report *r = ctx;

	begin(r);
	if (r->nconn++ > 0)
		jw_lit(&r->w, ",\n");
	record_write(&r->w, c, r->st->t0, r->summary);
	/* one fwrite per 64 KiB: below the FILE's buffer, it copied each */
	if (r->w.len >= REPORT_FLUSH)
		jw_flush(&r->w, r->out);
}

/* "malformed": the decode failures by name, and a truncated file. */
static void
malformed(struct jw *w, const struct track_stats *st, const char *truncated)
{
	int i, n = 0;

	jw_lit(w, "{");
	for (i = 0; i < DECODE_NSTATUS; i++) {
		if (!decode_is_malformed(i) || st->status[i] == 0)
			continue;
		if (n++)
			jw_lit(w, ",");
		jw_str(w, decode_status_name(i));
		jw_lit(w, ":");
		jw_int(w, (int64_t)st->status[i]);
	}
	if (truncated != NULL) {
		if (n)
			jw_lit(w, ",");
		JW_KEY(w, "truncated-file");
		jw_int(w, 1);
	}
	jw_lit(w, "}");
}

int
report_end(struct report *r, uint64_t dropped, const char *truncated)
{
	const struct track_stats *st = r->st;
	struct jw *w = &r->w;

	begin(r);
	if (r->nconn)
		jw_lit(w, "\n");
	jw_lit(w, "],");
	JW_KEY(w, "capture");
	jw_lit(w, "{");
	JW_KEY(w, "packets");
	jw_int(w, (int64_t)st->packets);
	JW_NEXT(w, "tcp_packets");
	jw_int(w, (int64_t)st->tcp_packets);
	JW_NEXT(w, "other_packets");
	jw_int(w, (int64_t)(st->status[DECODE_NOT_IP] +
	    st->status[DECODE_NOT_TCP] + st->status[DECODE_FRAGMENT]));
	JW_NEXT(w, "connections");
	jw_int(w, (int64_t)st->connections);
	JW_NEXT(w, "dropped");
	jw_int(w, (int64_t)dropped);
	JW_NEXT(w, "malformed");
	malformed(w, st, truncated);
	JW_NEXT(w, "duration");
	jw_secs(w, st->have_t0 ? st->tend - st->t0 : 0);
	JW_NEXT(w, "truncated");
	jw_str_or_null(w, truncated);
	jw_lit(w, "}}\n");
	errno = 0;
	if (jw_flush(w, r->out) == -1 || fflush(r->out) == EOF ||
	    ferror(r->out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
