#!/usr/bin/env bash
# grade-all.sh — grade a whole class: one folder per student in SUBMISSIONS.
#
#   bash scenarios/grade-all.sh [--out DIR] [-j JOBS] [--hold-max S]
#        [--require-client] SUBMISSIONS
#
# Each folder is copied to a private work dir and built there, as the
# unprivileged grading user when root (a Makefile is untrusted code too):
#   - with a Makefile: `make`; it must produce ./server (and may produce
#     ./client: then rubric 10 is graded);
#   - without: `cc -o server server.c` (and `cc -o client client.c` if there
#     is a client.c), or `cc -o server *.c` when there is no server.c.
# A failed build is a zero with the compiler's message as evidence. Then
# scenarios/grade.sh grades it (JOBS students at once, each in its own
# namespace and cgroups). Writes DIR/STUDENT/results.json for every student
# and the class summary DIR/summary.csv and DIR/summary.json.
set -u
GR_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$GR_TOP/scenarios/grade/lib.sh"

usage() {
	echo "usage: grade-all.sh [--out DIR] [-j JOBS] [--hold-max SECONDS] [--require-client] SUBMISSIONS"
}
out= jobs=${GRADE_JOBS:-2} hold= require=
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=${2:-}; shift 2 ;;
	-j) jobs=${2:-}; shift 2 ;;
	--hold-max) hold=${2:-}; shift 2 ;;
	--require-client) require=--require-client; shift ;;
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
gr_caps

# build STUDENT SRC WORK LOG: copy and build a submission in the sandbox
# (scenarios/grade/build.sh), in cgroups of its own; sets GR_BUILT.
build() {
	local rc GR_CGROUPS= GR_OUT
	GR_OUT=$(dirname "$4")
	[ "$GR_HAVE_CGROUPS" = 1 ] && gr_cgroups "tcplab-build-$$-$BASHPID-$RANDOM"
	gr_build "$2" "$3" "$4"
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
		[range(1; 11) | {number: tostring, name: "\(.). (not run: the build failed)",
			score: 0, max_score: (if . == 10 and ($client | not) then 0 else 10 end),
			status: "failed", output: "not run: the submission did not build"}] as $t
		| {score: 0,
		   output: "the submission did not build:\n\($msg)",
		   tests: ([{number: "0", name: "0. build", score: 0, max_score: 0,
		             status: "failed", output: $msg}] + $t),
		   extra_data: {student: $name, build: "failed", max_score: ([$t[].max_score] | add)}}' >"$2/results.json"
	printf 'tcplab grade: %s   0 (build failed)\n%s\n' "$1" "$msg" >"$2/summary.txt"
}

# one STUDENT: build and grade one submission; one line on stdout at the end.
one() {
	local student=$1 src=$subs/$1 dir=$OUT/$1 work client= has_client=false
	mkdir -p "$dir"
	rm -f "$dir/results.json"
	work=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-build-$student.XXXXXX") || return 1
	chmod 755 "$work"
	GR_UID= GR_UID_OWNED=0
	gr_user || { echo "$student: no free uid" >&2; return 1; }
	export GR_UID GR_GID
	{ [ -n "$require" ] || ls "$src" | grep -qx 'client\.c'; } && has_client=true
	if ! build "$student" "$src" "$work" "$dir/build.log"; then
		zero "$student" "$dir" "$dir/build.log" "$work" "$has_client"
	else
		[ -n "$GR_BUILT_CLIENT" ] && client="$GR_BUILT_CLIENT {host} {port}"
		timeout -k 10 600 bash "$GR_TOP/scenarios/grade.sh" --name "$student" --out "$dir" \
			${hold:+--hold-max "$hold"} ${client:+--client "$client"} $require \
			--server "$GR_BUILT {port}" </dev/null >"$dir/grade.log" 2>&1 3>&-
		[ -s "$dir/results.json" ] || {
			echo "the harness could not grade $student (see grade.log)" >"$dir/build.log"
			zero "$student" "$dir" "$dir/grade.log" "$work" "$has_client"
		}
	fi
	GR_CGROUPS= gr_sb_kill
	gr_user_release
	gr_build_clean "$work"
	jq -r --arg s "$student" '"\($s): \(.score)/\(.extra_data.max_score)  failed: \([.tests[] | select(.status == "failed" and .max_score > 0) | .number] | map(tostring) | join(",") | if . == "" then "none" else . end)"' "$dir/results.json"
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
			.[$t.number] = (if $t.max_score == 0 then null else $t.score end)))}' \
		"$OUT/$s/results.json"
done | jq -s '{students: ., count: length,
	mean: (if length > 0 then ([.[].score] | add / length * 10 | round / 10) else null end)}' \
	>"$OUT/summary.json"
jq -r '"student,score,max_score,build," + ([range(1; 11) | "check\(.)"] | join(",")),
	(.students[] | [.student, .score, .max_score, .build,
		(.checks as $c | range(1; 11) | $c[tostring] // "")] | map(tostring) | join(","))' \
	"$OUT/summary.json" >"$OUT/summary.csv"
echo
column -s, -t <"$OUT/summary.csv"
echo "class summary: $OUT/summary.csv, $OUT/summary.json"
exit 0
