/*
 * wirerule — the pure half of tcpwire: which Ethernet frames to drop.
 * A rule names a direction, a kind of TCP segment and an ordinal:
 * "a:fin:1" drops the first FIN coming from side A; "b:ack:3" the third
 * pure ACK from side B; "a:finack:1" the first pure ACK that A sends after
 * B's FIN went through the wire (A's answer to it: "the final ACK").
 * A rule with a ":+MS" tail holds the frame MS ms longer instead of dropping
 * it: "a:data:1:+300" lets A's next segments overtake its first data.
 * No I/O here, so tests can feed it hand-made frames.
 */
#ifndef TCPLAB_WIRERULE_H
#define TCPLAB_WIRERULE_H

#include <stddef.h>
#include <stdint.h>

enum wire_kind {
	WIRE_KIND_TCP,		/* any TCP segment */
	WIRE_KIND_SYN,		/* SYN without ACK */
	WIRE_KIND_SYNACK,	/* SYN+ACK */
	WIRE_KIND_FIN,		/* FIN (with or without data) */
	WIRE_KIND_RST,
	WIRE_KIND_DATA,		/* payload > 0 */
	WIRE_KIND_ACK,		/* pure ACK: only ACK, no payload */
	WIRE_KIND_FINACK	/* pure ACK sent after the other side's FIN passed */
};

enum wire_status { WIRE_OK, WIRE_ENOTTCP, WIRE_ESYNTAX };

#define WIRE_MAX_RULES 8

struct wire_rule {
	int side;		/* 0: frames from A, 1: frames from B */
	enum wire_kind kind;
	unsigned nth;		/* drop the nth match (1-based) */
	unsigned seen;		/* matches so far */
	unsigned hold_ms;	/* 0: drop the match; else hold it this long */
};

struct wire_seg {
	uint8_t flags;		/* TCP flags byte */
	unsigned payload;	/* TCP payload bytes */
};

struct wire_state {
	struct wire_rule rules[WIRE_MAX_RULES];
	int nrules;
	int fin_passed[2];	/* a FIN from side i was forwarded */
	unsigned dropped, held;
	unsigned hold_ms;	/* set by wire_judge: extra delay of this frame */
};

#define WIRE_FIN 0x01
#define WIRE_SYN 0x02
#define WIRE_RST 0x04
#define WIRE_PSH 0x08
#define WIRE_ACK 0x10

/* Parse "a|b:KIND:N[:+MS]" into r. */
enum wire_status wire_rule_parse(const char *spec, struct wire_rule *r);
/* Find the TCP segment in an Ethernet frame (IPv4/IPv6, one VLAN tag ok). */
enum wire_status wire_parse(const uint8_t *frame, size_t len, struct wire_seg *seg);
/*
 * Decide a frame's fate: 1 = drop it, 0 = forward it, st->hold_ms later
 * than the others. Updates the counters.
 */
int wire_judge(struct wire_state *st, int side, const uint8_t *frame, size_t len);
/* Recompute the IPv4 header and TCP checksums in place (checksum offload
 * leaves partial sums in frames read from a veth with AF_PACKET). */
void wire_csum_fix(uint8_t *frame, size_t len);

#endif
