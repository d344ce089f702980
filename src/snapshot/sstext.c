/*
 * sstext.c — the kernel's sockets in the words of the lab's own tools. A
 * student's lab report quotes `netstat -tan`; netstat reads /proc/net/tcp,
 * where a LISTEN socket's Send-Q is 0 and Recv-Q the connections waiting
 * for accept(), while sock_diag gives the backlog as its "write queue".
 * The owner and timer columns are those of `ss -tanop` (netstat's -p and -o
 * print less). Formats follow net-tools' netstat.c and iproute2's ss.c.
 */
#include <stdio.h>
#include <string.h>

#include "sstext.h"

/* Our names that netstat spells otherwise (net-tools' tcp_state[]). */
const char *
sstext_netstat_state(const char *state)
{
	static const char *const names[][2] = {
		{ "SYN_RCVD", "SYN_RECV" }, { "FIN_WAIT_1", "FIN_WAIT1" },
		{ "FIN_WAIT_2", "FIN_WAIT2" }, { "CLOSED", "CLOSE" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(state, names[i][0]) == 0)
			return names[i][1];
	return state;
}

/* netstat's "addr:port" (no brackets for IPv6), the address cut to fit 23. */
static void
netstat_addr(const char *addr, unsigned port, char *buf, size_t size)
{
	char p[16], a[64];

	if (port == 0)
		snprintf(p, sizeof p, "*");
	else
		snprintf(p, sizeof p, "%u", port);
	snprintf(a, sizeof a, "%s", addr);
	if (strlen(a) + strlen(p) > 22)
		a[22 - strlen(p)] = '\0';
	snprintf(buf, size, "%s:%s", a, p);
}

/* ss's print_ms_timer(): "59sec", "1min", "200ms", "5.123ms" (sic). */
static void
ss_time(long ms, char *buf, size_t size)
{
	long secs, msecs, minutes;
	size_t n = 0;

	if (ms < 0)
		ms = 0;
	secs = ms / 1000;
	minutes = secs / 60;
	secs %= 60;
	msecs = ms % 1000;
	buf[0] = '\0';
	if (minutes) {
		msecs = 0;
		n += (size_t)snprintf(buf, size, "%ldmin", minutes);
		if (minutes > 9)
			secs = 0;
	}
	if (secs && n < size) {
		if (secs > 9)
			msecs = 0;
		n += (size_t)snprintf(buf + n, size - n, "%ld%s", secs, msecs ? "." : "sec");
	}
	if (msecs && n < size)
		snprintf(buf + n, size - n, "%03ldms", msecs);
}

/* Header: netstat's, then what the ss columns are. */
int
sstext_header(char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s", "Proto Recv-Q Send-Q Local Address           "
	    "Foreign Address         State       (ss -tanop: owner, timer)");

	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* netstat's printf, then ss's users:(...) and timer:(...). */
int
sstext_line(const struct sstext_sock *s, char *buf, size_t size)
{
	char la[80], ra[80], t[32];
	int n, w;
	size_t i, len;
	int listen = strcmp(s->state, "LISTEN") == 0;

	netstat_addr(s->laddr, s->lport, la, sizeof la);
	netstat_addr(s->raddr, s->rport, ra, sizeof ra);
	n = snprintf(buf, size, "%-4s  %6lu %6lu %-*s %-*s %-11s", s->inet6 ? "tcp6" : "tcp",
	    s->recv_q, listen ? 0UL : s->send_q, strlen(la) > 23 ? (int)strlen(la) : 23, la,
	    strlen(ra) > 23 ? (int)strlen(ra) : 23, ra, sstext_netstat_state(s->state));
	if (n < 0 || (size_t)n >= size)
		return -1;
	len = (size_t)n;
	for (i = 0; i < s->nowners && len < size; i++) {
		const struct sstext_owner *o = &s->owners[i];

		w = snprintf(buf + len, size - len, "%s(\"%s\",pid=%d", i ? "," : " users:(",
		    o->comm, o->pid);
		len += w > 0 ? (size_t)w : 0;
		if (o->fd >= 0 && len < size) {
			w = snprintf(buf + len, size - len, ",fd=%d", o->fd);
			len += w > 0 ? (size_t)w : 0;
		}
		if (len < size) {
			w = snprintf(buf + len, size - len, ")%s", i + 1 == s->nowners ? ")" : "");
			len += w > 0 ? (size_t)w : 0;
		}
	}
	if (s->timer != NULL && len < size) {
		ss_time(s->timer_ms, t, sizeof t);
		w = snprintf(buf + len, size - len, " timer:(%s,%s,%u)",
		    strcmp(s->timer, "probe") == 0 ? "persist" : s->timer, t, s->retrans);
		len += w > 0 ? (size_t)w : 0;
	}
	return len >= size ? -1 : (int)len;
}
