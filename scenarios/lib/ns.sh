# shellcheck shell=bash
# ns.sh (part of lib.sh) — the scenario's private network namespace, the
# watchdog that removes it if the scenario is killed outright, running a
# command in it, and the cleanup that ends everything the scenario started.

# sc_ns_setup [NAME]: when root (and NO_NETNS is not set) create the network
# namespace NAME (default tcplab-$SC_NAME-$$) with its loopback up, so the
# scenario has a loopback of its own: parallel runs and leftover TIME_WAIT
# sockets never meet. Otherwise run on the host and say so.
sc_ns_setup() {
	local ns=${1:-tcplab-$SC_NAME-$$}
	if [ "$(id -u)" -ne 0 ] || [ "${NO_NETNS:-0}" = 1 ]; then
		SC_NS='' SC_EXEC=()
		[ "$(id -u)" -ne 0 ] &&
			sc_say "not root: no network namespace, running on the host's lo"
		return 0
	fi
	ip netns add "$ns" || return 1
	SC_NS=$ns
	sc_watchdog "$BASHPID" "$ns"
	ip -n "$ns" link set lo up || return 1
	SC_EXEC=(ip netns exec "$ns")
}

# sc_watchdog PID NS: traps cannot run when the scenario's shell PID is
# killed outright (SIGKILL: a test runner's timeout, a killed terminal
# session). A watchdog in a session of its own then kills what runs in the
# namespace NS, deletes NS and the temp dir. It waits with bash's own
# `read -t` (no external sleep) and is stopped by sc_cleanup.
sc_watchdog() {
	mkfifo "$SC_TMP/.watchdog" || return 1
	setsid bash -c '
		main=$1 ns=$2 tmp=$3
		exec 9<>"$tmp/.watchdog" </dev/null >/dev/null 2>&1
		while kill -0 "$main"; do read -r -t 1 -u 9; done
		ip netns list | grep -qw "$ns" || exit 0
		for pid in $(ip netns pids "$ns"); do kill -KILL "$pid"; done
		ip netns del "$ns"
		rm -rf "$tmp"' sc-watchdog "$1" "$2" "$SC_TMP" 3>&- &
	SC_WATCHDOG=$!
}

# sc_run CMD...: run CMD in the scenario's namespace (or on the host), in the
# foreground.
sc_run() {
	"${SC_EXEC[@]}" "$@"
}

# sc_cleanup: end everything the scenario started (observer by SIGINT so its
# files are complete, the rest by SIGTERM/SIGKILL, everything left in the
# namespace), close the fifos, delete the namespace and the temp dir. Runs
# from the EXIT trap; safe to call twice.
sc_cleanup() {
	local fd pids
	trap - EXIT INT TERM HUP
	[ -n "$SC_OBS_PID" ] && sc_observe_stop
	for fd in "${SC_FDS[@]}"; do { exec {fd}>&-; } 2>/dev/null; done
	SC_FDS=()
	[ "${#SC_PIDS[@]}" -gt 0 ] && sc_kill "${SC_PIDS[@]}"
	SC_PIDS=()
	if [ -n "$SC_NS" ]; then
		pids=$(ip netns pids "$SC_NS" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && sc_kill $pids
		ip netns del "$SC_NS" 2>/dev/null
		SC_NS=
	fi
	[ -n "${SC_WATCHDOG:-}" ] && kill "$SC_WATCHDOG" 2>/dev/null
	SC_WATCHDOG=
	wait 2>/dev/null
	[ -n "${SC_TMP:-}" ] && [ "${SC_KEEP_TMP:-0}" != 1 ] && rm -rf "$SC_TMP"
	return 0
}
