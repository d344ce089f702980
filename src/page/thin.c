/*
 * thin.c — see thin.h. The walk only needs where values begin and end:
 * strings (with their escapes), nested brackets, and bare words (numbers,
 * true, false, null). Each connection is then parsed by Jansson, so
 * anything malformed inside one is still refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "page/thin.h"

static size_t
skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i;
}

/* The end of the value starting at s[i], or 0 when it is cut short. */
static size_t
skip_value(const char *s, size_t i, size_t n)
{
	size_t depth = 0;

	do {
		if (i >= n)
			return 0;
		if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= n)
				return 0;
			i++;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++, i++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (depth == 0)
				return 0;
			depth--, i++;
		} else if (depth > 0) {
			i++;
		} else {
			while (i < n && !strchr(",]} \n\t\r", s[i]))
				i++;
		}
	} while (depth > 0);
	return i;
}

/* In the object s[a..b), the member named key: sets *ms and *me to its
 * bytes with one adjacent comma (what removing it takes), *vs to where its
 * value starts, and returns 1; 0 when there is none. */
static int
find_member(const char *s, size_t a, size_t b, const char *key, size_t *ms,
    size_t *me, size_t *vs)
{
	size_t klen = strlen(key), i = skip_ws(s, a + 1, b), prev_end = 0;

	while (i < b && s[i] == '"') {
		size_t kend = skip_value(s, i, b), vstart, vend;

		if (kend == 0)
			return 0;
		vstart = skip_ws(s, skip_ws(s, kend, b) + 1, b);
		if ((vend = skip_value(s, vstart, b)) == 0)
			return 0;
		if (kend - i == klen + 2 && memcmp(s + i + 1, key, klen) == 0) {
			size_t after = skip_ws(s, vend, b);

			*vs = vstart;
			if (after < b && s[after] == ',')	/* the comma after */
				*ms = i, *me = after + 1;
			else if (prev_end)			/* the comma before */
				*ms = prev_end, *me = vend;
			else
				*ms = i, *me = vend;
			return 1;
		}
		prev_end = vend;
		i = skip_ws(s, vend, b);
		if (i < b && s[i] == ',')
			i = skip_ws(s, i + 1, b);
	}
	return 0;
}

static int
valid(const char *s, size_t n)
{
	json_t *j = json_loadb(s, n, JSON_ALLOW_NUL, NULL);

	json_decref(j);
	return j != NULL;
}

static int
plan_conns(const char *s, struct thin *t)
{
	size_t i = skip_ws(s, t->arr_open + 1, t->arr_close), cap = 0, ms;
	size_t packets = 0, total = t->arr_open + 64;

	while (i < t->arr_close) {
		struct thin_conn *c;
		size_t end = skip_value(s, i, t->arr_close);

		if (end == 0 || s[i] != '{' || !valid(s + i, end - i))
			return -1;
		if (t->nconn == cap) {
			void *p = realloc(t->conn, (cap = cap * 2 + 1024) * sizeof *c);

			if (p == NULL)
				return errno = ENOMEM, -1;
			t->conn = p;
		}
		c = &t->conn[t->nconn++];
		*c = (struct thin_conn){ .start = i, .end = end };
		if (!find_member(s, i, end, "packets", &c->pk_start, &c->pk_end, &ms))
			c->pk_start = c->pk_end = 0;
		c->keep_packets = packets + (c->pk_end - c->pk_start) <= PAGE_PACKETS_MAX &&
		    t->kept_packets == t->kept;
		if (c->keep_packets)
			packets += c->pk_end - c->pk_start;
		total += end - i + 1 - (c->keep_packets ? 0 : c->pk_end - c->pk_start);
		c->keep = total <= PAGE_JSON_MAX && t->kept == t->nconn - 1;
		t->kept += c->keep;
		t->kept_packets += c->keep && c->keep_packets;
		i = skip_ws(s, end, t->arr_close);
		if (i < t->arr_close && s[i] == ',')
			i = skip_ws(s, i + 1, t->arr_close);
		else if (i != t->arr_close)
			return -1;
	}
	return 0;
}

int
thin_plan(const char *s, size_t n, struct thin *t)
{
	size_t ms, me, end;
	char *rest = NULL;

	memset(t, 0, sizeof *t);
	errno = EINVAL;
	if ((t->arr_open = skip_ws(s, 0, n)) >= n || s[t->arr_open] != '{' ||
	    (end = skip_value(s, t->arr_open, n)) == 0 ||
	    skip_ws(s, end, n) != n ||
	    !find_member(s, t->arr_open, end, "connections", &ms, &me,
	    &t->arr_open) || s[t->arr_open] != '[')
		return -1;
	t->arr_close = skip_value(s, t->arr_open, n) - 1;
	/* the report around the connections must be JSON too */
	if ((rest = malloc(n)) == NULL)
		return errno = ENOMEM, -1;
	memcpy(rest, s, t->arr_open + 1);
	memcpy(rest + t->arr_open + 1, s + t->arr_close, n - t->arr_close);
	t->head = json_loadb(rest, t->arr_open + 1 + n - t->arr_close,
	    JSON_ALLOW_NUL, NULL);
	free(rest);
	if (t->head == NULL || plan_conns(s, t) != 0) {
		thin_free(t);
		errno = errno == ENOMEM ? ENOMEM : EINVAL;
		return -1;
	}
	return 0;
}

void
thin_emit(FILE *out, const char *s, size_t n, const struct thin *t,
    void (*emit)(FILE *, const char *, size_t))
{
	size_t first = skip_ws(s, 0, n), i, nout = 0;
	char note[200];

	snprintf(note, sizeof note, "\"_page\":{\"connections\":%zu,"
	    "\"connections_kept\":%zu,\"packets_kept\":%zu,\"input_bytes\":%zu},",
	    t->nconn, t->kept, t->kept_packets, n);
	emit(out, s, first + 1);
	emit(out, note, strlen(note));
	emit(out, s + first + 1, t->arr_open - first);
	for (i = 0; i < t->nconn; i++) {
		const struct thin_conn *c = &t->conn[i];

		if (!c->keep)
			continue;
		if (nout++)
			emit(out, ",\n", 2);
		if (c->keep_packets || c->pk_end == 0) {
			emit(out, s + c->start, c->end - c->start);
		} else {
			emit(out, s + c->start, c->pk_start - c->start);
			emit(out, s + c->pk_end, c->end - c->pk_end);
		}
	}
	emit(out, s + t->arr_close, n - t->arr_close);
}

void
thin_free(struct thin *t)
{
	free(t->conn);
	t->conn = NULL;
	json_decref(t->head);
	t->head = NULL;
}
