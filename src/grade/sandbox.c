/*
 * sandbox — start one untrusted student program, confined, and reap
 * everything it leaves behind (scenarios/grade).
 *
 *   sandbox [-u UID] [-g GID] [-c CGROUP_DIR]... [-d DIR] [-n NICE]
 *           [-l nproc=N,cpu=S,nofile=N,as=MB,fsize=MB] [-w SECONDS]
 *           [-p PIDFILE] [-s STATUSFILE] -- COMMAND [ARG]...
 *
 * The sandbox becomes a child subreaper (PR_SET_CHILD_SUBREAPER) and forks.
 * The child joins the given cgroups (pids, freezer, cpu: the grader kills
 * and limits by cgroup), sets the resource limits, starts a session of its
 * own, lowers its priority, drops to UID/GID with no supplementary groups,
 * clears the environment and execs COMMAND in DIR.  Its pid goes to PIDFILE
 * as soon as it exists, so the grader knows the "server parent".
 *
 * The parent stays outside the cgroups and reaps: the student's own
 * children are reaped by the student (or stay zombies: that is what the
 * grader looks at), but when the student's process dies its orphans come
 * to us instead of to pid 1 (which, in a container, may never reap them).
 * When COMMAND ends, "exited N" or "killed by signal N (NAME)" goes to
 * STATUSFILE.  The sandbox exits once no descendant remains.  At -w
 * SECONDS it kills the child's process group (the grader's cgroup kill is
 * the thorough one).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SB_MAX_CGROUPS 8

struct sb_opts {
	uid_t uid;
	gid_t gid;
	int drop;			/* -u given */
	const char *cgroups[SB_MAX_CGROUPS];
	int ncgroups;
	const char *dir, *pidfile, *statusfile, *limits;
	int nice_incr;
	double wall;
};

static void usage(FILE *f)
{
	fputs("usage: sandbox [-u UID] [-g GID] [-c CGROUP_DIR]... [-d DIR] [-n NICE]\n"
	    "               [-l nproc=N,cpu=S,nofile=N,as=MB,fsize=MB] [-w SECONDS]\n"
	    "               [-p PIDFILE] [-s STATUSFILE] -- COMMAND [ARG]...\n", f);
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

/* Apply "nproc=64,cpu=20,..." as hard and soft limits; -1 on a bad item. */
static int set_limits(const char *spec)
{
	char buf[256], *item, *save = NULL;

	snprintf(buf, sizeof buf, "%s", spec);
	for (item = strtok_r(buf, ",", &save); item;
	    item = strtok_r(NULL, ",", &save)) {
		struct rlimit rl;
		char *eq = strchr(item, '=');
		unsigned long long v;
		int res;

		if (!eq)
			return -1;
		*eq = '\0';
		v = strtoull(eq + 1, NULL, 10);
		if (!strcmp(item, "nproc"))
			res = RLIMIT_NPROC;
		else if (!strcmp(item, "cpu"))
			res = RLIMIT_CPU;
		else if (!strcmp(item, "nofile"))
			res = RLIMIT_NOFILE;
		else if (!strcmp(item, "as"))
			res = RLIMIT_AS, v <<= 20;
		else if (!strcmp(item, "fsize"))
			res = RLIMIT_FSIZE, v <<= 20;
		else
			return -1;
		rl.rlim_cur = rl.rlim_max = v;
		if (setrlimit(res, &rl) < 0)
			return -1;
	}
	return 0;
}

/* In the child: confine, then exec; never returns. */
static void child_exec(const struct sb_opts *o, char **cmd)
{
	static char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin",
	    "LANG=C", NULL };
	struct rlimit core = { 0, 0 };
	char pid[32];
	int i;

	snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	for (i = 0; i < o->ncgroups; i++) {
		char path[512];

		snprintf(path, sizeof path, "%s/cgroup.procs", o->cgroups[i]);
		if (write_file(path, pid, 0) < 0) {
			fprintf(stderr, "sandbox: %s: %s\n", path, strerror(errno));
			_exit(126);
		}
	}
	setrlimit(RLIMIT_CORE, &core);
	if (o->limits && set_limits(o->limits) < 0) {
		fprintf(stderr, "sandbox: limits %s: %s\n", o->limits, strerror(errno));
		_exit(126);
	}
	setsid();
	if (o->nice_incr && nice(o->nice_incr) < 0 && errno)
		perror("sandbox: nice");
	if (o->dir && chdir(o->dir) < 0) {
		fprintf(stderr, "sandbox: %s: %s\n", o->dir, strerror(errno));
		_exit(126);
	}
	if (o->drop && (setgroups(0, NULL) < 0 || setgid(o->gid) < 0 ||
	    setuid(o->uid) < 0)) {
		fprintf(stderr, "sandbox: setuid %d: %s\n", (int)o->uid, strerror(errno));
		_exit(126);
	}
	/* the grader's own descriptors (fifos, pipes) are none of its business */
	for (i = 3; i < 1024; i++)
		close(i);
	execve(cmd[0], cmd, envp);
	fprintf(stderr, "sandbox: %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

static void status_text(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited %d\n", WEXITSTATUS(st));
	else
		snprintf(buf, len, "killed by signal %d (%s)\n", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
}

static int parse_opts(int argc, char **argv, struct sb_opts *o)
{
	int opt;

	memset(o, 0, sizeof *o);
	while ((opt = getopt(argc, argv, "c:d:g:hl:n:p:s:u:w:")) != -1) {
		switch (opt) {
		case 'c':
			if (o->ncgroups == SB_MAX_CGROUPS)
				return -1;
			o->cgroups[o->ncgroups++] = optarg;
			break;
		case 'd': o->dir = optarg; break;
		case 'g': o->gid = (gid_t)atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		case 'l': o->limits = optarg; break;
		case 'n': o->nice_incr = atoi(optarg); break;
		case 'p': o->pidfile = optarg; break;
		case 's': o->statusfile = optarg; break;
		case 'u': o->uid = (uid_t)atoi(optarg); o->drop = 1; break;
		case 'w': o->wall = atof(optarg); break;
		default: return -1;
		}
	}
	return optind < argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sb_opts o;
	struct timespec t0, t;
	pid_t child, p;
	int st, killed = 0;
	char buf[128];

	if (parse_opts(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		perror("sandbox: PR_SET_CHILD_SUBREAPER");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((child = fork()) < 0) {
		perror("sandbox: fork");
		return 1;
	}
	if (child == 0)
		child_exec(&o, argv + optind);
	if (o.pidfile) {
		snprintf(buf, sizeof buf, "%d\n", (int)child);
		if (write_file(o.pidfile, buf, O_CREAT | O_TRUNC) < 0)
			perror(o.pidfile);
	}
	for (;;) {
		p = o.wall > 0 ? waitpid(-1, &st, WNOHANG) : waitpid(-1, &st, 0);
		if (p < 0 && errno == ECHILD)
			return 0;
		if (p == child && o.statusfile) {
			status_text(st, buf, sizeof buf);
			write_file(o.statusfile, buf, O_CREAT | O_TRUNC);
		}
		if (p > 0 || o.wall <= 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (!killed && (t.tv_sec - t0.tv_sec) +
		    (t.tv_nsec - t0.tv_nsec) / 1e9 > o.wall) {
			kill(-child, SIGKILL);
			kill(child, SIGKILL);
			killed = 1;
		}
		usleep(20000);
	}
}
