/*
 * test_runcmd.c — runcmd against real /bin/sh: exit statuses, signals,
 * stdin from /dev/null, the 64 KiB cap, and a timeout that takes the
 * whole process group (a background child included) with it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../runcmd.h"
#include "common/tstamp.h"
#include "common/unit.h"

static struct runcmd_result r;
static pid_t seen_pgid;

static void
note(pid_t pgid, void *arg)
{
	(void)arg;
	seen_pgid = pgid;
}

int
main(void)
{
	double t0;
	char path[64];

	UNIT_EQ_INT(runcmd("echo hello; echo err >&2; exit 3", 5, &r, note,
	    NULL), 0, "runs");
	UNIT_EQ_INT(r.status, 3, "exit status 3");
	UNIT_CHECK(r.len == 10 && memcmp(r.out, "hello\nerr\n", 10) == 0,
	    "stdout and stderr captured together");
	UNIT_CHECK(!r.timed_out && !r.truncated, "no flags");
	UNIT_CHECK(seen_pgid > 0, "callback got the process group %d",
	    (int)seen_pgid);

	runcmd("cat; echo done", 5, &r, NULL, NULL);
	UNIT_CHECK(r.len == 5 && memcmp(r.out, "done\n", 5) == 0,
	    "stdin is /dev/null: cat ends at once");

	runcmd("kill -TERM $$", 5, &r, NULL, NULL);
	UNIT_EQ_INT(r.status, -SIGTERM, "killed by a signal: -15");

	runcmd("head -c 100000 /dev/zero", 5, &r, NULL, NULL);
	UNIT_EQ_INT(r.len, RUNCMD_CAP, "output capped at 64 KiB");
	UNIT_CHECK(r.truncated, "marked truncated");
	UNIT_EQ_INT(r.status, 0, "the command still ran to its end");

	runcmd("head -c 65536 /dev/zero", 5, &r, NULL, NULL);
	UNIT_CHECK(r.len == RUNCMD_CAP && !r.truncated,
	    "exactly 64 KiB is not truncated");

	snprintf(path, sizeof path, "/tmp/test_runcmd.%ld", (long)getpid());
	unlink(path);
	t0 = tstamp_mono();
	{
		char cmd[200];

		snprintf(cmd, sizeof cmd, "(sleep 1.5; touch %s) & sleep 30",
		    path);
		runcmd(cmd, 0.5, &r, NULL, NULL);
	}
	UNIT_CHECK(tstamp_mono() - t0 < 1.4, "timeout 0.5 s ends it in %.2f s",
	    tstamp_mono() - t0);
	UNIT_CHECK(r.timed_out, "marked timed out");
	UNIT_EQ_INT(r.status, -SIGKILL, "the shell was killed");
	sleep(2);
	UNIT_CHECK(access(path, F_OK) != 0,
	    "the background child died with its process group");
	unlink(path);

	t0 = tstamp_mono();
	runcmd("sleep 30 & echo started", 5, &r, NULL, NULL);
	UNIT_CHECK(tstamp_mono() - t0 < 1, "a leftover background job does "
	    "not hold the result (%.2f s)", tstamp_mono() - t0);
	UNIT_EQ_INT(r.status, 0, "shell exit status");

	UNIT_EQ_INT(runcmd("exit 300", 5, &r, NULL, NULL), 0, "exit 300");
	UNIT_EQ_INT(r.status, 300 & 255, "exit status is 8 bits");
	return unit_done();
}
