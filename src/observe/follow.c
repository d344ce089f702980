/*
 * follow.c — the event stream (see follow.h).
 *
 * Events come from the tracker's callbacks: state changes and ends while
 * a connection is held whole; after it is written, its TIME_WAIT is known
 * here only by a small entry (tuple, roles, id, side, until) in a hash
 * table and a min-heap by `until`, so its expiry is told when capture time
 * passes it, and a late SYN, RST or FIN is told with the connection's id.
 * Entries leave at the TIME_WAIT's end: memory stays bounded as the
 * tracker's (60 s of connections, about 100 bytes each).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "follow.h"
#include "minheap.h"
#include "record.h"

static const char *const who_names[] = { "client", "server" };
static const char *const late_names[] = { "new SYN", "RST", "FIN again" };

/* A written connection's TIME_WAIT. */
struct twent {
	struct ct_key key;		/* the conntab key: stays put */
	uint64_t id;
	int64_t until;
	struct track_endpoint ep[2];	/* by role; addr points into addr */
	uint8_t addr[2][16];
	uint8_t side, dead;
	unsigned refs;			/* heap nodes pointing here */
};

struct follow {
	FILE *out;
	int text, failed;
	struct jw w;
	const struct track_stats *st;
	struct conntab *tws;
	struct minheap heap;		/* twents by until */
};

struct follow *
follow_new(FILE *out, int text)
{
	struct follow *f = calloc(1, sizeof *f);

	if (f == NULL)
		return NULL;
	if ((f->tws = conntab_new()) == NULL) {
		free(f);
		return NULL;
	}
	f->out = out;
	f->text = text;
	jw_init(&f->w, JSON_COMPACT);
	if (text)
		fprintf(out, "%12s %6s %-6s %-22s %-22s %-11s    %-11s %s\n",
		    "TIME(s)", "ID", "SIDE", "CLIENT", "SERVER", "OLD", "NEW",
		    "CAUSE");
	return f;
}

void
follow_set_stats(struct follow *f, const struct track_stats *st)
{
	f->st = st;
}

/* Hands what was written to the output at once: someone is watching. */
static void
flush(struct follow *f)
{
	if (jw_flush(&f->w, f->out) == -1 || fflush(f->out) == EOF)
		f->failed = errno ? errno : EIO;
}

/* {"event":NAME,"t":…,"time":…,"id":ID — the start of every event. */
static void
event(struct follow *f, const char *name, int64_t t, uint64_t id)
{
	struct jw *w = &f->w;

	jw_lit(w, "{\"event\":");
	jw_str(w, name);
	JW_NEXT(w, "t");
	jw_secs(w, t - f->st->t0);
	JW_NEXT(w, "time");
	jw_secs(w, t);
	JW_NEXT(w, "id");
	jw_int(w, (int64_t)id);
}

/* "client":{…},"server":{…} as in the report's records. */
static void
endpoints(struct jw *w, const struct track_endpoint ep[2])
{
	JW_NEXT(w, "client");
	record_endpoint(w, &ep[0]);
	JW_NEXT(w, "server");
	record_endpoint(w, &ep[1]);
}

/* One text row: time, id, side, client, server, old -> new, cause. */
static void
row(struct follow *f, int64_t t, uint64_t id, const char *side,
    const struct track_endpoint ep[2], const char *old, const char *now,
    const char *cause)
{
	char a[2][64];

	record_endpoint_str(&ep[0], a[0], sizeof a[0]);
	record_endpoint_str(&ep[1], a[1], sizeof a[1]);
	fprintf(f->out, "%12.6f %6llu %-6s %-22s %-22s %-11s %s %-11s %s\n",
	    (double)(t - f->st->t0) / 1e6, (unsigned long long)id, side, a[0],
	    a[1], old, *now ? "->" : "  ", now, cause);
}

static void
on_state(void *ctx, const struct conn *c, int side, int old, int now,
    int64_t t, const struct pkt *p)
{
	struct follow *f = ctx;
	struct track_endpoint ep[2];
	struct jw *w = &f->w;
	char fl[10] = "", cause[96] = "time (TIME_WAIT over)";

	track_conn_endpoint(c, FSM_CLIENT, &ep[0]);
	track_conn_endpoint(c, FSM_SERVER, &ep[1]);
	if (p != NULL) {
		record_flags(p->flags, fl);
		snprintf(cause, sizeof cause, "%s %s seq %u ack %u len %u",
		    who_names[p->from], fl, p->seq, p->ack, p->len);
	}
	if (f->text) {
		row(f, t, track_conn_id(c), who_names[side], ep,
		    fsm_state_name(old), fsm_state_name(now), cause);
		flush(f);
		return;
	}
	event(f, "state", t, track_conn_id(c));
	endpoints(w, ep);
	JW_NEXT(w, "side");
	jw_str(w, who_names[side]);
	JW_NEXT(w, "old");
	jw_str(w, fsm_state_name(old));
	JW_NEXT(w, "new");
	jw_str(w, fsm_state_name(now));
	JW_NEXT(w, "packet");
	if (p != NULL) {
		jw_lit(w, "{");
		record_segment(w, p);
		jw_lit(w, "}");
	} else {
		jw_null(w);
	}
	jw_lit(w, "}\n");
	flush(f);
}

/* The side's whole timeline again: packet p revised an inference. */
static void
on_revised(void *ctx, const struct conn *c, int side, const struct pkt *p)
{
	struct follow *f = ctx;
	const struct fsm_side *x = &track_conn_fsm(c)->side[side];
	struct track_endpoint ep[2];
	struct jw *w = &f->w;
	char line[256] = "revised by this packet:";
	int i;

	track_conn_endpoint(c, FSM_CLIENT, &ep[0]);
	track_conn_endpoint(c, FSM_SERVER, &ep[1]);
	if (f->text) {
		for (i = 0; i < x->k.nsteps; i++)
			snprintf(line + strlen(line), sizeof line - strlen(line),
			    " %s", fsm_state_name(x->st[i]));
		row(f, p->t, track_conn_id(c), who_names[side], ep, "", "", line);
		flush(f);
		return;
	}
	event(f, "revised", p->t, track_conn_id(c));
	endpoints(w, ep);
	JW_NEXT(w, "side");
	jw_str(w, who_names[side]);
	JW_NEXT(w, "states");
	jw_lit(w, "[");
	for (i = 0; i < x->k.nsteps; i++) {
		if (i)
			jw_lit(w, ",");
		jw_lit(w, "{\"t\":");
		jw_secs(w, x->t[i] - f->st->t0);
		JW_NEXT(w, "state");
		jw_str(w, fsm_state_name(x->st[i]));
		jw_lit(w, "}");
	}
	jw_lit(w, "]}\n");
	flush(f);
}

/* Schedules e's end at e->until (the heap holds one more reference). */
static int
schedule(struct follow *f, struct twent *e)
{
	if (minheap_push(&f->heap, e->until, e) == -1)
		return -1;
	e->refs++;
	return 0;
}

/* A TIME_WAIT after the write: its end (how: NULL, expired) or restart. */
static void
tw_event(struct follow *f, const struct twent *e, int64_t t, const char *how,
    int restart)
{
	struct jw *w = &f->w;
	char cause[64];

	if (f->text) {
		snprintf(cause, sizeof cause, "%s%s", how ? how : "expired",
		    restart ? ": TIME_WAIT restarts" : "");
		row(f, t, e->id, who_names[e->side], e->ep, "TIME_WAIT",
		    restart ? "TIME_WAIT" : "CLOSED", cause);
		flush(f);
		return;
	}
	event(f, restart ? "time_wait_restart" : "time_wait_end", t, e->id);
	endpoints(w, e->ep);
	JW_NEXT(w, "side");
	jw_str(w, who_names[e->side]);
	JW_NEXT(w, "how");
	jw_str(w, how ? how : "expired");
	JW_NEXT(w, "until");
	jw_secs(w, e->until - f->st->t0);
	jw_lit(w, "}\n");
	flush(f);
}

/* Forgets e: out of the table now, freed when no heap node points to it. */
static void
forget(struct follow *f, struct twent *e)
{
	if (!e->dead) {
		conntab_del(f->tws, &e->key);
		e->dead = 1;
	}
	if (e->refs == 0)
		free(e);
}

static void
on_tick(void *ctx, int64_t now)
{
	struct follow *f = ctx;
	struct twent *e;
	int64_t until;

	while (f->heap.n > 0 && minheap_top(&f->heap) <= now) {
		e = minheap_pop(&f->heap, &until);
		e->refs--;
		if (!e->dead && until == e->until) {
			tw_event(f, e, until, NULL, 0);
			forget(f, e);
		} else if (e->dead && e->refs == 0) {
			free(e);
		}
	}
}

static void
on_late(void *ctx, const struct ct_key *k, enum track_late how, int64_t t)
{
	struct follow *f = ctx;
	struct twent *e = conntab_get(f->tws, k);

	if (e == NULL)
		return;
	if (how == TRACK_LATE_FIN) {
		e->until = t + FSM_TIME_WAIT_US;
		tw_event(f, e, t, late_names[how], 1);
		if (schedule(f, e) == -1)
			f->failed = ENOMEM;
		return;
	}
	tw_event(f, e, t, late_names[how], 0);
	forget(f, e);
}

const struct track_events follow_events = {
	on_state, on_late, on_tick, on_revised
};

/* c is written with a TIME_WAIT running: keep what its end needs. */
static void
remember(struct follow *f, const struct conn *c, int side, int64_t until)
{
	struct twent *e = calloc(1, sizeof *e);
	int r;

	if (e == NULL) {
		f->failed = ENOMEM;
		return;
	}
	e->key = *track_conn_key(c);
	e->id = track_conn_id(c);
	e->until = until;
	e->side = (uint8_t)side;
	for (r = 0; r < 2; r++) {
		track_conn_endpoint(c, r, &e->ep[r]);
		memcpy(e->addr[r], e->ep[r].addr, 16);
		e->ep[r].addr = e->addr[r];
	}
	if (conntab_put(f->tws, &e->key, e) == -1 || schedule(f, e) == -1) {
		conntab_del(f->tws, &e->key);
		free(e);
		f->failed = ENOMEM;
	}
}

void
follow_conn(void *ctx, const struct conn *c)
{
	struct follow *f = ctx;
	const struct fsm *fsm = track_conn_fsm(c);
	const struct zeek *z = track_conn_zeek(c);
	struct track_endpoint ep[2];
	char what[96];
	int r;

	if (f->text) {
		track_conn_endpoint(c, FSM_CLIENT, &ep[0]);
		track_conn_endpoint(c, FSM_SERVER, &ep[1]);
		snprintf(what, sizeof what, "end: %s %s, bytes %llu/%llu",
		    zeek_conn_state(z, track_bytes(c, 0), track_bytes(c, 1)),
		    z->hist, (unsigned long long)track_bytes(c, 0),
		    (unsigned long long)track_bytes(c, 1));
		row(f, f->st->tend, track_conn_id(c), "both", ep, "", "", what);
		flush(f);
	} else {
		event(f, "end", f->st->tend, track_conn_id(c));
		JW_NEXT(&f->w, "connection");
		record_write(&f->w, c, f->st->t0, 1);
		jw_lit(&f->w, "}\n");
		flush(f);
	}
	for (r = 0; r < 2; r++) {
		const struct fsm_side *x = &fsm->side[r];

		if (x->k.state == FSM_TIME_WAIT && x->tw_end < 0 &&
		    fsm_tw_until(x) > f->st->tend)
			remember(f, c, r, fsm_tw_until(x));
	}
}

int
follow_end(struct follow *f)
{
	flush(f);
	if (f->failed) {
		errno = f->failed;
		return -1;
	}
	return 0;
}

void
follow_free(struct follow *f)
{
	struct twent *e;
	int64_t until;

	if (f == NULL)
		return;
	while (f->heap.n > 0) {
		e = minheap_pop(&f->heap, &until);
		if (--e->refs == 0)
			free(e);
	}
	conntab_free(f->tws);
	minheap_free(&f->heap);
	jw_free(&f->w);
	free(f);
}
