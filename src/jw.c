/*
 * jw.c — see jw.h. Every byte of a value comes out of json_dumpb; what we
 * add is memory: constants are dumped once per run, numbers and strings
 * are looked up in a small direct-mapped memo of recent dumps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"

void
jw_init(struct jw *w, size_t flags)
{
	memset(w, 0, sizeof *w);
	w->flags = flags | JSON_ENCODE_ANY;
	w->real = json_real(0);
	w->integer = json_integer(0);
	if (w->real == NULL || w->integer == NULL)
		w->failed = 1;
}

void
jw_free(struct jw *w)
{
	int i;

	for (i = 0; i < JW_CONSTS; i++)
		free(w->consts[i].dump);
	json_decref(w->real);
	json_decref(w->integer);
	free(w->buf);
	memset(w, 0, sizeof *w);
}

static int
reserve(struct jw *w, size_t n)
{
	char *nb;
	size_t ncap;

	if (w->len + n <= w->cap)
		return 0;
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

static void
append(struct jw *w, const char *s, size_t n)
{
	if (reserve(w, n) == 0) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

void
jw_punct(struct jw *w, const char *s)
{
	append(w, s, strlen(s));
}

/* json_dumpb straight into the buffer. */
void
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

void
jw_int(struct jw *w, int64_t v)
{
	struct jw_memo *m = &w->ints[mix((uint64_t)v) % JW_MEMO];

	if (m->used && m->key == v) {
		append(w, m->s, m->n);
		return;
	}
	json_integer_set(w->integer, v);
	memo_dump(w, m, v, w->integer, 0);
}

void
jw_secs(struct jw *w, int64_t us)
{
	struct jw_memo *m = &w->reals[mix((uint64_t)us) % JW_MEMO];

	if (m->used && m->key == us) {
		append(w, m->s, m->n);
		return;
	}
	json_real_set(w->real, (double)us / 1e6);
	memo_dump(w, m, us, w->real, 0);
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
		append(w, m->s, m->n);
		return;
	}
	memo_dump(w, m, (int64_t)h, json_string(s), 1);
}

void
jw_const(struct jw *w, const char *s)
{
	size_t i = (mix((uintptr_t)s) % JW_CONSTS), k;

	for (k = 0; k < JW_CONSTS; k++, i = (i + 1) % JW_CONSTS) {
		struct jw_const *c = &w->consts[i];

		if (c->p == s) {
			append(w, c->dump, c->n);
			return;
		}
		if (c->p == NULL) {
			json_t *v = json_string(s);

			c->dump = v ? json_dumps(v, w->flags) : NULL;
			json_decref(v);
			if (c->dump == NULL) {
				w->failed = 1;
				return;
			}
			c->p = s;
			c->n = strlen(c->dump);
			append(w, c->dump, c->n);
			return;
		}
	}
	jw_str(w, s);		/* table full: still correct, just slower */
}

void
jw_key(struct jw *w, const char *k)
{
	jw_const(w, k);
	append(w, ":", 1);
}

void
jw_bool(struct jw *w, int b)
{
	jw_value(w, b ? json_true() : json_false());
}

void
jw_null(struct jw *w)
{
	jw_value(w, json_null());
}

int
jw_flush(struct jw *w, FILE *out)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, out) != w->len)
		w->failed = 1;
	w->len = 0;
	return w->failed ? -1 : 0;
}
