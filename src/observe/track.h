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

/* Called once per finished connection; the connection is reused after. */
typedef void track_emit_fn(void *ctx, const struct conn *c);

struct track_stats {
	uint64_t packets, tcp_packets, connections;
	uint64_t status[DECODE_NSTATUS];	/* by decode_status */
	int64_t t0, tlast;		/* first and last packet time (µs) */
	int64_t tend;			/* how far the capture covered time */
	int have_t0;
};

struct track;

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

const struct track_stats *track_stats(const struct track *tr);

void track_free(struct track *tr);

/* The report's words for enum track_roles. */
const char *track_roles_name(int roles);

/* Payload bytes a role sent (sequence space, retransmissions once). */
uint64_t track_bytes(const struct conn *c, int role);

#endif
