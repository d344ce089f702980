/*
 * peersock.c — tcppeer's socket helpers: numeric addresses, "ADDR:PORT"
 * names, whole writes and reads to EOF, a bound socket. See peersock.h.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peersock.h"

/* Fill ss from a numeric address and port; -1 with errno EINVAL if bad. */
int
peer_addr(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char *end;
	long p = strtol(port, &end, 10);

	memset(ss, 0, sizeof(*ss));
	if (*port == '\0' || *end != '\0' || p < 0 || p > 65535) {
		errno = EINVAL;
		return -1;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

/* Render ss as ADDR:PORT ([ADDR]:PORT for IPv6) into buf. */
const char *
peer_name(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, ntohs(s4->sin_port));
	}
	return buf;
}

/* Print "what LOCAL -> REMOTE" for the current connection. */
void
peer_report(const char *what, int fd)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	char lb[80], rb[80];

	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	getsockname(fd, (struct sockaddr *)&l, &ll);
	getpeername(fd, (struct sockaddr *)&r, &rl);
	printf("%s %s -> %s\n", what, peer_name(&l, lb, sizeof(lb)),
	    peer_name(&r, rb, sizeof(rb)));
}

/* Write all n bytes; -1 with errno on failure. */
int
peer_send(int fd, long long n)
{
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		size_t chunk = n > (long long)sizeof(buf) ? sizeof(buf) : (size_t)n;
		ssize_t w = write(fd, buf, chunk);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		n -= w;
	}
	return 0;
}

/* Read until EOF; returns bytes read, or -1 with errno (ECONNRESET...). */
long long
peer_drain(int fd)
{
	char buf[4096];
	long long total = 0;

	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? total : -1;
		total += r;
	}
}

/* Open a socket of ss's family, SO_REUSEADDR on, bound to ss. */
int
peer_bound(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, fd = socket(ss->ss_family, SOCK_STREAM, 0);

	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (const struct sockaddr *)ss, len) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
