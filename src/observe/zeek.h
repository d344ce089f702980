/* zeek.h — Zeek conn.log vocabulary: conn_state and the history letters. */
#ifndef TCPLAB_ZEEK_H
#define TCPLAB_ZEEK_H

#include <stdint.h>

#include "decode.h"

#define ZEEK_HISTMAX 32

/* Zeek's endpoint states, which conn_state is computed from. */
enum zeek_ep {
	ZEEK_INACTIVE, ZEEK_SYN_SENT, ZEEK_SYN_ACK_SENT, ZEEK_PARTIAL,
	ZEEK_ESTABLISHED, ZEEK_CLOSED, ZEEK_RESET
};

struct zeek {
	char hist[ZEEK_HISTMAX + 1];
	uint8_t hlen;
	uint8_t ep[2];			/* [0] originator, [1] responder */
	uint16_t seen[2];		/* which letters each direction had */
	uint8_t have_syn[2], have_fin[2], have_rst[2], have_end[2];
	uint32_t last_syn[2], last_fin[2], last_rst[2], hi_end[2];
	uint32_t nrexmit[2], nzwin[2], rexmit_next[2], zwin_next[2];
};

/* Starts the record; flipped: the originator is not who sent packet one. */
void zeek_init(struct zeek *z, int flipped);

/* Adds one segment; orig is 1 when the originator (client) sent it. */
void zeek_update(struct zeek *z, int orig, const struct seg *s);

/* Zeek's conn_state from the endpoint states and the payload byte counts. */
const char *zeek_conn_state(const struct zeek *z, uint64_t orig_bytes,
    uint64_t resp_bytes);

#endif
