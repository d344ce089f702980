/*
 * runstat — runs a command and reports its wall time and peak RSS, the two
 * figures `make bench` compares. GNU time(1) is not on every machine; wait4()
 * hands us the child's rusage directly, so this needs nothing but libc.
 *	runstat [-o FILE] COMMAND [ARG...]
 * prints "wall_s=1.234 cpu_s=1.200 maxrss_kb=5678 status=0" on stderr (or to
 * FILE); cpu_s (user + system) is the steadier figure on a loaded machine;
 * the command's own stdout and stderr pass through untouched.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNSTAT_USAGE "usage: runstat [-o FILE] COMMAND [ARG...]\n"

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	const char *out = NULL;
	FILE *fp = stderr;
	pid_t pid;
	int c, st, code;

	while ((c = getopt(argc, argv, "+ho:")) != -1) {
		switch (c) {
		case 'h': fputs(RUNSTAT_USAGE, stdout); return 0;
		case 'o': out = optarg; break;
		default: fputs(RUNSTAT_USAGE, stderr); return 2;
		}
	}
	if (optind == argc) {
		fputs(RUNSTAT_USAGE, stderr);
		return 2;
	}
	if (out != NULL && (fp = fopen(out, "w")) == NULL)
		err(1, "%s", out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		warn("%s", argv[optind]);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR)
			err(1, "wait4");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	fprintf(fp, "wall_s=%.3f cpu_s=%.3f maxrss_kb=%ld status=%d\n",
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6, ru.ru_maxrss, code);
	if (fp != stderr && fclose(fp) == EOF)
		err(1, "%s", out);
	return code;
}
