/*
 * test_cmdlog.c — the log under contention: 8 processes append 50
 * records each, some 64 KiB long, to one O_APPEND descriptor; every line
 * read back must be one whole JSON record (no tearing, no interleaving).
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../cmdlog.h"
#include "common/unit.h"

#define KIDS 8
#define EACH 50

static uint8_t big[65536];

int
main(void)
{
	char path[64], *line = NULL, want[32];
	size_t cap = 0;
	int fd, i, k, lines = 0, whole = 0, bigs = 0, b64 = 0;
	json_error_t je;
	json_t *j;
	FILE *fp;
	ssize_t n;

	snprintf(path, sizeof path, "/tmp/test_cmdlog.%ld", (long)getpid());
	unlink(path);
	fd = cmdlog_open(path);
	UNIT_CHECK(fd >= 0, "open %s", path);
	for (k = 0; k < KIDS; k++) {
		if (fork() != 0)
			continue;
		memset(big, 'a' + k, sizeof big);
		big[100] = '\n';
		snprintf(want, sizeof want, "127.0.0.1:%d", 1000 + k);
		for (i = 0; i < EACH; i++) {
			if (i % 10 == 0)
				cmdlog_result(fd, want, (uint32_t)i + 1, "x", 0,
				    0, 0, big, sizeof big);
			else if (i % 10 == 1)
				cmdlog_result(fd, want, (uint32_t)i + 1, "y",
				    -9, 0, 1, (const uint8_t *)"\xff\x00z", 3);
			else
				cmdlog_error(fd, want, "small");
		}
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	fp = fopen(path, "r");
	while (fp != NULL && (n = getline(&line, &cap, fp)) > 0) {
		lines++;
		j = json_loadb(line, (size_t)n, 0, &je);
		if (j != NULL && line[n - 1] == '\n')
			whole++;
		if (j != NULL && json_integer_value(json_object_get(j, "bytes"))
		    == 65536 && strlen(json_string_value(json_object_get(j,
		    "output"))) == 65536)
			bigs++;
		if (j != NULL && json_object_get(j, "output_base64") != NULL &&
		    strcmp(json_string_value(json_object_get(j,
		    "output_base64")), "/wB6") == 0)
			b64++;
		json_decref(j);
	}
	UNIT_EQ_INT(lines, KIDS * EACH, "one line per record");
	UNIT_EQ_INT(whole, KIDS * EACH, "every line is one whole JSON record");
	UNIT_EQ_INT(bigs, KIDS * EACH / 10, "64 KiB outputs intact");
	UNIT_EQ_INT(b64, KIDS * EACH / 10, "non-UTF-8 output as base64");
	errno = 0;
	UNIT_CHECK(cmdlog_result(fd, "127.0.0.1:1", 1, "x", -65, 0, 0, big, 0)
	    == -1 && errno == EINVAL, "status -65 is not logged (no signal 65)");
	UNIT_CHECK(cmdlog_result(fd, "127.0.0.1:1", 1, "x", 256, 0, 0, big, 0)
	    == -1 && errno == EINVAL, "status 256 is not logged");
	UNIT_EQ_INT(lseek(fd, 0, SEEK_END) > 0 && fp != NULL &&
	    getline(&line, &cap, fp) < 0, 1, "nothing was written for them");
	if (fp != NULL)
		fclose(fp);
	free(line);
	unlink(path);
	return unit_done();
}
