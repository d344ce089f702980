/*
 * track.h — connection tracking: decoded segments in, finished connections
 * out. Owns the connection table, the 4-tuple instances, the TIME_WAIT
 * expiry queue and the capture counters; hands each connection to an emit
 * callback once nothing can change it any more.
 */
#ifndef TCPLAB_TRACK_H
#define TCPLAB_TRACK_H

#include <stdint.h>

#include "conntab.h"
#include "decode.h"
#include "fsm.h"
#include "zeek.h"

/* How the roles of a connection were decided. */
enum track_roles {
	TRACK_ROLES_SYN,		/* the client sent the first SYN */
	TRACK_ROLES_SYNACK,		/* partial: the SYN-ACK's sender is server */
	TRACK_ROLES_KNOWN_SERVER,	/* partial: that endpoint served before */
	TRACK_ROLES_LOWER_PORT,		/* partial: the lower port is the server */
	TRACK_ROLES_FIRST_DST		/* partial, equal ports: first packet's
					   destination is the server */
};

/* One segment as the per-packet list of the report shows it. */
struct pkt {
	int64_t t;
	uint32_t seq, ack, len;		/* relative, as Wireshark shows them */
	uint8_t from, flags, cst, sst;
};

/* A connection: the tracker's own; read it through the track_conn_*() below. */
struct conn;

/* One endpoint of a connection. */
struct track_endpoint {
	uint8_t family;			/* 4 or 6 */
	uint16_t port;			/* host byte order */
	const uint8_t *addr;		/* network byte order, 4 or 16 bytes */
};

/*
 * A connection that can no longer change (both sides CLOSED or in
 * TIME_WAIT) is held whole until its TIME_WAIT would end, 60 s after its
 * last packet, while at most TRACK_HOLD such connections are held (about
 * 900 bytes each); beyond that the oldest are written early, but never
 * sooner than TRACK_LINGER_US after their last packet (time for a lost
 * final ACK and the FIN retransmissions it causes to land in the record).
 * A TIME_WAIT written early leaves a 16-byte record (see track.c).
 */
#define TRACK_HOLD		16384
#define TRACK_LINGER_US		1000000

/* Called once per finished connection; the connection is reused after. */
typedef void track_emit_fn(void *ctx, const struct conn *c);

struct track_stats {
	uint64_t packets, tcp_packets, connections;
	uint64_t status[DECODE_NSTATUS];	/* by decode_status */
	int64_t t0, tlast;		/* first and last packet time (µs) */
	int64_t tend;			/* how far the capture covered time */
	uint64_t late_packets;		/* of connections written already */
	int have_t0;
};

struct track;

/* What reached a connection already written, in its TIME_WAIT. */
enum track_late { TRACK_LATE_SYN, TRACK_LATE_RST, TRACK_LATE_FIN };

/*
 * What --follow is told as it happens (each callback optional). state:
 * role `side` of c went from state `old` to `now` at t, caused by packet p
 * (NULL: by time, a TIME_WAIT's end). revised: see below. late: a SYN (a new connection takes
 * the tuple), RST (ends the TIME_WAIT) or FIN (restarts it) reached the
 * written connection of key k at t. tick: capture time reached now.
 */
struct track_events {
	void (*state)(void *ctx, const struct conn *c, int side, int old,
	    int now, int64_t t, const struct pkt *p);
	void (*late)(void *ctx, const struct ct_key *k, enum track_late how,
	    int64_t t);
	void (*tick)(void *ctx, int64_t now);
	/* packet p made the tracker revise side's earlier inference: the
	 * side's whole timeline replaces what was told (fsm.c, undo points) */
	void (*revised)(void *ctx, const struct conn *c, int side,
	    const struct pkt *p);
};

/*
 * A tracker; keep_packets: record the per-packet list (not in --summary).
 * Returns NULL with errno set.
 */
struct track *track_new(int keep_packets, track_emit_fn *emit, void *ctx);

/*
 * Accounts one captured packet at time t (µs) that decoded with status st;
 * s is the segment when st is DECODE_OK. Returns 0, or -1 with errno set.
 */
int track_packet(struct track *tr, enum decode_status st,
    const struct seg *s, int64_t t);

/*
 * Capture time has reached now (µs) without a packet (a live capture's
 * clock): TIME_WAITs that expired by then are closed and emitted.
 */
void track_tick(struct track *tr, int64_t now);

/*
 * End of capture at time now (the last packet of a file; the wall clock of
 * a live capture, which covered the time after its last packet too): every
 * connection still open is emitted, in id order.
 */
void track_finish(struct track *tr, int64_t now);

/* How many finished connections may be held whole (default TRACK_HOLD). */
void track_set_hold(struct track *tr, size_t hold);

/* Tells ev's callbacks (with ctx) what happens from now on. */
void track_set_events(struct track *tr, const struct track_events *ev,
    void *ctx);

const struct track_stats *track_stats(const struct track *tr);

void track_free(struct track *tr);

/* The report's words for enum track_roles. */
const char *track_roles_name(int roles);

/*
 * What a finished connection promises to the writers (report, ladder):
 * read inside the emit callback only. A role is FSM_CLIENT or FSM_SERVER.
 */
/* Numbered in the order of the connections' first packets, from 1. */
uint64_t track_conn_id(const struct conn *c);
/* How client and server were told apart: enum track_roles. */
int track_conn_roles(const struct conn *c);
void track_conn_endpoint(const struct conn *c, int role,
    struct track_endpoint *ep);
/* Times of the first and the last packet (µs). */
int64_t track_conn_first(const struct conn *c);
int64_t track_conn_last(const struct conn *c);
/* Both sides' state timelines and the connection's close facts. */
const struct fsm *track_conn_fsm(const struct conn *c);
/* The Zeek-style conn_state and history. */
const struct zeek *track_conn_zeek(const struct conn *c);
/* Packets a role sent. */
uint64_t track_conn_packet_count(const struct conn *c, int role);
/* The per-packet list (empty without keep_packets); its length in *n. */
const struct pkt *track_conn_packets(const struct conn *c, uint32_t *n);
/* The canonical 4-tuple key (the same both ways; see conntab.h). */
const struct ct_key *track_conn_key(const struct conn *c);
/* Payload bytes a role sent (sequence space, retransmissions once). */
uint64_t track_bytes(const struct conn *c, int role);

#endif
