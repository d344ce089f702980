/*
 * test_conntab.c — the hash table against a shadow array, and the tracker:
 * 4-tuple instances, ids in order of first packet, streaming expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conntab.h"
#include "../track.h"
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

static void
test_tracker(void)
{
	struct track *tr = track_new(1, emit, NULL);
	const struct track_stats *st = track_stats(tr);

	daytime(tr, 40000, 1000, 0);
	daytime(tr, 40002, 1000, 1000);
	UNIT_EQ_INT(nemitted, 0, "nothing emitted while TIME_WAIT lasts");
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

int
main(void)
{
	test_table();
	test_tracker();
	test_roles();
	return unit_done();
}
