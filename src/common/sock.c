/*
 * sock.c — listen/connect/format helpers shared by daytimed, cmdserver and
 * cmdclient. Kept deliberately small: each function does one system-call
 * chore a student would otherwise copy between programs.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/*
 * Parse a decimal port 0..65535 with nothing after it, so "80x" or "70000"
 * are refused instead of silently becoming 80 or 4464. Returns 0 or -1.
 */
int
sock_parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/*
 * Resolve HOST (a numeric address or a name) for PORT into *out. passive
 * asks for an address to bind. Returns 0, or a getaddrinfo() error code
 * for gai_strerror(): name errors are not errno values.
 */
int
sock_resolve(const char *host, uint16_t port, int passive,
    struct sock_addr *out)
{
	struct addrinfo hints, *res = NULL;
	char serv[8];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
	snprintf(serv, sizeof serv, "%u", (unsigned)port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc == 0 && res->ai_addrlen > sizeof out->ss)
		rc = EAI_FAMILY;
	if (rc == 0) {
		memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
		out->len = res->ai_addrlen;
	}
	if (res != NULL)
		freeaddrinfo(res);
	return rc;
}

/*
 * Open a listening TCP socket on *a. SO_REUSEADDR lets a restarted server
 * bind while connections of its previous run sit in TIME_WAIT; an IPv6
 * wildcard also takes IPv4 clients (v6only off). On error returns -1 with
 * errno set and *what naming the failed call ("socket", "bind", ...).
 */
int
sock_listen(const struct sock_addr *a, int backlog, const char **what)
{
	int fd, on = 1, off = 0, saved;

	*what = "socket";
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	*what = "setsockopt SO_REUSEADDR";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		goto fail;
	if (a->ss.ss_family == AF_INET6) {
		*what = "setsockopt IPV6_V6ONLY";
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof off) < 0)
			goto fail;
	}
	*what = "bind";
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		goto fail;
	*what = "listen";
	if (listen(fd, backlog) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Connect a TCP socket to *a, giving up after timeout_ms (ETIMEDOUT) so an
 * unreachable host cannot hang the client for the kernel's two minutes.
 * Returns the connected (blocking) descriptor, or -1 with errno set.
 */
int
sock_connect(const struct sock_addr *a, int timeout_ms)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int fd, flags, e = 0, saved, rc;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		goto fail;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc < 0 && errno == EINTR);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			goto fail;
		if (e != 0) {
			errno = e;
			goto fail;
		}
	}
	if (fcntl(fd, F_SETFL, flags) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Format an address as the lab shows it: 127.0.0.1:5000, [::1]:5000. An
 * IPv4 client seen through a dual-stack socket (::ffff:127.0.0.1) is shown
 * as plain IPv4, which is what the user typed. Returns buf.
 */
char *
sock_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	struct in_addr v4;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(&v4, &s6->sin6_addr.s6_addr[12], sizeof v4);
		inet_ntop(AF_INET, &v4, host, sizeof host);
		snprintf(buf, len, "%s:%u", host,
		    (unsigned)ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host,
		    (unsigned)ntohs(s6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
	return buf;
}

/* getsockname() or getpeername() as text; "?" when it fails. */
static char *
sock_name(int (*get)(int, struct sockaddr *, socklen_t *), int fd,
    char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (get(fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(buf, len, "?");
		return buf;
	}
	return sock_format((struct sockaddr *)&ss, buf, len);
}

/* getsockname() as text, for "listening on ..." and the client's banner. */
char *
sock_local(int fd, char *buf, size_t len)
{
	return sock_name(getsockname, fd, buf, len);
}

/* getpeername() as text; "?" once the peer is gone. */
char *
sock_peer(int fd, char *buf, size_t len)
{
	return sock_name(getpeername, fd, buf, len);
}

/*
 * Write all n bytes (UNP's writen): a short write or EINTR is not an
 * error on a stream socket. Returns n, or -1 with errno (EPIPE when the
 * peer vanished: callers ignore SIGPIPE).
 */
ssize_t
sock_writen(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	size_t left = n;
	ssize_t w;

	while (left > 0) {
		w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		left -= (size_t)w;
	}
	return (ssize_t)n;
}

