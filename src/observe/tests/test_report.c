/*
 * test_report.c — the streaming emitter (report.c + jw.c) against Jansson:
 * each connection is also built here as a json_t with json_pack, and the
 * emitter's text, parsed back with json_loads, must be json_equal to it.
 * Covers normal, partial, reset, crossing-FIN and refused connections, with
 * and without the per-packet lists, and strings that need escaping.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../jw.h"
#include "../record.h"
#include "../track.h"
#include "common/unit.h"

static int summary;
static int nchecked, nequal;
static const char *const who_names[] = { "client", "server", "both" };

static json_t *
who(int w)
{
	return w >= 0 && w <= 2 ? json_string(who_names[w]) : json_null();
}

static json_t *
secs(int64_t us)
{
	return json_real((double)us / 1e6);
}

static json_t *
ep(const struct conn *c, int role)
{
	struct track_endpoint e;
	char buf[64];

	track_conn_endpoint(c, role, &e);
	inet_ntop(e.family == 6 ? AF_INET6 : AF_INET, e.addr, buf, sizeof buf);
	return json_pack("{s:s, s:i}", "addr", buf, "port", (int)e.port);
}

static json_t *
timeline(const struct fsm_side *x, int64_t t0)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < x->k.nsteps; i++)
		json_array_append_new(a, json_pack("{s:o, s:s}", "t",
		    secs(x->t[i] - t0), "state", fsm_state_name(x->st[i])));
	return a;
}

/* The connection as the report schema describes it, built by Jansson. */
static json_t *
expected(const struct conn *c, int64_t t0)
{
	const struct fsm *f = track_conn_fsm(c);
	const struct zeek *z = track_conn_zeek(c);
	const struct pkt *pk;
	uint32_t npk;
	int r;
	uint64_t cb = track_bytes(c, 0), sb = track_bytes(c, 1);
	json_t *tw = json_array(), *o;

	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &f->side[r];

		if (x->k.tw_since >= 0)
			json_array_append_new(tw, json_pack("{s:s, s:o, s:o, s:o}",
			    "side", who_names[r], "since", secs(x->k.tw_since - t0),
			    "until", secs(fsm_tw_until(x) - t0),
			    "ended", x->tw_end >= 0 ? secs(x->tw_end - t0) :
			    json_null()));
	}
	o = json_pack("{s:I, s:b, s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o},"
	    " s:o, s:b, s:o, s:o, s:o, s:s, s:s, s:{s:I, s:I}, s:{s:I, s:I}}",
	    "id", (json_int_t)track_conn_id(c), "partial", f->partial,
	    "roles", track_roles_name(track_conn_roles(c)),
	    "client", ep(c, FSM_CLIENT), "server", ep(c, FSM_SERVER),
	    "first", secs(track_conn_first(c) - t0),
	    "last", secs(track_conn_last(c) - t0),
	    "states", "client", timeline(&f->side[0], t0),
	    "server", timeline(&f->side[1], t0),
	    "active_closer", who(fsm_closer(f)), "rst", f->rst_from >= 0,
	    "rst_from", who(f->rst_from), "time_wait_side", who(fsm_tw_side(f)),
	    "time_wait", tw, "conn_state", zeek_conn_state(z, cb, sb),
	    "history", z->hist,
	    "bytes", "client", (json_int_t)cb, "server", (json_int_t)sb,
	    "packet_count", "client", (json_int_t)track_conn_packet_count(c, 0),
	    "server", (json_int_t)track_conn_packet_count(c, 1));
	pk = track_conn_packets(c, &npk);
	if (!summary) {
		json_t *a = json_array();
		uint32_t i;

		for (i = 0; i < npk; i++) {
			const struct pkt *p = &pk[i];
			char fl[10];

			record_flags(p->flags, fl);
			json_array_append_new(a, json_pack(
			    "{s:o, s:s, s:s, s:I, s:I, s:I, s:s, s:s}",
			    "t", secs(p->t - t0), "from", who_names[p->from],
			    "flags", fl, "seq", (json_int_t)p->seq,
			    "ack", (json_int_t)p->ack, "len", (json_int_t)p->len,
			    "client_state", fsm_state_name(p->cst),
			    "server_state", fsm_state_name(p->sst)));
		}
		json_object_set_new(o, "packets", a);
	}
	return o;
}

static void
check(void *ctx, const struct conn *c)
{
	struct jw w;
	json_t *want = expected(c, *(int64_t *)ctx), *got;
	json_error_t e;
	char *text;

	jw_init(&w, JSON_COMPACT);
	record_write(&w, c, *(int64_t *)ctx, summary);
	jw_lit(&w, "\0");
	got = json_loads(w.buf, 0, &e);
	nchecked++;
	if (got != NULL && json_equal(got, want)) {
		nequal++;
	} else {
		text = json_dumps(want, JSON_COMPACT);
		printf("# emitter: %s\n# jansson: %s\n# %s\n", w.buf,
		    text ? text : "?", got ? "" : e.text);
		free(text);
	}
	json_decref(got);
	json_decref(want);
	jw_free(&w);
}

static struct seg
mk(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, const char *fl,
    uint32_t seq, uint32_t ack, uint32_t len)
{
	struct seg s;

	memset(&s, 0, sizeof s);
	s.family = 4;
	memcpy(s.src, &src, 4);
	memcpy(s.dst, &dst, 4);
	s.sport = sp;
	s.dport = dp;
	for (; *fl; fl++)
		s.flags |= *fl == 'S' ? SEG_SYN : *fl == 'A' ? SEG_ACK :
		    *fl == 'F' ? SEG_FIN : *fl == 'R' ? SEG_RST :
		    *fl == 'P' ? SEG_PSH : 0;
	s.seq = seq;
	s.ack = ack;
	s.len = len;
	s.win = 10;
	return s;
}

#define CL 0x0100007f
#define SV 0x0200007f

static void
feed(struct track *tr, int c2s, uint16_t cp, const char *fl, uint32_t seq,
    uint32_t ack, uint32_t len, int64_t t)
{
	struct seg s = c2s ? mk(CL, cp, SV, 80, fl, seq, ack, len) :
	    mk(SV, 80, CL, cp, fl, seq, ack, len);

	track_packet(tr, DECODE_OK, &s, t);
}

static void
run(int summ)
{
	int64_t t0 = 1700000000000000LL;
	struct track *tr;

	summary = summ;
	tr = track_new(!summ, check, &t0);
	/* normal, server closes; times straddle 1 s and tiny fractions */
	feed(tr, 1, 1000, "S", 100, 0, 0, t0);
	feed(tr, 0, 1000, "SA", 500, 101, 0, t0 + 33);
	feed(tr, 1, 1000, "A", 101, 501, 0, t0 + 999999);
	feed(tr, 0, 1000, "PA", 501, 101, 26, t0 + 1000000);
	feed(tr, 0, 1000, "FA", 527, 101, 0, t0 + 1000001);
	feed(tr, 1, 1000, "FA", 101, 528, 0, t0 + 1000002);
	feed(tr, 0, 1000, "A", 528, 102, 0, t0 + 1000003);
	/* partial, reset */
	feed(tr, 1, 1001, "PA", 7000, 9000, 10, t0 + 5);
	feed(tr, 0, 1001, "RA", 9000, 7010, 0, t0 + 6);
	/* crossing FINs */
	feed(tr, 1, 1002, "S", 1, 0, 0, t0 + 10);
	feed(tr, 0, 1002, "SA", 50, 2, 0, t0 + 11);
	feed(tr, 1, 1002, "A", 2, 51, 0, t0 + 12);
	feed(tr, 1, 1002, "FA", 2, 51, 0, t0 + 20);
	feed(tr, 0, 1002, "FA", 51, 2, 0, t0 + 21);
	feed(tr, 1, 1002, "A", 3, 52, 0, t0 + 22);
	feed(tr, 0, 1002, "A", 52, 3, 0, t0 + 23);
	/* refused */
	feed(tr, 1, 1003, "S", 77, 0, 0, t0 + 30);
	feed(tr, 0, 1003, "RA", 0, 78, 0, t0 + 31);
	/* TIME_WAIT that expires in capture time */
	feed(tr, 1, 1004, "S", 1, 0, 0, t0 + 200000000);
	track_finish(tr, t0 + 200000000);
	track_free(tr);
}

static void
test_strings(void)
{
	struct jw w;
	json_t *got;
	const char *nasty = "a\"b\\c\n\x01\xc3\xa9";

	jw_init(&w, JSON_COMPACT);
	jw_lit(&w, "[");
	jw_str(&w, nasty);
	jw_lit(&w, ",");
	jw_str(&w, nasty);		/* the same again */
	jw_lit(&w, ",");
	jw_secs(&w, -1500000);
	jw_lit(&w, ",");
	jw_int(&w, -42);
	jw_lit(&w, ",");
	jw_int(&w, 9007199254740991LL);
	jw_lit(&w, "]\0");
	got = json_loads(w.buf, 0, NULL);
	UNIT_CHECK(got != NULL, "emitter text with escapes parses: %s", w.buf);
	UNIT_CHECK(got && strcmp(json_string_value(json_array_get(got, 0)), nasty) == 0 &&
	    strcmp(json_string_value(json_array_get(got, 1)), nasty) == 0,
	    "strings survive escaping (twice)");
	UNIT_CHECK(got && json_real_value(json_array_get(got, 2)) == -1.5,
	    "negative time");
	UNIT_CHECK(got && json_integer_value(json_array_get(got, 3)) == -42 &&
	    json_integer_value(json_array_get(got, 4)) == 9007199254740991LL,
	    "integers");
	json_decref(got);
	jw_free(&w);
	{
		static const int64_t v[] = { 0, 1, 9, 10, 99, 100, 101, 999999,
		    1000000, 1000001, 123456789, 12345678901LL, -1, -999999,
		    INT64_MAX, INT64_MIN + 1 };
		char want[64];
		size_t i;
		int bad = 0;

		for (i = 0; i < sizeof v / sizeof v[0]; i++) {
			uint64_t u = v[i] < 0 ? -(uint64_t)v[i] : (uint64_t)v[i];

			jw_init(&w, JSON_COMPACT);
			jw_int(&w, v[i]);
			jw_lit(&w, " ");
			jw_secs(&w, v[i]);
			jw_lit(&w, "\0");
			snprintf(want, sizeof want, "%lld %s%llu.%06llu",
			    (long long)v[i], v[i] < 0 ? "-" : "",
			    (unsigned long long)(u / 1000000),
			    (unsigned long long)(u % 1000000));
			if (strcmp(w.buf, want) != 0) {
				printf("# got %s want %s\n", w.buf, want);
				bad++;
			}
			jw_free(&w);
		}
		UNIT_EQ_INT(bad, 0, "integers and fixed-point times print exactly");
	}
}

/* jw_str(s) parsed back, as a new string (NULL if it did not parse). */
static char *
roundtrip(const char *s, char **text)
{
	struct jw w;
	json_t *v;
	char *r = NULL;

	jw_init(&w, JSON_COMPACT);
	jw_str(&w, s);
	jw_lit(&w, "\0");
	*text = strdup(w.buf);
	v = json_loads(w.buf, JSON_DECODE_ANY, NULL);
	if (v != NULL && json_is_string(v))
		r = strdup(json_string_value(v));
	json_decref(v);
	jw_free(&w);
	return r;
}

/*
 * Every string: each of the 255 one-byte strings and every two-byte
 * string is written as Jansson writes it (the plain-ASCII fast path
 * included); bytes that are not UTF-8 come back as their Latin-1 letter.
 */
static void
test_any_bytes(void)
{
	char s[3] = "", *got, *text, *want, *fixed;
	json_t *v;
	size_t n;
	int a, b, bad = 0, badlat = 0;

	for (a = 1; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			s[0] = (char)a;
			s[1] = (char)b;
			fixed = jw_utf8(s, strlen(s), &n);
			v = json_stringn(fixed, n);
			want = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
			got = roundtrip(s, &text);
			if (want == NULL || got == NULL || strcmp(text, want) != 0 ||
			    strcmp(got, fixed) != 0)
				bad++;
			free(want);
			free(got);
			free(text);
			free(fixed);
			json_decref(v);
		}
	}
	UNIT_EQ_INT(bad, 0, "every 1- and 2-byte string is written as Jansson writes its UTF-8 form");
	got = roundtrip("caf\xe9 \xff\xc3\xa9 \xed\xa0\x80 \xc0\xaf", &text);
	badlat = got == NULL || strcmp(got, "caf\xc3\xa9 \xc3\xbf\xc3\xa9 "
	    "\xc3\xad\xc2\xa0\xc2\x80 \xc3\x80\xc2\xaf") != 0;
	UNIT_CHECK(!badlat, "invalid bytes (lone, surrogate, overlong) read as "
	    "Latin-1, valid UTF-8 kept: %s", text);
	free(got);
	free(text);
}

int
main(void)
{
	run(0);
	UNIT_EQ_INT(nequal, nchecked, "with packets: emitter == Jansson for all %d",
	    nchecked);
	UNIT_EQ_INT(nchecked, 5, "five connections checked");
	nchecked = nequal = 0;
	run(1);
	UNIT_EQ_INT(nequal, nchecked, "summary: emitter == Jansson for all %d",
	    nchecked);
	test_strings();
	test_any_bytes();
	return unit_done();
}
