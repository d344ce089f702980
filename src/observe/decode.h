/* decode.h — pure packet decoder: link layer, IPv4/IPv6, TCP header. */
#ifndef TCPLAB_DECODE_H
#define TCPLAB_DECODE_H

#include <stdint.h>

/* TCP flag bits as they sit in byte 13 of the header. */
#define SEG_FIN 0x01
#define SEG_SYN 0x02
#define SEG_RST 0x04
#define SEG_PSH 0x08
#define SEG_ACK 0x10
#define SEG_URG 0x20
#define SEG_ECE 0x40
#define SEG_CWR 0x80

/*
 * Why a packet was not decoded into a TCP segment. The first few are not
 * errors (the packet is simply not ours); from DECODE_TRUNCATED_LINK on they
 * are malformations, counted by name in the report.
 */
enum decode_status {
	DECODE_OK,
	DECODE_NOT_IP,		/* ARP, LLC, other ethertypes or families */
	DECODE_NOT_TCP,		/* UDP, ICMP, ... */
	DECODE_FRAGMENT,	/* a non-first IP fragment: no TCP header */
	DECODE_UNSUPPORTED_LINK,
	DECODE_TRUNCATED_LINK,
	DECODE_TRUNCATED_IP,
	DECODE_BAD_IP_VERSION,
	DECODE_BAD_IP_HEADER_LENGTH,
	DECODE_BAD_IP_TOTAL_LENGTH,
	DECODE_TRUNCATED_IP6_EXT,
	DECODE_TRUNCATED_TCP,
	DECODE_BAD_TCP_OFFSET,
	DECODE_NSTATUS
};

/* One decoded TCP segment; addresses in network byte order, numbers in host order. */
struct seg {
	uint8_t family;		/* 4 or 6 */
	uint8_t flags;		/* SEG_* */
	uint16_t sport, dport;
	uint8_t src[16], dst[16];	/* IPv4 uses the first 4 bytes */
	uint32_t seq, ack;
	uint32_t len;		/* TCP payload length (from the IP lengths) */
	uint16_t win;
	uint16_t mss;		/* 0 when absent */
	int8_t wscale;		/* -1 when absent */
	uint8_t sack_ok, has_ts, bad_opts;
};

/* Link types we decode, as pcap_datalink() numbers them (DLT_*). */
#define DECODE_DLT_NULL		0
#define DECODE_DLT_EN10MB	1
#define DECODE_DLT_RAW		12
#define DECODE_DLT_RAW_OPENBSD	14
#define DECODE_DLT_LOOP		108
#define DECODE_DLT_LINUX_SLL	113
#define DECODE_DLT_RAW_LT	101	/* LINKTYPE_RAW, if a reader passes it */
#define DECODE_DLT_IPV4		228
#define DECODE_DLT_IPV6		229
#define DECODE_DLT_LINUX_SLL2	276

/*
 * Decodes caplen captured bytes of one frame of link type dlt, wirelen bytes
 * long on the wire, into *s. Pure and bounds-checked: any byte pattern gives
 * a status, never a crash. An IP length beyond wirelen is malformed; beyond
 * caplen only (a snaplen cut) is fine as long as the headers are there.
 */
enum decode_status decode_packet(int dlt, const uint8_t *p, uint32_t caplen,
    uint32_t wirelen, struct seg *s);

/* Whether dlt is one decode_packet understands (checked once per capture). */
int decode_link_supported(int dlt);

/* The report's name for a status ("truncated-ip", ...). */
const char *decode_status_name(enum decode_status st);

/* Whether a status counts as malformed (as opposed to "not TCP"). */
int decode_is_malformed(enum decode_status st);

#endif
