/*
 * test_closeorder.c — the judge's table, the /proc/net/tcp keys, and real
 * loopback connections closed in each order: we first, the peer first,
 * the peer first and then a reset, a reset alone.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../closeorder.h"
#include "common/unit.h"

static int lfd;
static struct sockaddr_in laddr;

/* A fresh connection on loopback: *cfd the client's end, returns ours. */
static int
pair(int *cfd)
{
	int s;

	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*cfd, (struct sockaddr *)&laddr, sizeof laddr) < 0)
		return -1;
	s = accept(lfd, NULL, NULL);
	return s;
}

/* Wait (5 s at most) until fd has something to report: data, FIN, RST. */
static void
await(int fd, short what)
{
	struct pollfd p = { .fd = fd, .events = what };

	(void)poll(&p, 1, 5000);
}

static void
test_judge(void)
{
	UNIT_EQ_INT(closeorder_judge(TCP_CLOSE_WAIT, TCP_LAST_ACK),
	    CLOSEORDER_PEER_FIRST, "its FIN before we looked: peer first");
	UNIT_EQ_INT(closeorder_judge(TCP_ESTABLISHED, TCP_LAST_ACK),
	    CLOSEORDER_PEER_FIRST, "its FIN before our shutdown: peer first");
	UNIT_EQ_INT(closeorder_judge(TCP_ESTABLISHED, TCP_FIN_WAIT1),
	    CLOSEORDER_WE_FIRST, "FIN_WAIT_1 after shutdown: we first");
	UNIT_EQ_INT(closeorder_judge(TCP_ESTABLISHED, TCP_FIN_WAIT2),
	    CLOSEORDER_WE_FIRST, "FIN_WAIT_2 after shutdown: we first");
	UNIT_EQ_INT(closeorder_judge(TCP_ESTABLISHED, TCP_CLOSING),
	    CLOSEORDER_WE_FIRST, "crossing FINs (CLOSING): we sent ours first");
	UNIT_EQ_INT(closeorder_judge(TCP_ESTABLISHED, TCP_CLOSE),
	    CLOSEORDER_UNSURE, "all done between two looks: ask TIME_WAIT");
	UNIT_EQ_INT(closeorder_judge(TCP_CLOSE, -1), CLOSEORDER_GONE,
	    "closed before we looked: a reset");
}

static void
test_prockey(void)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	char k[CLOSEORDER_KEYLEN];
	uint32_t w = htonl(INADDR_LOOPBACK);
	char want[16];

	memset(&s4, 0, sizeof s4);
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s4.sin_port = htons(8080);
	snprintf(want, sizeof want, "%08X:1F90", w);
	UNIT_EQ_INT(closeorder_prockey((struct sockaddr *)&s4, k, sizeof k),
	    0, "IPv4 key");
	UNIT_EQ_STR(k, want, "127.0.0.1:8080 as /proc/net/tcp prints it");
	memset(&s6, 0, sizeof s6);
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_loopback;
	s6.sin6_port = htons(1);
	closeorder_prockey((struct sockaddr *)&s6, k, sizeof k);
	UNIT_EQ_STR(k, htonl(1) == 1 ? "00000000000000000000000000000001:0001" :
	    "00000000000000000000000001000000:0001",
	    "[::1]:1 as /proc/net/tcp6 prints it (raw 32-bit words)");
	UNIT_EQ_INT(closeorder_prockey((struct sockaddr *)&s4, k, 8), -1,
	    "a short buffer is refused");
}

static void
test_orders(void)
{
	struct sockaddr_in a, b;
	socklen_t al = sizeof a, bl = sizeof b;
	struct linger lg = { 1, 0 };
	enum closeorder who = CLOSEORDER_UNSURE;
	int s, c, rc;

	s = pair(&c);
	getsockname(s, (struct sockaddr *)&a, &al);
	getpeername(s, (struct sockaddr *)&b, &bl);
	UNIT_EQ_INT(closeorder_close(s, &who), 0, "we close an open one");
	UNIT_EQ_INT(who, CLOSEORDER_WE_FIRST, "we closed first");
	await(c, POLLIN);
	close(c);			/* its FIN: our side goes to TIME_WAIT */
	for (rc = 0; rc < 100 && !closeorder_timewait((struct sockaddr *)&a,
	    (struct sockaddr *)&b); rc++)
		poll(NULL, 0, 20);	/* the FIN is processed in softirq */
	UNIT_EQ_INT(closeorder_timewait((struct sockaddr *)&a,
	    (struct sockaddr *)&b), 1, "our 4-tuple is in TIME_WAIT");
	UNIT_EQ_INT(closeorder_timewait((struct sockaddr *)&b,
	    (struct sockaddr *)&a), 0, "the peer's is not");

	s = pair(&c);
	close(c);			/* its FIN first */
	await(s, POLLIN);
	UNIT_EQ_INT(closeorder_close(s, &who), 0, "close after its FIN");
	UNIT_EQ_INT(who, CLOSEORDER_PEER_FIRST, "the peer closed first");

	s = pair(&c);
	close(c);			/* its FIN, then our data makes a reset */
	await(s, POLLIN);
	(void)!write(s, "x", 1);
	await(s, POLLERR | POLLHUP);
	UNIT_EQ_INT(closeorder_close(s, &who), 0, "close after FIN + reset");
	UNIT_EQ_INT(who, CLOSEORDER_PEER_FIRST,
	    "the peer closed first, then reset");

	s = pair(&c);
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(c);			/* a reset alone */
	await(s, POLLIN);
	errno = 0;
	rc = closeorder_close(s, &who);
	UNIT_CHECK(rc == -1 && errno == ECONNRESET && who == CLOSEORDER_GONE,
	    "a reset alone: -1, ECONNRESET, gone (rc %d, %s)", rc,
	    strerror(errno));
}

int
main(void)
{
	socklen_t len = sizeof laddr;

	test_judge();
	test_prockey();
	memset(&laddr, 0, sizeof laddr);
	laddr.sin_family = AF_INET;
	laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&laddr, sizeof laddr) < 0 ||
	    listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&laddr, &len) < 0) {
		perror("listen");
		return 1;
	}
	test_orders();
	close(lfd);
	return unit_done();
}
