#!/usr/bin/env bash
# grade.sh — grade one student's server (and client) as a black box, from
# real connections, captures and kernel snapshots (issue 5).
#
#   bash scenarios/grade.sh [--out DIR] [--client 'CMD {host} {port}']
#        [--require-client] [--name NAME] [--hold-max SECONDS] [--only N,N...]
#        [--send LINE]... [--expect-close server|client|either] --server 'CMD {port}'
#
# Writes DIR/results.json (Gradescope's autograder format), one folder of
# evidence per check, report.html (the page of it, when bin/tcppage is
# built), and prints a readable summary. Exit 0 whatever the
# score; non-zero only when the harness itself could not run.
# As root the student's programs run as the unprivileged user
# tcplab-student, in cgroups (process count, CPU quota, freezer to kill
# everything), with resource limits, in a network namespace of their own.
set -u
GR_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$GR_TOP/scenarios/grade/lib.sh"

usage() {
	cat <<'EOF'
usage: grade.sh [--out DIR] [--client 'CMD {host} {port}'] [--require-client]
                [--name NAME] [--hold-max SECONDS] [--only N,N...] [--send LINE]...
                [--expect-close server|client|either] --server 'CMD {port}'
  --server   the student's server; {port} is replaced by the port to use
  --client   the student's client (rubric 10); {host} and {port} filled in
  --require-client  no --client is 0/10 on rubric 10 (default: not graded, max 0)
  --out      output folder (default report/grade-NAME)
  --name     the student's name in the results (default: the server's folder)
  --hold-max longest hold the lab's server may use before closing
             (default: $HOLD_MAX or 30; the hold itself is measured)
  --send     a line our clients send once connected (repeatable; a
             client-first protocol: command or echo server)
  --expect-close  who must close first: server (the lab's daytime, default),
             client (an echo or command server) or either
  --only     run only these checks (e.g. 1,2,5)
EOF
}

GR_SERVER= GR_CLIENT= GR_REQUIRE_CLIENT=0 out= name= only=1,2,3,4,5,6,7,8,9,10,11,12
GR_SEND= GR_EXPECT_CLOSE=server
while [ $# -gt 0 ]; do
	case $1 in
	--server) GR_SERVER=${2:-}; shift 2 ;;
	--client) GR_CLIENT=${2:-}; shift 2 ;;
	--require-client) GR_REQUIRE_CLIENT=1; shift ;;
	--out) out=${2:-}; shift 2 ;;
	--name) name=${2:-}; shift 2 ;;
	--hold-max) GR_HOLD_MAX=${2:-}; shift 2 ;;
	--only) only=${2:-}; shift 2 ;;
	--send) GR_SEND+="${2:-}"$'\n'; shift 2 ;;
	--expect-close) GR_EXPECT_CLOSE=${2:-}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "${GR_SERVER// }" ] || { usage >&2; exit 2; }
[[ $GR_HOLD_MAX =~ ^[1-9][0-9]*$ ]] ||
	{ echo "grade.sh: --hold-max: not a whole number of seconds: $GR_HOLD_MAX" >&2; exit 2; }
[[ $GR_EXPECT_CLOSE =~ ^(server|client|either)$ ]] ||
	{ echo "grade.sh: --expect-close: server, client or either, not: $GR_EXPECT_CLOSE" >&2; exit 2; }
[[ $GR_SEND != *[[:cntrl:]]*[[:cntrl:]]* ]] || [ "$(tr -d '\n' <<<"$GR_SEND" | tr -d '[:print:]')" = "" ] ||
	{ echo "grade.sh: --send: control characters in a line" >&2; exit 2; }
[ -n "$name" ] || { read -r first _ <<<"$GR_SERVER"; name=$(basename "$(dirname "$(realpath -m "$first")")"); }
GR_OUT=$(realpath -m "${out:-$GR_TOP/report/grade-$name}")
mkdir -p "$GR_OUT" || exit 1
rm -rf "$GR_OUT"/[0-9][0-9]-* "$GR_OUT/results.json" "$GR_OUT/.started" "$GR_OUT"/.hold \
	"$GR_OUT"/.latency "$GR_OUT"/.portmode

die() { echo "grade.sh: $*" >&2; exit 1; }

GR_NS= GR_WORK= GR_CGROUPS= GR_RUNNING=
cleanup() {
	local d
	# once: a second TERM (grade-all's and timeout's) must not cut it short
	trap - EXIT
	trap '' INT TERM
	# a check still running (Ctrl-C): its timeout forwards our TERM to the
	# check's whole process group, then everything of the student is killed
	[ -n "$GR_RUNNING" ] && kill -TERM "$GR_RUNNING" 2>/dev/null && wait "$GR_RUNNING" 2>/dev/null
	gr_sb_kill || echo "grade.sh: some student processes survived SIGKILL" >&2
	[ -n "$GR_NS" ] && ip netns del "$GR_NS" 2>/dev/null
	gr_cgroups_remove
	gr_user_release
	[ -n "$GR_WORK" ] && [ "${GR_KEEP_WORK:-0}" != 1 ] && rm -rf "$GR_WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gr_tools || die "bin/probe and bin/sandbox are missing: run make first"
tag=tcplab-grade-$$-$RANDOM
GR_WORK=$(mktemp -d "${TMPDIR:-/tmp}/$tag.XXXXXX") || die "mktemp failed"
chmod 755 "$GR_WORK"
NSENTER=() GR_ROOT=0
gr_caps
gr_user || die "no free uid for the student from $GR_UID_BASE (see $GR_UID_DIR)"
[ "$GR_HAVE_CGROUPS" = 1 ] && gr_cgroups "$tag"
if [ "$GR_HAVE_NETNS" = 1 ]; then
	GR_ROOT=1
	GR_NS=$tag
	ip netns add "$GR_NS" && ip -n "$GR_NS" link set lo up ||
		die "cannot create the network namespace $GR_NS"
	NSENTER=(nsenter "--net=/run/netns/$GR_NS")
	GR_PORTBASE=40000
else
	# a free run of 40 ports on the host's loopback (12 checks, and a
	# fresh port for each retry)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		GR_PORTBASE=$((20000 + RANDOM % 30000))
		[ -z "$(ss -Htan "( sport >= :$((GR_PORTBASE + 1)) and sport <= :$((GR_PORTBASE + 40)) )")" ] && break
	done
fi
sandbox=$(gr_sb_describe)

# if this script is SIGKILLed, a watchdog in its own session cleans up
if [ "$GR_HAVE_USERS" = 1 ] || [ -n "$GR_CGROUPS$GR_NS" ]; then
	GR_CGROUPS=$GR_CGROUPS GR_NS=$GR_NS GR_WORK=$GR_WORK GR_OUT=$GR_OUT GR_UID=$GR_UID \
		GR_GID=$GR_GID GR_UID_OWNED=${GR_UID_OWNED:-0} setsid bash "$GR_TOP/scenarios/grade/watchdog.sh" $$ </dev/null >/dev/null 2>&1 3>&- &
fi

# the student's executables must be reachable by the sandbox user: if not,
# copy them into the work dir and point the command there.
reachable() {
	local first
	read -r first _ <<<"$1"
	first=$(realpath -m "$first")
	[ -f "$first" ] || { echo "$1"; return; }
	if [ "$GR_HAVE_USERS" = 1 ] && ! setpriv --reuid="$GR_UID" --regid="$GR_GID" --clear-groups test -x "$first" 2>/dev/null; then
		mkdir -p "$GR_WORK/bin"
		cp "$first" "$GR_WORK/bin/" && chmod 755 "$GR_WORK/bin/${first##*/}"
		first=$GR_WORK/bin/${first##*/}
	fi
	read -r _ rest <<<"$1"
	echo "$first${rest:+ $rest}"
}
GR_SERVER=$(reachable "$GR_SERVER")
[ -n "$GR_CLIENT" ] && GR_CLIENT=$(reachable "$GR_CLIENT")
[[ $GR_SERVER == *'{port}'* ]] || echo "grade.sh: warning: the server command has no {port}" >&2
# the server's own folder: where a submission expects to run (data files
# relative to it); for the sandbox's gr_start
read -r first _ <<<"$GR_SERVER"
GR_RUN_DIR=$(dirname "$(realpath -m "$first")")

export GR_TOP GR_OUT GR_ROOT GR_UID GR_GID GR_CGROUPS GR_NS GR_WORK GR_PROBE GR_SANDBOX GR_HOLD_MAX \
	GR_LIMITS GR_PORTBASE GR_SERVER GR_CLIENT GR_REQUIRE_CLIENT GR_SEND GR_EXPECT_CLOSE GR_RUN_DIR \
	TCPLAB_BIN

# limit N: the wall time of check N (s), sized from the hold and latency
# check 2 measured (HW, DW as in checks.sh): the check's own waits and two
# tries, with room to spare. Only a harness that hangs meets it.
limit() {
	local base=(0 20 30 30 30 40 30 30 40 30 40 40 40) mult=(0 0 0 3 2 3 4 2 3 4 0 8 4) h l hw dw
	h=$(cat "$GR_OUT/.hold" 2>/dev/null) l=$(cat "$GR_OUT/.latency" 2>/dev/null)
	hw=$(awk -v h="$h" -v m="$GR_HOLD_MAX" 'BEGIN { w = h !~ /^[0-9.]+$/ ? 5 : int(h * 1.5 + 3); print (w > m ? m : w) }')
	dw=$(awk -v l="$l" 'BEGIN { w = int(5 + 4 * (l + 0)); print (w > 30 ? 30 : w) }')
	[ "$1" -eq 2 ] && { echo $((base[2] + GR_HOLD_MAX + dw)); return; }
	echo $(( (base[$1] + mult[$1] * hw + 2 * dw) * 2 ))
}

# run_check N: one check in checks.sh, in the background so that a signal
# to us (Ctrl-C) is handled at once (cleanup stops it).
run_check() {
	local n=$1 rc d lim
	lim=$(limit "$n")
	[ -t 2 ] && printf '\r[grade %s] check %s...' "$(printf %s "$name" | gr_escape)" "$n" >&2
	timeout -k 5 "$lim" "${NSENTER[@]}" bash "$GR_TOP/scenarios/grade/checks.sh" "$n" \
		</dev/null >>"$GR_OUT/harness.log" 2>&1 3>&- &
	GR_RUNNING=$!
	wait "$GR_RUNNING"
	rc=$?
	GR_RUNNING=
	gr_sb_kill || echo "check $n: student processes survived" >>"$GR_OUT/harness.log"
	d=$(ls -d "$GR_OUT"/"$(printf %02d "$n")"-* 2>/dev/null | grep -v missed | head -1)
	if [ -z "$d" ] || [ ! -s "$d/result.json" ]; then
		d=${d:-$GR_OUT/$(printf %02d "$n")-check}
		mkdir -p "$d"
		# out of time: the student's server may be why (a hang) — a failure;
		# the harness itself failing is never the student's: not graded
		jq -n --argjson n "$n" --argjson rc "$rc" --arg lim "$lim" '
			if $rc == 124 or $rc == 137 then
				{max_score: 10, status: "failed", output: "the check ran out of its \($lim) s"}
			else
				{max_score: 0, status: "not_graded",
				 output: "not graded: the check could not finish (harness status \($rc), see harness.log)"}
			end
			| {number: $n, name: "(check did not finish)", score: 0, evidence_dir: "", evidence: []} + .' \
			>"$d/result.json"
	fi
}

start=$EPOCHREALTIME
IFS=, read -ra checks <<<"$only"
for n in "${checks[@]}"; do
	[[ $n =~ ^([1-9]|1[0-2])$ ]] || die "--only: no check $n"
done
# 1 (where it listens) and 2 (the hold) first: the others use what they found
for n in 1 2 "${checks[@]}"; do
	[[ ,$only, == *,$n,* ]] || continue
	[ -e "$GR_OUT/$(printf %02d "$n")-ran" ] && continue
	: >"$GR_OUT/$(printf %02d "$n")-ran"
	run_check "$n"
done
rm -f "$GR_OUT"/[0-9][0-9]-ran
[ -t 2 ] && printf '\r\033[K' >&2

# results.json: Gradescope's format (its autograder specification: top-level
# score, execution_time, output, output_format, visibility, tests[]; each
# test name, number, score, max_score, status, output), tests in rubric
# order. A check that was not graded keeps max_score 0 and has no status
# (Gradescope then shows it neither passed nor failed); the number is not
# repeated in the name; the evidence is in the output, the folder name
# (the instructor's) in extra_data.
results=()
for d in "$GR_OUT"/[0-9][0-9]-*/; do
	case $d in *missed-try*) ;; *) [ -s "$d/result.json" ] && results+=("$d/result.json") ;; esac
done
jq -s --arg name "$name" --arg server "$GR_SERVER" --arg client "$GR_CLIENT" \
	--arg sandbox "$sandbox" --arg ns "$GR_NS" --arg cgroups "$GR_CGROUPS" \
	--arg hold "$(cat "$GR_OUT/.hold" 2>/dev/null)" --argjson hmax "$GR_HOLD_MAX" \
	--argjson secs "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" '
	sort_by(.number) as $t
	| ([$t[] | select(.status == "not_graded")] | length) as $ng
	| {score: ([$t[].score] | add), execution_time: $secs,
	   output: ("tcplab grading of \($name): \([$t[].score] | add)/\([$t[].max_score] | add)"
	            + (if $ng > 0 then " (\($ng) check(s) not graded)" else "" end)),
	   output_format: "text", visibility: "visible",
	   tests: [$t[] | {number: (.number | tostring), name, score, max_score,
	                  output, output_format: "text", visibility: "visible",
	                  extra_data: {evidence_dir, evidence, graded: (.status != "not_graded")}}
	                + (if .status == "not_graded" then {} else {status} end)],
	   extra_data: {student: $name, max_score: ([$t[].max_score] | add), not_graded: $ng,
	                hold: (if ($hold | test("^[0-9.]+$")) then ($hold | tonumber) else null end),
	                hold_max: $hmax, server: $server, client: $client, sandbox: $sandbox,
	                netns: $ns, cgroups: ($cgroups | split(" ") | map(select(. != "")))}}' \
	"${results[@]}" >"$GR_OUT/results.json" || die "cannot write $GR_OUT/results.json"

# the readable summary (what the student printed is quoted with control
# characters made visible)
{
	jq -r '"tcplab grade: \(.extra_data.student)   \(.score)/\(.extra_data.max_score)"
			+ (if .extra_data.not_graded > 0 then "   (\(.extra_data.not_graded) not graded)" else "" end),
		"server: \(.extra_data.server)\(if .extra_data.client != "" then "   client: " + .extra_data.client else "" end)",
		"sandbox: \(.extra_data.sandbox)", "",
		(.tests[] | (if .extra_data.graded | not then " --  " elif .status == "passed" then "PASS " else "FAIL " end)
			+ "\(.score)/\(.max_score)  \(.number). \(.name)",
			"      \(.output)", "      evidence: \(.extra_data.evidence_dir)/"),
		"", "results: \(env.GR_OUT)/results.json"' "$GR_OUT/results.json"
} | gr_escape | tee "$GR_OUT/summary.txt" | fold -s -w "${COLUMNS:-100}"
# the student's page: every check with its score, words and evidence links
if [ -x "$GR_TOP/bin/tcppage" ]; then
	"$GR_TOP/bin/tcppage" -o "$GR_OUT/report.html" "$GR_OUT/results.json" &&
		echo "page: $GR_OUT/report.html" ||
		echo "grade.sh: could not write $GR_OUT/report.html" >&2
fi
exit 0
