/* test_decode.c — every link type, IPv4/IPv6, and hostile bytes. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../decode.h"
#include "common/unit.h"

static uint8_t tcp[] = {	/* 40-byte header: SYN with options */
	0xbe, 0xef, 0x00, 0x0d,		/* 48879 -> 13 */
	0x00, 0x00, 0x03, 0xe8,		/* seq 1000 */
	0x00, 0x00, 0x00, 0x00,		/* ack 0 */
	0xa0, 0x02, 0xff, 0xd7,		/* offset 10, SYN, win 65495 */
	0x00, 0x00, 0x00, 0x00,
	0x02, 0x04, 0xff, 0xd7,		/* mss 65495 */
	0x04, 0x02,			/* sack ok */
	0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0,	/* timestamps */
	0x01, 0x03, 0x03, 0x07,		/* nop, wscale 7 */
};

static size_t
ipv4(uint8_t *b, uint8_t proto, size_t payload)
{
	static const uint8_t h[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0,
	    127, 0, 0, 1, 127, 0, 0, 2 };

	memcpy(b, h, 20);
	b[2] = (uint8_t)((20 + payload) >> 8);
	b[3] = (uint8_t)(20 + payload);
	b[9] = proto;
	return 20;
}

/* IPv6 with a hop-by-hop and a destination options header before TCP. */
static size_t
ipv6(uint8_t *b, size_t payload)
{
	memset(b, 0, 56);
	b[0] = 0x60;
	b[4] = (uint8_t)((16 + payload) >> 8);
	b[5] = (uint8_t)(16 + payload);
	b[6] = 0;		/* hop-by-hop */
	b[7] = 64;
	b[23] = 1;		/* ::1 */
	b[39] = 1;
	b[40] = 60;		/* next: destination options */
	b[41] = 0;		/* 8 bytes */
	b[48] = 6;		/* next: TCP */
	b[49] = 0;
	return 56;
}

static size_t
frame(int dlt, uint8_t *b, int v6)
{
	size_t n = 0;

	switch (dlt) {
	case DECODE_DLT_EN10MB:		/* with QinQ: 88a8, 8100 */
		memset(b, 0xaa, 12);
		b[12] = 0x88; b[13] = 0xa8; b[14] = 0; b[15] = 5;
		b[16] = 0x81; b[17] = 0x00; b[18] = 0; b[19] = 7;
		b[20] = v6 ? 0x86 : 0x08; b[21] = v6 ? 0xdd : 0x00;
		n = 22;
		break;
	case DECODE_DLT_LINUX_SLL:
		memset(b, 0, 16);
		b[14] = v6 ? 0x86 : 0x08; b[15] = v6 ? 0xdd : 0x00;
		n = 16;
		break;
	case DECODE_DLT_LINUX_SLL2:
		memset(b, 0, 20);
		b[0] = v6 ? 0x86 : 0x08; b[1] = v6 ? 0xdd : 0x00;
		n = 20;
		break;
	case DECODE_DLT_NULL:		/* little-endian writer */
		b[0] = v6 ? 10 : 2; b[1] = b[2] = b[3] = 0;
		n = 4;
		break;
	case DECODE_DLT_LOOP:
		b[0] = b[1] = b[2] = 0; b[3] = v6 ? 24 : 2;
		n = 4;
		break;
	default:
		break;
	}
	n += v6 ? ipv6(b + n, sizeof tcp + 5) : ipv4(b + n, 6, sizeof tcp + 5);
	memcpy(b + n, tcp, sizeof tcp);
	n += sizeof tcp;
	memset(b + n, 'x', 5);		/* 5 payload bytes */
	return n + 5;
}

static void
test_link(int dlt, const char *name)
{
	uint8_t b[256];
	struct seg s;
	int v6;

	for (v6 = 0; v6 <= 1; v6++) {
		size_t n = frame(dlt, b, v6), cut;
		enum decode_status st = decode_packet(dlt, b, (uint32_t)n, (uint32_t)n, &s);
		int bad = 0;

		UNIT_EQ_INT(st, DECODE_OK, "%s %s: decodes", name, v6 ? "IPv6" : "IPv4");
		UNIT_EQ_INT(s.family, v6 ? 6 : 4, "%s: family", name);
		UNIT_EQ_INT(s.sport, 48879, "%s: source port", name);
		UNIT_EQ_INT(s.dport, 13, "%s: destination port", name);
		UNIT_EQ_INT(s.seq, 1000, "%s: seq", name);
		UNIT_EQ_INT(s.flags, SEG_SYN, "%s: flags", name);
		UNIT_EQ_INT(s.len, 5, "%s: payload length from the IP header", name);
		UNIT_EQ_INT(s.mss, 65495, "%s: mss option", name);
		UNIT_EQ_INT(s.wscale, 7, "%s: wscale option", name);
		UNIT_CHECK(s.sack_ok && s.has_ts && !s.bad_opts, "%s: options", name);
		/* cut in the headers: a malformation; in the payload: fine */
		for (cut = 0; cut < n; cut++) {
			st = decode_packet(dlt, b, (uint32_t)cut, (uint32_t)n, &s);
			if (cut < n - 5 && !decode_is_malformed(st))
				bad++;
			if (cut >= n - 5 && st != DECODE_OK)
				bad++;
		}
		UNIT_EQ_INT(bad, 0, "%s %s: a cut at every offset is classified",
		    name, v6 ? "IPv6" : "IPv4");
	}
}

static void
test_malformed(void)
{
	uint8_t b[256];
	struct seg s;
	size_t n;

	n = frame(DECODE_DLT_RAW, b, 0);
	b[0] = 0x44;
	UNIT_EQ_STR(decode_status_name(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n,
	    (uint32_t)n, &s)), "bad-ip-header-length", "IHL 4");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[2] = 0; b[3] = 10;
	UNIT_EQ_STR(decode_status_name(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n,
	    (uint32_t)n, &s)), "bad-ip-total-length", "total length below the header");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[2] = 0x05; b[3] = 0xdc;
	UNIT_EQ_STR(decode_status_name(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n,
	    (uint32_t)n, &s)), "bad-ip-total-length",
	    "total length beyond what was on the wire");
	n = frame(DECODE_DLT_RAW, b, 0);
	UNIT_EQ_INT(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n - 5, (uint32_t)n,
	    &s), DECODE_OK, "snaplen cut in the payload decodes");
	UNIT_EQ_INT(s.len, 5, "snaplen cut: payload length from the IP header");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[20 + 12] = 0x40;
	UNIT_EQ_STR(decode_status_name(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n,
	    (uint32_t)n, &s)), "bad-tcp-offset", "TCP data offset 4");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[20 + 12] = 0xf0;
	UNIT_EQ_STR(decode_status_name(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n,
	    (uint32_t)n, &s)), "bad-tcp-offset", "TCP data offset beyond the IP length");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[0] = 0x75;
	UNIT_EQ_STR(decode_status_name(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n,
	    (uint32_t)n, &s)), "bad-ip-version", "IP version 7");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[20 + 21] = 0x30;	/* option length runs past the header */
	UNIT_EQ_INT(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n, (uint32_t)n, &s), DECODE_OK,
	    "bad option length: segment still decoded");
	UNIT_CHECK(s.bad_opts, "bad option length: flagged");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[9] = 17;
	UNIT_EQ_INT(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n, (uint32_t)n, &s),
	    DECODE_NOT_TCP, "UDP is not TCP, not malformed");
	UNIT_CHECK(!decode_is_malformed(DECODE_NOT_TCP), "not-tcp is no malformation");
	n = frame(DECODE_DLT_RAW, b, 0);
	b[6] = 0x00; b[7] = 0x10;
	UNIT_EQ_INT(decode_packet(DECODE_DLT_RAW, b, (uint32_t)n, (uint32_t)n, &s),
	    DECODE_FRAGMENT, "non-first fragment skipped");
	n = frame(DECODE_DLT_EN10MB, b, 0);
	b[20] = 0x08; b[21] = 0x06;
	UNIT_EQ_INT(decode_packet(DECODE_DLT_EN10MB, b, (uint32_t)n, (uint32_t)n, &s),
	    DECODE_NOT_IP, "ARP is not IP");
	UNIT_EQ_INT(decode_packet(147, b, (uint32_t)n, (uint32_t)n, &s),
	    DECODE_UNSUPPORTED_LINK, "unknown link type");
	UNIT_CHECK(!decode_link_supported(147) &&
	    decode_link_supported(DECODE_DLT_LINUX_SLL2), "link support check");
}

static void
test_null_big_endian(void)
{
	uint8_t b[256];
	struct seg s;
	size_t n = frame(DECODE_DLT_LOOP, b, 0);	/* family in network order */

	UNIT_EQ_INT(decode_packet(DECODE_DLT_NULL, b, (uint32_t)n, (uint32_t)n, &s), DECODE_OK,
	    "NULL written by a big-endian machine");
}

/* Random bytes behind every link type: a status in range, never a crash. */
static void
test_fuzz(void)
{
	static const int dlts[] = { DECODE_DLT_EN10MB, DECODE_DLT_LINUX_SLL,
	    DECODE_DLT_LINUX_SLL2, DECODE_DLT_NULL, DECODE_DLT_LOOP,
	    DECODE_DLT_RAW, DECODE_DLT_IPV4, DECODE_DLT_IPV6 };
	uint64_t x = 88172645463325252ULL;
	uint8_t b[256];
	struct seg s;
	int i, j, bad = 0, ok = 0;

	for (i = 0; i < 200000; i++) {
		size_t n = (size_t)(x % sizeof b), k;
		int dlt = dlts[i % 8];
		enum decode_status st;

		for (k = 0; k < n; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			b[k] = (uint8_t)x;
		}
		/* make some of them plausible so the deep paths run too */
		if (i % 3 == 0) {
			size_t m = frame(dlt == DECODE_DLT_IPV4 || dlt == DECODE_DLT_IPV6 ?
			    DECODE_DLT_RAW : dlt, b, dlt == DECODE_DLT_IPV6 || (i & 4));
			for (j = 0; j < 3; j++) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				b[x % m] = (uint8_t)(x >> 8);
			}
			n = m;
		}
		st = decode_packet(dlt, b, (uint32_t)n, (uint32_t)(n + (x & 7)), &s);
		if ((unsigned)st >= DECODE_NSTATUS)
			bad++;
		if (st == DECODE_OK) {
			ok++;
			if (s.family != 4 && s.family != 6)
				bad++;
		}
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
	}
	UNIT_EQ_INT(bad, 0, "200000 random frames: statuses in range");
	UNIT_CHECK(ok > 1000, "fuzz reached the TCP decoder (%d OK)", ok);
}

int
main(void)
{
	uint8_t b[256];
	struct seg s;
	size_t n;

	test_link(DECODE_DLT_EN10MB, "EN10MB+QinQ");
	test_link(DECODE_DLT_LINUX_SLL, "LINUX_SLL");
	test_link(DECODE_DLT_LINUX_SLL2, "LINUX_SLL2");
	test_link(DECODE_DLT_NULL, "NULL");
	test_link(DECODE_DLT_LOOP, "LOOP");
	test_link(DECODE_DLT_RAW, "RAW");
	test_null_big_endian();
	test_malformed();
	test_fuzz();
	n = frame(DECODE_DLT_RAW, b, 1);
	UNIT_EQ_INT(decode_packet(DECODE_DLT_IPV6, b, (uint32_t)n, (uint32_t)n, &s), DECODE_OK,
	    "DLT_IPV6");
	UNIT_CHECK(s.dst[15] == 1 && s.src[15] == 1, "IPv6 addresses");
	n = frame(DECODE_DLT_RAW, b, 0);
	UNIT_EQ_INT(decode_packet(DECODE_DLT_IPV4, b, (uint32_t)n, (uint32_t)n, &s), DECODE_OK,
	    "DLT_IPV4");
	return unit_done();
}
