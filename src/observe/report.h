/*
 * report.h — the JSON report (schema 1), streamed: a header, then each
 * connection as it finishes, then the capture counters; all of it through
 * one writer (jw.h), to any FILE.
 */
#ifndef TCPLAB_REPORT_H
#define TCPLAB_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "jw.h"
#include "record.h"
#include "track.h"

#define REPORT_SCHEMA 1
#define REPORT_VERSION "1.0"

struct report;

/*
 * A report writing to out; summary: leave out the per-packet lists.
 * NULL with errno set on failure.
 */
struct report *report_new(FILE *out, int summary);

/*
 * What the header says: src describes the capture (copied; its strings
 * must live until report_end), st gives t0 (read when the first connection
 * is written).
 */
void report_set_source(struct report *r, const struct capture_info *src,
    const struct track_stats *st);

/* track_emit_fn: writes one finished connection (ctx is the report). */
void report_conn(void *ctx, const struct conn *c);

/*
 * Closes the connections array and writes "capture" (dropped: pcap_stats
 * drops; truncated: why the file ended early, or NULL). Returns 0, or -1
 * when the output failed (errno set).
 */
int report_end(struct report *r, uint64_t dropped, const char *truncated);

void report_free(struct report *r);

#endif
