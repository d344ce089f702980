/*
 * test_diag.c — unit tests of the snapshot's pure parts: netlink buffers made
 * by hand go through diag_parse; state and timer names, the port filter and
 * the sort order are checked; procsock_scan reads a fake /proc tree.
 */
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../diag.h"
#include "../procsock.h"
#include "common/unit.h"

static unsigned char buf[8192];
static size_t used;

/* Appends one netlink message with the given payload to buf. */
static void
put_msg(uint16_t type, const void *payload, size_t plen)
{
	struct nlmsghdr h = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(plen),
	    .nlmsg_type = type, .nlmsg_flags = NLM_F_MULTI };

	memcpy(buf + used, &h, sizeof h);
	memcpy(buf + used + NLMSG_HDRLEN, payload, plen);
	used += NLMSG_ALIGN(h.nlmsg_len);
}

static void
put_sock(int family, int state, const char *src, int sport, const char *dst,
    int dport, int timer, unsigned expires, unsigned rq, unsigned wq,
    unsigned inode)
{
	struct inet_diag_msg m;

	memset(&m, 0, sizeof m);
	m.idiag_family = (uint8_t)family;
	m.idiag_state = (uint8_t)state;
	m.idiag_timer = (uint8_t)timer;
	m.id.idiag_sport = htons((uint16_t)sport);
	m.id.idiag_dport = htons((uint16_t)dport);
	inet_pton(family, src, m.id.idiag_src);
	inet_pton(family, dst, m.id.idiag_dst);
	m.idiag_expires = expires;
	m.idiag_rqueue = rq;
	m.idiag_wqueue = wq;
	m.idiag_uid = 1000;
	m.idiag_inode = inode;
	put_msg(SOCK_DIAG_BY_FAMILY, &m, sizeof m);
}

static void
test_parse(void)
{
	struct diag_list l = { 0 };
	char a[64];
	int kerr = 0, done = 0;

	used = 0;
	put_sock(AF_INET, 10, "127.0.0.1", 5000, "0.0.0.0", 0, 0, 0, 2, 128, 4242);
	put_sock(AF_INET6, 6, "::1", 5000, "::1", 40000, 3, 59800, 0, 0, 0);
	put_msg(NLMSG_DONE, &done, sizeof done);
	UNIT_EQ_INT(diag_parse(buf, used, &l, &kerr), DIAG_DONE, "dump ends with DONE");
	UNIT_EQ_INT(l.n, 2, "two sockets parsed");
	UNIT_EQ_STR(diag_state_name(l.v[0].state), "LISTEN", "first is LISTEN");
	UNIT_EQ_STR(diag_addr_str(&l.v[0], 0, a, sizeof a), "127.0.0.1", "v4 local addr");
	UNIT_EQ_STR(diag_addr_str(&l.v[0], 1, a, sizeof a), "0.0.0.0", "v4 remote addr");
	UNIT_EQ_INT(l.v[0].lport, 5000, "local port in host order");
	UNIT_EQ_INT(l.v[0].rqueue, 2, "LISTEN recv-q = backlog");
	UNIT_EQ_INT(l.v[0].wqueue, 128, "LISTEN send-q = max backlog");
	UNIT_EQ_INT(l.v[0].inode, 4242, "inode");
	UNIT_EQ_INT(l.v[0].uid, 1000, "uid");
	UNIT_EQ_STR(diag_addr_str(&l.v[1], 1, a, sizeof a), "::1", "v6 remote addr");
	UNIT_EQ_INT(l.v[1].rport, 40000, "v6 remote port");
	UNIT_EQ_STR(diag_timer_name(l.v[1].timer), "timewait", "timer kind");
	UNIT_EQ_INT(l.v[1].expires_ms, 59800, "timer left in ms");
	diag_list_free(&l);

	/* Without DONE the dump goes on: the records so far are kept. */
	used = 0;
	put_sock(AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, 0, 0, 1);
	UNIT_EQ_INT(diag_parse(buf, used, &l, &kerr), DIAG_MORE, "no DONE: MORE");
	UNIT_EQ_INT(l.n, 1, "record kept");
	/* A record cut short anywhere is malformed, never read past the end. */
	for (size_t cut = 1; cut < used; cut++) {
		struct diag_list t = { 0 };
		enum diag_status st = diag_parse(buf, cut, &t, &kerr);

		if (st != DIAG_EMALFORMED || t.n != 0) {
			UNIT_CHECK(0, "cut at %zu: status %d, %zu records", cut, st, t.n);
			diag_list_free(&t);
			diag_list_free(&l);
			return;
		}
		diag_list_free(&t);
	}
	UNIT_CHECK(1, "a record cut at every offset is DIAG_EMALFORMED");
	diag_list_free(&l);
}

static void
test_errors(void)
{
	struct diag_list l = { 0 };
	struct nlmsgerr ne = { .error = -EPERM };
	struct nlmsghdr bad = { .nlmsg_len = 4, .nlmsg_type = SOCK_DIAG_BY_FAMILY };
	int kerr = 0, done = -ENOBUFS;

	used = 0;
	put_msg(NLMSG_ERROR, &ne, sizeof ne);
	UNIT_EQ_INT(diag_parse(buf, used, &l, &kerr), DIAG_EKERNEL, "NLMSG_ERROR");
	UNIT_EQ_INT(kerr, EPERM, "kernel errno passed up");
	used = 0;
	put_msg(NLMSG_DONE, &done, sizeof done);
	UNIT_EQ_INT(diag_parse(buf, used, &l, &kerr), DIAG_EKERNEL, "DONE with error");
	UNIT_EQ_INT(kerr, ENOBUFS, "dump errno passed up");
	memcpy(buf, &bad, sizeof bad);
	UNIT_EQ_INT(diag_parse(buf, sizeof bad, &l, &kerr), DIAG_EMALFORMED,
	    "nlmsg_len shorter than its header");
	bad.nlmsg_len = 4000;
	memcpy(buf, &bad, sizeof bad);
	UNIT_EQ_INT(diag_parse(buf, 100, &l, &kerr), DIAG_EMALFORMED,
	    "nlmsg_len beyond the buffer");
	used = 0;
	put_msg(SOCK_DIAG_BY_FAMILY, "short", 5);
	UNIT_EQ_INT(diag_parse(buf, used, &l, &kerr), DIAG_EMALFORMED,
	    "payload shorter than inet_diag_msg");
	UNIT_EQ_INT(l.n, 0, "nothing appended from bad buffers");
	UNIT_EQ_INT(diag_parse(buf, 0, &l, &kerr), DIAG_MORE, "empty buffer");
}

static void
test_names(void)
{
	UNIT_EQ_STR(diag_state_name(12), "SYN_RCVD", "NEW_SYN_RECV shows as SYN_RCVD");
	UNIT_EQ_STR(diag_state_name(3), "SYN_RCVD", "SYN_RECV");
	UNIT_EQ_STR(diag_state_name(7), "CLOSED", "TCP_CLOSE shows as CLOSED");
	UNIT_EQ_STR(diag_state_name(4), "FIN_WAIT_1", "FIN_WAIT_1");
	UNIT_EQ_STR(diag_state_name(11), "CLOSING", "CLOSING");
	UNIT_EQ_STR(diag_state_name(0), "UNKNOWN", "0 is unknown");
	UNIT_EQ_STR(diag_state_name(99), "UNKNOWN", "99 is unknown");
	UNIT_CHECK(diag_timer_name(0) == NULL, "no timer");
	UNIT_EQ_STR(diag_timer_name(1), "on", "retransmit timer");
	UNIT_EQ_STR(diag_timer_name(2), "keepalive", "keepalive timer");
	UNIT_EQ_STR(diag_timer_name(4), "probe", "zero window probe timer");
}

static void
test_sort_filter(void)
{
	struct diag_list l = { 0 };
	int kerr = 0;

	used = 0;
	put_sock(AF_INET, 1, "127.0.0.1", 40001, "127.0.0.1", 5000, 0, 0, 0, 0, 11);
	put_sock(AF_INET, 1, "127.0.0.1", 5000, "127.0.0.1", 40001, 0, 0, 0, 0, 0);
	put_sock(AF_INET6, 10, "::", 22, "::", 0, 0, 0, 0, 0, 9);
	put_sock(AF_INET, 6, "127.0.0.1", 5000, "127.0.0.1", 39999, 3, 1000, 0, 0, 0);
	put_sock(AF_INET, 10, "127.0.0.1", 5000, "0.0.0.0", 0, 0, 0, 0, 0, 10);
	put_sock(AF_INET, 1, "127.0.0.1", 40000, "127.0.0.1", 6000, 0, 0, 0, 0, 12);
	diag_parse(buf, used, &l, &kerr);
	diag_sort(&l);
	UNIT_EQ_INT(l.n, 6, "six sockets");
	UNIT_CHECK(l.v[0].state == 10 && l.v[0].lport == 22, "LISTEN :22 first");
	UNIT_CHECK(l.v[1].state == 10 && l.v[1].lport == 5000, "LISTEN :5000 second");
	UNIT_CHECK(l.v[2].lport == 5000 && l.v[2].rport == 39999, "then :5000->39999");
	UNIT_CHECK(l.v[3].lport == 5000 && l.v[3].rport == 40001, "then :5000->40001");
	UNIT_CHECK(l.v[4].lport == 40000, "then :40000");
	UNIT_CHECK(l.v[5].lport == 40001, "then :40001");
	diag_filter_port(&l, 5000);
	UNIT_EQ_INT(l.n, 4, "--port 5000 keeps local or remote 5000");
	UNIT_CHECK(l.v[0].lport == 5000 && l.v[3].rport == 5000, "order kept by filter");
	diag_list_free(&l);
}

static void
test_procsock(void)
{
	char dir[] = "/tmp/tcplab-test_diag.XXXXXX", p[256];
	struct procsock_map m = { 0 };
	const struct procsock *e;
	FILE *fp;

	if (mkdtemp(dir) == NULL) {
		UNIT_CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	for (int pid = 41; pid <= 42; pid++) {
		snprintf(p, sizeof p, "%s/%d", dir, pid);
		mkdir(p, 0700);
		snprintf(p, sizeof p, "%s/%d/fd", dir, pid);
		mkdir(p, 0700);
		snprintf(p, sizeof p, "%s/%d/fd/3", dir, pid);
		symlink("socket:[777]", p);
		snprintf(p, sizeof p, "%s/%d/fd/4", dir, pid);
		symlink(pid == 41 ? "/dev/null" : "socket:[778]", p);
		snprintf(p, sizeof p, "%s/%d/fd/5", dir, pid);
		symlink("socket:[777]", p);	/* dup()ed: still one owner */
		snprintf(p, sizeof p, "%s/%d/comm", dir, pid);
		if ((fp = fopen(p, "w")) != NULL) {
			fprintf(fp, "daytimed\n");
			fclose(fp);
		}
	}
	snprintf(p, sizeof p, "%s/self", dir);
	mkdir(p, 0700);		/* not a pid: ignored */
	UNIT_EQ_INT(procsock_scan(dir, &m), 0, "fake /proc scanned");
	UNIT_EQ_INT(procsock_find(&m, 777, &e), 2, "inode 777 held by two pids");
	UNIT_CHECK(e[0].pid == 41 && e[1].pid == 42, "owners sorted by pid");
	UNIT_EQ_STR(e[0].comm, "daytimed", "comm without newline");
	UNIT_EQ_INT(procsock_find(&m, 778, &e), 1, "inode 778 held by one pid");
	UNIT_EQ_INT(e[0].pid, 42, "right owner of 778");
	UNIT_EQ_INT(procsock_find(&m, 779, &e), 0, "unknown inode: no owner");
	UNIT_CHECK(procsock_scan("/nonexistent-tcplab", &m) == -1 && errno == ENOENT,
	    "missing procdir is an error with errno");
	procsock_free(&m);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	if (system(p) != 0)
		UNIT_CHECK(0, "cleanup %s", dir);
}

int
main(void)
{
	test_parse();
	test_errors();
	test_names();
	test_sort_filter();
	test_procsock();
	return unit_done();
}
