/*
 * cmdlog.h — cmdserver's log: one JSON object per line (JSON Lines), each
 * record written with ONE write(2) on an O_APPEND descriptor under a
 * POSIX record lock, so the records of concurrent children never tear or
 * interleave. Fields are documented in README ("The log").
 */
#ifndef TCPLAB_CMDLOG_H
#define TCPLAB_CMDLOG_H

#include <stddef.h>
#include <stdint.h>

int	cmdlog_open(const char *path);
int	cmdlog_connect(int fd, const char *client, const char *server);
int	cmdlog_result(int fd, const char *client, uint32_t seq,
	    const char *command, int32_t status, int truncated, int timed_out,
	    const uint8_t *out, size_t len);
int	cmdlog_disconnect(int fd, const char *client, const char *closed_by,
	    unsigned results, unsigned commands, const char *reason);
int	cmdlog_error(int fd, const char *client, const char *error);

#endif
