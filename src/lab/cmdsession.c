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

/* What a session has done so far, and why it ended. */
struct tally {
	unsigned results, sent;
	const char *closed_by;
	char reason[320];
};

/* Steps return a cmdwire status, or PROTOCOL with tally.reason set. */
#define PROTOCOL (-1)

/* The i-th command: [pause] C frame, R frame, log it, print ip:port. */
static int
one_command(struct cmdsession *s, unsigned i, struct tally *t)
{
	struct cmdproto_frame f, got;
	enum cmdwire_status st;
	char line[SOCK_ADDRSTRLEN + 2];

	if (i > 0 && (st = pause_watching(s, &got)) != CMDWIRE_OK)
		return st;
	if (i > 0 && got.type != 0) {
		snprintf(t->reason, sizeof t->reason,
		    "unexpected frame during the pause");
		return PROTOCOL;
	}
	memset(&f, 0, sizeof f);
	f.type = CMDPROTO_COMMAND;
	f.seq = i + 1;
	f.data = (const uint8_t *)s->cmds[i];
	f.len = strlen(s->cmds[i]);
	if (cmdwire_send(s->fd, &f) < 0)
		return CMDWIRE_ERROR;
	t->sent++;
	if ((st = cmdwire_read(s->fd, &wb, &got, s->result_wait_ms)) !=
	    CMDWIRE_OK)
		return st;
	if (got.type != CMDPROTO_RESULT || got.seq != f.seq) {
		snprintf(t->reason, sizeof t->reason, "%s",
		    got.type != CMDPROTO_RESULT ?
		    "unexpected frame instead of a result" :
		    "result for the wrong command");
		return PROTOCOL;
	}
	cmdlog_result(s->logfd, s->client, got.seq, s->cmds[i], got.status,
	    got.flags & CMDPROTO_F_TRUNCATED, got.flags & CMDPROTO_F_TIMEDOUT,
	    got.data, got.len);
	t->results++;
	snprintf(line, sizeof line, "%s\n", s->client);
	(void)!write(STDOUT_FILENO, line, strlen(line));
	tstamp_event("result %u from %s: status %d, %zu bytes", got.seq,
	    s->client, (int)got.status, got.len);
	return CMDWIRE_OK;
}

/* All done: say so (E frame), then wait for the client's close. */
static int
end_commands(struct cmdsession *s, struct tally *t)
{
	struct cmdproto_frame f, got;
	enum cmdwire_status st;

	memset(&f, 0, sizeof f);
	f.type = CMDPROTO_END;
	if (cmdwire_send(s->fd, &f) < 0)
		return CMDWIRE_ERROR;
	if ((st = cmdwire_read(s->fd, &wb, &got, 10000)) == CMDWIRE_OK) {
		snprintf(t->reason, sizeof t->reason,
		    "unexpected frame after the end");
		return PROTOCOL;
	}
	return st;
}

/* Why the conversation ended, for the disconnect record; 0 or -1. */
static int
conclude(struct cmdsession *s, int st, struct tally *t)
{
	char why[256];

	if (st == PROTOCOL) {	/* the client broke the protocol */
		fail(s, "protocol", t->reason);
		t->closed_by = "server";
		return -1;
	}
	if (st == CMDWIRE_EOF) {
		snprintf(t->reason, sizeof t->reason, t->results == s->ncmds ?
		    "client closed after the last result" :
		    "client closed the connection");
		return 0;
	}
	cmdwire_describe((enum cmdwire_status)st, &wb, errno, why, sizeof why);
	fail(s, "receive", why);
	snprintf(t->reason, sizeof t->reason, "%s", why);
	if (st != CMDWIRE_ERROR && st != CMDWIRE_MIDFRAME)
		t->closed_by = "server";	/* garbage, timeout */
	return -1;
}

/* Run the session on s->fd; closes it. Returns 0, -1 after an error. */
int
cmdsession_run(struct cmdsession *s)
{
	struct tally t = { .closed_by = "client" };
	int st = CMDWIRE_OK, rc;
	unsigned i;

	cmdlog_connect(s->logfd, s->client, s->server);
	tstamp_event("connect %s", s->client);
	for (i = 0; i < s->ncmds && st == CMDWIRE_OK; i++)
		st = one_command(s, i, &t);
	if (st == CMDWIRE_OK)
		st = end_commands(s, &t);
	rc = conclude(s, st, &t);
	/* The server closes first only when closed_by says so. */
	close(s->fd);
	cmdlog_disconnect(s->logfd, s->client, t.closed_by, t.results, t.sent,
	    t.reason);
	tstamp_event("disconnect %s: closed by %s (%s), %u of %u commands",
	    s->client, t.closed_by, t.reason, t.results, s->ncmds);
	return rc;
}
