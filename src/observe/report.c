/*
 * report.c — the JSON report through Jansson.
 *
 * The report is streamed so memory does not grow with the file: we print
 * the object and array punctuation ourselves, and every key and value is
 * dumped by Jansson (json_dumpb, through jw.c's memo for the connections),
 * so escaping and number formatting are never ours to get wrong.
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
#define REPORT_FLUSH (64 * 1024)

struct report {
	FILE *out;
	struct jw w;
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
	jw_init(&r->w, DUMP_FLAGS);
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
	jw_free(&r->w);
	free(r->buf);
	free(r);
}

static json_t *
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

/* inet_ntop, remembering the last few answers (most captures have few hosts). */
static const char *
addr_str(const struct ct_key *k, int e)
{
	static struct { uint8_t family, used; uint8_t addr[16];
	    char s[INET6_ADDRSTRLEN]; } memo[8];
	unsigned i = (k->addr[e][3] ^ k->addr[e][15] ^ k->family) % 8;

	if (!memo[i].used || memo[i].family != k->family ||
	    memcmp(memo[i].addr, k->addr[e], 16) != 0) {
		inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr[e],
		    memo[i].s, sizeof memo[i].s);
		memo[i].family = k->family;
		memcpy(memo[i].addr, k->addr[e], 16);
		memo[i].used = 1;
	}
	return memo[i].s;
}

static void
endpoint(struct jw *w, const struct ct_key *k, int e)
{
	const char *buf = addr_str(k, e);

	jw_lit(w, "{");
	JW_KEY(w, "addr");
	jw_str(w, buf);
	JW_NEXT(w, "port");
	jw_int(w, k->port[e]);
	jw_lit(w, "}");
}

void
report_endpoint_str(const struct ct_key *k, int e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr[e], a, sizeof a);
	snprintf(buf, len, k->family == 6 ? "[%s]:%u" : "%s:%u", a,
	    (unsigned)k->port[e]);
}

static void
who(struct jw *w, int x)
{
	if (x >= 0 && x <= 2)
		jw_const(w, who_names[x]);
	else
		jw_null(w);
}

static void
timeline(struct jw *w, const struct fsm_side *x, int64_t t0)
{
	const char *d;
	size_t n;
	char *p;
	int i;

	jw_lit(w, "[");
	for (i = 0; i < x->k.nsteps; i++) {
		/* the usual entry in one go (76 bytes at most) */
		d = jw_const_text(w, fsm_state_name(x->st[i]), &n);
		if (d != NULL && n <= JW_PAD && (p = jw_room(w, 80)) != NULL) {
			if (i)
				*p++ = ',';
			memcpy(p, "{\"t\":", 5);
			p = jw_put_secs(p + 5, x->t[i] - t0);
			memcpy(p, ",\"state\":", 9);
			memcpy(p + 9, d, JW_PAD);
			p += 9 + n;
			*p++ = '}';
			jw_advance(w, p);
			continue;
		}
		if (i)
			jw_lit(w, ",");
		jw_lit(w, "{");
		JW_KEY(w, "t");
		jw_secs(w, x->t[i] - t0);
		JW_NEXT(w, "state");
		jw_const(w, fsm_state_name(x->st[i]));
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

static void
time_waits(struct jw *w, const struct fsm *f, int64_t t0)
{
	int r, n = 0;

	jw_lit(w, "[");
	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &f->side[r];

		if (x->k.tw_since < 0)
			continue;
		if (n++)
			jw_lit(w, ",");
		jw_lit(w, "{");
		JW_KEY(w, "side");
		jw_const(w, who_names[r]);
		JW_NEXT(w, "since");
		jw_secs(w, x->k.tw_since - t0);
		JW_NEXT(w, "until");
		jw_secs(w, x->k.tw_since + FSM_TIME_WAIT_US - t0);
		JW_NEXT(w, "ended");
		if (x->tw_end >= 0)
			jw_secs(w, x->tw_end - t0);
		else
			jw_null(w);
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

static void
packets(struct jw *w, const struct conn *c, int64_t t0)
{
	uint32_t i;

	jw_lit(w, "[");
	for (i = 0; i < c->npk; i++) {
		const struct pkt *p = &c->pkts[i];
		char fl[10];

		report_flags(p->flags, fl);
		if (i)
			jw_lit(w, ",");
		jw_lit(w, "{");
		JW_KEY(w, "t");
		jw_secs(w, p->t - t0);
		JW_NEXT(w, "from");
		jw_const(w, who_names[p->from]);
		JW_NEXT(w, "flags");
		jw_str(w, fl);
		JW_NEXT(w, "seq");
		jw_int(w, p->seq);
		JW_NEXT(w, "ack");
		jw_int(w, p->ack);
		JW_NEXT(w, "len");
		jw_int(w, p->len);
		JW_NEXT(w, "client_state");
		jw_const(w, fsm_state_name(p->cst));
		JW_NEXT(w, "server_state");
		jw_const(w, fsm_state_name(p->sst));
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

/* {"client":a,"server":b} for counters. */
static void
pair(struct jw *w, uint64_t a, uint64_t b)
{
	jw_lit(w, "{");
	JW_KEY(w, "client");
	jw_int(w, (int64_t)a);
	JW_NEXT(w, "server");
	jw_int(w, (int64_t)b);
	jw_lit(w, "}");
}

void
report_write_conn(struct jw *w, const struct conn *c, int64_t t0,
    int summary)
{
	const struct fsm *f = &c->fsm;
	int ci = c->client_is_0 ? 0 : 1;
	uint64_t cb = track_bytes(c, FSM_CLIENT), sb = track_bytes(c, FSM_SERVER);

	jw_lit(w, "{");
	JW_KEY(w, "id");
	jw_int(w, (int64_t)c->id);
	JW_NEXT(w, "partial");
	jw_bool(w, f->partial);
	JW_NEXT(w, "roles");
	jw_const(w, track_roles_name(c->roles));
	JW_NEXT(w, "client");
	endpoint(w, &c->key, ci);
	JW_NEXT(w, "server");
	endpoint(w, &c->key, !ci);
	JW_NEXT(w, "first");
	jw_secs(w, c->first_t - t0);
	JW_NEXT(w, "last");
	jw_secs(w, c->last_t - t0);
	JW_NEXT(w, "states");
	jw_lit(w, "{");
	JW_KEY(w, "client");
	timeline(w, &f->side[FSM_CLIENT], t0);
	JW_NEXT(w, "server");
	timeline(w, &f->side[FSM_SERVER], t0);
	jw_lit(w, "}");
	JW_NEXT(w, "active_closer");
	who(w, fsm_closer(f));
	JW_NEXT(w, "rst");
	jw_bool(w, f->rst_from >= 0);
	JW_NEXT(w, "rst_from");
	who(w, f->rst_from);
	JW_NEXT(w, "time_wait_side");
	who(w, fsm_tw_side(f));
	JW_NEXT(w, "time_wait");
	time_waits(w, f, t0);
	JW_NEXT(w, "conn_state");
	jw_const(w, zeek_conn_state(&c->zeek, cb, sb));
	JW_NEXT(w, "history");
	jw_str(w, c->zeek.hist);
	JW_NEXT(w, "bytes");
	pair(w, cb, sb);
	JW_NEXT(w, "packet_count");
	pair(w, c->npkts[FSM_CLIENT], c->npkts[FSM_SERVER]);
	if (!summary) {
		JW_NEXT(w, "packets");
		packets(w, c, t0);
	}
	jw_lit(w, "}");
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
		jw_lit(&r->w, ",\n");
	report_write_conn(&r->w, c, r->st->t0, r->summary);
	/* one fwrite per 64 KiB: below the FILE's buffer, it copied each */
	if (r->w.len >= REPORT_FLUSH && jw_flush(&r->w, r->out) == -1)
		r->failed = 1;
}

int
report_end(struct report *r, uint64_t dropped, const char *truncated)
{
	const struct track_stats *st = r->st;
	json_t *mal = json_object();
	int i;

	begin(r);
	if (jw_flush(&r->w, r->out) == -1)
		r->failed = 1;
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
