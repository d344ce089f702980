/* sstext.h — one socket as the line `netstat -tan` prints for it, with the
 * owner and timer columns of `ss -tanop` beside: what a student pastes into
 * a lab report. Pure formatting: no I/O. */
#ifndef TCPLAB_SSTEXT_H
#define TCPLAB_SSTEXT_H

#include <stddef.h>

/* A process holding the socket: ss's ("comm",pid=N,fd=N). */
struct sstext_owner {
	int pid;
	int fd;			/* -1 when not known */
	const char *comm;
};

/* One socket, from the kernel or from a snapshot's JSON. */
struct sstext_sock {
	int inet6;
	const char *state;		/* the textbook's name (UNP Fig 2.4) */
	const char *laddr, *raddr;	/* numeric, as inet_ntop writes them */
	unsigned lport, rport;
	unsigned long recv_q, send_q;	/* as sock_diag reports them */
	const char *timer;		/* "on", "keepalive", "timewait", "probe" or NULL */
	long timer_ms;
	unsigned retrans;
	const struct sstext_owner *owners;
	size_t nowners;
};

/* netstat's name of a textbook state: SYN_RCVD is SYN_RECV, FIN_WAIT_1
 * FIN_WAIT1, CLOSED CLOSE; the others are the same. */
const char *sstext_netstat_state(const char *state);

/* The header line (no newline) into buf; the length, or -1 if it did not fit. */
int sstext_header(char *buf, size_t size);

/*
 * The line of s (no newline) into buf, as net-tools' netstat -tan prints it
 * (address columns at least 23 wide, an address cut so that it fits there,
 * `*` for port 0, Send-Q 0 for LISTEN where sock_diag gives the backlog),
 * then ss's users:((...)) and timer:(...) when there are owners or a timer.
 * Returns the length, or -1 if it did not fit.
 */
int sstext_line(const struct sstext_sock *s, char *buf, size_t size);

#endif
