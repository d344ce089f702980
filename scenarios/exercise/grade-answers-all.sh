#!/usr/bin/env bash
# grade-answers-all.sh --keys KEYS [--out DIR] ANSWERS
# Grades a class's answers (`make grade-answers-all KEYS=exercises/
# ANSWERS=submissions/`). KEYS holds one folder per student with its
# key.json (exercises/keys/ID/key.json; KEYS=exercises/ works too).
# ANSWERS holds each student's answers as ID/answers.txt or ID.txt; a
# student with a key but no answers scores 0 (every question "not
# answered"); answers without a key are listed and skipped.
# Writes DIR/ID/results.json (default DIR: report/answers-all) and the class
# summary DIR/summary.csv (student,score,max_score,answered,Q1..Qn) and
# DIR/summary.json.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
usage() { echo "usage: grade-answers-all.sh --keys KEYS [--out DIR] ANSWERS"; }
keys= out=
while [ $# -gt 0 ]; do
	case $1 in
	--keys) keys=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] && [ -n "$1" ] && [ -n "$keys" ] || { usage >&2; exit 2; }
answers=$1
[ -d "$keys" ] || { echo "grade-answers-all.sh: $keys: not a folder" >&2; exit 2; }
[ -d "$answers" ] || { echo "grade-answers-all.sh: $answers: not a folder" >&2; exit 2; }
[ -d "$keys/keys" ] && keys=$keys/keys
out=$(realpath -m "${out:-$top/report/answers-all}")
mkdir -p "$out" || exit 1

n=0
declare -A has_key=()
for k in "$keys"/*/key.json; do
	[ -f "$k" ] || continue
	id=$(basename "$(dirname "$k")")
	has_key[$id]=1
	a=$answers/$id/answers.txt
	[ -f "$a" ] || a=$answers/$id.txt
	if bash "$here/grade-answers.sh" --key "$k" --answers "$a" --out "$out/$id" --quiet --missing-ok \
		2>"$out/$id.err"; then
		rm -f "$out/$id.err"
		jq -r '(.extra_data.messages | length) as $m
			| "\(.extra_data.student): \(.score)/\(.extra_data.max_score)"
			+ (if .extra_data.answered == 0 then " (nothing answered)" else "" end)
			+ (if $m > 0 then " (\($m) line\(if $m > 1 then "s" else "" end) to check)" else "" end)' "$out/$id/results.json"
	else
		echo "$id: not graded: $(head -n 1 "$out/$id.err")"
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "grade-answers-all.sh: $keys: no ID/key.json" >&2; exit 2; }
for a in "$answers"/*; do
	id=$(basename "${a%.txt}")
	[ -n "${has_key[$id]:-}" ] || echo "$id: answers but no key: skipped" >&2
done

# the class summary; every student's questions are Q1..Qn of their own key
shopt -s nullglob
res=("$out"/*/results.json)
jq -s '{students: [.[] | {student: .extra_data.student, score, max_score: .extra_data.max_score,
		answered: .extra_data.answered, questions: (.tests | map({key: "Q\(.number)", value: .score}) | from_entries)}]
		| sort_by(.student),
	count: length, mean: (if length > 0 then (map(.score / .extra_data.max_score * 100) | add / length * 10 | round / 10) else null end)}' \
	"${res[@]}" >"$out/summary.json"
jq -r '([.students[].questions | keys[]] | unique | sort_by(ltrimstr("Q") | tonumber)) as $qs
	| (["student", "score", "max_score", "answered"] + $qs | @csv),
	  (.students[] | . as $s | [.student, .score, .max_score, .answered] + [$qs[] | $s.questions[.]] | @csv)' \
	"$out/summary.json" >"$out/summary.csv"
echo "wrote $out/summary.csv ($(jq .count "$out/summary.json") students, mean $(jq .mean "$out/summary.json") %)"
