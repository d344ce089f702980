/*
 * tstamp.h — wall-clock timestamps for event lines and log records:
 * 2026-11-25T17:00:49.123456Z (UTC, microseconds), sortable as text.
 */
#ifndef TCPLAB_TSTAMP_H
#define TCPLAB_TSTAMP_H

#include <stddef.h>

#define TSTAMP_LEN 32

char	*tstamp_now(char *buf, size_t len);
double	tstamp_mono(void);
void	tstamp_event(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
