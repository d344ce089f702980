/*
 * fsm.h — the TCP state machine of BOTH endpoints of one connection, as the
 * Linux kernel walks it, reconstructed from the segments a capture point saw.
 */
#ifndef TCPLAB_FSM_H
#define TCPLAB_FSM_H

#include <stdint.h>

#include "decode.h"

/* UNP Figure 2.4 names; never TCP_* (glibc owns those). */
enum fsm_state {
	FSM_CLOSED, FSM_LISTEN, FSM_SYN_SENT, FSM_SYN_RCVD, FSM_ESTABLISHED,
	FSM_FIN_WAIT_1, FSM_FIN_WAIT_2, FSM_CLOSING, FSM_TIME_WAIT,
	FSM_CLOSE_WAIT, FSM_LAST_ACK, FSM_NSTATES
};

enum fsm_role { FSM_CLIENT = 0, FSM_SERVER = 1 };

/* Answers of fsm_closer/fsm_tw_side. */
enum fsm_who { FSM_NOBODY = -1, FSM_WHO_CLIENT = 0, FSM_WHO_SERVER = 1,
	FSM_BOTH = 2 };

#define FSM_MAXSTEPS	14
#define FSM_TIME_WAIT_US	60000000LL	/* Linux TCP_TIMEWAIT_LEN */

/* Bits of fsm_side.unconf: transitions inferred but not yet confirmed. */
#define FSM_UNC_RXFIN	0x01	/* we assumed the peer's FIN arrived */
#define FSM_UNC_FINACK	0x02	/* we assumed the ack of our FIN arrived */
#define FSM_UNC_SYNACK	0x04	/* we assumed the ack of our SYN arrived */

/* What one side knows; copied whole as an undo point. */
struct fsm_track {
	uint8_t state;
	uint8_t nsteps;
	uint8_t syn_sent, fin_sent, fin_acked, got_fin, sent_any;
	uint8_t has_nxt;	/* nxt is known (we saw the SYN or a midstream start) */
	uint8_t fin_held;	/* our FIN came before earlier data: a hole */
	uint32_t isn, fin_seq;	/* fin_seq: the sequence number the FIN uses */
	uint32_t nxt;		/* the end of the data we sent, without holes */
	int64_t tw_since;	/* -1, or when TIME_WAIT began */
};

#define FSM_NUNC 3

struct fsm_side {
	struct fsm_track k;
	struct fsm_track undo[FSM_NUNC];	/* one undo point per FSM_UNC_ bit */
	uint32_t undo_pkt[FSM_NUNC];	/* packet count when it was taken */
	uint32_t undo_seq[FSM_NUNC];	/* order in which they were taken */
	uint8_t unconf;		/* FSM_UNC_* */
	int64_t fin_t;		/* when our FIN was last seen on the wire */
	int64_t tw_restart;	/* -1, or the peer's FIN again in TIME_WAIT */
	int64_t tw_end;		/* -1, or when TIME_WAIT really ended */
	int64_t t[FSM_MAXSTEPS];
	uint8_t st[FSM_MAXSTEPS];
};

struct fsm {
	struct fsm_side side[2];	/* FSM_CLIENT, FSM_SERVER */
	uint8_t partial;
	uint8_t established;	/* the client side reached ESTABLISHED */
	int8_t closer;		/* enum fsm_who */
	int8_t rst_from;	/* -1 or the role that sent the first RST */
	uint8_t rolled;		/* bit r: side r was rolled back by the last step */
	uint8_t rolled_state[2];	/* the state a rollback restored */
	uint32_t npkts;		/* segments fed so far */
	uint32_t nundo;		/* undo points taken so far */
	uint32_t rolled_pkt[2];	/* first packet a rollback rewrote */
};

/*
 * Starts the machine with the connection's first segment, sent by role
 * `from`, at time t (µs). A first segment that is not a bare SYN makes the
 * connection partial: the server side is guessed by the caller, and both
 * sides start in the state the segment implies.
 */
void fsm_init(struct fsm *f, int from, const struct seg *s, int64_t t);

/* Feeds one segment sent by role `from` at time t (capture order). */
void fsm_step(struct fsm *f, int from, const struct seg *s, int64_t t);

/*
 * Capture time has reached `now`: a TIME_WAIT that expired by then gets its
 * CLOSED, stamped at its expiry. Called at expiry and at end of capture.
 */
void fsm_expire(struct fsm *f, int64_t now);

/* A new SYN took over the 4-tuple at t: TIME_WAIT ends there (Linux tw kill). */
void fsm_kill_time_wait(struct fsm *f, int64_t t);

/*
 * When side x's TIME_WAIT ends unless something cuts it short: 60 s after
 * it began, or after the peer's FIN last came again (Linux restarts the
 * timer then: the peer never got our ACK).
 */
int64_t fsm_tw_until(const struct fsm_side *x);

/* Whether nothing but a new connection can happen on this tuple any more. */
int fsm_finished(const struct fsm *f);

/* Who closed first (FSM_BOTH for crossing FINs), FSM_NOBODY if nobody. */
int fsm_closer(const struct fsm *f);

/* Which sides entered TIME_WAIT. */
int fsm_tw_side(const struct fsm *f);

/* The textbook name of a state. */
const char *fsm_state_name(int st);

/* Whether `a` is before `b` in sequence space (RFC 1982 arithmetic). */
static inline int
fsm_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

#endif
