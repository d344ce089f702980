# shellcheck shell=bash
# lib.sh — the machinery of a tcplab scenario, sourced by the scenario
# scripts (and by grading): a private network namespace, a server started
# from any command line, the live observer, real clients whose every output
# line is stamped with the epoch time it arrived, kernel snapshots, the
# process tree, polling for conditions, and a cleanup that runs on success,
# failure and Ctrl-C alike.
#
# Globals it sets (read them, do not assign them):
#   SC_NAME SC_TOP SC_BIN SC_TMP   scenario name, repo top, bin/, private temp dir
#   SC_NS                          namespace name, empty on the host
#   SC_EXEC                        array prefix that runs a command in SC_NS
#   SC_SERVER_PID SC_HOST SC_PORT  the server and the address it printed
#   SC_OBS_PID SC_CAPTURE          the live observer; SC_CAPTURE=1 if capturing
#   SC_LASTPID                     pid of the last process sc_bg started
# Environment it honours: TCPLAB_BIN (default $SC_TOP/bin), NO_NETNS=1 (stay
# on the host even as root), SC_QUIET=1 (no progress lines on stderr).

SC_TOP=${SC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SC_BIN=${TCPLAB_BIN:-$SC_TOP/bin}
SC_NS=
SC_EXEC=()
SC_PIDS=()
SC_FDS=()
SC_CAPTURE=0
SC_OBS_PID=
SC_SERVER_PID=
SC_WATCHDOG=
declare -A SC_CLIENT_PID=() SC_CLIENT_FD=()

# sc_init NAME: start a scenario: private temp dir, and the traps that make
# sc_cleanup run whatever happens (normal exit, error, SIGINT, SIGTERM).
sc_init() {
	SC_NAME=$1
	SC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-$SC_NAME.XXXXXX") || return 1
	trap sc_cleanup EXIT
	trap 'sc_say "interrupted"; exit 130' INT
	trap 'exit 143' TERM HUP
}

# sc_say WORDS...: one progress line on stderr, prefixed with the scenario.
sc_say() {
	[ "${SC_QUIET:-0}" = 1 ] || printf '[%s] %s\n' "${SC_NAME:-scenario}" "$*" >&2
}

# sc_die WORDS...: a clear error line, then exit 1 (cleanup runs via trap).
sc_die() {
	printf '%s: %s\n' "${SC_NAME:-scenario}" "$*" >&2
	exit 1
}

# sc_ns_setup [NAME]: when root (and NO_NETNS is not set) create the network
# namespace NAME (default tcplab-$SC_NAME-$$) with its loopback up, so the
# scenario has a loopback of its own: parallel runs and leftover TIME_WAIT
# sockets never meet. Otherwise run on the host and say so.
sc_ns_setup() {
	local ns=${1:-tcplab-$SC_NAME-$$}
	if [ "$(id -u)" -ne 0 ] || [ "${NO_NETNS:-0}" = 1 ]; then
		SC_NS='' SC_EXEC=()
		[ "$(id -u)" -ne 0 ] &&
			sc_say "not root: no network namespace, running on the host's lo"
		return 0
	fi
	ip netns add "$ns" || return 1
	SC_NS=$ns
	sc_watchdog "$BASHPID" "$ns"
	ip -n "$ns" link set lo up || return 1
	SC_EXEC=(ip netns exec "$ns")
}

# sc_watchdog PID NS: traps cannot run when the scenario's shell PID is
# killed outright (SIGKILL: a test runner's timeout, a killed terminal
# session). A watchdog in a session of its own then kills what runs in the
# namespace NS, deletes NS and the temp dir. It waits with bash's own
# `read -t` (no external sleep) and is stopped by sc_cleanup.
sc_watchdog() {
	mkfifo "$SC_TMP/.watchdog" || return 1
	setsid bash -c '
		main=$1 ns=$2 tmp=$3
		exec 9<>"$tmp/.watchdog" </dev/null >/dev/null 2>&1
		while kill -0 "$main"; do read -r -t 1 -u 9; done
		ip netns list | grep -qw "$ns" || exit 0
		for pid in $(ip netns pids "$ns"); do kill -KILL "$pid"; done
		ip netns del "$ns"
		rm -rf "$tmp"' sc-watchdog "$1" "$2" "$SC_TMP" 3>&- &
	SC_WATCHDOG=$!
}

# sc_run CMD...: run CMD in the scenario's namespace (or on the host), in the
# foreground.
sc_run() {
	"${SC_EXEC[@]}" "$@"
}

# sc_bg OUT ERR CMD...: start CMD in the background in the namespace, stdout
# to OUT, stderr to ERR (stdin /dev/null, fd 3 closed for bats); its pid is
# remembered for cleanup and left in SC_LASTPID.
sc_bg() {
	local out=$1 err=$2
	shift 2
	"${SC_EXEC[@]}" "$@" </dev/null >"$out" 2>"$err" 3>&- &
	SC_LASTPID=$!
	SC_PIDS+=("$SC_LASTPID")
}

# sc_wait_line FILE REGEX TIMEOUT [PID]: wait until a line of FILE matches
# the extended REGEX; print it and leave it in SC_LINE. Fails (1) on timeout,
# or as soon as PID (the process that should write it) has exited without
# writing it. Call it directly (not in $(...)) to keep Ctrl-C prompt: a
# trap waits for a command substitution to finish.
sc_wait_line() {
	local file=$1 re=$2 timeout=$3 pid=${4:-} deadline
	deadline=$(sc_deadline "$timeout")
	SC_LINE=
	while :; do
		SC_LINE=$(grep -E -m1 -- "$re" "$file" 2>/dev/null) && {
			printf '%s\n' "$SC_LINE"
			return 0
		}
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			SC_LINE=$(grep -E -m1 -- "$re" "$file" 2>/dev/null) &&
				{ printf '%s\n' "$SC_LINE"; return 0; }
			return 1
		fi
		sc_past "$deadline" && return 1
		sleep 0.02
	done
}

# sc_deadline SECONDS: the epoch time SECONDS (may be fractional) from now,
# in microseconds (for sc_past).
sc_deadline() {
	local now=${EPOCHREALTIME/./}
	awk -v n="$now" -v s="$1" 'BEGIN { printf "%.0f\n", n + s * 1000000 }'
}

# sc_past DEADLINE: true once the time DEADLINE (from sc_deadline) has passed.
sc_past() {
	[ "${EPOCHREALTIME/./}" -ge "$1" ]
}

# sc_server_start CMD...: start a server that prints `listening on ADDR:PORT`
# as its first stdout line (daytimed, cmdserver, a student's server wrapped
# to do so); wait for that line (10 s) and set SC_SERVER_PID, SC_HOST,
# SC_PORT. Its stdout/stderr stay in $SC_TMP/server.out and server.err.
sc_server_start() {
	local addr
	sc_bg "$SC_TMP/server.out" "$SC_TMP/server.err" "$@"
	SC_SERVER_PID=$SC_LASTPID
	sc_wait_line "$SC_TMP/server.out" '^listening on ' 10 "$SC_SERVER_PID" >/dev/null || {
		sc_say "server did not start: $*"
		sed 's/^/  server: /' "$SC_TMP/server.err" >&2
		return 1
	}
	addr=${SC_LINE#listening on }
	SC_PORT=${addr##*:}
	SC_HOST=${addr%:*}
	SC_HOST=${SC_HOST#[}
	SC_HOST=${SC_HOST%]}
}

# sc_observe_start PCAP JSON [BPF...]: start `tcpobserve -i lo -w PCAP -o
# JSON` in the namespace and wait until it says `listening on` on stderr.
# When capture is not possible (no permission, no tcpobserve) say so in one
# line, set SC_CAPTURE=0 and return 0: the scenario goes on with kernel
# snapshots only.
sc_observe_start() {
	local pcap=$1 json=$2
	shift 2
	SC_CAPTURE=0
	if [ ! -x "$SC_BIN/tcpobserve" ]; then
		sc_say "no $SC_BIN/tcpobserve: no capture, kernel snapshots only"
		return 0
	fi
	rm -f "$pcap" "$json"
	sc_bg /dev/null "$SC_TMP/observer.err" "$SC_BIN/tcpobserve" -i lo -w "$pcap" -o "$json" "$@"
	SC_OBS_PID=$SC_LASTPID
	if sc_wait_line "$SC_TMP/observer.err" '^listening on ' 10 "$SC_OBS_PID" >/dev/null; then
		SC_CAPTURE=1
		return 0
	fi
	sc_say "capture not permitted or failed ($(head -n 1 "$SC_TMP/observer.err" | cut -c 1-160)): kernel snapshots only"
	kill "$SC_OBS_PID" 2>/dev/null
	SC_OBS_PID=
	return 0
}

# sc_observe_stop: end the live observer with SIGINT (it then writes its
# complete report) and wait for it, at most 15 s.
sc_observe_stop() {
	[ -n "$SC_OBS_PID" ] || return 0
	kill -INT "$SC_OBS_PID" 2>/dev/null
	sc_wait_exit "$SC_OBS_PID" 15 || {
		sc_say "observer did not stop on SIGINT"
		kill -KILL "$SC_OBS_PID" 2>/dev/null
	}
	wait "$SC_OBS_PID" 2>/dev/null
	SC_OBS_PID=
}

# sc_wait_exit PID TIMEOUT: wait until PID has exited; 1 on timeout.
sc_wait_exit() {
	local pid=$1 deadline
	deadline=$(sc_deadline "$2")
	while kill -0 "$pid" 2>/dev/null; do
		# a zombie child of ours counts as exited
		case $(ps -o stat= -p "$pid" 2>/dev/null) in Z*) return 0 ;; esac
		sc_past "$deadline" && return 1
		sleep 0.05
	done
}

# sc_client_start NAME CMD...: start a client (telnet HOST PORT, cmdclient
# HOST PORT, ...) in the namespace with its stdin a fifo that we keep open
# (telnet closes as soon as its stdin ends), and its stdout and stderr
# stamped line by line, as they arrive, into $SC_TMP/NAME.out as
# "EPOCH<TAB>TEXT" (trailing CR removed). Sets SC_CLIENT_PID[NAME].
sc_client_start() {
	local name=$1 fifo fd
	shift
	fifo=$SC_TMP/$name.in
	mkfifo "$fifo" || return 1
	exec {fd}<>"$fifo"	# read-write: never blocks, keeps a writer
	SC_CLIENT_FD[$name]=$fd
	SC_FDS+=("$fd")
	: >"$SC_TMP/$name.out"
	"${SC_EXEC[@]}" "$@" <"$fifo" 3>&- {fd}>&- \
		> >(sc_stamp >"$SC_TMP/$name.out") 2>&1 &
	SC_CLIENT_PID[$name]=$!
	SC_PIDS+=("$!")
}

# sc_stamp: copy stdin to stdout, each line prefixed by the epoch time at
# which it was read and a TAB, a trailing CR removed.
sc_stamp() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s\t%s\n' "$EPOCHREALTIME" "${line%$'\r'}"
	done
}

# sc_client_send NAME LINE: type LINE (and a newline) on the client's stdin;
# remembered, stamped, in $SC_TMP/NAME.typed for the report.
sc_client_send() {
	printf '%s\t%s\n' "$EPOCHREALTIME" "$2" >>"$SC_TMP/$1.typed"
	printf '%s\n' "$2" >&"${SC_CLIENT_FD[$1]}"
}

# sc_client_json NAME: the client as JSON: name, pid, its stamped output
# lines [{"t": epoch, "text": "..."}] and what was typed on its stdin
# ("typed", same shape).
sc_client_json() {
	local typed=$SC_TMP/$1.typed
	[ -e "$typed" ] || : >"$typed"
	jq -Rn --arg name "$1" --argjson pid "${SC_CLIENT_PID[$1]:-null}" \
		--rawfile typed "$typed" '
		def stamped: capture("^(?<t>[0-9.]+)\t(?<text>.*)$") | {t: (.t | tonumber), text};
		{name: $name, pid: $pid,
		 lines: [inputs | stamped],
		 typed: [$typed | split("\n")[] | select(length > 0) | stamped]}' <"$SC_TMP/$1.out"
}

# sc_snapshot [PORT]: print the kernel's TCP sockets (those with local or
# remote port PORT, default SC_PORT) as tcpobserve --snapshot JSON. If
# --snapshot is not available, the same JSON is built from `ss` (fallback,
# marked "source":"ss").
sc_snapshot() {
	local port=${1:-$SC_PORT} out
	if out=$(sc_run "$SC_BIN/tcpobserve" --snapshot --port "$port" 2>/dev/null) &&
		jq -e '.kind == "snapshot"' <<<"$out" >/dev/null 2>&1; then
		printf '%s\n' "$out"
		return 0
	fi
	sc_run ss -tanpeoH "( sport = :$port or dport = :$port )" 2>/dev/null |
		sc_ss_json
}

# sc_ss_json: `ss -tanpeoH` lines on stdin -> snapshot JSON on stdout (the
# fallback of sc_snapshot, in tcpobserve's snapshot schema).
sc_ss_json() {
	jq -Rn --argjson now "$EPOCHREALTIME" '
	def st: {"ESTAB":"ESTABLISHED","SYN-SENT":"SYN_SENT","SYN-RECV":"SYN_RCVD",
		"FIN-WAIT-1":"FIN_WAIT_1","FIN-WAIT-2":"FIN_WAIT_2","TIME-WAIT":"TIME_WAIT",
		"CLOSE-WAIT":"CLOSE_WAIT","LAST-ACK":"LAST_ACK","LISTEN":"LISTEN",
		"CLOSING":"CLOSING","UNCONN":"CLOSED"}[.] // .;
	def ep: capture("^\\[?(?<a>.*?)\\]?:(?<p>[0-9*]+)$")
		| {addr: (.a | sub("%.*$"; "") | if . == "*" then "0.0.0.0" else . end),
		   port: (if .p == "*" then 0 else (.p | tonumber) end)};
	def secs: [scan("([0-9.]+)(min|sec|ms)") | (.[0] | tonumber) *
		({"min": 60, "sec": 1, "ms": 0.001}[.[1]])] | add // 0;
	{tool: "tcpobserve", kind: "snapshot", schema: 1, source: "ss", time: $now,
	 sockets: [inputs | select(length > 0) | . as $l | [splits(" +")] as $f
		| {family: (if ($f[3] | startswith("[")) then "inet6" else "inet" end),
		   state: ($f[0] | st), local: ($f[3] | ep), remote: ($f[4] | ep),
		   recv_q: ($f[1] | tonumber), send_q: ($f[2] | tonumber),
		   timer: (($l | capture("timer:\\((?<k>[a-z]+),(?<left>[^,]+),(?<r>[0-9]+)\\)")
			| {kind: .k, left: (.left | secs), retrans: (.r | tonumber)}) // null),
		   inode: (($l | capture("ino:(?<i>[0-9]+)") | .i | tonumber) // 0),
		   uid: (($l | capture("uid:(?<u>[0-9]+)") | .u | tonumber) // 0),
		   procs: [$l | scan("\\(\"([^\"]+)\",pid=([0-9]+)")
			| {pid: (.[1] | tonumber), comm: .[0]}] | unique}]}'
}

# sc_wait_snapshot JQ_CONDITION TIMEOUT [PORT]: take snapshots every SC_POLL
# seconds (default 0.1) until JQ_CONDITION (a jq boolean over one snapshot)
# holds; print that snapshot and leave it in SC_SNAP. On timeout the last one
# is printed and kept, and it returns 1. With SC_WITH_TREE=1 the server's
# process tree is taken just before each snapshot, is $tree in the condition
# and is left in SC_TREE (so a moment's tree and sockets agree even on a
# loaded machine). Polling the kernel instead of sleeping keeps scenarios
# right under load. Call it directly (not in $(...)) so that Ctrl-C is
# handled at once.
sc_wait_snapshot() {
	local cond=$1 deadline
	deadline=$(sc_deadline "$2")
	while :; do
		SC_TREE=null
		[ "${SC_WITH_TREE:-0}" = 1 ] && SC_TREE=$(sc_ptree "$SC_SERVER_PID")
		SC_SNAP=$(sc_snapshot "${3:-$SC_PORT}")
		if [ -n "$SC_SNAP" ] &&
			jq -e --argjson tree "$SC_TREE" "$cond" <<<"$SC_SNAP" >/dev/null 2>&1; then
			printf '%s\n' "$SC_SNAP"
			return 0
		fi
		if sc_past "$deadline"; then
			printf '%s\n' "$SC_SNAP"
			return 1
		fi
		sleep "${SC_POLL:-0.1}"
	done
}

# SC_STABLE: a jq condition over a snapshot: no socket is half-way through a
# handshake or a close (only LISTEN, ESTABLISHED, TIME_WAIT).
SC_STABLE='([.sockets[].state] - ["LISTEN", "ESTABLISHED", "TIME_WAIT"] | length == 0)'

# sc_settled SINCE [DELAY]: a jq condition over a snapshot: taken at least
# DELAY (default 0.3) s after the epoch time SINCE, and SC_STABLE. Used to
# take "after the close" snapshots that are not blurred by the close itself.
sc_settled() {
	printf '(.time >= %s + %s) and %s' "$1" "${2:-0.3}" "$SC_STABLE"
}

# sc_moment ID LABEL SNAPSHOT [TREE]: record one moment of the lab — the
# snapshot JSON, its time and the server's process tree (TREE, an sc_ptree
# taken earlier, or one taken now) — as one line of $SC_TMP/moments.json
# ({id, label, time, snapshot, process_tree}).
sc_moment() {
	local tree=${4:-$(sc_ptree "$SC_SERVER_PID")}
	jq -c --arg id "$1" --arg lbl "$2" --argjson tree "$tree" \
		'{id: $id, "label": $lbl, time: .time, snapshot: ., process_tree: $tree}' \
		<<<"$3" >>"$SC_TMP/moments.json"
}

# sc_wait_children N TIMEOUT [PID]: wait until PID (default the server) has
# exactly N descendant processes; 1 on timeout.
sc_wait_children() {
	local n=$1 deadline root=${3:-$SC_SERVER_PID}
	deadline=$(sc_deadline "$2")
	until [ "$(sc_ptree "$root" | jq '.processes | length - 1')" -eq "$n" ]; do
		sc_past "$deadline" && return 1
		sleep 0.1
	done
}

# sc_server_json [LOGFILE]: the server as JSON on stdout: {pid, stdout,
# stderr, log} (lines; log = LOGFILE's lines, or stderr's without one).
sc_server_json() {
	local log=${1:-$SC_TMP/server.err}
	jq -n --argjson pid "$SC_SERVER_PID" \
		--rawfile out "$SC_TMP/server.out" --rawfile err "$SC_TMP/server.err" \
		--rawfile log "$log" '
		def lines: split("\n") | map(select(length > 0));
		{pid: $pid, stdout: ($out | lines), stderr: ($err | lines), log: ($log | lines)}'
}

# sc_ptree PID: the process tree under PID as JSON: {"root": PID, "text":
# what `pstree -p PID` shows, "processes": [{pid, ppid, stat, comm, args}]}
# with PID first and its descendants after, in pid order. Descendants are
# found through /proc/PID/task/*/children and read with `ps -p`, not by
# listing all of /proc (a listing was seen to miss live processes on a
# machine busy forking); `text` is our own drawing when pstree missed any.
sc_ptree() {
	local root=$1 all=() todo=("$1") next pid kid text
	while [ "${#todo[@]}" -gt 0 ]; do
		next=()
		for pid in "${todo[@]}"; do
			[ -d "/proc/$pid" ] || continue
			all+=("$pid")
			for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do next+=("$kid"); done
		done
		todo=("${next[@]}")
	done
	text=$(pstree -p "$root" 2>/dev/null)
	for pid in "${all[@]}"; do
		[[ $text == *"($pid)"* ]] || { text=; break; }
	done
	{ [ "${#all[@]}" -gt 0 ] && ps -o pid=,ppid=,stat=,comm=,args= -p "$(IFS=,; echo "${all[*]}")" 2>/dev/null; } |
	jq -Rn --argjson root "$root" --arg text "$text" '
		[inputs | capture("^ *(?<pid>[0-9]+) +(?<ppid>[0-9]+) +(?<stat>[^ ]+) +(?<comm>[^ ]+) +(?<args>.*)$")
			| .pid |= tonumber | .ppid |= tonumber]
		| sort_by(if .pid == $root then -1 else .pid end) as $ps
		| def draw($p; $d): ($ps[] | select(.pid == $p)
				| ([range(0; $d)] | map("  ") | add // "") + (if $d > 0 then "`-" else "" end)
				  + "\(.comm)(\(.pid))"),
			($ps[] | select(.ppid == $p and .pid != $root) | draw(.pid; $d + 1));
		{root: $root,
		 text: (if $text != "" then $text else [draw($root; 0)] | join("\n") end),
		 processes: $ps}'
}

# sc_kill PID...: SIGTERM, then SIGKILL after 2 s, for each PID still alive.
sc_kill() {
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "$@"; do
		sc_wait_exit "$pid" 2 || kill -KILL "$pid" 2>/dev/null
	done
}

# sc_write_report PARAMS REPORT PCAP: joins the parameters (JSON) with what
# the run collected in $SC_TMP (observer.json, clients.json, moments.json,
# server.json) through report.jq into REPORT, drops PCAP when nothing was
# captured, and prints the account unless NO_RENDER=1.
sc_write_report() {
	local params=$1 report=$2 pcap=$3
	jq -n --argjson params "$params" --slurpfile obs "$SC_TMP/observer.json" \
		--slurpfile clients "$SC_TMP/clients.json" --slurpfile moments "$SC_TMP/moments.json" \
		--slurpfile srv "$SC_TMP/server.json" \
		-f "$SC_TOP/scenarios/report.jq" >"$report.tmp" && mv "$report.tmp" "$report" ||
		sc_die "could not write $report"
	[ "$SC_CAPTURE" = 1 ] || rm -f "$pcap"
	sc_say "wrote $report$([ "$SC_CAPTURE" = 1 ] && echo " and $pcap")"
	[ "${NO_RENDER:-0}" = 1 ] || bash "$SC_TOP/scenarios/render.sh" "$report"
}

# sc_cleanup: end everything the scenario started (observer by SIGINT so its
# files are complete, the rest by SIGTERM/SIGKILL, everything left in the
# namespace), close the fifos, delete the namespace and the temp dir. Runs
# from the EXIT trap; safe to call twice.
sc_cleanup() {
	local fd pids
	trap - EXIT INT TERM HUP
	[ -n "$SC_OBS_PID" ] && sc_observe_stop
	for fd in "${SC_FDS[@]}"; do exec {fd}>&- 2>/dev/null; done
	SC_FDS=()
	[ "${#SC_PIDS[@]}" -gt 0 ] && sc_kill "${SC_PIDS[@]}"
	SC_PIDS=()
	if [ -n "$SC_NS" ]; then
		pids=$(ip netns pids "$SC_NS" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && sc_kill $pids
		ip netns del "$SC_NS" 2>/dev/null
		SC_NS=
	fi
	[ -n "${SC_WATCHDOG:-}" ] && kill "$SC_WATCHDOG" 2>/dev/null
	wait 2>/dev/null
	[ -n "${SC_TMP:-}" ] && [ "${SC_KEEP_TMP:-0}" != 1 ] && rm -rf "$SC_TMP"
	return 0
}
