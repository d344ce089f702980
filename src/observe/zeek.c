/*
 * zeek.c — conn_state and history as Zeek writes them in conn.log, so that
 * people who know Zeek can read our report. Follows Zeek's TCP analyzer:
 *   - a packet with more than one of SYN/FIN/RST gives 'I' (FIN+RST) or 'Q';
 *   - otherwise SYN gives 'S' (no ACK) or 'H' (SYN+ACK), FIN 'F', RST 'R',
 *     each again only when its sequence number differs from the last one of
 *     the same kind (so retransmissions do not repeat them);
 *   - a packet with none of them gives 'D' with payload, else 'A' with ACK,
 *     once per direction;
 *   - 'T' (retransmitted payload) and 'W' (zero window) are logarithmic:
 *     repeated when their count reaches 10, 100, 1000 ...;
 *   - uppercase is the originator, lowercase the responder; '^' first when
 *     the originator was guessed against the first packet's direction.
 * 'C' (bad checksum) never appears: loopback checksums are offloaded and we
 * do not validate them. 'G' (content gap) needs reassembly: not produced.
 */
#include <string.h>

#include "fsm.h"
#include "zeek.h"

enum {
	H_SYN = 1 << 0, H_FIN = 1 << 1, H_RST = 1 << 2, H_DATA = 1 << 3,
	H_ACK = 1 << 4, H_MULTI = 1 << 5, H_FINRST = 1 << 6,
	H_REXMIT = 1 << 7, H_ZWIN = 1 << 8
};

static void
add(struct zeek *z, int orig, char c)
{
	if (z->hlen >= ZEEK_HISTMAX)
		return;
	if (!orig && c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	z->hist[z->hlen++] = c;
	z->hist[z->hlen] = '\0';
}

/* Adds the letter the first time; says whether it had been seen before. */
static int
check(struct zeek *z, int orig, int bit, char c)
{
	int d = orig ? 0 : 1;

	if (z->seen[d] & bit)
		return 1;
	z->seen[d] |= (uint16_t)bit;
	add(z, orig, c);
	return 0;
}

/* Zeek's "scaled" history: letter at counts 1, 10, 100, ... */
static void
scaled(struct zeek *z, int orig, uint32_t *cnt, uint32_t *next, char c)
{
	if (++*cnt >= *next) {
		add(z, orig, c);
		*next = *next < 1 ? 10 : *next * 10;
	}
}

void
zeek_init(struct zeek *z, int flipped)
{
	memset(z, 0, sizeof *z);
	z->rexmit_next[0] = z->rexmit_next[1] = 1;
	z->zwin_next[0] = z->zwin_next[1] = 1;
	if (flipped)
		add(z, 1, '^');
}

static void
update_letters(struct zeek *z, int orig, const struct seg *s)
{
	int d = orig ? 0 : 1;
	uint8_t fl = s->flags;
	int bits = !!(fl & SEG_SYN) + !!(fl & SEG_FIN) + !!(fl & SEG_RST);

	if (bits > 1) {
		if ((fl & SEG_FIN) && (fl & SEG_RST))
			check(z, orig, H_FINRST, 'I');
		else
			check(z, orig, H_MULTI, 'Q');
	} else if (bits == 1) {
		if (fl & SEG_SYN) {
			char c = (fl & SEG_ACK) ? 'H' : 'S';

			if (check(z, orig, H_SYN, c) && s->seq != z->last_syn[d])
				add(z, orig, c);
			z->last_syn[d] = s->seq;
		}
		if (fl & SEG_FIN) {
			uint32_t end = s->seq + s->len;

			if (check(z, orig, H_FIN, 'F') && end != z->last_fin[d])
				add(z, orig, 'F');
			z->last_fin[d] = end;
		}
		if (fl & SEG_RST) {
			if (check(z, orig, H_RST, 'R') && s->seq != z->last_rst[d])
				add(z, orig, 'R');
			z->last_rst[d] = s->seq;
		}
	} else if (s->len > 0) {
		check(z, orig, H_DATA, 'D');
	} else if (fl & SEG_ACK) {
		check(z, orig, H_ACK, 'A');
	}
	if (s->len > 0) {
		uint32_t end = s->seq + s->len;

		if (z->have_end[d] && fsm_seq_lt(s->seq, z->hi_end[d]) &&
		    !(fl & SEG_SYN))
			scaled(z, orig, &z->nrexmit[d], &z->rexmit_next[d], 'T');
		if (!z->have_end[d] || fsm_seq_lt(z->hi_end[d], end))
			z->hi_end[d] = end;
		z->have_end[d] = 1;
	}
	if (s->win == 0 && !(fl & (SEG_SYN | SEG_RST)))
		scaled(z, orig, &z->nzwin[d], &z->zwin_next[d], 'W');
}

/* Zeek's endpoint state machine, reduced to what conn_state reads. */
static void
update_states(struct zeek *z, int orig, const struct seg *s)
{
	uint8_t *e = &z->ep[orig ? 0 : 1], *p = &z->ep[orig ? 1 : 0];
	uint8_t fl = s->flags;

	if (fl & SEG_RST) {
		*e = ZEEK_RESET;
		return;
	}
	if (*e == ZEEK_RESET)
		return;
	if (fl & SEG_SYN) {
		if (*e == ZEEK_INACTIVE)
			*e = (fl & SEG_ACK) ? ZEEK_SYN_ACK_SENT : ZEEK_SYN_SENT;
		return;
	}
	if (fl & SEG_FIN) {
		*e = ZEEK_CLOSED;
		return;
	}
	if (*e == ZEEK_INACTIVE) {
		*e = ZEEK_PARTIAL;
	} else if ((*e == ZEEK_SYN_SENT || *e == ZEEK_SYN_ACK_SENT) &&
	    (fl & SEG_ACK)) {
		*e = ZEEK_ESTABLISHED;
		if (*p == ZEEK_SYN_SENT || *p == ZEEK_SYN_ACK_SENT)
			*p = ZEEK_ESTABLISHED;
	}
}

void
zeek_update(struct zeek *z, int orig, const struct seg *s)
{
	update_letters(z, orig, s);
	update_states(z, orig, s);
}

const char *
zeek_conn_state(const struct zeek *z, uint64_t orig_bytes, uint64_t resp_bytes)
{
	int os = z->ep[0], rs = z->ep[1];
	int o_inactive = os == ZEEK_INACTIVE || os == ZEEK_PARTIAL;
	int r_inactive = rs == ZEEK_INACTIVE || rs == ZEEK_PARTIAL;

	if (rs == ZEEK_RESET) {
		if (os == ZEEK_SYN_SENT || os == ZEEK_SYN_ACK_SENT ||
		    (os == ZEEK_RESET && orig_bytes == 0 && resp_bytes == 0))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == ZEEK_RESET) {
		if (r_inactive) {
			/* Zeek: history matches /^\^?S[^HAFGIQ]*R.*$/ */
			const char *h = z->hist;
			size_t i;

			if (*h == '^')
				h++;
			if (*h == 'S') {
				for (i = 1; h[i] && !strchr("HAFGIQ", h[i]); i++)
					if (h[i] == 'R')
						return "RSTOS0";
			}
			return "OTH";
		}
		return "RSTO";
	}
	if (rs == ZEEK_CLOSED && os == ZEEK_CLOSED)
		return "SF";
	if (os == ZEEK_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == ZEEK_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == ZEEK_SYN_SENT && rs == ZEEK_INACTIVE)
		return "S0";
	if (os == ZEEK_ESTABLISHED && rs == ZEEK_ESTABLISHED)
		return "S1";
	return "OTH";
}
