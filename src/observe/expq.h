/*
 * expq.h — the tracker's expiry queue: a FIFO ring of (connection, its
 * generation, when it is due). Entries arrive in time order (each is "last
 * packet + 60 s"), so the front is always the next one due; an entry whose
 * connection moved on (another generation, another due time) is stale.
 */
#ifndef TCPLAB_EXPQ_H
#define TCPLAB_EXPQ_H

#include <stddef.h>
#include <stdint.h>

struct conn;

struct expent {
	struct conn *c;
	uint32_t gen;
	int64_t at;
};

/* Zero-initialised is empty. */
struct expq {
	struct expent *q;
	size_t cap, head, len;		/* cap: a power of two */
};

/* Appends an entry: 0, or -1 with errno set (ENOMEM). */
int expq_push(struct expq *x, struct conn *c, uint32_t gen, int64_t at);

/* The i-th entry from the front (i < cap; beyond len: stale contents). */
static inline struct expent *
expq_at(const struct expq *x, size_t i)
{
	return &x->q[(x->head + i) & (x->cap - 1)];
}

/* Drops the front entry (x not empty). */
static inline void
expq_pop(struct expq *x)
{
	x->head = (x->head + 1) & (x->cap - 1);
	x->len--;
}

void expq_free(struct expq *x);

#endif
