/*
 * test_capture.c — capture.c's promises: a packet time is the same µs
 * count whichever way libpcap filled it in (signed or unsigned 32-bit
 * fields, pcapng seconds beyond 2106), and a file that cannot be read is
 * an error (-1), not a truncated file (1).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture.h"
#include "common/unit.h"

static int64_t
us(int64_t sec, int64_t usec)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)sec;
	h.ts.tv_usec = (suseconds_t)usec;
	return capture_time_us(&h);
}

static void
test_times(void)
{
	UNIT_CHECK(us(1, 2) == 1000002, "an ordinary time");
	UNIT_CHECK(us(-2147483647 - 1, 0) == 2147483648LL * 1000000,
	    "2^31 s read sign-extended is 2^31 s (2038-01-19)");
	UNIT_CHECK(us(2147483648LL, 0) == 2147483648LL * 1000000,
	    "2^31 s read unsigned is the same");
	UNIT_CHECK(us(-1, 0) == 4294967295LL * 1000000,
	    "0xffffffff s is 2106-02-07, read either way");
	UNIT_CHECK(us(5, -2147483647 - 1) == 5000000 + 2147483648LL,
	    "µs field 2^31 (a damaged file) read either way");
	UNIT_CHECK(us(INT64_MAX / 1000, 0) == (int64_t)UINT32_MAX * 1000000,
	    "a pcapng time far beyond 2106 is 2106, no overflow");
	UNIT_CHECK(us(INT64_MIN, INT64_MIN) == (int64_t)UINT32_MAX * 1000000 +
	    UINT32_MAX, "the most negative time_t: no overflow");
}

/* A classic pcap file of n 1000-byte records. */
static int
write_pcap(const char *path, int n)
{
	uint32_t hdr[6] = { 0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1 };
	uint32_t rec[4] = { 1700000000, 0, 1000, 1000 };
	char data[1000];
	FILE *fp = fopen(path, "wb");
	int i;

	if (fp == NULL)
		return -1;
	memset(data, 0, sizeof data);
	fwrite(hdr, sizeof hdr, 1, fp);
	for (i = 0; i < n; i++) {
		rec[1] = (uint32_t)i;
		fwrite(rec, sizeof rec, 1, fp);
		fwrite(data, sizeof data, 1, fp);
	}
	return fclose(fp);
}

static int npk;

static int
count(void *ctx, const struct pcap_pkthdr *h, const u_char *data)
{
	(void)ctx;
	(void)h;
	(void)data;
	npk++;
	return 0;
}

/* The file's descriptor is closed under the capture: reads fail (EBADF). */
static void
test_read_error(void)
{
	char path[] = "/tmp/tcplab-test-capture.XXXXXX", err[CAPTURE_ERRLEN];
	struct capture_opts o = { 0 };
	struct capture *c;
	int fd, next, rc = 0;

	if ((fd = mkstemp(path)) == -1) {
		UNIT_CHECK(0, "mkstemp: %s", strerror(errno));
		return;
	}
	close(fd);
	write_pcap(path, 64);
	o.file = path;
	next = dup(0);		/* the lowest free descriptor: fopen's */
	close(next);
	c = capture_open(&o, err);
	UNIT_CHECK(c != NULL, "capture_open");
	if (c != NULL) {
		rc = capture_run(c, count, NULL, err);
		UNIT_CHECK(rc == 0 && npk == 64, "all 64 packets read (%d)", npk);
		capture_close(c);
	}
	npk = 0;
	c = capture_open(&o, err);
	if (c != NULL) {
		close(next);
		rc = capture_run(c, count, NULL, err);
		capture_close(c);
	}
	UNIT_CHECK(rc == -1, "a file that cannot be read: -1, not 1 (%d: %s)",
	    rc, err);
	unlink(path);
}

int
main(void)
{
	test_times();
	test_read_error();
	return unit_done();
}
