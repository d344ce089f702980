/*
 * conn.c — one connection's record: what track.h promises to read of it,
 * and what each segment adds to it (see conn.h).
 */
#include <stdlib.h>

#include "conn.h"

uint64_t
track_conn_id(const struct conn *c)
{
	return c->id;
}

int
track_conn_roles(const struct conn *c)
{
	return c->roles;
}

void
track_conn_endpoint(const struct conn *c, int role, struct track_endpoint *ep)
{
	int e = (role == FSM_CLIENT) == (c->client_is_0 != 0) ? 0 : 1;

	ep->family = c->key.family;
	ep->port = c->key.port[e];
	ep->addr = c->key.addr[e];
}

int64_t
track_conn_first(const struct conn *c)
{
	return c->first_t;
}

int64_t
track_conn_last(const struct conn *c)
{
	return c->last_t;
}

const struct fsm *
track_conn_fsm(const struct conn *c)
{
	return &c->fsm;
}

const struct zeek *
track_conn_zeek(const struct conn *c)
{
	return &c->zeek;
}

uint64_t
track_conn_packet_count(const struct conn *c, int role)
{
	return c->npkts[role];
}

const struct pkt *
track_conn_packets(const struct conn *c, uint32_t *n)
{
	*n = c->npk;
	return c->pkts;
}

uint64_t
track_bytes(const struct conn *c, int role)
{
	uint32_t e = c->hi_end[role];

	/* relative to an ISN, sequence 1 is the first payload byte */
	if (c->base_set[role] == 2 && e > 0)
		return e - 1;
	return e;
}

const struct ct_key *
track_conn_key(const struct conn *c)
{
	return &c->key;
}

void
conn_pkt(const struct conn *c, int from, const struct seg *s, int64_t t,
    struct pkt *p)
{
	p->t = t;
	p->from = (uint8_t)from;
	p->flags = s->flags;
	p->seq = s->seq - c->base[from];
	p->ack = (s->flags & SEG_ACK) ? s->ack - c->base[!from] : 0;
	p->len = s->len;
	p->cst = c->fsm.side[FSM_CLIENT].k.state;
	p->sst = c->fsm.side[FSM_SERVER].k.state;
}

int
conn_record(struct conn *c, int from, const struct seg *s, int64_t t,
    int keep_packets)
{
	int other = !from, r;

	if (!c->base_set[from]) {
		/* 2: the base is the ISN; 1: the first byte seen (partial) */
		c->base[from] = (s->flags & SEG_SYN) ? s->seq : s->seq - 1;
		c->base_set[from] = 2;
		if (c->fsm.partial && !(s->flags & SEG_SYN)) {
			c->base[from] = s->seq;
			c->base_set[from] = 1;
		}
	}
	if ((s->flags & SEG_ACK) && !c->base_set[other]) {
		c->base[other] = s->ack;
		c->base_set[other] = 1;
		if (!c->fsm.partial) {	/* the ack is ISN + 1 */
			c->base[other] = s->ack - 1;
			c->base_set[other] = 2;
		}
	}
	if (s->len > 0) {
		uint32_t end = s->seq - c->base[from] + s->len;

		if (end > c->hi_end[from] && end < 0x80000000u)
			c->hi_end[from] = end;
	}
	if (!keep_packets)
		return 0;
	if (c->npk == c->cappk) {
		uint32_t ncap = c->cappk ? c->cappk * 2 : 16;
		struct pkt *np = realloc(c->pkts, ncap * sizeof *np);

		if (np == NULL)
			return -1;
		c->pkts = np;
		c->cappk = ncap;
	}
	/* a rolled-back inference: the packets since showed the old state */
	for (r = 0; r < 2; r++) {
		uint32_t i;

		if (!(c->fsm.rolled & (1 << r)))
			continue;
		for (i = c->fsm.rolled_pkt[r]; i < c->npk; i++) {
			if (r == FSM_CLIENT)
				c->pkts[i].cst = c->fsm.rolled_state[r];
			else
				c->pkts[i].sst = c->fsm.rolled_state[r];
		}
	}
	conn_pkt(c, from, s, t, &c->pkts[c->npk++]);
	return 0;
}

/* Whether a bare SYN from role `from` starts a new instance of c's tuple. */
int
conn_new_instance(const struct conn *c, int from, const struct seg *s)
{
	const struct fsm *f = &c->fsm;
	const struct fsm_track *cl = &f->side[FSM_CLIENT].k;

	if ((s->flags & (SEG_SYN | SEG_ACK | SEG_RST)) != SEG_SYN)
		return 0;
	if (from == FSM_CLIENT && cl->syn_sent && s->seq == cl->isn)
		return 0;	/* a retransmission of this connection's SYN */
	if (fsm_finished(f) || f->side[0].k.state == FSM_TIME_WAIT ||
	    f->side[1].k.state == FSM_TIME_WAIT)
		return 1;
	/* the client gave up on an unanswered SYN and tried again */
	return from == FSM_CLIENT && cl->state == FSM_SYN_SENT;
}
