/*
 * Unit tests of jail_argv: the bubblewrap command line that builds a
 * student's view (what is mounted, in which order, who may reach it).
 */
#include <string.h>

#include "../jail.h"
#include "common/unit.h"

/* The index of the first argument equal to s at or after from, or -1. */
static int find(char **argv, int n, const char *s, int from)
{
	int i;

	for (i = from; i < n; i++)
		if (!strcmp(argv[i], s))
			return i;
	return -1;
}

/* True if argv has the three arguments a b c in a row. */
static int has3(char **argv, int n, const char *a, const char *b, const char *c)
{
	int i;

	for (i = 0; i + 2 < n; i++)
		if (!strcmp(argv[i], a) && !strcmp(argv[i + 1], b) && !strcmp(argv[i + 2], c))
			return 1;
	return 0;
}

int main(void)
{
	struct jail j = { .self = "/x/bin/sandbox", .dir = "/tmp/build-a/sub",
	    .ro = { "/tmp/build-a/sub" }, .nro = 1, .tmpfs_mb = 64, .uid = 61005,
	    .gid = 61005, .status_fd = 7, .proc_fd = 8 };
	char *cmd[] = { "/tmp/build-a/sub/server", "40001", NULL };
	char *argv[256], store[4096], small[16];
	int n, tmp, bind, dd;

	n = jail_argv(&j, cmd, argv, 256, store, sizeof store);
	UNIT_CHECK(n > 0 && argv[n] == NULL, "built, NULL-terminated (%d arguments)", n);
	UNIT_EQ_STR(argv[0], "bwrap", "runs bwrap");
	UNIT_CHECK(find(argv, n, "--unshare-pid", 0) > 0 && find(argv, n, "--as-pid-1", 0) > 0,
	    "its own PID namespace, our inner as PID 1");
	UNIT_CHECK(find(argv, n, "--unshare-net", 0) < 0, "the grader's network namespace");
	UNIT_CHECK(has3(argv, n, "--size", "67108864", "--tmpfs"), "tmpfs of 64 MiB");
	tmp = find(argv, n, "/tmp", 0);
	bind = find(argv, n, "/tmp/build-a/sub", 0);
	UNIT_CHECK(tmp > 0 && bind > tmp, "/tmp mounted before the submission bound in it");
	UNIT_CHECK(has3(argv, n, "--ro-bind", "/tmp/build-a/sub", "/tmp/build-a/sub"),
	    "the submission read-only at its own path");
	UNIT_CHECK(has3(argv, n, "--chmod", "0755", "/tmp/build-a") &&
	    !has3(argv, n, "--chmod", "0755", "/tmp"), "its parent opened, /tmp left 1777");
	UNIT_CHECK(has3(argv, n, "--chmod", "0755", "/home"), "the work dir's parent opened");
	UNIT_CHECK(find(argv, n, "/home", 0) > 0 && find(argv, n, "/root", 0) < 0,
	    "no host home bound");
	dd = find(argv, n, "--", 0);
	UNIT_CHECK(dd > 0 && !strcmp(argv[dd + 1], JAIL_SELF) && !strcmp(argv[dd + 2], "-I") &&
	    !strcmp(argv[dd + 3], "7") && !strcmp(argv[dd + 4], "8") &&
	    !strcmp(argv[dd + 5], "61005") && !strcmp(argv[dd + 7], "-") &&
	    !strcmp(argv[dd + 8], "--") &&
	    !strcmp(argv[dd + 9], cmd[0]) && !strcmp(argv[dd + 10], "40001"),
	    "the inner: -I STATUS PROC UID GID LIMITS -- COMMAND (no limits: -)");
	j.limits = "nproc=64,as=1024";
	n = jail_argv(&j, cmd, argv, 256, store, sizeof store);
	dd = find(argv, n, "--", 0);
	UNIT_CHECK(n > 0 && !strcmp(argv[dd + 7], "nproc=64,as=1024"),
	    "the limits go to the inner, for the student's program alone");
	UNIT_EQ_INT(jail_argv(&j, cmd, argv, 20, store, sizeof store), -1, "too few slots: -1");
	UNIT_EQ_INT(jail_argv(&j, cmd, argv, 256, small, sizeof small), -1, "too small a store: -1");
	return unit_done();
}
