/*
 * track.c — from segments to connections.
 *
 * Memory follows the connections open at once, not the file: a connection
 * that can no longer change (both sides CLOSED or in TIME_WAIT) is queued to
 * expire 60 s of *capture time* after its last packet (which covers its
 * TIME_WAIT), or earlier when a new SYN reuses its 4-tuple; then it is
 * emitted and its memory recycled. The expiry queue is a FIFO: every entry
 * is "last packet + 60 s", so entries arrive in time order.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"

#define LINGER_US	FSM_TIME_WAIT_US
#define NSERVERS	256

struct conn {
	struct conn *prev, *next;	/* live connections, in id order */
	struct ct_key key;
	uint8_t client_is_0;		/* key endpoint 0 is the client */
	uint8_t roles;			/* enum track_roles */
	uint8_t base_set[2];
	uint32_t gen;
	uint64_t id;
	int64_t first_t, last_t, expire_at;
	uint32_t base[2];		/* relative sequence bases, by role */
	uint32_t hi_end[2];		/* highest relative payload end */
	uint64_t npkts[2];
	struct fsm fsm;
	struct zeek zeek;
	struct pkt *pkts;
	uint32_t npk, cappk;
};

struct expent {
	struct conn *c;
	uint32_t gen;
	int64_t at;
};

struct server_ep {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

struct track {
	struct conntab *tab;
	struct conn *head, *tail, *free;
	struct expent *q;
	size_t qcap, qhead, qlen;
	struct server_ep servers[NSERVERS];
	unsigned nservers;
	uint64_t next_id;
	int keep_packets;
	track_emit_fn *emit;
	void *ctx;
	struct track_stats st;
};

static const char *const roles_names[] = {
	"syn", "syn-ack", "known-server", "lower-port", "first-packet-destination",
};

const char *
track_roles_name(int roles)
{
	return roles >= 0 && roles <= TRACK_ROLES_FIRST_DST ?
	    roles_names[roles] : "?";
}

struct track *
track_new(int keep_packets, track_emit_fn *emit, void *ctx)
{
	struct track *tr = calloc(1, sizeof *tr);

	if (tr == NULL)
		return NULL;
	if ((tr->tab = conntab_new()) == NULL) {
		free(tr);
		return NULL;
	}
	tr->keep_packets = keep_packets;
	tr->emit = emit;
	tr->ctx = ctx;
	tr->next_id = 1;
	return tr;
}

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

static int
qpush(struct track *tr, struct conn *c)
{
	if (tr->qlen == tr->qcap) {
		size_t ncap = tr->qcap ? tr->qcap * 2 : 1024, i;
		struct expent *nq = malloc(ncap * sizeof *nq);

		if (nq == NULL)
			return -1;
		for (i = 0; i < tr->qlen; i++)
			nq[i] = tr->q[(tr->qhead + i) & (tr->qcap - 1)];
		free(tr->q);
		tr->q = nq;
		tr->qcap = ncap;
		tr->qhead = 0;
	}
	tr->q[(tr->qhead + tr->qlen) & (tr->qcap - 1)] =
	    (struct expent){ c, c->gen, c->expire_at };
	tr->qlen++;
	return 0;
}

/* Emits c and recycles it (its packet buffer is kept for the next one). */
static void
retire(struct track *tr, struct conn *c, int64_t now)
{
	fsm_expire(&c->fsm, now);
	tr->emit(tr->ctx, c);
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
}

/* Emits every connection whose expiry time has come. */
static void
expire(struct track *tr, int64_t now)
{
	while (tr->qlen > 0) {
		struct expent *e = &tr->q[tr->qhead];

		if (e->at > now)
			break;
		if (e->c->gen == e->gen && e->c->expire_at == e->at)
			retire(tr, e->c, now);
		tr->qhead = (tr->qhead + 1) & (tr->qcap - 1);
		tr->qlen--;
	}
}

static int
is_server(const struct track *tr, int family, const uint8_t *addr,
    uint16_t port)
{
	unsigned i;

	for (i = 0; i < tr->nservers && i < NSERVERS; i++) {
		const struct server_ep *e = &tr->servers[i];

		if (e->port == port && e->family == family &&
		    memcmp(e->addr, addr, 16) == 0)
			return 1;
	}
	return 0;
}

static void
remember_server(struct track *tr, const struct seg *s)
{
	struct server_ep *e;

	if (is_server(tr, s->family, s->src, s->sport))
		return;
	e = &tr->servers[tr->nservers++ % NSERVERS];
	e->family = s->family;
	e->port = s->sport;
	memcpy(e->addr, s->src, 16);
}

/* Which endpoint of a connection first seen as s serves; see enum roles. */
static int
guess_roles(const struct track *tr, const struct seg *s, int *src_is_client)
{
	uint8_t fl = s->flags & (SEG_SYN | SEG_ACK);

	if (fl == SEG_SYN) {
		*src_is_client = 1;
		return TRACK_ROLES_SYN;
	}
	if (fl == (SEG_SYN | SEG_ACK)) {
		*src_is_client = 0;
		return TRACK_ROLES_SYNACK;
	}
	if (is_server(tr, s->family, s->dst, s->dport) ||
	    is_server(tr, s->family, s->src, s->sport)) {
		*src_is_client = is_server(tr, s->family, s->dst, s->dport);
		return TRACK_ROLES_KNOWN_SERVER;
	}
	if (s->sport != s->dport) {
		*src_is_client = s->sport > s->dport;
		return TRACK_ROLES_LOWER_PORT;
	}
	*src_is_client = 1;
	return TRACK_ROLES_FIRST_DST;
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
	roles = guess_roles(tr, s, &src_is_client);
	c->roles = (uint8_t)roles;
	c->client_is_0 = (uint8_t)(src_is_client == src_is_0);
	c->id = tr->next_id++;
	c->first_t = c->last_t = t;
	c->expire_at = INT64_MAX;
	fsm_init(&c->fsm, src_is_client ? FSM_CLIENT : FSM_SERVER, s, t);
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

/* Whether a bare SYN from role `from` starts a new instance of c's tuple. */
static int
new_instance(const struct conn *c, int from, const struct seg *s)
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

static int
record(struct track *tr, struct conn *c, int from, const struct seg *s,
    int64_t t)
{
	struct pkt *p;
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
	if (!tr->keep_packets)
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
	p = &c->pkts[c->npk++];
	p->t = t;
	p->from = (uint8_t)from;
	p->flags = s->flags;
	p->seq = s->seq - c->base[from];
	p->ack = (s->flags & SEG_ACK) ? s->ack - c->base[other] : 0;
	p->len = s->len;
	p->cst = c->fsm.side[FSM_CLIENT].k.state;
	p->sst = c->fsm.side[FSM_SERVER].k.state;
	return 0;
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
	if (st != DECODE_OK)
		return 0;
	tr->st.tcp_packets++;
	ct_key_from_seg(s, &k, &src_is_0);
	c = conntab_get(tr->tab, &k);
	if (c != NULL) {
		from = (src_is_0 == c->client_is_0) ? FSM_CLIENT : FSM_SERVER;
		if (new_instance(c, from, s)) {
			fsm_kill_time_wait(&c->fsm, t);
			retire(tr, c, t);
			c = NULL;
		}
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
		remember_server(tr, s);
	c->npkts[from]++;
	c->last_t = t;
	if (record(tr, c, from, s, t) == -1)
		return -1;
	if (fsm_finished(&c->fsm)) {
		c->expire_at = t + LINGER_US;
		if (qpush(tr, c) == -1)
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
}

void
track_finish(struct track *tr, int64_t now)
{
	if (now > tr->st.tend)
		tr->st.tend = now;
	while (tr->head != NULL)
		retire(tr, tr->head, tr->st.tend);
	tr->qlen = 0;
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
	free(tr->q);
	free(tr);
}
