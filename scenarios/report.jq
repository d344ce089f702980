# report.jq — combines the pieces of a scenario run into report/<name>.json
# and works out the verdict from them. Run with jq -n and:
#   --argjson params  {scenario, kind ("daytime"|"active-close"), sleep, port, ...}
#   --slurpfile obs   the observer's report ([] when there was no capture)
#   --slurpfile clients  one sc_client_json object per client, in start order
#   --slurpfile moments  {id, label, time, snapshot, process_tree} per moment
#   --slurpfile srv      {pid, stdout: [..], stderr: [..], log: [..]}
# Times called "t" are seconds after the capture's t0 (the first packet), the
# clock of .connections[].packets[].t; "epoch" values are absolute.

def r6: (. * 1000000 | round) / 1000000;
def ctime_re: "^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$";
def ep($e): "\($e.addr):\($e.port)";

($obs[0] // null) as $o
| ($srv[0] // {}) as $server
| ($o.connections // [] | sort_by(.id)) as $conns
| ($o.t0 // $params.started) as $t0
| (reduce $moments[] as $m ({}; .[$m.id] = ($m + {t: ($m.time - $t0 | r6), missed: ($m.missed // false)})))
  as $mom
# a missed moment's snapshot is evidence of what the kernel showed, never the moment
| def taken($id): $mom[$id] | if . != null and (.missed | not) then . else null end;
  ($mom.a.snapshot.sockets // []) as $sa
| ((taken("a") | .snapshot.sockets) // null) as $sa_ok
| ((taken("c") // taken("b") | .snapshot.sockets) // []) as $sc
| $params.port as $P

# each client: its local port (from snapshot (a): the socket its pid owns),
# its connection, its daytime line, and when it saw the close
| [ $clients | to_entries[] | .key as $i | .value
    | . as $cl
    | (first($sa[] | select(.remote.port == $P and .state == "ESTABLISHED"
                          and any(.procs[]?; .pid == $cl.pid)) | .local.port) // null) as $lp
    | (if $lp != null then first($conns | to_entries[] | select(.value.client.port == $lp))
       else ($conns | to_entries | .[$i]) end // null) as $ce
    | (first(.lines[] | select(.text | test(ctime_re))) // null) as $dl
    | (first(.lines[] | select(.text | test("closed by foreign host|^Connection closed"))) // null) as $cls
    | (first($ce.value.packets // [] | .[] | select(.from == "server" and .len > 0)) // null) as $wd
    | . + {local_port: ($lp // $ce.value.client.port // null),
           connection: ($ce.value.id // null),
           connection_index: ($ce.key // null),
           # t: when telnet printed it (the lab's view); wire_t: when its packet passed
           daytime: (if $dl then {text: $dl.text, epoch: $dl.t, t: ($dl.t - $t0 | r6),
                                  wire_t: ($wd.t // null)} else null end),
           closed: (if $cls then {text: $cls.text, epoch: $cls.t, t: ($cls.t - $t0 | r6)} else null end)}
  ]
  # in connection order (the first to connect first); unknown ones last
  | sort_by([.connection == null, .connection // 0, (.lines[0].t // 0)])
  # named in that order too; started_as is the name it was started with
  | to_entries | map(.value + {name: "client\(.key + 1)", started_as: .value.name})
  | (if length == 1 then map(.name = "client") else . end) as $cls

# per connection facts, each with the packet that proves it
| [ $conns | to_entries[] | .key as $k | .value | . as $c
    | (.packets // []) as $pk
    | (first($pk | to_entries[] | select(.value.flags | test("S")) ) // null) as $syn
    | (first($pk | to_entries[] | select(.value.server_state == "ESTABLISHED")) // null) as $hs
    | (first($pk | to_entries[] | select(.value.from == "server" and .value.len > 0)) // null) as $data
    | (first($pk | to_entries[] | select(.value.flags | test("F"))) // null) as $fin
    | (first($pk | to_entries[] | select(.value.flags | test("R"))) // null) as $rst
    | ([$sc[] | select(.state == "TIME_WAIT")
        | if .local.port == $P and .remote.port == $c.client.port then "server"
          elif .local.port == $c.client.port and .remote.port == $P then "client"
          else empty end]) as $ktw
    | {id, index: $k, client: ep(.client), server: ep(.server),
       syn: (if $syn then {t: $syn.value.t, packet: $syn.key} else null end),
       handshake_done: (if $hs then {t: $hs.value.t, packet: $hs.key} else null end),
       first_data: (if $data then {t: $data.value.t, packet: $data.key, len: $data.value.len} else null end),
       served_after_handshake: (if $data and $hs then ($data.value.t - $hs.value.t | r6) else null end),
       first_fin: (if $fin then {t: $fin.value.t, packet: $fin.key, from: $fin.value.from,
                    sender: ep($c[$fin.value.from]),
                    evidence: ".connections[\($k)].packets[\($fin.key)]"} else null end),
       rst: (if $rst then {t: $rst.value.t, packet: $rst.key, from: $rst.value.from} else null end),
       active_closer, time_wait_side,
       time_wait: (.time_wait // []),
       kernel_time_wait_side: (if ($ktw | length) == 0 then null
                               elif ($ktw | length) == 1 then $ktw[0] else "both" end)}
  ] as $vc

# the kernel's TIME_WAIT sockets after the closes: whose side each is
| [$sc[] | select(.state == "TIME_WAIT")
   | {local: ep(.local), remote: ep(.remote), left: .timer.left,
      side: (if .local.port == $P then "server" else "client" end)}] as $ktws
| def same(f): ([$vc[] | f] | unique) as $u
    | if ($u | length) == 1 then $u[0] elif ($u | length) == 0 then null else "mixed" end;
  def daytime_verdict:
    ($vc[0] // null) as $c1 | ($vc[1] // null) as $c2
    | ([$cls[] | .daytime.epoch // empty]) as $dt
    | (if ($dt | length) >= 2 then ($dt[1] - $dt[0] | r6) else null end) as $cgap
    | (if $c1.first_data and $c2.first_data then ($c2.first_data.t - $c1.first_data.t | r6)
       else null end) as $wgap
    # the lesson's precondition, on the wire when captured: the second client
    # connected before the server was done with the first (its first FIN)
    | (if $c1.first_fin and $c2.handshake_done then
         {hold: ($c2.handshake_done.t < $c1.first_fin.t), source: "wire",
          second_connected: $c2.handshake_done.t, first_closed: $c1.first_fin.t,
          evidence: [".connections[\($c2.index)].packets[\($c2.handshake_done.packet)]",
                     $c1.first_fin.evidence]}
       elif $o == null and $sa_ok != null then
         {hold: true, source: "kernel", evidence: [".moments.a.snapshot"]}
       else {hold: false, source: (if $o then "wire" else "kernel" end),
             evidence: [(if $o then ".connections" else ".moments.a" end)]} end) as $pre
    | (if ($pre.hold | not) then
         {v: null, why: (if $pre.source == "wire" and $pre.second_connected then
             "the second client connected only after the server had closed the first: "
             + "this run cannot tell sequential from concurrent"
           else "the run did not see both clients connected at once" end)}
       elif $o != null then
         if ($c2.first_data | not) then {v: null, why: "no data reached the second client"}
         elif $c2.first_data.t < $c1.first_fin.t then {v: "concurrently", why: null}
         elif $c2.first_data.t - $c2.handshake_done.t >= 0.5 then {v: "sequentially", why: null}
         else {v: null, why: ("the server was done with each client within 0.5 s: "
               + "a sequential and a concurrent server look alike then")} end
       elif $cgap == null then {v: null, why: "missing daytime lines"}
       elif $cgap >= ([0.5, $params.sleep / 2] | max) then {v: "sequentially", why: null}
       else {v: "concurrently", why: null} end) as $served
    | {served: $served.v,
       served_reason: $served.why,
       served_source: (if $o != null then "wire" else "clients" end),
       preconditions: $pre,
       daytime_gap: ($wgap // $cgap),
       wire_gap: $wgap,
       clients_gap: $cgap,
       same_second: (if ($dt | length) >= 2 then ($cls[0].daytime.text == $cls[1].daytime.text) else null end),
       handshakes: (([$vc[].syn.t // empty] | min) as $s
                   | ([$vc[].handshake_done.t // empty] | max) as $d
                   | {first_syn: $s, last_done: $d,
                      spread: (if $s != null and $d != null then ($d - $s | r6) else null end)}),
       listen_recv_q_a: ((($sa_ok // []) | first(.[] | select(.state == "LISTEN")) | .recv_q) // null),
       children_a: ((taken("a") | .process_tree.processes // [])
                    | map(select(.pid != $params.server_pid)) | length),
       active_closer: same(.active_closer),
       time_wait_side: same(.time_wait_side),
       kernel_time_wait_side: same(.kernel_time_wait_side),
       kernel_time_wait: $ktws,
       connections: $vc};
  def active_close_verdict:
    (($sa_ok // []) | map(select(.state == "LISTEN"))[0]) as $la
    | ((taken("c") | .snapshot.sockets // []) | map(select(.state == "LISTEN"))[0]) as $lc
    | ($server.log // []) as $log
    | {active_closer: same(.active_closer),
       time_wait_side: same(.time_wait_side),
       kernel_time_wait_side: same(.kernel_time_wait_side),
       exit_typed: $params.exit_typed,
       listen_untouched: ($la != null and $lc != null and $la.inode == $lc.inode
                          and $la.local == $lc.local),
       children_a: ((taken("a") | .process_tree.processes // [])
                    | map(select(.pid != $params.server_pid)) | length),
       children_c: ((taken("c") | .process_tree.processes // [])
                    | map(select(.pid != $params.server_pid)) | length),
       server_socket_procs_a: [($sa_ok // [])[] | select(.local.port == $P and .state == "ESTABLISHED")
                               | .procs[]?.pid],
       listen_procs_a: [$la.procs[]?.pid],
       # cmdserver's log is JSON Lines; a plain-text log is matched by words
       log_client_closed: [$log[] | (fromjson? // .)
           | if type == "object" then select(.event == "disconnect" and .closed_by == "client")
             else select(test("client"; "i") and test("disconnect|clos"; "i")) end],
       log_results: [$log[] | fromjson? | select(type == "object" and .event == "result") | .command],
       connections: $vc};

{tool: "tcplab", kind: "scenario", schema: 1, scenario: $params.scenario,
 parameters: $params,
 attempt: $params.attempt,
 rerun_reason: $params.rerun_reason,
 missed: [$moments[] | select(.missed) | {id, reason}],
 t0: $t0,
 capture: ($o.capture // null),
 observer: (if $o then ($o | del(.connections)) else null end),
 connections: $conns,
 clients: $cls,
 moments: $mom,
 server: $server,
 verdict: (if $params.kind == "daytime" then daytime_verdict else active_close_verdict end)}
