/*
 * closeorder.h — close a connected TCP socket and say who closed first:
 * we (our FIN left before the peer's arrived), the peer (its FIN was here
 * before ours left), or nobody, because the peer vanished with a reset.
 * daytimed logs the answer; the lab teaches that the first closer is the
 * one whose side ends in TIME_WAIT, so the log must not guess.
 */
#ifndef TCPLAB_CLOSEORDER_H
#define TCPLAB_CLOSEORDER_H

#include <sys/socket.h>

#include <stddef.h>

enum closeorder {
	CLOSEORDER_WE_FIRST,	/* our FIN left first: our side in TIME_WAIT */
	CLOSEORDER_PEER_FIRST,	/* the peer's FIN had arrived before ours left */
	CLOSEORDER_UNSURE,	/* judge: both FINs done meanwhile, ask TIME_WAIT */
	CLOSEORDER_GONE,	/* judge: reset before our FIN, no orderly close */
};

/* Longest "0100007F:1F90" / 32 hex digits + ":1F90" key, with its NUL. */
#define CLOSEORDER_KEYLEN 40

enum closeorder closeorder_judge(int before, int after);
int	closeorder_prockey(const struct sockaddr *sa, char *buf, size_t len);
int	closeorder_timewait(const struct sockaddr *here,
	    const struct sockaddr *there);
int	closeorder_close(int fd, enum closeorder *who);

#endif
