# verdict-text.jq — the verdict of a scenario report in plain words, one
# claim per line, each followed by where its evidence is in the report.
def fx($d): if . == null then "?" else pow(10; $d) as $s | (((. * $s) | round) + 0) as $m | (if $m < 0 then -$m else $m end) as $a | (if $m < 0 then "-" else "" end) + "\(($a / $s) | floor)." + (("000000000" + ($a % $s | tostring)) | .[-$d:]) end;
def f3: fx(3);
def ok($b): if $b then "yes" else "NO" end;

. as $r
| .parameters as $p
| .verdict as $v
| .t0 as $t0
| (if $p.kind == "daytime" then
    (if $v.served == null then "  - could not tell how the clients were served (missing daytime lines: .clients[].lines)"
     elif $v.served == "sequentially" then
       "  - served SEQUENTIALLY: \(.clients[1].name)'s daytime line arrived \($v.daytime_gap | f3) s after \(.clients[0].name)'s (the server sleeps \($p.sleep) s before closing)"
       + "\n      evidence: .clients[0].daytime (\"\(.clients[0].daytime.text)\" at t=\(.clients[0].daytime.t | f3)), .clients[1].daytime (\"\(.clients[1].daytime.text)\" at t=\(.clients[1].daytime.t | f3))"
     else
       "  - served CONCURRENTLY: the two daytime lines arrived \($v.daytime_gap | if . < 0 then -. else . end | f3) s apart\(if $v.same_second then ", the same second" else "" end)"
       + "\n      evidence: .clients[0].daytime (\"\(.clients[0].daytime.text)\" at t=\(.clients[0].daytime.t | f3)), .clients[1].daytime (\"\(.clients[1].daytime.text)\" at t=\(.clients[1].daytime.t | f3))"
     end),
    (if $v.handshakes.spread != null then
       "  - both handshakes completed within \($v.handshakes.spread | f3) s of the first SYN"
       + (if $p.mode == "iterative" then ": the second one while the server was busy with the first (the kernel completes handshakes before accept)" else "" end)
       + "\n      evidence: " + ([$v.connections[] | select(.handshake_done) | ".connections[\(.index)].packets[\(.handshake_done.packet)] (t=\(.handshake_done.t | f3))"] | join(", "))
     else empty end),
    (if $p.mode == "iterative" then
       ($v.connections[1] // null) as $c2
       | "  - the second connection waited in the listen backlog: LISTEN Recv-Q = \($v.listen_recv_q_a) at moment (a)"
         + (if $c2 and $c2.served_after_handshake != null then
              ", and its first data byte came \($c2.served_after_handshake | f3) s after its handshake" else "" end)
         + "\n      evidence: .moments.a.snapshot.sockets[] | select(.state == \"LISTEN\") .recv_q"
         + (if $c2 and $c2.first_data then ", .connections[\($c2.index)].packets[\($c2.first_data.packet)]" else "" end)
     else
       ($r.moments.a.process_tree.processes // []) as $ps
       | "  - while both clients were served the server was one parent and \($v.children_a) children:"
       + " parent \($ps[0].comm) \($ps[0].pid), children \([$ps[1:][] | "\(.pid)"] | join(", "))"
       + "\n      evidence: .moments.a.process_tree"
     end),
    ($v.connections[] |
       "  - connection \(.id) (client \(.client)): "
       + (if .first_fin then "\(.first_fin.from) closed first: FIN from \(.first_fin.sender) at t=\(.first_fin.t | f3)"
          else "no FIN captured" end)
       + "; the \(.time_wait_side // "?") side went to TIME_WAIT"
       + (if .time_wait[0] then " at t=\(.time_wait[0].since | f3) (wire)" else " (wire)" end)
       + (if .kernel_time_wait_side then ", the kernel shows it on the \(.kernel_time_wait_side) side" else "" end)
       + "\n      evidence: \(.first_fin.evidence // "-"), .connections[\(.index)].time_wait, .moments.c.snapshot")
    , (if ($v.connections | length) == 0 and ($v.kernel_time_wait | length) > 0 then
       "  - the kernel holds TIME_WAIT on the " + ([$v.kernel_time_wait[].side] | unique | join(" and ")) + " side: "
       + ([$v.kernel_time_wait[] | "\(.local) <- \(.remote)"] | join(", "))
       + "\n      evidence: .moments.c.snapshot, .verdict.kernel_time_wait"
     else empty end)
  else
    ($v.connections[0] // null) as $c
    | (if $c and $c.first_fin then
         "  - the CLIENT closed first after typing exit: FIN from \($c.first_fin.sender) (\($c.first_fin.from)) at t=\($c.first_fin.t | f3); exit was typed at t=\($p.exit_typed - $t0 | f3)"
         + "\n      evidence: \($c.first_fin.evidence), .parameters.exit_typed"
       else "  - no FIN captured (.connections)" end),
      "  - active closer: \($v.active_closer // "?") (wire); TIME_WAIT on the \($v.time_wait_side // "?") side (wire), on the \($v.kernel_time_wait_side // "?") side (kernel, moment (b)/(c))"
      + "\n      evidence: .connections[0].active_closer, .connections[0].time_wait, .moments.c.snapshot",
      "  - the parent closed its copy of the connected socket: at (a) the server side of the connection was held by pid(s) \($v.server_socket_procs_a | map(tostring) | join(",")) only, the parent is \($p.server_pid)"
      + "\n      evidence: .moments.a.snapshot.sockets[] | select(.state == \"ESTABLISHED\" and .local.port == \($p.port)) .procs",
      "  - the child closed the listening socket: LISTEN held by pid(s) \($v.listen_procs_a | map(tostring) | join(",")) only"
      + "\n      evidence: .moments.a.snapshot.sockets[] | select(.state == \"LISTEN\") .procs",
      "  - the child exited once the client had gone: \($v.children_a) child(ren) at (a), \($v.children_c) at (c)"
      + "\n      evidence: .moments.a.process_tree, .moments.c.process_tree",
      "  - the listening socket was untouched: \(ok($v.listen_untouched)) (same inode and address at (a) and (c))"
      + "\n      evidence: .moments.a.snapshot, .moments.c.snapshot",
      (if ($v.log_client_closed | length) > 0 then
         "  - the log records the client-initiated disconnection: \($v.log_client_closed[0] | if type == "string" then . else tojson end)"
         + "\n      evidence: .server.log, .verdict.log_client_closed"
       else "  - the log has no client-initiated disconnection record (.server.log)" end),
      (if $v.log_results then
         "  - commands run before the client left: \($v.log_results | length) of \($p.commands | length) (\($v.log_results | join(", ")))"
         + "\n      evidence: .server.log (\"event\":\"result\" records), .parameters.commands"
       else empty end)
  end),
  ("  - after the TIME_WAITs expired only LISTEN remained: "
   + ok([.moments.d.snapshot.sockets[]? | select(.state != "LISTEN")] | length == 0)
   + " (t=\(.moments.d.t | f3))\n      evidence: .moments.d.snapshot")
