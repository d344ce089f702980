#!/usr/bin/env bash
# active-close.sh — the command lab's active close, run by a machine:
# cmdserver with three commands (date, uname -s, echo done) and a pause of
# -i SLEEP seconds between them; one cmdclient; once the first result has
# arrived the client types `exit` during the pause and closes first.
# Moments, each checked in the snapshot it records (a moment missed reruns
# the scenario once, then is reported missed and the exit status is 1):
# (a) client being served, (b) after the client's close, (c) after the
# server's child has gone, (d) after the client's TIME_WAIT expired. Writes
# OUT_DIR/captures/active-close.pcap and OUT_DIR/report/active-close.json and
# prints the account (render.sh).
# A student's own programs: SERVER='./servidor {port}' replaces cmdserver,
# CLIENT='./cliente {host} {port}' replaces cmdclient (as root both run as
# an unprivileged user in the scenario's namespace); the client must print
# a line when a result arrives and end when `exit` is typed.
# Environment: SLEEP (the pause, default 10; the scenario does not wait for
# it), SERVER, CLIENT, OUT_DIR, NO_RENDER=1, TW_WAIT (the bound on the wait
# for the TIME_WAIT to expire; default: the time left the kernel shows,
# plus a margin).
set -u
. "$(dirname "$0")/lib.sh"

scenario=active-close
SLEEP=${SLEEP:-10}
SERVER=${SERVER:-} CLIENT=${CLIENT:-}
[[ $SLEEP =~ ^[0-9]+$ ]] && [ "$SLEEP" -ge 1 ] ||
	{ echo "active-close.sh: SLEEP: not a whole number of seconds >= 1: $SLEEP" >&2; exit 2; }
OUT=${OUT_DIR:-$SC_TOP}
pcap=$OUT/captures/$scenario.pcap
report=$OUT/report/$scenario.json
mkdir -p "$OUT/captures" "$OUT/report" || exit 1
for p in cmdserver cmdclient; do
	[ -x "$SC_BIN/$p" ] || { echo "active-close.sh: $SC_BIN/$p: not built (run make)" >&2; exit 1; }
done

sc_rerunnable "$0" "$@"
sc_init "$scenario"
sc_ns_setup || sc_die "cannot create a network namespace"
printf '%s\n' date 'uname -s' 'echo done' >"$SC_TMP/commands.txt"
: >"$SC_TMP/log.txt"
if [ -n "$SERVER" ]; then
	sc_user_server "$SERVER" || sc_die "your server did not start listening: $SERVER"
	server_cmd=$SC_USER_CMD
else
	server_cmd="cmdserver -p 0 -c commands.txt -l log.txt -i $SLEEP"
	sc_server_start "$SC_BIN/cmdserver" -p 0 -c "$SC_TMP/commands.txt" -l "$SC_TMP/log.txt" -i "$SLEEP" ||
		sc_die "cmdserver did not start"
fi
sc_say "$server_cmd${SC_NS:+ in namespace $SC_NS}"
P=$SC_PORT
sc_observe_start "$pcap" "$SC_TMP/observer.json" tcp port "$P"
started=$EPOCHREALTIME
sc_measure
margin=$SC_MARGIN poll=$SC_POLL_COST

if [ -n "$CLIENT" ]; then
	client_cmd=${CLIENT//\{port\}/$P}
	client_cmd=${client_cmd//\{host\}/$SC_HOST}
	sc_user_bg client - "$client_cmd" sc_client_start_as
else
	client_cmd="cmdclient $SC_HOST $P"
	sc_client_start client "$SC_BIN/cmdclient" "$SC_HOST" "$P"
fi

# (a) the first result has arrived (cmdserver prints the client's ip:port;
# with a student's server: the client has printed a line): we are in the
# pause between the first and the second command.
if [ -n "$SERVER" ]; then
	sc_wait_line "$SC_TMP/client.out" '.' $((SLEEP + margin)) "${SC_CLIENT_PID[client]}" >/dev/null ||
		sc_die "the client printed nothing: no result arrived"
else
	sc_wait_line "$SC_TMP/server.out" '^[^l]' $((SLEEP + margin)) "$SC_SERVER_PID" >/dev/null ||
		sc_die "no result arrived at the server (server.out: $(tr '\n' ' ' <"$SC_TMP/server.out"))"
fi
est=$(sc_count ESTABLISHED) tw=$(sc_count TIME_WAIT)
if [ -n "$SERVER" ]; then
	want="2 ESTABLISHED sockets (the connection, both ends)"
	cond="$est == 2 and $SC_STABLE"
	SC_SETTLE=1
else
	want="2 ESTABLISHED sockets, the server with one child alone holding the connection"
	cond="$est == 2 and $SC_STABLE and (\$tree.processes | length) == 2 and ([.sockets[]
		| select(.state == \"ESTABLISHED\" and .local.port == $P) | [.procs[].pid]] == [[\$tree.processes[1].pid]])"
fi
sc_check_moment a "client being served" "$want" "$cond" "$margin" "$SC_CLOSING" &&
	sc_say "(a) first result in; typing exit"

# The user types `exit` during the pause: the client closes first.
exit_typed=$EPOCHREALTIME
sc_client_send client exit
sc_wait_exit "${SC_CLIENT_PID[client]}" "$margin" || sc_say "the client did not exit after exit"
wait "${SC_CLIENT_PID[client]}" 2>/dev/null
client_status=$?
sc_check_moment b "after client's close" "a TIME_WAIT, no close half-way" \
	"$tw >= 1 and $(sc_settled "$exit_typed")" "$margin" &&
	sc_say "(b) client closed (exit status $client_status)"

# (c) the server's child has seen the end of the connection and gone.
sc_check_moment c "server child gone" "the server alone (no child), no close half-way" \
	"(\$tree.processes | length) == 1 and $SC_STABLE" "$margin" &&
	sc_say "(c) child gone; waiting for the TIME_WAIT to expire (about 60 s)"

sc_check_expired "TIME_WAIT expired" && sc_say "(d) after the TIME_WAIT"
sc_stop "$([ -n "$SERVER" ] && echo TERM || echo INT)"

sc_client_json client >"$SC_TMP/clients.json"
sc_server_json "$([ -n "$SERVER" ] && echo "$SC_TMP/server.err" || echo "$SC_TMP/log.txt")" >"$SC_TMP/server.json"
[ "$SC_CAPTURE" = 1 ] && [ -s "$SC_TMP/observer.json" ] || : >"$SC_TMP/observer.json"

params=$(jq -n --arg scenario "$scenario" --argjson sleep "$SLEEP" \
	--argjson port "$P" --arg host "$SC_HOST" --arg ns "$SC_NS" --argjson started "$started" \
	--argjson pid "$SC_SERVER_PID" --argjson cap "$SC_CAPTURE" --arg pcap "$pcap" \
	--argjson typed "$exit_typed" --argjson cst "$client_status" --argjson poll "$poll" \
	--arg server "$server_cmd" --arg client "$client_cmd" --arg us "$SERVER" --arg uc "$CLIENT" \
	--rawfile cmds "$SC_TMP/commands.txt" '
	{scenario: $scenario, kind: "active-close", sleep: $sleep, interval: $sleep,
	 commands: (if $us == "" then $cmds | split("\n") | map(select(length > 0)) else null end),
	 server: $server, server_pid: $pid,
	 own_server: ($us != ""), own_client: ($uc != ""),
	 server_template: (if $us == "" then null else $us end),
	 client_template: (if $uc == "" then null else $uc end),
	 clients: 1, client: $client, host: $host, port: $port,
	 exit_typed: $typed, client_exit_status: $cst, poll_cost: $poll,
	 namespace: (if $ns == "" then null else $ns end), started: $started,
	 capture: (if $cap == 1 then $pcap else null end)}')
sc_write_report "$params" "$report" "$pcap"
sc_exit_status
