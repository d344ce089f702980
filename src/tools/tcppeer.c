/*
 * tcppeer — a scriptable TCP endpoint, used to make each TCP situation of the
 * lab happen exactly once and on cue (for the golden captures in bats/fixtures).
 *
 * The command line is a list of steps, run in order on one "current"
 * connection (and at most one listening socket):
 *
 *	tcppeer listen 127.0.0.1 0 accept send 26 close
 *	tcppeer bind 127.0.0.1 40000 connect 127.0.0.1 7001 eof close
 *
 * Every step that a script may wait for prints one flushed line on stdout
 * ("listening on ADDR:PORT", "connected ...", "eof after N bytes", ...).
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
"usage: tcppeer STEP...\n"
"  listen ADDR PORT   bind+listen (PORT 0: any); prints 'listening on ADDR:PORT'\n"
"  backlog N          backlog for the next listen (default 16)\n"
"  accept             accept the next connection (it becomes the current one)\n"
"  closelisten        close the listening socket\n"
"  bind ADDR PORT     new socket with SO_REUSEADDR bound to ADDR:PORT (client side)\n"
"  connect ADDR PORT  connect (from the bound socket if any); prints 'connected ...'\n"
"  send N             write N bytes ('x'), all of them\n"
"  cork | uncork      TCP_CORK on/off (cork, send, close: the FIN carries data)\n"
"  read N             read up to N bytes once\n"
"  eof                read until end of file; prints 'eof after N bytes'\n"
"  shutwr             shutdown(SHUT_WR): send our FIN, keep reading\n"
"  close              close(2) the current connection\n"
"  abort              SO_LINGER {1,0} then close: send RST\n"
"  sleep MS           sleep MS milliseconds\n"
"  until EPOCH_MS     sleep until the wall clock reaches EPOCH_MS\n"
"  say TEXT           print TEXT on stdout (a marker for scripts)\n"
"Each step prints one line on stdout; errors go to stderr, exit 1.\n";

struct peer {
	int lfd;		/* listening socket or -1 */
	int fd;			/* current connection or -1 */
	int backlog;
	int failed;
};

/* Fill ss from a numeric address and port; -1 with errno EINVAL if bad. */
static int
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
static const char *
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
static void
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

static void
peer_sleep_ms(long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static long long
peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all n bytes; -1 with errno on failure. */
static int
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
static long long
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

static long long
peer_num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0)
		errx(2, "bad number: %s", s);
	return v;
}

/* Open a socket of ss's family, SO_REUSEADDR on, bound to ss. */
static int
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

/* Run step argv[0] (with its arguments); returns how many words it used. */
static int
peer_step(struct peer *p, int argc, char **argv)
{
	const char *s = argv[0];
	struct sockaddr_storage ss;
	socklen_t len;
	char nb[80];
	int one = 1, zero = 0;
	int need = (!strcmp(s, "listen") || !strcmp(s, "bind") ||
	    !strcmp(s, "connect")) ? 3 : (!strcmp(s, "send") ||
	    !strcmp(s, "sleep") || !strcmp(s, "until") || !strcmp(s, "read") ||
	    !strcmp(s, "backlog") || !strcmp(s, "say")) ? 2 : 1;

	if (argc < need) {
		warnx("%s: missing argument", s);
		fputs(usage_text, stderr);
		exit(2);
	}
	if (need == 3 && peer_addr(argv[1], argv[2], &ss, &len) == -1)
		errx(2, "%s: bad address %s %s", s, argv[1], argv[2]);

	if (!strcmp(s, "listen")) {
		if ((p->lfd = peer_bound(&ss, len)) == -1 ||
		    listen(p->lfd, p->backlog) == -1)
			err(1, "listen %s %s", argv[1], argv[2]);
		len = sizeof(ss);
		getsockname(p->lfd, (struct sockaddr *)&ss, &len);
		printf("listening on %s\n", peer_name(&ss, nb, sizeof(nb)));
	} else if (!strcmp(s, "backlog")) {
		p->backlog = (int)peer_num(argv[1]);
		printf("backlog %d\n", p->backlog);
	} else if (!strcmp(s, "accept")) {
		if (p->lfd == -1)
			errx(2, "accept: no listen step before it");
		while ((p->fd = accept(p->lfd, NULL, NULL)) == -1 && errno == EINTR)
			;
		if (p->fd == -1)
			err(1, "accept");
		peer_report("accepted", p->fd);
	} else if (!strcmp(s, "closelisten")) {
		close(p->lfd);
		p->lfd = -1;
		printf("closed listener\n");
	} else if (!strcmp(s, "bind")) {
		if ((p->fd = peer_bound(&ss, len)) == -1)
			err(1, "bind %s %s", argv[1], argv[2]);
		printf("bound %s\n", peer_name(&ss, nb, sizeof(nb)));
	} else if (!strcmp(s, "connect")) {
		if (p->fd == -1 && (p->fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
		if (connect(p->fd, (struct sockaddr *)&ss, len) == -1) {
			printf("connect %s: %s\n", peer_name(&ss, nb, sizeof(nb)),
			    strerror(errno));
			close(p->fd);
			p->fd = -1;
			p->failed = 1;
		} else
			peer_report("connected", p->fd);
	} else if (!strcmp(s, "send")) {
		if (peer_send(p->fd, peer_num(argv[1])) == -1) {
			printf("send: %s\n", strerror(errno));
			p->failed = 1;
		} else
			printf("sent %s\n", argv[1]);
	} else if (!strcmp(s, "cork") || !strcmp(s, "uncork")) {
		if (setsockopt(p->fd, IPPROTO_TCP, TCP_CORK,
		    s[0] == 'c' ? &one : &zero, sizeof(int)) == -1)
			err(1, "setsockopt TCP_CORK");
		printf("%s\n", s);
	} else if (!strcmp(s, "read")) {
		char buf[65536];
		size_t n = (size_t)peer_num(argv[1]);
		ssize_t r;
		while ((r = read(p->fd, buf, n < sizeof(buf) ? n : sizeof(buf))) == -1 &&
		    errno == EINTR)
			;
		printf("read %zd\n", r);
	} else if (!strcmp(s, "eof")) {
		long long n = peer_drain(p->fd);
		if (n == -1)
			printf("eof: %s\n", strerror(errno));
		else
			printf("eof after %lld bytes\n", n);
	} else if (!strcmp(s, "shutwr")) {
		if (shutdown(p->fd, SHUT_WR) == -1)
			err(1, "shutdown");
		printf("shutdown write\n");
	} else if (!strcmp(s, "close") || !strcmp(s, "abort")) {
		struct linger lg = { 1, 0 };
		if (s[0] == 'a' &&
		    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == -1)
			err(1, "setsockopt SO_LINGER");
		close(p->fd);
		p->fd = -1;
		printf("%s\n", s[0] == 'a' ? "aborted" : "closed");
	} else if (!strcmp(s, "sleep")) {
		peer_sleep_ms(peer_num(argv[1]));
		printf("slept %s\n", argv[1]);
	} else if (!strcmp(s, "until")) {
		long long left = peer_num(argv[1]) - peer_now_ms();
		peer_sleep_ms(left);
		printf("until %s (late by %lld ms)\n", argv[1],
		    peer_now_ms() - peer_num(argv[1]));
	} else if (!strcmp(s, "say")) {
		printf("%s\n", argv[1]);
	} else {
		warnx("unknown step: %s", s);
		fputs(usage_text, stderr);
		exit(2);
	}
	fflush(stdout);
	return need;
}

int
main(int argc, char **argv)
{
	struct peer p = { -1, -1, 16, 0 };
	int i;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; )
		i += peer_step(&p, argc - i, argv + i);
	return p.failed;
}
