/*
 * roles.c — which end of a connection is the server, decided from its
 * first captured segment and the servers seen before (see roles.h).
 */
#include <string.h>

#include "roles.h"
#include "track.h"

/* Whether addr:port answered a SYN earlier in the capture. */
static int
is_server(const struct roles *r, int family, const uint8_t *addr,
    uint16_t port)
{
	unsigned i;

	for (i = 0; i < r->nservers && i < ROLES_NSERVERS; i++) {
		const struct roles_ep *e = &r->servers[i];

		if (e->port == port && e->family == family &&
		    memcmp(e->addr, addr, 16) == 0)
			return 1;
	}
	return 0;
}

void
roles_remember(struct roles *r, const struct seg *s)
{
	struct roles_ep *e;

	if (is_server(r, s->family, s->src, s->sport))
		return;
	e = &r->servers[r->nservers++ % ROLES_NSERVERS];
	e->family = s->family;
	e->port = s->sport;
	memcpy(e->addr, s->src, 16);
}

int
roles_guess(const struct roles *r, const struct seg *s, int *src_is_client)
{
	uint8_t fl = s->flags & (SEG_SYN | SEG_ACK);

	if (fl == SEG_SYN) {
		*src_is_client = 1;
		return TRACK_ROLES_SYN;
	}
	if (fl == (SEG_SYN | SEG_ACK)) {
		*src_is_client = 0;
		return TRACK_ROLES_SYNACK;
	}
	if (is_server(r, s->family, s->dst, s->dport) ||
	    is_server(r, s->family, s->src, s->sport)) {
		*src_is_client = is_server(r, s->family, s->dst, s->dport);
		return TRACK_ROLES_KNOWN_SERVER;
	}
	if (s->sport != s->dport) {
		*src_is_client = s->sport > s->dport;
		return TRACK_ROLES_LOWER_PORT;
	}
	*src_is_client = 1;
	return TRACK_ROLES_FIRST_DST;
}

static const char *const roles_names[] = {
	"syn", "syn-ack", "known-server", "lower-port", "first-packet-destination",
};

const char *
track_roles_name(int roles)
{
	return roles >= 0 && roles <= TRACK_ROLES_FIRST_DST ?
	    roles_names[roles] : "?";
}
