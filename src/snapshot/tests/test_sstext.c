/*
 * test_sstext.c — unit tests of sstext.c: sockets written exactly as net-tools'
 * netstat -tan writes them (columns, `*`, LISTEN's Send-Q 0, netstat's state
 * names, addresses cut to 23 columns), with ss -tanop's owner and timer.
 */
#include <stdio.h>
#include <string.h>

#include "../sstext.h"
#include "common/unit.h"

static char line[512];

static const char *
fmt(const struct sstext_sock *s)
{
	if (sstext_line(s, line, sizeof line) == -1)
		return "(did not fit)";
	return line;
}

int
main(void)
{
	struct sstext_owner own[] = { { 100, 3, "daytimed" }, { 101, 3, "daytimed" } };
	struct sstext_sock lis = { 0, "LISTEN", "127.0.0.1", "0.0.0.0", 5000, 0, 1, 128,
	    NULL, 0, 0, own, 2 };
	struct sstext_sock tw = { 0, "TIME_WAIT", "127.0.0.1", "127.0.0.1", 5000, 43210, 0, 0,
	    "timewait", 59480, 0, NULL, 0 };
	struct sstext_sock v6 = { 1, "FIN_WAIT_1", "2001:db8:1234:5678:9abc:def0:1:2", "::",
	    443, 0, 0, 7, "on", 5123, 2, own + 1, 1 };

	sstext_header(line, sizeof line);
	UNIT_EQ_STR(line, "Proto Recv-Q Send-Q Local Address           Foreign Address         "
	    "State       (ss -tanop: owner, timer)", "header: netstat's columns, then ss's");
	UNIT_EQ_STR(fmt(&lis), "tcp        1      0 127.0.0.1:5000          0.0.0.0:*               "
	    "LISTEN      users:((\"daytimed\",pid=100,fd=3),(\"daytimed\",pid=101,fd=3))",
	    "LISTEN: Send-Q 0 as netstat, * for port 0, every owner");
	UNIT_EQ_STR(fmt(&tw), "tcp        0      0 127.0.0.1:5000          127.0.0.1:43210         "
	    "TIME_WAIT   timer:(timewait,59sec,0)", "TIME_WAIT: no owner, ss's timer");
	UNIT_EQ_STR(fmt(&v6), "tcp6       0      7 2001:db8:1234:5678::443 :::*                    "
	    "FIN_WAIT1   users:((\"daytimed\",pid=101,fd=3)) timer:(on,5.123ms,2)",
	    "IPv6: cut to 23 like netstat, FIN_WAIT1, ss's odd 5.123ms");
	UNIT_EQ_STR(sstext_netstat_state("SYN_RCVD"), "SYN_RECV", "SYN_RCVD is SYN_RECV");
	UNIT_EQ_STR(sstext_netstat_state("CLOSED"), "CLOSE", "CLOSED is CLOSE");
	UNIT_EQ_STR(sstext_netstat_state("CLOSE_WAIT"), "CLOSE_WAIT", "CLOSE_WAIT unchanged");
	UNIT_CHECK(sstext_line(&lis, line, 40) == -1, "a line that does not fit: -1");
	return unit_done();
}
