/*
 * runcmd.h — run one shell command the way cmdclient must: /bin/sh -c,
 * stdin from /dev/null, stdout and stderr captured together, a timeout
 * that kills the command's whole process group, output capped.
 */
#ifndef TCPLAB_RUNCMD_H
#define TCPLAB_RUNCMD_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define RUNCMD_CAP 65536

struct runcmd_result {
	int32_t status;		/* exit code, or -N if killed by signal N */
	int timed_out;
	int truncated;		/* more than RUNCMD_CAP bytes were written */
	size_t len;
	uint8_t out[RUNCMD_CAP];
};

int	runcmd(const char *command, double timeout, struct runcmd_result *r,
	    void (*started)(pid_t pgid, void *arg), void *arg);

#endif
