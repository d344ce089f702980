/*
 * ladder.c — draws a connection the way UNP's Figure 2.5 does:
 *
 *     time (s)  client         packet                       server
 *     0.000000  CLOSED                                      LISTEN
 *     0.000000  SYN_SENT       ──────── SYN ───────>
 *     0.000015  ESTABLISHED    <────── SYN,ACK ──────       SYN_RCVD
 *     0.000021                 ──────── ACK ───────>        ESTABLISHED
 *
 * A state is written on the row of the packet that caused it; when one
 * packet moves a side through several states (FIN_WAIT_1 -> FIN_WAIT_2 ->
 * TIME_WAIT), each gets its own row at the same time.
 */
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "ladder.h"
#include "record.h"

#define ARROW 26	/* arrow width in characters */
#define STATEW 13

struct ladder {
	FILE *out;
	const struct track_stats *st;
	int summary;
	uint64_t nconn;
};

static const char *const who_names[] = { "client", "server", "both" };

struct ladder *
ladder_new(FILE *out, int summary)
{
	struct ladder *l = calloc(1, sizeof *l);

	if (l != NULL) {
		l->out = out;
		l->summary = summary;
	}
	return l;
}

void
ladder_set_stats(struct ladder *l, const struct track_stats *st)
{
	l->st = st;
}

void
ladder_free(struct ladder *l)
{
	free(l);
}

/* "SYN,ACK"-style names of the flags, for arrows. */
static void
ladder_flag_names(uint8_t fl, char *buf, size_t len)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ SEG_SYN, "SYN" }, { SEG_FIN, "FIN" }, { SEG_RST, "RST" },
		{ SEG_PSH, "PSH" }, { SEG_ACK, "ACK" }, { SEG_URG, "URG" },
		{ SEG_ECE, "ECE" }, { SEG_CWR, "CWR" },
	};
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(fl & names[i].bit))
			continue;
		if (buf[0])
			strncat(buf, ",", len - strlen(buf) - 1);
		strncat(buf, names[i].name, len - strlen(buf) - 1);
	}
	if (!buf[0])
		snprintf(buf, len, "(none)");
}

static void
dashes(FILE *out, int n)
{
	while (n-- > 0)
		fputs("\u2500", out);
}

/* `──── label ───>` or `<─── label ────`, ARROW characters wide. */
static void
arrow(FILE *out, const struct pkt *p)
{
	char label[64], names[40];
	int n, left, right;

	ladder_flag_names(p->flags, names, sizeof names);
	if (p->len > 0)
		snprintf(label, sizeof label, " %s %u ", names, p->len);
	else
		snprintf(label, sizeof label, " %s ", names);
	n = (int)strlen(label);
	if (n > ARROW - 2)
		n = ARROW - 2;
	left = (ARROW - 1 - n) / 2;
	right = ARROW - 1 - n - left;
	if (p->from == FSM_CLIENT) {
		dashes(out, left);
		fprintf(out, "%.*s", n, label);
		dashes(out, right);
		fputc('>', out);
	} else {
		fputc('<', out);
		dashes(out, left);
		fprintf(out, "%.*s", n, label);
		dashes(out, right);
	}
}

static void
row(FILE *out, int64_t t, int64_t t0, const char *cst, const struct pkt *p,
    const char *sst, const char *note)
{
	fprintf(out, "  %12.6f  %-*s  ", (double)(t - t0) / 1e6, STATEW, cst);
	if (p != NULL)
		arrow(out, p);
	else
		fprintf(out, "%*s", ARROW, "");
	if (note != NULL && *note)
		fprintf(out, "  %-*s  %s\n", STATEW, sst, note);
	else
		fprintf(out, "  %s\n", sst);
}

/*
 * Prints the packet p (if any) with the states both sides entered up to
 * time t, pairing them row by row; later rows show states only.
 */
static void
states_until(FILE *out, const struct fsm *f, int *ci, int *si, int64_t t,
    int64_t t0, const struct pkt *p, const char *note)
{
	const struct fsm_side *c = &f->side[FSM_CLIENT];
	const struct fsm_side *s = &f->side[FSM_SERVER];

	for (;;) {
		int hc = *ci < c->k.nsteps && c->t[*ci] <= t;
		int hs = *si < s->k.nsteps && s->t[*si] <= t;
		int64_t when;

		if (!hc && !hs && p == NULL)
			break;
		if (p != NULL) {
			when = p->t;
		} else {
			/* no packet: one row per instant, each side if it moved */
			when = hc && hs ? (c->t[*ci] < s->t[*si] ? c->t[*ci] :
			    s->t[*si]) : hc ? c->t[*ci] : s->t[*si];
			hc = hc && c->t[*ci] == when;
			hs = hs && s->t[*si] == when;
		}
		row(out, when, t0, hc ? fsm_state_name(c->st[*ci]) : "", p,
		    hs ? fsm_state_name(s->st[*si]) : "", p ? note : NULL);
		*ci += hc;
		*si += hs;
		p = NULL;
	}
}

static void
header(FILE *out, const struct conn *c, int64_t t0)
{
	static const char *const how[] = {
		"the client sent the first SYN",
		"the SYN was missed; the SYN-ACK's sender is the server",
		"that endpoint was a server earlier in this capture",
		"the lower port is the server's",
		"same ports: the first packet's destination is the server",
	};
	const struct fsm *f = track_conn_fsm(c);
	const struct zeek *z = track_conn_zeek(c);
	struct track_endpoint ep;
	char a[2][64];
	int r, n = 0, roles = track_conn_roles(c);
	int closer = fsm_closer(f);

	for (r = 0; r < 2; r++) {
		track_conn_endpoint(c, r, &ep);
		record_endpoint_str(&ep, a[r], sizeof a[r]);
	}
	fprintf(out, "connection %llu: client %s -> server %s   [%s %s]\n",
	    (unsigned long long)track_conn_id(c), a[FSM_CLIENT], a[FSM_SERVER],
	    zeek_conn_state(z, track_bytes(c, 0), track_bytes(c, 1)),
	    z->hist);
	if (f->partial)
		fprintf(out, "  partial:      start not captured; roles guessed: %s\n",
		    how[roles >= 0 && roles <= TRACK_ROLES_FIRST_DST ? roles : 0]);
	fprintf(out, "  active close: %s%s\n",
	    closer >= 0 ? who_names[closer] : "nobody",
	    f->rst_from >= 0 ? (f->rst_from == FSM_CLIENT ?
	    " (the client sent a RST)" : " (the server sent a RST)") : "");
	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &f->side[r];

		if (x->k.tw_since < 0)
			continue;
		fprintf(out, "  TIME_WAIT:    %s, %.6f s until %.6f s%s\n",
		    who_names[r], (double)(x->k.tw_since - t0) / 1e6,
		    (double)(fsm_tw_until(x) - t0) / 1e6,
		    x->tw_end < 0 ? " (the capture ended before it expired)" :
		    x->tw_end < fsm_tw_until(x) ?
		    " (cut short: new SYN or RST)" : "");
		n++;
	}
	if (n == 0)
		fprintf(out, "  TIME_WAIT:    nobody\n");
	fprintf(out, "  bytes:        client %llu, server %llu\n",
	    (unsigned long long)track_bytes(c, FSM_CLIENT),
	    (unsigned long long)track_bytes(c, FSM_SERVER));
}

void
ladder_conn(void *ctx, const struct conn *c)
{
	struct ladder *l = ctx;
	FILE *out = l->out;
	const struct fsm *f = track_conn_fsm(c);
	int64_t t0 = l->st->t0;
	int ci = 0, si = 0;
	uint32_t i, npk;
	const struct pkt *pk = track_conn_packets(c, &npk);

	if (l->nconn++ > 0)
		fputc('\n', out);
	header(out, c, t0);
	fprintf(out, "\n  %12s  %-*s  %-*s  %s\n", "time (s)", STATEW, "client",
	    ARROW, "", "server");
	/* the initial states, then what each packet did */
	row(out, track_conn_first(c), t0, fsm_state_name(f->side[FSM_CLIENT].st[0]),
	    NULL, fsm_state_name(f->side[FSM_SERVER].st[0]), NULL);
	ci = si = 1;
	if (!l->summary) {
		uint32_t hi[2] = { 0, 0 };	/* highest sequence end sent */
		uint32_t nxt[2] = { 0, 0 };	/* end of what was seen, no holes */
		int seen[2] = { 0, 0 };

		for (i = 0; i < npk; i++) {
			const struct pkt *p = &pk[i];
			uint32_t end = p->seq + p->len +
			    !!(p->flags & (SEG_SYN | SEG_FIN));
			const char *note = "";

			if (seen[p->from] && (p->flags & SEG_RST) == 0 &&
			    end > p->seq && !fsm_seq_lt(hi[p->from], end))
				note = fsm_seq_lt(p->seq, nxt[p->from]) ?
				    "(retransmission)" : "(fills a hole)";
			if (!seen[p->from] || fsm_seq_lt(hi[p->from], end))
				hi[p->from] = end;
			if (!seen[p->from] || (!fsm_seq_lt(nxt[p->from], p->seq) &&
			    fsm_seq_lt(nxt[p->from], end)))
				nxt[p->from] = end;
			seen[p->from] = 1;
			states_until(out, f, &ci, &si, p->t, t0, p, note);
		}
	}
	if (!l->summary && (ci < f->side[FSM_CLIENT].k.nsteps ||
	    si < f->side[FSM_SERVER].k.nsteps))
		fprintf(out, "  %12s  (no packet: TIME_WAIT is over, or a new "
		    "connection took the 4-tuple)\n", "");
	states_until(out, f, &ci, &si, INT64_MAX, t0, NULL, NULL);
}

int
ladder_end(struct ladder *l, uint64_t dropped, const char *truncated)
{
	const struct track_stats *st = l->st;
	int i, any = 0;

	fprintf(l->out, "%scapture: %llu packets (%llu TCP), %llu connections, "
	    "%.6f s, %llu dropped, malformed:", l->nconn ? "\n" : "",
	    (unsigned long long)st->packets,
	    (unsigned long long)st->tcp_packets,
	    (unsigned long long)st->connections,
	    st->have_t0 ? (double)(st->tend - st->t0) / 1e6 : 0.0,
	    (unsigned long long)dropped);
	for (i = 0; i < DECODE_NSTATUS; i++) {
		if (decode_is_malformed(i) && st->status[i] > 0) {
			fprintf(l->out, " %s %llu", decode_status_name(i),
			    (unsigned long long)st->status[i]);
			any = 1;
		}
	}
	fprintf(l->out, "%s\n", any ? "" : " none");
	if (truncated)
		fprintf(l->out, "warning: the file ended mid-record: %s\n",
		    truncated);
	return fflush(l->out) == EOF || ferror(l->out) ? -1 : 0;
}
