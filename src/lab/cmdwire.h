/*
 * cmdwire.h — cmdproto frames over a socket: the I/O half of the command
 * protocol (cmdproto.c is the pure half).
 */
#ifndef TCPLAB_CMDWIRE_H
#define TCPLAB_CMDWIRE_H

#include <stdint.h>

#include "cmdproto.h"

enum cmdwire_status {
	CMDWIRE_OK = 0,
	CMDWIRE_EOF,		/* orderly close between frames */
	CMDWIRE_MIDFRAME,	/* the peer closed in the middle of a frame */
	CMDWIRE_GARBAGE,	/* bytes that are not a frame */
	CMDWIRE_TIMEOUT,
	CMDWIRE_ERROR,		/* errno says why (ECONNRESET ...) */
};

/* A frame being read: the bytes and how many have arrived. */
struct cmdwire_buf {
	uint8_t b[CMDPROTO_MAX_FRAME];
	size_t got;
	enum cmdproto_status bad;	/* after CMDWIRE_GARBAGE */
};

enum cmdwire_status cmdwire_read(int fd, struct cmdwire_buf *wb,
	    struct cmdproto_frame *f, int timeout_ms);
int	cmdwire_send(int fd, const struct cmdproto_frame *f);
const char *cmdwire_describe(enum cmdwire_status st,
	    const struct cmdwire_buf *wb, int errnum, char *buf, size_t len);

#endif
