/*
 * tstamp.c — timestamps, and the one-line stderr events the servers print
 * ("2026-11-25T17:00:49.123456Z daytimed[42]: accept 127.0.0.1:5000 ...").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tstamp.h"

/* The current UTC time with microseconds, as ISO 8601. Returns buf. */
char *
tstamp_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char sec[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ldZ", sec, ts.tv_nsec / 1000);
	return buf;
}

/* Seconds on the monotonic clock: for timeouts that NTP cannot stretch. */
double
tstamp_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Print one timestamped event line on stderr with a single write(2), so
 * the lines of a parent and its forked children never interleave.
 * errno is preserved: callers often report an error right after.
 */
void
tstamp_event(const char *fmt, ...)
{
	char line[1024], ts[TSTAMP_LEN];
	va_list ap;
	int n, m, saved = errno;

	n = snprintf(line, sizeof line, "%s %s[%ld]: ", tstamp_now(ts, sizeof ts),
	    program_invocation_short_name, (long)getpid());
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
	errno = saved;
}
