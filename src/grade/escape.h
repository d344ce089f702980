/*
 * escape.h — what a student printed, made safe to show: control characters
 * and bytes that are not UTF-8 become \xNN, so no escape sequence from a
 * student's program reaches a terminal, a summary or a Gradescope page.
 */
#ifndef TCPLAB_ESCAPE_H
#define TCPLAB_ESCAPE_H

#include <stddef.h>

/* A stream being escaped: the start of a UTF-8 sequence cut by a read. */
struct escape {
	unsigned char carry[4];
	size_t ncarry;
};

/* The largest output escape_feed() can make from n input bytes. */
#define ESCAPE_MAX(n) (4 * ((n) + 4))

size_t escape_feed(struct escape *e, const void *in, size_t n, char *out);
size_t escape_flush(struct escape *e, char *out);

#endif
