/*
 * sandbox — start one untrusted student program, confined, and reap
 * everything it leaves behind (scenarios/grade).
 *
 *   sandbox [-j] [-u UID] [-g GID] [-c CGROUP_DIR]... [-d DIR] [-n NICE]
 *           [-r DIR]... [-W DIR]... [-t MB] [-o BYTES]
 *           [-l nproc=N,cpu=S,nofile=N,as=MB,fsize=MB] [-w SECONDS]
 *           [-p PIDFILE] [-s STATUSFILE] -- COMMAND [ARG]...
 *   sandbox -E          (escape standard input to standard output)
 *
 * The sandbox becomes a child subreaper (PR_SET_CHILD_SUBREAPER) and forks.
 * The child joins the given cgroups (the grader limits, freezes and kills
 * by cgroup), sets the resource limits, starts a session of its own and
 * lowers its priority.  Then, with -j (root), it execs bubblewrap: the
 * program runs in its own mount and PID namespaces as UID/GID, sees only
 * the system, the folders given with -r (read-only) and -W (writable) and
 * tmpfs /tmp, /dev/shm and /work of MB each (jail.c).  Without -j it drops
 * to UID/GID itself (when -u is given) and execs COMMAND in DIR.  Either
 * way the environment is cleared and the grader's descriptors closed.
 *
 * The program's pid (as the host sees it) goes to PIDFILE as soon as it
 * exists; how it ended ("exited N", "killed by signal N (NAME)") to
 * STATUSFILE.  Its standard output and error pass through pipes: at most
 * BYTES of each are kept (then "[truncated]", the rest read and dropped),
 * with control characters escaped (escape.c), on our own stdout/stderr.
 * The sandbox exits once no descendant remains.  At -w SECONDS it kills
 * the child (in the jail, killing bwrap ends the whole namespace).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "jail.h"

#define SB_MAX_CGROUPS 8
#define SB_CAP_DEFAULT (1UL << 20)

struct sb_opts {
	struct jail jail;
	int jailed;			/* -j */
	int drop;			/* -u given */
	const char *cgroups[SB_MAX_CGROUPS];
	int ncgroups;
	const char *pidfile, *statusfile, *limits;
	int nice_incr;
	double wall;
	unsigned long cap;
};

/* One captured stream of the program: pipe, escaper, bytes kept so far. */
struct sb_stream {
	int fd, out;
	unsigned long seen;
	struct escape esc;
};

static void usage(FILE *f)
{
	fputs("usage: sandbox [-j] [-u UID] [-g GID] [-c CGROUP_DIR]... [-d DIR] [-n NICE]\n"
	    "               [-r DIR]... [-W DIR]... [-t MB] [-o BYTES]\n"
	    "               [-l nproc=N,cpu=S,nofile=N,as=MB,fsize=MB] [-w SECONDS]\n"
	    "               [-p PIDFILE] [-s STATUSFILE] -- COMMAND [ARG]...\n"
	    "       sandbox -E   (escape control characters: stdin to stdout)\n", f);
}

/* Write a short text to a file; -1 with errno on failure. */
static int write_file(const char *path, const char *text, int flags)
{
	int fd = open(path, O_WRONLY | flags, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -1 : 0;
}


static void die_child(const char *what)
{
	fprintf(stderr, "sandbox: %s: %s\n", what, strerror(errno));
	_exit(126);
}

/* In the child: confine, then exec bwrap or COMMAND; never returns. */
static void child_exec(const struct sb_opts *o, char **cmd)
{
	static char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin",
	    "LANG=C", NULL };
	struct rlimit core = { 0, 0 };
	char pid[32], path[PATH_MAX], *argv[256], store[4096];
	int i;

	signal(SIGPIPE, SIG_DFL);	/* ignored by us, not by the student */
	snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	for (i = 0; i < o->ncgroups; i++) {
		snprintf(path, sizeof path, "%s/cgroup.procs", o->cgroups[i]);
		if (write_file(path, pid, 0) < 0)
			die_child(path);
	}
	setrlimit(RLIMIT_CORE, &core);
	/* jailed, the limits are the student's program's alone (jail_inner) */
	if (o->limits && !o->jailed && limits_apply(o->limits) < 0)
		die_child(o->limits);
	setsid();
	if (o->nice_incr && nice(o->nice_incr) < 0 && errno)
		perror("sandbox: nice");
	if (o->jailed) {
		if (jail_argv(&o->jail, cmd, argv, 256, store, sizeof store) < 0)
			die_child("bwrap arguments");
		execvp("bwrap", argv);
		die_child("bwrap");
	}
	if (o->jail.dir && chdir(o->jail.dir) < 0)
		die_child(o->jail.dir);
	if (o->drop && (setgroups(0, NULL) < 0 || setgid(o->jail.gid) < 0 ||
	    setuid(o->jail.uid) < 0))
		die_child("setuid");
	/* the grader's own descriptors (fifos, pipes) are none of its business */
	for (i = 3; i < 1024; i++)
		close(i);
	execve(cmd[0], cmd, envp);
	fprintf(stderr, "sandbox: %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

static int parse_opts(int argc, char **argv, struct sb_opts *o)
{
	int opt;

	memset(o, 0, sizeof *o);
	o->cap = SB_CAP_DEFAULT;
	o->jail.tmpfs_mb = 64;
	while ((opt = getopt(argc, argv, "c:d:g:hjl:n:o:p:r:s:t:u:w:W:")) != -1) {
		switch (opt) {
		case 'c':
			if (o->ncgroups == SB_MAX_CGROUPS)
				return -1;
			o->cgroups[o->ncgroups++] = optarg;
			break;
		case 'd': o->jail.dir = optarg; break;
		case 'g': o->jail.gid = (gid_t)atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		case 'j': o->jailed = 1; break;
		case 'l': o->limits = optarg; break;
		case 'n': o->nice_incr = atoi(optarg); break;
		case 'o': o->cap = strtoul(optarg, NULL, 10); break;
		case 'p': o->pidfile = optarg; break;
		case 'r':
			if (o->jail.nro == JAIL_MAX_BINDS)
				return -1;
			o->jail.ro[o->jail.nro++] = optarg;
			break;
		case 's': o->statusfile = optarg; break;
		case 't': o->jail.tmpfs_mb = strtoul(optarg, NULL, 10); break;
		case 'u': o->jail.uid = (uid_t)atoi(optarg); o->drop = 1; break;
		case 'w': o->wall = atof(optarg); break;
		case 'W':
			if (o->jail.nrw == JAIL_MAX_BINDS)
				return -1;
			o->jail.rw[o->jail.nrw++] = optarg;
			break;
		default: return -1;
		}
	}
	if (o->jailed && (!o->drop || o->jail.uid == 0 || o->jail.tmpfs_mb == 0))
		return -1;
	return optind < argc ? 0 : -1;
}

/* Pass what is readable on s to its output: escaped, up to the cap. */
static int stream_pump(struct sb_stream *s, unsigned long cap)
{
	char in[4096], out[ESCAPE_MAX(4096)];
	ssize_t n = read(s->fd, in, sizeof in);
	size_t keep, o;

	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return 0;
		o = escape_flush(&s->esc, out);
		if (o && write(s->out, out, o) < 0)
			return -1;
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	keep = (size_t)n;
	if (cap && s->seen + keep > cap)
		keep = s->seen >= cap ? 0 : cap - s->seen;
	o = escape_feed(&s->esc, in, keep, out);
	if (cap && keep < (size_t)n && s->seen <= cap) {
		o += escape_flush(&s->esc, out + o);
		memcpy(out + o, "\n[truncated]\n", 13);
		o += 13;
		s->seen = cap + 1;	/* said once; the rest is read and dropped */
	} else {
		s->seen += keep;
	}
	return o && write(s->out, out, o) < 0 ? -1 : 0;
}

/* A line from the inner on the status pipe: "pid N" or how it ended. */
static void status_line(const struct sb_opts *o, const char *line)
{
	if (!strncmp(line, "pid ", 4)) {
		if (o->pidfile && write_file(o->pidfile, line + 4, O_CREAT | O_TRUNC) < 0)
			perror(o->pidfile);
	} else if (o->statusfile) {
		write_file(o->statusfile, line, O_CREAT | O_TRUNC);
	}
}

/* Read the status pipe; each complete line goes to status_line(). */
static void status_pump(const struct sb_opts *o, int *fd, char *buf, size_t *len)
{
	ssize_t n = read(*fd, buf + *len, 255 - *len);
	char line[256], *nl;
	size_t k;

	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return;
		close(*fd);
		*fd = -1;
		return;
	}
	*len += (size_t)n;
	buf[*len] = '\0';
	while ((nl = strchr(buf, '\n'))) {
		k = (size_t)(nl - buf) + 1;
		memcpy(line, buf, k);
		line[k] = '\0';
		status_line(o, line);
		memmove(buf, buf + k, *len - k + 1);
		*len -= k;
	}
	if (*len == 255)
		*len = 0;		/* no such long line from the inner */
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* -E: escape standard input to standard output (for what grade.sh shows). */
static int escape_filter(void)
{
	struct sb_stream s = { .fd = 0, .out = 1 };

	while (s.fd >= 0)
		if (stream_pump(&s, 0) < 0)
			return 1;
	return 0;
}

/* Pipes for the child's stdout, stderr and (jail) the inner's status, and
 * the host's /proc for the inner; -1 with errno on failure. */
static int make_pipes(struct sb_opts *o, int out[2], int err[2], int st[2])
{
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return -1;
	if (!o->jailed)
		return 0;
	/* these two must reach the inner through bwrap: no close-on-exec */
	if (pipe(st) < 0 || fcntl(st[0], F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	o->jail.status_fd = st[1];
	o->jail.proc_fd = open("/proc", O_PATH | O_DIRECTORY);
	return o->jail.proc_fd < 0 ? -1 : 0;
}

/* Run the child; pump its output and status until no descendant is left. */
static int supervise(struct sb_opts *o, char **cmd)
{
	struct sb_stream s[2];
	struct pollfd pf[3];
	struct timespec t0;
	int out[2], err[2], st[2] = { -1, -1 }, killed = 0, status, i, n;
	char sbuf[256], text[128];
	size_t slen = 0;
	pid_t child, p;

	if (make_pipes(o, out, err, st) < 0) {
		perror("sandbox: pipe");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((child = fork()) < 0) {
		perror("sandbox: fork");
		return 1;
	}
	if (child == 0) {
		if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(126);
		child_exec(o, cmd);
	}
	close(out[1]);
	close(err[1]);
	if (o->jailed) {
		close(st[1]);
		close(o->jail.proc_fd);
	} else if (o->pidfile) {
		snprintf(text, sizeof text, "%d\n", (int)child);
		if (write_file(o->pidfile, text, O_CREAT | O_TRUNC) < 0)
			perror(o->pidfile);
	}
	s[0] = (struct sb_stream){ .fd = out[0], .out = 1 };
	s[1] = (struct sb_stream){ .fd = err[0], .out = 2 };
	for (;;) {
		for (i = 0; i < 2; i++)
			pf[i] = (struct pollfd){ .fd = s[i].fd, .events = POLLIN };
		pf[2] = (struct pollfd){ .fd = st[0], .events = POLLIN };
		n = poll(pf, 3, 20);
		for (i = 0; n > 0 && i < 2; i++)
			if (pf[i].revents && stream_pump(&s[i], o->cap) < 0)
				s[i].out = -1;	/* our output is gone: keep draining */
		if (n > 0 && pf[2].revents)
			status_pump(o, &st[0], sbuf, &slen);
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == child && !o->jailed && o->statusfile) {
				jail_status_text(status, text, sizeof text);
				write_file(o->statusfile, text, O_CREAT | O_TRUNC);
			}
		if (p < 0 && errno == ECHILD && n == 0)
			return 0;	/* nobody left and nothing more to read */
		if (!killed && o->wall > 0 && since(&t0) > o->wall) {
			kill(-child, SIGKILL);
			kill(child, SIGKILL);
			killed = 1;
		}
	}
}

int main(int argc, char **argv)
{
	struct sb_opts o;
	char self[PATH_MAX];

	if (argc > 1 && !strcmp(argv[1], "-I"))
		return jail_inner(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "-E"))
		return escape_filter();
	if (parse_opts(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	if (o.jailed) {
		o.jail.limits = o.limits;
		if (!realpath("/proc/self/exe", self)) {
			perror("sandbox: /proc/self/exe");
			return 1;
		}
		o.jail.self = self;
	}
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		perror("sandbox: PR_SET_CHILD_SUBREAPER");
	return supervise(&o, argv + optind);
}
