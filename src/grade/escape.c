/*
 * escape — make a student's output safe to show (see escape.h).
 *
 * Kept as is: newline, tab, printable ASCII and well-formed UTF-8 for code
 * points from U+00A0 on.  Everything else is written \xNN, one per byte:
 * C0 controls (ESC starts every terminal escape sequence), DEL, the C1
 * controls U+0080-U+009F (some terminals obey CSI = U+009B), overlong or
 * surrogate encodings and stray bytes.  A UTF-8 sequence cut in two by a
 * read() is carried over to the next call.
 */
#include <string.h>

#include "escape.h"

static size_t put_hex(char *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

/*
 * The length of the well-formed UTF-8 sequence starting at s (n bytes
 * available): 1 for a byte shown as is, 2-4 for a sequence, 0 for a byte
 * to escape, -1 when s may be the start of a sequence not complete yet.
 */
static int seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int len, i;

	if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xc2)
		lo = 0xa0;		/* U+0080-U+009F: the C1 controls */
	else if (c == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;		/* beyond U+10FFFF */
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return len;
}

/* Escape one span of bytes; at most 3 bytes of an unfinished sequence are
 * kept in e for the next call. */
static size_t escape_span(struct escape *e, const unsigned char *s, size_t n,
    char *out, int final)
{
	size_t i = 0, o = 0;

	while (i < n) {
		int len = seq_len(s + i, n - i);

		if (len < 0 && !final) {
			memcpy(e->carry, s + i, n - i);
			e->ncarry = n - i;
			return o;
		}
		if (len <= 0) {
			o += put_hex(out + o, s[i++]);
			continue;
		}
		memcpy(out + o, s + i, (size_t)len);
		o += (size_t)len;
		i += (size_t)len;
	}
	return o;
}

/*
 * Escape n bytes of a stream into out (room for ESCAPE_MAX(n) bytes);
 * return the output length.  Streams are escaped chunk by chunk as read.
 */
size_t escape_feed(struct escape *e, const void *in, size_t n, char *out)
{
	unsigned char buf[8];
	const unsigned char *s = in;
	size_t o = 0, take;

	if (e->ncarry > 0) {
		/* finish the carried sequence with the first bytes of this chunk */
		take = n < 4 ? n : 4;
		memcpy(buf, e->carry, e->ncarry);
		memcpy(buf + e->ncarry, s, take);
		{
			size_t k = e->ncarry, tot = k + take;
			int len = seq_len(buf, tot);

			e->ncarry = 0;
			if (len < 0) {		/* still cut: keep all of it */
				memcpy(e->carry, buf, tot);
				e->ncarry = tot;
				return 0;
			}
			if (len == 0) {
				o += put_hex(out, buf[0]);
				/* the rest of the carry is escaped again from scratch */
				o += escape_span(e, buf + 1, k - 1, out + o, 1);
			} else {
				memcpy(out, buf, (size_t)len);
				o += (size_t)len;
				s += (size_t)len - k;
				n -= (size_t)len - k;
			}
		}
	}
	return o + escape_span(e, s, n, out + o, 0);
}

/* The end of the stream: escape what is left of a cut sequence. */
size_t escape_flush(struct escape *e, char *out)
{
	size_t o = escape_span(e, e->carry, e->ncarry, out, 1);

	e->ncarry = 0;
	return o;
}
