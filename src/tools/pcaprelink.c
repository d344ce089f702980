/*
 * pcaprelink — rewrite a capture with another link-layer header, so a test
 * can check that the observer decodes "the same session" identically from
 * every link type it claims (EN10MB with or without 802.1Q/QinQ tags,
 * LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW), in pcap or pcapng.
 *
 *	pcaprelink -l LINUX_SLL2 in.pcap out.pcap
 *	pcaprelink -l EN10MB -V 10,20 -F pcapng in.pcap out.pcapng
 *
 * Only IPv4 and IPv6 packets are carried over; anything else is counted and
 * skipped. Timestamps, and the bytes from the IP header on, are unchanged.
 */
#include <arpa/inet.h>

#include <err.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RELINK_MAXHDR 64

struct relink_out {
	int dlt;		/* target DLT */
	int vlans[2];		/* 802.1Q tags for EN10MB, 0 = none */
	int nvlans;
};

static void
usage(FILE *f)
{
	fputs("usage: pcaprelink -l LINKTYPE [-F pcap|pcapng] [-V VID[,VID]] IN OUT\n"
	    "  LINKTYPE: EN10MB LINUX_SLL LINUX_SLL2 NULL LOOP RAW\n"
	    "  -V adds one or two 802.1Q tags (EN10MB only; two = QinQ)\n", f);
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/*
 * Find the IP packet in a frame of link type dlt: its offset, and its
 * ethertype (0x0800 or 0x86dd). Returns -1 when it is not IP or too short.
 */
static int
relink_strip(int dlt, const uint8_t *p, size_t len, size_t *off, unsigned *type)
{
	size_t o;
	unsigned t;

	switch (dlt) {
	case DLT_EN10MB:
		for (o = 12; len >= o + 2 && (get16(p + o) == 0x8100 ||
		    get16(p + o) == 0x88a8); o += 4)
			;
		if (len < o + 2)
			return -1;
		t = get16(p + o);
		o += 2;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		t = get16(p + 14);
		o = 16;
		break;
	case DLT_LINUX_SLL2:
		if (len < 20)
			return -1;
		t = get16(p);
		o = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (len < 5)
			return -1;
		t = (p[4] >> 4) == 6 ? 0x86dd : 0x0800;
		o = 4;
		break;
	case DLT_RAW:
	case 101:	/* LINKTYPE_RAW, when libpcap reports it as such */
		if (len < 1)
			return -1;
		t = (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		o = 0;
		break;
	default:
		return -1;
	}
	if ((t != 0x0800 && t != 0x86dd) || len <= o)
		return -1;
	*off = o;
	*type = t;
	return 0;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Write the link header for an IP packet of ethertype type into h; its size. */
static size_t
relink_header(const struct relink_out *o, unsigned type, uint8_t *h)
{
	static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
	uint32_t fam = type == 0x86dd ? 24 : 2;	/* BSD AF_INET6 is 24 */
	size_t n = 0;
	int i;

	memset(h, 0, RELINK_MAXHDR);
	switch (o->dlt) {
	case DLT_EN10MB:
		memcpy(h, mac_b, 6);
		memcpy(h + 6, mac_a, 6);
		n = 12;
		for (i = 0; i < o->nvlans; i++, n += 4) {
			put16(h + n, o->nvlans == 2 && i == 0 ? 0x88a8 : 0x8100);
			put16(h + n + 2, (unsigned)o->vlans[i] & 0x0fff);
		}
		put16(h + n, type);
		return n + 2;
	case DLT_LINUX_SLL:
		put16(h, 0);		/* PACKET_HOST */
		put16(h + 2, 772);	/* ARPHRD_LOOPBACK */
		put16(h + 4, 6);
		put16(h + 14, type);
		return 16;
	case DLT_LINUX_SLL2:
		put16(h, type);
		h[7] = 1;		/* ifindex 1 */
		put16(h + 8, 772);
		h[10] = 0;		/* PACKET_HOST */
		h[11] = 6;
		return 20;
	case DLT_NULL:
		memcpy(h, &fam, 4);	/* host byte order */
		return 4;
	case DLT_LOOP:
		fam = htonl(fam);	/* network byte order */
		memcpy(h, &fam, 4);
		return 4;
	default:	/* RAW */
		return 0;
	}
}

/* The LINKTYPE_ number pcapng files carry for a DLT_ value. */
static uint16_t
relink_linktype(int dlt)
{
	return dlt == DLT_RAW ? 101 : (uint16_t)dlt;
}

static void
ng_block(FILE *f, uint32_t type, const void *body, uint32_t blen,
    const uint8_t *data, uint32_t dlen)
{
	static const uint8_t pad[4];
	uint32_t padded = (dlen + 3) & ~3u, total = 12 + blen + padded;

	fwrite(&type, 4, 1, f);
	fwrite(&total, 4, 1, f);
	fwrite(body, blen, 1, f);
	if (dlen) {
		fwrite(data, dlen, 1, f);
		fwrite(pad, padded - dlen, 1, f);
	}
	fwrite(&total, 4, 1, f);
}

/* The options into *o and *ngfmt (-F pcapng); exits 2 on a bad one. */
static void
parse_args(int argc, char **argv, struct relink_out *o, int *ngfmt)
{
	int c;

	while ((c = getopt(argc, argv, "F:hl:V:")) != -1) {
		switch (c) {
		case 'F':
			if (strcmp(optarg, "pcap") && strcmp(optarg, "pcapng"))
				errx(2, "-F %s: pcap or pcapng", optarg);
			*ngfmt = strcmp(optarg, "pcapng") == 0;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'l':
			if ((o->dlt = pcap_datalink_name_to_val(optarg)) == -1 ||
			    (o->dlt != DLT_EN10MB && o->dlt != DLT_LINUX_SLL &&
			    o->dlt != DLT_LINUX_SLL2 && o->dlt != DLT_NULL &&
			    o->dlt != DLT_LOOP && o->dlt != DLT_RAW))
				errx(2, "-l %s: unsupported link type", optarg);
			break;
		case 'V':
			o->nvlans = sscanf(optarg, "%d,%d", &o->vlans[0], &o->vlans[1]);
			if (o->nvlans < 1)
				errx(2, "-V %s: expected VID[,VID]", optarg);
			break;
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (argc - optind != 2 || o->dlt == -1) {
		usage(stderr);
		exit(2);
	}
	if (o->nvlans && o->dlt != DLT_EN10MB)
		errx(2, "-V: only with -l EN10MB");
}

int
main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct relink_out o = { -1, { 0, 0 }, 0 };
	struct pcap_pkthdr *ph;
	const u_char *pkt;
	pcap_t *in, *dead = NULL;
	pcap_dumper_t *dump = NULL;
	FILE *ng = NULL;
	int ngfmt = 0, r, indlt;
	unsigned long skipped = 0, written = 0;

	parse_args(argc, argv, &o, &ngfmt);
	if ((in = pcap_open_offline(argv[optind], ebuf)) == NULL)
		errx(1, "%s: %s", argv[optind], ebuf);
	indlt = pcap_datalink(in);
	if (ngfmt) {
		uint32_t shb[4] = { 0x1A2B3C4D, 0x00000001, 0xffffffff, 0xffffffff };
		uint32_t idb[2] = { relink_linktype(o.dlt), 262144 };
		if ((ng = fopen(argv[optind + 1], "wb")) == NULL)
			err(1, "%s", argv[optind + 1]);
		ng_block(ng, 0x0A0D0D0A, shb, sizeof(shb), NULL, 0);
		ng_block(ng, 1, idb, sizeof(idb), NULL, 0);
	} else {
		dead = pcap_open_dead(o.dlt, 262144);
		if ((dump = pcap_dump_open(dead, argv[optind + 1])) == NULL)
			errx(1, "%s: %s", argv[optind + 1], pcap_geterr(dead));
	}
	while ((r = pcap_next_ex(in, &ph, &pkt)) == 1) {
		uint8_t frame[RELINK_MAXHDR + 262144];
		size_t off, hl;
		unsigned type;
		if (relink_strip(indlt, pkt, ph->caplen, &off, &type) == -1) {
			skipped++;
			continue;
		}
		hl = relink_header(&o, type, frame);
		memcpy(frame + hl, pkt + off, ph->caplen - off);
		if (ng) {
			uint64_t us = (uint64_t)ph->ts.tv_sec * 1000000 + (uint64_t)ph->ts.tv_usec;
			uint32_t epb[5] = { 0, (uint32_t)(us >> 32), (uint32_t)us,
			    (uint32_t)(hl + ph->caplen - off), (uint32_t)(hl + ph->len - off) };
			ng_block(ng, 6, epb, sizeof(epb), frame, epb[3]);
		} else {
			struct pcap_pkthdr h = *ph;
			h.caplen = (bpf_u_int32)(hl + ph->caplen - off);
			h.len = (bpf_u_int32)(hl + ph->len - off);
			pcap_dump((u_char *)dump, &h, frame);
		}
		written++;
	}
	if (r == -1)
		errx(1, "%s: %s", argv[optind], pcap_geterr(in));
	if (ng && fclose(ng) == EOF)
		err(1, "%s", argv[optind + 1]);
	if (dump) {
		pcap_dump_close(dump);
		pcap_close(dead);
	}
	pcap_close(in);
	if (skipped)
		fprintf(stderr, "pcaprelink: skipped %lu non-IP packets\n", skipped);
	fprintf(stderr, "pcaprelink: wrote %lu packets\n", written);
	return 0;
}
