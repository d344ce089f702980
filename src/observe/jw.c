/*
 * jw.c — see jw.h. Every string comes out of json_dumpb: constants are
 * dumped once per run, other strings are looked up in a small
 * direct-mapped memo of recent dumps. Numbers are printed here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"

void
jw_init(struct jw *w, size_t flags)
{
	json_t *v[3] = { json_false(), json_true(), json_null() };
	int i;

	memset(w, 0, sizeof *w);
	w->flags = flags | JSON_ENCODE_ANY;
	for (i = 0; i < 3; i++) {
		w->litn[i] = json_dumpb(v[i], w->lits[i], sizeof w->lits[i],
		    w->flags);
		if (w->litn[i] == 0 || w->litn[i] > sizeof w->lits[i])
			w->failed = 1;
	}
}

void
jw_free(struct jw *w)
{
	int i;

	for (i = 0; i < JW_CONSTS; i++)
		free(w->consts[i].dump);
	free(w->buf);
	memset(w, 0, sizeof *w);
}

static int
grow(struct jw *w, size_t n)
{
	char *nb;
	size_t ncap;

	ncap = w->cap ? w->cap : 4096;
	while (ncap < w->len + n)
		ncap *= 2;
	if ((nb = realloc(w->buf, ncap)) == NULL) {
		w->failed = 1;
		return -1;
	}
	w->buf = nb;
	w->cap = ncap;
	return 0;
}

int
jw_grow(struct jw *w, size_t n)
{
	return grow(w, n);
}

static inline int
reserve(struct jw *w, size_t n)
{
	return w->len + n <= w->cap ? 0 : grow(w, n);
}

static inline void
append(struct jw *w, const char *s, size_t n)
{
	if (reserve(w, n) == 0) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

void
jw_raw_grow(struct jw *w, const char *s, size_t n)
{
	append(w, s, n);
}

/* Any Jansson value (borrowed), json_dumpb straight into the buffer. */
static void
jw_value(struct jw *w, json_t *v)
{
	size_t n;

	if (v == NULL) {
		w->failed = 1;
		return;
	}
	if (reserve(w, 64) == -1)
		return;
	n = json_dumpb(v, w->buf + w->len, w->cap - w->len, w->flags);
	if (n > w->cap - w->len) {
		if (reserve(w, n) == -1)
			return;
		n = json_dumpb(v, w->buf + w->len, w->cap - w->len, w->flags);
	}
	if (n == 0)
		w->failed = 1;
	w->len += n;
}

/* Dumps v (owned) and keeps the text in memo slot m under key. */
static void
memo_dump(struct jw *w, struct jw_memo *m, int64_t key, json_t *v, int own)
{
	size_t start = w->len;

	jw_value(w, v);
	if (own)
		json_decref(v);
	if (!w->failed && w->len - start < sizeof m->s) {
		m->key = key;
		m->n = (uint8_t)(w->len - start);
		m->used = 1;
		memcpy(m->s, w->buf + start, m->n);
	}
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* Decimal digits of v (< 10^20) ending at end; returns the first. */
static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static char *
digits(char *end, uint64_t v)
{
	while (v >= 100) {
		end -= 2;
		memcpy(end, pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, pairs + v * 2, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/*
 * Numbers are the one kind of value written here rather than by Jansson
 * (integrator's decision, 2026-11-25): Jansson's snprintf("%.17g") cost
 * more than everything else together, and printed 3.3e-05 for 33 µs.
 * An integer is its digits; a time is exact fixed point, "S.UUUUUU".
 */
/* How many decimal digits v has. */
static inline int
ndigits(uint64_t v)
{
	int n = 1;

	while (v >= 100) {
		v /= 100;
		n += 2;
	}
	return v >= 10 ? n + 1 : n;
}

/* Numbers are written straight into the buffer: no copy, no memcpy call. */
void
jw_int(struct jw *w, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char *p;

	if (reserve(w, 24) == -1)
		return;
	p = w->buf + w->len;
	if (v < 0)
		*p++ = '-';
	p += ndigits(u);
	digits(p, u);
	w->len = (size_t)(p - w->buf);
}

char *
jw_put_secs(char *p, int64_t us)
{
	uint64_t u = us < 0 ? -(uint64_t)us : (uint64_t)us;
	uint32_t frac = (uint32_t)(u % 1000000);

	if (us < 0)
		*p++ = '-';
	p += ndigits(u / 1000000);
	digits(p, u / 1000000);
	*p = '.';
	memcpy(p + 1, pairs + (frac / 10000) * 2, 2);
	memcpy(p + 3, pairs + (frac / 100 % 100) * 2, 2);
	memcpy(p + 5, pairs + (frac % 100) * 2, 2);
	return p + 7;
}

void
jw_secs(struct jw *w, int64_t us)
{
	if (reserve(w, 32) == -1)
		return;
	w->len = (size_t)(jw_put_secs(w->buf + w->len, us) - w->buf);
}

void
jw_str(struct jw *w, const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	struct jw_memo *m;
	const char *p;

	for (p = s; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	m = &w->strs[h % JW_MEMO];
	/* a hit must also be the same text: compare inside the quotes */
	if (m->used && m->key == (int64_t)h && m->n == strlen(s) + 2 &&
	    memcmp(m->s + 1, s, m->n - 2) == 0) {
		if (reserve(w, sizeof m->s) == 0) {	/* one fixed-size copy */
			memcpy(w->buf + w->len, m->s, sizeof m->s);
			w->len += m->n;
		}
		return;
	}
	memo_dump(w, m, (int64_t)h, json_string(s), 1);
}

/* s's entry in the constants table, dumped on first use; NULL if full. */
static struct jw_const *
const_slot(struct jw *w, const char *s)
{
	size_t i = (mix((uintptr_t)s) % JW_CONSTS), k;

	for (k = 0; k < JW_CONSTS; k++, i = (i + 1) % JW_CONSTS) {
		struct jw_const *c = &w->consts[i];

		if (c->p == s)
			return c;
		if (c->p == NULL) {
			json_t *v = json_string(s);
			char *d = v ? json_dumps(v, w->flags) : NULL;

			json_decref(v);
			if (d == NULL || (c->dump = calloc(1,
			    strlen(d) + JW_PAD)) == NULL) {
				free(d);
				w->failed = 1;
				return NULL;
			}
			c->n = strlen(d);
			memcpy(c->dump, d, c->n);
			free(d);
			c->p = s;
			return c;
		}
	}
	return NULL;
}

void
jw_const(struct jw *w, const char *s)
{
	struct jw_const *c = const_slot(w, s);

	if (c == NULL) {
		if (!w->failed)
			jw_str(w, s);	/* table full: still correct, slower */
		return;
	}
	if (c->n <= JW_PAD && reserve(w, JW_PAD) == 0) {
		memcpy(w->buf + w->len, c->dump, JW_PAD);
		w->len += c->n;
	} else {
		append(w, c->dump, c->n);
	}
}

const char *
jw_const_text(struct jw *w, const char *s, size_t *n)
{
	struct jw_const *c = const_slot(w, s);

	if (c == NULL)
		return NULL;
	*n = c->n;
	return c->dump;
}

/* true, false and null: Jansson's text, dumped once by jw_init. */
void
jw_bool(struct jw *w, int b)
{
	append(w, w->lits[b != 0], w->litn[b != 0]);
}

void
jw_null(struct jw *w)
{
	append(w, w->lits[2], w->litn[2]);
}

int
jw_flush(struct jw *w, FILE *out)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, out) != w->len)
		w->failed = 1;
	w->len = 0;
	return w->failed ? -1 : 0;
}
