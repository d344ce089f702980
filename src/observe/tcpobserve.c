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
#include "follow.h"
#include "ladder.h"
#include "report.h"
#include "page/page.h"
#include "snapshot/snapshot.h"
#include "track.h"

static const char usage_text[] =
"usage: tcpobserve -i IFACE [-w FILE] [-c COUNT] [-o FILE] [--text | --html]\n"
"                  [--summary | --follow] [BPF expression]\n"
"       tcpobserve -r FILE [-w FILE] [-c COUNT] [-o FILE] [--text | --html]\n"
"                  [--summary | --follow] [BPF expression]\n"
"       tcpobserve --snapshot [--port PORT] [--text] [-o FILE]\n"
"       tcpobserve --snapshot --text -r SNAPSHOT.json\n"
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
"  --html        the report as one self-contained web page (as bin/tcppage\n"
"                draws it: ladders, states, packets); open it offline\n"
"  --summary     leave out the per-packet lists (big captures)\n"
"  --follow      events as they happen, one JSON object per line, flushed:\n"
"                state changes, connection ends (the summary record),\n"
"                TIME_WAIT ends; with --text, aligned columns\n"
"  --hold N      hold at most N finished connections whole until their\n"
"                TIME_WAIT ends (default 16384); beyond, the oldest are\n"
"                written 1 s after their last packet (memory)\n"
"  --snapshot    the kernel's TCP sockets now (sock_diag), see --snapshot -h\n"
"  -h, --help    this text\n"
"  --version     print the version\n";

struct options {
	struct capture_opts cap;
	const char *outfile;
	int text, summary, follow, html;
	long hold;		/* --hold, or -1 */
};

/* One observation: the capture, the tracker and the writer it feeds. */
struct run {
	struct capture *cap;
	struct track *tr;
	struct report *rep;	/* JSON, or */
	struct ladder *lad;	/* --text */
	struct follow *fol;	/* --follow */
	FILE *out;
	FILE *page;		/* --html: the page's file; out collects the JSON */
	char *json;		/* --html: what out collected */
	size_t jsonlen;
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
	t = capture_time_us(h);
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

/* Reads the options into *o (exits on a bad one, like getopt users do). */
static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "html", no_argument, NULL, 'P' },
		{ "hold", required_argument, NULL, 'H' },
		{ "summary", no_argument, NULL, 'S' },
		{ "text", no_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:hi:o:r:w:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			errno = 0;
			o->cap.count = strtol(optarg, &end, 10);
			if (errno || *end || o->cap.count <= 0)
				errx(2, "-c: not a positive count: %s", optarg);
			break;
		case 'F':
			o->follow = o->summary = 1;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 'H':
			errno = 0;
			o->hold = strtol(optarg, &end, 10);
			if (errno || *end || *optarg == '\0' || o->hold < 0)
				errx(2, "--hold: not a count: %s", optarg);
			break;
		case 'i':
			o->cap.iface = optarg;
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'r':
			o->cap.file = optarg;
			break;
		case 'P':
			o->html = 1;
			break;
		case 'S':
			o->summary = 1;
			break;
		case 'T':
			o->text = 1;
			break;
		case 'V':
			printf("tcpobserve %s (report schema %d)\n",
			    REPORT_VERSION, REPORT_SCHEMA);
			exit(0);
		case 'w':
			o->cap.write = optarg;
			break;
		default:
			usage(stderr, 2);
		}
	}
	if ((o->cap.iface == NULL) == (o->cap.file == NULL)) {
		fprintf(stderr, "tcpobserve: give exactly one of -i IFACE "
		    "and -r FILE\n");
		usage(stderr, 2);
	}
	if (o->html && (o->text || o->follow))
		errx(2, "--html draws the JSON report: not with --text or --follow");
	o->cap.filter = join_args(argc - optind, argv + optind);
}

/* Opens the capture and checks that its link type can be decoded. */
static void
open_capture(struct run *run, const struct options *o)
{
	char errbuf[CAPTURE_ERRLEN] = "";
	const char *name;

	capture_catch_signals();	/* before "listening on" is said */
	if ((run->cap = capture_open(&o->cap, errbuf)) == NULL)
		errx(1, "%s", errbuf);
	run->dlt = capture_datalink(run->cap);
	if (!decode_link_supported(run->dlt)) {
		name = pcap_datalink_val_to_name(run->dlt);
		errx(1, "%s: link-type %s is not supported",
		    o->cap.file ? o->cap.file : o->cap.iface, name ? name : "?");
	}
}

/* The output file and the writer (JSON report or ladder) the tracker feeds. */
static void
open_writer(struct run *run, const struct options *o)
{
	struct capture_info info;

	run->out = stdout;
	if (o->outfile != NULL && (run->out = fopen(o->outfile, "w")) == NULL)
		err(1, "%s", o->outfile);
	if (o->html) {	/* the JSON goes to memory, the page to the output */
		run->page = run->out;
		run->out = open_memstream(&run->json, &run->jsonlen);
		if (run->out == NULL)
			err(1, "open_memstream");
	}
	if (o->follow) {
		run->fol = follow_new(run->out, o->text);
		run->tr = track_new(0, follow_conn, run->fol);
		if (run->fol == NULL || run->tr == NULL)
			err(1, "track_new");
		follow_set_stats(run->fol, track_stats(run->tr));
		track_set_events(run->tr, &follow_events, run->fol);
	} else if (o->text) {
		run->lad = ladder_new(run->out, o->summary);
		run->tr = track_new(!o->summary, ladder_conn, run->lad);
		if (run->lad == NULL || run->tr == NULL)
			err(1, "track_new");
		ladder_set_stats(run->lad, track_stats(run->tr));
	} else {
		run->rep = report_new(run->out, o->summary);
		run->tr = track_new(!o->summary, report_conn, run->rep);
		if (run->rep == NULL || run->tr == NULL)
			err(1, "track_new");
		capture_describe(run->cap, &info);
		report_set_source(run->rep, &info, track_stats(run->tr));
	}
	if (o->hold >= 0)
		track_set_hold(run->tr, (size_t)o->hold);
}

/*
 * Reads every packet into the tracker. Returns why a file ended early (a
 * warning already given), or NULL; exits on an error.
 */
static const char *
observe(struct run *run, const struct options *o, char errbuf[CAPTURE_ERRLEN])
{
	int rc = capture_run(run->cap, on_packet, run, errbuf);

	if (run->failed) {
		errno = run->failed;
		err(1, "tracking connections");
	}
	if (rc == -1)
		errx(1, "%s", errbuf);
	if (rc == 0)
		return NULL;
	warnx("warning: %s: %s; the report covers the packets before it",
	    o->cap.file, errbuf);
	return errbuf;
}

/* --html: the collected JSON report drawn as one page; exits on failure. */
static void
write_page(struct run *run, const struct options *o)
{
	const char *name = o->outfile ? o->outfile : "stdout";

	if (page_write(run->page, run->json, run->jsonlen, NULL) == -1) {
		if (errno == EINVAL)
			errx(1, "--html: %s", page_error());
		err(1, "%s", name);
	}
	if ((run->page != stdout ? fclose(run->page) : fflush(run->page)) == EOF)
		err(1, "%s", name);
	free(run->json);
}

/* The connections still open, then the trailer; exits if output failed. */
static void
finish(struct run *run, const struct options *o, const char *trunc)
{
	int rc;

	/* a live capture covered time up to now, a file up to its last packet */
	track_finish(run->tr, o->cap.iface ? wall_us() : 0);
	if (o->follow)
		rc = follow_end(run->fol);
	else if (o->text)
		rc = ladder_end(run->lad, capture_dropped(run->cap), trunc);
	else
		rc = report_end(run->rep, capture_dropped(run->cap), trunc);
	if (rc == -1 || (run->out != stdout && fclose(run->out) == EOF))
		err(1, "%s", o->outfile && !o->html ? o->outfile : "stdout");
	if (o->html)
		write_page(run, o);
}

int
main(int argc, char **argv)
{
	struct options o = { .hold = -1 };
	struct run run = { 0 };
	char errbuf[CAPTURE_ERRLEN] = "";
	const char *trunc;
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--snapshot") == 0)
			return snapshot_main(argc, argv);
	parse_args(argc, argv, &o);
	open_capture(&run, &o);
	open_writer(&run, &o);
	trunc = observe(&run, &o, errbuf);
	finish(&run, &o, trunc);
	track_free(run.tr);
	report_free(run.rep);
	ladder_free(run.lad);
	follow_free(run.fol);
	capture_close(run.cap);
	free((char *)o.cap.filter);
	return 0;
}
