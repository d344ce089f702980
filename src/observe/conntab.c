/*
 * conntab.c — linear probing with backward-shift deletion (no tombstones),
 * so lookups stay short however many connections come and go. The table
 * holds only connections open at once: finished ones are deleted.
 */
#include <endian.h>
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

/* n (4 or 8) bytes at a as a word: the bytes in memory order, zero-padded. */
static inline uint64_t
word(const uint8_t *a, size_t n)
{
	uint32_t v4;
	uint64_t v8;

	if (n == 8) {
		memcpy(&v8, a, 8);
		return v8;
	}
	memcpy(&v4, a, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return v4;
#else
	return (uint64_t)v4 << 32;
#endif
}

/* memcmp(a, b, 4 or 16)'s sign, from big-endian word compares. */
static inline int
addr_cmp(const uint8_t *a, const uint8_t *b, int family)
{
	uint64_t x, y;
	uint32_t u, v;

	if (family != 6) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		u = be32toh(u);
		v = be32toh(v);
		return (u > v) - (u < v);
	}
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x == y) {
		memcpy(&x, a + 8, 8);
		memcpy(&y, b + 8, 8);
	}
	x = be64toh(x);
	y = be64toh(y);
	return (x > y) - (x < y);
}

/*
 * The key is assembled in five 8-byte words and stored as such: key_hash()
 * reads it back as words, and byte-sized stores in front of word loads
 * stalled the CPU (store forwarding) on every packet.
 */
void
ct_key_from_seg(const struct seg *s, struct ct_key *k, int *src_is_0)
{
	const uint8_t *a0, *a1;
	uint16_t p0, p1;
	uint64_t w[5];
	int c;

	c = addr_cmp(s->src, s->dst, s->family);
	if (c == 0)
		c = (int)s->sport - (int)s->dport;
	*src_is_0 = c <= 0;
	p0 = *src_is_0 ? s->sport : s->dport;
	p1 = *src_is_0 ? s->dport : s->sport;
	a0 = *src_is_0 ? s->src : s->dst;
	a1 = *src_is_0 ? s->dst : s->src;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w[0] = s->family | (uint64_t)p0 << 32 | (uint64_t)p1 << 48;
#else
	{
		struct ct_key h = { .family = s->family, .port = { p0, p1 } };

		memcpy(&w[0], &h, sizeof w[0]);
	}
#endif
	if (s->family == 6) {
		w[1] = word(a0, 8);
		w[2] = word(a0 + 8, 8);
		w[3] = word(a1, 8);
		w[4] = word(a1 + 8, 8);
	} else {
		w[1] = word(a0, 4);
		w[2] = 0;
		w[3] = word(a1, 4);
		w[4] = 0;
	}
	/* word by word: one 16-byte copy of w stalled on its 8-byte stores */
	memcpy((char *)k, &w[0], 8);
	memcpy((char *)k + 8, &w[1], 8);
	memcpy((char *)k + 16, &w[2], 8);
	memcpy((char *)k + 24, &w[3], 8);
	memcpy((char *)k + 32, &w[4], 8);
}

/*
 * Word i of a key, read as 8 bytes: a 16-byte read of a key that was just
 * stored as 8-byte words would wait for the stores (store forwarding).
 */
static inline uint64_t
kw(const struct ct_key *k, int i)
{
	uint64_t v;

	memcpy(&v, (const char *)k + 8 * i, sizeof v);
	return v;
}

/* memcmp of two keys, as five word compares. */
static inline int
key_eq(const struct ct_key *a, const struct ct_key *b)
{
	return ((kw(a, 0) ^ kw(b, 0)) | (kw(a, 1) ^ kw(b, 1)) |
	    (kw(a, 2) ^ kw(b, 2)) | (kw(a, 3) ^ kw(b, 3)) |
	    (kw(a, 4) ^ kw(b, 4))) == 0;
}

/* Five independent multiplies, then one mix: no chain of five. */
static uint64_t
key_hash(const struct ct_key *k)
{
	uint64_t h;

	h = kw(k, 0) * 0x9e3779b97f4a7c15ULL ^ kw(k, 1) * 0xc2b2ae3d27d4eb4fULL ^
	    kw(k, 2) * 0x165667b19e3779f9ULL ^ kw(k, 3) * 0xd6e8feb86659fd93ULL ^
	    kw(k, 4) * 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
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
		if (t->slots[i].hash == h && key_eq(t->slots[i].key, k))
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
