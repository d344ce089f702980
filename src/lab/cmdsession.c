/*
 * cmdsession.c — what a cmdserver child does for its one client.
 *
 *	for each command:  [pause -i s, watching the socket] -> C frame
 *	                   -> wait for the R frame -> log it, print ip:port
 *	then:              E frame -> wait for the client's FIN -> close
 *
 * The client is expected to close first (its "exit", or after E), so the
 * server's close is the passive one and TIME_WAIT lands on the client.
 * The server closes first only when the client misbehaves (garbage,
 * silence); every ending is logged as a "disconnect" with closed_by.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmdlog.h"
#include "cmdsession.h"
#include "cmdwire.h"
#include "common/sock.h"
#include "common/tstamp.h"

static struct cmdwire_buf wb;

/* Log an error record and tell stderr too. */
static void
fail(struct cmdsession *s, const char *what, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof msg, "%s: %s", what, why);
	tstamp_event("%s: %s", s->client, msg);
	if (cmdlog_error(s->logfd, s->client, msg) < 0)
		tstamp_event("log: %s", strerror(errno));
}

/*
 * Pause between commands while watching the socket: a client that types
 * "exit" closes during the pause. Returns 0 after the full pause, or a
 * cmdwire status when the client spoke or went away.
 */
static enum cmdwire_status
pause_watching(struct cmdsession *s, struct cmdproto_frame *f)
{
	double end = tstamp_mono() + s->interval;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	int ms, rc;

	f->type = 0;	/* stays 0 unless a frame arrives */
	while ((ms = (int)((end - tstamp_mono()) * 1000)) > 0) {
		rc = poll(&pfd, 1, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return CMDWIRE_ERROR;
		if (rc > 0)
			return cmdwire_read(s->fd, &wb, f, 2000);
	}
	return CMDWIRE_OK;
}

/* Run the session on s->fd; closes it. Returns 0, -1 after an error. */
int
cmdsession_run(struct cmdsession *s)
{
	struct cmdproto_frame f, got;
	enum cmdwire_status st = CMDWIRE_OK;
	const char *closed_by = "client";
	char why[256], reason[320] = "", line[SOCK_ADDRSTRLEN + 2];
	unsigned i, results = 0, sent = 0;
	int rc = 0;

	cmdlog_connect(s->logfd, s->client, s->server);
	tstamp_event("connect %s", s->client);
	for (i = 0; i < s->ncmds; i++) {
		if (i > 0 && (st = pause_watching(s, &got)) != CMDWIRE_OK)
			break;
		if (i > 0 && got.type != 0) {
			snprintf(reason, sizeof reason,
			    "unexpected frame during the pause");
			goto protocol;
		}
		memset(&f, 0, sizeof f);
		f.type = CMDPROTO_COMMAND;
		f.seq = i + 1;
		f.data = (const uint8_t *)s->cmds[i];
		f.len = strlen(s->cmds[i]);
		if (cmdwire_send(s->fd, &f) < 0) {
			st = CMDWIRE_ERROR;
			break;
		}
		sent++;
		st = cmdwire_read(s->fd, &wb, &got, s->result_wait_ms);
		if (st != CMDWIRE_OK)
			break;
		if (got.type != CMDPROTO_RESULT || got.seq != f.seq) {
			snprintf(reason, sizeof reason, "%s",
			    got.type != CMDPROTO_RESULT ?
			    "unexpected frame instead of a result" :
			    "result for the wrong command");
			goto protocol;
		}
		cmdlog_result(s->logfd, s->client, got.seq, s->cmds[i],
		    got.status, got.flags & CMDPROTO_F_TRUNCATED,
		    got.flags & CMDPROTO_F_TIMEDOUT, got.data, got.len);
		results++;
		snprintf(line, sizeof line, "%s\n", s->client);
		(void)!write(STDOUT_FILENO, line, strlen(line));
		tstamp_event("result %u from %s: status %d, %zu bytes",
		    got.seq, s->client, (int)got.status, got.len);
	}
	if (st == CMDWIRE_OK) {
		/* All done: say so, then wait for the client's close. */
		memset(&f, 0, sizeof f);
		f.type = CMDPROTO_END;
		if (cmdwire_send(s->fd, &f) < 0)
			st = CMDWIRE_ERROR;
		else if ((st = cmdwire_read(s->fd, &wb, &got, 10000)) ==
		    CMDWIRE_OK) {
			snprintf(reason, sizeof reason,
			    "unexpected frame after the end");
			goto protocol;
		}
	}
	cmdwire_describe(st, &wb, errno, why, sizeof why);
	switch (st) {
	case CMDWIRE_EOF:
		snprintf(reason, sizeof reason, results == s->ncmds ?
		    "client closed after the last result" :
		    "client closed the connection");
		break;
	case CMDWIRE_ERROR:
	case CMDWIRE_MIDFRAME:
		fail(s, "receive", why);
		snprintf(reason, sizeof reason, "%s", why);
		rc = -1;
		break;
	default:	/* garbage, timeout */
		fail(s, "receive", why);
		snprintf(reason, sizeof reason, "%s", why);
		closed_by = "server";
		rc = -1;
		break;
	}
	goto out;
protocol:	/* the client broke the protocol: the server closes first */
	fail(s, "protocol", reason);
	closed_by = "server";
	rc = -1;
out:
	close(s->fd);
	cmdlog_disconnect(s->logfd, s->client, closed_by, results, sent,
	    reason);
	tstamp_event("disconnect %s: closed by %s (%s), %u of %u commands",
	    s->client, closed_by, reason, results, s->ncmds);
	return rc;
}
