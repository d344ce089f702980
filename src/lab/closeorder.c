/*
 * closeorder.c — who closed first, as the kernel decided it.
 *
 * close(2) alone cannot tell: the peer's FIN may already be queued on the
 * socket (telnet whose stdin ended closes at once), and from user space
 * the two orders look the same. So we ask the socket's TCP state
 * (TCP_INFO) before our FIN and right after shutdown(SHUT_WR) sends it:
 *
 *	before CLOSE_WAIT            its FIN came first       -> peer first
 *	after  LAST_ACK              its FIN came just before  -> peer first
 *	after  FIN_WAIT_1/2, CLOSING our FIN left first        -> we first
 *	after  CLOSED                both FINs and ACKs were done between the
 *	                             two looks (a descheduled server): the
 *	                             first closer's side is now in TIME_WAIT,
 *	                             so look for our 4-tuple there
 *	before CLOSED                a reset: after its FIN (the kernel records
 *	                             EPIPE, and recv still reports the FIN) the
 *	                             peer closed first; else it is just gone
 *
 * The kernel changes the state under the socket lock, and shutdown() takes
 * the decision "ESTABLISHED -> FIN_WAIT_1 or CLOSE_WAIT -> LAST_ACK" in
 * one step, so the answer is exact, not a guess from timing. The only
 * change on the wire: a client that sent data we never read gets our FIN
 * before the reset close(2) sends (instead of the reset alone).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "closeorder.h"

/*
 * Pure: the order from the TCP states (glibc's TCP_* numbers, as TCP_INFO
 * gives them) before and after our shutdown(SHUT_WR). UNSURE and GONE
 * need a further look (closeorder_close does it).
 */
enum closeorder
closeorder_judge(int before, int after)
{
	if (before == TCP_CLOSE_WAIT)
		return CLOSEORDER_PEER_FIRST;
	if (before != TCP_ESTABLISHED)
		return CLOSEORDER_GONE;
	switch (after) {
	case TCP_LAST_ACK:
		return CLOSEORDER_PEER_FIRST;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_TIME_WAIT:
		return CLOSEORDER_WE_FIRST;
	case TCP_CLOSE:
		return CLOSEORDER_UNSURE;
	default:
		return CLOSEORDER_GONE;
	}
}

/*
 * Pure: an address as /proc/net/tcp{,6} prints it: the raw 32-bit words
 * of the address in %08X, then ":" and the port in %04X (host order).
 * 0, or -1 for another family or a short buffer.
 */
int
closeorder_prockey(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	uint32_t w[4];
	int n;

	if (sa->sa_family == AF_INET) {
		memcpy(w, &s4->sin_addr, 4);
		n = snprintf(buf, len, "%08X:%04X", w[0],
		    (unsigned)ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		memcpy(w, &s6->sin6_addr, 16);
		n = snprintf(buf, len, "%08X%08X%08X%08X:%04X", w[0], w[1],
		    w[2], w[3], (unsigned)ntohs(s6->sin6_port));
	} else {
		return -1;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -1;
	return ti.tcpi_state;
}

/*
 * 1 when /proc/net/tcp{,6} lists here->there in TIME_WAIT, else 0: the
 * kernel's memory of who closed first, once both sides are done.
 */
int
closeorder_timewait(const struct sockaddr *here, const struct sockaddr *there)
{
	char l[CLOSEORDER_KEYLEN], r[CLOSEORDER_KEYLEN], line[512];
	char gl[64], gr[64];
	unsigned st;
	int found = 0;
	FILE *fp;

	if (closeorder_prockey(here, l, sizeof l) < 0 ||
	    closeorder_prockey(there, r, sizeof r) < 0)
		return 0;
	fp = fopen(here->sa_family == AF_INET ? "/proc/net/tcp" :
	    "/proc/net/tcp6", "r");
	if (fp == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, fp) != NULL)
		found = sscanf(line, "%*s %63s %63s %x", gl, gr, &st) == 3 &&
		    st == TCP_TIME_WAIT && strcmp(gl, l) == 0 &&
		    strcmp(gr, r) == 0;
	fclose(fp);
	return found;
}

/* The socket's pending error (SO_ERROR, which clears it), or 0. */
static int
pending_error(int fd)
{
	socklen_t len = sizeof(int);
	int e = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return 0;
	return e;
}

/* After a reset: did the peer's FIN come first? Else errno says why. */
static enum closeorder
after_reset(int fd)
{
	ssize_t n;
	int e;
	char c;

	if ((n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT)) == 0)
		return CLOSEORDER_PEER_FIRST;	/* its FIN, then the reset */
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		e = errno;			/* recv took the error */
	else
		e = pending_error(fd);		/* data queued before it */
	if (e == EPIPE)
		return CLOSEORDER_PEER_FIRST;	/* reset in CLOSE_WAIT */
	errno = e != 0 ? e : ECONNRESET;
	return CLOSEORDER_GONE;
}

/*
 * Send our FIN, close fd, and set *who to WE_FIRST or PEER_FIRST. Returns
 * 0, or -1 with errno (ECONNRESET ...) when the peer vanished with a
 * reset and never closed in order (*who = GONE); fd is closed either way.
 */
int
closeorder_close(int fd, enum closeorder *who)
{
	struct sockaddr_storage here, there;
	socklen_t hl = sizeof here, tl = sizeof there;
	int before, after = -1, saved;

	memset(&here, 0, sizeof here);
	memset(&there, 0, sizeof there);
	(void)getsockname(fd, (struct sockaddr *)&here, &hl);
	(void)getpeername(fd, (struct sockaddr *)&there, &tl);
	before = tcp_state(fd);
	if (before == TCP_ESTABLISHED && shutdown(fd, SHUT_WR) == 0)
		after = tcp_state(fd);
	else if (before == TCP_ESTABLISHED)
		before = TCP_CLOSE;	/* a reset came in between */
	else if (before == TCP_CLOSE_WAIT)
		(void)shutdown(fd, SHUT_WR);
	*who = closeorder_judge(before, after);
	if (*who == CLOSEORDER_UNSURE)	/* a reset after our FIN: we first */
		*who = pending_error(fd) || closeorder_timewait(
		    (struct sockaddr *)&here,
		    (struct sockaddr *)&there) ? CLOSEORDER_WE_FIRST :
		    CLOSEORDER_PEER_FIRST;
	else if (*who == CLOSEORDER_GONE)
		*who = after_reset(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return *who == CLOSEORDER_GONE ? -1 : 0;
}
