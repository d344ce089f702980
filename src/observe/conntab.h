/*
 * conntab.h — the connection table: one canonical 4-tuple key for both
 * directions of a connection, an open-addressing hash table over it.
 */
#ifndef TCPLAB_CONNTAB_H
#define TCPLAB_CONNTAB_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/*
 * Endpoint 0 is the smaller (address, port): the same key both ways.
 * Addresses in network byte order, ports in host byte order.
 */
struct ct_key {
	uint8_t family, pad[3];
	uint16_t port[2];
	uint8_t addr[2][16];
};

/*
 * Fills the canonical key of s's connection; *src_is_0 tells whether the
 * segment's source is endpoint 0 of the key.
 */
void ct_key_from_seg(const struct seg *s, struct ct_key *k, int *src_is_0);

struct conntab;

/* An empty table, or NULL with errno set. */
struct conntab *conntab_new(void);

void conntab_free(struct conntab *t);

/* The value stored under k, or NULL. */
void *conntab_get(const struct conntab *t, const struct ct_key *k);

/*
 * Stores val (non-NULL) under k, replacing any old value. The table keeps
 * the pointer k, not a copy: *k must stay unchanged until the key is
 * deleted (the tracker passes the key inside the connection). Grows the
 * table when it is 1/2 full. Returns 0, or -1 with errno set (ENOMEM).
 */
int conntab_put(struct conntab *t, const struct ct_key *k, void *val);

/* Removes k; returns 1 if it was there. */
int conntab_del(struct conntab *t, const struct ct_key *k);

/* How many keys are stored. */
size_t conntab_count(const struct conntab *t);

#endif
