/*
 * args.c — strict parsing of command-line numbers for daytimed, cmdserver
 * and cmdclient. Each returns 0, or -1 when the text is not wholly a
 * number in range; the caller's err(3) line names the flag and the range.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "args.h"

/*
 * Seconds as a decimal number (0.5, 10) in [min, max], or (min, max] when
 * min_ok is 0 ("over 0"). Returns 0 with *out set, or -1.
 */
int
args_seconds(const char *s, double min, int min_ok, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) ||
	    v < min || (!min_ok && v == min) || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A decimal integer in [min, max]. Returns 0 with *out set, or -1. */
int
args_count(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
