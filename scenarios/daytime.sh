#!/usr/bin/env bash
# daytime.sh sequential|concurrent — the daytime lab run by a machine.
#   sequential: daytimed -m iterative -s SLEEP, two telnet clients at once;
#   concurrent: daytimed -m fork -s SLEEP, the same two clients.
# It captures the traffic (tcpobserve -i lo -w), takes kernel snapshots at
# the lab's four moments — (a) both clients connected, (b) after the first
# close, (c) after the second close, (d) after the TIME_WAITs expire — and
# the server's process tree, then writes OUT_DIR/captures/<name>.pcap and
# OUT_DIR/report/<name>.json and prints the account (render.sh).
# Environment: SLEEP (default 10), OUT_DIR (default the repo top),
# NO_RENDER=1 (write the files, print nothing but progress), TW_WAIT (how
# long to wait for the TIME_WAITs to expire, default 75 s).
set -u
. "$(dirname "$0")/lib.sh"

scenario=${1:-}
case $scenario in
sequential) mode=iterative ;;
concurrent) mode=fork ;;
*) echo "usage: daytime.sh sequential|concurrent" >&2; exit 2 ;;
esac
SLEEP=${SLEEP:-10}
[[ $SLEEP =~ ^[0-9]+$ ]] || { echo "daytime.sh: SLEEP: not a whole number of seconds: $SLEEP" >&2; exit 2; }
OUT=${OUT_DIR:-$SC_TOP}
pcap=$OUT/captures/$scenario.pcap
report=$OUT/report/$scenario.json
mkdir -p "$OUT/captures" "$OUT/report" || exit 1
[ -x "$SC_BIN/daytimed" ] || { echo "daytime.sh: $SC_BIN/daytimed: not built (run make)" >&2; exit 1; }

sc_init "$scenario"
sc_ns_setup || sc_die "cannot create a network namespace"
sc_say "daytimed -m $mode -s $SLEEP${SC_NS:+ in namespace $SC_NS}"
sc_server_start "$SC_BIN/daytimed" -m "$mode" -s "$SLEEP" -p 0 || sc_die "daytimed did not start"
P=$SC_PORT
sc_observe_start "$pcap" "$SC_TMP/observer.json" tcp port "$P"
started=$EPOCHREALTIME

ctime='	[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$'
closed='	Connection closed by foreign host'

# stamps REGEX: the epoch stamps of the first line matching REGEX in each
# client's output, sorted.
stamps() {
	local f
	for f in "$SC_TMP/client1.out" "$SC_TMP/client2.out"; do
		grep -E -m1 -- "$1" "$f" 2>/dev/null | cut -f1
	done | sort -n
}

# wait_clients REGEX N TIMEOUT: wait until N clients have printed a line
# matching REGEX; their stamps, sorted, are left in STAMPS.
wait_clients() {
	local deadline
	deadline=$(sc_deadline "$3")
	while :; do
		mapfile -t STAMPS < <(stamps "$1")
		[ "${#STAMPS[@]}" -ge "$2" ] && return 0
		sc_past "$deadline" && return 1
		sleep 0.02
	done
}

# Two telnet clients started back to back (the report orders them by
# connection: the first to connect is the first served).
sc_client_start client1 telnet "$SC_HOST" "$P"
sc_client_start client2 telnet "$SC_HOST" "$P"
wait_clients '	Connected to ' 2 10 || sc_die "the clients could not connect"
lag=$(awk -v a="${STAMPS[0]}" -v b="${STAMPS[1]}" 'BEGIN { printf "%.3f\n", b - a }')

# (a) both clients connected; the server serves what it can: the iterative
# server the first client only (the second waits in the backlog), the fork
# server both. Wait for the daytime line(s), then for both connections.
wait_clients "$ctime" "$([ "$mode" = fork ] && echo 2 || echo 1)" 15 || sc_die "no daytime line arrived"
procs=$([ "$mode" = fork ] && echo 3 || echo 1)	# the server and its children
SC_WITH_TREE=1 sc_wait_snapshot "([.sockets[] | select(.state == \"ESTABLISHED\")] | length == 4) and $SC_STABLE
	and (\$tree.processes | length) == $procs" 10 >/dev/null ||
	sc_say "moment (a): expected 4 ESTABLISHED sockets and $procs server processes, going on"
sc_moment a "both connected" "$SC_SNAP" "$SC_TREE"
sc_say "(a) both clients connected"

# (b) after the first close, (c) after the second one. The fork server
# closes the second connection as much later as the second client
# connected later: (b) waits that lag too, so that it shows what the lab
# shows (both closed together), even on a loaded machine.
settle=0.3
[ "$mode" = fork ] && settle=$(awk -v l="$lag" 'BEGIN { printf "%.3f\n", 0.3 + l }')
wait_clients "$closed" 1 $((SLEEP + 20)) || sc_die "no client was ever closed"
sc_wait_snapshot "$(sc_settled "${STAMPS[0]}" "$settle")" 10 >/dev/null || sc_say "moment (b): not settled, going on"
sc_moment b "after the 1st close" "$SC_SNAP"
sc_say "(b) first close"
wait_clients "$closed" 2 $((2 * SLEEP + 20)) || sc_die "the second client was never closed"
sc_wait_snapshot "$(sc_settled "${STAMPS[1]}")" 10 >/dev/null || sc_say "moment (c): not settled, going on"
sc_moment c "after the 2nd close" "$SC_SNAP"
sc_say "(c) second close; waiting for the TIME_WAITs to expire (about 60 s)"

# (d) the TIME_WAITs expire after 60 s (Linux): only LISTEN remains.
SC_POLL=0.5 sc_wait_snapshot '[.sockets[] | select(.state != "LISTEN")] | length == 0' "${TW_WAIT:-75}" >/dev/null ||
	sc_say "moment (d): sockets other than LISTEN remain after ${TW_WAIT:-75} s"
sc_moment d "TIME_WAITs expired" "$SC_SNAP"
sc_say "(d) after the TIME_WAITs"

sc_observe_stop
kill -INT "$SC_SERVER_PID" 2>/dev/null
sc_wait_exit "$SC_SERVER_PID" 5 || sc_say "daytimed did not exit on SIGINT"

for c in client1 client2; do sc_client_json "$c"; done >"$SC_TMP/clients.json"
sc_server_json >"$SC_TMP/server.json"
[ "$SC_CAPTURE" = 1 ] && [ -s "$SC_TMP/observer.json" ] || : >"$SC_TMP/observer.json"

params=$(jq -n --arg scenario "$scenario" --arg mode "$mode" --argjson sleep "$SLEEP" \
	--argjson port "$P" --arg host "$SC_HOST" --arg ns "$SC_NS" --argjson started "$started" \
	--argjson pid "$SC_SERVER_PID" --argjson cap "$SC_CAPTURE" --arg pcap "$pcap" '
	{scenario: $scenario, kind: "daytime", mode: $mode, sleep: $sleep,
	 server: "daytimed -m \($mode) -s \($sleep) -p 0", server_pid: $pid,
	 clients: 2, client: "telnet \($host) \($port)", host: $host, port: $port,
	 namespace: (if $ns == "" then null else $ns end), started: $started,
	 capture: (if $cap == 1 then $pcap else null end)}')
sc_write_report "$params" "$report" "$pcap"
