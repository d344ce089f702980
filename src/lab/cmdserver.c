/*
 * cmdserver — the command lab's server. The operator gives it shell
 * commands (-c FILE, the lab's prompt on a terminal, or stdin lines); it
 * forks a child per client (cmdsession.c) that sends the commands one at
 * a time, -i seconds apart, and logs each result (cmdlog.c, JSON Lines).
 * stdout: "listening on ADDRESS:PORT", then the client's ip:port each
 * time a result arrives, as in the lab. Events go to stderr.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdlog.h"
#include "cmdproto.h"
#include "cmdsession.h"
#include "common/sock.h"
#include "common/tstamp.h"

#define USAGE "usage: cmdserver [-p PORT] [-b ADDRESS] [-c FILE] " \
	"[-l LOGFILE] [-i SECONDS]"

static volatile sig_atomic_t stop_sig;

static void
on_stop(int sig)
{
	stop_sig = sig;
}

static void
on_chld(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
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

int
main(int argc, char *argv[])
{
	const char *addr = "127.0.0.1", *file = NULL, *logpath = "log.txt";
	const char *what;
	char here[SOCK_ADDRSTRLEN], peer[SOCK_ADDRSTRLEN], *end;
	struct cmdsession s = { .interval = 3, .result_wait_ms = 60000 };
	struct sockaddr_storage from;
	struct sigaction act;
	struct sock_addr sa;
	struct pollfd pfd;
	sigset_t block, orig;
	socklen_t fromlen;
	uint16_t port = 0;
	int ch, lfd, cfd, rc;
	pid_t pid;

	opterr = 0;
	while ((ch = getopt(argc, argv, ":b:c:hi:l:p:")) != -1) {
		switch (ch) {
		case 'b': addr = optarg; break;
		case 'c': file = optarg; break;
		case 'h':
			printf("%s\n  -p PORT     port, 0 = kernel's choice "
			    "(default)\n  -b ADDRESS  address to bind (default "
			    "127.0.0.1)\n  -c FILE     commands, one per line "
			    "(default: stdin)\n  -l LOGFILE  JSON Lines log "
			    "(default log.txt)\n  -i SECONDS  pause between "
			    "commands (default 3)\n", USAGE);
			return 0;
		case 'i':
			errno = 0;
			s.interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(s.interval >= 0)
			    || s.interval > 3600)
				errx(2, "bad seconds '%s': want a number 0..3600",
				    optarg);
			break;
		case 'l': logpath = optarg; break;
		case 'p':
			if (sock_parse_port(optarg, &port) < 0)
				errx(2, "bad port '%s': want 0..65535", optarg);
			break;
		case ':': usage_error("missing argument for", optopt); break;
		default: usage_error("unknown option", optopt);
		}
	}
	if (optind < argc)
		errx(2, "unexpected argument '%s'\n%s", argv[optind], USAGE);

	s.cmds = load(file, &s.ncmds);
	if ((s.logfd = cmdlog_open(logpath)) < 0)
		err(1, "%s", logpath);
	if ((rc = sock_resolve(addr, port, 1, &sa)) != 0)
		errx(2, "bad address '%s': %s", addr, gai_strerror(rc));
	sock_format((struct sockaddr *)&sa.ss, here, sizeof here);
	if ((lfd = sock_listen(&sa, 128, &what)) < 0)
		err(1, "%s %s", what, here);
	if (fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0)
		err(1, "fcntl O_NONBLOCK");

	memset(&act, 0, sizeof act);
	act.sa_handler = on_stop;
	sigemptyset(&act.sa_mask);
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	act.sa_handler = on_chld;
	act.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &orig);

	printf("listening on %s\n", sock_local(lfd, here, sizeof here));
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	s.server = here;
	tstamp_event("listening on %s, %u commands, pause %gs, log %s", here,
	    s.ncmds, s.interval, logpath);

	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!stop_sig) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0)
			continue;	/* EINTR: a child died, or stop */
		fromlen = sizeof from;
		cfd = accept4(lfd, (struct sockaddr *)&from, &fromlen,
		    SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EINTR && errno != EAGAIN &&
			    errno != ECONNABORTED) {
				tstamp_event("accept: %s", strerror(errno));
				poll(NULL, 0, 100);
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
			close(lfd);
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			sigprocmask(SIG_SETMASK, &orig, NULL);
			s.fd = cfd;
			s.client = peer;
			_exit(cmdsession_run(&s) < 0 ? 1 : 0);
		}
		close(cfd);
		tstamp_event("accept %s child %ld", peer, (long)pid);
	}
	tstamp_event("exit on %s", strsignal(stop_sig));
	while (s.ncmds > 0)
		free(s.cmds[--s.ncmds]);
	free(s.cmds);
	return 0;
}
