/*
 * cmdwire.c — read and write whole cmdproto frames on a stream socket.
 * TCP has no message boundaries: a frame may arrive in many pieces, or a
 * peer may vanish after three bytes; both must be told apart from garbage.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmdwire.h"
#include "common/sock.h"
#include "common/tstamp.h"

/*
 * Read one frame into wb and decode it into *f (f->data points into wb).
 * timeout_ms bounds the wait for the whole frame (-1: no bound). The
 * decoder is asked after every read, so garbage is reported as soon as
 * the header betrays it. Returns a cmdwire_status; errno for ERROR.
 */
enum cmdwire_status
cmdwire_read(int fd, struct cmdwire_buf *wb, struct cmdproto_frame *f,
    int timeout_ms)
{
	double end = tstamp_mono() + timeout_ms / 1000.0;
	enum cmdproto_status st;
	struct pollfd pfd;
	size_t need = CMDPROTO_HDR;
	ssize_t r;
	int wait_ms, rc;

	wb->got = 0;
	wb->bad = CMDPROTO_OK;
	for (;;) {
		st = cmdproto_decode(wb->b, wb->got, f, &need);
		if (st == CMDPROTO_OK)
			return CMDWIRE_OK;
		if (st != CMDPROTO_NEED_MORE) {
			wb->bad = st;
			return CMDWIRE_GARBAGE;
		}
		if (timeout_ms >= 0) {
			wait_ms = (int)((end - tstamp_mono()) * 1000);
			if (wait_ms <= 0)
				return CMDWIRE_TIMEOUT;
			pfd.fd = fd;
			pfd.events = POLLIN;
			rc = poll(&pfd, 1, wait_ms);
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc < 0)
				return CMDWIRE_ERROR;
			if (rc == 0)
				return CMDWIRE_TIMEOUT;
		}
		r = read(fd, wb->b + wb->got, need - wb->got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return CMDWIRE_ERROR;
		if (r == 0)
			return wb->got == 0 ? CMDWIRE_EOF : CMDWIRE_MIDFRAME;
		wb->got += (size_t)r;
	}
}

/*
 * Encode and send one frame with a single writen. -1 with errno. Uses a
 * static buffer: one sending thread per process (true of both programs).
 */
int
cmdwire_send(int fd, const struct cmdproto_frame *f)
{
	static uint8_t out[CMDPROTO_MAX_FRAME];
	size_t used;

	if (cmdproto_encode(f, out, sizeof out, &used) != CMDPROTO_OK) {
		errno = EMSGSIZE;
		return -1;
	}
	return sock_writen(fd, out, used) < 0 ? -1 : 0;
}

/* Say what went wrong in words: "closed in the middle of a frame ...". */
const char *
cmdwire_describe(enum cmdwire_status st, const struct cmdwire_buf *wb,
    int errnum, char *buf, size_t len)
{
	switch (st) {
	case CMDWIRE_OK:
		snprintf(buf, len, "ok");
		break;
	case CMDWIRE_EOF:
		snprintf(buf, len, "connection closed by peer");
		break;
	case CMDWIRE_MIDFRAME:
		snprintf(buf, len, "connection closed in the middle of a frame "
		    "(%zu bytes of it received)", wb->got);
		break;
	case CMDWIRE_GARBAGE:
		snprintf(buf, len, "%s", cmdproto_strerror(wb->bad));
		break;
	case CMDWIRE_TIMEOUT:
		snprintf(buf, len, "timed out waiting for a frame");
		break;
	case CMDWIRE_ERROR:
		snprintf(buf, len, "%s", strerror(errnum));
		break;
	}
	return buf;
}
