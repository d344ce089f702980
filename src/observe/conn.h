/*
 * conn.h — the tracker's connection record, private to the tracker
 * (track.c, conn.c): other modules read a connection only through the
 * track_conn_*() accessors of track.h.
 */
#ifndef TCPLAB_CONN_H
#define TCPLAB_CONN_H

#include <stdint.h>

#include "conntab.h"
#include "decode.h"
#include "fsm.h"
#include "track.h"
#include "zeek.h"

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
	uint8_t told[2];		/* timeline entries told (--follow) */
	uint8_t held;			/* finished, counted in nheld */
	struct fsm fsm;
	struct zeek zeek;
	struct pkt *pkts;
	uint32_t npk, cappk;
};

/* Segment s (sent by role `from` at t) as the report shows it. */
void conn_pkt(const struct conn *c, int from, const struct seg *s, int64_t t,
    struct pkt *p);

/*
 * Records segment s (sent by role `from` at t) in c: relative sequence
 * bases, payload reach and, with keep_packets, the per-packet list.
 * Returns 0, or -1 with errno set (ENOMEM).
 */
int conn_record(struct conn *c, int from, const struct seg *s, int64_t t,
    int keep_packets);

/*
 * Whether a bare SYN from role `from` starts a new instance of c's tuple
 * (c is over or in TIME_WAIT, or its client gave up on an unanswered SYN),
 * rather than being a retransmission of c's own SYN.
 */
int conn_new_instance(const struct conn *c, int from, const struct seg *s);

#endif
