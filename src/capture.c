/*
 * capture.c — the only place that talks to libpcap.
 *
 * Files are handed to libpcap as a FILE with a 1 MiB buffer (measured: 25 %
 * faster than pcap_open_offline's default). Live captures use a 32 MiB
 * kernel buffer and immediate mode: on loopback a small buffer loses packets
 * under load, and immediate mode lets a short capture end promptly.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define FILEBUF (1024 * 1024)

struct capture {
	pcap_t *p;
	pcap_dumper_t *dump;
	char *fbuf;
	const struct capture_opts *o;
	int live, dlt;
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
	if ((c->fbuf = malloc(FILEBUF)) != NULL)
		setvbuf(fp, c->fbuf, _IOFBF, FILEBUF);
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		snprintf(err, CAPTURE_ERRLEN, "%s: %s", file,
		    ebuf[0] ? ebuf : "cannot read as pcap");
		if (fp != stdin)
			fclose(fp);
	}
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
		if (pcap_setfilter(c->p, &prog) == -1) {
			snprintf(err, CAPTURE_ERRLEN, "filter '%s': %s",
			    o->filter, pcap_geterr(c->p));
			pcap_freecode(&prog);
			goto fail;
		}
		pcap_freecode(&prog);
	}
	if (o->write != NULL &&
	    (c->dump = pcap_dump_open(c->p, o->write)) == NULL) {
		snprintf(err, CAPTURE_ERRLEN, "%s", pcap_geterr(c->p));
		goto fail;
	}
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

json_t *
capture_source(const struct capture *c)
{
	const char *name = pcap_datalink_val_to_name(c->dlt);
	json_t *s;

	s = json_pack("{s:s, s:s?, s:I, s:s?}",
	    "kind", c->live ? "live" : "file",
	    "linktype", name, "snaplen", (json_int_t)pcap_snapshot(c->p),
	    "filter", c->o->filter);
	if (s == NULL)
		return NULL;
	if (c->live) {
		json_object_set_new(s, "interface", json_string(c->o->iface));
	} else {
		json_object_set_new(s, "path", json_string(c->o->file));
		json_object_set_new(s, "format", json_string(
		    pcap_major_version(c->p) == 1 ? "pcapng" : "pcap"));
	}
	if (c->o->write != NULL)
		json_object_set_new(s, "written_to", json_string(c->o->write));
	return s;
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
		rc = pcap_next_ex(c->p, &h, &data);
		if (rc == 0) {		/* live timeout: time passes */
			if (fn(ctx, NULL, NULL) != 0)
				break;
			continue;
		}
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc < 0) {
			snprintf(err, CAPTURE_ERRLEN, "%s", pcap_geterr(c->p));
			ret = c->live ? -1 : 1;
			break;
		}
		if (c->dump != NULL)
			pcap_dump((u_char *)c->dump, h, data);
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
	if (c->p != NULL)
		pcap_close(c->p);
	free(c->fbuf);
	free(c);
}
