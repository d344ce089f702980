/*
 * cmdserver — the command lab's server. The operator gives it shell
 * commands (-c FILE, the lab's prompt on a terminal, or stdin lines); it
 * forks a child per client (cmdsession.c) that sends the commands one at
 * a time, -i seconds apart, and logs each result (cmdlog.c, JSON Lines).
 * stdout: "listening on ADDRESS:PORT", then the client's ip:port each
 * time a result arrives, as in the lab. Events go to stderr.
 *
 * At most -n children serve at once (default 64): at the cap the parent
 * stops looking at the listening socket, so new connections finish their
 * handshake and wait in the listen backlog until a child exits. 200
 * silent clients cannot make 200 processes.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdlog.h"
#include "cmdproto.h"
#include "cmdsession.h"
#include "server.h"
#include "common/args.h"
#include "common/sock.h"
#include "common/tstamp.h"

#define USAGE "usage: cmdserver [-p PORT] [-b ADDRESS] [-c FILE] " \
	"[-l LOGFILE] [-i SECONDS] [-n CHILDREN]"

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t nchildren;	/* forked and not yet reaped */

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
		nchildren--;
	errno = saved;
}

/* Append one command (a line without its newline); exits on bad input. */
static void
add(char ***cmds, unsigned *n, char *line, const char *src, unsigned lineno)
{
	line[strcspn(line, "\r\n")] = '\0';
	if (line[strspn(line, " \t")] == '\0')
		return;
	if (strlen(line) > CMDPROTO_MAX_PAYLOAD - 4)
		errx(1, "%s:%u: command too long", src, lineno);
	if ((*cmds = realloc(*cmds, (*n + 1) * sizeof **cmds)) == NULL ||
	    ((*cmds)[*n] = strdup(line)) == NULL)
		err(1, "realloc");
	(*n)++;
}

/*
 * The commands: from FILE, or stdin. On a terminal, stdin gets the lab's
 * dialogue ("Enter a number of commands:"); otherwise one per line.
 */
static char **
load(const char *file, unsigned *n)
{
	char **cmds = NULL, *line = NULL, *end;
	size_t cap = 0;
	unsigned lineno = 0, want = 0;
	int tty = file == NULL && isatty(STDIN_FILENO);
	FILE *fp = stdin;
	const char *src = file ? file : "stdin";

	*n = 0;
	if (file != NULL && (fp = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	if (tty) {
		printf("Enter a number of commands: ");
		fflush(stdout);
		if (getline(&line, &cap, fp) < 0)
			errx(1, "stdin: no number of commands");
		want = (unsigned)strtoul(line, &end, 10);
		if (end == line || (*end != '\n' && *end != '\0') || want < 1
		    || want > 1000)
			errx(1, "bad number of commands '%.*s': want 1..1000",
			    (int)strcspn(line, "\n"), line);
	}
	for (;;) {
		if (tty && *n >= want)
			break;
		if (tty)
			printf("Command %u: ", *n + 1), fflush(stdout);
		if (getline(&line, &cap, fp) < 0)
			break;
		add(&cmds, n, line, src, ++lineno);
	}
	if (ferror(fp))
		err(1, "%s", src);
	free(line);
	if (fp != stdin)
		fclose(fp);
	if (*n == 0)
		errx(1, "%s: no commands", src);
	return cmds;
}

static void
usage_error(const char *what, int opt)
{
	fprintf(stderr, "cmdserver: %s -%c\n%s\n", what, opt, USAGE);
	exit(2);
}

/* The command line. */
struct opts {
	const char *addr, *file, *logpath;
	uint16_t port;
	double interval;	/* -i: pause between commands */
	long maxkids;		/* -n: children at once */
};

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	int ch;

	opterr = 0;
	while ((ch = getopt(argc, argv, ":b:c:hi:l:n:p:")) != -1) {
		switch (ch) {
		case 'b': o->addr = optarg; break;
		case 'c': o->file = optarg; break;
		case 'h':
			printf("%s\n  -p PORT     port, 0 = kernel's choice "
			    "(default)\n  -b ADDRESS  address to bind (default "
			    "127.0.0.1)\n  -c FILE     commands, one per line "
			    "(default: stdin)\n  -l LOGFILE  JSON Lines log "
			    "(default log.txt)\n  -i SECONDS  pause between "
			    "commands (default 3)\n  -n CHILDREN at most this "
			    "many clients served at once (default 64, up to "
			    "10000);\n              more connections wait in "
			    "the listen backlog\n", USAGE);
			exit(0);
		case 'i':
			if (args_seconds(optarg, 0, 1, 3600, &o->interval) < 0)
				errx(2, "bad seconds '%s': want a number 0..3600",
				    optarg);
			break;
		case 'l': o->logpath = optarg; break;
		case 'n':
			if (args_count(optarg, 1, 10000, &o->maxkids) < 0)
				errx(2, "bad number of children '%s': want "
				    "1..10000", optarg);
			break;
		case 'p':
			if (sock_parse_port(optarg, &o->port) < 0)
				errx(2, "bad port '%s': want 0..65535", optarg);
			break;
		case ':': usage_error("missing argument for", optopt); break;
		default: usage_error("unknown option", optopt);
		}
	}
	if (optind < argc)
		errx(2, "unexpected argument '%s'\n%s", argv[optind], USAGE);
}

/*
 * At the cap, leave the listening socket alone (fd -1: poll ignores it)
 * so connections wait in the backlog; say so when that changes.
 */
static void
watch_cap(struct pollfd *pfd, int lfd, long maxkids)
{
	int full = nchildren >= maxkids;

	if (full && pfd->fd >= 0)
		tstamp_event("children: %d of %ld, the maximum: new "
		    "connections wait in the backlog", (int)nchildren, maxkids);
	else if (!full && pfd->fd < 0)
		tstamp_event("children: %d of %ld: accepting again",
		    (int)nchildren, maxkids);
	pfd->fd = full ? -1 : lfd;
}

int
main(int argc, char *argv[])
{
	struct opts o = { .addr = "127.0.0.1", .logpath = "log.txt",
	    .interval = 3, .maxkids = 64 };
	struct cmdsession s = { .result_wait_ms = 60000 };
	char here[SOCK_ADDRSTRLEN], peer[SOCK_ADDRSTRLEN];
	const char *what;
	struct sockaddr_storage from;
	struct pollfd pfd;
	sigset_t orig;
	socklen_t fromlen;
	int lfd, cfd;
	pid_t pid;

	parse_args(argc, argv, &o);
	s.cmds = load(o.file, &s.ncmds);
	s.interval = o.interval;
	if ((s.logfd = cmdlog_open(o.logpath)) < 0)
		err(1, "%s", o.logpath);
	lfd = server_listen(o.addr, o.port, 128, here, sizeof here, &what);
	if (lfd == SERVER_BAD_ADDRESS)
		errx(2, "bad address '%s': %s", o.addr, what);
	if (lfd < 0)
		err(1, "%s %s", what, here);
	if (server_signals(on_stop, on_chld, &orig) < 0)
		err(1, "sigaction");
	if (server_announce(lfd, here, sizeof here) < 0)
		err(1, "stdout");
	s.server = here;
	tstamp_event("listening on %s, %u commands, pause %gs, log %s, at most "
	    "%ld children", here, s.ncmds, s.interval, o.logpath, o.maxkids);

	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!stop_sig) {
		watch_cap(&pfd, lfd, o.maxkids);
		/* Signals get in only here: EINTR = a child died, or stop. */
		if (ppoll(&pfd, 1, NULL, &orig) < 0 || pfd.fd < 0)
			continue;
		fromlen = sizeof from;
		cfd = accept4(lfd, (struct sockaddr *)&from, &fromlen,
		    SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EINTR && errno != EAGAIN &&
			    errno != ECONNABORTED) {
				tstamp_event("accept: %s", strerror(errno));
				poll(NULL, 0, 100);	/* EMFILE: don't spin */
			}
			continue;
		}
		sock_format((struct sockaddr *)&from, peer, sizeof peer);
		if ((pid = fork()) < 0) {
			tstamp_event("fork for %s: %s", peer, strerror(errno));
			close(cfd);
			continue;
		}
		if (pid == 0) {
			close(lfd);	/* the child only talks to its client */
			server_in_child(&orig);
			s.fd = cfd;
			s.client = peer;
			_exit(cmdsession_run(&s) < 0 ? 1 : 0);
		}
		close(cfd);		/* the parent only accepts */
		nchildren++;
		tstamp_event("accept %s child %ld (children: %d of %ld)", peer,
		    (long)pid, (int)nchildren, o.maxkids);
	}
	tstamp_event("exit on %s", strsignal(stop_sig));
	while (s.ncmds > 0)
		free(s.cmds[--s.ncmds]);
	free(s.cmds);
	return 0;
}
