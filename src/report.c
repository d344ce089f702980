/*
 * report.c — the JSON report through Jansson.
 *
 * The report is streamed so memory does not grow with the file: we print
 * the enclosing object and array punctuation ourselves, and every key and
 * value goes through json_dumpf, so escaping is never ours to get wrong.
 * Connections appear in the order they finish; "id" numbers them in the
 * order of their first packet.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12))

struct report {
	FILE *out;
	char *buf;		/* json_dumpb target: one fwrite per value */
	size_t bufcap;
	json_t *source;
	const struct track_stats *st;
	int summary, begun, nconn, failed;
};

static const char *const who_names[] = { "client", "server", "both" };

struct report *
report_new(FILE *out, int summary)
{
	struct report *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->out = out;
	r->summary = summary;
	return r;
}

void
report_set_source(struct report *r, json_t *source,
    const struct track_stats *st)
{
	json_decref(r->source);
	r->source = source;
	r->st = st;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	json_decref(r->source);
	free(r->buf);
	free(r);
}

json_t *
report_time(int64_t t, int64_t t0)
{
	return json_real((double)(t - t0) / 1e6);
}

void
report_flags(uint8_t fl, char buf[10])
{
	static const char letters[] = "FSRPAUEC";
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (fl & (1 << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
}

static json_t *
endpoint(const struct ct_key *k, int e)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr[e], buf,
	    sizeof buf);
	return json_pack("{s:s, s:i}", "addr", buf, "port",
	    (json_int_t)k->port[e]);
}

void
report_endpoint_str(const struct ct_key *k, int e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr[e], a, sizeof a);
	snprintf(buf, len, k->family == 6 ? "[%s]:%u" : "%s:%u", a,
	    (unsigned)k->port[e]);
}

static json_t *
who(int w)
{
	return w >= 0 && w <= 2 ? json_string(who_names[w]) : json_null();
}

static json_t *
timeline(const struct fsm_side *x, int64_t t0)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < x->k.nsteps; i++)
		json_array_append_new(a, json_pack("{s:o, s:s}",
		    "t", report_time(x->t[i], t0),
		    "state", fsm_state_name(x->st[i])));
	return a;
}

static json_t *
time_waits(const struct fsm *f, int64_t t0)
{
	json_t *a = json_array();
	int r;

	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &f->side[r];

		if (x->k.tw_since < 0)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o}",
		    "side", who_names[r],
		    "since", report_time(x->k.tw_since, t0),
		    "until", report_time(x->k.tw_since + FSM_TIME_WAIT_US, t0),
		    "ended", x->tw_end >= 0 ? report_time(x->tw_end, t0) :
		    json_null()));
	}
	return a;
}

static json_t *
packets(const struct conn *c, int64_t t0)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; i < c->npk; i++) {
		const struct pkt *p = &c->pkts[i];
		char fl[10];

		report_flags(p->flags, fl);
		json_array_append_new(a, json_pack(
		    "{s:o, s:s, s:s, s:I, s:I, s:I, s:s, s:s}",
		    "t", report_time(p->t, t0), "from", who_names[p->from],
		    "flags", fl, "seq", (json_int_t)p->seq,
		    "ack", (json_int_t)p->ack, "len", (json_int_t)p->len,
		    "client_state", fsm_state_name(p->cst),
		    "server_state", fsm_state_name(p->sst)));
	}
	return a;
}

json_t *
report_conn_json(const struct conn *c, int64_t t0, int summary)
{
	const struct fsm *f = &c->fsm;
	int ci = c->client_is_0 ? 0 : 1;
	uint64_t cb = track_bytes(c, FSM_CLIENT), sb = track_bytes(c, FSM_SERVER);
	json_t *o;

	o = json_pack("{s:I, s:b, s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o},"
	    " s:o, s:b, s:o, s:o, s:o, s:s, s:s, s:{s:I, s:I}, s:{s:I, s:I}}",
	    "id", (json_int_t)c->id,
	    "partial", f->partial,
	    "roles", track_roles_name(c->roles),
	    "client", endpoint(&c->key, ci),
	    "server", endpoint(&c->key, !ci),
	    "first", report_time(c->first_t, t0),
	    "last", report_time(c->last_t, t0),
	    "states",
	    "client", timeline(&f->side[FSM_CLIENT], t0),
	    "server", timeline(&f->side[FSM_SERVER], t0),
	    "active_closer", who(fsm_closer(f)),
	    "rst", f->rst_from >= 0,
	    "rst_from", who(f->rst_from),
	    "time_wait_side", who(fsm_tw_side(f)),
	    "time_wait", time_waits(f, t0),
	    "conn_state", zeek_conn_state(&c->zeek, cb, sb),
	    "history", c->zeek.hist,
	    "bytes", "client", (json_int_t)cb, "server", (json_int_t)sb,
	    "packet_count", "client", (json_int_t)c->npkts[FSM_CLIENT],
	    "server", (json_int_t)c->npkts[FSM_SERVER]);
	if (o != NULL && !summary)
		json_object_set_new(o, "packets", packets(c, t0));
	return o;
}

/*
 * Writes one JSON value (any type) through Jansson; keeps the failure.
 * json_dumpb into our buffer then one fwrite: json_dumpf's fwrite per token
 * cost more than all of the tracking.
 */
static void
put(struct report *r, json_t *v, size_t flags)
{
	size_t n;

	if (v == NULL) {
		r->failed = 1;
		return;
	}
	n = json_dumpb(v, r->buf, r->bufcap, flags);
	if (n > r->bufcap) {
		char *nb = realloc(r->buf, n * 2);

		if (nb == NULL) {
			r->failed = 1;
			goto out;
		}
		r->buf = nb;
		r->bufcap = n * 2;
		n = json_dumpb(v, r->buf, r->bufcap, flags);
	}
	if (n == 0 || fwrite(r->buf, 1, n, r->out) != n)
		r->failed = 1;
out:
	json_decref(v);
}

static void
key(struct report *r, const char *k)
{
	put(r, json_string(k), DUMP_FLAGS);
	fputc(':', r->out);
}

static void
begin(struct report *r)
{
	const struct track_stats *st = r->st;

	if (r->begun)
		return;
	r->begun = 1;
	fputc('{', r->out);
	key(r, "tool");
	put(r, json_string("tcpobserve"), DUMP_FLAGS);
	fputc(',', r->out);
	key(r, "schema");
	put(r, json_integer(REPORT_SCHEMA), DUMP_FLAGS);
	fputc(',', r->out);
	key(r, "version");
	put(r, json_string(REPORT_VERSION), DUMP_FLAGS);
	fputc(',', r->out);
	key(r, "source");
	put(r, json_incref(r->source), DUMP_FLAGS);
	fputc(',', r->out);
	key(r, "t0");
	put(r, st->have_t0 ? json_real((double)st->t0 / 1e6) : json_null(),
	    JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(16));
	fputc(',', r->out);
	key(r, "connections");
	fputs("[\n", r->out);
}

void
report_conn(void *ctx, const struct conn *c)
{
	struct report *r = ctx;

	begin(r);
	if (r->nconn++ > 0)
		fputs(",\n", r->out);
	put(r, report_conn_json(c, r->st->t0, r->summary), DUMP_FLAGS);
}

int
report_end(struct report *r, uint64_t dropped, const char *truncated)
{
	const struct track_stats *st = r->st;
	json_t *mal = json_object();
	int i;

	begin(r);
	for (i = 0; i < DECODE_NSTATUS; i++)
		if (decode_is_malformed(i) && st->status[i] > 0)
			json_object_set_new(mal, decode_status_name(i),
			    json_integer((json_int_t)st->status[i]));
	if (truncated != NULL)
		json_object_set_new(mal, "truncated-file", json_integer(1));
	fputs(r->nconn ? "\n]," : "],", r->out);
	key(r, "capture");
	put(r, json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
	    "packets", (json_int_t)st->packets,
	    "tcp_packets", (json_int_t)st->tcp_packets,
	    "other_packets", (json_int_t)(st->status[DECODE_NOT_IP] +
	    st->status[DECODE_NOT_TCP] + st->status[DECODE_FRAGMENT]),
	    "connections", (json_int_t)st->connections,
	    "dropped", (json_int_t)dropped,
	    "malformed", mal,
	    "duration", st->have_t0 ? report_time(st->tend, st->t0) :
	    json_real(0),
	    "truncated", truncated ? json_string(truncated) : json_null()),
	    DUMP_FLAGS);
	fputs("}\n", r->out);
	if (fflush(r->out) == EOF || ferror(r->out))
		r->failed = 1;
	if (r->failed && errno == 0)
		errno = EIO;
	return r->failed ? -1 : 0;
}
