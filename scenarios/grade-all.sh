#!/usr/bin/env bash
# grade-all.sh — grade a whole class: one folder per student in SUBMISSIONS.
#
#   bash scenarios/grade-all.sh [--out DIR] [-j JOBS] [--hold-max S]
#        [--require-client] [--server-args 'TEMPLATE'] [--send LINE]...
#        [--expect-close server|client|either] SUBMISSIONS
#
# Each folder is copied to a private work dir and built there in the
# sandbox (gr_build: a Makefile -> `make`, then the executable it built:
# server, servidor or the one new executable; no Makefile -> every .c of
# the folder compiled together), as the submission's own uid when root (a
# Makefile is untrusted code too).
# A failed build is a zero with the compiler's message as evidence. Then
# scenarios/grade.sh grades it (JOBS students at once, each in its own
# namespace and cgroups), with the server's arguments from the folder's
# tcplab.args (one line, e.g. `{port} 10`), else --server-args, else
# `{port}`. Writes DIR/STUDENT/results.json for every student and the
# class summary DIR/summary.csv and DIR/summary.json.
# Ctrl-C (SIGINT) or SIGTERM stops every grading it started, removes its
# build folders, and exits 130 / 143.
set -u
GR_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$GR_TOP/scenarios/grade/lib.sh"

usage() {
	echo "usage: grade-all.sh [--out DIR] [-j JOBS] [--hold-max SECONDS] [--require-client]"
	echo "                    [--server-args 'TEMPLATE'] [--send LINE]... [--expect-close WHO] SUBMISSIONS"
	echo "  -j  students graded at once (default: the number of CPUs, \$GRADE_JOBS)"
}
out= jobs=${GRADE_JOBS:-$(nproc 2>/dev/null || echo 2)} hold=${HOLD_MAX:-} require= args='{port}' pass=()
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=${2:-}; shift 2 ;;
	-j) jobs=${2:-}; shift 2 ;;
	--hold-max) hold=${2:-}; shift 2 ;;
	--require-client) require=--require-client; shift ;;
	--server-args) args=${2:-}; shift 2 ;;
	--send|--expect-close) pass+=("$1" "${2:-}"); shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] && [ -n "$1" ] || { usage >&2; exit 2; }
subs=$1
[ -d "$subs" ] || { echo "grade-all.sh: $subs: not a folder" >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "grade-all.sh: -j: not a number: $jobs" >&2; exit 2; }
OUT=$(realpath -m "${out:-$GR_TOP/report/grade-all}")
mkdir -p "$OUT" || exit 1
gr_tools || { echo "grade-all.sh: bin/probe and bin/sandbox are missing: run make first" >&2; exit 1; }
[ -z "$hold" ] || [[ $hold =~ ^[1-9][0-9]*$ ]] ||
	{ echo "grade-all.sh: --hold-max: not a whole number: $hold" >&2; exit 2; }
[[ $args == *'{port}'* ]] || { echo "grade-all.sh: --server-args: no {port} in: $args" >&2; exit 2; }
BUILDS=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-build-$$.XXXXXX") || exit 1
chmod 755 "$BUILDS"
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'clean_builds' EXIT
gr_caps

# tree PID...: PID and every live descendant of it, as PID:STARTTIME (a
# pid that ends is not signalled again once it may be someone else's).
tree() {
	local row f
	sc_proc_rows "$@"
	for row in "${SC_PROC_ROWS[@]}"; do
		IFS=$'\t' read -r -a f <<<"$row"
		echo "${f[0]}:${f[3]}"
	done
}

# alive PID:STARTTIME...: those still running (the same process, not a
# zombie: our own dead children stay zombies until we reap them).
alive() {
	local p st
	for p in "$@"; do
		st=$(cut -d ' ' -f 3,22 "/proc/${p%:*}/stat" 2>/dev/null) || continue
		[ "${st#* }" = "${p#*:}" ] && [ "${st%% *}" != Z ] && echo "$p"
	done
}

# stop: Ctrl-C or SIGTERM: stop every grading and build we started (each
# grade.sh cleans up its student on TERM: namespace, cgroups, work dir),
# wait for them (30 s at most, then SIGKILL: its watchdog cleans up then),
# remove the build folders.
stop() {
	local procs left p deadline
	trap '' INT TERM
	# not the watchdogs: they clean up after a grade.sh that had to be
	# killed, and end by themselves once it is gone
	procs=$(for p in $(tree $(jobs -p)); do
		grep -qa 'grade/watchdog\.sh' "/proc/${p%:*}/cmdline" 2>/dev/null || echo "$p"
	done)
	echo "grade-all.sh: stopping ($(jobs -rp | wc -l) grading(s) running)" >&2
	for p in $procs; do kill -TERM "${p%:*}" 2>/dev/null; done
	deadline=$((SECONDS + 30))
	while left=$(alive $procs) && [ -n "$left" ] && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.1
	done
	[ -n "$left" ] &&
		echo "grade-all.sh: still running after 30 s, killed: $(sed 's/:[0-9]*//g' <<<"$left" | paste -sd ' ')" >&2
	for p in $left; do kill -KILL "${p%:*}" 2>/dev/null; done
	wait 2>/dev/null
	clean_builds
	exit "$1"
}

# clean_builds: remove every build folder (tmpfs mounts of the sandbox) and
# their parent.
clean_builds() {
	local w
	for w in "$BUILDS"/*/; do
		[ -d "$w" ] && gr_build_clean "${w%/}"
	done
	rm -rf "$BUILDS"
}

# build SRC WORK LOG: copy and build a submission in the sandbox
# (scenarios/grade/build.sh: a Makefile -> make and the executable it built,
# else every .c together), in cgroups of its own; sets GR_BUILT and
# GR_BUILT_CLIENT.
build() {
	local rc GR_CGROUPS= GR_OUT
	GR_OUT=$(dirname "$3")
	[ "$GR_HAVE_CGROUPS" = 1 ] && gr_cgroups "tcplab-build-$$-$BASHPID-$RANDOM"
	gr_build "$1" "$2" "$3"
	rc=$?
	gr_cgroups_remove
	return $rc
}

# zero STUDENT DIR LOG HASCLIENT: results.json for a submission that did not
# build: every check 0, the compiler's message as evidence.
zero() {
	local msg
	msg=$(tail -c 2000 "$3")
	jq -n --arg name "$1" --arg msg "$msg" --argjson client "$5" '
		[range(1; 13) | {number: tostring, name: "not run: the build failed",
			score: 0, max_score: (if . == 10 and ($client | not) then 0 else 10 end),
			status: "failed", output: "not run: the submission did not build",
			extra_data: {graded: true}}] as $t
		| {score: 0,
		   output: "the submission did not build:\n\($msg)", output_format: "text",
		   tests: ([{number: "0", name: "build", score: 0, max_score: 0,
		             status: "failed", output: $msg, extra_data: {graded: true}}] + $t),
		   extra_data: {student: $name, build: "failed", max_score: ([$t[].max_score] | add)}}' >"$2/results.json"
	printf 'tcplab grade: %s   0 (build failed)\n%s\n' "$1" "$msg" >"$2/summary.txt"
}

# submission_args FILE: a submission's own command line and protocol
# (tcplab.args): line 1 the server's arguments (`{port} 10`), then lines
# `send: LINE` and `expect-close: WHO`. Sets sargs and extra (the caller's
# locals); grade.sh validates them.
submission_args() {
	local line
	sargs=$(head -n 1 "$1" | tr -d '\r')
	while IFS= read -r line; do
		case $line in
		"send: "*) extra+=(--send "${line#send: }") ;;
		"expect-close: "*) extra+=(--expect-close "${line#expect-close: }") ;;
		esac
	done < <(tail -n +2 "$1" | tr -d '\r')
}

# one STUDENT: build and grade one submission; one line on stdout at the end.
one() {
	local student=$1 src=$subs/$1 dir=$OUT/$1 work client= has_client=false exe sargs=$args extra=()
	mkdir -p "$dir"
	rm -f "$dir/results.json"
	work=$(mktemp -d "$BUILDS/$student.XXXXXX") || return 1
	chmod 755 "$work"
	GR_UID= GR_UID_OWNED=0
	gr_user || { echo "$student: no free uid" >&2; return 1; }
	export GR_UID GR_GID
	{ [ -n "$require" ] || ls "$src" | grep -qx 'client\.c'; } && has_client=true
	if ! build "$src" "$work" "$dir/build.log"; then
		zero "$student" "$dir" "$dir/build.log" "$work" "$has_client"
	else
		exe=$GR_BUILT
		[ -n "$GR_BUILT_CLIENT" ] && client="$GR_BUILT_CLIENT {host} {port}"
		[ -s "$src/tcplab.args" ] && submission_args "$src/tcplab.args"
		timeout -k 10 900 bash "$GR_TOP/scenarios/grade.sh" --name "$student" --out "$dir" \
			${hold:+--hold-max "$hold"} ${client:+--client "$client"} $require "${pass[@]}" "${extra[@]}" \
			--server "$exe $sargs" </dev/null >"$dir/grade.log" 2>&1 3>&-
		[ -s "$dir/results.json" ] || {
			echo "the harness could not grade $student (see grade.log)" >"$dir/build.log"
			zero "$student" "$dir" "$dir/grade.log" "$work" "$has_client"
		}
	fi
	GR_CGROUPS= gr_sb_kill
	gr_user_release
	gr_build_clean "$work"
	jq -r --arg s "$student" '"\($s): \(.score)/\(.extra_data.max_score)  failed: "
		+ ([.tests[] | select(.status == "failed" and .max_score > 0) | .number | tostring] | join(",")
		   | if . == "" then "none" else . end)' "$dir/results.json"
}

students=()
for d in "$subs"/*/; do
	[ -d "$d" ] && students+=("$(basename "$d")")
done
[ ${#students[@]} -gt 0 ] || { echo "grade-all.sh: no student folders in $subs" >&2; exit 2; }
echo "grading ${#students[@]} submissions from $subs, $jobs at a time -> $OUT"
for s in "${students[@]}"; do
	one "$s" &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait

# the class summary
for s in "${students[@]}"; do
	jq -c --arg s "$s" '{student: $s, score, max_score: .extra_data.max_score,
		build: (.extra_data.build // "ok"),
		checks: (reduce (.tests[] | select(.number != "0")) as $t ({};
			.[$t.number] = (if $t.max_score == 0 then null else $t.score end))),
		not_graded: ([.tests[] | select(.number != "0" and .extra_data.graded == false)] | length)}' \
		"$OUT/$s/results.json"
done | jq -s '{students: ., count: length,
	mean: (if length > 0 then ([.[].score] | add / length * 10 | round / 10) else null end),
	not_graded: ([.[].not_graded] | add)}' \
	>"$OUT/summary.json"
jq -r '"student,score,max_score,build,not_graded," + ([range(1; 13) | "check\(.)"] | join(",")),
	(.students[] | [.student, .score, .max_score, .build, .not_graded,
		(.checks as $c | range(1; 13) | $c[tostring] // "")] | map(tostring) | join(","))' \
	"$OUT/summary.json" >"$OUT/summary.csv"
echo
column -s, -t <"$OUT/summary.csv"
echo "class summary: $OUT/summary.csv, $OUT/summary.json"
exit 0
