/*
 * cmdproto.c — encode and decode cmdserver/cmdclient frames (see
 * cmdproto.h for the layout). Everything arrives from the network, so the
 * decoder trusts nothing: magic, type, flags and length are checked from
 * the header alone, before a single payload byte is waited for; a peer
 * sending garbage is caught after 8 bytes, not after 4 GiB.
 */
#include <string.h>

#include "cmdproto.h"

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * A result's status is an exit code 0..255 or -N for signal N 1..64:
 * anything else (-65, -128, 256) is not a status a process can end with,
 * and must not be logged as one. 1 when valid, else 0.
 */
int
cmdproto_status_valid(int32_t status)
{
	return status >= -CMDPROTO_MAX_SIGNAL && status <= 255;
}

/* Check a header (the first min(len, 8) bytes of it) without the payload. */
static enum cmdproto_status
check_header(const uint8_t *buf, size_t len, uint32_t *plen)
{
	if ((len >= 1 && buf[0] != 'C') || (len >= 2 && buf[1] != 'P'))
		return CMDPROTO_BAD_MAGIC;
	if (len >= 3 && buf[2] != CMDPROTO_COMMAND &&
	    buf[2] != CMDPROTO_RESULT && buf[2] != CMDPROTO_END)
		return CMDPROTO_BAD_TYPE;
	if (len >= 4 && (buf[3] & ~(CMDPROTO_F_TRUNCATED | CMDPROTO_F_TIMEDOUT) ||
	    (buf[2] != CMDPROTO_RESULT && buf[3] != 0)))
		return CMDPROTO_BAD_FLAGS;
	if (len < CMDPROTO_HDR)
		return CMDPROTO_NEED_MORE;
	*plen = get32(buf + 4);
	if (*plen > CMDPROTO_MAX_PAYLOAD)
		return CMDPROTO_TOO_LONG;
	return CMDPROTO_OK;
}

/*
 * Decode the frame at the start of buf[0..len). CMDPROTO_OK fills *f and
 * sets *need to the frame's total size (to consume); CMDPROTO_NEED_MORE
 * sets *need to the total size wanted so far (8 until the header is in,
 * then header + payload); any other status means the bytes are garbage.
 */
enum cmdproto_status
cmdproto_decode(const uint8_t *buf, size_t len, struct cmdproto_frame *f,
    size_t *need)
{
	enum cmdproto_status st;
	uint32_t plen = 0;
	const uint8_t *p;

	*need = CMDPROTO_HDR;
	if ((st = check_header(buf, len, &plen)) != CMDPROTO_OK)
		return st;
	*need = CMDPROTO_HDR + (size_t)plen;
	if (len < *need)
		return CMDPROTO_NEED_MORE;
	p = buf + CMDPROTO_HDR;
	memset(f, 0, sizeof *f);
	f->type = (enum cmdproto_type)buf[2];
	f->flags = buf[3];
	switch (f->type) {
	case CMDPROTO_COMMAND:
		if (plen < 4 || (f->seq = get32(p)) == 0)
			return CMDPROTO_BAD_PAYLOAD;
		f->data = p + 4;
		f->len = plen - 4;
		if (memchr(f->data, '\0', f->len) != NULL)
			return CMDPROTO_BAD_PAYLOAD;
		break;
	case CMDPROTO_RESULT:
		if (plen < 8 || (f->seq = get32(p)) == 0)
			return CMDPROTO_BAD_PAYLOAD;
		f->status = (int32_t)get32(p + 4);
		if (!cmdproto_status_valid(f->status))
			return CMDPROTO_BAD_STATUS;
		f->data = p + 8;
		f->len = plen - 8;
		if (f->len > CMDPROTO_MAX_OUTPUT)
			return CMDPROTO_TOO_LONG;
		break;
	case CMDPROTO_END:
		if (plen != 0)
			return CMDPROTO_BAD_PAYLOAD;
		break;
	}
	return CMDPROTO_OK;
}

/*
 * Encode *f into out[0..cap); *used gets the frame's size. A command may
 * not contain NUL (it becomes a C string for /bin/sh -c).
 */
enum cmdproto_status
cmdproto_encode(const struct cmdproto_frame *f, uint8_t *out, size_t cap,
    size_t *used)
{
	size_t fixed, plen;

	switch (f->type) {
	case CMDPROTO_COMMAND:
		fixed = 4;
		if (f->seq == 0 || f->flags != 0 ||
		    (f->len > 0 && memchr(f->data, '\0', f->len) != NULL))
			return CMDPROTO_BAD_PAYLOAD;
		break;
	case CMDPROTO_RESULT:
		fixed = 8;
		if (f->seq == 0)
			return CMDPROTO_BAD_PAYLOAD;
		if (!cmdproto_status_valid(f->status))
			return CMDPROTO_BAD_STATUS;
		if (f->flags & ~(CMDPROTO_F_TRUNCATED | CMDPROTO_F_TIMEDOUT))
			return CMDPROTO_BAD_FLAGS;
		if (f->len > CMDPROTO_MAX_OUTPUT)
			return CMDPROTO_TOO_LONG;
		break;
	case CMDPROTO_END:
		fixed = 0;
		if (f->len != 0 || f->flags != 0)
			return CMDPROTO_BAD_PAYLOAD;
		break;
	default:
		return CMDPROTO_BAD_TYPE;
	}
	plen = fixed + f->len;
	if (plen > CMDPROTO_MAX_PAYLOAD)
		return CMDPROTO_TOO_LONG;
	if (cap < CMDPROTO_HDR + plen)
		return CMDPROTO_NO_ROOM;
	out[0] = 'C';
	out[1] = 'P';
	out[2] = (uint8_t)f->type;
	out[3] = f->flags;
	put32(out + 4, (uint32_t)plen);
	if (fixed >= 4)
		put32(out + 8, f->seq);
	if (fixed >= 8)
		put32(out + 12, (uint32_t)f->status);
	if (f->len > 0)
		memcpy(out + CMDPROTO_HDR + fixed, f->data, f->len);
	*used = CMDPROTO_HDR + plen;
	return CMDPROTO_OK;
}

/* Words for a status, for the one-line errors and log records. */
const char *
cmdproto_strerror(enum cmdproto_status st)
{
	switch (st) {
	case CMDPROTO_OK:		return "ok";
	case CMDPROTO_NEED_MORE:	return "incomplete frame";
	case CMDPROTO_BAD_MAGIC:	return "garbage frame: bad magic";
	case CMDPROTO_BAD_TYPE:		return "garbage frame: unknown type";
	case CMDPROTO_BAD_FLAGS:	return "garbage frame: bad flags";
	case CMDPROTO_TOO_LONG:		return "garbage frame: too long";
	case CMDPROTO_BAD_PAYLOAD:	return "garbage frame: bad payload";
	case CMDPROTO_BAD_STATUS:	return "garbage frame: bad status "
	    "(neither an exit code 0..255 nor a signal 1..64)";
	case CMDPROTO_NO_ROOM:		return "frame does not fit the buffer";
	}
	return "unknown status";
}
