/*
 * cmdlog.c — write cmdserver's JSON Lines log. Every record is built with
 * Jansson (so any output bytes are escaped correctly), ends in "\n", and
 * goes out in a single write(2) on an O_APPEND descriptor while holding
 * an fcntl() write lock. O_APPEND alone makes each write land at the end
 * of the file; the lock also covers a short write being finished, so a
 * reader sees whole lines only. fcntl locks belong to the process, which
 * is what we need: the children share one open file description (flock
 * would treat them as one owner).
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmdlog.h"
#include "cmdproto.h"
#include "common/sock.h"
#include "common/tstamp.h"

/* Open (create) the log for appending; -1 with errno. */
int
cmdlog_open(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static int
lock(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* A new record with the fields every record starts with. */
static json_t *
record(const char *event, const char *client)
{
	char ts[TSTAMP_LEN];

	return json_pack("{s:s, s:s, s:s, s:I}", "time",
	    tstamp_now(ts, sizeof ts), "event", event, "client", client,
	    "pid", (json_int_t)getpid());
}

/* Serialise, append "\n", write once under the lock; frees rec. */
static int
emit(int fd, json_t *rec)
{
	char *text = NULL;
	size_t len;
	int rc = -1, saved = 0;

	if (rec == NULL) {
		errno = ENOMEM;
		return -1;
	}
	text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	len = strlen(text);
	text[len] = '\n';	/* json_dumps' NUL becomes the newline */
	if (lock(fd, F_WRLCK) < 0)
		goto out;
	rc = sock_writen(fd, text, len + 1) < 0 ? -1 : 0;
	saved = errno;
	lock(fd, F_UNLCK);
	errno = saved;
out:
	free(text);
	return rc;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *
base64(const uint8_t *p, size_t n)
{
	char *s = malloc((n + 2) / 3 * 4 + 1), *o = s;
	uint32_t v;
	size_t i;
	json_t *j;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = '\0';
	j = json_string(s);
	free(s);
	return j;
}

/* Set key to the bytes as a string, or key_base64 when not UTF-8. */
static void
set_bytes(json_t *r, const char *key, const uint8_t *p, size_t n)
{
	char k64[32];
	json_t *s = json_stringn((const char *)p, n);

	if (s != NULL) {
		json_object_set_new(r, key, s);
		return;
	}
	snprintf(k64, sizeof k64, "%s_base64", key);
	json_object_set_new(r, k64, base64(p, n));
}

/* "connect": a client was accepted by this child. */
int
cmdlog_connect(int fd, const char *client, const char *server)
{
	json_t *r = record("connect", client);

	if (r != NULL)
		json_object_set_new(r, "server", json_string(server));
	return emit(fd, r);
}

/*
 * "result": one command's outcome. Output that is valid UTF-8 is logged
 * as "output" (JSON-escaped); anything else as "output_base64", so no
 * byte is ever lost or mangled. A status that is neither an exit code
 * nor a signal is refused: -1, EINVAL, nothing written.
 */
int
cmdlog_result(int fd, const char *client, uint32_t seq, const char *command,
    int32_t status, int truncated, int timed_out, const uint8_t *out,
    size_t len)
{
	json_t *r;

	if (!cmdproto_status_valid(status)) {
		errno = EINVAL;	/* no "signal":65: the codec refuses it too */
		return -1;
	}
	if ((r = record("result", client)) == NULL)
		return emit(fd, r);
	json_object_set_new(r, "seq", json_integer(seq));
	set_bytes(r, "command", (const uint8_t *)command, strlen(command));
	json_object_set_new(r, "exit", status >= 0 ?
	    json_integer(status) : json_null());
	json_object_set_new(r, "signal", status < 0 ?
	    json_integer(-status) : json_null());
	json_object_set_new(r, "timed_out", json_boolean(timed_out));
	json_object_set_new(r, "truncated", json_boolean(truncated));
	json_object_set_new(r, "bytes", json_integer((json_int_t)len));
	set_bytes(r, "output", out, len);
	return emit(fd, r);
}

/* "disconnect": who closed first ("client" or "server") and why. */
int
cmdlog_disconnect(int fd, const char *client, const char *closed_by,
    unsigned results, unsigned commands, const char *reason)
{
	json_t *r = record("disconnect", client);

	if (r != NULL) {
		json_object_set_new(r, "closed_by", json_string(closed_by));
		json_object_set_new(r, "results", json_integer(results));
		json_object_set_new(r, "commands", json_integer(commands));
		json_object_set_new(r, "reason", json_string(reason));
	}
	return emit(fd, r);
}

/* "error": a protocol or I/O problem with this client. */
int
cmdlog_error(int fd, const char *client, const char *error)
{
	json_t *r = record("error", client);

	if (r != NULL)
		json_object_set_new(r, "error", json_string(error));
	return emit(fd, r);
}
