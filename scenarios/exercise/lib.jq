# lib.jq — helpers for the question bank's jq expressions (questions.json).
# Every expression runs with the exercise's report (report.json, the
# scenario report of scenarios/report.jq) as its input `.`, and `$p` the
# question's drawn parameters ({moment, conn, side, ...}).
# Numbering follows the student's tools: packets are numbered as
# `tcpdump -# -r capture.pcap` numbers them (1, 2, ... in capture order),
# connections as tcpobserve does (1, 2, ... in the order of their first
# packet), times are seconds after the capture's first packet.

# "addr:port" of a tcpobserve / snapshot endpoint; netstat's "0.0.0.0:*"
# for a listener's remote end
def ep($e): if $e.port == 0 then "\($e.addr):*" else "\($e.addr):\($e.port)" end;

# a number as a student would write it: at most 3 decimals, no trailing 0s
def num: (. * 1000 | round) / 1000 | tostring;

# every packet of the capture in capture order, numbered like tcpdump:
# {no, conn (id), idx (index in the connection's packets), t, from, flags,
#  len, client_state, server_state}
def pkts: [.connections[] as $c | $c.packets // [] | to_entries[]
		| .value + {conn: $c.id, idx: .key}]
	| sort_by([.t, .conn, .idx]) | to_entries | map(.value + {no: (.key + 1)});

# connection number $n (tcpobserve's id)
def conn($n): first(.connections[] | select(.id == $n));

# the packets of connection $n, numbered
def cpkts($n): [pkts[] | select(.conn == $n)];

def fin: .flags | test("F");
def syn_only: .flags == "S";

# a side's endpoint on connection $n
def side_ep($n; $side): conn($n)[$side] as $e | ep($e);

# the other side
def other: if . == "client" then "server" elif . == "server" then "client" else . end;

# the local port of a report client (.clients[]): as the run recorded it
# (the socket its pid owned just after it started), else from its own line
# (cmdclient "connected: local A:P ...", tcppeer "connected A:P -> ..."), else
# the socket its pid owned at moment (a) toward the server's port
def client_port($R):
	(. as $cl | first($R.parameters.starts[]? | select(.name == $cl.started_as) | .port // empty)
	 // first(.lines[].text | capture("^connected: local .*:(?<p>[0-9]+) remote")
		// capture("^connected .*:(?<p>[0-9]+) -> ") | .p | tonumber)
	 // (. as $cl | first($R.moments.a.snapshot.sockets[]
		| select(.remote.port == $R.parameters.port and any(.procs[]?; .pid == $cl.pid))
		| .local.port))
	 // null);

# the name the client of connection $n was started with (client1, client2,
# ..., or the extra one: halfclose, rst, refused, backlog)
def conn_client($n):
	. as $R | conn($n) as $c
	| (first($R.clients[] | select(client_port($R) == $c.client.port) | .started_as)
	   // (if $c.server.port == $R.parameters.refused_port then "refused" else null end));

# the connection of a client started as $name
def client_conn($name):
	. as $R | first(.connections[] | select(. as $c | $R | conn_client($c.id) == $name) | .id) // null;

# {alias: side}: the ways a student may name the sides of connection $n
def side_aliases($n):
	conn($n) as $c
	| {(ep($c.client)): "client", ($c.client.port | tostring): "client",
	   (ep($c.server)): "server", ($c.server.port | tostring): "server"};

# the sockets of moment $m as netstat lists them: "local foreign STATE"
def netstat($m): [.moments[$m].snapshot.sockets[] | "\(ep(.local)) \(ep(.remote)) \(.state)"];

# processes of the server program (its comm) in moment $m's process tree
def server_procs($m):
	(.moments[$m].process_tree.processes // []) as $ps
	| ($ps[0].comm // "") as $comm | [$ps[] | select(.comm == $comm)];

# a client's first daytime line {t (after the capture's t0), text}
def daytime_line($name):
	.t0 as $t0
	| first(.clients[] | select(.started_as == $name) | .lines[]
		| select(.text | test("^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4}$"))
		| {t: (.t - $t0), text}) // null;

# the SYNs of connection $n that no SYN-ACK answered before the next SYN
def unanswered_syns($n):
	cpkts($n) as $ps
	| [$ps | to_entries[] | select(.value | syn_only) | .key as $i
		| ([$ps[$i + 1:][] | select(.flags == "S" or .flags == "SA")] | first // null) as $next
		| select($next == null or $next.flags == "S") | .value.no];

# the last state of a side of connection $n in the capture
def last_state($n; $side): conn($n).states[$side][-1].state;

# the established connections that ended with a RST (not a refused one)
def rst_conns: [.connections[] | select(.rst and any(.packets[]; .flags == "SA")) | .id];
