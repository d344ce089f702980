/*
 * report.c — the JSON report, every byte of it through jw.c's writer.
 *
 * The report is streamed so memory does not grow with the file: the header
 * goes out with the first connection, each connection as it finishes, the
 * capture counters at the end. Connections appear in the order they finish;
 * "id" numbers them in the order of their first packet.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

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

static const char *const who_names[] = { "client", "server", "both" };

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

void
report_flags(uint8_t fl, char buf[10])
{
	static const char letters[] = "FSRPAUEC";
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (fl & (1 << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
}

/*
 * inet_ntop's text. IPv4 is formatted here: inet_ntop's sprintf was a tenth
 * of the whole run on a 100 000-connection file.
 */
static void
addr_str(const struct track_endpoint *ep, char a[INET6_ADDRSTRLEN])
{
	char *p = a;
	int i, v;

	if (ep->family == 6) {
		inet_ntop(AF_INET6, ep->addr, a, INET6_ADDRSTRLEN);
		return;
	}
	for (i = 0; i < 4; i++) {
		v = ep->addr[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

static void
endpoint(struct jw *w, const struct conn *c, int role)
{
	struct track_endpoint ep;
	char a[INET6_ADDRSTRLEN];

	track_conn_endpoint(c, role, &ep);
	addr_str(&ep, a);
	jw_lit(w, "{");
	JW_KEY(w, "addr");
	jw_str(w, a);
	JW_NEXT(w, "port");
	jw_int(w, ep.port);
	jw_lit(w, "}");
}

void
report_endpoint_str(const struct track_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(ep, a);
	snprintf(buf, len, ep->family == 6 ? "[%s]:%u" : "%s:%u", a,
	    (unsigned)ep->port);
}

static void
who(struct jw *w, int x)
{
	if (x >= 0 && x <= 2)
		jw_str(w, who_names[x]);
	else
		jw_null(w);
}

static void
timeline(struct jw *w, const struct fsm_side *x, int64_t t0)
{
	int i;

	jw_lit(w, "[");
	for (i = 0; i < x->k.nsteps; i++) {
		if (i)
			jw_lit(w, ",");
		jw_lit(w, "{\"t\":");
		jw_secs(w, x->t[i] - t0);
		JW_NEXT(w, "state");
		jw_str(w, fsm_state_name(x->st[i]));
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

static void
time_waits(struct jw *w, const struct fsm *f, int64_t t0)
{
	int r, n = 0;

	jw_lit(w, "[");
	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &f->side[r];

		if (x->k.tw_since < 0)
			continue;
		if (n++)
			jw_lit(w, ",");
		jw_lit(w, "{");
		JW_KEY(w, "side");
		jw_str(w, who_names[r]);
		JW_NEXT(w, "since");
		jw_secs(w, x->k.tw_since - t0);
		JW_NEXT(w, "until");
		jw_secs(w, x->k.tw_since + FSM_TIME_WAIT_US - t0);
		JW_NEXT(w, "ended");
		if (x->tw_end >= 0)
			jw_secs(w, x->tw_end - t0);
		else
			jw_null(w);
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

static void
packets(struct jw *w, const struct conn *c, int64_t t0)
{
	uint32_t i, n;
	const struct pkt *pk = track_conn_packets(c, &n);

	jw_lit(w, "[");
	for (i = 0; i < n; i++) {
		const struct pkt *p = &pk[i];
		char fl[10];

		report_flags(p->flags, fl);
		if (i)
			jw_lit(w, ",");
		jw_lit(w, "{");
		JW_KEY(w, "t");
		jw_secs(w, p->t - t0);
		JW_NEXT(w, "from");
		jw_str(w, who_names[p->from]);
		JW_NEXT(w, "flags");
		jw_str(w, fl);
		JW_NEXT(w, "seq");
		jw_int(w, p->seq);
		JW_NEXT(w, "ack");
		jw_int(w, p->ack);
		JW_NEXT(w, "len");
		jw_int(w, p->len);
		JW_NEXT(w, "client_state");
		jw_str(w, fsm_state_name(p->cst));
		JW_NEXT(w, "server_state");
		jw_str(w, fsm_state_name(p->sst));
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

/* {"client":a,"server":b} for counters. */
static void
pair(struct jw *w, uint64_t a, uint64_t b)
{
	jw_lit(w, "{");
	JW_KEY(w, "client");
	jw_int(w, (int64_t)a);
	JW_NEXT(w, "server");
	jw_int(w, (int64_t)b);
	jw_lit(w, "}");
}

void
report_write_conn(struct jw *w, const struct conn *c, int64_t t0,
    int summary)
{
	const struct fsm *f = track_conn_fsm(c);
	uint64_t cb = track_bytes(c, FSM_CLIENT), sb = track_bytes(c, FSM_SERVER);

	jw_lit(w, "{");
	JW_KEY(w, "id");
	jw_int(w, (int64_t)track_conn_id(c));
	JW_NEXT(w, "partial");
	jw_bool(w, f->partial);
	JW_NEXT(w, "roles");
	jw_str(w, track_roles_name(track_conn_roles(c)));
	JW_NEXT(w, "client");
	endpoint(w, c, FSM_CLIENT);
	JW_NEXT(w, "server");
	endpoint(w, c, FSM_SERVER);
	JW_NEXT(w, "first");
	jw_secs(w, track_conn_first(c) - t0);
	JW_NEXT(w, "last");
	jw_secs(w, track_conn_last(c) - t0);
	JW_NEXT(w, "states");
	jw_lit(w, "{");
	JW_KEY(w, "client");
	timeline(w, &f->side[FSM_CLIENT], t0);
	JW_NEXT(w, "server");
	timeline(w, &f->side[FSM_SERVER], t0);
	jw_lit(w, "}");
	JW_NEXT(w, "active_closer");
	who(w, fsm_closer(f));
	JW_NEXT(w, "rst");
	jw_bool(w, f->rst_from >= 0);
	JW_NEXT(w, "rst_from");
	who(w, f->rst_from);
	JW_NEXT(w, "time_wait_side");
	who(w, fsm_tw_side(f));
	JW_NEXT(w, "time_wait");
	time_waits(w, f, t0);
	JW_NEXT(w, "conn_state");
	jw_str(w, zeek_conn_state(track_conn_zeek(c), cb, sb));
	JW_NEXT(w, "history");
	jw_str(w, track_conn_zeek(c)->hist);
	JW_NEXT(w, "bytes");
	pair(w, cb, sb);
	JW_NEXT(w, "packet_count");
	pair(w, track_conn_packet_count(c, FSM_CLIENT),
	    track_conn_packet_count(c, FSM_SERVER));
	if (!summary) {
		JW_NEXT(w, "packets");
		packets(w, c, t0);
	}
	jw_lit(w, "}");
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
	report_write_conn(&r->w, c, r->st->t0, r->summary);
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
