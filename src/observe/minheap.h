/*
 * minheap.h — a binary min-heap of (key, pointer) pairs: what comes due
 * first is on top. --follow's TIME_WAIT ends, by the second they expire.
 */
#ifndef TCPLAB_MINHEAP_H
#define TCPLAB_MINHEAP_H

#include <stddef.h>
#include <stdint.h>

struct minheap_node {
	int64_t key;
	void *val;
};

/* Zero-initialised is empty. */
struct minheap {
	struct minheap_node *v;
	size_t n, cap;
};

/* Adds val under key: 0, or -1 with errno set (ENOMEM). */
int minheap_push(struct minheap *h, int64_t key, void *val);

/* The smallest key (h not empty). */
int64_t minheap_top(const struct minheap *h);

/* Removes and returns the value of the smallest key, the key in *key. */
void *minheap_pop(struct minheap *h, int64_t *key);

void minheap_free(struct minheap *h);

#endif
