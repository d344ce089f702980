/*
 * pcapwrite.c — classic pcap written by hand (see pcapwrite.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pcapwrite.h"

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
csum_add(uint32_t sum, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Little-endian file and record headers, as libpcap writes on x86. */
static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int
pw_file_header(FILE *fp, int linktype)
{
	unsigned char h[24];

	put_le32(h, 0xa1b2c3d4);		/* microsecond timestamps */
	h[4] = 2; h[5] = 0; h[6] = 4; h[7] = 0;	/* version 2.4 */
	put_le32(h + 8, 0);			/* thiszone */
	put_le32(h + 12, 0);			/* sigfigs */
	put_le32(h + 16, 262144);		/* snaplen */
	put_le32(h + 20, (uint32_t)linktype);
	return fwrite(h, sizeof h, 1, fp) == 1 ? 0 : -1;
}

int
pw_segment(FILE *fp, int linktype, const struct pw_seg *s)
{
	unsigned char pkt[128], *ip, *tcp, pseudo[12];
	size_t link = linktype == 1 ? 14 : 4, caplen = link + 40 + s->len;

	if (s->len > sizeof pkt - 16 - link - 40) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(pkt, 0, 16 + link + 40);
	put_le32(pkt, (uint32_t)s->t_sec);
	put_le32(pkt + 4, s->t_usec);
	put_le32(pkt + 8, (uint32_t)caplen);
	put_le32(pkt + 12, (uint32_t)caplen);
	if (linktype == 1)
		put16(pkt + 16 + 12, 0x0800);	/* zero MACs, as on lo */
	else
		put_le32(pkt + 16, 2);		/* AF_INET, host order */

	ip = pkt + 16 + link;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + s->len));
	put16(ip + 4, s->ipid);
	put16(ip + 6, 0x4000);			/* DF */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, s->src);
	put32(ip + 16, s->dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	tcp = ip + 20;
	put16(tcp, s->sport);
	put16(tcp + 2, s->dport);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = 5 << 4;
	tcp[13] = (unsigned char)s->flags;
	put16(tcp + 14, (s->flags & PG_SYN) ? 65495 : 512);
	if (s->len > 0)
		memcpy(tcp + 20, s->data, s->len);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, (uint16_t)(20 + s->len));
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp,
	    20 + s->len)));

	return fwrite(pkt, 16 + caplen, 1, fp) == 1 ? 0 : -1;
}
