/*
 * record.h — one connection's JSON record, and the small text forms of its
 * parts that the ladder and the event stream share.
 */
#ifndef TCPLAB_RECORD_H
#define TCPLAB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "jw.h"
#include "track.h"

/*
 * Appends connection c as a JSON object to w: times in seconds from t0
 * (µs); summary: without the per-packet list.
 */
void record_write(struct jw *w, const struct conn *c, int64_t t0,
    int summary);

/* {"addr":"127.0.0.1","port":80}: an endpoint as the records show it. */
void record_endpoint(struct jw *w, const struct track_endpoint *ep);

/* "from":…,"flags":…,"seq":…,"ack":…,"len":… of a segment (no braces). */
void record_segment(struct jw *w, const struct pkt *p);

/* "127.0.0.1:80" or "[::1]:80" for an endpoint. */
void record_endpoint_str(const struct track_endpoint *ep, char *buf,
    size_t len);

/* Scapy-style flag letters of a segment ("S", "SA", "FA", "PA", "R"). */
void record_flags(uint8_t flags, char buf[10]);

#endif
