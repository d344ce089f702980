/*
 * diag.c — reads the kernel's TCP socket table the way ss(8) does: one
 * NETLINK_SOCK_DIAG dump request per address family, answered by a stream of
 * inet_diag_msg records. The parsing of those records (diag_parse) and the
 * sorting/filtering helpers are pure, so unit tests feed them made-up
 * buffers; diag_dump is the only function that touches a socket.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

/* Indexed by the kernel's state numbers (include/net/tcp_states.h). */
static const char *const state_names[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RCVD",
	[4] = "FIN_WAIT_1", [5] = "FIN_WAIT_2", [6] = "TIME_WAIT",
	[7] = "CLOSED", [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
	[10] = "LISTEN", [11] = "CLOSING", [12] = "SYN_RCVD",	/* NEW_SYN_RECV */
};
#define DIAG_STATE_LISTEN 10

/* Returns a textbook name even for numbers a future kernel may add. */
const char *
diag_state_name(int state)
{
	if (state < 0 || (size_t)state >= sizeof state_names / sizeof state_names[0] ||
	    state_names[state] == NULL)
		return "UNKNOWN";
	return state_names[state];
}

/* The names ss and netstat use, so the output reads like theirs. */
const char *
diag_timer_name(int timer)
{
	switch (timer) {
	case 1: return "on";
	case 2: return "keepalive";
	case 3: return "timewait";
	case 4: return "probe";
	default: return NULL;
	}
}

/* inet_ntop over the socket's own family. */
const char *
diag_addr_str(const struct diag_sock *s, int remote, char *buf, size_t size)
{
	const void *a = remote ? s->raddr : s->laddr;

	if (inet_ntop(s->family, a, buf, (socklen_t)size) == NULL)
		return "?";
	return buf;
}

static int
list_push(struct diag_list *list, const struct diag_sock *s)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct diag_sock *v = realloc(list->v, cap * sizeof *v);

		if (v == NULL)
			return -1;
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = *s;
	return 0;
}

/* Copies the fields we report out of one record (network to host order). */
static void
msg_decode(const struct inet_diag_msg *m, struct diag_sock *s)
{
	memset(s, 0, sizeof *s);
	s->family = m->idiag_family;
	s->state = m->idiag_state;
	memcpy(s->laddr, m->id.idiag_src, s->family == AF_INET ? 4 : 16);
	memcpy(s->raddr, m->id.idiag_dst, s->family == AF_INET ? 4 : 16);
	s->lport = ntohs(m->id.idiag_sport);
	s->rport = ntohs(m->id.idiag_dport);
	s->timer = m->idiag_timer;
	s->expires_ms = m->idiag_expires;
	s->retrans = m->idiag_retrans;
	s->rqueue = m->idiag_rqueue;
	s->wqueue = m->idiag_wqueue;
	s->uid = m->idiag_uid;
	s->inode = m->idiag_inode;
}

/* Walks the messages with explicit bounds checks (NLMSG_OK trusts too much). */
enum diag_status
diag_parse(const void *buf, size_t len, struct diag_list *list, int *kerr)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		const unsigned char *payload;
		size_t plen;

		memcpy(&h, p + off, sizeof h);
		if (h.nlmsg_len < sizeof h || h.nlmsg_len > len - off)
			return DIAG_EMALFORMED;
		payload = p + off + NLMSG_HDRLEN;
		plen = h.nlmsg_len >= NLMSG_HDRLEN ? h.nlmsg_len - NLMSG_HDRLEN : 0;

		if (h.nlmsg_type == NLMSG_DONE) {
			int e = 0;

			if (plen >= sizeof e)
				memcpy(&e, payload, sizeof e);
			if (e < 0) {
				*kerr = -e;
				return DIAG_EKERNEL;
			}
			return DIAG_DONE;
		}
		if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr ne;

			if (plen < sizeof ne)
				return DIAG_EMALFORMED;
			memcpy(&ne, payload, sizeof ne);
			if (ne.error != 0) {
				*kerr = -ne.error;
				return DIAG_EKERNEL;
			}
		} else if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			struct inet_diag_msg m;
			struct diag_sock s;

			if (plen < sizeof m)
				return DIAG_EMALFORMED;
			memcpy(&m, payload, sizeof m);
			if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
				return DIAG_EMALFORMED;
			msg_decode(&m, &s);
			if (list_push(list, &s) == -1)
				return DIAG_ENOMEM;
		}
		/* Messages are padded to 4 bytes; the last one may not be. */
		off += NLMSG_ALIGN(h.nlmsg_len);
		if (off > len)
			off = len;
	}
	return off == len ? DIAG_MORE : DIAG_EMALFORMED;
}

/* One dump: request, then recv until NLMSG_DONE. Returns -1 with errno. */
int
diag_dump(int family, struct diag_list *list)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t bufsize = 256 * 1024;
	unsigned char *buf = NULL;
	int fd, rc = -1, saved;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd == -1)
		return -1;
	if ((buf = malloc(bufsize)) == NULL)
		goto out;

	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.r.sdiag_family = (unsigned char)family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0U;	/* every state, TIME_WAIT and SYN_RECV too */
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel,
	    sizeof kernel) == -1)
		goto out;

	for (;;) {
		struct iovec iov = { buf, bufsize };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);
		int kerr = 0;

		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			goto out;
		}
		switch (diag_parse(buf, (size_t)n, list, &kerr)) {
		case DIAG_MORE:
			if (n == 0) {
				errno = EPROTO;
				goto out;
			}
			continue;
		case DIAG_DONE:
			rc = 0;
			goto out;
		case DIAG_EKERNEL:
			errno = kerr;
			goto out;
		case DIAG_EMALFORMED:
			errno = EPROTO;
			goto out;
		case DIAG_ENOMEM:
			errno = ENOMEM;
			goto out;
		}
	}
out:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return rc;
}

/* Frees what diag_parse grew. */
void
diag_list_free(struct diag_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}

/* In place, keeping the order. */
void
diag_filter_port(struct diag_list *list, uint16_t port)
{
	size_t i, j = 0;

	for (i = 0; i < list->n; i++)
		if (list->v[i].lport == port || list->v[i].rport == port)
			list->v[j++] = list->v[i];
	list->n = j;
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

/* A total order, so qsort's instability cannot show. */
static int
sock_cmp(const void *pa, const void *pb)
{
	const struct diag_sock *a = pa, *b = pb;
	int c;

	CMP(a->state != DIAG_STATE_LISTEN, b->state != DIAG_STATE_LISTEN);
	CMP(a->lport, b->lport);
	CMP(a->rport, b->rport);
	CMP(a->family, b->family);
	if ((c = memcmp(a->laddr, b->laddr, sizeof a->laddr)) != 0)
		return c;
	if ((c = memcmp(a->raddr, b->raddr, sizeof a->raddr)) != 0)
		return c;
	CMP(a->state, b->state);
	CMP(a->inode, b->inode);
	return 0;
}

/* Sorting is what makes two snapshots diffable. */
void
diag_sort(struct diag_list *list)
{
	if (list->n > 1)
		qsort(list->v, list->n, sizeof list->v[0], sock_cmp);
}
