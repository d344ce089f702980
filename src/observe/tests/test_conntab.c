/*
 * test_conntab.c — the hash table against a shadow array, and the tracker:
 * 4-tuple instances, ids in order of first packet, streaming expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conntab.h"
#include "../track.h"
#include "../minheap.h"
#include "../twtab.h"
#include "common/unit.h"

#define N 20000

static struct seg
mkseg(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    const char *fl, uint32_t seq, uint32_t ack)
{
	struct seg s;

	memset(&s, 0, sizeof s);
	s.family = 4;
	memcpy(s.src, &src, 4);
	memcpy(s.dst, &dst, 4);
	s.sport = sport;
	s.dport = dport;
	for (; *fl; fl++)
		s.flags |= *fl == 'S' ? SEG_SYN : *fl == 'A' ? SEG_ACK :
		    *fl == 'F' ? SEG_FIN : *fl == 'R' ? SEG_RST : 0;
	s.seq = seq;
	s.ack = ack;
	s.win = 100;
	return s;
}

static void
test_table(void)
{
	struct conntab *t = conntab_new();
	static int present[N];
	static struct ct_key keys[N];
	struct ct_key k;
	int i, a, b, bad = 0;

	for (i = 0; i < N; i++) {
		struct seg s = mkseg(0x0100007f, (uint16_t)(1024 + i), 0x0100007f,
		    80, "S", 0, 0);

		ct_key_from_seg(&s, &keys[i], &a);
		conntab_put(t, &keys[i], &present[i]);
		present[i] = 1;
	}
	UNIT_EQ_INT(conntab_count(t), N, "put %d keys", N);
	for (i = 0; i < N; i += 3) {
		struct seg s = mkseg(0x0100007f, 80, 0x0100007f,
		    (uint16_t)(1024 + i), "SA", 0, 0);	/* other direction */

		ct_key_from_seg(&s, &k, &b);
		if (conntab_del(t, &k) != 1)
			bad++;
		present[i] = 0;
	}
	UNIT_EQ_INT(bad, 0, "delete through the reverse direction's key");
	for (i = 0; i < N; i++) {
		struct seg s = mkseg(0x0100007f, (uint16_t)(1024 + i), 0x0100007f,
		    80, "A", 0, 0);
		void *v;

		ct_key_from_seg(&s, &k, &a);
		v = conntab_get(t, &k);
		if ((v != NULL) != present[i] || (v && v != &present[i]))
			bad++;
	}
	UNIT_EQ_INT(bad, 0, "lookups after deletes agree with the shadow array");
	UNIT_EQ_INT(conntab_count(t), N - (N + 2) / 3, "count after deletes");
	{
		struct seg s1 = mkseg(0x0100007f, 5000, 0x0200007f, 80, "S", 0, 0);
		struct seg s2 = mkseg(0x0200007f, 80, 0x0100007f, 5000, "SA", 0, 0);
		struct ct_key k1, k2;

		ct_key_from_seg(&s1, &k1, &a);
		ct_key_from_seg(&s2, &k2, &b);
		UNIT_CHECK(memcmp(&k1, &k2, sizeof k1) == 0 && a != b,
		    "one canonical key for both directions");
	}
	conntab_free(t);
}

static uint64_t emitted[16];
static int nemitted;
static int server_last[16];

static void
emit(void *ctx, const struct conn *c)
{
	const struct fsm_side *x = &track_conn_fsm(c)->side[FSM_SERVER];

	(void)ctx;
	if (nemitted < 16) {
		server_last[nemitted] = x->st[x->k.nsteps - 1];
		emitted[nemitted++] = track_conn_id(c);
	}
}

/* A daytime exchange on client port cp at time t (server closes). */
static void
daytime(struct track *tr, uint16_t cp, uint32_t ci, int64_t t)
{
	const uint32_t cl = 0x0100007f, sv = 0x0100007f, si = 7000;
	struct seg s;

	s = mkseg(cl, cp, sv, 13, "S", ci, 0);
	track_packet(tr, DECODE_OK, &s, t);
	s = mkseg(sv, 13, cl, cp, "SA", si, ci + 1);
	track_packet(tr, DECODE_OK, &s, t + 10);
	s = mkseg(cl, cp, sv, 13, "A", ci + 1, si + 1);
	track_packet(tr, DECODE_OK, &s, t + 20);
	s = mkseg(sv, 13, cl, cp, "FA", si + 1, ci + 1);
	track_packet(tr, DECODE_OK, &s, t + 100);
	s = mkseg(cl, cp, sv, 13, "FA", ci + 1, si + 2);
	track_packet(tr, DECODE_OK, &s, t + 110);
	s = mkseg(sv, 13, cl, cp, "A", si + 2, ci + 2);
	track_packet(tr, DECODE_OK, &s, t + 120);
}

/* One segment of the daytime tuple cp (c2s: client to server) at t. */
static void
one(struct track *tr, int c2s, uint16_t cp, const char *fl, uint32_t seq,
    uint32_t ack, int64_t t)
{
	const uint32_t cl = 0x0100007f, sv = 0x0100007f;
	struct seg s = c2s ? mkseg(cl, cp, sv, 13, fl, seq, ack) :
	    mkseg(sv, 13, cl, cp, fl, seq, ack);

	track_packet(tr, DECODE_OK, &s, t);
}

/* Held whole (fewer than TRACK_HOLD): written when TIME_WAIT ends. */
static void
test_tracker_held(void)
{
	struct track *tr = track_new(1, emit, NULL);
	const struct track_stats *st = track_stats(tr);

	daytime(tr, 40000, 1000, 0);
	daytime(tr, 40002, 1000, 1000);
	UNIT_EQ_INT(nemitted, 0, "held: nothing emitted while TIME_WAIT lasts");
	/* the same 4-tuple again, 2 s later: the server is in TIME_WAIT */
	daytime(tr, 40000, 900000, 2000000);
	UNIT_EQ_INT(nemitted, 1, "a SYN on a TIME_WAIT tuple ends the old one");
	UNIT_EQ_INT(emitted[0], 1, "the old instance is connection 1");
	UNIT_EQ_STR(fsm_state_name(server_last[0]), "CLOSED",
	    "its TIME_WAIT ended with CLOSED");
	UNIT_EQ_INT(st->connections, 3, "three connections counted");
	/* 61 s later in capture time: connection 2's TIME_WAIT has expired */
	daytime(tr, 40004, 5, 61002000);
	UNIT_EQ_INT(nemitted, 2, "streaming: expired connection emitted");
	UNIT_EQ_INT(emitted[1], 2, "... connection 2");
	UNIT_EQ_STR(fsm_state_name(server_last[1]), "CLOSED",
	    "expired TIME_WAIT gets its CLOSED");
	track_finish(tr, 0);
	UNIT_EQ_INT(nemitted, 4, "end of capture emits the rest");
	UNIT_EQ_INT(emitted[2], 3, "rest in id order (3)");
	UNIT_EQ_INT(emitted[3], 4, "rest in id order (4)");
	UNIT_EQ_STR(fsm_state_name(server_last[3]), "TIME_WAIT",
	    "capture ended before expiry: TIME_WAIT stays last");
	UNIT_EQ_INT(st->packets, 24, "packets counted");
	track_free(tr);
}

/* Over the hold (0 here): written TRACK_LINGER_US after the last packet. */
static void
test_tracker(void)
{
	struct track *tr = track_new(1, emit, NULL);
	const struct track_stats *st = track_stats(tr);
	const int64_t L = TRACK_LINGER_US;

	track_set_hold(tr, 0);
	nemitted = 0;

	daytime(tr, 40000, 1000, 0);
	daytime(tr, 40002, 1000, 1000);
	UNIT_EQ_INT(nemitted, 0, "nothing written within TRACK_LINGER_US");
	/* the same 4-tuple again, 0.9 L later: the server is in TIME_WAIT */
	daytime(tr, 40000, 900000, L * 9 / 10);
	UNIT_EQ_INT(nemitted, 1, "a SYN on a TIME_WAIT tuple ends the old one");
	UNIT_EQ_INT(emitted[0], 1, "the old instance is connection 1");
	UNIT_EQ_STR(fsm_state_name(server_last[0]), "CLOSED",
	    "its TIME_WAIT ended with CLOSED");
	UNIT_EQ_INT(st->connections, 3, "three connections counted");
	/* 1.5 L: connection 2 is written, in TIME_WAIT; its client repeats
	 * its FIN (the final ACK was lost) and the server answers */
	one(tr, 1, 40002, "FA", 1001, 7002, L * 3 / 2);
	UNIT_EQ_INT(nemitted, 2, "L after its last packet, connection 2 is written");
	UNIT_EQ_INT(emitted[1], 2, "... connection 2");
	UNIT_EQ_STR(fsm_state_name(server_last[1]), "TIME_WAIT",
	    "written during TIME_WAIT: TIME_WAIT is last");
	one(tr, 0, 40002, "A", 7002, 1002, L * 3 / 2 + 100);
	UNIT_EQ_INT(st->late_packets, 2, "its late FIN and ACK are recognised");
	UNIT_EQ_INT(st->connections, 3, "... and start no connection");
	/* a SYN on its tuple starts a new connection */
	daytime(tr, 40002, 5000000, 2 * L);
	UNIT_EQ_INT(st->connections, 4, "a SYN on a remembered tuple: new connection");
	UNIT_EQ_INT(emitted[2], 3, "connection 3 written in its turn");
	/* 70 s: connection 3's TIME_WAIT (from 0.9 L) is over: forgotten */
	one(tr, 1, 40000, "A", 900002, 7002, 70000000);
	UNIT_EQ_INT(st->connections, 5, "after TIME_WAIT, a stray ACK is a (partial) connection");
	UNIT_EQ_INT(st->late_packets, 2, "... not a late packet");
	track_finish(tr, 0);
	UNIT_EQ_INT(nemitted, 5, "end of capture writes the rest");
	UNIT_EQ_INT(emitted[3], 4, "rest in id order (4)");
	UNIT_EQ_INT(emitted[4], 5, "rest in id order (5)");
	UNIT_EQ_STR(fsm_state_name(server_last[3]), "CLOSED",
	    "connection 4's TIME_WAIT expired in capture time: CLOSED");
	UNIT_EQ_INT(st->packets, 27, "packets counted");
	track_free(tr);
}

/* The compact table: put, has, del, expiry, and a rebuild under load. */
static void
test_twtab(void)
{
	struct twtab *t = twtab_new();
	struct ct_key k;
	struct seg s;
	int i, src0, bad = 0;

	for (i = 0; i < 100000; i++) {
		s = mkseg(0x0a000001 + (uint32_t)(i / 1000), (uint16_t)(30000 + i % 1000),
		    0x0100a8c0, 13, "S", 0, 0);
		ct_key_from_seg(&s, &k, &src0);
		if (twtab_put(t, &k, (uint32_t)(100 + i / 1000), (uint32_t)(i / 1000)) == -1)
			bad++;
	}
	UNIT_EQ_INT(bad, 0, "100 000 tuples stored");
	for (i = 0; i < 100000; i += 7) {
		s = mkseg(0x0100a8c0, 13, 0x0a000001 + (uint32_t)(i / 1000),
		    (uint16_t)(30000 + i % 1000), "SA", 0, 0);
		ct_key_from_seg(&s, &k, &src0);
		bad += !twtab_has(t, &k, 99) + twtab_has(t, &k, (uint32_t)(100 + i / 1000));
	}
	UNIT_EQ_INT(bad, 0, "found either way round, until their second");
	UNIT_CHECK(twtab_bytes(t) <= 262144 * 16 + 262144 / 4,
	    "16 bytes a slot and 2 bits, at most 2 slots a tuple (%zu)",
	    twtab_bytes(t));
	twtab_del(t, &k);
	UNIT_CHECK(!twtab_has(t, &k, 0), "a deleted tuple is gone");
	twtab_free(t);
}

static int last_roles, last_partial, last_client_port;

static void
emit_roles(void *ctx, const struct conn *c)
{
	struct track_endpoint ep;

	(void)ctx;
	track_conn_endpoint(c, FSM_CLIENT, &ep);
	last_roles = track_conn_roles(c);
	last_partial = track_conn_fsm(c)->partial;
	last_client_port = ep.port;
}

/* Partial connections: how the server is guessed. */
static void
test_roles(void)
{
	struct track *tr = track_new(0, emit_roles, NULL);
	struct seg s;

	/* a full connection makes 127.0.0.2:5000 a known server */
	s = mkseg(0x0100007f, 60000, 0x0200007f, 5000, "S", 1, 0);
	track_packet(tr, DECODE_OK, &s, 0);
	s = mkseg(0x0200007f, 5000, 0x0100007f, 60000, "SA", 9, 2);
	track_packet(tr, DECODE_OK, &s, 1);
	track_finish(tr, 1);
	UNIT_EQ_INT(last_roles, TRACK_ROLES_SYN, "full connection: roles from the SYN");
	track_free(tr);
	tr = track_new(0, emit_roles, NULL);
	s = mkseg(0x0100007f, 60000, 0x0200007f, 5000, "S", 1, 0);
	track_packet(tr, DECODE_OK, &s, 0);
	s = mkseg(0x0200007f, 5000, 0x0100007f, 60000, "SA", 9, 2);
	track_packet(tr, DECODE_OK, &s, 1);
	/* midstream from the server to a client on a LOWER port */
	s = mkseg(0x0200007f, 5000, 0x0100007f, 80, "PA", 100, 200);
	track_packet(tr, DECODE_OK, &s, 2);
	track_finish(tr, 3);
	UNIT_EQ_INT(last_roles, TRACK_ROLES_KNOWN_SERVER,
	    "midstream: a known server beats the lower port");
	UNIT_EQ_INT(last_client_port, 80, "... so port 80 is the client here");
	UNIT_EQ_INT(last_partial, 1, "... and the connection is partial");
	track_free(tr);
	tr = track_new(0, emit_roles, NULL);
	s = mkseg(0x0100007f, 33000, 0x0200007f, 22, "A", 100, 200);
	track_packet(tr, DECODE_OK, &s, 0);
	track_finish(tr, 0);
	UNIT_EQ_INT(last_roles, TRACK_ROLES_LOWER_PORT, "midstream: lower port");
	UNIT_EQ_INT(last_client_port, 33000, "... the higher port is the client");
	track_free(tr);
	tr = track_new(0, emit_roles, NULL);
	s = mkseg(0x0200007f, 22, 0x0100007f, 33000, "SA", 100, 200);
	track_packet(tr, DECODE_OK, &s, 0);
	track_finish(tr, 0);
	UNIT_EQ_INT(last_roles, TRACK_ROLES_SYNACK, "SYN missed: the SYN-ACK sender serves");
	UNIT_EQ_INT(last_client_port, 33000, "... client port");
	track_free(tr);
}

/* The heap gives back what it holds smallest key first. */
static void
test_minheap(void)
{
	struct minheap h = { 0 };
	int64_t k, last = -1;
	int i, bad = 0, vals[1000];

	for (i = 0; i < 1000; i++) {
		vals[i] = (i * 7919) % 1000;
		minheap_push(&h, vals[i], &vals[i]);
	}
	for (i = 0; i < 1000; i++) {
		int *v = minheap_pop(&h, &k);

		bad += k < last || *v != k;
		last = k;
	}
	UNIT_EQ_INT(bad, 0, "minheap: 1000 keys back in order, each with its value");
	UNIT_EQ_INT((int)h.n, 0, "minheap: empty after");
	minheap_free(&h);
}

int
main(void)
{
	test_table();
	test_tracker_held();
	test_tracker();
	test_twtab();
	test_minheap();
	test_roles();
	return unit_done();
}
