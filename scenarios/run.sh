#!/usr/bin/env bash
# run.sh NAME... — run tcplab scenarios: sequential, concurrent, active-close
# (`make scenario-NAME`, `make scenarios`). Each leaves
# OUT_DIR/captures/NAME.pcap and OUT_DIR/report/NAME.json and prints its
# account. As root each runs in a network namespace of its own, so several
# run at once (the 60 s TIME_WAIT wait is paid once); their accounts are
# printed in the order given when all are done, progress lines as they come.
# Environment: SLEEP (default 10), OUT_DIR (default the repo top), NO_RENDER=1,
# TW_WAIT (a bound on the TIME_WAIT wait), TCPLAB_BIN, SERVER and CLIENT (a
# student's own programs, see daytime.sh and active-close.sh).
# Exit status: 0 when every scenario wrote its report with every moment seen,
# else 1 (2: bad usage).
set -u
dir=$(cd "$(dirname "$0")" && pwd)

usage() {
	echo "usage: run.sh sequential|concurrent|active-close ..." >&"$1"
	echo "  env: SLEEP=N (default 10) OUT_DIR=DIR NO_RENDER=1 TW_WAIT=N" >&"$1"
	echo "       SERVER='./servidor {port}' CLIENT='./cliente {host} {port}' (your own programs)" >&"$1"
}
script_of() {
	case $1 in
	sequential | concurrent) echo "$dir/daytime.sh $1" ;;
	active-close) echo "$dir/active-close.sh" ;;
	*) return 1 ;;
	esac
}

case ${1:-} in
-h | --help) usage 1; exit 0 ;;
"") usage 2; exit 2 ;;
esac
for name in "$@"; do
	script_of "$name" >/dev/null || { echo "run.sh: $name: no such scenario" >&2; usage 2; exit 2; }
done

# the account's layout follows the terminal's width, also when a scenario's
# output goes through a file first (several at once)
if [ -z "${COLUMNS:-}" ] && [ -t 1 ]; then
	COLUMNS=$(stty size </dev/tty 2>/dev/null | cut -d' ' -f2)
fi
[ -n "${COLUMNS:-}" ] && export COLUMNS

if [ $# -eq 1 ]; then
	# shellcheck disable=SC2046
	exec bash $(script_of "$1")
fi

if [ "$(id -u)" -ne 0 ] || [ "${NO_NETNS:-0}" = 1 ]; then
	# on the host's loopback the scenarios would see each other's sockets
	rc=0
	for name in "$@"; do
		# shellcheck disable=SC2046
		bash $(script_of "$name") || rc=1
	done
	exit $rc
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-run.XXXXXX") || exit 1
pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "running $* at once (each in its own network namespace; about $(( ${SLEEP:-10} * 2 + 65 )) s)" >&2
for name in "$@"; do
	# shellcheck disable=SC2046
	bash $(script_of "$name") >"$tmp/$name.out" &
	pids+=($!)
done
rc=0
names=("$@")
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || { rc=1; echo "run.sh: scenario ${names[$i]} failed" >&2; }
done
pids=()
for name in "$@"; do
	printf '\n######## scenario %s\n' "$name"
	cat "$tmp/$name.out"
done
exit $rc
