/*
 * track.c — from segments to connections.
 *
 * Memory follows the connections open at once, not the file. A connection
 * that can no longer change (both sides CLOSED or in TIME_WAIT) is queued
 * to be written 60 s of *capture time* after its last packet (which covers
 * its TIME_WAIT), or earlier when a new SYN reuses its 4-tuple; then it is
 * emitted and its memory recycled. When more than TRACK_HOLD such
 * connections are held, the oldest are written early, TRACK_LINGER_US
 * after their last packet at the soonest; if a side is still in TIME_WAIT
 * then, only the tuple and the second its TIME_WAIT ends stay behind, in
 * twtab (16 bytes for IPv4): enough to see that a later packet belongs to
 * the written connection (counted in the capture's packets, nothing else)
 * and that a SYN starts a new one. The expiry queue is a FIFO: every entry
 * is "last packet + 60 s", so entries arrive in time order.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "expq.h"
#include "roles.h"
#include "track.h"
#include "twtab.h"

/* How many connections ahead in the expiry queue their slots are fetched. */
#define PREFETCH	8

struct track {
	struct conntab *tab;
	struct conn *head, *tail, *free;
	struct expq q;			/* finished connections, by due time */
	struct roles known;		/* servers seen so far */
	struct twtab *tw;		/* written connections in TIME_WAIT */
	int failed;			/* errno of a failure in expire() */
	uint64_t next_id;
	int keep_packets;
	size_t hold, nheld;		/* finished connections held whole */
	track_emit_fn *emit;
	void *ctx;
	const struct track_events *ev;	/* --follow, or NULL */
	void *evctx;
	struct track_stats st;
};

struct track *
track_new(int keep_packets, track_emit_fn *emit, void *ctx)
{
	struct track *tr = calloc(1, sizeof *tr);

	if (tr == NULL)
		return NULL;
	if ((tr->tab = conntab_new()) == NULL ||
	    (tr->tw = twtab_new()) == NULL) {
		conntab_free(tr->tab);
		free(tr);
		return NULL;
	}
	tr->keep_packets = keep_packets;
	tr->emit = emit;
	tr->ctx = ctx;
	tr->next_id = 1;
	tr->hold = TRACK_HOLD;
	return tr;
}

void
track_set_hold(struct track *tr, size_t hold)
{
	tr->hold = hold;
}

/* c is finished (or not any more): counts the connections held whole. */
static void
hold(struct track *tr, struct conn *c, int finished)
{
	if (finished && !c->held)
		tr->nheld++;
	else if (!finished && c->held)
		tr->nheld--;
	c->held = (uint8_t)finished;
}

void
track_set_events(struct track *tr, const struct track_events *ev, void *ctx)
{
	tr->ev = ev;
	tr->evctx = ctx;
}

/*
 * --follow: tells the timeline entries c gained since last told (p: the
 * packet that caused them, NULL for time); a side whose inference packet p
 * rolled back is told again whole.
 */
static void
tell(struct track *tr, struct conn *c, const struct pkt *p)
{
	int r, i;

	if (tr->ev == NULL || tr->ev->state == NULL)
		return;
	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &c->fsm.side[r];

		if (p != NULL && (c->fsm.rolled & (1 << r)) &&
		    tr->ev->revised != NULL) {
			tr->ev->revised(tr->evctx, c, r, p);
			c->told[r] = x->k.nsteps;
			continue;
		}
		for (i = c->told[r]; i < x->k.nsteps; i++)
			tr->ev->state(tr->evctx, c, r, x->st[i - 1], x->st[i],
			    x->t[i], p);
		c->told[r] = x->k.nsteps;
	}
}

/* c is written at now: its tuple stays in twtab while in TIME_WAIT. */
static int
remember(struct track *tr, const struct conn *c, int64_t now)
{
	int64_t until = -1;
	int r;

	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &c->fsm.side[r];

		if (x->k.state == FSM_TIME_WAIT && x->tw_end < 0 &&
		    fsm_tw_until(x) > until)
			until = fsm_tw_until(x);
	}
	if (until <= now)
		return 0;
	return twtab_put(tr->tw, &c->key, twtab_sec(until, 1), twtab_sec(now, 0));
}

/*
 * Emits c and recycles it (its packet buffer is kept for the next one);
 * keep: remember its tuple if in TIME_WAIT. -1 if that failed (errno).
 */
static int
retire(struct track *tr, struct conn *c, int64_t now, int keep)
{
	int rc = 0;

	hold(tr, c, 0);
	fsm_expire(&c->fsm, now);
	tell(tr, c, NULL);
	tr->emit(tr->ctx, c);
	if (keep)
		rc = remember(tr, c, now);
	if (conntab_get(tr->tab, &c->key) == c)
		conntab_del(tr->tab, &c->key);
	if (c->prev)
		c->prev->next = c->next;
	else
		tr->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		tr->tail = c->prev;
	c->gen++;
	c->next = tr->free;
	tr->free = c;
	return rc;
}

/* Emits every connection whose time has come (failures: tr->failed). */
static void
expire(struct track *tr, int64_t now)
{
	while (tr->q.len > 0) {
		struct expent *e = expq_at(&tr->q, 0);
		struct expent *ahead = expq_at(&tr->q, PREFETCH);
		int live = e->c->gen == e->gen && e->c->expire_at == e->at;

		/* due: 60 s after its last packet, or over the hold and 1 s */
		if (live && e->at > now && (tr->nheld <= tr->hold ||
		    e->at - FSM_TIME_WAIT_US + TRACK_LINGER_US > now))
			break;
		if (tr->q.len > PREFETCH && ahead->c->gen == ahead->gen)
			twtab_prefetch(tr->tw, &ahead->c->key);
		if (live && retire(tr, e->c, now, 1) == -1)
			tr->failed = errno;
		expq_pop(&tr->q);
	}
}

/*
 * A packet of no open connection, on a tuple in twtab: a SYN starts a new
 * connection (0); anything else is a late packet of the written one (1):
 * counted, a FIN restarts its TIME_WAIT (as Linux does), a RST ends it.
 * 0 when the tuple is not in twtab; -1 on failure (errno).
 */
static int
late(struct track *tr, const struct ct_key *k, const struct seg *s,
    int64_t t)
{
	if (!twtab_has(tr->tw, k, twtab_sec(t, 0)))
		return 0;
	if (s->flags & (SEG_SYN | SEG_RST)) {
		twtab_del(tr->tw, k);
		if (tr->ev != NULL && tr->ev->late != NULL)
			tr->ev->late(tr->evctx, k, (s->flags & SEG_RST) ?
			    TRACK_LATE_RST : TRACK_LATE_SYN, t);
		if (!(s->flags & SEG_RST))
			return 0;
	} else if (s->flags & SEG_FIN) {
		if (twtab_put(tr->tw, k, twtab_sec(t + FSM_TIME_WAIT_US, 1),
		    twtab_sec(t, 0)) == -1)
			return -1;
		if (tr->ev != NULL && tr->ev->late != NULL)
			tr->ev->late(tr->evctx, k, TRACK_LATE_FIN, t);
	}
	tr->st.late_packets++;
	return 1;
}

static struct conn *
conn_new(struct track *tr, const struct ct_key *k, int src_is_0,
    const struct seg *s, int64_t t)
{
	struct conn *c = tr->free;
	struct pkt *pkts = NULL;
	uint32_t cappk = 0, gen = 0;
	int src_is_client, roles;

	if (c != NULL) {
		tr->free = c->next;
		pkts = c->pkts;
		cappk = c->cappk;
		gen = c->gen;
	} else if ((c = malloc(sizeof *c)) == NULL) {
		return NULL;
	}
	memset(c, 0, sizeof *c);
	c->pkts = pkts;
	c->cappk = cappk;
	c->gen = gen;
	c->key = *k;
	if (conntab_put(tr->tab, &c->key, c) == -1) {
		c->next = tr->free;
		tr->free = c;
		return NULL;
	}
	roles = roles_guess(&tr->known, s, &src_is_client);
	c->roles = (uint8_t)roles;
	c->client_is_0 = (uint8_t)(src_is_client == src_is_0);
	c->id = tr->next_id++;
	c->first_t = c->last_t = t;
	c->expire_at = INT64_MAX;
	fsm_init(&c->fsm, src_is_client ? FSM_CLIENT : FSM_SERVER, s, t);
	c->told[0] = c->fsm.side[0].k.nsteps;	/* the states it starts in */
	c->told[1] = c->fsm.side[1].k.nsteps;
	zeek_init(&c->zeek, !src_is_client);
	c->prev = tr->tail;
	if (tr->tail)
		tr->tail->next = c;
	else
		tr->head = c;
	tr->tail = c;
	tr->st.connections++;
	return c;
}

int
track_packet(struct track *tr, enum decode_status st, const struct seg *s,
    int64_t t)
{
	struct ct_key k;
	struct conn *c;
	int src_is_0, from;

	tr->st.packets++;
	if (!tr->st.have_t0) {
		tr->st.t0 = t;
		tr->st.have_t0 = 1;
	}
	if (t > tr->st.tlast)
		tr->st.tlast = t;
	if (t > tr->st.tend)
		tr->st.tend = t;
	tr->st.status[st < DECODE_NSTATUS ? st : DECODE_NOT_IP]++;
	expire(tr, tr->st.tend);
	if (tr->ev != NULL && tr->ev->tick != NULL)
		tr->ev->tick(tr->evctx, tr->st.tend);
	if (tr->failed) {
		errno = tr->failed;
		return -1;
	}
	if (st != DECODE_OK)
		return 0;
	tr->st.tcp_packets++;
	ct_key_from_seg(s, &k, &src_is_0);
	c = conntab_get(tr->tab, &k);
	if (c != NULL) {
		from = (src_is_0 == c->client_is_0) ? FSM_CLIENT : FSM_SERVER;
		if (conn_new_instance(c, from, s)) {
			fsm_kill_time_wait(&c->fsm, t);
			if (tr->ev != NULL) {	/* the new SYN ended it */
				struct pkt p;

				conn_pkt(c, from, s, t, &p);
				tell(tr, c, &p);
			}
			retire(tr, c, t, 0);
			c = NULL;
		}
	} else if ((from = late(tr, &k, s, t)) != 0) {
		return from == 1 ? 0 : -1;
	}
	if (c == NULL) {
		if ((c = conn_new(tr, &k, src_is_0, s, t)) == NULL)
			return -1;
	}
	from = (src_is_0 == c->client_is_0) ? FSM_CLIENT : FSM_SERVER;
	fsm_step(&c->fsm, from, s, t);
	zeek_update(&c->zeek, from == FSM_CLIENT, s);
	if (from == FSM_SERVER && (s->flags & (SEG_SYN | SEG_ACK)) ==
	    (SEG_SYN | SEG_ACK))
		roles_remember(&tr->known, s);
	c->npkts[from]++;
	c->last_t = t;
	if (conn_record(c, from, s, t, tr->keep_packets) == -1)
		return -1;
	if (tr->ev != NULL) {	/* after conn_record: relative numbers */
		struct pkt p;

		conn_pkt(c, from, s, t, &p);
		tell(tr, c, &p);
	}
	hold(tr, c, fsm_finished(&c->fsm));
	if (c->held) {
		c->expire_at = t + FSM_TIME_WAIT_US;
		if (expq_push(&tr->q, c, c->gen, c->expire_at) == -1)
			return -1;
	} else {
		c->expire_at = INT64_MAX;
	}
	return 0;
}

void
track_tick(struct track *tr, int64_t now)
{
	if (now > tr->st.tend)
		tr->st.tend = now;
	expire(tr, tr->st.tend);
	if (tr->ev != NULL && tr->ev->tick != NULL)
		tr->ev->tick(tr->evctx, tr->st.tend);
}

void
track_finish(struct track *tr, int64_t now)
{
	if (now > tr->st.tend)
		tr->st.tend = now;
	while (tr->head != NULL)
		retire(tr, tr->head, tr->st.tend, 0);
	tr->q.len = 0;
}

const struct track_stats *
track_stats(const struct track *tr)
{
	return &tr->st;
}

void
track_free(struct track *tr)
{
	struct conn *c, *n;

	if (tr == NULL)
		return;
	for (c = tr->head; c != NULL; c = n) {
		n = c->next;
		free(c->pkts);
		free(c);
	}
	for (c = tr->free; c != NULL; c = n) {
		n = c->next;
		free(c->pkts);
		free(c);
	}
	conntab_free(tr->tab);
	twtab_free(tr->tw);
	expq_free(&tr->q);
	free(tr);
}
