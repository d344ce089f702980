/*
 * cmdclient — the command lab's client. It connects, shows its local and
 * remote addresses (getsockname/getpeername, as the lab did), then for
 * each command the server sends: shows it and its reversal (the lab's
 * string-reversal display), runs it (runcmd.c) and sends the result back.
 *
 * A second thread reads our stdin. A line "exit" closes the connection at
 * once, even with commands pending: it kills a running command's process
 * group and shuts down our sending side, so the client sends the first
 * FIN (the active close; our side ends in TIME_WAIT). End of stdin is not
 * "exit". After the server's last command we close first as well.
 *
 * The server is trusted no more than the client is by the server: a frame
 * must arrive whole within -w seconds (a silent server, or one that stops
 * in the middle of a frame, is one clear error), and the commands must be
 * numbered 1, 2, 3 ... (a number out of order or repeated is a protocol
 * error): either way we exit 1 with one line on stderr.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdwire.h"
#include "runcmd.h"
#include "common/args.h"
#include "common/sock.h"
#include "common/tstamp.h"

#define USAGE "usage: cmdclient [-t SECONDS] [-w SECONDS] HOST PORT"

static struct {
	pthread_mutex_t mu;
	int fd;
	int exiting;	/* "exit" was typed */
	pid_t pgid;	/* the running command's process group, or 0 */
} cl = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct cmdwire_buf wb;
static struct runcmd_result res;

/* One line on stdout, whole, from either thread. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	flockfile(stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	funlockfile(stdout);
}

static int
exiting(void)
{
	int e;

	pthread_mutex_lock(&cl.mu);
	e = cl.exiting;
	pthread_mutex_unlock(&cl.mu);
	return e;
}

/* runcmd's callback: remember the group, or kill it if exit came first. */
static void
started(pid_t pgid, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cl.mu);
	cl.pgid = pgid;
	if (cl.exiting)
		kill(-pgid, SIGKILL);
	pthread_mutex_unlock(&cl.mu);
}

/*
 * The stdin thread: waits for a line "exit"; end of input just ends the
 * thread. read(2), not stdio: a thread parked inside getline() would hold
 * stdin's lock while main() exits.
 */
static void *
read_stdin(void *arg)
{
	char line[256];
	size_t len = 0, skip = 0;
	ssize_t n;
	char c;

	(void)arg;
	while ((n = read(STDIN_FILENO, &c, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (c != '\n') {
			if (len < sizeof line - 1)
				line[len++] = c;
			else
				skip = 1;	/* too long: not "exit" */
			continue;
		}
		if (len > 0 && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		if (!skip && strcmp(line, "exit") == 0) {
			pthread_mutex_lock(&cl.mu);
			cl.exiting = 1;
			if (cl.pgid > 0)
				kill(-cl.pgid, SIGKILL);
			say("exit: closing the connection");
			shutdown(cl.fd, SHUT_WR);	/* our FIN, now */
			pthread_mutex_unlock(&cl.mu);
			break;
		}
		len = skip = 0;
	}
	return NULL;
}

/*
 * Finish an active close: FIN first (shutdown), then read until the
 * server's FIN, then close. Closing with unread data would send a RST
 * instead; waiting for the server's FIN makes the ending textbook.
 */
static void
finish(int fd)
{
	char junk[4096];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = tstamp_mono() + 5;
	int ms;

	shutdown(fd, SHUT_WR);
	while ((ms = (int)((end - tstamp_mono()) * 1000)) > 0 &&
	    poll(&pfd, 1, ms) > 0 && read(fd, junk, sizeof junk) > 0)
		;
	close(fd);
}

/* Run one command and send its result; 0, or -1 when exit intervened. */
static int
run_one(int fd, const struct cmdproto_frame *c, double timeout,
    const char *server)
{
	struct cmdproto_frame r;
	char *cmd, *rev;
	size_t i;

	if ((cmd = strndup((const char *)c->data, c->len)) == NULL ||
	    (rev = strndup(cmd, c->len)) == NULL)
		err(1, "strndup");
	for (i = 0; i < c->len; i++)
		rev[i] = cmd[c->len - 1 - i];
	say("command %u: %s", c->seq, cmd);
	say("reversed %u: %s", c->seq, rev);
	if (runcmd(cmd, timeout, &res, started, NULL) < 0)
		err(1, "fork");
	pthread_mutex_lock(&cl.mu);
	cl.pgid = 0;
	pthread_mutex_unlock(&cl.mu);
	free(rev);
	free(cmd);
	if (exiting())
		return -1;
	if (res.timed_out)
		say("result %u: timed out after %gs, killed%s", c->seq, timeout,
		    res.truncated ? ", output truncated" : "");
	else if (res.status < 0)
		say("result %u: killed by signal %d, %zu bytes%s", c->seq,
		    -res.status, res.len, res.truncated ? " (truncated)" : "");
	else
		say("result %u: exit %d, %zu bytes%s", c->seq, res.status,
		    res.len, res.truncated ? " (truncated)" : "");
	memset(&r, 0, sizeof r);
	r.type = CMDPROTO_RESULT;
	r.seq = c->seq;
	r.status = res.status;
	r.flags = (res.truncated ? CMDPROTO_F_TRUNCATED : 0) |
	    (res.timed_out ? CMDPROTO_F_TIMEDOUT : 0);
	r.data = res.out;
	r.len = res.len;
	if (cmdwire_send(fd, &r) < 0 && !exiting())
		err(1, "%s: send result %u", server, c->seq);
	return 0;
}

/* The command line. */
struct opts {
	double timeout;		/* -t: per command */
	double idle;		/* -w: for each frame from the server */
	const char *host;
	uint16_t port;
};

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int ch;

	opterr = 0;
	while ((ch = getopt(argc, argv, ":ht:w:")) != -1) {
		switch (ch) {
		case 'h':
			printf("%s\n  -t SECONDS  time limit per command "
			    "(default 10)\n  -w SECONDS  idle timeout: the "
			    "longest wait for the server's next frame, whole\n"
			    "              (default 60; make it longer than the "
			    "server's pause -i)\n  type \"exit\" on stdin to "
			    "close the connection at once\n", USAGE);
			exit(0);
		case 't':
			if (args_seconds(optarg, 0, 0, 86400, &o->timeout) < 0)
				errx(2, "bad seconds '%s': want a number "
				    "over 0, up to 86400", optarg);
			break;
		case 'w':
			if (args_seconds(optarg, 0, 0, 86400, &o->idle) < 0)
				errx(2, "bad idle timeout '%s': want seconds "
				    "over 0, up to 86400", optarg);
			break;
		case ':':
			errx(2, "missing argument for -%c\n%s", optopt, USAGE);
		default:
			errx(2, "unknown option -%c\n%s", optopt, USAGE);
		}
	}
	if (argc - optind != 2)
		errx(2, "want HOST and PORT\n%s", USAGE);
	o->host = argv[optind];
	if (sock_parse_port(argv[optind + 1], &o->port) < 0 || o->port == 0)
		errx(2, "bad port '%s': want 1..65535", argv[optind + 1]);
}

/* A frame that did not come: one line, exit 1. */
static void
read_failed(enum cmdwire_status st, const char *there, double idle)
{
	char why[256];

	if (st == CMDWIRE_EOF)
		errx(1, "%s: server closed the connection before the end of "
		    "the commands", there);
	if (st == CMDWIRE_TIMEOUT && wb.got == 0)
		errx(1, "%s: the server sent nothing for %gs (idle timeout, "
		    "-w)", there, idle);
	if (st == CMDWIRE_TIMEOUT)
		errx(1, "%s: a frame stopped in the middle: %zu bytes of it "
		    "received, not the rest within %gs (idle timeout, -w)",
		    there, wb.got, idle);
	errx(1, "%s: %s", there, cmdwire_describe(st, &wb, errno, why,
	    sizeof why));
}

/*
 * The conversation: C1 R1 C2 R2 ... E. Commands must come numbered 1, 2,
 * 3 ...; anything else is the server breaking the protocol.
 */
static void
converse(const struct opts *o, const char *there)
{
	struct cmdproto_frame f;
	enum cmdwire_status st;
	unsigned done = 0;

	for (;;) {
		st = cmdwire_read(cl.fd, &wb, &f, (int)(o->idle * 1000));
		if (exiting())
			return;
		if (st != CMDWIRE_OK)
			read_failed(st, there, o->idle);
		if (f.type == CMDPROTO_END) {
			say("done: %u commands, closing the connection", done);
			return;
		}
		if (f.type != CMDPROTO_COMMAND)
			errx(1, "%s: unexpected frame from the server", there);
		if (f.seq != done + 1)
			errx(1, "%s: protocol error: command %u %s (expected "
			    "command %u)", there, f.seq, f.seq <= done ?
			    "repeated" : "out of order", done + 1);
		if (run_one(cl.fd, &f, o->timeout, there) < 0)
			return;
		done++;
	}
}

int
main(int argc, char *argv[])
{
	struct opts o = { .timeout = 10, .idle = 60 };
	char here[SOCK_ADDRSTRLEN], there[SOCK_ADDRSTRLEN];
	struct sock_addr sa;
	pthread_t tid;
	int rc;

	parse_args(argc, argv, &o);
	if ((rc = sock_resolve(o.host, o.port, 0, &sa)) != 0)
		errx(1, "bad host '%s': %s", o.host, gai_strerror(rc));
	sock_format((struct sockaddr *)&sa.ss, there, sizeof there);
	signal(SIGPIPE, SIG_IGN);
	if ((cl.fd = sock_connect(&sa, 10000)) < 0)
		err(1, "connect %s", there);
	say("connected: local %s remote %s",
	    sock_local(cl.fd, here, sizeof here),
	    sock_peer(cl.fd, there, sizeof there));
	if ((errno = pthread_create(&tid, NULL, read_stdin, NULL)) != 0)
		err(1, "pthread_create");
	pthread_detach(tid);

	converse(&o, there);
	pthread_mutex_lock(&cl.mu);	/* no shutdown racing our close */
	finish(cl.fd);
	pthread_mutex_unlock(&cl.mu);
	return 0;
}
