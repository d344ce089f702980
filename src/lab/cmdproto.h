/*
 * cmdproto.h — the framed wire protocol between cmdserver and cmdclient.
 * Pure: encodes frames into and decodes them from byte buffers; no I/O.
 *
 * Every frame is an 8-byte header and a payload:
 *
 *	offset 0  2 bytes  magic "CP" (0x43 0x50): lets garbage be caught
 *	offset 2  1 byte   type: 'C' command, 'R' result, 'E' end of commands
 *	offset 3  1 byte   flags: R only: 1 = output truncated, 2 = timed out
 *	offset 4  4 bytes  payload length, big-endian, <= CMDPROTO_MAX_PAYLOAD
 *
 *	C payload: seq (4 bytes BE, 1, 2, ...) + command text (no NUL bytes)
 *	R payload: seq (4 bytes BE) + status (4 bytes BE, signed: the exit
 *	           code 0..255, or -N when killed by signal N, 1..64) + output
 *	           bytes; any other status is garbage (CMDPROTO_BAD_STATUS)
 *	E payload: empty
 *
 * Server -> client: C ... C E; client -> server: one R per C.
 */
#ifndef TCPLAB_CMDPROTO_H
#define TCPLAB_CMDPROTO_H

#include <stddef.h>
#include <stdint.h>

#define CMDPROTO_HDR		8
#define CMDPROTO_MAX_OUTPUT	65536
#define CMDPROTO_MAX_PAYLOAD	(CMDPROTO_MAX_OUTPUT + 8)
#define CMDPROTO_MAX_FRAME	(CMDPROTO_HDR + CMDPROTO_MAX_PAYLOAD)

#define CMDPROTO_MAX_SIGNAL	64	/* Linux's SIGRTMAX */

#define CMDPROTO_F_TRUNCATED	0x01
#define CMDPROTO_F_TIMEDOUT	0x02

enum cmdproto_type {
	CMDPROTO_COMMAND = 'C',
	CMDPROTO_RESULT = 'R',
	CMDPROTO_END = 'E',
};

enum cmdproto_status {
	CMDPROTO_OK = 0,
	CMDPROTO_NEED_MORE,	/* valid so far; *need says how many bytes */
	CMDPROTO_BAD_MAGIC,
	CMDPROTO_BAD_TYPE,
	CMDPROTO_BAD_FLAGS,
	CMDPROTO_TOO_LONG,
	CMDPROTO_BAD_PAYLOAD,
	CMDPROTO_BAD_STATUS,	/* neither an exit code nor a signal */
	CMDPROTO_NO_ROOM,	/* encode: output buffer too small */
};

/* A decoded frame; data points into the buffer that was decoded. */
struct cmdproto_frame {
	enum cmdproto_type type;
	uint8_t flags;
	uint32_t seq;
	int32_t status;
	const uint8_t *data;	/* command text or output */
	size_t len;
};

enum cmdproto_status cmdproto_decode(const uint8_t *buf, size_t len,
	    struct cmdproto_frame *f, size_t *need);
enum cmdproto_status cmdproto_encode(const struct cmdproto_frame *f,
	    uint8_t *out, size_t cap, size_t *used);
int	cmdproto_status_valid(int32_t status);
const char *cmdproto_strerror(enum cmdproto_status st);

#endif
