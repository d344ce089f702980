/*
 * thin.h — big reports made small enough for a browser, without loading
 * them whole: the connections array is walked in the JSON text, each
 * connection checked with Jansson on its own, and the page keeps
 * - the per-packet lists of the first connections while they add up to
 *   PAGE_PACKETS_MAX bytes (the others keep their states only), and
 * - the connections themselves while the page's JSON stays under
 *   PAGE_JSON_MAX (a V8 string cannot exceed ~512 MiB; the page says how
 *   many were left out).
 * Everything kept is copied byte for byte. Private to page.c.
 */
#ifndef TCPLAB_PAGE_THIN_H
#define TCPLAB_PAGE_THIN_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define PAGE_PACKETS_MAX (16u << 20)
#define PAGE_JSON_MAX (160u << 20)

struct thin_conn {
	size_t start, end;		/* the connection's bytes */
	size_t pk_start, pk_end;	/* its "packets" member with one comma */
	int keep, keep_packets;
};

struct thin {
	size_t arr_open, arr_close;	/* '[' and ']' of "connections" */
	struct thin_conn *conn;
	size_t nconn, kept, kept_packets;
	json_t *head;			/* the report without its connections */
};

/* Plans the thinning of the report s[0..n) (t->head: the rest, parsed,
 * until thin_free). Returns 0, or -1 with errno
 * EINVAL (not JSON, or no "connections" array: then the report is loaded
 * whole instead) or ENOMEM. */
int thin_plan(const char *s, size_t n, struct thin *t);

/* Writes the thinned JSON through emit, with "_page" (what was left out)
 * added first in the top-level object. */
void thin_emit(FILE *out, const char *s, size_t n, const struct thin *t,
    void (*emit)(FILE *, const char *, size_t));

/* Frees what thin_plan allocated (safe on a zeroed or freed plan). */
void thin_free(struct thin *t);

#endif
