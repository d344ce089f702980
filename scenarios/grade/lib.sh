# shellcheck shell=bash
# lib.sh — the grader's machinery, sourced by scenarios/grade.sh and
# scenarios/grade/checks.sh: the sandbox a student's program runs in (an
# unprivileged user, cgroups for process count / CPU / killing, resource
# limits, a private network namespace), its tools (probe, sandbox: small C
# programs built on first use), and the evidence helpers (connections as the
# wire or our clients saw them, process trees, results).
# It builds on scenarios/lib.sh (sc_deadline, sc_past, sc_wait_line,
# sc_snapshot, sc_ptree, sc_observe_start/stop).
#
# Globals (exported by grade.sh for checks.sh):
#   GR_TOP GR_OUT      repo top; this student's output dir
#   GR_ROOT            1 when sandboxed as root (user, cgroups, netns)
#   GR_UID GR_GID      the unprivileged user students run as (root mode)
#   GR_CGROUPS         cgroup dirs (pids cpu freezer) students are put in
#   GR_NS              network namespace name (root mode)
#   GR_WORK            the student's working dir (owned by GR_UID)
#   GR_PROBE GR_SANDBOX  the tools
#   GR_HOLD_MAX        the longest hold the server contract allows (s)
#   GR_LIMITS          sandbox -l limits string

GR_TOP=${GR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=../lib.sh
. "$GR_TOP/scenarios/lib.sh"
SC_QUIET=${SC_QUIET:-1}
GR_USER=${GR_USER:-tcplab-student}
GR_HOLD_MAX=${GR_HOLD_MAX:-5}
GR_LIMITS=${GR_LIMITS:-nproc=512,cpu=20,nofile=256,as=1024,fsize=16}
GR_PIDS_MAX=${GR_PIDS_MAX:-64}
GR_CPU_QUOTA=${GR_CPU_QUOTA:-25000}	# µs per 100 ms: a quarter of a core

# gr_tools: the grader's C helpers, built by the Makefile from src/grade/
# into bin/; set GR_PROBE and GR_SANDBOX (fails when `make` was not run).
gr_tools() {
	GR_PROBE=$GR_TOP/bin/probe GR_SANDBOX=$GR_TOP/bin/sandbox
	[ -x "$GR_PROBE" ] && [ -x "$GR_SANDBOX" ]
}

# shellcheck source=sandbox.sh
. "$GR_TOP/scenarios/grade/sandbox.sh"

# gr_argv TEMPLATE PORT: split a command template into words, filling in
# {port} and {host}; the result is in the array GR_ARGV, its first word made
# absolute.
gr_argv() {
	local w
	read -ra GR_ARGV <<<"$1"
	for w in "${!GR_ARGV[@]}"; do
		GR_ARGV[w]=${GR_ARGV[w]//\{port\}/$2}
		GR_ARGV[w]=${GR_ARGV[w]//\{host\}/127.0.0.1}
	done
}

# gr_status NAME: how the program ended ("exited 1", "killed by signal 13
# (Broken pipe)"), or "running".
gr_status() {
	if [ -s "$D/$1.status" ]; then head -1 "$D/$1.status"; else echo running; fi
}

# gr_listening PORT: true if a socket listens on PORT (in our namespace).
gr_listening() {
	[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# gr_wait_listen NAME PORT TIMEOUT: wait until PORT is listened on; fail
# at the timeout or as soon as the program NAME has ended.
gr_wait_listen() {
	local deadline
	deadline=$(sc_deadline "$3")
	until gr_listening "$2"; do
		[ -s "$D/$1.status" ] && return 1
		sc_past "$deadline" && return 1
		sleep 0.03
	done
}

# gr_probe NAME ARGS...: start our client tool (probe connect ARGS) in the
# background with a fifo on its stdin for commands; events to $D/NAME.log.
gr_probe() {
	local name=$1 fd
	shift
	rm -f "$D/$name.in"
	mkfifo "$D/$name.in"
	exec {fd}<>"$D/$name.in"
	GR_PFD[$name]=$fd
	"$GR_PROBE" connect "$@" <"$D/$name.in" >"$D/$name.log" 2>&1 3>&- &
	GR_PPID[$name]=$!
	GR_HELPERS+=("$!")
}

# gr_tell NAME CMD: send a command (close, shut) to the probe NAME.
gr_tell() {
	printf '%s\n' "$2" >&"${GR_PFD[$1]}" 2>/dev/null
}

# gr_count NAME EVENT: how many EVENT lines the probe NAME has printed.
gr_count() {
	awk -v e="$2" '$3 == e { n++ } END { print n + 0 }' "$D/$1.log" 2>/dev/null
}

# gr_wait_count NAME EVENT N TIMEOUT: wait until the probe has printed N
# EVENT lines (or has exited); 1 on timeout or exit short of N.
gr_wait_count() {
	local deadline
	deadline=$(sc_deadline "$4")
	while [ "$(gr_count "$1" "$2")" -lt "$3" ]; do
		# gone? then what it printed before it went is all there will be
		kill -0 "${GR_PPID[$1]}" 2>/dev/null ||
			{ [ "$(gr_count "$1" "$2")" -ge "$3" ]; return; }
		sc_past "$deadline" && return 1
		sleep 0.05
	done
}

# gr_probe_end NAME: close its remaining connections and wait for it.
gr_probe_end() {
	gr_tell "$1" close
	sc_wait_exit "${GR_PPID[$1]}" 3 || kill "${GR_PPID[$1]}" 2>/dev/null
	wait "${GR_PPID[$1]}" 2>/dev/null
}

# gr_probe_conns NAME...: the connections our probes saw, normalised:
# [{cport, data, text, sfin, cfin, rst}] (epoch times or null; sfin = the
# server's FIN arrived, cfin = we closed or shut down).
gr_probe_conns() {
	local n
	for n in "$@"; do
		[ -e "$D/$n.log" ] && awk -v n="$n" '{ print n, $0 }' "$D/$n.log"
	done | jq -Rn '
		[inputs | capture("^(?<p>[^ ]+) (?<t>[0-9.]+) (?<i>[0-9]+) (?<ev>[a-z]+) ?(?<rest>.*)$")]
		| group_by(.p + "/" + .i)
		| map(. as $e | {
			probe: $e[0].p, index: ($e[0].i | tonumber),
			cport: ([$e[] | select(.ev == "connected") | .rest | ltrimstr("lport=") | tonumber][0]),
			data: ([$e[] | select(.ev == "data") | .t | tonumber][0]),
			text: ([$e[] | select(.ev == "data") | .rest | sub("^[0-9]+ "; "")][0]),
			sfin: ([$e[] | select(.ev == "eof") | .t | tonumber][0]),
			cfin: ([$e[] | select(.ev == "shut" or (.ev == "closed" and .rest != "error")) | .t | tonumber][0]),
			rst: ([$e[] | select(.ev == "rst" or .ev == "reset")] | length > 0)})'
}

# gr_wire_conns REPORT: the same from a tcpobserve report (packet times).
gr_wire_conns() {
	jq '.t0 as $t0 | [.connections | sort_by(.id)[] | . as $c
		| def first(f): ([.packets[]? | select(f) | .t + $t0][0]);
		{cport: .client.port, sport: .server.port,
		 data: first(.from == "server" and .len > 0),
		 sfin: first(.from == "server" and (.flags | test("F"))),
		 cfin: first(.from == "client" and (.flags | test("F"))),
		 rst: .rst, active_closer, time_wait_side}]' "$1" 2>/dev/null
}

# gr_conns PROBE...: the connections, from the capture when there is one
# (the wire's times), else from the probes; probe text merged in.
gr_conns() {
	local probe wire
	probe=$(gr_probe_conns "$@")
	if [ "$SC_CAPTURE" = 1 ] && [ -s "$D/capture.json" ] &&
		wire=$(gr_wire_conns "$D/capture.json") && [ "$(jq length <<<"$wire")" -gt 0 ]; then
		jq -n --argjson w "$wire" --argjson p "$probe" '
			[$p[] | . as $c | ($w | map(select(.cport == $c.cport))[0]) as $x
			 | if $x then $c + $x + {source: "wire"} else $c + {source: "probe"} end]'
	else
		jq '[.[] | . + {source: "probe"}]' <<<"$probe"
	fi
}

# gr_observe PORT: start the live capture for this check (when possible).
gr_observe() {
	sc_observe_start "$D/capture.pcap" "$D/capture.json" tcp port "$1"
}

# gr_zombies PID: the zombie children of PID, one a line.
gr_zombies() {
	ps -e -o pid=,ppid=,stat= | awk -v p="$1" '$2 == p && $3 ~ /^Z/ { print $1 }'
}

# gr_snap FILE PORT: a kernel snapshot of PORT's sockets into $D/FILE.
gr_snap() {
	sc_snapshot "$2" >"$D/$1" 2>/dev/null
}

# gr_result passed|failed TEXT: write this check's result ($D/result.json).
gr_result() {
	local files
	files=$(cd "$D" && find . -maxdepth 1 -type f ! -name result.json ! -name '*.in' \
		-printf '%P\n' | sort | jq -Rn '[inputs]')
	jq -n --argjson n "$GR_CHECK" --arg name "$GR_NAME" --arg st "$1" \
		--arg out "$2" --argjson max "${GR_MAX:-10}" --argjson files "$files" \
		--arg dir "${D##*/}" '
		{number: $n, name: $name, max_score: $max,
		 score: (if $st == "passed" then $max else 0 end),
		 status: $st, output: $out, evidence_dir: $dir, evidence: $files}' \
		>"$D/result.json"
}

# gr_rel EPOCH BASE: seconds as +S.SSS relative to BASE (3 decimals).
gr_rel() {
	awk -v t="$1" -v b="$2" 'BEGIN { printf "+%.3f s", t - b }'
}
