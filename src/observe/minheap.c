/*
 * minheap.c — see minheap.h: an array, children of i at 2i+1 and 2i+2.
 */
#include <stdlib.h>

#include "minheap.h"

static void
swap(struct minheap_node *a, struct minheap_node *b)
{
	struct minheap_node t = *a;

	*a = *b;
	*b = t;
}

int
minheap_push(struct minheap *h, int64_t key, void *val)
{
	size_t i;

	if (h->n == h->cap) {
		size_t ncap = h->cap ? 2 * h->cap : 256;
		struct minheap_node *nv = realloc(h->v, ncap * sizeof *nv);

		if (nv == NULL)
			return -1;
		h->v = nv;
		h->cap = ncap;
	}
	i = h->n++;
	h->v[i] = (struct minheap_node){ key, val };
	for (; i > 0 && h->v[i].key < h->v[(i - 1) / 2].key; i = (i - 1) / 2)
		swap(&h->v[i], &h->v[(i - 1) / 2]);
	return 0;
}

int64_t
minheap_top(const struct minheap *h)
{
	return h->v[0].key;
}

void *
minheap_pop(struct minheap *h, int64_t *key)
{
	struct minheap_node top = h->v[0];
	size_t i = 0, l, m;

	h->v[0] = h->v[--h->n];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < h->n && h->v[l].key < h->v[m].key)
			m = l;
		if (l + 1 < h->n && h->v[l + 1].key < h->v[m].key)
			m = l + 1;
		if (m == i)
			break;
		swap(&h->v[i], &h->v[m]);
		i = m;
	}
	*key = top.key;
	return top.val;
}

void
minheap_free(struct minheap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
