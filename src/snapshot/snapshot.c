/*
 * snapshot.c — `tcpobserve --snapshot`: what `netstat -antop` would show,
 * read straight from the kernel through sock_diag (diag.c) and joined with
 * the owning processes (procsock.c). The wire view tells what happened; this
 * tells what the kernel holds right now: the LISTEN socket's Recv-Q counting
 * handshakes done but not yet accepted, the active closer's TIME_WAIT and
 * its time left.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "diag.h"
#include "procsock.h"
#include "snapshot.h"
#include "sstext.h"

#define SNAPSHOT_USAGE \
	"usage: tcpobserve --snapshot [--port PORT] [--text] [-o FILE]\n" \
	"       tcpobserve --snapshot --text -r SNAPSHOT.json   (a snapshot read back; -: stdin)\n"

struct snap_opts {
	long port;		/* -1: every socket */
	int text;
	const char *out;
	const char *in;		/* -r: a snapshot JSON to print as text */
};

static json_t *
endpoint_json(const struct diag_sock *s, int remote)
{
	char buf[64];

	return json_pack("{s:s, s:i}", "addr", diag_addr_str(s, remote, buf, sizeof buf),
	    "port", remote ? s->rport : s->lport);
}

static json_t *
sock_json(const struct diag_sock *s, const struct procsock_map *pm)
{
	const struct procsock *p;
	json_t *o, *procs, *timer = json_null();
	size_t i, n = s->inode ? procsock_find(pm, s->inode, &p) : 0;

	if (diag_timer_name(s->timer) != NULL)
		timer = json_pack("{s:s, s:f, s:i}", "kind", diag_timer_name(s->timer),
		    "left", s->expires_ms / 1000.0, "retrans", (int)s->retrans);
	procs = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(procs, json_pack("{s:i, s:s, s:i}",
		    "pid", (int)p[i].pid, "comm", p[i].comm, "fd", p[i].fd));
	o = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:o, s:I, s:I, s:o}",
	    "family", s->family == AF_INET ? "inet" : "inet6",
	    "state", diag_state_name(s->state),
	    "local", endpoint_json(s, 0), "remote", endpoint_json(s, 1),
	    "recv_q", (json_int_t)s->rqueue, "send_q", (json_int_t)s->wqueue,
	    "timer", timer, "inode", (json_int_t)s->inode,
	    "uid", (json_int_t)s->uid, "procs", procs);
	return o;
}

/* The contract's JSON document, written with Jansson. Returns -1 on error. */
static int
write_json(FILE *fp, const struct diag_list *l, const struct procsock_map *pm,
    double now)
{
	json_t *doc, *arr = json_array();
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++)
		json_array_append_new(arr, sock_json(&l->v[i], pm));
	doc = json_pack("{s:s, s:s, s:i, s:f, s:o}", "tool", "tcpobserve",
	    "kind", "snapshot", "schema", 1, "time", now, "sockets", arr);
	if (doc == NULL)
		return -1;
	rc = json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(16));
	json_decref(doc);
	if (rc == 0 && fputc('\n', fp) == EOF)
		rc = -1;
	return rc;
}

/* The header and one line per socket (sstext.c); -1 on a write error. */
static int
text_lines(FILE *fp, const struct sstext_sock *v, size_t n)
{
	char line[1024];
	size_t i;

	if (sstext_header(line, sizeof line) != -1)
		fprintf(fp, "%s\n", line);
	for (i = 0; i < n; i++)
		if (sstext_line(&v[i], line, sizeof line) != -1)
			fprintf(fp, "%s\n", line);
	return ferror(fp) ? -1 : 0;
}

/* The kernel's sockets in netstat's and ss's words. Returns -1 on error. */
static int
write_text(FILE *fp, const struct diag_list *l, const struct procsock_map *pm)
{
	struct sstext_sock *v = calloc(l->n ? l->n : 1, sizeof *v);
	struct sstext_owner *ow = calloc(pm->n ? pm->n : 1, sizeof *ow);
	char (*addr)[2][64] = calloc(l->n ? l->n : 1, sizeof *addr);
	size_t i, k, used = 0;
	int rc = -1;

	if (v == NULL || ow == NULL || addr == NULL)
		goto out;
	for (i = 0; i < l->n; i++) {
		const struct diag_sock *d = &l->v[i];
		const struct procsock *p;
		size_t n = d->inode ? procsock_find(pm, d->inode, &p) : 0;

		v[i] = (struct sstext_sock){ .inet6 = d->family == AF_INET6,
		    .state = diag_state_name(d->state),
		    .laddr = diag_addr_str(d, 0, addr[i][0], sizeof addr[i][0]),
		    .raddr = diag_addr_str(d, 1, addr[i][1], sizeof addr[i][1]),
		    .lport = d->lport, .rport = d->rport, .recv_q = d->rqueue,
		    .send_q = d->wqueue, .timer = diag_timer_name(d->timer),
		    .timer_ms = (long)d->expires_ms, .retrans = d->retrans,
		    .owners = ow + used, .nowners = n };
		for (k = 0; k < n && used < pm->n; k++)
			ow[used++] = (struct sstext_owner){ p[k].pid, p[k].fd, p[k].comm };
	}
	rc = text_lines(fp, v, l->n);
out:
	free(v);
	free(ow);
	free(addr);
	return rc;
}

/* One socket of a snapshot JSON document as a row; its owners into ow. */
static void
json_row(json_t *js, struct sstext_sock *r, struct sstext_owner *ow, size_t *used)
{
	json_t *procs = json_object_get(js, "procs"), *timer = json_object_get(js, "timer"), *p;
	size_t k;

	*r = (struct sstext_sock){ .inet6 = json_is_string(json_object_get(js, "family")) &&
	    strcmp(json_string_value(json_object_get(js, "family")), "inet6") == 0,
	    .state = json_string_value(json_object_get(js, "state")),
	    .laddr = json_string_value(json_object_get(json_object_get(js, "local"), "addr")),
	    .raddr = json_string_value(json_object_get(json_object_get(js, "remote"), "addr")),
	    .lport = (unsigned)json_integer_value(json_object_get(json_object_get(js, "local"), "port")),
	    .rport = (unsigned)json_integer_value(json_object_get(json_object_get(js, "remote"), "port")),
	    .recv_q = (unsigned long)json_integer_value(json_object_get(js, "recv_q")),
	    .send_q = (unsigned long)json_integer_value(json_object_get(js, "send_q")),
	    .owners = ow + *used };
	if (r->state == NULL)
		r->state = "UNKNOWN";
	if (r->laddr == NULL)
		r->laddr = "?";
	if (r->raddr == NULL)
		r->raddr = "?";
	if (json_is_object(timer)) {
		r->timer = json_string_value(json_object_get(timer, "kind"));
		r->timer_ms = (long)(json_number_value(json_object_get(timer, "left")) * 1000 + 0.5);
		r->retrans = (unsigned)json_integer_value(json_object_get(timer, "retrans"));
	}
	json_array_foreach(procs, k, p) {
		json_t *fd = json_object_get(p, "fd");
		const char *comm = json_string_value(json_object_get(p, "comm"));

		ow[(*used)++] = (struct sstext_owner){ (int)json_integer_value(json_object_get(p, "pid")),
		    json_is_integer(fd) ? (int)json_integer_value(fd) : -1, comm ? comm : "?" };
	}
	r->nowners = (size_t)(ow + *used - r->owners);
}

/* A snapshot JSON document (tcpobserve --snapshot's, e.g. a scenario's
 * moment) read back from path ("-": stdin) and written as text. Returns 0,
 * or 1 after one line on stderr. */
static int
text_from_json(const char *path, FILE *fp)
{
	json_error_t e;
	json_t *doc, *socks, *js;
	struct sstext_sock *v = NULL;
	struct sstext_owner *ow = NULL;
	size_t i, n, nown = 0, used = 0;
	int rc = 1;

	doc = strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &e) : json_load_file(path, 0, &e);
	socks = json_object_get(doc, "sockets");
	if (doc == NULL || !json_is_array(socks)) {
		warnx("%s: not a snapshot (%s)", path, doc ? "no \"sockets\" array" : e.text);
		goto out;
	}
	n = json_array_size(socks);
	json_array_foreach(socks, i, js)
		nown += json_array_size(json_object_get(js, "procs"));
	v = calloc(n ? n : 1, sizeof *v);
	ow = calloc(nown ? nown : 1, sizeof *ow);
	if (v == NULL || ow == NULL) {
		warn("%s", path);
		goto out;
	}
	json_array_foreach(socks, i, js)
		json_row(js, &v[i], ow, &used);
	if (text_lines(fp, v, n) == -1)
		warn("writing");
	else
		rc = 0;
out:
	free(v);
	free(ow);
	json_decref(doc);
	return rc;
}

/* Returns 0, or the exit status (2) after one line on stderr. */
static int
parse_opts(int argc, char **argv, struct snap_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "snapshot", no_argument, NULL, 'S' },
		{ "text", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->port = -1;
	optind = 0;	/* glibc: full rescan, whatever main did before */
	opterr = 0;	/* our own one-line message, named like err(3)'s */
	while ((c = getopt_long(argc, argv, "ho:r:", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'h':
			fputs(SNAPSHOT_USAGE, stdout);
			exit(0);
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			o->in = optarg;
			break;
		case 'p':
			errno = 0;
			o->port = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end != '\0' || o->port < 1 ||
			    o->port > 65535) {
				warnx("--port: '%s': not a port number (1-65535)", optarg);
				return 2;
			}
			break;
		case 'S':
		case 't':
			o->text |= c == 't';
			break;
		default:
			warnx("--snapshot: unknown option or missing value: '%s'",
			    argv[optind - 1]);
			fputs(SNAPSHOT_USAGE, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		warnx("--snapshot: unexpected argument '%s'", argv[optind]);
		fputs(SNAPSHOT_USAGE, stderr);
		return 2;
	}
	if (o->in != NULL && (!o->text || o->port >= 0 || o->out != NULL)) {
		warnx("--snapshot -r: only with --text (and no --port or -o)");
		return 2;
	}
	return 0;
}

/* Parses the options, reads both families, writes JSON or text. */
int
snapshot_main(int argc, char **argv)
{
	struct diag_list l = { 0 };
	struct procsock_map pm = { 0 };
	struct snap_opts o = { 0 };
	struct timespec ts;
	FILE *fp = stdout;
	int rc;

	if ((rc = parse_opts(argc, argv, &o)) != 0)
		return rc;
	if (o.in != NULL)
		return text_from_json(o.in, stdout);
	rc = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (diag_dump(AF_INET, &l) == -1) {
		warn("sock_diag dump (AF_INET)");
		goto out;
	}
	/* A kernel without IPv6 answers ENOENT or EAFNOSUPPORT: not an error. */
	if (diag_dump(AF_INET6, &l) == -1 && errno != ENOENT &&
	    errno != EAFNOSUPPORT) {
		warn("sock_diag dump (AF_INET6)");
		goto out;
	}
	if (o.port >= 0)
		diag_filter_port(&l, (uint16_t)o.port);
	diag_sort(&l);
	if (procsock_scan("/proc", &pm) == -1) {
		warn("/proc");
		goto out;
	}
	if (o.out != NULL && (fp = fopen(o.out, "w")) == NULL) {
		warn("%s", o.out);
		goto out;
	}
	if ((o.text ? write_text(fp, &l, &pm) :
	    write_json(fp, &l, &pm, ts.tv_sec + ts.tv_nsec / 1e9)) == -1) {
		warn("writing %s", o.out ? o.out : "stdout");
		goto out;
	}
	rc = 0;
out:
	if (fp != stdout && fp != NULL && fclose(fp) == EOF && rc == 0) {
		warn("%s", o.out);
		rc = 1;
	}
	diag_list_free(&l);
	procsock_free(&pm);
	return rc;
}
