/*
 * runcmd.c — run a command for cmdclient. The child gets its own process
 * group so a timeout (or the user typing "exit") can kill everything the
 * command started, not just the shell. Output beyond the cap is read and
 * thrown away, so a chatty command never blocks on a full pipe.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "runcmd.h"
#include "common/tstamp.h"

/* Child side, between fork and exec: async-signal-safe calls only. */
static void
child(const char *command, int out)
{
	int null;

	setpgid(0, 0);
	if ((null = open("/dev/null", O_RDONLY)) < 0 ||
	    dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

/*
 * Fork the shell in its own process group, its stdout and stderr on a
 * pipe. Returns the pipe's reading end (*pid set), or -1 with errno.
 */
static int
spawn(const char *command, pid_t *pid)
{
	sigset_t all, old;
	int p[2], saved;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	/* Keep signals away from the child until it has exec'd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	*pid = fork();
	if (*pid == 0) {
		close(p[0]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		child(command, p[1]);
	}
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (*pid < 0) {
		close(p[0]);
		errno = saved;
		return -1;
	}
	setpgid(*pid, *pid);	/* also here: no race with kill(-pid) */
	return p[0];
}

/*
 * Read the output until EOF and the shell's exit, killing the group at
 * the timeout; keeps RUNCMD_CAP bytes and drops the rest. Returns the
 * wait status; closes fd.
 */
static int
collect(int fd, pid_t pid, double timeout, struct runcmd_result *r)
{
	double end = tstamp_mono() + timeout;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t junk[4096];
	int st = 0, reaped = 0, eof = 0, ms;
	ssize_t n;

	while (!eof || !reaped) {
		if (!reaped && waitpid(pid, &st, WNOHANG) == pid) {
			reaped = 1;
			/* The shell is done: whatever it left behind in its
			 * group goes too, so the pipe reaches EOF. */
			kill(-pid, SIGKILL);
		}
		ms = (int)((end - tstamp_mono()) * 1000);
		if (ms <= 0 && !r->timed_out) {
			r->timed_out = 1;
			kill(-pid, SIGKILL);
			end = tstamp_mono() + 2;	/* grace to drain */
			continue;
		}
		if (ms <= 0)
			break;	/* a writer escaped the group: stop */
		if (eof) {
			poll(NULL, 0, ms < 10 ? ms : 10);
			continue;
		}
		if (poll(&pfd, 1, ms < 50 ? ms : 50) <= 0)
			continue;
		if (r->len < RUNCMD_CAP)
			n = read(fd, r->out + r->len, RUNCMD_CAP - r->len);
		else
			n = read(fd, junk, sizeof junk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = 1;
			continue;
		}
		if (r->len < RUNCMD_CAP)
			r->len += (size_t)n;
		else
			r->truncated = 1;
	}
	close(fd);
	if (!reaped) {
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return st;
}

/*
 * Run command, filling *r. started(pgid, arg), if given, is called once
 * the process group exists, so another thread can kill it. Returns 0, or
 * -1 with errno when the command could not be started at all.
 */
int
runcmd(const char *command, double timeout, struct runcmd_result *r,
    void (*started)(pid_t, void *), void *arg)
{
	pid_t pid;
	int fd, st;

	memset(r, 0, offsetof(struct runcmd_result, out));
	if ((fd = spawn(command, &pid)) < 0)
		return -1;
	if (started != NULL)
		started(pid, arg);
	st = collect(fd, pid, timeout, r);
	if (WIFSIGNALED(st))
		r->status = -WTERMSIG(st);
	else
		r->status = WEXITSTATUS(st);
	return 0;
}
