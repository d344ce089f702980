#!/usr/bin/env bash
# exercise.sh --student ID [--seed SEED] [--out DIR] [--keys DIR] [--force]
# One student's exercise (`make exercise STUDENT=alice`): draws the
# student's variant from (SEED, ID) (variant.sh), runs it for real
# (run.sh: a network namespace of its own as root), derives the key from
# that run's own report (key.sh) and writes
#   DIR (default exercises/ID), for the student:
#     worksheet.md, capture.pcap, transcripts/NAME.txt, answers.txt (empty)
#     and, when bin/tcppage exists, worksheet.html + page.html
#   KEYS (default DIR/../keys/ID), for the instructor only (mode 0700):
#     key.json, report.json, capture.pcap, variant.json, run.log
# Environment: TCPLAB_BIN; the test knobs of variant.sh (EXERCISE_SLEEP, ...);
# EXERCISE_PAGE=0: no HTML page even when bin/tcppage exists.
# Exit status: 0 done, 1 the run or the key failed, 2 bad usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${TCPLAB_BIN:-$top/bin}
usage() { echo "usage: exercise.sh --student ID [--seed SEED] [--out DIR] [--keys DIR] [--force]"; }
student= seed=${SEED:-tcplab} out= keys= force=0
while [ $# -gt 0 ]; do
	case $1 in
	--student) student=${2:-}; shift 2 ;;
	--seed) seed=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--keys) keys=${2:-}; shift 2 ;;
	--force) force=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$student" ] || { usage >&2; exit 2; }
# an id names folders: letters, digits, . _ - (not "keys", not starting with .)
[[ $student =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$ ]] && [ "$student" != keys ] ||
	{ echo "exercise.sh: bad student id '$student': want letters, digits, . _ - (at most 64, not 'keys')" >&2; exit 2; }
[ -n "$seed" ] || { echo "exercise.sh: empty course seed" >&2; exit 2; }
out=$(realpath -m "${out:-$top/exercises/$student}")
keys=$(realpath -m "${keys:-$(dirname "$out")/keys/$student}")
case $keys/ in "$out"/*) echo "exercise.sh: the keys folder $keys is inside the student's folder $out" >&2; exit 2 ;; esac
if [ -e "$out/worksheet.md" ] && [ "$force" != 1 ]; then
	echo "exercise.sh: $out already holds an exercise (--force / FORCE=1 to make it again)" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] ||
	echo "exercise.sh: not root: no network namespace and maybe no capture (the run may fail)" >&2

mkdir -p "$keys" && chmod 700 "$keys" || exit 1
bash "$here/variant.sh" "$seed" "$student" >"$keys/variant.json" || exit 1
say() { printf '[exercise %s] %s\n' "$student" "$*" >&2; }
say "$(jq -r '"\(.kind) \(.mode), sleep \(.sleep) s, \(.clients) clients, extra: \(.extra)"' "$keys/variant.json")"

# the run; once more if it failed (a loaded machine): the key only ever
# comes from a run that completed
ok=0
for try in 1 2; do
	rm -f "$keys/report.json" "$keys/capture.pcap"
	if bash "$here/run.sh" "$keys/variant.json" "$keys" >"$keys/run.log" 2>&1 &&
		[ -s "$keys/report.json" ] && [ -s "$keys/capture.pcap" ]; then
		ok=1
		break
	fi
	say "run $try failed: $(tail -n 1 "$keys/run.log")"
done
[ "$ok" = 1 ] || { echo "exercise.sh: $student: the run failed (see $keys/run.log)" >&2; exit 1; }
bash "$here/key.sh" "$keys/report.json" >"$keys/key.json.tmp" 2>>"$keys/run.log" &&
	mv "$keys/key.json.tmp" "$keys/key.json" ||
	{ echo "exercise.sh: $student: no key (see $keys/run.log)" >&2; exit 1; }

# the student's folder: only what the student may see
rm -rf "$out/transcripts" "$out/worksheet.md" "$out/worksheet.html" "$out/page.html" "$out/capture.pcap"
mkdir -p "$out/transcripts" || exit 1
cp "$keys/capture.pcap" "$out/capture.pcap" || exit 1
for name in $(jq -r '.clients[].started_as' "$keys/report.json"); do
	jq -r --arg n "$name" '.t0 as $t0 | .clients[] | select(.started_as == $n)
		| ([.lines[] | {t, text}] + [.typed[]? | {t, text: "> \(.text)   (typed)"}]) | sort_by(.t)[]
		| "t=\((.t - $t0) * 1000 | round / 1000)  \(.text)"' "$keys/report.json" >"$out/transcripts/$name.txt"
done
jq -r -L "$here" --slurpfile key "$keys/key.json" -f "$here/worksheet.jq" "$keys/report.json" >"$out/worksheet.md" ||
	{ echo "exercise.sh: $student: could not write the worksheet" >&2; exit 1; }
{
	echo "# answers of $student — one line per question: Q1: your answer"
	echo "# (see worksheet.md for the questions and the form of each answer)"
	jq -r '.questions[] | "\(.id): "' "$keys/key.json"
} >"$out/answers.txt"
if [ -x "$bin/tcppage" ] && [ "${EXERCISE_PAGE:-1}" != 0 ]; then
	bash "$here/page.sh" "$keys" "$out" || say "no HTML page: $(tail -n 1 "$keys/page.log" 2>/dev/null)"
fi
say "$(jq '.questions | length' "$keys/key.json") questions; wrote $out (for the student) and $keys (the key)"
