/*
 * record.c — one connection as a JSON object (schema 1), through jw.c: what
 * the report streams for each connection and what --follow prints when a
 * connection ends. Everything it reads of the connection, it reads through
 * track.h's accessors.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "record.h"

static const char *const who_names[] = { "client", "server", "both" };

void
record_flags(uint8_t fl, char buf[10])
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

void
record_endpoint(struct jw *w, const struct track_endpoint *ep)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(ep, a);
	jw_lit(w, "{");
	JW_KEY(w, "addr");
	jw_str(w, a);
	JW_NEXT(w, "port");
	jw_int(w, ep->port);
	jw_lit(w, "}");
}

static void
endpoint(struct jw *w, const struct conn *c, int role)
{
	struct track_endpoint ep;

	track_conn_endpoint(c, role, &ep);
	record_endpoint(w, &ep);
}

void
record_endpoint_str(const struct track_endpoint *ep, char *buf, size_t len)
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

/*
 * `,"state":"NAME"}` in one write: a state name is plain ASCII, and the
 * timelines' names were 15 % of the time in jw_str's scan (callgrind).
 */
static void
state_member(struct jw *w, int st)
{
	static struct {
		char s[32];
		uint8_t n;
	} m[FSM_NSTATES];
	static int ready;
	int i;

	if (st < 0 || st >= FSM_NSTATES) {
		JW_NEXT(w, "state");
		jw_str(w, fsm_state_name(st));
		jw_lit(w, "}");
		return;
	}
	if (!ready) {
		for (i = 0; i < FSM_NSTATES; i++)
			m[i].n = (uint8_t)snprintf(m[i].s, sizeof m[i].s,
			    ",\"state\":\"%s\"}", fsm_state_name(i));
		ready = 1;
	}
	jw_raw(w, m[st].s, m[st].n);
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
		state_member(w, x->st[i]);
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
		jw_secs(w, fsm_tw_until(x) - t0);
		JW_NEXT(w, "ended");
		if (x->tw_end >= 0)
			jw_secs(w, x->tw_end - t0);
		else
			jw_null(w);
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

void
record_segment(struct jw *w, const struct pkt *p)
{
	char fl[10];

	record_flags(p->flags, fl);
	JW_KEY(w, "from");
	jw_str(w, who_names[p->from]);
	JW_NEXT(w, "flags");
	jw_str(w, fl);
	JW_NEXT(w, "seq");
	jw_int(w, p->seq);
	JW_NEXT(w, "ack");
	jw_int(w, p->ack);
	JW_NEXT(w, "len");
	jw_int(w, p->len);
}

static void
packets(struct jw *w, const struct conn *c, int64_t t0)
{
	uint32_t i, n;
	const struct pkt *pk = track_conn_packets(c, &n);

	jw_lit(w, "[");
	for (i = 0; i < n; i++) {
		const struct pkt *p = &pk[i];

		if (i)
			jw_lit(w, ",");
		jw_lit(w, "{");
		JW_KEY(w, "t");
		jw_secs(w, p->t - t0);
		jw_lit(w, ",");
		record_segment(w, p);
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
record_write(struct jw *w, const struct conn *c, int64_t t0,
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
