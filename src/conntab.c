/*
 * conntab.c — linear probing with backward-shift deletion (no tombstones),
 * so lookups stay short however many connections come and go. The table
 * holds only connections open at once: finished ones are deleted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"

_Static_assert(sizeof(struct ct_key) == 40, "key_hash reads 5 words");

struct slot {
	uint64_t hash;		/* 0: empty */
	const struct ct_key *key;	/* the caller's, kept valid while stored */
	void *val;
};

struct conntab {
	struct slot *slots;
	size_t cap, n;		/* cap is a power of two */
};

void
ct_key_from_seg(const struct seg *s, struct ct_key *k, int *src_is_0)
{
	size_t alen = s->family == 6 ? 16 : 4;
	int c = memcmp(s->src, s->dst, alen);

	if (c == 0)
		c = (int)s->sport - (int)s->dport;
	memset(k, 0, sizeof *k);
	k->family = s->family;
	*src_is_0 = c <= 0;
	if (*src_is_0) {
		memcpy(k->addr[0], s->src, alen);
		memcpy(k->addr[1], s->dst, alen);
		k->port[0] = s->sport;
		k->port[1] = s->dport;
	} else {
		memcpy(k->addr[0], s->dst, alen);
		memcpy(k->addr[1], s->src, alen);
		k->port[0] = s->dport;
		k->port[1] = s->sport;
	}
}

static uint64_t
key_hash(const struct ct_key *k)
{
	uint64_t w[5], h = 0x9e3779b97f4a7c15ULL;
	int i;

	memcpy(w, k, sizeof w);
	for (i = 0; i < 5; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h ? h : 1;
}

struct conntab *
conntab_new(void)
{
	struct conntab *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->cap = 1024;
	t->slots = calloc(t->cap, sizeof *t->slots);
	if (t->slots == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
conntab_free(struct conntab *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t);
}

static size_t
find(const struct conntab *t, const struct ct_key *k, uint64_t h)
{
	size_t m = t->cap - 1, i = h & m;

	while (t->slots[i].hash != 0) {
		if (t->slots[i].hash == h &&
		    memcmp(t->slots[i].key, k, sizeof *k) == 0)
			return i;
		i = (i + 1) & m;
	}
	return i;
}

void *
conntab_get(const struct conntab *t, const struct ct_key *k)
{
	size_t i = find(t, k, key_hash(k));

	return t->slots[i].hash ? t->slots[i].val : NULL;
}

static int
grow(struct conntab *t)
{
	struct slot *old = t->slots, *nw;
	size_t oldcap = t->cap, i;

	nw = calloc(oldcap * 2, sizeof *nw);
	if (nw == NULL)
		return -1;
	t->slots = nw;
	t->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++) {
		if (old[i].hash != 0) {
			size_t j = find(t, old[i].key, old[i].hash);

			t->slots[j] = old[i];
		}
	}
	free(old);
	return 0;
}

int
conntab_put(struct conntab *t, const struct ct_key *k, void *val)
{
	uint64_t h = key_hash(k);
	size_t i;

	if ((t->n + 1) * 2 > t->cap && grow(t) == -1) {
		errno = ENOMEM;
		return -1;
	}
	i = find(t, k, h);
	if (t->slots[i].hash == 0) {
		t->slots[i].hash = h;
		t->n++;
	}
	t->slots[i].key = k;
	t->slots[i].val = val;
	return 0;
}

int
conntab_del(struct conntab *t, const struct ct_key *k)
{
	size_t m = t->cap - 1, i = find(t, k, key_hash(k)), j;

	if (t->slots[i].hash == 0)
		return 0;
	/* backward shift: pull later members of the cluster into the hole */
	for (j = (i + 1) & m; t->slots[j].hash != 0; j = (j + 1) & m) {
		size_t home = t->slots[j].hash & m;

		/* move j to i unless its home lies cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].hash = 0;
	t->slots[i].val = NULL;
	t->n--;
	return 1;
}

size_t
conntab_count(const struct conntab *t)
{
	return t->n;
}
