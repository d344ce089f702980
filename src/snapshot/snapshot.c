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

#define SNAPSHOT_USAGE \
	"usage: tcpobserve --snapshot [--port PORT] [--text] [-o FILE]\n"

struct snap_opts {
	long port;		/* -1: every socket */
	int text;
	const char *out;
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
		json_array_append_new(procs, json_pack("{s:i, s:s}",
		    "pid", (int)p[i].pid, "comm", p[i].comm));
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

/* "127.0.0.1:5000", "[::1]:5000", a remote port 0 as netstat's "*". */
static void
endpoint_str(const struct diag_sock *s, int remote, char *buf, size_t size)
{
	char a[64], port[8];
	unsigned p = remote ? s->rport : s->lport;

	diag_addr_str(s, remote, a, sizeof a);
	if (p == 0 && remote)
		snprintf(port, sizeof port, "*");
	else
		snprintf(port, sizeof port, "%u", p);
	snprintf(buf, size, s->family == AF_INET6 ? "[%s]:%s" : "%s:%s", a, port);
}

/* The netstat-like columns; address columns as wide as their widest entry. */
static int
write_text(FILE *fp, const struct diag_list *l, const struct procsock_map *pm)
{
	char la[80], ra[80], timer[48], owner[256];
	int wl = 22, wr = 22;
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		endpoint_str(&l->v[i], 0, la, sizeof la);
		endpoint_str(&l->v[i], 1, ra, sizeof ra);
		if ((int)strlen(la) > wl)
			wl = (int)strlen(la);
		if ((int)strlen(ra) > wr)
			wr = (int)strlen(ra);
	}
	fprintf(fp, "%-5s %6s %6s %-*s %-*s %-11s %-20s %s\n", "Proto", "Recv-Q",
	    "Send-Q", wl, "Local Address", wr, "Foreign Address", "State", "Timer",
	    "PID/Program");
	for (i = 0; i < l->n; i++) {
		const struct diag_sock *s = &l->v[i];
		const struct procsock *p;
		size_t n = s->inode ? procsock_find(pm, s->inode, &p) : 0, len = 0;

		endpoint_str(s, 0, la, sizeof la);
		endpoint_str(s, 1, ra, sizeof ra);
		if (diag_timer_name(s->timer) != NULL)
			snprintf(timer, sizeof timer, "%s (%.2f/%u)",
			    diag_timer_name(s->timer), s->expires_ms / 1000.0, s->retrans);
		else
			snprintf(timer, sizeof timer, "off");
		snprintf(owner, sizeof owner, "-");
		for (k = 0; k < n && len < sizeof owner; k++)
			len += (size_t)snprintf(owner + len, sizeof owner - len, "%s%d/%s",
			    k ? "," : "", (int)p[k].pid, p[k].comm);
		fprintf(fp, "%-5s %6u %6u %-*s %-*s %-11s %-20s %s\n",
		    s->family == AF_INET ? "tcp" : "tcp6", s->rqueue, s->wqueue,
		    wl, la, wr, ra, diag_state_name(s->state), timer, owner);
	}
	return ferror(fp) ? -1 : 0;
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
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'h':
			fputs(SNAPSHOT_USAGE, stdout);
			exit(0);
		case 'o':
			o->out = optarg;
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
