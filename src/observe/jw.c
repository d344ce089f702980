/*
 * jw.c — see jw.h. Numbers and plain-ASCII strings are written here;
 * every other string is escaped by Jansson's json_dumpb.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jw.h"

void
jw_init(struct jw *w, size_t flags)
{
	memset(w, 0, sizeof *w);
	w->flags = flags | JSON_ENCODE_ANY;
}

void
jw_free(struct jw *w)
{
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

static inline int
reserve(struct jw *w, size_t n)
{
	return w->len + n <= w->cap ? 0 : grow(w, n);
}

void
jw_raw_grow(struct jw *w, const char *s, size_t n)
{
	if (reserve(w, n) == 0) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, beyond Unicode, a surrogate */
	return len;
}

char *
jw_utf8(const char *s, size_t n, size_t *outn)
{
	const unsigned char *p = (const unsigned char *)s;
	char *u = malloc(2 * n + 1), *q = u;
	size_t i = 0, k;

	if (u == NULL)
		return NULL;
	while (i < n) {
		if ((k = utf8_seq(p + i, n - i)) > 0) {
			memcpy(q, p + i, k);
			q += k;
			i += k;
		} else {	/* the byte as Latin-1: U+0080..U+00FF */
			*q++ = (char)(0xc0 | p[i] >> 6);
			*q++ = (char)(0x80 | (p[i] & 0x3f));
			i++;
		}
	}
	*q = '\0';
	*outn = (size_t)(q - u);
	return u;
}

/* Any string escaped by Jansson (made UTF-8 first by jw_utf8). */
static void
str_escaped(struct jw *w, const char *s, size_t n)
{
	char *u = jw_utf8(s, n, &n);
	json_t *v = u ? json_stringn(u, n) : NULL;
	size_t room, k;

	if (v == NULL) {
		w->failed = 1;
		goto out;
	}
	room = 2 * n + 16;
	for (;;) {
		if (reserve(w, room) == -1)
			goto out;
		k = json_dumpb(v, w->buf + w->len, w->cap - w->len, w->flags);
		if (k == 0) {
			w->failed = 1;
			goto out;
		}
		if (k <= w->cap - w->len)
			break;
		room = k;
	}
	w->len += k;
out:
	json_decref(v);
	free(u);
}

/* Printable ASCII but '"' and '\': the same text inside JSON's quotes. */
static inline int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void
jw_str(struct jw *w, const char *s)
{
	size_t n = 0;
	char *p;

	while (plain((unsigned char)s[n]))
		n++;
	if (s[n] != '\0') {
		str_escaped(w, s, n + strlen(s + n));
		return;
	}
	if (reserve(w, n + 2) == -1)
		return;
	p = w->buf + w->len;
	*p = '"';
	memcpy(p + 1, s, n);
	p[n + 1] = '"';
	w->len += n + 2;
}

void
jw_str_or_null(struct jw *w, const char *s)
{
	if (s != NULL)
		jw_str(w, s);
	else
		jw_null(w);
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

void
jw_secs(struct jw *w, int64_t us)
{
	uint64_t u = us < 0 ? -(uint64_t)us : (uint64_t)us;
	uint32_t frac = (uint32_t)(u % 1000000);
	char *p;

	if (reserve(w, 32) == -1)
		return;
	p = w->buf + w->len;
	if (us < 0)
		*p++ = '-';
	p += ndigits(u / 1000000);
	digits(p, u / 1000000);
	*p = '.';
	memcpy(p + 1, pairs + (frac / 10000) * 2, 2);
	memcpy(p + 3, pairs + (frac / 100 % 100) * 2, 2);
	memcpy(p + 5, pairs + (frac % 100) * 2, 2);
	w->len = (size_t)(p + 7 - w->buf);
}

void
jw_bool(struct jw *w, int b)
{
	if (b)
		jw_lit(w, "true");
	else
		jw_lit(w, "false");
}

void
jw_null(struct jw *w)
{
	jw_lit(w, "null");
}

int
jw_flush(struct jw *w, FILE *out)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, out) != w->len)
		w->failed = 1;
	w->len = 0;
	return w->failed ? -1 : 0;
}
