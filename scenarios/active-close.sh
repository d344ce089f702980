#!/usr/bin/env bash
# active-close.sh — the command lab's active close, run by a machine:
# cmdserver with three commands (date, uname -s, echo done) and a pause of
# -i SLEEP seconds between them; one cmdclient; once the first result has
# arrived (the server prints the client's ip:port) the client types `exit`
# during the pause and closes first. Moments: (a) client being served,
# (b) after the client's close, (c) after the server's child has gone,
# (d) after the client's TIME_WAIT expired. Writes
# OUT_DIR/captures/active-close.pcap and OUT_DIR/report/active-close.json and
# prints the account (render.sh).
# Environment: SLEEP (the pause, default 10; the scenario does not wait for
# it), OUT_DIR, NO_RENDER=1, TW_WAIT (default 75 s).
set -u
. "$(dirname "$0")/lib.sh"

scenario=active-close
SLEEP=${SLEEP:-10}
[[ $SLEEP =~ ^[0-9]+$ ]] && [ "$SLEEP" -ge 1 ] ||
	{ echo "active-close.sh: SLEEP: not a whole number of seconds >= 1: $SLEEP" >&2; exit 2; }
OUT=${OUT_DIR:-$SC_TOP}
pcap=$OUT/captures/$scenario.pcap
report=$OUT/report/$scenario.json
mkdir -p "$OUT/captures" "$OUT/report" || exit 1
for p in cmdserver cmdclient; do
	[ -x "$SC_BIN/$p" ] || { echo "active-close.sh: $SC_BIN/$p: not built (run make)" >&2; exit 1; }
done

sc_init "$scenario"
sc_ns_setup || sc_die "cannot create a network namespace"
printf '%s\n' date 'uname -s' 'echo done' >"$SC_TMP/commands.txt"
: >"$SC_TMP/log.txt"
sc_say "cmdserver -i $SLEEP with 3 commands${SC_NS:+ in namespace $SC_NS}"
sc_server_start "$SC_BIN/cmdserver" -p 0 -c "$SC_TMP/commands.txt" -l "$SC_TMP/log.txt" -i "$SLEEP" ||
	sc_die "cmdserver did not start"
P=$SC_PORT
sc_observe_start "$pcap" "$SC_TMP/observer.json" tcp port "$P"
started=$EPOCHREALTIME

sc_client_start client "$SC_BIN/cmdclient" "$SC_HOST" "$P"

# (a) the first result has arrived (cmdserver prints the client's ip:port):
# we are in the pause between the first and the second command.
sc_wait_line "$SC_TMP/server.out" '^[^l]' 20 "$SC_SERVER_PID" >/dev/null ||
	sc_die "no result arrived at the server (server.out: $(tr '\n' ' ' <"$SC_TMP/server.out"))"
# Look quickly (the pause is short): the report is assembled after `exit`.
SC_WITH_TREE=1 sc_wait_snapshot "([.sockets[] | select(.state == \"ESTABLISHED\")] | length == 2) and $SC_STABLE
	and (\$tree.processes | length) == 2" 3 >/dev/null ||
	sc_say "moment (a): expected 2 ESTABLISHED sockets and the server with one child, going on"
tree=$SC_TREE

# The user types `exit` during the pause: the client closes first.
exit_typed=$EPOCHREALTIME
sc_client_send client exit
sc_moment a "client being served" "$SC_SNAP" "$tree"
sc_say "(a) first result in; typed exit"
sc_wait_exit "${SC_CLIENT_PID[client]}" 10 || sc_say "cmdclient did not exit after exit"
wait "${SC_CLIENT_PID[client]}" 2>/dev/null
client_status=$?
sc_wait_snapshot "([.sockets[] | select(.state == \"TIME_WAIT\")] | length >= 1) and $(sc_settled "$exit_typed")" 10 >/dev/null ||
	sc_say "moment (b): no TIME_WAIT yet, going on"
sc_moment b "after client's close" "$SC_SNAP"
sc_say "(b) client closed (exit status $client_status)"

# (c) the server's child has seen the end of the connection and gone.
sc_wait_children 0 10 || sc_say "moment (c): the server's child is still there"
sc_wait_snapshot "$SC_STABLE" 10 >/dev/null || sc_say "moment (c): not settled, going on"
sc_moment c "server child gone" "$SC_SNAP"
sc_say "(c) child gone; waiting for the TIME_WAIT to expire (about 60 s)"

SC_POLL=0.5 sc_wait_snapshot '[.sockets[] | select(.state != "LISTEN")] | length == 0' "${TW_WAIT:-75}" >/dev/null ||
	sc_say "moment (d): sockets other than LISTEN remain after ${TW_WAIT:-75} s"
sc_moment d "TIME_WAIT expired" "$SC_SNAP"
sc_say "(d) after the TIME_WAIT"

sc_observe_stop
kill -INT "$SC_SERVER_PID" 2>/dev/null
sc_wait_exit "$SC_SERVER_PID" 5 || sc_say "cmdserver did not exit on SIGINT"

sc_client_json client >"$SC_TMP/clients.json"
sc_server_json "$SC_TMP/log.txt" >"$SC_TMP/server.json"
[ "$SC_CAPTURE" = 1 ] && [ -s "$SC_TMP/observer.json" ] || : >"$SC_TMP/observer.json"

params=$(jq -n --arg scenario "$scenario" --argjson sleep "$SLEEP" \
	--argjson port "$P" --arg host "$SC_HOST" --arg ns "$SC_NS" --argjson started "$started" \
	--argjson pid "$SC_SERVER_PID" --argjson cap "$SC_CAPTURE" --arg pcap "$pcap" \
	--argjson typed "$exit_typed" --argjson cst "$client_status" \
	--rawfile cmds "$SC_TMP/commands.txt" '
	{scenario: $scenario, kind: "active-close", sleep: $sleep, interval: $sleep,
	 commands: ($cmds | split("\n") | map(select(length > 0))),
	 server: "cmdserver -p 0 -c commands.txt -l log.txt -i \($sleep)", server_pid: $pid,
	 clients: 1, client: "cmdclient \($host) \($port)", host: $host, port: $port,
	 exit_typed: $typed, client_exit_status: $cst,
	 namespace: (if $ns == "" then null else $ns end), started: $started,
	 capture: (if $cap == 1 then $pcap else null end)}')
sc_write_report "$params" "$report" "$pcap"
