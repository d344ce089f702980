/*
 * rawfile.h — capture.c's fast path: a regular file in classic pcap format,
 * in our byte order, read without libpcap once libpcap has checked its
 * header. libpcap takes over at the first record it would treat specially
 * (caplen beyond the snapshot length, a truncated record, a damaged ns
 * timestamp), so every message and every corner case stays libpcap's.
 */
#ifndef TCPLAB_RAWFILE_H
#define TCPLAB_RAWFILE_H

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

/* The direct reader of a classic pcap file (see the top comment). */
struct rawfile {
	int probed, on, nsec, fd;
	uint32_t snap;		/* pcap_snapshot() */
	unsigned char *buf;
	size_t len, off;	/* bytes in buf; next record's offset in buf */
	off_t pos;		/* file offset of buf[0] */
	struct pcap_pkthdr h;
};

/*
 * Before libpcap reads anything: 1 if fp is a regular file starting with a
 * classic pcap magic number in our byte order, which rawfile_next() can
 * read; 0 otherwise.
 */
int rawfile_probe(struct rawfile *r, FILE *fp);

/*
 * Once libpcap (p) has accepted the file header: takes over the reading if
 * rawfile_probe() liked the file and libpcap is right behind the header
 * (otherwise r stays off and libpcap reads everything).
 */
void rawfile_setup(struct rawfile *r, FILE *fp, pcap_t *p);

/*
 * pcap_next_ex() while r->on: 1 with a packet; 0 when libpcap has to go on
 * from the current record (fp is positioned there, r is off); -1 if fp
 * cannot be positioned (errno).
 */
int rawfile_next(struct rawfile *r, FILE *fp, struct pcap_pkthdr **h,
    const u_char **data);

void rawfile_free(struct rawfile *r);

#endif
