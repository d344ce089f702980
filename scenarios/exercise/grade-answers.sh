#!/usr/bin/env bash
# grade-answers.sh --key KEY.json --answers ANSWERS.txt [--out DIR] [--quiet]
# Grades one student's answers.txt against their key (grade.jq) and writes
# DIR/results.json in Gradescope's format (as `make grade` does; default
# DIR: report/answers-STUDENT). Prints one line per question and the score.
# With --missing-ok an absent ANSWERS file is graded as empty (no answer to
# any question) instead of being an error: grade-answers-all uses it.
# Exit status: 0 when graded (whatever the score), 1 on a bad key or
# unreadable answers, 2 on bad usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
usage() { echo "usage: grade-answers.sh --key KEY.json --answers ANSWERS.txt [--out DIR] [--quiet] [--missing-ok]"; }
key= answers= out= quiet=0 missing_ok=0
while [ $# -gt 0 ]; do
	case $1 in
	--key) key=${2:-}; shift 2 ;;
	--answers) answers=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--missing-ok) missing_ok=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$key" ] && [ -n "$answers" ] || { usage >&2; exit 2; }
[ -f "$key" ] || { echo "grade-answers.sh: $key: no such key" >&2; exit 1; }
jq -e '(.student | type) == "string" and (.questions | type) == "array"
	and all(.questions[]; (.id | type) == "string" and (.answer | type) == "string" and (.compare.type | type) == "string")' \
	"$key" >/dev/null 2>&1 ||
	{ echo "grade-answers.sh: $key: not an exercise key (scenarios/exercise/key.sh writes them)" >&2; exit 1; }
student=$(jq -r .student "$key")
empty=
if [ ! -e "$answers" ] && [ "$missing_ok" = 1 ]; then
	empty=$(mktemp) || exit 1
	trap 'rm -f "$empty"' EXIT
	echo "# no answers.txt was handed in" >"$empty"
	answers_file=$empty
else
	[ -f "$answers" ] && [ -r "$answers" ] || { echo "grade-answers.sh: $answers: no such file" >&2; exit 1; }
	# a hostile or mistaken upload (a capture, an image) is not read whole
	[ "$(stat -c %s "$answers")" -le 65536 ] ||
		{ echo "grade-answers.sh: $answers: larger than 64 KiB: not an answers.txt" >&2; exit 1; }
	answers_file=$answers
fi
out=${out:-$top/report/answers-$student}
mkdir -p "$out" || exit 1
start=$EPOCHREALTIME
results=$(jq -n --slurpfile key "$key" --rawfile answers "$answers_file" --arg name "${answers##*/}" \
	--argjson elapsed 0 -f "$here/grade.jq") ||
	{ echo "grade-answers.sh: could not grade $answers" >&2; exit 1; }
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
jq --argjson e "$elapsed" '.execution_time = $e' <<<"$results" >"$out/results.json.tmp" &&
	mv "$out/results.json.tmp" "$out/results.json" || exit 1
[ "$quiet" = 1 ] || jq -r '
	(.tests[] | "  \(.name): \(.score)/\(.max_score)  \(.output | split("\n") | map(select(startswith("Verdict: ")))[0] | ltrimstr("Verdict: "))"),
	(.output | split("\n")[1:][] | "  ! \(.)"),
	"\(.extra_data.student): \(.score)/\(.extra_data.max_score)"' "$out/results.json"
[ "$quiet" = 1 ] || echo "wrote $out/results.json"
