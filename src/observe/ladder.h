/*
 * ladder.h — the --text view: per connection a ladder diagram (time, client
 * state, arrow, server state), UNP Figure 2.5 drawn from real packets.
 */
#ifndef TCPLAB_LADDER_H
#define TCPLAB_LADDER_H

#include <stdint.h>
#include <stdio.h>

#include "track.h"

struct ladder;

/* A ladder writer to out; summary: timelines only, no packet rows. */
struct ladder *ladder_new(FILE *out, int summary);

/* Where t0 and the counters come from. */
void ladder_set_stats(struct ladder *l, const struct track_stats *st);

/* track_emit_fn: draws one finished connection (ctx is the ladder). */
void ladder_conn(void *ctx, const struct conn *c);

/* The capture summary line(s). Returns 0, or -1 if output failed. */
int ladder_end(struct ladder *l, uint64_t dropped, const char *truncated);

void ladder_free(struct ladder *l);

#endif
