/*
 * roles.h — telling client from server: the end that sent the first SYN is
 * the client; without it (a capture that starts mid-connection) the
 * SYN-ACK's sender, an endpoint that served before in this capture, the
 * lower port, or the first packet's destination is the server, in that
 * order (enum track_roles says which rule decided).
 */
#ifndef TCPLAB_ROLES_H
#define TCPLAB_ROLES_H

#include <stdint.h>

#include "decode.h"

#define ROLES_NSERVERS	256

struct roles_ep {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

/* The last ROLES_NSERVERS endpoints that answered a SYN. */
struct roles {
	struct roles_ep servers[ROLES_NSERVERS];
	unsigned nservers;
};

/*
 * The rule (enum track_roles) that decides the roles of a connection whose
 * first segment is s; *src_is_client: whether s's sender is the client.
 */
int roles_guess(const struct roles *r, const struct seg *s,
    int *src_is_client);

/* s is a SYN-ACK: its sender serves (remembered for later connections). */
void roles_remember(struct roles *r, const struct seg *s);

#endif
