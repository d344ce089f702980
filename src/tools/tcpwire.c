/*
 * tcpwire — a userspace piece of wire between two interfaces, for the
 * fixtures that need delay or loss on a kernel without netem or iptables.
 * It reads every frame arriving on IFACE_A or IFACE_B with AF_PACKET and
 * sends it out of the other one DELAY ms later, unless a drop rule
 * (wirerule.h) claims it. Run it in a middle network namespace that holds
 * one veth end towards each peer:
 *
 *	tcpwire -d 100 -x a:fin:1 a1 b1
 *	tcpwire -d 0 -x a:data:1:+300 a1 b1	(A's first data comes 300 ms late)
 *
 * Prints "wire up A <-> B" on stdout when both sockets are bound; logs each
 * drop on stderr; SIGINT/SIGTERM end it with a one-line summary.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wirerule.h"

struct frame {
	struct frame *next;
	long long due_us;
	size_t len;
	unsigned char data[];
};

struct fifo {
	struct frame *head, *tail;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fputs("usage: tcpwire [-d DELAY_MS] [-x a|b:KIND:N[:+MS]]... IFACE_A IFACE_B\n"
	    "  forwards frames between two interfaces with a fixed one-way delay;\n"
	    "  -x drops the Nth segment of KIND from side a or b; KIND is one of\n"
	    "  tcp syn synack fin rst data ack finack (finack: a pure ACK sent\n"
	    "  after the other side's FIN went through, i.e. the final ACK);\n"
	    "  with :+MS it holds that segment MS ms longer instead (reordering).\n",
	    f);
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* An AF_PACKET socket bound to ifname, promiscuous; -1 with errno. */
static int
wire_open(const char *ifname)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (fd == -1)
		return -1;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = sll.sll_ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) == -1) {
		int e = sll.sll_ifindex == 0 ? ENODEV : errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Queues f in the order of due times (a held frame lets others pass). */
static void
fifo_insert(struct fifo *q, struct frame *f)
{
	struct frame **pp = &q->head;

	while (*pp != NULL && (*pp)->due_us <= f->due_us)
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
	if (f->next == NULL)
		q->tail = f;
}

/* Read one frame from fd[side]; queue it for the other side unless dropped. */
static void
wire_take(int fd, int side, struct wire_state *st, struct fifo *q,
    long long delay_us)
{
	unsigned char buf[65536];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
	    (struct sockaddr *)&from, &fl);
	struct frame *f;

	if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
		return;
	if (wire_judge(st, side, buf, (size_t)n)) {
		fprintf(stderr, "tcpwire: dropped a frame from %c (%zd bytes)\n",
		    side ? 'b' : 'a', n);
		return;
	}
	if (st->hold_ms)
		fprintf(stderr, "tcpwire: holding a frame from %c (%zd bytes) "
		    "%u ms\n", side ? 'b' : 'a', n, st->hold_ms);
	if ((f = malloc(sizeof(*f) + (size_t)n)) == NULL)
		err(1, "malloc");
	memcpy(f->data, buf, (size_t)n);
	wire_csum_fix(f->data, (size_t)n);
	f->len = (size_t)n;
	f->due_us = now_us() + delay_us + st->hold_ms * 1000LL;
	fifo_insert(q, f);
}

/* Send every due frame of q out of fd; returns frames sent. */
static unsigned
wire_flush(int fd, struct fifo *q)
{
	unsigned sent = 0;
	long long now = now_us();

	while (q->head && q->head->due_us <= now) {
		struct frame *f = q->head;
		if (send(fd, f->data, f->len, 0) == -1)
			warn("send %zu bytes", f->len);
		else
			sent++;
		q->head = f->next;
		if (q->head == NULL)
			q->tail = NULL;
		free(f);
	}
	return sent;
}

int
main(int argc, char **argv)
{
	struct wire_state st;
	struct fifo q[2] = { { NULL, NULL }, { NULL, NULL } };
	struct sigaction sa;
	long long delay_us = 0;
	unsigned forwarded = 0;
	int fd[2], c;

	memset(&st, 0, sizeof(st));
	while ((c = getopt(argc, argv, "d:hx:")) != -1) {
		switch (c) {
		case 'd':
			delay_us = atoll(optarg) * 1000;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'x':
			if (st.nrules == WIRE_MAX_RULES)
				errx(2, "-x %s: at most %d rules", optarg, WIRE_MAX_RULES);
			if (wire_rule_parse(optarg, &st.rules[st.nrules++]) != WIRE_OK)
				errx(2, "-x %s: expected a|b:KIND:N[:+MS]", optarg);
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	for (c = 0; c < 2; c++)
		if ((fd[c] = wire_open(argv[optind + c])) == -1)
			err(1, "AF_PACKET on %s", argv[optind + c]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("wire up %s <-> %s\n", argv[optind], argv[optind + 1]);
	fflush(stdout);

	while (!stop) {
		struct pollfd p[2] = { { fd[0], POLLIN, 0 }, { fd[1], POLLIN, 0 } };
		long long next = -1;
		int timeout = -1;
		for (c = 0; c < 2; c++)
			if (q[c].head && (next == -1 || q[c].head->due_us < next))
				next = q[c].head->due_us;
		if (next != -1) {
			long long left = next - now_us();
			timeout = left <= 0 ? 0 : (int)((left + 999) / 1000);
		}
		if (poll(p, 2, timeout) == -1 && errno != EINTR)
			err(1, "poll");
		for (c = 0; c < 2; c++)
			if (p[c].revents & POLLIN)
				wire_take(fd[c], c, &st, &q[c], delay_us);
		/* q[0] holds frames from A: they leave through B, and back. */
		forwarded += wire_flush(fd[1], &q[0]);
		forwarded += wire_flush(fd[0], &q[1]);
	}
	fprintf(stderr, "tcpwire: forwarded %u, dropped %u, held %u\n",
	    forwarded, st.dropped, st.held);
	return 0;
}
