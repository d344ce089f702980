# verdict-text.jq — the verdict of a scenario report in plain words, one
# claim per line, each followed by where its evidence is in the report, and
# a short "why" where the lab meets an idea. Claims rest on the capture's
# packet times (the wire); the clients' own stamps are shown as the lab's
# view. A missed moment is said, never used.
def fx($d): if . == null then "?" else pow(10; $d) as $s | (((. * $s) | round) + 0) as $m
	| (if $m < 0 then -$m else $m end) as $a | (if $m < 0 then "-" else "" end)
	+ "\(($a / $s) | floor)." + (("000000000" + ($a % $s | tostring)) | .[-$d:]) end;
def f3: fx(3);
def ok($b): if $b then "yes" else "NO" end;
# wrap($indent): the words of a long line on lines of at most 100 characters
def wrap($indent): reduce splits(" +") as $w ([""];
	if (.[-1] | length) + ($w | length) > 100 - ($indent | length) and .[-1] != "" then . + [$w]
	else .[-1] = (if .[-1] == "" then $w else .[-1] + " " + $w end) end) | join("\n" + $indent);
def why($s): "      why: " + ($s | wrap("           "));
def ev($s): "\n      evidence: " + $s;
def dayline($c): "\"\($c.daytime.text)\" at t=\($c.daytime.wire_t // $c.daytime.t | f3)";
def why_backlog: why("the kernel completes a handshake without the server: the connection waits in"
	+ " the listen socket's accept queue until accept() takes it; netstat's Recv-Q of a LISTEN"
	+ " socket counts the connections waiting there.");
def why_time_wait: why("the side that closes first (the active closer) keeps the connection in"
	+ " TIME_WAIT for 2MSL, so a late duplicate segment cannot enter a new connection with the same"
	+ " ports and its last ACK can be resent; Linux fixes that wait at 60 s.");
def why_parent_close: why("after fork() parent and child share the connected socket; the parent"
	+ " closes its copy so that the child's close() really ends the connection (a socket closes when"
	+ " its last descriptor does) and the parent does not run out of descriptors.");

def missed_lines:
	(.moments | to_entries[] | select(.value.missed)
	 | "  - moment (\(.key)) \(.value.label) MISSED: \(.value.reason)" + ev(".moments.\(.key).reason")),
	(if .rerun_reason then "  - this is the second run: the first missed: \(.rerun_reason)" + ev(".rerun_reason")
	 else empty end);

def served_lines($r; $v; $p):
	if $v.served == null then
		"  - could not tell how the clients were served: \($v.served_reason // "missing data")"
		+ ev(($v.preconditions.evidence // [".connections"]) | join(", "))
	else
		($v.served_source == "wire") as $wire
		| (if $v.served == "sequentially" and $wire then
			"  - served SEQUENTIALLY: the server sent \($r.clients[1].name) its daytime line"
			+ " \($v.daytime_gap | f3) s after \($r.clients[0].name)'s, only once it had closed the first"
			+ " connection"
		 elif $v.served == "sequentially" then
			"  - served SEQUENTIALLY: \($r.clients[1].name) printed its daytime line"
			+ " \($v.daytime_gap | f3) s after \($r.clients[0].name)"
		 elif $wire then
			"  - served CONCURRENTLY: the server sent the second daytime line while the first connection"
			+ " was still open; the two lines passed \($v.daytime_gap | if . < 0 then -. else . end | f3)"
			+ " s apart\(if $v.same_second then ", the same second" else "" end)"
		 else
			"  - served CONCURRENTLY: the clients printed their daytime lines"
			+ " \($v.daytime_gap | if . < 0 then -. else . end | f3) s apart"
		 end)
		+ (if $v.served == "sequentially" and $p.sleep and ($p.own_server | not) then
			" (daytimed sleeps \($p.sleep) s before closing)"
		   else "" end)
		+ (if $v.served_source == "wire" then " (packet times)" else " (the clients' stamps: no capture)" end)
		+ ev(".clients[0].daytime (\(dayline($r.clients[0]))), .clients[1].daytime (\(dayline($r.clients[1])))"
			+ (if $v.served_source == "wire" then ", .verdict.preconditions.evidence" else "" end))
		+ (if $v.clients_gap != null and $v.wire_gap != null then
			"\n      telnet printed them \($v.clients_gap | fabs | f3) s apart (the lab's view, stamped by our shell"
			+ " as it read them: late when the machine is busy)"
		   else "" end)
	end;

def daytime_lines($r; $v; $p):
	served_lines($r; $v; $p),
	(if $v.preconditions.hold and $v.preconditions.source == "wire" then
		"  - both clients were connected before the server closed the first: the second handshake"
		+ " completed at t=\($v.preconditions.second_connected | f3), the first FIN at"
		+ " t=\($v.preconditions.first_closed | f3)" + ev($v.preconditions.evidence | join(", "))
	 else empty end),
	(if $v.handshakes.spread != null then
		"  - both handshakes completed within \($v.handshakes.spread | f3) s of the first SYN"
		+ (if $v.served == "sequentially" then ": the second one while the server was busy with the first" else "" end)
		+ ev([$v.connections[] | select(.handshake_done)
			| ".connections[\(.index)].packets[\(.handshake_done.packet)] (t=\(.handshake_done.t | f3))"] | join(", "))
	 else empty end),
	(if $v.served == "sequentially" and $v.listen_recv_q_a != null then
		($v.connections[1] // null) as $c2
		| "  - the second connection waited in the accept queue: LISTEN Recv-Q = \($v.listen_recv_q_a) at moment (a)"
		+ (if $c2 and $c2.served_after_handshake != null then
			", and its first data byte came \($c2.served_after_handshake | f3) s after its handshake" else "" end)
		+ ev(".moments.a.snapshot.sockets[] | select(.state == \"LISTEN\") .recv_q"
			+ (if $c2 and $c2.first_data then ", .connections[\($c2.index)].packets[\($c2.first_data.packet)]" else "" end)),
		why_backlog
	 elif $v.served == "concurrently" and ($r.moments.a.missed | not) then
		($r.moments.a.process_tree.processes // []) as $ps
		| "  - while both clients were served the server was one parent and \($v.children_a) children:"
		+ " parent \($ps[0].comm) \($ps[0].pid), children \([$ps[1:][] | "\(.pid)"] | join(", "))"
		+ ev(".moments.a.process_tree"),
		why_parent_close
	 else empty end),
	($v.connections[] |
		"  - connection \(.id) (client \(.client)): "
		+ (if .first_fin then "\(.first_fin.from) closed first: FIN from \(.first_fin.sender) at t=\(.first_fin.t | f3)"
		   else "no FIN captured" end)
		+ "; the \(.time_wait_side // "?") side went to TIME_WAIT"
		+ (if .time_wait[0] then " at t=\(.time_wait[0].since | f3) (wire)" else " (wire)" end)
		+ (if .kernel_time_wait_side then ", the kernel shows it on the \(.kernel_time_wait_side) side" else "" end)
		+ ev("\(.first_fin.evidence // "-"), .connections[\(.index)].time_wait, .moments.c.snapshot")),
	(if ($v.connections | length) == 0 and ($v.kernel_time_wait | length) > 0 then
		"  - the kernel holds TIME_WAIT on the " + ([$v.kernel_time_wait[].side] | unique | join(" and ")) + " side: "
		+ ([$v.kernel_time_wait[] | "\(.local) <- \(.remote)"] | join(", "))
		+ ev(".moments.c.snapshot, .verdict.kernel_time_wait")
	 else empty end),
	(if $v.time_wait_side or $v.kernel_time_wait_side then why_time_wait else empty end);

def active_close_lines($r; $v; $p; $t0):
	($v.connections[0] // null) as $c
	| (if $c and $c.first_fin then
		"  - the \($c.first_fin.from | ascii_upcase) closed first: FIN from \($c.first_fin.sender) at"
		+ " t=\($c.first_fin.t | f3); exit was typed at t=\($p.exit_typed - $t0 | f3)"
		+ ev("\($c.first_fin.evidence), .parameters.exit_typed")
	   else "  - no FIN captured (.connections)" end),
	"  - active closer: \($v.active_closer // "?") (wire); TIME_WAIT on the \($v.time_wait_side // "?") side"
	+ " (wire), on the \($v.kernel_time_wait_side // "?") side (kernel, moment (b)/(c))"
	+ ev(".connections[0].active_closer, .connections[0].time_wait, .moments.c.snapshot"),
	why_time_wait,
	(if ($r.moments.a.missed | not) and $v.server_socket_procs_a == [$p.server_pid] then
		"  - the server process itself held the connection at (a), no child: it served the client"
		+ " without fork()" + ev(".moments.a.snapshot, .moments.a.process_tree")
	 elif ($r.moments.a.missed | not) then
		"  - the parent closed its copy of the connected socket: at (a) the server side of the connection"
		+ " was held by pid(s) \($v.server_socket_procs_a | map(tostring) | join(",")) only, the parent is"
		+ " \($p.server_pid)"
		+ ev(".moments.a.snapshot.sockets[] | select(.state == \"ESTABLISHED\" and .local.port == \($p.port)) .procs"),
		why_parent_close,
		"  - the child closed the listening socket: LISTEN held by pid(s)"
		+ " \($v.listen_procs_a | map(tostring) | join(",")) only"
		+ ev(".moments.a.snapshot.sockets[] | select(.state == \"LISTEN\") .procs")
	 else empty end),
	"  - the child exited once the client had gone: \($v.children_a) child(ren) at (a), \($v.children_c) at (c)"
	+ ev(".moments.a.process_tree, .moments.c.process_tree"),
	"  - the listening socket was untouched: \(ok($v.listen_untouched)) (same inode and address at (a) and (c))"
	+ ev(".moments.a.snapshot, .moments.c.snapshot"),
	(if ($v.log_client_closed | length) > 0 then
		"  - the log records the client-initiated disconnection: "
		+ ($v.log_client_closed[0] | if type == "string" then . else tojson end)
		+ ev(".server.log, .verdict.log_client_closed")
	 else "  - the log has no client-initiated disconnection record (.server.log)" end),
	(if ($v.log_results | length) > 0 and $p.commands then
		"  - commands run before the client left: \($v.log_results | length) of \($p.commands | length)"
		+ " (\($v.log_results | join(", ")))"
		+ ev(".server.log (\"event\":\"result\" records), .parameters.commands")
	 else empty end);

. as $r
| .parameters as $p
| .verdict as $v
| missed_lines,
  (if $p.own_server then "  - (your server: what it did, not a grade)" else empty end),
  (if $p.kind == "daytime" then daytime_lines($r; $v; $p) else active_close_lines($r; $v; $p; $r.t0) end),
  (if .moments.d.missed then empty
   else "  - after the TIME_WAITs expired only LISTEN remained: "
	+ ok([.moments.d.snapshot.sockets[]? | select(.state != "LISTEN")] | length == 0)
	+ " (t=\(.moments.d.t | f3))" + ev(".moments.d.snapshot") end)
