/*
 * pcapwrite.h — pcapgen's writer: a classic pcap file (little-endian, µs)
 * of TCP/IPv4 segments, by hand: no libpcap, so the generator cannot share
 * a bug with a reader. Link type 1 (EN10MB, zero MACs as on lo) or 0
 * (NULL, BSD loopback); IP and TCP checksums correct.
 */
#ifndef TCPLAB_PCAPWRITE_H
#define TCPLAB_PCAPWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { PG_FIN = 0x01, PG_SYN = 0x02, PG_PSH = 0x08, PG_ACK = 0x10 };

/* One segment: addresses host order, at t_sec.t_usec. */
struct pw_seg {
	uint64_t t_sec;
	uint32_t t_usec;
	uint32_t src, dst, seq, ack;
	uint16_t sport, dport, ipid;
	int flags;			/* PG_* */
	const char *data;
	size_t len;			/* at most 64 bytes */
};

/* The 24-byte file header (snaplen 262144). 0, or -1 (errno). */
int pw_file_header(FILE *fp, int linktype);

/* One record: 0, or -1 (errno; EMSGSIZE: too much data). */
int pw_segment(FILE *fp, int linktype, const struct pw_seg *s);

#endif
