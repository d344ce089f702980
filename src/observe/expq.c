/*
 * expq.c — see expq.h: the ring doubles when full, keeping the order.
 */
#include <stdlib.h>

#include "expq.h"

int
expq_push(struct expq *x, struct conn *c, uint32_t gen, int64_t at)
{
	if (x->len == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 1024, i;
		struct expent *nq = malloc(ncap * sizeof *nq);

		if (nq == NULL)
			return -1;
		for (i = 0; i < x->len; i++)
			nq[i] = *expq_at(x, i);
		free(x->q);
		x->q = nq;
		x->cap = ncap;
		x->head = 0;
	}
	x->len++;
	*expq_at(x, x->len - 1) = (struct expent){ c, gen, at };
	return 0;
}

void
expq_free(struct expq *x)
{
	free(x->q);
	x->q = NULL;
	x->cap = x->head = x->len = 0;
}
