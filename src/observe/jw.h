/*
 * jw.h — the one JSON writer of tcpobserve's report: header, connections,
 * trailer.
 *
 * Streaming a 100 000-connection report as json_t trees spent nearly all
 * its time in malloc and in Jansson dumping the same keys again and again
 * (4.5 s against a 0.5 s target). jw writes the structure (braces, commas),
 * our own keys and the numbers itself, into a growing buffer that is
 * written with one fwrite per 64 KiB. Strings: one that is plain printable
 * ASCII without '"' or '\' (every state name, address, flag string) is the
 * same text in JSON, and is copied between quotes; any other string is
 * escaped by Jansson. No cache: the text written depends on the bytes
 * given, nothing else.
 *
 * Strings that are not UTF-8 (a file name, an interface name, a filter are
 * bytes, whatever the user typed): each byte that is not part of a valid
 * UTF-8 sequence is read as Latin-1, i.e. byte 0xE9 becomes U+00E9 ("é"),
 * so the report stays valid JSON and keeps every byte's value. (A name
 * that is valid UTF-8 is kept as it is.)
 */
#ifndef TCPLAB_JW_H
#define TCPLAB_JW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct jw {
	char *buf;
	size_t len, cap;
	int failed;
	size_t flags;		/* json_dumpb's, for the escaped strings */
};

/* Starts a builder; flags are json_dumpb's (JSON_ENCODE_ANY is added). */
void jw_init(struct jw *w, size_t flags);

void jw_free(struct jw *w);

/* jw_raw's slow path: grows the buffer. */
void jw_raw_grow(struct jw *w, const char *s, size_t n);

/*
 * Raw JSON text: punctuation ({ } [ ] , :) and our own keys only. Inline,
 * so that a literal's memcpy is a couple of moves.
 */
static inline void
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->len + n <= w->cap) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	} else {
		jw_raw_grow(w, s, n);
	}
}

/* Punctuation given as a literal. */
#define jw_lit(w, s)	jw_raw((w), (s), sizeof(s) - 1)

/*
 * "key": for one of our own keys, a literal identifier (letters, digits and
 * '_' only: nothing to escape), so it is written as is.
 */
#define JW_KEY(w, k)	jw_lit((w), "\"" k "\":")
/* The next member of an object: `,"k":` in one write. */
#define JW_NEXT(w, k)	jw_lit((w), ",\"" k "\":")

/* Any string (any bytes: see the top comment for the non-UTF-8 rule). */
void jw_str(struct jw *w, const char *s);

/* A string, or null when s is NULL. */
void jw_str_or_null(struct jw *w, const char *s);

/* An integer, printed here. */
void jw_int(struct jw *w, int64_t v);

/* Microseconds as seconds in fixed notation ("12.000345"), printed here. */
void jw_secs(struct jw *w, int64_t us);

void jw_bool(struct jw *w, int b);

void jw_null(struct jw *w);

/*
 * s made valid UTF-8 by the rule above: a new string (free it), or NULL
 * with errno set. For tests and for writers other than JSON.
 */
char *jw_utf8(const char *s, size_t n, size_t *outn);

/* Hands the text to out; empties the buffer. -1 if anything failed. */
int jw_flush(struct jw *w, FILE *out);

#endif
