/*
 * args.h — the numbers the lab's programs take on their command lines
 * (seconds, counts), parsed strictly: "3x", "", "nan", "1e999" and
 * out-of-range values are refused, so main() can say one clear line.
 */
#ifndef TCPLAB_ARGS_H
#define TCPLAB_ARGS_H

int	args_seconds(const char *s, double min, int min_ok, double max,
	    double *out);
int	args_count(const char *s, long min, long max, long *out);

#endif
