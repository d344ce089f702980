# checks.jq — the grader's pass/fail logic and its words, as named jq
# functions (used by scenarios/grade/checks*.sh and lib.sh through
# `jq -L scenarios/grade 'include "checks"; ...'`). The shell gathers the
# evidence (our clients' event logs, the capture's report, kernel
# snapshots, process trees); these functions decide and say why.
# A verdict is an object {status: "passed"|"failed"|"not_graded", output}.

# f3: seconds with 3 fixed decimals ("2.004"), never 2.004e+00.
def f3: (. * 1000 | round) as $m
	| "\(if $m < 0 then "-" else "" end)\(($m | fabs) / 1000 | floor).\("00\(($m | fabs) % 1000)"[-3:])";

# rel($base): "+S.SSS s" relative to $base, or "never" for null.
def rel($base): if . == null then "never" else "+\(. - $base | f3) s" end;

def verdict($ok; $text): {status: (if $ok then "passed" else "failed" end), output: $text};
def not_graded($why): {status: "not_graded", output: "not graded: \($why)"};

# probe_conns: our probes' event lines ("NAME EPOCH INDEX EVENT REST", raw
# input) as one object per connection: {probe, index, cport, data, text,
# sfin, cfin, rst}; epoch times or null. Data that arrives after our own
# FIN does not count as served (a server that answers only once we close).
def probe_conns:
	[inputs | capture("^(?<p>[^ ]+) (?<t>[0-9.]+) (?<i>[0-9]+) (?<ev>[a-z]+) ?(?<rest>.*)$")
		| .t |= tonumber]
	| group_by(.p + "/" + .i)
	| map(. as $e
		| ([$e[] | select(.ev == "shut" or (.ev == "closed" and .rest != "error")) | .t][0]) as $cfin
		| [$e[] | select(.ev == "data" and ($cfin == null or .t <= $cfin))][0] as $d
		| {probe: $e[0].p, index: ($e[0].i | tonumber),
		   cport: ([$e[] | select(.ev == "connected") | .rest | ltrimstr("lport=") | tonumber][0]),
		   data: $d.t, text: ($d.rest // "" | sub("^[0-9]+ "; "") | if . == "" then null else . end),
		   sfin: ([$e[] | select(.ev == "eof") | .t][0]),
		   cfin: $cfin,
		   rst: ([$e[] | select(.ev == "rst" or .ev == "reset")] | length > 0)});

# wire_conns: the same from a tcpobserve report (the packets' times).
def wire_conns:
	.t0 as $t0 | [.connections | sort_by(.id)[]
		| def first(f): ([.packets[]? | select(f) | .t + $t0][0]);
		first(.from == "client" and (.flags | test("F"))) as $cfin
		| {cport: .client.port, sport: .server.port,
		   data: first(.from == "server" and .len > 0 and ($cfin == null or .t + $t0 <= $cfin)),
		   sfin: first(.from == "server" and (.flags | test("F"))),
		   cfin: $cfin, rst: .rst, active_closer, time_wait_side}];

# merge_conns($wire): our probes' connections (input), the wire's times
# in place of ours where the capture saw the same client port.
def merge_conns($wire):
	[.[] | . as $c | ($wire | map(select(.cport == $c.cport))[0]) as $x
		| if $x then $c + ($x | del(.data) | with_entries(select(.value != null)))
			+ {data: ($x.data // $c.data), source: "wire"}
		  else $c + {source: "probe"} end];

# holders($p; $parent): the server-side sockets of port $p in words, each
# holder named as the parent or a child: ":40312 ESTABLISHED held by pid 100
# (the parent)". Input: a snapshot.
def holders($p; $parent):
	[.sockets[]? | select(.local.port == $p and .state != "LISTEN")
		| ":\(.remote.port) \(.state) held by \(if (.procs | length) > 0
			then "pid " + ([.procs[] | "\(.pid) (\(if .pid == $parent then "the parent" else "a child" end))"]
				| join(", "))
			else "no process" end)"]
	| join("; ");

# listen_owners($p): the LISTEN socket of port $p with its owners, in words.
def listen_owners($p):
	[.sockets[]? | select(.state == "LISTEN" and .local.port == $p)
		| "\(.local.addr):\(.local.port) inode \(.inode), held by \([.procs[] | "pid \(.pid) (\(.comm))"] | join(", "))"]
	| join("; ");

# tree_words: a process tree (sc_ptree's JSON) on one line:
# "100 server -> 101 (S), 102 (Z)" or "100 server (no children)".
def tree_words:
	.root as $r
	| "\(.processes[] | select(.pid == $r) | "\(.pid) \(.comm)")\([.processes[] | select(.pid != $r)
		| "\(.pid) (\(.stat))\(if .ppid != $r then " child of \(.ppid)" else "" end)"]
		| if length > 0 then " -> " + join(", ") else " (no children)" end)";

# live_children: the pids of the live (not zombie) descendants of the root.
def live_children:
	.root as $r | [.processes[] | select(.pid != $r and (.stat | startswith("Z") | not)) | .pid];

# grandchildren: descendants whose parent is not the root.
def grandchildren:
	.root as $r | [.processes[] | select(.pid != $r and .ppid != $r) | {pid, ppid}];

# check2($hm; $expect; $held; $hint): one client. $expect = who must
# close first: "server" (the lab's daytime contract), "client" or "either".
def check2($hm; $expect; $held; $hint):
	.[0] as $c
	| "data \"\($c.text)\"" as $d
	| if $c == null or $c.data == null then
		verdict(false; "no data from the server within the wait after connecting")
	  elif $c.rst then verdict(false; "\($d), then the connection was reset (RST)")
	  elif $c.sfin != null and ($c.cfin == null or $c.sfin < $c.cfin) then
		if $expect == "client" then
			verdict(false; "\($d), then the server closed first at \($c.sfin | rel($c.data)): "
				+ "the assignment expects the client to close first")
		else verdict(true; "\($d) at +0.000 s, then the server's FIN at \($c.sfin | rel($c.data)) "
				+ "(source: \($c.source)): the server closed first")
		end
	  elif $c.sfin != null and $expect != "server" then
		verdict(true; "\($d) at +0.000 s; we closed at \($c.cfin | rel($c.data)) and the server's FIN "
			+ "followed at \($c.sfin | rel($c.data)) (source: \($c.source))")
	  elif $expect == "server" then
		verdict(false; "\($d) at +0.000 s, but no FIN from the server within \($hm) s after it: "
			+ "the connection stays open (\($held))" + (if $hint != "" then ": " + $hint else "" end))
	  else verdict(false; "\($d); we closed at \($c.cfin | rel($c.data)) but the server never closed "
			+ "its side (\($held))")
	  end;

# check3($wait): two clients at once. Served concurrently = the second got
# its data while the first connection was still held (before its FIN).
def check3($wait):
	sort_by(.data // 1e18) as $c
	| if ($c | length) < 2 or $c[0].data == null then
		verdict(false; "no client got data within \($wait) s")
	  elif $c[1].data == null then
		verdict(false; "only 1 of 2 clients got data within \($wait) s (client :\($c[0].cport) at "
			+ "+0.000 s, its server FIN at \($c[0].sfin | rel($c[0].data))): not served concurrently")
	  else ($c[0].sfin == null or $c[0].sfin > $c[1].data) as $ok
		| verdict($ok; "client :\($c[0].cport) got data at +0.000 s, client :\($c[1].cport) at "
			+ "\($c[1].data | rel($c[0].data)); the first connection got the server FIN at "
			+ "\($c[0].sfin | rel($c[0].data))"
			+ (if $ok then ": both served at once"
			   else ": the second was served only after the first was closed (iterative)" end)
			+ " (source: \($c[0].source))")
	  end;

# owner_words($parent): who holds a server-side connection (a snapshot
# socket), for check 4: "12,13" or "10 (parent)" or nobody (backlog).
def owner_words($parent):
	if (.procs | length) > 0
	then [.procs[] | "\(.pid)\(if .pid == $parent then " (parent)" else "" end)"] | join(",")
	else "nobody (waiting in the backlog)" end;

# check4($p; $parent; $kids): three clients; every served connection held
# by a live child of its own (input: the frozen snapshot).
def check4($p; $parent; $kids):
	[.sockets[] | select(.local.port == $p and .state != "LISTEN")] as $c
	| [$c[] | [.procs[].pid] - [$parent] | map(select(. as $x | $kids | index($x)))] as $owners
	| ([$owners[] | select(length > 0)] | length) as $served
	| ([$owners[][]] | unique | length) as $distinct
	| ([$c[] | select((.procs | length) > 0)] | length) as $held
	| ((.sockets[] | select(.state == "LISTEN" and .local.port == $p) | .recv_q) // 0) as $backlog
	| verdict($served >= 2 and $served == $held and $distinct == $served;
		"\($c | length) clients connected; \($kids | length) live child process(es) of parent \($parent); "
		+ ([$c[] | ":\(.remote.port) held by \(owner_words($parent))"] | join("; "))
		+ (if $backlog > 0 then "; LISTEN Recv-Q \($backlog): accept() not called for them yet" else "" end));

# check6($held; $after): two clients; each must get the server's FIN. The
# snapshots name who still held the connection before and after our FIN.
def check6($held; $after):
	[.[] | select(.data != null)] as $c
	| if ($c | length) < 2 then verdict(false; "only \($c | length) of 2 clients were served")
	  elif all($c[]; .sfin != null) then
		verdict(true; "every connection got the server FIN: " + ([$c[]
			| ":\(.cport) at +\(.sfin - .data | f3) s after its data"
			  + (if .cfin != null and .cfin < .sfin
			     then " (after our FIN: the child held it until the client closed)" else "" end)]
			| join("; ")))
	  else verdict(false; "\([$c[] | select(.sfin == null)] | length) connection(s) never got the server "
		+ "FIN, even after the client closed its side; the server side stays open: \($held) — then "
		+ "\($after)"
		+ (if $after | test("\\(a child\\)")
		   then ": a child still holds it after its client closed: the child never closes its connection"
		   else ": the parent keeps its copy of the connected socket (close(connfd) in the parent after fork)"
		   end))
	  end;
