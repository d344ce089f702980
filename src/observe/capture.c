/*
 * capture.c — the only place that talks to libpcap.
 *
 * Files are handed to libpcap as a FILE with a 1 MiB buffer (measured: 25 %
 * faster than pcap_open_offline's default). A regular file in classic pcap
 * format, in our byte order, is then read by rawfile.c (pread(2)
 * into a 1 MiB buffer, records used in place: measured 6x faster than
 * pcap_next_ex on a 900 000-packet file); libpcap still validates the header
 * and takes over at the first record it would treat specially (caplen beyond
 * the snapshot length, a truncated record), so every message and every
 * corner case stays libpcap's. Live captures use a 32 MiB kernel buffer and
 * immediate mode: on loopback a small buffer loses packets under load, and
 * each packet is handed over as it comes (--follow's events within
 * milliseconds); the descriptor is polled, so time passes every 100 ms
 * without packets too (TIME_WAIT expiry by the clock).
 */
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "rawfile.h"

#define FILEBUF (1024 * 1024)

struct capture {
	pcap_t *p;
	pcap_dumper_t *dump;
	char *fbuf;
	FILE *fp;
	const struct capture_opts *o;
	struct bpf_program prog;
	int live, dlt, have_prog;
	struct rawfile raw;
};

static pcap_t *volatile active;
static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	if (active != NULL)
		pcap_breakloop(active);
}

void
capture_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static pcap_t *
open_file(struct capture *c, const char *file, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	FILE *fp;
	pcap_t *p;

	fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (fp == NULL) {
		snprintf(err, CAPTURE_ERRLEN, "%s: %s", file, strerror(errno));
		return NULL;
	}
	/* rawfile_next() reads a classic pcap file itself: no big FILE buffer */
	if (!rawfile_probe(&c->raw, fp) && (c->fbuf = malloc(FILEBUF)) != NULL)
		setvbuf(fp, c->fbuf, _IOFBF, FILEBUF);
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		snprintf(err, CAPTURE_ERRLEN, "%s: %s", file,
		    ebuf[0] ? ebuf : "cannot read as pcap");
		if (fp != stdin)
			fclose(fp);
	} else
		c->fp = fp;
	return p;
}

static pcap_t *
open_live(const char *iface, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc;

	if ((p = pcap_create(iface, ebuf)) == NULL) {
		snprintf(err, CAPTURE_ERRLEN, "%s: %s", iface, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, CAPTURE_SNAPLEN);
	pcap_set_buffer_size(p, CAPTURE_BUFSIZE);
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, 100);
	rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, CAPTURE_ERRLEN, "%s: %s", iface,
		    rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	if (rc > 0)
		fprintf(stderr, "tcpobserve: warning: %s: %s\n", iface,
		    pcap_statustostr(rc));
	/* capture_run polls: the timeout alone never fires in immediate mode */
	if (pcap_setnonblock(p, 1, ebuf) == -1) {
		snprintf(err, CAPTURE_ERRLEN, "%s: %s", iface, ebuf);
		pcap_close(p);
		return NULL;
	}
	return p;
}

struct capture *
capture_open(const struct capture_opts *o, char err[CAPTURE_ERRLEN])
{
	struct capture *c = calloc(1, sizeof *c);
	struct bpf_program prog;

	if (c == NULL) {
		snprintf(err, CAPTURE_ERRLEN, "%s", strerror(errno));
		return NULL;
	}
	c->o = o;
	c->live = o->file == NULL;
	c->p = c->live ? open_live(o->iface, err) : open_file(c, o->file, err);
	if (c->p == NULL)
		goto fail;
	c->dlt = pcap_datalink(c->p);
	if (o->filter != NULL) {
		if (pcap_compile(c->p, &prog, o->filter, 1,
		    PCAP_NETMASK_UNKNOWN) == -1) {
			snprintf(err, CAPTURE_ERRLEN, "bad filter '%s': %s",
			    o->filter, pcap_geterr(c->p));
			goto fail;
		}
		c->prog = prog;
		c->have_prog = 1;
		if (pcap_setfilter(c->p, &prog) == -1) {
			snprintf(err, CAPTURE_ERRLEN, "filter '%s': %s",
			    o->filter, pcap_geterr(c->p));
			goto fail;
		}
	}
	if (o->write != NULL &&
	    (c->dump = pcap_dump_open(c->p, o->write)) == NULL) {
		snprintf(err, CAPTURE_ERRLEN, "%s", pcap_geterr(c->p));
		goto fail;
	}
	if (!c->live)
		rawfile_setup(&c->raw, c->fp, c->p);
	if (c->live) {
		const char *name = pcap_datalink_val_to_name(c->dlt);
		const char *desc = pcap_datalink_val_to_description(c->dlt);

		fprintf(stderr, "listening on %s, link-type %s (%s), "
		    "snapshot length %d bytes\n", o->iface,
		    name ? name : "?", desc ? desc : "?", pcap_snapshot(c->p));
		fflush(stderr);
	}
	return c;
fail:
	capture_close(c);
	return NULL;
}

int
capture_datalink(const struct capture *c)
{
	return c->dlt;
}

void
capture_describe(const struct capture *c, struct capture_info *ci)
{
	memset(ci, 0, sizeof *ci);
	ci->live = c->live;
	ci->linktype = pcap_datalink_val_to_name(c->dlt);
	ci->snaplen = pcap_snapshot(c->p);
	ci->filter = c->o->filter;
	ci->written_to = c->o->write;
	if (c->live) {
		ci->iface = c->o->iface;
	} else {
		ci->path = c->o->file;
		ci->format = pcap_major_version(c->p) == 1 ? "pcapng" : "pcap";
	}
}

/*
 * A 32-bit field of a classic pcap record as libpcap gave it: libpcap up to
 * 1.10.4 sign-extends it (pcap_timeval is bpf_int32), later ones do not;
 * rawfile_next() does not. Either way it is the unsigned value here.
 */
static int64_t
unsigned32(int64_t v)
{
	if (v < 0 && v >= INT32_MIN)
		return v + ((int64_t)1 << 32);
	if (v < 0 || v > (int64_t)UINT32_MAX)
		return UINT32_MAX;	/* a pcapng time beyond 2106 */
	return v;
}

int64_t
capture_time_us(const struct pcap_pkthdr *h)
{
	return unsigned32(h->ts.tv_sec) * 1000000 + unsigned32(h->ts.tv_usec);
}

/*
 * Waits up to 100 ms for a live capture's next packet: 1 if one may be
 * there, 0 when the time passed without one (or a signal came).
 */
static int
wait_live(struct capture *c)
{
	struct pollfd pfd = { pcap_get_selectable_fd(c->p), POLLIN, 0 };

	return poll(&pfd, 1, 100) > 0;
}

int
capture_run(struct capture *c, capture_fn *fn, void *ctx,
    char err[CAPTURE_ERRLEN])
{
	struct pcap_pkthdr *h;
	const u_char *data;
	long n = 0;
	int rc, ret = 0;

	active = c->p;
	while (!stopping) {
		if (c->raw.on) {
			if ((rc = rawfile_next(&c->raw, c->fp, &h, &data)) == 0)
				continue;	/* libpcap goes on */
			if (rc == -1) {
				snprintf(err, CAPTURE_ERRLEN, "%s: %s",
				    c->o->file, strerror(errno));
				ret = -1;
				break;
			}
			if (c->have_prog &&
			    !pcap_offline_filter(&c->prog, h, data))
				continue;
		} else
			rc = pcap_next_ex(c->p, &h, &data);
		if (rc == 0) {		/* live, nothing yet: wait 100 ms */
			if (wait_live(c) == 0 && fn(ctx, NULL, NULL) != 0)
				break;	/* ... and let time pass */
			continue;
		}
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc < 0) {
			/* a file that ends mid-record is a warning, a failed read not */
			snprintf(err, CAPTURE_ERRLEN, "%s", pcap_geterr(c->p));
			ret = c->live || ferror(c->fp) ? -1 : 1;
			break;
		}
		if (c->dump != NULL) {
			pcap_dump((u_char *)c->dump, h, data);
			/* live: whole packets in -w FILE as they come (readable) */
			if (c->live && pcap_dump_flush(c->dump) == -1) {
				snprintf(err, CAPTURE_ERRLEN, "%s: %s", c->o->write,
				    strerror(errno));
				ret = -1;
				break;
			}
		}
		if (fn(ctx, h, data) != 0)
			break;
		if (c->o->count > 0 && ++n >= c->o->count)
			break;
	}
	active = NULL;
	if (c->dump != NULL && pcap_dump_flush(c->dump) == -1 && ret == 0) {
		snprintf(err, CAPTURE_ERRLEN, "%s: %s", c->o->write,
		    strerror(errno));
		ret = -1;
	}
	return ret;
}

uint64_t
capture_dropped(struct capture *c)
{
	struct pcap_stat ps;

	if (!c->live || pcap_stats(c->p, &ps) == -1)
		return 0;
	return (uint64_t)ps.ps_drop + ps.ps_ifdrop;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->dump != NULL)
		pcap_dump_close(c->dump);
	if (c->have_prog)
		pcap_freecode(&c->prog);
	if (c->p != NULL)
		pcap_close(c->p);
	rawfile_free(&c->raw);
	free(c->fbuf);
	free(c);
}
