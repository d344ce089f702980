/*
 * twtab.h — the compact memory of connections already written while one
 * side was still in TIME_WAIT: for each, its 4-tuple and the capture second
 * its TIME_WAIT ends (16 bytes for IPv4, 40 for IPv6), so that a late
 * packet of it (a retransmitted FIN, its ACK, a RST) is recognised as such
 * and a new SYN on the tuple as a new connection. Nothing else is kept:
 * the connection itself is in the report already.
 */
#ifndef TCPLAB_TWTAB_H
#define TCPLAB_TWTAB_H

#include <stddef.h>
#include <stdint.h>

#include "conntab.h"

struct twtab;

/* An empty table, or NULL with errno set. */
struct twtab *twtab_new(void);

void twtab_free(struct twtab *t);

/*
 * Remembers k until capture second `until` (replacing what k had); now:
 * the capture second, entries that ended by then may be dropped to make
 * room. Returns 0, or -1 with errno set (ENOMEM).
 */
int twtab_put(struct twtab *t, const struct ct_key *k, uint32_t until,
    uint32_t now);

/* Whether k is remembered beyond capture second now. */
int twtab_has(const struct twtab *t, const struct ct_key *k, uint32_t now);

/* Forgets k (a new connection took the tuple, or a RST ended it). */
void twtab_del(struct twtab *t, const struct ct_key *k);

/*
 * Asks the CPU to fetch k's slot now, as twtab_put will want it soon: the
 * table is far bigger than the cache, and a put is otherwise a wait.
 */
void twtab_prefetch(const struct twtab *t, const struct ct_key *k);

/* The table's clock: capture time t (µs) in seconds, rounded down or up. */
uint32_t twtab_sec(int64_t t, int up);

/* Bytes the table holds (for the memory model's tests). */
size_t twtab_bytes(const struct twtab *t);

#endif
