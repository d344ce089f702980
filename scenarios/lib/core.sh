# shellcheck shell=bash
# core.sh (part of lib.sh) — a scenario's globals, its start (temp dir,
# traps), progress and error lines, deadlines on the epoch clock in
# microseconds, and waiting for a line to appear in a file.

SC_BIN=${TCPLAB_BIN:-$SC_TOP/bin}
SC_NS=
SC_EXEC=()
SC_PIDS=()
SC_FDS=()
SC_CAPTURE=0
SC_OBS_PID=
SC_SERVER_PID=
SC_WATCHDOG=
SC_ATTEMPT=${SC_ATTEMPT:-1}
SC_MISSED=()
SC_SCRIPT=()
declare -A SC_CLIENT_PID=() SC_CLIENT_FD=() SC_CLIENT_START=()

# sc_init NAME: start a scenario: private temp dir, and the traps that make
# sc_cleanup run whatever happens (normal exit, error, SIGINT, SIGTERM).
sc_init() {
	SC_NAME=$1
	SC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-$SC_NAME.XXXXXX") || return 1
	trap sc_cleanup EXIT
	trap 'sc_say "interrupted"; exit 130' INT
	trap 'exit 143' TERM HUP
}

# sc_say WORDS...: one progress line on stderr, prefixed with the scenario.
sc_say() {
	[ "${SC_QUIET:-0}" = 1 ] || printf '[%s] %s\n' "${SC_NAME:-scenario}" "$*" >&2
}

# sc_die WORDS...: a clear error line, then exit 1 (cleanup runs via trap).
sc_die() {
	printf '%s: %s\n' "${SC_NAME:-scenario}" "$*" >&2
	exit 1
}

# sc_deadline SECONDS: the epoch time SECONDS (may be fractional) from now,
# in microseconds (for sc_past).
sc_deadline() {
	local now=${EPOCHREALTIME/./}
	awk -v n="$now" -v s="$1" 'BEGIN { printf "%.0f\n", n + s * 1000000 }'
}

# sc_past DEADLINE: true once the time DEADLINE (from sc_deadline) has passed.
sc_past() {
	[ "${EPOCHREALTIME/./}" -ge "$1" ]
}

# sc_since EPOCH: the seconds elapsed since the epoch time EPOCH, 3 decimals.
sc_since() {
	awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", n - t }'
}

# sc_wait_line FILE REGEX TIMEOUT [PID]: wait until a line of FILE matches
# the extended REGEX; print it and leave it in SC_LINE. Fails (1) on timeout,
# or as soon as PID (the process that should write it) has exited without
# writing it. Call it directly (not in $(...)) to keep Ctrl-C prompt: a
# trap waits for a command substitution to finish.
sc_wait_line() {
	local file=$1 re=$2 timeout=$3 pid=${4:-} deadline
	deadline=$(sc_deadline "$timeout")
	SC_LINE=
	while :; do
		SC_LINE=$(grep -E -m1 -- "$re" "$file" 2>/dev/null) && {
			printf '%s\n' "$SC_LINE"
			return 0
		}
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			SC_LINE=$(grep -E -m1 -- "$re" "$file" 2>/dev/null) &&
				{ printf '%s\n' "$SC_LINE"; return 0; }
			return 1
		fi
		sc_past "$deadline" && return 1
		sleep 0.02
	done
}

# sc_rerunnable SCRIPT ARGS...: how to run this scenario again from the
# start (sc_rerun): the script and its arguments.
sc_rerunnable() {
	SC_SCRIPT=("$@")
}

# sc_rerun REASON: on the first attempt, say why, clean up everything and
# run the scenario again in this same process (exec: the same pid, so
# Ctrl-C, SIGKILL and a caller's wait see one scenario). Returns 1 (and does
# nothing) on the second attempt or when sc_rerunnable was not called.
sc_rerun() {
	[ "$SC_ATTEMPT" -lt 2 ] && [ "${#SC_SCRIPT[@]}" -gt 0 ] || return 1
	sc_say "$1; running the scenario again (once)"
	sc_cleanup
	SC_ATTEMPT=2 SC_RERUN_REASON=$1 exec bash "${SC_SCRIPT[@]}"
}
