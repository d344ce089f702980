/* diag.h — the kernel's TCP sockets through NETLINK_SOCK_DIAG (inet_diag). */
#ifndef TCPLAB_DIAG_H
#define TCPLAB_DIAG_H

#include <stddef.h>
#include <stdint.h>

/* One TCP socket as sock_diag reports it (ports in host order). */
struct diag_sock {
	int family;			/* AF_INET or AF_INET6 */
	int state;			/* the kernel's state number (TCP_ESTABLISHED...) */
	unsigned char laddr[16];	/* 4 bytes used for AF_INET */
	unsigned char raddr[16];
	uint16_t lport, rport;
	int timer;			/* idiag_timer: 0 none, 1 on, 2 keepalive, 3 timewait, 4 probe */
	unsigned int expires_ms;	/* time left on that timer */
	unsigned int retrans;
	unsigned int rqueue, wqueue;
	unsigned int uid;
	unsigned long inode;
};

/* A growable array of sockets, filled by diag_parse(). */
struct diag_list {
	struct diag_sock *v;
	size_t n, cap;
};

enum diag_status {
	DIAG_MORE,		/* buffer consumed, the dump goes on */
	DIAG_DONE,		/* NLMSG_DONE seen: the dump is complete */
	DIAG_EKERNEL,		/* the kernel answered NLMSG_ERROR (see *kerr) */
	DIAG_EMALFORMED,	/* a message is cut short or has a bad length */
	DIAG_ENOMEM,		/* the list could not grow */
};

/*
 * Parses one buffer of netlink messages (what one recv() returned) and
 * appends every inet_diag_msg to list. Pure: no I/O, so the unit tests can
 * feed it hand-made buffers. On DIAG_EKERNEL, *kerr is the positive errno.
 */
enum diag_status diag_parse(const void *buf, size_t len, struct diag_list *list,
    int *kerr);

/*
 * Asks the kernel for every TCP socket of family (AF_INET or AF_INET6), all
 * states including TIME_WAIT and request sockets, and appends them to list.
 * Reads the network namespace the caller runs in. Returns 0, or -1 with
 * errno set (EPROTO for a malformed answer).
 */
int diag_dump(int family, struct diag_list *list);

/* Frees the list's array and empties it. */
void diag_list_free(struct diag_list *list);

/* The textbook (UNP Fig 2.4) name of a kernel state number: Linux's
 * NEW_SYN_RECV shows as SYN_RCVD, its CLOSE as CLOSED. "UNKNOWN" otherwise. */
const char *diag_state_name(int state);

/* The snapshot contract's timer kind ("on", "keepalive", "timewait",
 * "probe"), or NULL when no timer runs. */
const char *diag_timer_name(int timer);

/* Formats an address as inet_ntop does; buf must hold 46 bytes. */
const char *diag_addr_str(const struct diag_sock *s, int remote, char *buf,
    size_t size);

/* Keeps only the sockets whose local or remote port is port (so a test sees
 * both ends of its own connections and nothing else). */
void diag_filter_port(struct diag_list *list, uint16_t port);

/* Sorts stably the way a reader scans netstat: LISTEN first, then by local
 * port, remote port, family, addresses, state and inode. */
void diag_sort(struct diag_list *list);

#endif
