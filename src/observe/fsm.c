/*
 * fsm.c — both endpoints' TCP states, reconstructed from the wire.
 *
 * The capture point sees segments, not states. Each segment changes the
 * state of its sender (it sent a SYN or a FIN) and of its receiver (it got a
 * SYN-ACK, an ACK of its FIN, the peer's FIN), both stamped with the time the
 * segment was seen: on loopback sending and receiving are the same instant.
 *
 * What the receiver did is an inference, so it is kept as a *tentative*
 * transition with an undo point until the receiver's own next segment shows
 * whether it really happened:
 *   - a FIN we assumed arrived is confirmed by an ack that covers it, and
 *     refuted by an ack that does not (the FINs crossed, or the FIN was lost);
 *   - an ack of our FIN (or SYN) we assumed arrived is refuted when we
 *     retransmit that FIN (or SYN-ACK): the final ACK was lost.
 * A refuted transition is rolled back, so a lost final ACK followed by a
 * retransmitted FIN does not end the story early, and crossing FINs come out
 * as FIN_WAIT_1, CLOSING, TIME_WAIT on both sides whatever order they were
 * seen in. A FIN is taken in sequence, once the data before it was seen; a
 * FIN seen again before its receiver said anything is taken at that copy
 * (the first was lost past the capture point); two bare SYNs that cross are
 * a simultaneous open.
 */
#include <string.h>

#include "fsm.h"

/* Appends a state to a side's timeline, never going back in time. */
static void
push(struct fsm_side *x, int64_t t, int st)
{
	int n = x->k.nsteps;

	if (n > 0 && x->k.state == st)
		return;
	if (n > 0 && t < x->t[n - 1])
		t = x->t[n - 1];
	if (n == FSM_MAXSTEPS)	/* pathological: keep the latest state */
		n--;
	x->t[n] = t;
	x->st[n] = (uint8_t)st;
	x->k.nsteps = (uint8_t)(n + 1);
	x->k.state = (uint8_t)st;
	if (st == FSM_TIME_WAIT)
		x->k.tw_since = t;
}

static int
bit_index(uint8_t bit)
{
	return bit == FSM_UNC_RXFIN ? 0 : bit == FSM_UNC_FINACK ? 1 : 2;
}

/* Records an undo point before an unconfirmed transition of kind `bit`. */
static void
tentative(struct fsm *f, struct fsm_side *x, uint8_t bit)
{
	int i = bit_index(bit);

	if (x->unconf & bit)
		return;
	x->undo[i] = x->k;
	x->undo_pkt[i] = f->npkts;
	x->undo_seq[i] = ++f->nundo;
	x->unconf |= bit;
}

/* Refutes the inference `bit` and every one made after it. */
static void
rollback(struct fsm *f, int r, uint8_t bit)
{
	struct fsm_side *x = &f->side[r];
	int i = bit_index(bit), j;
	uint32_t since = x->undo_seq[i];

	x->k = x->undo[i];
	for (j = 0; j < FSM_NUNC; j++)
		if ((x->unconf & (1 << j)) && x->undo_seq[j] >= since)
			x->unconf &= (uint8_t)~(1 << j);
	f->rolled |= (uint8_t)(1 << r);
	f->rolled_state[r] = x->k.state;
	f->rolled_pkt[r] = x->undo_pkt[i];
}

/* The receiver's side of a FIN. */
static void
rx_fin(struct fsm_side *x, int64_t t)
{
	x->k.got_fin = 1;
	switch (x->k.state) {
	case FSM_SYN_RCVD:
	case FSM_ESTABLISHED:
		push(x, t, FSM_CLOSE_WAIT);
		break;
	case FSM_FIN_WAIT_1:
		push(x, t, FSM_CLOSING);
		break;
	case FSM_FIN_WAIT_2:
		push(x, t, FSM_TIME_WAIT);
		break;
	default:
		break;
	}
}

/* x's initial sequence number: its data starts right after it. */
static void
set_isn(struct fsm_track *k, uint32_t isn)
{
	k->isn = isn;
	k->nxt = isn + 1;
	k->has_nxt = 1;
}

void
fsm_init(struct fsm *f, int from, const struct seg *s, int64_t t)
{
	int r;

	memset(f, 0, sizeof *f);
	f->closer = FSM_NOBODY;
	f->rst_from = -1;
	for (r = 0; r < 2; r++) {
		f->side[r].k.tw_since = -1;
		f->side[r].tw_end = -1;
		f->side[r].tw_restart = -1;
	}
	if ((s->flags & (SEG_SYN | SEG_ACK)) == SEG_SYN) {
		push(&f->side[FSM_CLIENT], t, FSM_CLOSED);
		push(&f->side[FSM_SERVER], t, FSM_LISTEN);
		return;
	}
	f->partial = 1;
	if ((s->flags & (SEG_SYN | SEG_ACK)) == (SEG_SYN | SEG_ACK)) {
		/* the SYN was missed: the client had sent it */
		struct fsm_side *c = &f->side[FSM_CLIENT];

		push(c, t, FSM_SYN_SENT);
		c->k.syn_sent = 1;
		set_isn(&c->k, s->ack - 1);
		push(&f->side[FSM_SERVER], t, FSM_LISTEN);
		return;
	}
	/* midstream: both sides were already synchronized */
	for (r = 0; r < 2; r++) {
		push(&f->side[r], t, FSM_ESTABLISHED);
		f->side[r].k.syn_sent = 1;
	}
	set_isn(&f->side[from].k, s->seq - 1);
	set_isn(&f->side[!from].k, s->ack - 1);
	f->established = 1;
}

/* The sender `x` shows by its own segment what it had received. */
static void
check_evidence(struct fsm *f, int from, const struct seg *s)
{
	struct fsm_side *x = &f->side[from], *p = &f->side[!from];
	uint8_t fl = s->flags;
	int covers = (fl & SEG_ACK) && p->k.fin_sent &&
	    !fsm_seq_lt(s->ack, p->k.fin_seq + 1);

	if (x->unconf == 0 || (fl & SEG_RST))
		return;
	/* confirmations first: they cannot be refuted afterwards */
	if (covers)
		x->unconf &= (uint8_t)~FSM_UNC_RXFIN;
	if (!(fl & SEG_SYN))
		x->unconf &= (uint8_t)~FSM_UNC_SYNACK;
	if ((fl & SEG_SYN) && (x->unconf & FSM_UNC_SYNACK))
		rollback(f, from, FSM_UNC_SYNACK);
	else if ((fl & SEG_FIN) && (x->unconf & FSM_UNC_FINACK) &&
	    x->k.fin_sent && s->seq + s->len == x->k.fin_seq)
		rollback(f, from, FSM_UNC_FINACK);
	else if ((fl & SEG_ACK) && (x->unconf & FSM_UNC_RXFIN) &&
	    p->k.fin_sent && !covers)
		rollback(f, from, FSM_UNC_RXFIN);
}

static void
step_rst(struct fsm *f, int from, const struct seg *s, int64_t t)
{
	struct fsm_side *x = &f->side[from], *p = &f->side[!from];
	/* Linux's TIME_WAIT takes only a RST at its rcv_nxt, just past our FIN */
	int ignored = p->k.state == FSM_TIME_WAIT && x->k.fin_sent &&
	    s->seq != x->k.fin_seq + 1;
	int r;

	if (f->rst_from < 0)
		f->rst_from = (int8_t)from;
	if (f->closer == FSM_NOBODY && f->established)
		f->closer = (int8_t)from;
	if (from == FSM_SERVER && x->k.state == FSM_LISTEN && !x->k.syn_sent) {
		/* nothing was listening: the server side never existed */
		x->k.nsteps = 1;
		x->st[0] = FSM_CLOSED;
		x->k.state = FSM_CLOSED;
	} else {
		push(x, t, FSM_CLOSED);
	}
	if (p->k.state != FSM_LISTEN && !ignored)
		push(p, t, FSM_CLOSED);
	for (r = 0; r < 2; r++) {
		f->side[r].unconf = 0;
		if (f->side[r].k.tw_since >= 0 && f->side[r].tw_end < 0 &&
		    f->side[r].k.state == FSM_CLOSED)
			f->side[r].tw_end = t;
	}
}

/*
 * Simultaneous open: x, still LISTEN in our guess, sends a bare SYN while
 * the peer's SYN is out (the peer is SYN_SENT). Both ends connect()ed: x
 * starts CLOSED, and as the SYNs cross each end gets the other's SYN and
 * answers it from SYN_RCVD with a SYN-ACK.
 */
static void
simultaneous_open(struct fsm *f, int from, int64_t t)
{
	struct fsm_side *x = &f->side[from], *p = &f->side[!from];

	/* like a rollback: the packets so far showed x CLOSED, not LISTEN */
	f->rolled |= (uint8_t)(1 << from);
	f->rolled_state[from] = FSM_CLOSED;
	f->rolled_pkt[from] = 0;
	x->st[0] = FSM_CLOSED;
	x->k.state = FSM_CLOSED;
	push(x, t, FSM_SYN_SENT);
	push(x, t, FSM_SYN_RCVD);
	push(p, t, FSM_SYN_RCVD);
}

static void
step_syn(struct fsm *f, int from, const struct seg *s, int64_t t)
{
	struct fsm_side *x = &f->side[from], *p = &f->side[!from];
	int ack = s->flags & SEG_ACK;

	if (!x->k.syn_sent) {
		x->k.syn_sent = 1;
		set_isn(&x->k, s->seq);
		if (x->k.state == FSM_CLOSED && !ack)
			push(x, t, FSM_SYN_SENT);
		else if (x->k.state == FSM_LISTEN && ack)
			push(x, t, FSM_SYN_RCVD);
		else if (x->k.state == FSM_LISTEN && x->k.nsteps == 1 &&
		    p->k.state == FSM_SYN_SENT)
			simultaneous_open(f, from, t);
	}
	if (ack && x->k.state == FSM_SYN_SENT)
		push(x, t, FSM_SYN_RCVD);	/* it got the peer's SYN */
	if (ack && (p->k.state == FSM_SYN_SENT ||
	    p->k.state == FSM_SYN_RCVD) && p->k.syn_sent &&
	    s->ack == p->k.isn + 1) {
		push(p, t, FSM_ESTABLISHED);
		f->established = 1;
	}
}

/* What the ack field of x's segment did to the peer p. */
static void
step_ack(struct fsm *f, struct fsm_side *p, const struct seg *s, int64_t t)
{
	if (p->k.state == FSM_SYN_RCVD && !fsm_seq_lt(s->ack, p->k.isn + 1)) {
		tentative(f, p, FSM_UNC_SYNACK);
		push(p, t, FSM_ESTABLISHED);
	}
	if (p->k.fin_sent && !p->k.fin_acked &&
	    !fsm_seq_lt(s->ack, p->k.fin_seq + 1)) {
		tentative(f, p, FSM_UNC_FINACK);
		p->k.fin_acked = 1;
		if (p->k.state == FSM_FIN_WAIT_1)
			push(p, t, FSM_FIN_WAIT_2);
		else if (p->k.state == FSM_CLOSING)
			push(p, t, FSM_TIME_WAIT);
		else if (p->k.state == FSM_LAST_ACK)
			push(p, t, FSM_CLOSED);
	}
}

/*
 * x's data advanced to the end of s without a hole; when that fills the
 * hole before x's FIN, the peer takes the FIN now (the kernel processes a
 * FIN in sequence, not when it arrives out of order).
 */
static void
advance(struct fsm *f, struct fsm_side *x, struct fsm_side *p,
    const struct seg *s, int64_t t)
{
	uint32_t end = s->seq + s->len;

	if (!x->k.has_nxt || fsm_seq_lt(x->k.nxt, s->seq) ||
	    !fsm_seq_lt(x->k.nxt, end))
		return;
	x->k.nxt = end;
	if (x->k.fin_held && !fsm_seq_lt(end, x->k.fin_seq)) {
		x->k.fin_held = 0;
		if (!p->k.got_fin) {
			tentative(f, p, FSM_UNC_RXFIN);
			rx_fin(p, t);
		}
	}
}

static void
step_fin(struct fsm *f, int from, const struct seg *s, int64_t t)
{
	struct fsm_side *x = &f->side[from], *p = &f->side[!from];
	int crossing;

	if (!x->k.fin_sent) {
		x->k.fin_sent = 1;
		x->k.fin_seq = s->seq + s->len;
		x->k.fin_held = x->k.has_nxt &&
		    fsm_seq_lt(x->k.nxt, x->k.fin_seq);
		crossing = p->k.fin_sent && !p->k.fin_held &&
		    !((s->flags & SEG_ACK) &&
		    !fsm_seq_lt(s->ack, p->k.fin_seq + 1));
		if (f->closer == FSM_NOBODY)
			f->closer = (int8_t)from;
		else if (f->closer == !from && crossing)
			f->closer = FSM_BOTH;
		if (x->k.state == FSM_ESTABLISHED || x->k.state == FSM_SYN_RCVD)
			push(x, t, FSM_FIN_WAIT_1);
		else if (x->k.state == FSM_CLOSE_WAIT)
			push(x, t, FSM_LAST_ACK);
		if (crossing && !x->k.got_fin) {
			/* the peer's FIN is in flight towards us */
			tentative(f, x, FSM_UNC_RXFIN);
			rx_fin(x, t);
		}
	} else if (s->seq + s->len == x->k.fin_seq &&
	    (p->unconf & FSM_UNC_RXFIN)) {
		/*
		 * Our FIN again, and the peer has not answered the first copy:
		 * it was lost past the capture point, and the peer's state
		 * changes at the copy that its ack will answer — this one.
		 */
		rollback(f, !from, FSM_UNC_RXFIN);
	}
	x->fin_t = t;
	if (x->k.fin_held)
		return;	/* the peer takes it when the hole is filled */
	if (!p->k.got_fin) {
		tentative(f, p, FSM_UNC_RXFIN);
		rx_fin(p, t);
	} else if (p->k.state == FSM_TIME_WAIT && t > p->k.tw_since) {
		p->tw_restart = t;	/* the FIN again: Linux re-arms 60 s */
	}
}

void
fsm_step(struct fsm *f, int from, const struct seg *s, int64_t t)
{
	struct fsm_side *x = &f->side[from], *p = &f->side[!from];
	uint8_t fl = s->flags;

	f->rolled = 0;
	check_evidence(f, from, s);
	if (fl & SEG_RST) {
		step_rst(f, from, s, t);
	} else if (fl & SEG_SYN) {
		step_syn(f, from, s, t);
	} else {
		if (fl & SEG_ACK) {
			step_ack(f, p, s, t);
			if (p->k.fin_sent && !x->k.got_fin &&
			    !fsm_seq_lt(s->ack, p->k.fin_seq + 1)) {
				/* an ack shows the peer's FIN arrived after all */
				rx_fin(x, p->fin_t > t ? t : p->fin_t);
			}
		}
		advance(f, x, p, s, t);
		if (fl & SEG_FIN)
			step_fin(f, from, s, t);
	}
	x->k.sent_any = 1;
	f->npkts++;
}

void
fsm_expire(struct fsm *f, int64_t now)
{
	int r;

	for (r = 0; r < 2; r++) {
		struct fsm_side *x = &f->side[r];
		int64_t until = fsm_tw_until(x);

		if (x->k.state == FSM_TIME_WAIT && until <= now) {
			push(x, until, FSM_CLOSED);
			x->tw_end = until;
		}
	}
}

void
fsm_kill_time_wait(struct fsm *f, int64_t t)
{
	int r;

	for (r = 0; r < 2; r++) {
		struct fsm_side *x = &f->side[r];

		if (x->k.state == FSM_TIME_WAIT) {
			push(x, t, FSM_CLOSED);
			x->tw_end = t;
		}
	}
}
