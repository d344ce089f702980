/*
 * pcaploop — the floor `make bench` measures readers against: libpcap's
 * pcap_next_ex over every packet of a file and nothing else (the packets
 * and bytes counted, so the loop cannot be optimised away).
 *
 *	pcaploop FILE	prints "N packets, B bytes"
 */
#include <err.h>
#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long long n = 0, bytes = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcaploop FILE\n");
		return 2;
	}
	if ((p = pcap_open_offline(argv[1], ebuf)) == NULL)
		errx(1, "%s: %s", argv[1], ebuf);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		n++;
		bytes += h->caplen + data[0];
	}
	if (rc == PCAP_ERROR)
		errx(1, "%s: %s", argv[1], pcap_geterr(p));
	printf("%llu packets, %llu bytes\n", n, bytes);
	pcap_close(p);
	return 0;
}
