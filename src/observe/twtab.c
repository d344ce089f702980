/*
 * twtab.c — two flat open-addressing tables (IPv4 and IPv6 tuples), the
 * records stored in the slots themselves: no pointer, no malloc per entry.
 * A slot is the packed 4-tuple followed by its `until` second; until 0 is
 * an empty slot, and a forgotten or ended entry stays in place (as if
 * ended) until the next rebuild, so probe chains never break. A rebuild,
 * when 3/4 of the slots are in use, keeps only the entries still in
 * TIME_WAIT and sizes the table to twice their number. A bitmap of 2 bits
 * a slot (1/64 of the table, small enough to stay in the CPU's cache) says
 * which hashes may be in the table: a SYN of a new tuple, the usual case,
 * is answered without touching the table itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "twtab.h"

#define MINCAP 1024
#define DEAD 1		/* an `until` already past for every capture time */

struct twset {
	unsigned char *s;
	uint64_t *bits;		/* 2 * cap bits: hashes that may be stored */
	size_t cap, used;	/* used: non-empty slots (live, ended, dead) */
	size_t klen, size;	/* packed key length, slot size */
};

struct twtab {
	struct twset v4, v6;
};

struct twtab *
twtab_new(void)
{
	struct twtab *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->v4.klen = 12;
	t->v4.size = 16;
	t->v6.klen = 36;
	t->v6.size = 40;
	return t;
}

void
twtab_free(struct twtab *t)
{
	if (t == NULL)
		return;
	free(t->v4.s);
	free(t->v6.s);
	free(t->v4.bits);
	free(t->v6.bits);
	free(t);
}

/* The table for k's family and k packed into key (addresses, ports). */
static struct twset *
pack(const struct twtab *t, const struct ct_key *k, unsigned char key[36])
{
	size_t alen = k->family == 6 ? 16 : 4;

	memcpy(key, k->addr[0], alen);
	memcpy(key + alen, k->addr[1], alen);
	memcpy(key + 2 * alen, k->port, 4);
	return (struct twset *)(k->family == 6 ? &t->v6 : &t->v4);
}

static uint32_t
until_of(const struct twset *set, const unsigned char *slot)
{
	uint32_t u;

	memcpy(&u, slot + set->klen, 4);
	return u;
}

static void
set_until(const struct twset *set, unsigned char *slot, uint32_t u)
{
	memcpy(slot + set->klen, &u, 4);
}

/* Whether an entry with this `until` is still in TIME_WAIT at second now. */
static int
alive(uint32_t until, uint32_t now)
{
	return until > DEAD && until > now;
}

/* Whether the packed keys a and b (klen bytes, a multiple of 4) are equal. */
static inline int
same(const unsigned char *a, const unsigned char *b, size_t klen)
{
	uint64_t x, y;
	uint32_t u, v;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	memcpy(&u, a + klen - 4, 4);
	memcpy(&v, b + klen - 4, 4);
	return x == y && u == v && (klen == 12 || memcmp(a, b, klen) == 0);
}

/* The slot holding key, or the empty slot where it would go (NULL: none). */
static unsigned char *
find(const struct twset *set, const unsigned char *key, uint64_t h)
{
	size_t i, n;
	unsigned char *slot;

	if (set->cap == 0)
		return NULL;
	for (i = h & (set->cap - 1), n = 0; n < set->cap;
	    i = (i + 1) & (set->cap - 1), n++) {
		slot = set->s + i * set->size;
		if (until_of(set, slot) == 0 || same(slot, key, set->klen))
			return slot;
	}
	return NULL;
}

/* The hash of a packed key (its words, multiplied and mixed). */
static uint64_t
hash(const unsigned char *key, size_t klen)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, w;
	size_t i;

	for (i = 0; i < klen; i += 4) {
		uint32_t v;

		memcpy(&v, key + i, 4);
		w = v;
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* The bitmap's bit for hash h: which word, which bit. */
static size_t
bit_word(const struct twset *set, uint64_t h, uint64_t *mask)
{
	size_t b = (size_t)(h >> 40) & (2 * set->cap - 1);

	*mask = (uint64_t)1 << (b & 63);
	return b / 64;
}

/* Whether a key of hash h may be stored (0: certainly not). */
static int
maybe(const struct twset *set, uint64_t h)
{
	uint64_t m;

	return set->cap > 0 && (set->bits[bit_word(set, h, &m)] & m) != 0;
}

static void
mark(struct twset *set, uint64_t h)
{
	uint64_t m;

	set->bits[bit_word(set, h, &m)] |= m;
}

/* Keeps the entries still in TIME_WAIT at second now, in a fitting table. */
static int
rebuild(struct twset *set, uint32_t now)
{
	size_t live = 0, ncap = MINCAP, i;
	unsigned char *old = set->s, *slot, *to;
	uint64_t *obits = set->bits, h;
	size_t ocap = set->cap;

	for (i = 0; i < ocap; i++)
		live += alive(until_of(set, old + i * set->size), now);
	while (ncap < 2 * (live + 1))
		ncap *= 2;
	set->s = calloc(ncap, set->size);
	set->bits = calloc(ncap / 32, sizeof(uint64_t));
	if (set->s == NULL || set->bits == NULL) {
		free(set->s);
		free(set->bits);
		set->s = old;
		set->bits = obits;
		return -1;
	}
	set->cap = ncap;
	set->used = 0;
	for (i = 0; i < ocap; i++) {
		slot = old + i * set->size;
		if (!alive(until_of(set, slot), now))
			continue;
		h = hash(slot, set->klen);
		to = find(set, slot, h);
		memcpy(to, slot, set->size);
		mark(set, h);
		set->used++;
	}
	free(old);
	free(obits);
	return 0;
}

int
twtab_put(struct twtab *t, const struct ct_key *k, uint32_t until,
    uint32_t now)
{
	unsigned char key[36], *slot;
	struct twset *set = pack(t, k, key);
	uint64_t h = hash(key, set->klen);

	if (until <= DEAD)
		until = DEAD + 1;
	if (4 * (set->used + 1) > 3 * set->cap && rebuild(set, now) == -1)
		return -1;
	slot = find(set, key, h);
	if (until_of(set, slot) == 0) {
		memcpy(slot, key, set->klen);
		mark(set, h);
		set->used++;
	}
	set_until(set, slot, until);
	return 0;
}

int
twtab_has(const struct twtab *t, const struct ct_key *k, uint32_t now)
{
	unsigned char key[36], *slot;
	struct twset *set = pack(t, k, key);
	uint64_t h = hash(key, set->klen);

	if (!maybe(set, h))
		return 0;
	slot = find(set, key, h);
	return slot != NULL && alive(until_of(set, slot), now);
}

void
twtab_del(struct twtab *t, const struct ct_key *k)
{
	unsigned char key[36], *slot;
	struct twset *set = pack(t, k, key);
	uint64_t h = hash(key, set->klen);

	if (!maybe(set, h))
		return;
	slot = find(set, key, h);
	if (slot != NULL && until_of(set, slot) != 0)
		set_until(set, slot, DEAD);
}

void
twtab_prefetch(const struct twtab *t, const struct ct_key *k)
{
	unsigned char key[36];
	const struct twset *set = pack(t, k, key);

	if (set->cap > 0)
		__builtin_prefetch(set->s + (hash(key, set->klen) &
		    (set->cap - 1)) * set->size, 1);
}

uint32_t
twtab_sec(int64_t t, int up)
{
	if (t <= 0)
		return 0;
	t = (t + (up ? 999999 : 0)) / 1000000;
	return t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

size_t
twtab_bytes(const struct twtab *t)
{
	return t->v4.cap * t->v4.size + t->v6.cap * t->v6.size +
	    (t->v4.cap + t->v6.cap) / 4;	/* + the bitmaps */
}
