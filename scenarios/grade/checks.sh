#!/usr/bin/env bash
# checks.sh N — one rubric check against a student's server (and client),
# run by scenarios/grade.sh inside the student's network namespace, under a
# wall-time limit. Every check starts its own fresh server on a port of its
# own, so checks never see each other's children, zombies or TIME_WAITs;
# grade.sh kills everything the student started after each check.
# It writes $GR_OUT/NN-slug/result.json (score, pass/fail/not graded, the
# evidence in words) next to the evidence itself: server output, our
# clients' event logs, the capture and its tcpobserve report, kernel
# snapshots, process trees. The checks are in checks_serve.sh (what the
# clients see), checks_procs.sh (the processes) and checks_robust.sh
# (restart, resets, the client); the verdicts' logic in checks.jq. The
# rubric and its reasons: docs/instructors.md.
#
# Windows are sized from what check 2 measured ($GR_OUT/.hold: the time
# from the server's data to its FIN; .latency: from connecting to the
# data), never fixed: a loaded machine makes the grader wait longer, not
# the student lose points. A look that still came too late (status 3) runs
# again on a fresh port; a second miss is "not graded", max 0.
set -u
GR_TOP=${GR_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$GR_TOP/scenarios/grade/lib.sh"

GR_CHECK=$1
declare -A GR_PFD=() GR_PPID=()
GR_HELPERS=()
NAMES=("" "starts and listens on the given port"
	"serves one client: data, then the expected close"
	"serves two clients concurrently"
	"one child process per client"
	"reaps its children: no zombies"
	"the parent closes its copy of the connected socket"
	"the children close the listening socket"
	"restarts at once while TIME_WAIT remains (SO_REUSEADDR)"
	"keeps serving after clients that reset"
	"the client closes actively and ends in TIME_WAIT"
	"serves client after client over time"
	"each child exits after its client")
SLUGS=("" listen one-client concurrent children reaping parent-closes
	child-closes-listen restart reset client-close over-time child-exits)
GR_NAME=${NAMES[GR_CHECK]}
D=$GR_OUT/$(printf %02d "$GR_CHECK")-${SLUGS[GR_CHECK]}
SC_TMP=$D SC_NAME=grade
GR_EXPECT_CLOSE=${GR_EXPECT_CLOSE:-server}
mkdir -p "$D"
cd "$D" || exit 1

# What check 2 measured (hold H, latency L) and the waits sized from them:
# HW the wait for a server's FIN, DW the wait for a server's first data.
H=$(cat "$GR_OUT/.hold" 2>/dev/null) L=$(cat "$GR_OUT/.latency" 2>/dev/null)
[[ $H =~ ^[0-9.]+$ ]] || H=
[[ $L =~ ^[0-9.]+$ ]] || L=0
HW=$(awk -v h="$H" -v m="$GR_HOLD_MAX" 'BEGIN { w = h == "" ? 5 : int(h * 1.5 + 2.999);
	if (w > m) w = m; if (w < 2) w = 2; print w }')
DW=$(awk -v l="$L" 'BEGIN { w = int(5 + 4 * l); print (w > 30 ? 30 : w) }')
export HW DW

# cleanup: stop what this check started and has not reaped yet (jobs -p:
# a pid already waited for may belong to someone else by now).
cleanup() {
	sc_observe_stop
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -f "$D"/*.in	# our command fifos: not evidence
}
trap cleanup EXIT

# lport PORT: the port the student's server really listens on when given
# PORT: the same, byte-swapped (no htons()) or its fixed port (check 1
# found out which and wrote $GR_OUT/.portmode).
lport() {
	local mode
	mode=$(cat "$GR_OUT/.portmode" 2>/dev/null)
	case $mode in
	swap) echo $(( (($1 & 255) << 8) | ($1 >> 8) )) ;;
	fixed\ *) echo "${mode#fixed }" ;;
	*) echo "$1" ;;
	esac
}

# stderr_tail NAME: the last lines of the program's stderr, on one line,
# control characters made visible.
stderr_tail() {
	tail -n 3 "$D/$1.err" 2>/dev/null | cut -c 1-200 | LC_ALL=C sed 's/[[:cntrl:]]/?/g' | paste -sd '|' | sed 's/|/ | /g'
}

# died [NAME]: " — the server had died: exited 1; its stderr ends: ..."
# when the program has ended, else nothing.
died() {
	local name=${1:-server} st
	[ -s "$D/$name.status" ] || return 0
	st=$(gr_status "$name")
	printf ' — the server had died (%s)' "$st"
	[ -s "$D/$name.err" ] && printf '; its stderr ends: %s' "$(stderr_tail "$name")"
	case $st in
	*"signal 13"*)
		printf ': SIGPIPE from writing to a reset connection kills the process that writes: %s' \
			'ignore SIGPIPE or serve in a child'
		return 0 ;;
	esac
	case $(cat "$D/$name.err" 2>/dev/null) in
	*"Interrupted system call"*)
		printf ': SIGCHLD interrupted accept(): install the handler with SA_RESTART or retry accept() on EINTR' ;;
	*"Bad file descriptor"*)
		printf ': it closed a descriptor it still uses (close(connfd) in the parent, not close(listenfd))' ;;
	esac
}

# server_signal SIG: send SIG to the student's server while it lives (once
# it has ended, its pid may be someone else's).
server_signal() {
	[ -n "${GR_PID:-}" ] && [ ! -s "$D/server.status" ] && kill "-$1" "$GR_PID" 2>/dev/null
	return 0
}

# fail TEXT / pass TEXT / ungraded TEXT: this check's verdict. A failure
# also says when the server had died, with its status and last words.
fail() { gr_result failed "$1$(died)"; }
pass() { gr_result passed "$1"; }
ungraded() { gr_result not_graded "not graded: $1"; }

# start_server [NAME]: start the student's server on P and wait until it
# listens on LP; on failure, fail the check with what the server said.
start_server() {
	local name=${1:-server}
	if ! gr_start "$name" "$GR_SERVER" "$P" || ! gr_wait_listen "$name" "$LP" 5; then
		gr_result failed "the server did not listen on port $LP within 5 s ($(gr_status "$name"))$(
			[ -s "$D/$name.err" ] && printf ': %s' "$(stderr_tail "$name")") — see check 1"
		exit 0
	fi
}

# probe NAME N [ARGS...]: N clients of ours at once to the server.
probe() {
	local name=$1 n=$2
	shift 2
	gr_probe "$name" -n "$n" -t 120 "$@" 127.0.0.1 "$LP"
}

# wait_data N: wait for the first data on our probe "clients" (DW s), then
# for N in all until a fraction of the hold after that first data: a fork
# server has served them all by then, and the look that follows still falls
# inside the hold. Then wait (within the same window) until the LISTEN
# socket's Recv-Q is empty: every connection accepted.
wait_data() {
	local first end left q
	gr_wait_count clients data 1 "$DW" || return 1
	first=$(awk '$3 == "data" { print $1; exit }' "$D/clients.log")
	end=$(awk -v a="$first" -v h="${H:-0}" 'BEGIN { w = 0.6 * h; printf "%.3f", a + (w < 0.8 ? 0.8 : w) }')
	left=$(awk -v e="$end" -v n="$EPOCHREALTIME" 'BEGIN { x = e - n; printf "%.2f", x < 0 ? 0 : x }')
	gr_wait_count clients data "$1" "$left"
	while q=$(ss -Htln "sport = :$LP" 2>/dev/null | awk '{ print $2; exit }') && [ "${q:-0}" -gt 0 ]; do
		awk -v e="$end" -v n="$EPOCHREALTIME" 'BEGIN { exit !(n < e) }' || break
		sleep 0.02
	done
}

# look SNAPSHOT PTREE: freeze the student's processes (one consistent
# moment however loaded the machine is) and take the process tree and the
# kernel snapshot. Thaw with gr_thaw.
look() {
	gr_freeze
	GR_LOOK=$EPOCHREALTIME
	sc_ptree "$GR_PID" >"$2"
	gr_snap "$1" "$LP"
}

# missed_window SNAPSHOT: a look proves something only while every client
# is still being served: no server-side socket closing yet (the frozen
# snapshot; without a freezer, our clients' end-of-file times). Otherwise
# (a loaded machine) return 1 on the first attempt: the check runs again
# on a fresh port; on the second, "not graded: could not observe (load)".
missed_window() {
	local closing ours
	# a server that ended by itself (not because children exited while we
	# were late: a SIGCHLD interrupting accept) is no late look
	[ -s "$D/server.status" ] && ! grep -q 'Interrupted system call' "$D/server.err" 2>/dev/null &&
		return 0
	if declare -F gr_freezer >/dev/null && gr_freezer >/dev/null; then
		# our clients' connections only (a fixed-port server's port also
		# has the TIME_WAITs of earlier checks)
		ours=$(awk '$3 == "connected" { sub("lport=", "", $4); print $4 }' "$D/clients.log" | jq -s -c .)
		closing=$(jq -r --argjson p "$LP" --argjson ours "${ours:-[]}" '[.sockets[]
			| select(.local.port == $p and (.remote.port as $r | $ours | index($r)) and
				(.state | IN("FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSING", "LAST_ACK")))]
			| length' "$D/$1")
	else
		closing=$(awk -v t="$GR_LOOK" '$3 == "eof" && $1 < t' "$D/clients.log" | wc -l)
	fi
	[ "${closing:-0}" -eq 0 ] && return 0
	gr_thaw
	[ "$GR_ATTEMPT" -eq 1 ] && return 1
	ungraded "could not observe (load): twice, on fresh ports, the server had begun closing connections \
before the processes could be inspected (hold $(printf %.3f "${H:-0}") s)"
	exit 0
}

# server_gone: true (after writing "not graded") when the server had died
# before the look at its processes: nothing of its children to judge.
server_gone() {
	[ -s "$D/server.status" ] || return 1
	gr_thaw
	server_signal CONT
	[ -n "${GR_PPID[clients]:-}" ] && gr_probe_end clients
	ungraded "nothing to look at$(died)"
	return 0
}

# none_served: true (after writing the verdict) when no client got any data:
# then there is nothing to judge about children.
none_served() {
	[ "$(gr_count clients data)" -gt 0 ] && return 1
	gr_thaw
	server_signal CONT
	gr_probe_end clients
	if [ -s "$D/server.status" ]; then
		ungraded "the server served no client: nothing to judge$(died)"
	else
		fail "the server served no client within $DW s: nothing to judge"
	fi
	return 0
}

# no_hold: true (after writing "not graded") when check 2 measured a hold
# too short to see several clients served at once.
no_hold() {
	[ -n "$H" ] && awk -v h="$H" 'BEGIN { exit !(h < 0.3) }' || return 1
	ungraded "the server holds no connection (it closed $H s after its data): $1 cannot be seen"
	return 0
}

# children_alive PIDS...: those of PIDS still alive (not zombies).
children_alive() {
	local p
	for p in "$@"; do
		case $(ps -o stat= -p "$p" 2>/dev/null) in ''|Z*) ;; *) printf '%s ' "$p" ;; esac
	done
}

# wait_children_gone SECONDS PIDS...: wait until none of PIDS is alive.
wait_children_gone() {
	local deadline
	deadline=$(sc_deadline "$1")
	shift
	while [ -n "$(children_alive "$@")" ] && ! sc_past "$deadline"; do sleep 0.05; done
}

. "$GR_TOP/scenarios/grade/checks_serve.sh"
. "$GR_TOP/scenarios/grade/checks_procs.sh"
. "$GR_TOP/scenarios/grade/checks_robust.sh"

# Run the check; a check whose observation window was missed (status 3)
# runs once more, from scratch and on a fresh port (a server without
# SO_REUSEADDR must not meet its own TIME_WAIT), after everything of the
# first try is gone.
for GR_ATTEMPT in 1 2; do
	P=$((GR_PORTBASE + GR_CHECK + 20 * (GR_ATTEMPT - 1)))
	LP=$(lport "$P")
	"check_$GR_CHECK"
	[ $? -eq 3 ] || break
	cleanup
	GR_HELPERS=()
	gr_sb_kill
	mv "$D" "$D.missed-try1" && mkdir -p "$D" && cd "$D" || exit 1
done
