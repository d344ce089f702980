/*
 * daytimed — the daytime server of the Stevens lab (UNP ch. 1, 4, 5).
 *
 * Each client gets the time as ctime(3) prints it plus "\r\n"; the server
 * then sleeps -s seconds and closes first (the active closer, so the
 * server's side ends in TIME_WAIT). -m iterative serves one client at a
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
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "closeorder.h"
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

static double
parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) ||
	    v < 0 || v > 86400)
		errx(2, "bad seconds '%s': want a number 0..86400", s);
	return v;
}

int
main(int argc, char *argv[])
{
	const char *addr = "127.0.0.1", *what;
	char here[SOCK_ADDRSTRLEN], peer[SOCK_ADDRSTRLEN];
	struct sock_addr sa;
	struct sockaddr_storage from;
	struct sigaction act;
	struct pollfd pfd;
	sigset_t block, orig;
	socklen_t fromlen;
	double secs = 0;
	uint16_t port = 0;
	long backlog = 128;
	int ch, forking = 1, lfd, cfd, rc;
	char *end;
	pid_t pid;

	opterr = 0;
	while ((ch = getopt(argc, argv, ":b:hm:p:q:s:")) != -1) {
		switch (ch) {
		case 'b':
			addr = optarg;
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
			return 0;
		case 'm':
			if (strcmp(optarg, "iterative") == 0)
				forking = 0;
			else if (strcmp(optarg, "fork") == 0)
				forking = 1;
			else
				errx(2, "bad mode '%s': want iterative or fork",
				    optarg);
			break;
		case 'p':
			if (sock_parse_port(optarg, &port) < 0)
				errx(2, "bad port '%s': want 0..65535", optarg);
			break;
		case 'q':
			errno = 0;
			backlog = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || backlog < 0 ||
			    backlog > 65535)
				errx(2, "bad backlog '%s': want 0..65535", optarg);
			break;
		case 's':
			secs = parse_seconds(optarg);
			break;
		case ':':
			snprintf(peer, sizeof peer, "-%c", optopt);
			usage_error("option %s needs an argument", peer);
			break;
		default:
			snprintf(peer, sizeof peer, "-%c", optopt);
			usage_error("unknown option %s", peer);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	if ((rc = sock_resolve(addr, port, 1, &sa)) != 0)
		errx(2, "bad address '%s': %s", addr, gai_strerror(rc));
	sock_format((struct sockaddr *)&sa.ss, here, sizeof here);
	if ((lfd = sock_listen(&sa, (int)backlog, &what)) < 0)
		err(1, "%s %s", what, here);
	/* Non-blocking: a client that resets between poll and accept must
	 * not leave us stuck in accept() (UNP 16.6). */
	if (fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0)
		err(1, "fcntl O_NONBLOCK");

	memset(&act, 0, sizeof act);
	sigemptyset(&act.sa_mask);
	act.sa_handler = on_stop;
	if (sigaction(SIGINT, &act, NULL) < 0 ||
	    sigaction(SIGTERM, &act, NULL) < 0)
		err(1, "sigaction");
	act.sa_handler = on_chld;
	act.sa_flags = SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &act, NULL) < 0)
		err(1, "sigaction SIGCHLD");
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &orig);

	printf("listening on %s\n", sock_local(lfd, here, sizeof here));
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	tstamp_event("listening on %s, %s mode, backlog %ld, sleep %gs", here,
	    forking ? "fork" : "iterative", backlog, secs);

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
		if (!forking) {
			tstamp_event("accept %s", peer);
			serve(cfd, peer, secs, &orig);
			continue;
		}
		if ((pid = fork()) < 0) {
			tstamp_event("fork for %s: %s", peer, strerror(errno));
			close(cfd);
			continue;
		}
		if (pid == 0) {
			close(lfd);	/* the child only talks to its client */
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			sigprocmask(SIG_SETMASK, &orig, NULL);
			serve(cfd, peer, secs, &orig);
			_exit(0);
		}
		close(cfd);		/* the parent only accepts */
		tstamp_event("accept %s child %ld", peer, (long)pid);
	}
	tstamp_event("exit on %s", strsignal(stop_sig));
	close(lfd);
	return 0;
}
