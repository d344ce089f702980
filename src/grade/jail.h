/*
 * jail.h — the student's program inside bubblewrap (bwrap): its own mount,
 * PID, IPC and UTS namespaces, a private filesystem view, its own uid.
 * The network namespace is the grader's: our clients reach the server on
 * 127.0.0.1 and inspect its sockets from outside.
 */
#ifndef TCPLAB_JAIL_H
#define TCPLAB_JAIL_H

#include <sys/types.h>

#define JAIL_MAX_BINDS 8
#define JAIL_SELF "/run/tcplab/sandbox"	/* where the sandbox sees itself */
#define JAIL_WORK "/home/student"	/* the writable work dir, $HOME */

struct jail {
	const char *self;		/* this program, bound at JAIL_SELF */
	const char *dir;		/* working directory, or NULL */
	const char *ro[JAIL_MAX_BINDS];	/* bound read-only at the same path */
	const char *rw[JAIL_MAX_BINDS];	/* bound writable (the build) */
	int nro, nrw;
	unsigned long tmpfs_mb;		/* size of /work, /tmp and /dev/shm */
	uid_t uid;
	gid_t gid;
	int status_fd, proc_fd;		/* the inner's report pipe, host /proc */
	const char *limits;		/* the program's rlimits (limits_apply), or NULL */
};

int jail_argv(const struct jail *j, char **cmd, char **argv, size_t max,
    char *store, size_t storelen);
int jail_inner(int argc, char **argv);
int limits_apply(const char *spec);
void jail_status_text(int st, char *buf, size_t len);

#endif
