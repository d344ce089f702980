/*
 * tcpobserve — every TCP connection's state timeline, for both endpoints,
 * from a live interface or a capture file (tcpdump's habits), as a JSON
 * report or a ladder diagram; `--snapshot` asks the kernel instead.
 */
#include <sys/time.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode.h"
#include "ladder.h"
#include "report.h"
#include "snapshot/snapshot.h"
#include "track.h"

static const char usage_text[] =
"usage: tcpobserve -i IFACE [-w FILE] [-c COUNT] [-o FILE] [--text] [--summary]\n"
"                  [BPF expression]\n"
"       tcpobserve -r FILE [-w FILE] [-c COUNT] [-o FILE] [--text] [--summary]\n"
"                  [BPF expression]\n"
"       tcpobserve --snapshot [--port PORT] [--text] [-o FILE]\n"
"       tcpobserve -h | --help | --version\n"
"\n"
"Follows every TCP connection and reports, for the client and the server,\n"
"which TCP state each was in and when, who closed first and who ended in\n"
"TIME_WAIT (JSON report, schema 1, on stdout or -o FILE).\n"
"\n"
"  -i IFACE      capture live on IFACE; SIGINT/SIGTERM ends it and the\n"
"                complete report is written\n"
"  -r FILE       read a pcap or pcapng file (\"-\": stdin)\n"
"  -w FILE       also save the captured packets to FILE (pcap)\n"
"  -c COUNT      stop after COUNT packets\n"
"  -o FILE       write the report to FILE instead of stdout\n"
"  --text        a ladder diagram per connection instead of JSON\n"
"  --summary     leave out the per-packet lists (big captures)\n"
"  --snapshot    the kernel's TCP sockets now (sock_diag), see --snapshot -h\n"
"  -h, --help    this text\n"
"  --version     print the version\n";

struct run {
	struct track *tr;
	int dlt, failed;
};

static void
usage(FILE *fp, int status)
{
	fputs(usage_text, fp);
	exit(status);
}

/* The clock pcap stamps live packets with, in µs. */
static int64_t
wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* capture_fn: decode and track one packet (or let time pass: h NULL). */
static int
on_packet(void *ctx, const struct pcap_pkthdr *h, const u_char *data)
{
	struct run *run = ctx;
	struct seg s;
	enum decode_status st;
	int64_t t;

	if (h == NULL) {
		track_tick(run->tr, wall_us());
		return 0;
	}
	t = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
	st = decode_packet(run->dlt, data, h->caplen, h->len, &s);
	if (track_packet(run->tr, st, &s, t) == -1) {
		run->failed = errno;
		return 1;
	}
	return 0;
}

/* Joins the remaining arguments into one BPF expression, like tcpdump. */
static char *
join_args(int argc, char **argv)
{
	size_t n = 1;
	char *s;
	int i;

	if (argc == 0)
		return NULL;
	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if ((s = calloc(1, n)) == NULL)
		err(1, "calloc");
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "summary", no_argument, NULL, 'S' },
		{ "text", no_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct capture_opts o = { 0 };
	const char *outfile = NULL, *trunc = NULL;
	char errbuf[CAPTURE_ERRLEN] = "", *end;
	int ch, i, text = 0, summary = 0, rc;
	struct capture *cap;
	struct report *rep = NULL;
	struct ladder *lad = NULL;
	struct run run = { 0 };
	FILE *out = stdout;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--snapshot") == 0)
			return snapshot_main(argc, argv);
	while ((ch = getopt_long(argc, argv, "c:hi:o:r:w:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			errno = 0;
			o.count = strtol(optarg, &end, 10);
			if (errno || *end || o.count <= 0)
				errx(2, "-c: not a positive count: %s", optarg);
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 'i':
			o.iface = optarg;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'r':
			o.file = optarg;
			break;
		case 'S':
			summary = 1;
			break;
		case 'T':
			text = 1;
			break;
		case 'V':
			printf("tcpobserve %s (report schema %d)\n",
			    REPORT_VERSION, REPORT_SCHEMA);
			return 0;
		case 'w':
			o.write = optarg;
			break;
		default:
			usage(stderr, 2);
		}
	}
	if ((o.iface == NULL) == (o.file == NULL)) {
		fprintf(stderr, "tcpobserve: give exactly one of -i IFACE "
		    "and -r FILE\n");
		usage(stderr, 2);
	}
	o.filter = join_args(argc - optind, argv + optind);
	capture_catch_signals();	/* before "listening on" is said */
	if ((cap = capture_open(&o, errbuf)) == NULL)
		errx(1, "%s", errbuf);
	run.dlt = capture_datalink(cap);
	if (!decode_link_supported(run.dlt))
		errx(1, "%s: link-type %s is not supported",
		    o.file ? o.file : o.iface,
		    pcap_datalink_val_to_name(run.dlt) ?
		    pcap_datalink_val_to_name(run.dlt) : "?");
	if (outfile != NULL && (out = fopen(outfile, "w")) == NULL)
		err(1, "%s", outfile);
	if (text) {
		lad = ladder_new(out, summary);
		run.tr = track_new(!summary, ladder_conn, lad);
		if (lad == NULL || run.tr == NULL)
			err(1, "track_new");
		ladder_set_stats(lad, track_stats(run.tr));
	} else {
		rep = report_new(out, summary);
		run.tr = track_new(!summary, report_conn, rep);
		if (rep == NULL || run.tr == NULL)
			err(1, "track_new");
		report_set_source(rep, capture_source(cap), track_stats(run.tr));
	}
	rc = capture_run(cap, on_packet, &run, errbuf);
	if (run.failed) {
		errno = run.failed;
		err(1, "tracking connections");
	}
	if (rc == -1)
		errx(1, "%s", errbuf);
	if (rc == 1) {
		trunc = errbuf;
		warnx("warning: %s: %s; the report covers the packets before it",
		    o.file, errbuf);
	}
	/* a live capture covered time up to now, a file up to its last packet */
	track_finish(run.tr, o.iface ? wall_us() : 0);
	if (text)
		rc = ladder_end(lad, capture_dropped(cap), trunc);
	else
		rc = report_end(rep, capture_dropped(cap), trunc);
	if (rc == -1 || (out != stdout && fclose(out) == EOF))
		err(1, "%s", outfile ? outfile : "stdout");
	track_free(run.tr);
	report_free(rep);
	ladder_free(lad);
	capture_close(cap);
	free((char *)o.filter);
	return 0;
}
