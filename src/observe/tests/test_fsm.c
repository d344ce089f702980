/*
 * test_fsm.c — the state machine's conventions, segment by segment.
 * Client ISN 1000, server ISN 5000; times are microseconds.
 */
#include <stdio.h>
#include <string.h>

#include "../fsm.h"
#include "../zeek.h"
#include "common/unit.h"

#define C FSM_CLIENT
#define S FSM_SERVER
#define CI 1000u
#define SI 5000u

static struct fsm f;
static struct zeek z;
static int started;

static uint8_t
parse_flags(const char *fl)
{
	uint8_t b = 0;

	for (; *fl; fl++) {
		switch (*fl) {
		case 'S': b |= SEG_SYN; break;
		case 'A': b |= SEG_ACK; break;
		case 'F': b |= SEG_FIN; break;
		case 'R': b |= SEG_RST; break;
		case 'P': b |= SEG_PSH; break;
		}
	}
	return b;
}

/* Feeds one segment; the first one of a test starts the machine. */
static void
seg(int from, const char *fl, uint32_t seq, uint32_t ack, uint32_t len,
    int64_t t)
{
	struct seg s;

	memset(&s, 0, sizeof s);
	s.flags = parse_flags(fl);
	s.seq = seq;
	s.ack = ack;
	s.len = len;
	s.win = 100;
	if (!started) {
		fsm_init(&f, from, &s, t);
		zeek_init(&z, from != C);
		started = 1;
	}
	fsm_step(&f, from, &s, t);
	zeek_update(&z, from == C, &s);
}

static void
reset(void)
{
	started = 0;
}

/* "CLOSED@0 SYN_SENT@0 ..." */
static const char *
tl(int r)
{
	static char buf[2][512];
	const struct fsm_side *x = &f.side[r];
	char *b = buf[r];
	int i;

	b[0] = '\0';
	for (i = 0; i < x->k.nsteps; i++)
		snprintf(b + strlen(b), 512 - strlen(b), "%s%s@%lld",
		    i ? " " : "", fsm_state_name(x->st[i]), (long long)x->t[i]);
	return b;
}

static void
handshake(void)
{
	reset();
	seg(C, "S", CI, 0, 0, 0);
	seg(S, "SA", SI, CI + 1, 0, 10);
	seg(C, "A", CI + 1, SI + 1, 0, 20);
}

static void
test_server_close(void)
{
	handshake();
	seg(S, "PA", SI + 1, CI + 1, 26, 30);
	seg(C, "A", CI + 1, SI + 27, 0, 40);
	seg(S, "FA", SI + 27, CI + 1, 0, 100);
	seg(C, "FA", CI + 1, SI + 28, 0, 110);
	seg(S, "A", SI + 28, CI + 2, 0, 120);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 CLOSE_WAIT@100 "
	    "LAST_ACK@110 CLOSED@120", "server close: client timeline");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@110 TIME_WAIT@110", "server close: FIN+ACK of our FIN "
	    "takes FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT at once");
	UNIT_EQ_INT(fsm_closer(&f), FSM_WHO_SERVER, "server close: closer");
	UNIT_EQ_INT(fsm_tw_side(&f), FSM_WHO_SERVER, "server close: TIME_WAIT side");
	UNIT_EQ_INT(f.partial, 0, "server close: not partial");
	UNIT_CHECK(fsm_finished(&f), "server close: finished");
	UNIT_EQ_STR(z.hist, "ShAdfFa", "server close: Zeek history");
	UNIT_EQ_STR(zeek_conn_state(&z, 0, 26), "SF", "server close: conn_state");
	fsm_expire(&f, 110 + FSM_TIME_WAIT_US - 1);
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@110 TIME_WAIT@110", "TIME_WAIT not over 1 us early");
	fsm_expire(&f, 110 + FSM_TIME_WAIT_US + 5000000);
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@110 TIME_WAIT@110 CLOSED@60000110",
	    "TIME_WAIT expiry: CLOSED stamped 60 s after entry");
}

static void
test_client_close(void)
{
	handshake();
	seg(C, "FA", CI + 1, SI + 1, 0, 100);
	seg(S, "A", SI + 1, CI + 2, 0, 110);
	seg(S, "FA", SI + 1, CI + 2, 0, 200);
	seg(C, "A", CI + 2, SI + 2, 0, 210);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@110 TIME_WAIT@200", "client close: client timeline");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 CLOSE_WAIT@100 "
	    "LAST_ACK@200 CLOSED@210", "client close: server timeline");
	UNIT_EQ_INT(fsm_closer(&f), FSM_WHO_CLIENT, "client close: closer");
	UNIT_EQ_INT(fsm_tw_side(&f), FSM_WHO_CLIENT, "client close: TIME_WAIT side");
}

/* Both sides send FIN before receiving the other's: whatever the order seen. */
static void
test_crossing(int server_first)
{
	const char *want = "FIN_WAIT_1@100 CLOSING@101 TIME_WAIT@";
	char wc[256], ws[256];

	handshake();
	if (server_first) {
		seg(S, "FA", SI + 1, CI + 1, 0, 100);
		seg(C, "FA", CI + 1, SI + 1, 0, 101);	/* ack misses S's FIN */
	} else {
		seg(C, "FA", CI + 1, SI + 1, 0, 100);
		seg(S, "FA", SI + 1, CI + 1, 0, 101);	/* ack misses C's FIN */
	}
	seg(C, "A", CI + 2, SI + 2, 0, 102);
	seg(S, "A", SI + 2, CI + 2, 0, 103);
	snprintf(wc, sizeof wc, "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 %s%d",
	    server_first ? "FIN_WAIT_1@101 CLOSING@101 TIME_WAIT@" : want,
	    103);
	snprintf(ws, sizeof ws, "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 %s%d",
	    server_first ? want : "FIN_WAIT_1@101 CLOSING@101 TIME_WAIT@",
	    102);
	UNIT_EQ_STR(tl(C), wc, "crossing FINs (%s first): client",
	    server_first ? "server" : "client");
	UNIT_EQ_STR(tl(S), ws, "crossing FINs (%s first): server",
	    server_first ? "server" : "client");
	UNIT_EQ_INT(fsm_closer(&f), FSM_BOTH, "crossing FINs: closer both");
	UNIT_EQ_INT(fsm_tw_side(&f), FSM_BOTH, "crossing FINs: TIME_WAIT both");
}

static void
test_lost_final_ack(void)
{
	handshake();
	seg(S, "FA", SI + 1, CI + 1, 0, 100);
	seg(C, "FA", CI + 1, SI + 2, 0, 110);
	seg(S, "A", SI + 2, CI + 2, 0, 111);	/* lost after the capture point */
	UNIT_CHECK(fsm_finished(&f), "final ACK seen: looks finished");
	seg(C, "FA", CI + 1, SI + 2, 0, 300);	/* client retransmits its FIN */
	UNIT_CHECK(!fsm_finished(&f), "retransmitted FIN: the story goes on");
	UNIT_EQ_INT(f.side[C].k.state, FSM_LAST_ACK, "client back in LAST_ACK");
	seg(S, "A", SI + 2, CI + 2, 0, 301);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 CLOSE_WAIT@100 "
	    "LAST_ACK@110 CLOSED@301", "lost final ACK: client closes at the "
	    "second ACK");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@110 TIME_WAIT@110", "lost final ACK: server TIME_WAIT once");
	UNIT_EQ_STR(z.hist, "ShAfFa", "lost final ACK: Zeek history does not "
	    "repeat F for the same FIN");
}

static void
test_lost_fin(void)
{
	handshake();
	seg(S, "PA", SI + 1, CI + 1, 5, 30);
	seg(S, "FA", SI + 6, CI + 1, 0, 100);	/* lost after capture */
	seg(C, "A", CI + 1, SI + 6, 0, 105);	/* acks the data only */
	UNIT_EQ_INT(f.side[C].k.state, FSM_ESTABLISHED,
	    "lost FIN: client never got it");
	seg(S, "FA", SI + 6, CI + 1, 0, 300);	/* retransmission */
	seg(C, "A", CI + 1, SI + 7, 0, 301);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 CLOSE_WAIT@300",
	    "lost FIN: CLOSE_WAIT when the retransmission arrives");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@301", "lost FIN: server");
}

/* The FIN is lost past the capture point: the peer takes the copy it acks. */
static void
test_fin_lost_past_capture(void)
{
	handshake();
	seg(C, "FA", CI + 1, SI + 1, 0, 100);	/* lost after capture */
	UNIT_EQ_INT(f.side[S].k.state, FSM_CLOSE_WAIT,
	    "FIN seen: the server is assumed to have it");
	seg(C, "FA", CI + 1, SI + 1, 0, 300);	/* the server never answered */
	UNIT_CHECK(f.rolled & (1 << S), "retransmitted FIN: server revised");
	seg(S, "A", SI + 1, CI + 2, 0, 301);
	seg(S, "FA", SI + 1, CI + 2, 0, 302);
	seg(C, "A", CI + 2, SI + 2, 0, 303);
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 CLOSE_WAIT@300 "
	    "LAST_ACK@302 CLOSED@303", "lost FIN: CLOSE_WAIT at the copy acked");
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@301 TIME_WAIT@302", "lost FIN: client");
	/* an answered FIN sent again moves nothing */
	handshake();
	seg(C, "FA", CI + 1, SI + 1, 0, 100);
	seg(S, "A", SI + 1, CI + 2, 0, 101);
	seg(C, "FA", CI + 1, SI + 1, 0, 300);
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 CLOSE_WAIT@100",
	    "acked FIN again: CLOSE_WAIT stays at the first copy");
}

/* A FIN seen before the data it follows: taken when the hole is filled. */
static void
test_fin_before_data(void)
{
	handshake();
	seg(C, "FA", CI + 11, SI + 1, 0, 50);	/* bytes 1..10 not seen yet */
	UNIT_EQ_INT(f.side[S].k.state, FSM_ESTABLISHED,
	    "FIN after a hole: the server does not take it yet");
	UNIT_EQ_INT(f.side[C].k.state, FSM_FIN_WAIT_1, "the client closed");
	seg(S, "A", SI + 1, CI + 1, 0, 51);	/* duplicate ACK */
	seg(C, "PA", CI + 1, SI + 1, 4, 80);	/* part of the hole */
	UNIT_EQ_INT(f.side[S].k.state, FSM_ESTABLISHED, "hole half filled");
	seg(C, "FA", CI + 11, SI + 1, 0, 90);	/* the FIN again, still a hole */
	UNIT_EQ_INT(f.side[S].k.state, FSM_ESTABLISHED, "FIN again: still a hole");
	seg(C, "PA", CI + 5, SI + 1, 6, 100);	/* the rest */
	seg(S, "A", SI + 1, CI + 12, 0, 101);
	seg(S, "FA", SI + 1, CI + 12, 0, 102);
	seg(C, "A", CI + 12, SI + 2, 0, 103);
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 CLOSE_WAIT@100 "
	    "LAST_ACK@102 CLOSED@103", "FIN before data: CLOSE_WAIT when filled");
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 FIN_WAIT_1@50 "
	    "FIN_WAIT_2@101 TIME_WAIT@102", "FIN before data: client");
	/* in order, data and FIN in one segment: at once */
	handshake();
	seg(C, "FPA", CI + 1, SI + 1, 10, 50);
	UNIT_EQ_INT(f.side[S].k.state, FSM_CLOSE_WAIT, "data+FIN in order");
}

/* Both ends connect(): the SYNs cross. */
static void
test_simultaneous_open(void)
{
	reset();
	seg(C, "S", CI, 0, 0, 0);
	seg(S, "S", SI, 0, 0, 150);
	UNIT_CHECK(f.rolled & (1 << S), "second SYN: server's start revised");
	seg(C, "SA", CI, SI + 1, 0, 151);
	seg(S, "SA", SI, CI + 1, 0, 200);
	seg(C, "A", CI + 1, SI + 1, 0, 201);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 SYN_RCVD@150 ESTABLISHED@200",
	    "simultaneous open: client");
	UNIT_EQ_STR(tl(S), "CLOSED@0 SYN_SENT@150 SYN_RCVD@150 ESTABLISHED@151",
	    "simultaneous open: server");
	UNIT_CHECK(f.established, "simultaneous open: established");
	seg(C, "FA", CI + 1, SI + 1, 0, 300);
	seg(S, "FA", SI + 1, CI + 2, 0, 400);
	seg(C, "A", CI + 2, SI + 2, 0, 401);
	UNIT_EQ_STR(tl(S), "CLOSED@0 SYN_SENT@150 SYN_RCVD@150 ESTABLISHED@151 "
	    "CLOSE_WAIT@300 LAST_ACK@400 CLOSED@401",
	    "simultaneous open, client close: server");
	UNIT_CHECK(fsm_finished(&f), "simultaneous open: finished");
	UNIT_EQ_INT(fsm_closer(&f), FSM_WHO_CLIENT, "simultaneous open: closer");
}

/* Linux's TIME_WAIT takes a RST only at its rcv_nxt (tcp_timewait_state_process). */
static void
test_rst_in_time_wait(void)
{
	handshake();
	seg(C, "FA", CI + 1, SI + 1, 0, 100);
	seg(S, "FA", SI + 1, CI + 2, 0, 101);
	seg(C, "A", CI + 2, SI + 2, 0, 102);
	seg(S, "R", SI + 1, 0, 0, 300);		/* behind the server's FIN */
	UNIT_EQ_INT(f.side[C].k.state, FSM_TIME_WAIT, "old RST: TIME_WAIT stays");
	UNIT_EQ_INT(f.side[C].tw_end, -1, "old RST: TIME_WAIT not ended");
	seg(S, "R", SI + 2, 0, 0, 400);		/* at the client's rcv_nxt */
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@101 TIME_WAIT@101 CLOSED@400", "RST at rcv_nxt ends it");
	UNIT_EQ_INT(f.side[C].tw_end, 400, "tw_end at the RST");
}

static void
test_retransmitted_syn(void)
{
	reset();
	seg(C, "S", CI, 0, 0, 0);
	seg(C, "S", CI, 0, 0, 1000000);
	seg(C, "S", CI, 0, 0, 3000000);
	seg(S, "SA", SI, CI + 1, 0, 3000010);
	seg(S, "SA", SI, CI + 1, 0, 3000011);	/* retransmitted SYN-ACK */
	seg(C, "A", CI + 1, SI + 1, 0, 3000020);
	seg(C, "A", CI + 1, SI + 1, 0, 3000021);	/* dup ACK */
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@3000010",
	    "retransmitted SYN adds no state");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@3000010 ESTABLISHED@3000020",
	    "retransmitted SYN-ACK, dup ACK add no state");
	UNIT_EQ_STR(z.hist, "ShA", "retransmitted SYN: Zeek S once");
}

static void
test_backlog_full(void)
{
	handshake();
	/* the final ACK was dropped (accept queue full): SYN-ACK again */
	seg(S, "SA", SI, CI + 1, 0, 1000010);
	UNIT_EQ_INT(f.side[S].k.state, FSM_SYN_RCVD,
	    "SYN-ACK retransmitted: server was still SYN_RCVD");
	seg(C, "A", CI + 1, SI + 1, 0, 1000020);
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@1000020",
	    "backlog full: ESTABLISHED at the ACK that was accepted");
}

static void
test_rst(void)
{
	handshake();
	seg(C, "RA", CI + 1, SI + 1, 0, 100);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 CLOSED@100",
	    "abort: client CLOSED");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 CLOSED@100",
	    "abort: server CLOSED");
	UNIT_EQ_INT(fsm_closer(&f), FSM_WHO_CLIENT, "abort: closer is the RST sender");
	UNIT_EQ_INT(f.rst_from, C, "abort: rst from client");
	UNIT_EQ_STR(zeek_conn_state(&z, 0, 0), "RSTO", "abort: conn_state RSTO");
	UNIT_CHECK(fsm_finished(&f), "abort: finished");
}

static void
test_refused(void)
{
	reset();
	seg(C, "S", CI, 0, 0, 0);
	seg(S, "RA", 0, CI + 1, 0, 15);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 CLOSED@15", "refused: client");
	UNIT_EQ_STR(tl(S), "CLOSED@0", "refused: server timeline is CLOSED alone");
	UNIT_EQ_INT(fsm_closer(&f), FSM_NOBODY, "refused: no closer");
	UNIT_EQ_STR(z.hist, "Sr", "refused: history");
	UNIT_EQ_STR(zeek_conn_state(&z, 0, 0), "REJ", "refused: REJ");
}

static void
test_half_close(void)
{
	handshake();
	seg(C, "FA", CI + 1, SI + 1, 0, 100);		/* shutdown(SHUT_WR) */
	seg(S, "A", SI + 1, CI + 2, 0, 101);
	seg(S, "PA", SI + 1, CI + 2, 100, 200);	/* server still sends */
	seg(C, "A", CI + 2, SI + 101, 0, 201);
	seg(S, "PA", SI + 101, CI + 2, 100, 250);
	seg(C, "A", CI + 2, SI + 201, 0, 251);
	seg(S, "FA", SI + 201, CI + 2, 0, 300);
	seg(C, "A", CI + 2, SI + 202, 0, 301);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@101 TIME_WAIT@300", "half close: client");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 CLOSE_WAIT@100 "
	    "LAST_ACK@300 CLOSED@301", "half close: server sends in CLOSE_WAIT");
}

static void
test_fin_with_data(void)
{
	handshake();
	seg(S, "FPA", SI + 1, CI + 1, 26, 100);	/* data and FIN together */
	seg(C, "FA", CI + 1, SI + 28, 0, 110);
	seg(S, "A", SI + 28, CI + 2, 0, 120);
	UNIT_EQ_STR(tl(C), "CLOSED@0 SYN_SENT@0 ESTABLISHED@10 CLOSE_WAIT@100 "
	    "LAST_ACK@110 CLOSED@120", "FIN with data: client");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@110 TIME_WAIT@110", "FIN with data: FIN seq counts the data");
	seg(C, "A", CI + 2, SI + 27, 0, 130);	/* an ack of the data only */
	UNIT_EQ_INT(f.side[S].k.state, FSM_TIME_WAIT, "data ack is no FIN ack");
}

static void
test_partial(void)
{
	reset();
	seg(S, "PA", SI + 100, CI + 50, 10, 0);
	seg(C, "A", CI + 50, SI + 110, 0, 5);
	seg(C, "FA", CI + 50, SI + 110, 0, 10);
	seg(S, "FA", SI + 110, CI + 51, 0, 20);
	seg(C, "A", CI + 51, SI + 111, 0, 30);
	UNIT_EQ_INT(f.partial, 1, "midstream: partial");
	UNIT_EQ_STR(tl(C), "ESTABLISHED@0 FIN_WAIT_1@10 FIN_WAIT_2@20 "
	    "TIME_WAIT@20", "midstream: client starts ESTABLISHED");
	UNIT_EQ_STR(tl(S), "ESTABLISHED@0 CLOSE_WAIT@10 LAST_ACK@20 CLOSED@30",
	    "midstream: server");
	UNIT_EQ_STR(z.hist, "^dAFf", "midstream: history flipped");
	reset();
	seg(S, "SA", SI, CI + 1, 0, 0);
	seg(C, "A", CI + 1, SI + 1, 0, 10);
	UNIT_EQ_STR(tl(C), "SYN_SENT@0 ESTABLISHED@0", "SYN missed: client");
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@0 ESTABLISHED@10",
	    "SYN missed: server");
}

static void
test_time_wait_kill(void)
{
	handshake();
	seg(S, "FA", SI + 1, CI + 1, 0, 100);
	seg(C, "FA", CI + 1, SI + 2, 0, 110);
	seg(S, "A", SI + 2, CI + 2, 0, 120);
	fsm_kill_time_wait(&f, 5000000);
	UNIT_EQ_STR(tl(S), "LISTEN@0 SYN_RCVD@10 ESTABLISHED@20 FIN_WAIT_1@100 "
	    "FIN_WAIT_2@110 TIME_WAIT@110 CLOSED@5000000",
	    "a new SYN on the tuple ends TIME_WAIT");
	UNIT_EQ_INT(f.side[S].tw_end, 5000000, "tw_end is the SYN's time");
}

int
main(void)
{
	test_server_close();
	test_client_close();
	test_crossing(0);
	test_crossing(1);
	test_lost_final_ack();
	test_lost_fin();
	test_fin_lost_past_capture();
	test_fin_before_data();
	test_simultaneous_open();
	test_rst_in_time_wait();
	test_retransmitted_syn();
	test_backlog_full();
	test_rst();
	test_refused();
	test_half_close();
	test_fin_with_data();
	test_partial();
	test_time_wait_kill();
	return unit_done();
}
