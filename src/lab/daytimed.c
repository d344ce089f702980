/*
 * daytimed — the daytime server of the Stevens lab (UNP ch. 1, 4, 5).
 *
 * Each client gets the time as ctime(3) prints it plus "\r\n"; the server
 * then sleeps -s seconds and closes: usually first (the active closer, so
 * the server's side ends in TIME_WAIT), unless the client closed during
 * the pause; the log says which, as the kernel saw it. -m iterative serves one client at a
 * time: later clients finish their handshake in the listen backlog and
 * wait there for accept(). -m fork (default) forks a child per client.
 *
 * Signals: SIGINT/SIGTERM stop the server (exit 0); SIGCHLD reaps children
 * with a waitpid(-1, ..., WNOHANG) loop; SIGPIPE is ignored so a client
 * that vanishes costs one EPIPE, not the server. The three signals are
 * blocked except inside ppoll(), so a stop request can never slip in
 * between "check the flag" and "block in accept" (the race a plain
 * accept loop has).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "closeorder.h"
#include "server.h"
#include "common/args.h"
#include "common/sock.h"
#include "common/tstamp.h"

#define USAGE "usage: daytimed [-m iterative|fork] [-s SECONDS] [-p PORT] " \
	"[-b ADDRESS] [-q BACKLOG]"

static volatile sig_atomic_t stop_sig;

static void
on_stop(int sig)
{
	stop_sig = sig;
}

/* The UNP loop: one SIGCHLD may stand for several dead children. */
static void
on_chld(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/*
 * Sleep secs with `mask` as the signal mask, so the blocked signals can
 * interrupt us; returns early only when a stop was requested.
 */
static void
nap(double secs, const sigset_t *mask)
{
	double end = tstamp_mono() + secs, left;
	struct timespec ts;

	while (!stop_sig && (left = end - tstamp_mono()) > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		(void)ppoll(NULL, 0, &ts, mask);
	}
}

/* One client: the time, the pause, then our close (the active close). */
static void
serve(int fd, const char *peer, double secs, const sigset_t *mask)
{
	char buf[64];
	time_t now = time(NULL);
	enum closeorder who;
	size_t n;

	ctime_r(&now, buf);
	n = strcspn(buf, "\n");
	memcpy(buf + n, "\r\n", 3);
	if (sock_writen(fd, buf, n + 2) < 0) {
		/* The client vanished (RST): nothing to wait for. */
		tstamp_event("write %s: %s", peer, strerror(errno));
		close(fd);
		tstamp_event("close %s (client gone)", peer);
		return;
	}
	tstamp_event("sent %s: %.*s", peer, (int)n, buf);
	nap(secs, mask);
	/* Our FIN, and who really closed first (telnet whose stdin ended
	 * may have closed during the pause): see closeorder.c. */
	if (closeorder_close(fd, &who) < 0) {
		tstamp_event("read %s: %s", peer, strerror(errno));
		tstamp_event("close %s (client gone)", peer);
		return;
	}
	tstamp_event("close %s (%s closed first)", peer,
	    who == CLOSEORDER_WE_FIRST ? "server" : "client");
}

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "daytimed: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s\n", USAGE);
	exit(2);
}

/* The command line. */
struct opts {
	const char *addr;
	double secs;		/* -s: pause before our close */
	uint16_t port;
	long backlog;
	int forking;		/* -m fork (1) or iterative (0) */
};

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	char opt[3] = "-?";
	int ch;

	opterr = 0;
	while ((ch = getopt(argc, argv, ":b:hm:p:q:s:")) != -1) {
		switch (ch) {
		case 'b':
			o->addr = optarg;
			break;
		case 'h':
			printf("%s\n", USAGE);
			printf("  -m MODE     iterative: one client at a time; "
			    "fork: a child per client (default)\n"
			    "  -s SECONDS  pause after sending the time, "
			    "before closing (default 0)\n"
			    "  -p PORT     port, 0 = kernel's choice (default)\n"
			    "  -b ADDRESS  address to bind (default 127.0.0.1; "
			    "0.0.0.0, ::, ::1 ...)\n"
			    "  -q BACKLOG  listen backlog (default 128)\n");
			exit(0);
		case 'm':
			if (strcmp(optarg, "iterative") != 0 &&
			    strcmp(optarg, "fork") != 0)
				errx(2, "bad mode '%s': want iterative or fork",
				    optarg);
			o->forking = strcmp(optarg, "fork") == 0;
			break;
		case 'p':
			if (sock_parse_port(optarg, &o->port) < 0)
				errx(2, "bad port '%s': want 0..65535", optarg);
			break;
		case 'q':
			if (args_count(optarg, 0, 65535, &o->backlog) < 0)
				errx(2, "bad backlog '%s': want 0..65535", optarg);
			break;
		case 's':
			if (args_seconds(optarg, 0, 1, 86400, &o->secs) < 0)
				errx(2, "bad seconds '%s': want a number "
				    "0..86400", optarg);
			break;
		case ':':
			opt[1] = (char)optopt;
			usage_error("option %s needs an argument", opt);
			break;
		default:
			opt[1] = (char)optopt;
			usage_error("unknown option %s", opt);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

int
main(int argc, char *argv[])
{
	struct opts o = { .addr = "127.0.0.1", .backlog = 128, .forking = 1 };
	char here[SOCK_ADDRSTRLEN], peer[SOCK_ADDRSTRLEN];
	const char *what;
	struct sockaddr_storage from;
	struct pollfd pfd;
	sigset_t orig;
	socklen_t fromlen;
	int lfd, cfd;
	pid_t pid;

	parse_args(argc, argv, &o);
	lfd = server_listen(o.addr, o.port, (int)o.backlog, here, sizeof here,
	    &what);
	if (lfd == SERVER_BAD_ADDRESS)
		errx(2, "bad address '%s': %s", o.addr, what);
	if (lfd < 0)
		err(1, "%s %s", what, here);
	if (server_signals(on_stop, on_chld, &orig) < 0)
		err(1, "sigaction");
	if (server_announce(lfd, here, sizeof here) < 0)
		err(1, "stdout");
	tstamp_event("listening on %s, %s mode, backlog %ld, sleep %gs", here,
	    o.forking ? "fork" : "iterative", o.backlog, o.secs);

	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!stop_sig) {
		/* The only place signals get in: EINTR here is the UNP
		 * "accept interrupted by SIGCHLD": just go round again. */
		if (ppoll(&pfd, 1, NULL, &orig) < 0)
			continue;
		fromlen = sizeof from;
		cfd = accept4(lfd, (struct sockaddr *)&from, &fromlen,
		    SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED)
				continue;
			tstamp_event("accept: %s", strerror(errno));
			nap(0.1, &orig);	/* EMFILE: don't spin */
			continue;
		}
		sock_format((struct sockaddr *)&from, peer, sizeof peer);
		if (!o.forking) {
			tstamp_event("accept %s", peer);
			serve(cfd, peer, o.secs, &orig);
			continue;
		}
		if ((pid = fork()) < 0) {
			tstamp_event("fork for %s: %s", peer, strerror(errno));
			close(cfd);
			continue;
		}
		if (pid == 0) {
			close(lfd);	/* the child only talks to its client */
			server_in_child(&orig);
			serve(cfd, peer, o.secs, &orig);
			_exit(0);
		}
		close(cfd);		/* the parent only accepts */
		tstamp_event("accept %s child %ld", peer, (long)pid);
	}
	tstamp_event("exit on %s", strsignal(stop_sig));
	close(lfd);
	return 0;
}
