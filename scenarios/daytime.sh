#!/usr/bin/env bash
# daytime.sh sequential|concurrent — the daytime lab run by a machine.
#   sequential: daytimed -m iterative -s SLEEP, two telnet clients at once;
#   concurrent: daytimed -m fork -s SLEEP, the same two clients;
#   SERVER='./servidor {port}': the student's own server instead of daytimed
#   (run as an unprivileged user when root), the same run about their code.
# It captures the traffic (tcpobserve -i lo -w), takes kernel snapshots at
# the lab's four moments — (a) both clients connected, (b) after the first
# close, (c) after the second close, (d) after the TIME_WAITs expire —
# each checked in the snapshot it records (a moment missed reruns the
# scenario once, then is reported missed and the exit status is 1), and
# the server's process tree, then writes OUT_DIR/captures/<name>.pcap and
# OUT_DIR/report/<name>.json and prints the account (render.sh).
# Environment: SLEEP (default 10; with SERVER, how long the student's
# server is expected to hold a client at most), SERVER, OUT_DIR (default the
# repo top), NO_RENDER=1 (write the files, print nothing but progress),
# TW_WAIT (the bound on the wait for the TIME_WAITs to expire; default: the
# time left the kernel shows, plus a margin).
set -u
. "$(dirname "$0")/lib.sh"

scenario=${1:-}
case $scenario in
sequential) mode=iterative ;;
concurrent) mode=fork ;;
*) echo "usage: daytime.sh sequential|concurrent" >&2; exit 2 ;;
esac
SLEEP=${SLEEP:-10}
SERVER=${SERVER:-}
[[ $SLEEP =~ ^[0-9]+$ ]] || { echo "daytime.sh: SLEEP: not a whole number of seconds: $SLEEP" >&2; exit 2; }
OUT=${OUT_DIR:-$SC_TOP}
pcap=$OUT/captures/$scenario.pcap
report=$OUT/report/$scenario.json
mkdir -p "$OUT/captures" "$OUT/report" || exit 1
[ -n "$SERVER" ] || [ -x "$SC_BIN/daytimed" ] ||
	{ echo "daytime.sh: $SC_BIN/daytimed: not built (run make)" >&2; exit 1; }

sc_rerunnable "$0" "$@"
sc_init "$scenario"
sc_ns_setup || sc_die "cannot create a network namespace"
if [ -n "$SERVER" ]; then
	expect=any
	sc_user_server "$SERVER" || sc_die "your server did not start listening: $SERVER"
	server_cmd=$SC_USER_CMD
else
	expect=$mode
	server_cmd="daytimed -m $mode -s $SLEEP -p 0"
	sc_server_start "$SC_BIN/daytimed" -m "$mode" -s "$SLEEP" -p 0 || sc_die "daytimed did not start"
fi
sc_say "$server_cmd${SC_NS:+ in namespace $SC_NS}"
P=$SC_PORT
sc_observe_start "$pcap" "$SC_TMP/observer.json" tcp port "$P"
started=$EPOCHREALTIME
# every wait below is sized from how long one look at the kernel takes now
sc_measure
margin=$SC_MARGIN poll=$SC_POLL_COST

# Two telnet clients let go at the same moment (the report orders them by
# connection: the first to connect is the first served).
sc_gate_hold
sc_client_start client1 telnet "$SC_HOST" "$P"
sc_client_start client2 telnet "$SC_HOST" "$P"
sc_gate_open
gate=$EPOCHREALTIME

est=$(sc_count ESTABLISHED) tw=$(sc_count TIME_WAIT)
procs='($tree.processes | length)'
# (a) both clients connected, before the server is done with the first: the
# iterative server has accepted the first (the second waits in the accept
# queue: LISTEN Recv-Q 1), the fork server has a child for each.
case $expect in
iterative)
	want="4 ESTABLISHED sockets, LISTEN Recv-Q 1 and 1 server process"
	cond="$est == 4 and $SC_STABLE and $procs == 1
		and ([.sockets[] | select(.state == \"LISTEN\") | .recv_q] == [1])" ;;
fork) want="4 ESTABLISHED sockets, 3 server processes, each child alone holding its connection"
	cond="$est == 4 and $SC_STABLE and $procs == 3 and ([.sockets[]
		| select(.state == \"ESTABLISHED\" and .local.port == $P) | [.procs[].pid]
		| length == 1 and .[0] != $SC_SERVER_PID] | all)" ;;
*) want="4 ESTABLISHED sockets (both connections, both ends)"
	cond="$est == 4 and $SC_STABLE"
	SC_SETTLE=1 ;;
esac
sc_check_moment a "both connected" "$want" "$cond" "$margin" "$SC_CLOSING" &&
	sc_say "(a) both clients connected"
took_a=$(sc_since "$gate")

# (b) after the first close, (c) after the second one: the iterative
# server closes the first connection only (the second is then served), the
# fork server both at once.
wait_b=$(awk -v s="$SLEEP" -v a="$took_a" -v m="$margin" 'BEGIN { printf "%d\n", s + 2 * a + m }')
case $expect in
iterative)
	sc_check_moment b "after the 1st close" "1 TIME_WAIT (the first connection), the second ESTABLISHED" \
		"$tw == 1 and $est == 2 and $SC_STABLE" "$wait_b" "$tw >= 2" ;;
fork) sc_check_moment b "after the 1st close" "both connections closed: 2 TIME_WAIT, no ESTABLISHED" \
		"$tw == 2 and $est == 0 and $SC_STABLE" "$wait_b" ;;
*) sc_check_moment b "after the 1st close" "a connection closed: at most 2 ESTABLISHED, no close half-way" \
		"$est <= 2 and $SC_STABLE" "$wait_b" ;;
esac && sc_say "(b) first close"
case $expect in
any) want="both connections closed, no close half-way" cond="$est == 0 and $SC_STABLE" ;;
*) want="both connections closed: 2 TIME_WAIT" cond="$tw == 2 and $est == 0 and $SC_STABLE" ;;
esac
sc_check_moment c "after the 2nd close" "$want" "$cond" "$((wait_b + SLEEP))" &&
	sc_say "(c) second close; waiting for the TIME_WAITs to expire (about 60 s)"

# (d) the TIME_WAITs expire after 60 s (Linux): only LISTEN remains. The
# wait is the time left the kernel showed at (c), plus the margin.
sc_check_expired "TIME_WAITs expired" && sc_say "(d) after the TIME_WAITs"
sc_stop "$([ -n "$SERVER" ] && echo TERM || echo INT)"

for c in client1 client2; do sc_client_json "$c"; done >"$SC_TMP/clients.json"
sc_server_json >"$SC_TMP/server.json"
[ "$SC_CAPTURE" = 1 ] && [ -s "$SC_TMP/observer.json" ] || : >"$SC_TMP/observer.json"

params=$(jq -n --arg scenario "$scenario" --arg mode "$mode" --argjson sleep "$SLEEP" \
	--argjson port "$P" --arg host "$SC_HOST" --arg ns "$SC_NS" --argjson started "$started" \
	--argjson pid "$SC_SERVER_PID" --argjson cap "$SC_CAPTURE" --arg pcap "$pcap" \
	--arg server "$server_cmd" --arg user "$SERVER" --argjson poll "$poll" '
	{scenario: $scenario, kind: "daytime", mode: (if $user == "" then $mode else null end),
	 sleep: $sleep, server: $server, server_pid: $pid,
	 own_server: ($user != ""), server_template: (if $user == "" then null else $user end),
	 clients: 2, client: "telnet \($host) \($port)", host: $host, port: $port,
	 namespace: (if $ns == "" then null else $ns end), started: $started, poll_cost: $poll,
	 capture: (if $cap == 1 then $pcap else null end)}')
sc_write_report "$params" "$report" "$pcap"
sc_exit_status
