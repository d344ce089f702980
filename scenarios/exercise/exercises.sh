#!/usr/bin/env bash
# exercises.sh [--seed SEED] [--out DIR] [-j JOBS] [--force] ROSTER
# A class's exercises (`make exercises STUDENTS=roster.txt`): ROSTER has
# one student id a line (blank lines and # comments skipped); each gets
# DIR/ID (default exercises/ID: hand this folder out) and DIR/keys/ID (the
# instructor's key), JOBS runs at once (default 2; each in a network
# namespace of its own). Prints one line per student and a last line
# "N exercises written, M failed"; exit 1 when any failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
usage() { echo "usage: exercises.sh [--seed SEED] [--out DIR] [-j JOBS] [--force] ROSTER"; }
seed=${SEED:-tcplab} out= jobs=2 force=
while [ $# -gt 0 ]; do
	case $1 in
	--seed) seed=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	-j) jobs=${2:-}; shift 2 ;;
	--force) force=--force; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] && [ -n "$1" ] || { usage >&2; exit 2; }
roster=$1
[ -f "$roster" ] || { echo "exercises.sh: $roster: no such roster" >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]?$ ]] || { echo "exercises.sh: -j: want 1..99: $jobs" >&2; exit 2; }
out=$(realpath -m "${out:-$top/exercises}")

# the roster, checked whole before anything runs: a bad or repeated id
# names its line
mapfile -t ids < <(sed -e 's/\r$//' -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$roster")
students=() bad=0
declare -A seen=()
for i in "${!ids[@]}"; do
	id=${ids[$i]}
	[ -n "$id" ] || continue
	if ! [[ $id =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$ ]] || [ "$id" = keys ]; then
		echo "exercises.sh: $roster line $((i + 1)): bad student id '$id'" >&2
		bad=1
	elif [ -n "${seen[$id]:-}" ]; then
		echo "exercises.sh: $roster line $((i + 1)): '$id' again (line ${seen[$id]})" >&2
		bad=1
	else
		seen[$id]=$((i + 1))
		students+=("$id")
	fi
done
[ "$bad" = 0 ] || exit 2
[ "${#students[@]}" -gt 0 ] || { echo "exercises.sh: $roster: no student ids" >&2; exit 2; }
mkdir -p "$out/keys" && chmod 700 "$out/keys" || exit 1
echo "exercises: ${#students[@]} students, $jobs at once, into $out (keys: $out/keys)" >&2

# one ID: one exercise, its progress lines kept in the key folder
one() {
	mkdir -p "$out/keys/$1"
	if bash "$here/exercise.sh" --student "$1" --seed "$seed" --out "$out/$1" \
		--keys "$out/keys/$1" $force >"$out/keys/$1/exercise.log" 2>&1; then
		echo "$1: ok, $(jq '.questions | length' "$out/keys/$1/key.json") questions"
	else
		echo "$1: FAILED: $(tail -n 1 "$out/keys/$1/exercise.log")"
		return 1
	fi
}
status=$(mktemp) || exit 1
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -f "$status"; exit 130' INT TERM
for id in "${students[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	{ one "$id" || echo "$id" >>"$status"; } &
	pids+=($!)
done
wait
failed=$(wc -l <"$status")
rm -f "$status"
echo "$((${#students[@]} - failed)) exercises written, $failed failed"
[ "$failed" = 0 ]
