/*
 * probe — the grader's own TCP clients and peer (scenarios/grade).
 *
 * The grader must open several connections at the same instant, see when
 * each one gets its data and its end of file, reset some of them on cue,
 * and hold a connection open for a student's client.  Doing that from bash
 * would time the shell, not the network, so this small tool does it and
 * prints one flushed line per event, stamped with the wall clock:
 *
 *	EPOCH INDEX EVENT [DETAIL]
 *	1764090000.123456 0 connected lport=40312
 *	1764090000.124001 0 data 26 Wed Nov 25 17:00:00 2026
 *	1764090002.125110 0 eof
 *	1764090002.125130 0 closed passive
 *
 *   probe connect [-n N] [-t SECONDS] [-r before|data] [-s LINE]... HOST PORT
 *	N connections at once (non-blocking connects, then poll).  -s LINE
 *	(repeatable, up to 8): what each connection sends, each LINE followed
 *	by "\r\n", as soon as it is connected (a client-first protocol).  A server's
 *	end of file is answered with close() (passive close).  -r before:
 *	reset (SO_LINGER 0 + close) as soon as connected; -r data: reset after
 *	the first data.  A line "close" on stdin closes every open connection
 *	(active close); "shut" sends our FIN with shutdown(SHUT_WR) and keeps
 *	reading (to see whether the server's FIN follows); end of stdin is
 *	ignored.  At -t (default 30) the open
 *	ones are closed ("timeout").  Exits when all are closed.
 *   probe listen [-t SECONDS] PORT
 *	A silent peer on 127.0.0.1:PORT: prints "listening PORT", accepts one
 *	connection, never writes, answers the client's end of file with
 *	close(), exits.  Used to watch a student's client close actively.
 *
 * Built by the Makefile (src/grade/grade.mk); no project dependencies.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_MAX 64
#define PROBE_SEND_MAX 8

enum probe_reset { PROBE_RESET_NONE, PROBE_RESET_BEFORE, PROBE_RESET_DATA };

struct probe_conn {
	int fd;			/* -1 once closed */
	int connected;
};

static void usage(FILE *f)
{
	fputs("usage: probe connect [-n N] [-t SECONDS] [-r before|data] [-s LINE]... HOST PORT\n"
	    "       probe listen [-t SECONDS] PORT\n", f);
}

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* One event line, flushed: the grader reads these as they come. */
static void say(int i, const char *ev, const char *detail)
{
	printf("%.6f %d %s%s%s\n", now(), i, ev, detail ? " " : "",
	    detail ? detail : "");
	fflush(stdout);
}

/* Close with SO_LINGER {1, 0}: the kernel sends RST instead of FIN. */
static void conn_reset(struct probe_conn *c, int i)
{
	struct linger lg = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(c->fd);
	c->fd = -1;
	say(i, "reset", NULL);
}

static void conn_close(struct probe_conn *c, int i, const char *how)
{
	close(c->fd);
	c->fd = -1;
	say(i, "closed", how);
}

/* Print received bytes as text: printable ASCII kept, the rest as '.'. */
static void say_data(int i, const char *buf, ssize_t n)
{
	char line[160];
	int len;
	ssize_t k;

	len = snprintf(line, sizeof line, "%zd ", n);
	for (k = 0; k < n && len < (int)sizeof line - 1; k++)
		line[len++] = (buf[k] >= 32 && buf[k] < 127) ? buf[k] : '.';
	line[len] = '\0';
	say(i, "data", line);
}

static int parse_addr(const char *host, const char *port,
    struct sockaddr_in *sa)
{
	char *end;
	long p = strtol(port, &end, 10);

	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)p);
	if (*end || p < 1 || p > 65535 ||
	    inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	return 0;
}

/* One readable event on connection i: data, end of file or reset. */
static void conn_input(struct probe_conn *c, int i, enum probe_reset rs)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof buf);

	if (n > 0) {
		say_data(i, buf, n);
		if (rs == PROBE_RESET_DATA)
			conn_reset(c, i);
	} else if (n == 0) {
		say(i, "eof", NULL);
		conn_close(c, i, "passive");
	} else if (errno != EINTR && errno != EAGAIN) {
		say(i, errno == ECONNRESET ? "rst" : "error", strerror(errno));
		conn_close(c, i, "error");
	}
}

/* The lines every connection sends once connected (-s), in order. */
static const char *probe_send[PROBE_SEND_MAX];
static int probe_nsend;

/* Send the -s lines on connection i; a short write is an error event. */
static void conn_send(struct probe_conn *c, int i)
{
	char buf[1024];
	int k, len;

	for (k = 0; k < probe_nsend && c->fd >= 0; k++) {
		len = snprintf(buf, sizeof buf, "%s\r\n", probe_send[k]);
		if (len >= (int)sizeof buf || write(c->fd, buf, len) != len) {
			say(i, "error", "send failed");
			conn_close(c, i, "error");
			return;
		}
		say(i, "sent", probe_send[k]);
	}
}

static void conn_connected(struct probe_conn *c, int i, enum probe_reset rs)
{
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	int e = 0;
	socklen_t el = sizeof e;
	char detail[32];

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el);
	if (e) {
		say(i, "error", strerror(e));
		conn_close(c, i, "error");
		return;
	}
	c->connected = 1;
	getsockname(c->fd, (struct sockaddr *)&me, &len);
	snprintf(detail, sizeof detail, "lport=%d", ntohs(me.sin_port));
	say(i, "connected", detail);
	if (rs == PROBE_RESET_BEFORE)
		conn_reset(c, i);
	else
		conn_send(c, i);
}

/* Read one command line from stdin; 0 at its end (stop watching it). */
static int probe_command(struct probe_conn *c, int n)
{
	char line[64];
	int i, shut;

	if (!fgets(line, sizeof line, stdin))
		return 0;
	shut = !strncmp(line, "shut", 4);
	if (!shut && strncmp(line, "close", 5))
		return 1;
	for (i = 0; i < n; i++) {
		if (c[i].fd < 0 || !c[i].connected)
			continue;
		if (!shut)
			conn_close(&c[i], i, "active");
		else if (shutdown(c[i].fd, SHUT_WR) == 0)
			say(i, "shut", NULL);
	}
	return 1;
}

static int probe_connect(int n, double limit, enum probe_reset rs,
    const struct sockaddr_in *sa)
{
	struct probe_conn c[PROBE_MAX];
	struct pollfd pf[PROBE_MAX + 1];
	double deadline = now() + limit;
	int i, open, watch_stdin = 1;

	for (i = 0; i < n; i++) {
		c[i].connected = 0;
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c[i].fd < 0) {
			perror("probe: socket");
			return 1;
		}
		if (connect(c[i].fd, (const struct sockaddr *)sa, sizeof *sa) < 0 &&
		    errno != EINPROGRESS) {
			say(i, "error", strerror(errno));
			conn_close(&c[i], i, "error");
		}
	}
	for (;;) {
		double left = deadline - now();

		open = 0;
		for (i = 0; i < n; i++) {
			pf[i].fd = c[i].fd;
			pf[i].events = c[i].connected ? POLLIN : POLLOUT;
			pf[i].revents = 0;
			open += c[i].fd >= 0;
		}
		if (!open)
			return 0;
		pf[n].fd = watch_stdin ? 0 : -1;
		pf[n].events = POLLIN;
		pf[n].revents = 0;
		if (left <= 0) {
			for (i = 0; i < n; i++)
				if (c[i].fd >= 0)
					conn_close(&c[i], i, "timeout");
			return 0;
		}
		if (poll(pf, n + 1, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			perror("probe: poll");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (c[i].fd < 0 || !pf[i].revents)
				continue;
			if (!c[i].connected)
				conn_connected(&c[i], i, rs);
			else
				conn_input(&c[i], i, rs);
		}
		if (pf[n].revents)
			watch_stdin = probe_command(c, n);
	}
}

static int probe_listen(double limit, struct sockaddr_in *sa)
{
	struct probe_conn c = { -1, 1 };
	struct pollfd pf;
	double deadline = now() + limit;
	int lfd, on = 1;
	char detail[64];

	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(lfd, (struct sockaddr *)sa, sizeof *sa) < 0 ||
	    listen(lfd, 4) < 0) {
		perror("probe: listen");
		return 1;
	}
	snprintf(detail, sizeof detail, "%d", ntohs(sa->sin_port));
	say(0, "listening", detail);
	pf.fd = lfd;
	pf.events = POLLIN;
	for (;;) {
		double left = deadline - now();

		if (left <= 0) {
			if (c.fd >= 0)
				conn_close(&c, 0, "timeout");
			return 0;
		}
		if (poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		if (c.fd < 0) {
			struct sockaddr_in peer;
			socklen_t len = sizeof peer;

			if ((c.fd = accept(lfd, (struct sockaddr *)&peer, &len)) < 0)
				continue;
			close(lfd);
			snprintf(detail, sizeof detail, "rport=%d",
			    ntohs(peer.sin_port));
			say(0, "accepted", detail);
			pf.fd = c.fd;
			continue;
		}
		conn_input(&c, 0, PROBE_RESET_NONE);
		if (c.fd < 0)
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	enum probe_reset rs = PROBE_RESET_NONE;
	double limit = 30;
	int opt, n = 1, listen_mode;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	listen_mode = !strcmp(argv[1], "listen");
	if (!listen_mode && strcmp(argv[1], "connect")) {
		usage(stderr);
		return 2;
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "n:r:s:t:")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			rs = !strcmp(optarg, "before") ? PROBE_RESET_BEFORE :
			    !strcmp(optarg, "data") ? PROBE_RESET_DATA : -1;
			break;
		case 's':
			if (probe_nsend == PROBE_SEND_MAX) {
				fprintf(stderr, "probe: at most %d -s lines\n", PROBE_SEND_MAX);
				return 2;
			}
			probe_send[probe_nsend++] = optarg;
			break;
		case 't':
			limit = atof(optarg);
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (n < 1 || n > PROBE_MAX || (int)rs < 0 || limit <= 0 ||
	    argc - optind != (listen_mode ? 1 : 2) ||
	    parse_addr(listen_mode ? "127.0.0.1" : argv[optind],
	    argv[argc - 1], &sa) < 0) {
		usage(stderr);
		return 2;
	}
	return listen_mode ? probe_listen(limit, &sa) :
	    probe_connect(n, limit, rs, &sa);
}
