/*
 * test_cmdproto.c — the command protocol's encoder and decoder: round
 * trips, frames arriving byte by byte, and garbage caught from the header.
 */
#include <stdint.h>
#include <string.h>

#include "../cmdproto.h"
#include "common/unit.h"

static uint8_t buf[CMDPROTO_MAX_FRAME + 16];

static size_t
enc(enum cmdproto_type type, uint8_t flags, uint32_t seq, int32_t status,
    const void *data, size_t len)
{
	struct cmdproto_frame f = { .type = type, .flags = flags, .seq = seq,
	    .status = status, .data = data, .len = len };
	size_t used = 0;

	UNIT_EQ_INT(cmdproto_encode(&f, buf, sizeof buf, &used), CMDPROTO_OK,
	    "encode %c seq %u", type, seq);
	return used;
}

static void
test_roundtrip(void)
{
	struct cmdproto_frame f;
	size_t n, need;
	uint8_t out[300];
	int i;

	n = enc(CMDPROTO_COMMAND, 0, 1, 0, "ls -l", 5);
	UNIT_EQ_INT(n, 8 + 4 + 5, "command frame size");
	UNIT_CHECK(memcmp(buf, "CPC\0\0\0\0\x09\0\0\0\x01ls -l", n) == 0,
	    "command frame bytes");
	UNIT_EQ_INT(cmdproto_decode(buf, n, &f, &need), CMDPROTO_OK,
	    "decode command");
	UNIT_EQ_INT(need, n, "need = frame size");
	UNIT_EQ_INT(f.type, CMDPROTO_COMMAND, "type C");
	UNIT_EQ_INT(f.seq, 1, "seq");
	UNIT_CHECK(f.len == 5 && memcmp(f.data, "ls -l", 5) == 0, "text");

	for (i = 0; i < 256; i++)
		out[i] = (uint8_t)i;	/* any bytes, NUL and newline too */
	n = enc(CMDPROTO_RESULT, CMDPROTO_F_TRUNCATED, 7, -9, out, 256);
	UNIT_EQ_INT(cmdproto_decode(buf, n, &f, &need), CMDPROTO_OK,
	    "decode result");
	UNIT_EQ_INT(f.status, -9, "status -9 (SIGKILL) survives");
	UNIT_EQ_INT(f.flags, CMDPROTO_F_TRUNCATED, "flags");
	UNIT_EQ_INT(f.seq, 7, "result seq");
	UNIT_CHECK(f.len == 256 && memcmp(f.data, out, 256) == 0,
	    "256 arbitrary output bytes");

	n = enc(CMDPROTO_END, 0, 0, 0, NULL, 0);
	UNIT_EQ_INT(n, 8, "end frame is a bare header");
	UNIT_EQ_INT(cmdproto_decode(buf, n, &f, &need), CMDPROTO_OK,
	    "decode end");
	UNIT_EQ_INT(f.type, CMDPROTO_END, "type E");
}

static void
test_partial(void)
{
	struct cmdproto_frame f;
	size_t n, need, i;
	int ok = 1;

	n = enc(CMDPROTO_RESULT, 0, 2, 0, "hello\n", 6);
	for (i = 0; i < n; i++) {
		if (cmdproto_decode(buf, i, &f, &need) != CMDPROTO_NEED_MORE)
			ok = 0;
		if (need != (i < 8 ? 8 : n))
			ok = 0;
	}
	UNIT_CHECK(ok, "every prefix of a frame is NEED_MORE with the right need");
	UNIT_EQ_INT(cmdproto_decode(buf, n + 5, &f, &need), CMDPROTO_OK,
	    "trailing bytes (the next frame) are left alone");
	UNIT_EQ_INT(need, n, "need = this frame only");
}

static void
test_garbage(void)
{
	struct cmdproto_frame f;
	size_t need;
	uint8_t big[8] = { 'C', 'P', 'R', 0, 0x7f, 0xff, 0xff, 0xff };

	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"hello", 5, &f, &need),
	    CMDPROTO_BAD_MAGIC, "text is caught by the magic");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"G", 1, &f, &need),
	    CMDPROTO_BAD_MAGIC, "caught after one byte");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPX", 3, &f, &need),
	    CMDPROTO_BAD_TYPE, "unknown type");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPC\x01", 4, &f, &need),
	    CMDPROTO_BAD_FLAGS, "flags on a command");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPR\x80", 4, &f, &need),
	    CMDPROTO_BAD_FLAGS, "unknown flag bit");
	UNIT_EQ_INT(cmdproto_decode(big, 8, &f, &need), CMDPROTO_TOO_LONG,
	    "2 GiB length refused from the header alone");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPC\0\0\0\0\x02\0\0", 10,
	    &f, &need), CMDPROTO_BAD_PAYLOAD, "command payload shorter than seq");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPC\0\0\0\0\x04\0\0\0\0",
	    12, &f, &need), CMDPROTO_BAD_PAYLOAD, "seq 0 refused");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPC\0\0\0\0\x06\0\0\0\x01"
	    "a\0", 14, &f, &need), CMDPROTO_BAD_PAYLOAD, "NUL in a command");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPR\0\0\0\0\x08\0\0\0\x01"
	    "\0\0\x01\0", 16, &f, &need), CMDPROTO_BAD_STATUS,
	    "exit status 256 refused");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPR\0\0\0\0\x08\0\0\0\x01"
	    "\xff\xff\xff\xbf", 16, &f, &need), CMDPROTO_BAD_STATUS,
	    "status -65 refused: no signal 65");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPR\0\0\0\0\x08\0\0\0\x01"
	    "\xff\xff\xff\xc0", 16, &f, &need), CMDPROTO_OK,
	    "status -64 (SIGRTMAX) accepted");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPR\0\0\0\0\x08\0\0\0\x01"
	    "\xff\xff\xff\x80", 16, &f, &need), CMDPROTO_BAD_STATUS,
	    "status -128 refused");
	UNIT_EQ_INT(cmdproto_decode((const uint8_t *)"CPE\0\0\0\0\x01x", 9, &f,
	    &need), CMDPROTO_BAD_PAYLOAD, "end frame with a payload");
	UNIT_EQ_STR(cmdproto_strerror(CMDPROTO_BAD_MAGIC),
	    "garbage frame: bad magic", "error words");
}

static void
test_encode_limits(void)
{
	static uint8_t big[CMDPROTO_MAX_OUTPUT + 1];
	struct cmdproto_frame f = { .type = CMDPROTO_RESULT, .seq = 1,
	    .data = big, .len = sizeof big };
	size_t used;
	uint8_t small[10];

	UNIT_EQ_INT(cmdproto_encode(&f, buf, sizeof buf, &used),
	    CMDPROTO_TOO_LONG, "output over 64 KiB refused");
	f.status = -65;
	f.len = 0;
	UNIT_EQ_INT(cmdproto_encode(&f, buf, sizeof buf, &used),
	    CMDPROTO_BAD_STATUS, "status -65 not encoded");
	f.status = 0;
	f.len = CMDPROTO_MAX_OUTPUT;
	UNIT_EQ_INT(cmdproto_encode(&f, buf, sizeof buf, &used), CMDPROTO_OK,
	    "exactly 64 KiB of output fits");
	UNIT_EQ_INT(cmdproto_encode(&f, small, sizeof small, &used),
	    CMDPROTO_NO_ROOM, "small buffer");
	f.type = CMDPROTO_COMMAND;
	f.data = (const uint8_t *)"a\0b";
	f.len = 3;
	UNIT_EQ_INT(cmdproto_encode(&f, buf, sizeof buf, &used),
	    CMDPROTO_BAD_PAYLOAD, "NUL in a command refused");
}

int
main(void)
{
	test_roundtrip();
	test_partial();
	test_garbage();
	test_encode_limits();
	return unit_done();
}
