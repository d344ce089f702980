/*
 * jw.h — a streaming JSON text builder for the per-connection records.
 *
 * Streaming a 100 000-connection report as json_t trees spent nearly all
 * its time in malloc and in Jansson dumping the same keys, state names and
 * numbers again and again (4.5 s against a 0.5 s target). jw writes the
 * structure (braces, commas) and numbers itself, and every string through
 * Jansson's json_dumpb: each constant (keys, state names) once per run, the
 * others via a memo of recent dumps. The text goes into a growing buffer
 * written with one fwrite per connection.
 */
#ifndef TCPLAB_JW_H
#define TCPLAB_JW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#define JW_MEMO 64
#define JW_CONSTS 256

struct jw_memo {
	int64_t key;		/* number, or string hash */
	uint8_t n, used;
	char s[46];
};

struct jw_const {
	const char *p;		/* the literal's address */
	char *dump;		/* at least JW_PAD bytes: copied in one go */
	size_t n;
};

#define JW_PAD 32

struct jw {
	char *buf;
	size_t len, cap;
	int failed;
	size_t flags;
	char lits[3][8];	/* false, true, null as json_dumpb wrote them */
	size_t litn[3];
	struct jw_memo strs[JW_MEMO];
	struct jw_const consts[JW_CONSTS];
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

/* A string that lives as long as the program (a literal or static table). */
void jw_const(struct jw *w, const char *s);

/*
 * jw_const's text for s (Jansson's dump, readable for JW_PAD bytes at
 * least), its length in *n; NULL if it cannot be had. For writers that fill
 * several values in one go (jw_room).
 */
const char *jw_const_text(struct jw *w, const char *s, size_t *n);

/* jw_room's slow path: grows the buffer; -1 on failure. */
int jw_grow(struct jw *w, size_t n);

/*
 * Room for n more bytes at the end of the text: where to write, or NULL
 * (failed). jw_advance(w, end) then keeps what was written. Hot writers use
 * this to fill a whole record piece with one length update.
 */
static inline char *
jw_room(struct jw *w, size_t n)
{
	if (w->len + n > w->cap && jw_grow(w, n) == -1)
		return NULL;
	return w->buf + w->len;
}

static inline void
jw_advance(struct jw *w, char *end)
{
	w->len = (size_t)(end - w->buf);
}

/* jw_secs's text written at p (at most 28 bytes); returns its end. */
char *jw_put_secs(char *p, int64_t us);

/* Any string. */
void jw_str(struct jw *w, const char *s);

/* An integer, printed here. */
void jw_int(struct jw *w, int64_t v);

/* Microseconds as seconds in fixed notation ("12.000345"), printed here. */
void jw_secs(struct jw *w, int64_t us);

void jw_bool(struct jw *w, int b);

void jw_null(struct jw *w);


/* Hands the text to out; empties the buffer. -1 if anything failed. */
int jw_flush(struct jw *w, FILE *out);

#endif
