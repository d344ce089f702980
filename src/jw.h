/*
 * jw.h — a JSON text builder in which every value is written by Jansson.
 *
 * Streaming a 100 000-connection report as json_t trees spends nearly all
 * its time in malloc and in Jansson dumping the same keys and state names
 * again and again. jw keeps Jansson as the only thing that turns values
 * into JSON text, but dumps each constant (keys, state names) once, and
 * remembers the last few numbers and strings it dumped, into a growing
 * buffer written with one fwrite per connection.
 */
#ifndef TCPLAB_JW_H
#define TCPLAB_JW_H

#include <stddef.h>
#include <stdint.h>

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
	char *dump;
	size_t n;
};

struct jw {
	char *buf;
	size_t len, cap;
	int failed;
	size_t flags;
	json_t *real, *integer;
	struct jw_memo reals[JW_MEMO], ints[JW_MEMO], strs[JW_MEMO];
	struct jw_const consts[JW_CONSTS];
};

/* Starts a builder; flags are json_dumpb's (JSON_ENCODE_ANY is added). */
void jw_init(struct jw *w, size_t flags);

void jw_free(struct jw *w);

/* Punctuation only ({ } [ ] , :): the one thing written by hand. */
void jw_punct(struct jw *w, const char *s);

/* A string that lives as long as the program (a literal or static table). */
void jw_const(struct jw *w, const char *s);

/* "key": for a constant key. */
void jw_key(struct jw *w, const char *k);

/* Any string. */
void jw_str(struct jw *w, const char *s);

void jw_int(struct jw *w, int64_t v);

/* Microseconds as a JSON real number of seconds. */
void jw_secs(struct jw *w, int64_t us);

void jw_bool(struct jw *w, int b);

void jw_null(struct jw *w);

/* Any Jansson value (borrowed). */
void jw_value(struct jw *w, json_t *v);

/* Hands the text to out; empties the buffer. -1 if anything failed. */
int jw_flush(struct jw *w, FILE *out);

#endif
