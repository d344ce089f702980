/*
 * decode.c — turn a captured frame into a struct seg, or say why not.
 *
 * Every packet is hostile: all reads go through rd8/rd16/rd32 after an
 * explicit length check, in the manner of tcpdump's GET_ macros. The payload
 * length comes from the IP header (not from caplen), so a snaplen-truncated
 * frame still gives the right sequence space as long as its headers are there.
 */
#include <stddef.h>
#include <string.h>

#include "decode.h"

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ_OLD	0x9100

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static enum decode_status
decode_tcp(const uint8_t *p, uint32_t caplen, uint32_t iplen, struct seg *s)
{
	uint32_t off, i;

	if (caplen < 20)
		return iplen < 20 ? DECODE_BAD_IP_TOTAL_LENGTH : DECODE_TRUNCATED_TCP;
	off = (uint32_t)(p[12] >> 4) * 4;
	if (off < 20 || off > iplen)
		return DECODE_BAD_TCP_OFFSET;
	if (off > caplen)
		return DECODE_TRUNCATED_TCP;
	s->sport = rd16(p);
	s->dport = rd16(p + 2);
	s->seq = rd32(p + 4);
	s->ack = rd32(p + 8);
	s->flags = p[13];
	s->win = rd16(p + 14);
	s->len = iplen - off;
	s->mss = 0;
	s->wscale = -1;
	s->sack_ok = s->has_ts = s->bad_opts = 0;
	for (i = 20; i < off;) {
		uint8_t kind = p[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= off || (olen = p[i + 1]) < 2 || i + olen > off) {
			s->bad_opts = 1;
			break;
		}
		if (kind == 2 && olen == 4)
			s->mss = rd16(p + i + 2);
		else if (kind == 3 && olen == 3)
			s->wscale = (int8_t)(p[i + 2] > 14 ? 14 : p[i + 2]);
		else if (kind == 4)
			s->sack_ok = 1;
		else if (kind == 8 && olen == 10)
			s->has_ts = 1;
		i += olen;
	}
	return DECODE_OK;
}

static enum decode_status
decode_ipv4(const uint8_t *p, uint32_t caplen, uint32_t wl, struct seg *s)
{
	uint32_t hl, tot;

	if (caplen < 20)
		return DECODE_TRUNCATED_IP;
	if (p[0] >> 4 != 4)
		return DECODE_BAD_IP_VERSION;
	hl = (uint32_t)(p[0] & 0x0f) * 4;
	if (hl < 20)
		return DECODE_BAD_IP_HEADER_LENGTH;
	if (hl > caplen)
		return DECODE_TRUNCATED_IP;
	tot = rd16(p + 2);
	if (tot == 0)		/* TSO: length left to the NIC; trust the wire */
		tot = wl;
	if (tot < hl || tot > wl)	/* more than was on the wire: a lie */
		return DECODE_BAD_IP_TOTAL_LENGTH;
	if ((rd16(p + 6) & 0x1fff) != 0)
		return DECODE_FRAGMENT;
	if (p[9] != 6)
		return DECODE_NOT_TCP;
	s->family = 4;
	memset(s->src, 0, sizeof s->src);
	memset(s->dst, 0, sizeof s->dst);
	memcpy(s->src, p + 12, 4);
	memcpy(s->dst, p + 16, 4);
	return decode_tcp(p + hl, caplen - hl, tot - hl, s);
}

static enum decode_status
decode_ipv6(const uint8_t *p, uint32_t caplen, uint32_t wl, struct seg *s)
{
	uint32_t off = 40, plen;
	uint8_t nh;

	if (caplen < 40)
		return DECODE_TRUNCATED_IP;
	if (p[0] >> 4 != 6)
		return DECODE_BAD_IP_VERSION;
	plen = rd16(p + 4);
	if (plen == 0)		/* jumbogram or TSO: use what was on the wire */
		plen = wl - 40;
	if (plen > wl - 40)
		return DECODE_BAD_IP_TOTAL_LENGTH;
	nh = p[6];
	for (;;) {
		uint32_t elen;

		if (nh == 6)
			break;
		if (nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60 &&
		    nh != 135 && nh != 139 && nh != 140)
			return DECODE_NOT_TCP;
		if (off + 8 > caplen)
			return DECODE_TRUNCATED_IP6_EXT;
		if (nh == 44) {
			if ((rd16(p + off + 2) & 0xfff8) != 0)
				return DECODE_FRAGMENT;
			elen = 8;
		} else if (nh == 51) {
			elen = ((uint32_t)p[off + 1] + 2) * 4;
		} else {
			elen = ((uint32_t)p[off + 1] + 1) * 8;
		}
		if (off + elen > caplen)
			return DECODE_TRUNCATED_IP6_EXT;
		if (off - 40 + elen > plen)
			return DECODE_BAD_IP_TOTAL_LENGTH;
		nh = p[off];
		off += elen;
	}
	if (off - 40 > plen)
		return DECODE_BAD_IP_TOTAL_LENGTH;
	s->family = 6;
	memcpy(s->src, p + 8, 16);
	memcpy(s->dst, p + 24, 16);
	return decode_tcp(p + off, caplen - off, plen - (off - 40), s);
}

static enum decode_status
decode_ethertype(uint16_t type, const uint8_t *p, uint32_t caplen,
    uint32_t wl, struct seg *s)
{
	if (type == ETH_IPV4)
		return decode_ipv4(p, caplen, wl, s);
	if (type == ETH_IPV6)
		return decode_ipv6(p, caplen, wl, s);
	return DECODE_NOT_IP;
}

/* BSD address families for IPv6 differ per OS; Linux uses 10. */
static enum decode_status
decode_family(uint32_t af, const uint8_t *p, uint32_t caplen, uint32_t wl,
    struct seg *s)
{
	if (af == 2)
		return decode_ipv4(p, caplen, wl, s);
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return decode_ipv6(p, caplen, wl, s);
	return DECODE_NOT_IP;
}

static enum decode_status
decode_raw(const uint8_t *p, uint32_t caplen, uint32_t wl, struct seg *s)
{
	if (caplen < 1)
		return DECODE_TRUNCATED_IP;
	if (p[0] >> 4 == 4)
		return decode_ipv4(p, caplen, wl, s);
	if (p[0] >> 4 == 6)
		return decode_ipv6(p, caplen, wl, s);
	return DECODE_BAD_IP_VERSION;
}

static enum decode_status
decode_ether(const uint8_t *p, uint32_t caplen, uint32_t wl, struct seg *s)
{
	uint32_t off = 12;
	uint16_t type;

	if (caplen < 14)
		return DECODE_TRUNCATED_LINK;
	type = rd16(p + off);
	off += 2;
	while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
		if (off + 4 > caplen)
			return DECODE_TRUNCATED_LINK;
		type = rd16(p + off + 2);
		off += 4;
	}
	if (type < 1536)	/* an 802.3 length: LLC/SNAP, not IP for us */
		return DECODE_NOT_IP;
	return decode_ethertype(type, p + off, caplen - off, wl - off, s);
}

enum decode_status
decode_packet(int dlt, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
    struct seg *s)
{
	uint32_t af, wl = wirelen < caplen ? caplen : wirelen;

	switch (dlt) {
	case DECODE_DLT_EN10MB:
		return decode_ether(p, caplen, wl, s);
	case DECODE_DLT_LINUX_SLL:
		if (caplen < 16)
			return DECODE_TRUNCATED_LINK;
		return decode_ethertype(rd16(p + 14), p + 16, caplen - 16,
		    wl - 16, s);
	case DECODE_DLT_LINUX_SLL2:
		if (caplen < 20)
			return DECODE_TRUNCATED_LINK;
		return decode_ethertype(rd16(p), p + 20, caplen - 20, wl - 20,
		    s);
	case DECODE_DLT_NULL:
		if (caplen < 4)
			return DECODE_TRUNCATED_LINK;
		/* host byte order of the capturing machine: try both */
		af = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		if (af > 0xffff)
			af = rd32(p);
		return decode_family(af, p + 4, caplen - 4, wl - 4, s);
	case DECODE_DLT_LOOP:
		if (caplen < 4)
			return DECODE_TRUNCATED_LINK;
		return decode_family(rd32(p), p + 4, caplen - 4, wl - 4, s);
	case DECODE_DLT_RAW:
	case DECODE_DLT_RAW_OPENBSD:
	case DECODE_DLT_RAW_LT:
		return decode_raw(p, caplen, wl, s);
	case DECODE_DLT_IPV4:
		return decode_ipv4(p, caplen, wl, s);
	case DECODE_DLT_IPV6:
		return decode_ipv6(p, caplen, wl, s);
	default:
		return DECODE_UNSUPPORTED_LINK;
	}
}

int
decode_link_supported(int dlt)
{
	struct seg s;

	return decode_packet(dlt, NULL, 0, 0, &s) != DECODE_UNSUPPORTED_LINK;
}

static const char *const status_names[DECODE_NSTATUS] = {
	[DECODE_OK] = "ok",
	[DECODE_NOT_IP] = "not-ip",
	[DECODE_NOT_TCP] = "not-tcp",
	[DECODE_FRAGMENT] = "ip-fragment",
	[DECODE_UNSUPPORTED_LINK] = "unsupported-link",
	[DECODE_TRUNCATED_LINK] = "truncated-link",
	[DECODE_TRUNCATED_IP] = "truncated-ip",
	[DECODE_BAD_IP_VERSION] = "bad-ip-version",
	[DECODE_BAD_IP_HEADER_LENGTH] = "bad-ip-header-length",
	[DECODE_BAD_IP_TOTAL_LENGTH] = "bad-ip-total-length",
	[DECODE_TRUNCATED_IP6_EXT] = "truncated-ipv6-extension",
	[DECODE_TRUNCATED_TCP] = "truncated-tcp",
	[DECODE_BAD_TCP_OFFSET] = "bad-tcp-offset",
};

const char *
decode_status_name(enum decode_status st)
{
	return (unsigned)st < DECODE_NSTATUS ? status_names[st] : "unknown";
}

int
decode_is_malformed(enum decode_status st)
{
	return st >= DECODE_TRUNCATED_LINK && st < DECODE_NSTATUS;
}
