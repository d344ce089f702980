/*
 * follow.h — `tcpobserve --follow`: each event as it happens, one JSON
 * object per line (or, with --text, aligned columns like BCC's tcpstates),
 * flushed: a state change of either endpoint, a connection's end (its
 * summary record, as in the report), a TIME_WAIT's end or restart after
 * its connection was written (in capture time).
 */
#ifndef TCPLAB_FOLLOW_H
#define TCPLAB_FOLLOW_H

#include <stdio.h>

#include "track.h"

struct follow;

/* A follower writing to out (text: columns). NULL with errno set. */
struct follow *follow_new(FILE *out, int text);

/* The events to give track_set_events() with the follower as ctx. */
extern const struct track_events follow_events;

/* Where t0 and the capture's time come from. */
void follow_set_stats(struct follow *f, const struct track_stats *st);

/* track_emit_fn: a connection's end (ctx is the follower). */
void follow_conn(void *ctx, const struct conn *c);

/*
 * End of capture: the TIME_WAITs still remembered are left as they are
 * (the capture ended first). Returns 0, or -1 if output failed (errno).
 */
int follow_end(struct follow *f);

void follow_free(struct follow *f);

#endif
