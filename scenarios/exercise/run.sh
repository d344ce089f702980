#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2034 # wait_for conditions are single-quoted, evaluated later
# run.sh VARIANT.json DIR — run one student's variant of the lab for real
# (scenarios/lib.sh: a network namespace of its own as root, the live
# observer, real clients) and write DIR/report.json (the scenario report,
# report.jq's schema, with the variant in .parameters.variant) and
# DIR/capture.pcap.
#   daytime: daytimed -m MODE -s SLEEP, telnet clients at their offsets;
#   cmd:     cmdserver -i SLEEP, cmdclients that type `exit` once their
#            first result is in (the clients close first);
#   extra:   half-close (tcppeer: connect, shutdown(SHUT_WR), read to EOF),
#            rst (tcppeer: connect, read, abort), refused (the lab's client
#            to refused_port), backlog (daytimed -q CLIENTS-2: one more telnet
#            whose SYN finds the accept queue full).
# Moments: (a) every client started and connected, (b) after the first
# close, (c) after the last one. The run does not wait for the TIME_WAITs
# to expire (their end is + 60 s, Linux's fixed TIME_WAIT).
set -u
. "$(dirname "$0")/../lib.sh"

[ $# -eq 2 ] && [ -s "$1" ] || { echo "usage: run.sh VARIANT.json DIR" >&2; exit 2; }
V=$(cat "$1") DIR=$2
vget() { jq -r "$1" <<<"$V"; }
kind=$(vget .kind) mode=$(vget .mode) sleep_s=$(vget .sleep) n=$(vget .clients)
extra=$(vget .extra) port=$(vget .port) rport=$(vget .refused_port)
mapfile -t offsets < <(vget '.offsets[]')
extra_at=$(vget '.extra_at // empty')
mkdir -p "$DIR" || exit 1
pcap=$DIR/capture.pcap report=$DIR/report.json
for p in daytimed cmdserver cmdclient tcppeer tcpobserve; do
	[ -x "$SC_BIN/$p" ] || { echo "run.sh: $SC_BIN/$p: not built (run make)" >&2; exit 1; }
done

sc_init "exercise"
sc_ns_setup || sc_die "cannot create a network namespace"
# on the host's loopback the variant's port may be taken: the kernel picks
[ -n "$SC_NS" ] || port=0
if [ "$kind" = daytime ]; then
	server=("$SC_BIN/daytimed" -m "$mode" -s "$sleep_s" -p "$port")
	# Linux queues backlog + 1 connections: room for the clients that wait
	# while the first one is served, none for the extra one
	[ "$extra" = backlog ] && server+=(-q $((n - 2)))
else
	printf '%s\n' date 'uname -s' 'echo done' >"$SC_TMP/commands.txt"
	: >"$SC_TMP/log.txt"
	server=("$SC_BIN/cmdserver" -p "$port" -c "$SC_TMP/commands.txt" -l "$SC_TMP/log.txt" -i "$sleep_s")
fi
sc_say "${server[*]##*/}${SC_NS:+ in namespace $SC_NS}"
sc_server_start "${server[@]}" || sc_die "the server did not start"
P=$SC_PORT H=$SC_HOST
# everything TCP in the namespace: the refused port's exchange too
sc_observe_start "$pcap" "$SC_TMP/observer.json" tcp
[ "$SC_CAPTURE" = 1 ] || sc_die "no capture: an exercise needs its capture (run as root)"
started=$EPOCHREALTIME

# client_port PID PORT: the local port of the socket PID owns toward PORT
# (polled for 2 s: the client may not have called connect() yet); empty
# when it never showed (a refused client may be gone already)
client_port() {
	local i lp
	for i in $(seq 40); do
		lp=$(sc_snapshot "$2" | jq --argjson pid "$1" --argjson p "$2" \
			'first(.sockets[] | select(.remote.port == $p and any(.procs[]?; .pid == $pid)) | .local.port) // empty')
		[ -n "$lp" ] && { echo "$lp"; return 0; }
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
}
# client NAME PORT CMD...: start a client of the run toward PORT,
# remembered in order with its start time (its local port is looked up
# once every client has started: looking now would delay the next ones)
names=() commands=() starts=()
client() {
	local name=$1 to=$2 t0=$EPOCHREALTIME
	shift 2
	sc_client_start "$name" "$@" || sc_die "cannot start $name"
	names+=("$name") commands+=("${*##*/}") starts+=("$name $t0 $to")
}
# ports: each client's start, pid and local port into starts.tsv
ports() {
	local name t0 to
	for s in "${starts[@]}"; do
		read -r name t0 to <<<"$s"
		printf '%s\t%s\t%s\t%s\n' "$name" "$t0" "${SC_CLIENT_PID[$name]}" \
			"$(client_port "${SC_CLIENT_PID[$name]}" "$to")" >>"$SC_TMP/starts.tsv"
	done
}
# at OFFSET: wait until OFFSET seconds after the start (the variant's plan)
at() {
	local left
	left=$(awk -v s="$started" -v o="$1" -v now="$EPOCHREALTIME" 'BEGIN { l = s + o - now; printf "%.3f", (l > 0 ? l : 0) }')
	sleep "$left"
}
# lines NAME REGEX: how many lines of NAME's output match REGEX
lines() { grep -cE -- "$2" "$SC_TMP/$1.out" 2>/dev/null; }
# wait_for TIMEOUT CONDITION...: poll the shell CONDITION until it holds
# (conditions are single-quoted: evaluated, with their variables, each time)
wait_for() {
	local deadline
	deadline=$(sc_deadline "$1")
	shift
	until eval "$*"; do
		sc_past "$deadline" && return 1
		sleep 0.05
	done
}

for i in $(seq 1 "$n"); do
	at "${offsets[$((i - 1))]}"
	if [ "$kind" = daytime ]; then
		client "client$i" "$P" telnet "$H" "$P"
	else
		client "client$i" "$P" "$SC_BIN/cmdclient" "$H" "$P"
	fi
done
xname=
if [ "$extra" != none ]; then
	at "$extra_at"
	# the backlog's extra client must meet a full accept queue: every other
	# client handshaken and waiting (not the time: a loaded machine may lag)
	[ "$extra" = backlog ] &&
		{ sc_wait_snapshot "first(.sockets[] | select(.state == \"LISTEN\")) | .recv_q >= $((n - 1))" 5 >/dev/null ||
			sc_say "the accept queue is not full, starting the backlog client anyway"; }
	case $extra in
	half-close) xname=halfclose; client "$xname" "$P" "$SC_BIN/tcppeer" connect "$H" "$P" shutwr eof close ;;
	rst) xname=rst
		client "$xname" "$P" "$SC_BIN/tcppeer" connect "$H" "$P" read "$([ "$kind" = daytime ] && echo 26 || echo 1)" abort ;;
	refused) xname=refused
		if [ "$kind" = daytime ]; then client "$xname" "$rport" telnet "$H" "$rport"
		else client "$xname" "$rport" "$SC_BIN/cmdclient" "$H" "$rport"; fi ;;
	backlog) xname=backlog; client "$xname" "$P" telnet "$H" "$P" ;;
	esac
fi

ports

# (a) every client connected (the backlog's extra client cannot be: its
# SYN is not answered; give it 0.5 s to be tried and dropped)
connected='^[0-9.]+	(Connected to |connected|Unable to connect|cmdclient: connect)'
for c in "${names[@]}"; do
	[ "$c" = backlog ] && { sleep 0.5; continue; }
	wait_for 10 '[ "$(lines "$c" "$connected")" -ge 1 ]' || sc_say "moment (a): $c did not connect, going on"
done
served=$n
[ "$kind" = daytime ] && [ "$mode" = iterative ] && served=1
if [ "$kind" = daytime ]; then
	ctime='	[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$'
	wait_for 10 '[ "$(cat "$SC_TMP"/client*.out | grep -cE -- "$ctime")" -ge "$served" ]' ||
		sc_say "moment (a): no daytime line, going on"
else
	wait_for 20 '[ "$(grep -cv "^listening" "$SC_TMP/server.out")" -ge "$n" ]' ||
		sc_say "moment (a): not every client's first result arrived, going on"
fi
# transient states (a handshake or a close under way) make a blurred table
EX_STABLE='([.sockets[].state] - ["LISTEN", "ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT", "FIN_WAIT_2", "SYN_SENT"] | length == 0)'
procs=1
[ "$mode" = fork ] && procs=$((1 + n))
comm=${server[0]##*/}
SC_WITH_TREE=1 sc_wait_snapshot "([.sockets[] | select(.state == \"ESTABLISHED\")] | length >= $((2 * n)))
	and $EX_STABLE and ([\$tree.processes[] | select(.comm == \"$comm\")] | length) >= $procs" 10 >/dev/null ||
	sc_say "moment (a): expected $((2 * n)) ESTABLISHED sockets and $procs server processes, going on"
sc_moment a "all clients connected" "$SC_SNAP" "$SC_TREE"
sc_say "(a) all clients connected"

# (b) after the first close: the daytime server closes after its hold; a
# cmdclient closes when it is told `exit`
settled() { printf '(.time >= %s + 0.2) and %s' "$1" "$EX_STABLE"; }
if [ "$kind" = daytime ]; then
	closed='	Connection closed by foreign host'
	wait_for $((sleep_s + 20)) '[ "$(cat "$SC_TMP"/client*.out | grep -c -- "$closed")" -ge 1 ]' ||
		sc_die "no client was ever closed"
	first=$(grep -h -- "$closed" "$SC_TMP"/client*.out | cut -f1 | sort -n | head -n 1)
else
	first=$EPOCHREALTIME
	sc_client_send client1 exit
	sc_wait_exit "${SC_CLIENT_PID[client1]}" 10 || sc_say "client1 did not exit after exit"
fi
SC_WITH_TREE=1 sc_wait_snapshot "$(settled "$first")" 10 >/dev/null || sc_say "moment (b): not settled, going on"
sc_moment b "after the first close" "$SC_SNAP" "$SC_TREE"
sc_say "(b) first close"

# (c) after the last close: every client has ended
if [ "$kind" = cmd ]; then
	for i in $(seq 2 "$n"); do sc_client_send "client$i" exit; done
fi
for c in "${names[@]}"; do
	sc_wait_exit "${SC_CLIENT_PID[$c]}" $(((n + 2) * sleep_s + 20)) || sc_say "$c did not end, going on"
done
last=$EPOCHREALTIME
[ "$kind" = cmd ] && { sc_wait_children 0 10 || sc_say "moment (c): cmdserver still has children"; }
SC_WITH_TREE=1 sc_wait_snapshot "$(settled "$last")" 10 >/dev/null || sc_say "moment (c): not settled, going on"
sc_moment c "after the last close" "$SC_SNAP" "$SC_TREE"
sc_say "(c) every client closed"

sc_observe_stop
kill -INT "$SC_SERVER_PID" 2>/dev/null
sc_wait_exit "$SC_SERVER_PID" 5 || sc_say "the server did not exit on SIGINT"
for c in "${names[@]}"; do sc_client_json "$c"; done >"$SC_TMP/clients.json"
if [ "$kind" = cmd ]; then sc_server_json "$SC_TMP/log.txt"; else sc_server_json; fi >"$SC_TMP/server.json"
[ -s "$SC_TMP/observer.json" ] || sc_die "the observer wrote no report"

params=$(jq -n --argjson v "$V" --argjson sleep "$sleep_s" --argjson port "$P" --arg host "$H" \
	--arg ns "$SC_NS" --argjson started "$started" --argjson pid "$SC_SERVER_PID" \
	--arg server "${server[*]##*/}" --arg pcap "$pcap" --argjson first "$first" \
	--arg cmds "$(printf '%s\n' "${commands[@]}")" --rawfile starts "$SC_TMP/starts.tsv" '
	{scenario: "exercise-\($v.student)",
	 kind: (if $v.kind == "daytime" then "daytime" else "active-close" end),
	 mode: $v.mode, sleep: $sleep, interval: $sleep,
	 server: $server, server_pid: $pid, clients: $v.clients,
	 client: (if $v.kind == "daytime" then "telnet \($host) \($port)" else "cmdclient \($host) \($port)" end),
	 host: $host, port: $port, refused_port: (if $v.extra == "refused" then $v.refused_port else null end),
	 backlog: (if $v.extra == "backlog" then $v.clients - 2 else null end),
	 namespace: (if $ns == "" then null else $ns end), started: $started,
	 exit_typed: (if $v.kind == "cmd" then $first else null end),
	 capture: $pcap, variant: $v,
	 starts: [$starts | split("\n")[] | select(length > 0) | split("\t")
		| {name: .[0], epoch: (.[1] | tonumber), pid: (.[2] | tonumber),
		   port: (if (.[3] // "") == "" then null else (.[3] | tonumber) end)}]
		| [., ($cmds | split("\n"))] | transpose | map(select(.[0]) | .[0] + {command: .[1]})}')
NO_RENDER=1 sc_write_report "$params" "$report" "$pcap"
