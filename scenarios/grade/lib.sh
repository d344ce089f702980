# shellcheck shell=bash
# lib.sh — the grader's machinery, sourced by scenarios/grade.sh and
# scenarios/grade/checks.sh: the sandbox a student's program runs in
# (sandbox.sh: a uid of its own, bubblewrap, cgroups, resource limits, a
# private network namespace; build.sh: the build), its tools (probe, sandbox: small C
# programs built by the Makefile), and the evidence helpers (connections as
# the wire or our clients saw them, process trees, results); the verdicts
# themselves are in checks.jq.
# It builds on scenarios/lib.sh (sc_deadline, sc_past, sc_wait_line,
# sc_snapshot, sc_ptree, sc_observe_start/stop).
#
# Globals (exported by grade.sh for checks.sh):
#   GR_TOP GR_OUT      repo top; this student's output dir
#   GR_ROOT            1 when a network namespace of our own is in use
#   GR_UID GR_GID      the submission's own uid (61000+, sandbox.sh)
#   GR_CGROUPS         cgroup dirs (v1: pids cpu freezer memory; or one v2 dir)
#   GR_NS              network namespace name (when GR_ROOT=1)
#   GR_WORK            grader-owned work dir (holds bin/ copies)
#   GR_PROBE GR_SANDBOX  the tools
#   GR_HOLD_MAX        the longest hold the server contract allows (s)
#   GR_LIMITS          sandbox -l limits string
#   GR_RUN_DIR         the folder of the server's executable (its own folder)
#   GR_SEND            what our clients send once connected (lines)
#   GR_EXPECT_CLOSE    who must close first: server, client or either

GR_TOP=${GR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=../lib.sh
. "$GR_TOP/scenarios/lib.sh"
SC_QUIET=${SC_QUIET:-1}
GR_HOLD_MAX=${GR_HOLD_MAX:-${HOLD_MAX:-30}}
GR_LIMITS=${GR_LIMITS:-nproc=512,cpu=20,nofile=256,as=1024,fsize=16}

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
	local sends=() line
	while IFS= read -r line; do
		[ -n "$line" ] && sends+=(-s "$line")
	done <<<"${GR_SEND:-}"
	"$GR_PROBE" connect "${sends[@]}" "$@" <"$D/$name.in" >"$D/$name.log" 2>&1 3>&- &
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

# gr_jq [OPTIONS] PROGRAM [FILE...]: jq with the grader's functions
# (checks.jq) included in PROGRAM.
gr_jq() {
	local opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--arg|--argjson) opts+=("$1" "$2" "$3"); shift 3 ;;
		-*) opts+=("$1"); shift ;;
		*) break ;;
		esac
	done
	jq -L "$GR_TOP/scenarios/grade" "${opts[@]}" "include \"checks\"; $1" "${@:2}"
}

# gr_probe_conns NAME...: the connections our probes saw, normalised:
# [{cport, data, text, sfin, cfin, rst}] (epoch times or null; sfin = the
# server's FIN arrived, cfin = we closed or shut down; data after our own
# FIN is ignored).
gr_probe_conns() {
	local n
	for n in "$@"; do
		[ -e "$D/$n.log" ] && awk -v n="$n" '{ print n, $0 }' "$D/$n.log"
	done | gr_jq -Rn probe_conns
}

# gr_conns PROBE...: the connections, from the capture when there is one
# (the wire's times), else from the probes; probe text merged in.
gr_conns() {
	local probe wire
	probe=$(gr_probe_conns "$@")
	if [ "$SC_CAPTURE" = 1 ] && [ -s "$D/capture.json" ] &&
		wire=$(gr_jq wire_conns "$D/capture.json" 2>/dev/null) && [ "$(jq length <<<"$wire")" -gt 0 ]; then
		gr_jq --argjson w "$wire" 'merge_conns($w)' <<<"$probe"
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

# gr_result passed|failed|not_graded TEXT: write this check's result
# ($D/result.json). not_graded: max 0, the reason in TEXT ("could not
# observe", "the server died earlier"), counted apart in the summary.
gr_result() {
	local files max=${GR_MAX:-10}
	[ "$1" = not_graded ] && max=0
	files=$(cd "$D" && find . -maxdepth 1 -type f ! -name result.json ! -name '*.in' \
		-printf '%P\n' | sort | jq -Rn '[inputs]')
	jq -n --argjson n "$GR_CHECK" --arg name "$GR_NAME" --arg st "$1" \
		--arg out "$2" --argjson max "$max" --argjson files "$files" \
		--arg dir "${D##*/}" '
		{number: $n, name: $name, max_score: $max,
		 score: (if $st == "passed" then $max else 0 end),
		 status: $st, output: $out, evidence_dir: $dir, evidence: $files}' \
		>"$D/result.json"
}

# gr_verdict JSON: write a verdict object {status, output} (checks.jq).
gr_verdict() {
	local st out
	st=$(jq -r '.status // "failed"' <<<"$1" 2>/dev/null)
	out=$(jq -r '.output // "no verdict could be computed"' <<<"$1" 2>/dev/null)
	gr_result "${st:-failed}" "${out:-no verdict could be computed}"
}

# gr_rel EPOCH BASE: seconds as +S.SSS relative to BASE (3 decimals).
gr_rel() {
	awk -v t="$1" -v b="$2" 'BEGIN { printf "+%.3f s", t - b }'
}
