/*
 * wirerule — frame matching for tcpwire (see wirerule.h). Every read of the
 * frame is bounds-checked: a frame that is too short is simply "not TCP".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerule.h"

static const char *const kind_names[] = {
	"tcp", "syn", "synack", "fin", "rst", "data", "ack", "finack"
};

struct wire_loc {
	int v6;
	size_t l3, l4, l4len;	/* offsets and TCP length (header + payload) */
};

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Locate IP and TCP in the frame; WIRE_ENOTTCP when it is something else. */
static enum wire_status
wire_locate(const uint8_t *f, size_t len, struct wire_loc *loc)
{
	size_t off = 12;
	unsigned type;

	if (len < off + 2)
		return WIRE_ENOTTCP;
	type = get16(f + off);
	if (type == 0x8100 || type == 0x88a8) {
		off += 4;
		if (len < off + 2)
			return WIRE_ENOTTCP;
		type = get16(f + off);
	}
	off += 2;
	loc->l3 = off;
	if (type == 0x0800) {
		size_t ihl, tot;
		if (len < off + 20 || (f[off] >> 4) != 4 || f[off + 9] != 6)
			return WIRE_ENOTTCP;
		ihl = (size_t)(f[off] & 0x0f) * 4;
		tot = get16(f + off + 2);
		if (ihl < 20 || tot < ihl || len < off + tot)
			return WIRE_ENOTTCP;
		loc->v6 = 0;
		loc->l4 = off + ihl;
		loc->l4len = tot - ihl;
	} else if (type == 0x86dd) {
		size_t plen;
		if (len < off + 40 || (f[off] >> 4) != 6 || f[off + 6] != 6)
			return WIRE_ENOTTCP;
		plen = get16(f + off + 4);
		if (len < off + 40 + plen)
			return WIRE_ENOTTCP;
		loc->v6 = 1;
		loc->l4 = off + 40;
		loc->l4len = plen;
	} else
		return WIRE_ENOTTCP;
	if (loc->l4len < 20 || (size_t)(f[loc->l4 + 12] >> 4) * 4 < 20 ||
	    (size_t)(f[loc->l4 + 12] >> 4) * 4 > loc->l4len)
		return WIRE_ENOTTCP;
	return WIRE_OK;
}

enum wire_status
wire_parse(const uint8_t *frame, size_t len, struct wire_seg *seg)
{
	struct wire_loc loc;

	if (wire_locate(frame, len, &loc) != WIRE_OK)
		return WIRE_ENOTTCP;
	seg->flags = frame[loc.l4 + 13];
	seg->payload = (unsigned)(loc.l4len - (size_t)(frame[loc.l4 + 12] >> 4) * 4);
	return WIRE_OK;
}

enum wire_status
wire_rule_parse(const char *spec, struct wire_rule *r)
{
	char kind[16];
	char side;
	unsigned nth, hold = 0;
	int used = 0, more = 0;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (sscanf(spec, "%c:%15[a-z]:%u%n", &side, kind, &nth, &used) != 3 ||
	    (side != 'a' && side != 'b') || nth == 0)
		return WIRE_ESYNTAX;
	if (spec[used] == ':' && (sscanf(spec + used, ":+%u%n", &hold, &more) != 1 ||
	    hold == 0 || hold > 60000))
		return WIRE_ESYNTAX;
	if (spec[used + more] != '\0')
		return WIRE_ESYNTAX;
	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind, kind_names[i]) == 0)
			break;
	if (i == sizeof(kind_names) / sizeof(kind_names[0]))
		return WIRE_ESYNTAX;
	r->side = side == 'b';
	r->kind = (enum wire_kind)i;
	r->nth = nth;
	r->hold_ms = hold;
	return WIRE_OK;
}

/* Does a segment sent by `side` match kind k? */
static int
wire_is(const struct wire_state *st, int side, const struct wire_seg *s,
    enum wire_kind k)
{
	int pure_ack = (s->flags & 0x3f) == WIRE_ACK && s->payload == 0;

	switch (k) {
	case WIRE_KIND_TCP:	return 1;
	case WIRE_KIND_SYN:	return (s->flags & (WIRE_SYN | WIRE_ACK)) == WIRE_SYN;
	case WIRE_KIND_SYNACK:	return (s->flags & (WIRE_SYN | WIRE_ACK)) == (WIRE_SYN | WIRE_ACK);
	case WIRE_KIND_FIN:	return (s->flags & WIRE_FIN) != 0;
	case WIRE_KIND_RST:	return (s->flags & WIRE_RST) != 0;
	case WIRE_KIND_DATA:	return s->payload > 0;
	case WIRE_KIND_ACK:	return pure_ack;
	case WIRE_KIND_FINACK:	return pure_ack && st->fin_passed[!side];
	}
	return 0;
}

int
wire_judge(struct wire_state *st, int side, const uint8_t *frame, size_t len)
{
	struct wire_seg seg;
	int i, drop = 0;

	st->hold_ms = 0;
	if (wire_parse(frame, len, &seg) != WIRE_OK)
		return 0;
	for (i = 0; i < st->nrules; i++) {
		struct wire_rule *r = &st->rules[i];
		if (r->side != side || !wire_is(st, side, &seg, r->kind))
			continue;
		if (++r->seen != r->nth)
			continue;
		if (r->hold_ms == 0)
			drop = 1;
		else if (r->hold_ms > st->hold_ms)
			st->hold_ms = r->hold_ms;
	}
	if (drop) {
		st->hold_ms = 0;
		st->dropped++;
		return 1;
	}
	if (st->hold_ms)
		st->held++;
	if (seg.flags & WIRE_FIN)
		st->fin_passed[side] = 1;
	return 0;
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += get16(p + i);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static void
put_csum(uint8_t *where, uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	acc = ~acc & 0xffff;
	where[0] = (uint8_t)(acc >> 8);
	where[1] = (uint8_t)acc;
}

void
wire_csum_fix(uint8_t *f, size_t len)
{
	struct wire_loc loc;
	uint32_t acc = 0;

	if (wire_locate(f, len, &loc) != WIRE_OK)
		return;
	if (!loc.v6) {
		size_t ihl = loc.l4 - loc.l3;
		f[loc.l3 + 10] = f[loc.l3 + 11] = 0;
		put_csum(f + loc.l3 + 10, sum16(f + loc.l3, ihl, 0));
		acc = sum16(f + loc.l3 + 12, 8, 0);
	} else
		acc = sum16(f + loc.l3 + 8, 32, 0);
	acc += 6 + (uint32_t)loc.l4len;
	f[loc.l4 + 16] = f[loc.l4 + 17] = 0;
	put_csum(f + loc.l4 + 16, sum16(f + loc.l4, loc.l4len, acc));
}
