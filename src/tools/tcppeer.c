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

#include "peersock.h"

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

static long long
peer_num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0)
		errx(2, "bad number: %s", s);
	return v;
}

/* What a step gets: its words (argv[0] is its name) and, for the steps
 * taking ADDR PORT, the address already parsed. */
struct step_args {
	char **argv;
	struct sockaddr_storage ss;
	socklen_t len;
};

static void
do_listen(struct peer *p, struct step_args *a)
{
	char nb[80];

	if ((p->lfd = peer_bound(&a->ss, a->len)) == -1 ||
	    listen(p->lfd, p->backlog) == -1)
		err(1, "listen %s %s", a->argv[1], a->argv[2]);
	a->len = sizeof(a->ss);
	getsockname(p->lfd, (struct sockaddr *)&a->ss, &a->len);
	printf("listening on %s\n", peer_name(&a->ss, nb, sizeof(nb)));
}

static void
do_backlog(struct peer *p, struct step_args *a)
{
	p->backlog = (int)peer_num(a->argv[1]);
	printf("backlog %d\n", p->backlog);
}

static void
do_accept(struct peer *p, struct step_args *a)
{
	(void)a;
	if (p->lfd == -1)
		errx(2, "accept: no listen step before it");
	while ((p->fd = accept(p->lfd, NULL, NULL)) == -1 && errno == EINTR)
		;
	if (p->fd == -1)
		err(1, "accept");
	peer_report("accepted", p->fd);
}

static void
do_closelisten(struct peer *p, struct step_args *a)
{
	(void)a;
	close(p->lfd);
	p->lfd = -1;
	printf("closed listener\n");
}

static void
do_bind(struct peer *p, struct step_args *a)
{
	char nb[80];

	if ((p->fd = peer_bound(&a->ss, a->len)) == -1)
		err(1, "bind %s %s", a->argv[1], a->argv[2]);
	printf("bound %s\n", peer_name(&a->ss, nb, sizeof(nb)));
}

static void
do_connect(struct peer *p, struct step_args *a)
{
	char nb[80];

	if (p->fd == -1 &&
	    (p->fd = socket(a->ss.ss_family, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(p->fd, (struct sockaddr *)&a->ss, a->len) == -1) {
		printf("connect %s: %s\n", peer_name(&a->ss, nb, sizeof(nb)),
		    strerror(errno));
		close(p->fd);
		p->fd = -1;
		p->failed = 1;
	} else
		peer_report("connected", p->fd);
}

static void
do_send(struct peer *p, struct step_args *a)
{
	if (peer_send(p->fd, peer_num(a->argv[1])) == -1) {
		printf("send: %s\n", strerror(errno));
		p->failed = 1;
	} else
		printf("sent %s\n", a->argv[1]);
}

/* cork and uncork: TCP_CORK on or off. */
static void
do_cork(struct peer *p, struct step_args *a)
{
	int on = a->argv[0][0] == 'c';

	if (setsockopt(p->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(int)) == -1)
		err(1, "setsockopt TCP_CORK");
	printf("%s\n", a->argv[0]);
}

static void
do_read(struct peer *p, struct step_args *a)
{
	char buf[65536];
	size_t n = (size_t)peer_num(a->argv[1]);
	ssize_t r;

	while ((r = read(p->fd, buf, n < sizeof(buf) ? n : sizeof(buf))) == -1 &&
	    errno == EINTR)
		;
	printf("read %zd\n", r);
}

static void
do_eof(struct peer *p, struct step_args *a)
{
	long long n = peer_drain(p->fd);

	(void)a;
	if (n == -1)
		printf("eof: %s\n", strerror(errno));
	else
		printf("eof after %lld bytes\n", n);
}

static void
do_shutwr(struct peer *p, struct step_args *a)
{
	(void)a;
	if (shutdown(p->fd, SHUT_WR) == -1)
		err(1, "shutdown");
	printf("shutdown write\n");
}

/* close, and abort: SO_LINGER {1, 0} first, so close sends a RST. */
static void
do_close(struct peer *p, struct step_args *a)
{
	struct linger lg = { 1, 0 };
	int abort = a->argv[0][0] == 'a';

	if (abort &&
	    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == -1)
		err(1, "setsockopt SO_LINGER");
	close(p->fd);
	p->fd = -1;
	printf("%s\n", abort ? "aborted" : "closed");
}

static void
do_sleep(struct peer *p, struct step_args *a)
{
	(void)p;
	peer_sleep_ms(peer_num(a->argv[1]));
	printf("slept %s\n", a->argv[1]);
}

static void
do_until(struct peer *p, struct step_args *a)
{
	long long at = peer_num(a->argv[1]);

	(void)p;
	peer_sleep_ms(at - peer_now_ms());
	printf("until %s (late by %lld ms)\n", a->argv[1], peer_now_ms() - at);
}

static void
do_say(struct peer *p, struct step_args *a)
{
	(void)p;
	printf("%s\n", a->argv[1]);
}

/* The steps: name, words taken (the name included; 3 = ADDR PORT). */
static const struct step {
	const char *name;
	int words;
	void (*run)(struct peer *, struct step_args *);
} steps[] = {
	{ "listen", 3, do_listen },
	{ "backlog", 2, do_backlog },
	{ "accept", 1, do_accept },
	{ "closelisten", 1, do_closelisten },
	{ "bind", 3, do_bind },
	{ "connect", 3, do_connect },
	{ "send", 2, do_send },
	{ "cork", 1, do_cork },
	{ "uncork", 1, do_cork },
	{ "read", 2, do_read },
	{ "eof", 1, do_eof },
	{ "shutwr", 1, do_shutwr },
	{ "close", 1, do_close },
	{ "abort", 1, do_close },
	{ "sleep", 2, do_sleep },
	{ "until", 2, do_until },
	{ "say", 2, do_say },
};

/* Run step argv[0] (with its arguments); returns how many words it used. */
static int
peer_step(struct peer *p, int argc, char **argv)
{
	const struct step *st = NULL;
	struct step_args a = { .argv = argv };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(argv[0], steps[i].name) == 0)
			st = &steps[i];
	if (st == NULL || argc < st->words) {
		warnx(st == NULL ? "unknown step: %s" : "%s: missing argument",
		    argv[0]);
		fputs(usage_text, stderr);
		exit(2);
	}
	if (st->words == 3 && peer_addr(argv[1], argv[2], &a.ss, &a.len) == -1)
		errx(2, "%s: bad address %s %s", argv[0], argv[1], argv[2]);
	st->run(p, &a);
	fflush(stdout);
	return st->words;
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
