/*
 * unit.h — a tiny TAP harness for the C unit tests of tcplab's pure modules.
 * Each check prints one "ok N - what" or "not ok N - what" line, so bats/run.sh
 * counts unit tests and bats tests the same way. Header-only on purpose: every
 * test driver includes it once.
 *
 *	UNIT_CHECK(cond, "what %d", x);
 *	UNIT_EQ_INT(got, want, "what");
 *	UNIT_EQ_STR(got, want, "what");
 *	return unit_done();
 */
#ifndef TCPLAB_UNIT_H
#define TCPLAB_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

#define UNIT_CHECK(cond, ...) do {					\
	int unit_ok_ = !!(cond);					\
	unit_n++;							\
	if (!unit_ok_)							\
		unit_failed++;						\
	printf("%sok %d - ", unit_ok_ ? "" : "not ", unit_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!unit_ok_)							\
		printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
} while (0)

#define UNIT_EQ_INT(got, want, ...) do {				\
	long long unit_g_ = (long long)(got), unit_w_ = (long long)(want); \
	UNIT_CHECK(unit_g_ == unit_w_, __VA_ARGS__);			\
	if (unit_g_ != unit_w_)						\
		printf("#   got %lld, want %lld\n", unit_g_, unit_w_);	\
} while (0)

#define UNIT_EQ_STR(got, want, ...) do {				\
	const char *unit_g_ = (got), *unit_w_ = (want);			\
	int unit_same_ = unit_g_ && unit_w_ && strcmp(unit_g_, unit_w_) == 0; \
	UNIT_CHECK(unit_same_, __VA_ARGS__);				\
	if (!unit_same_)						\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    unit_g_ ? unit_g_ : "(null)", unit_w_ ? unit_w_ : "(null)"); \
} while (0)

static inline int
unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed ? 1 : 0;
}

#endif
