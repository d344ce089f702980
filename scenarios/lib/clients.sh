# shellcheck shell=bash
# clients.sh (part of lib.sh) — real clients (telnet, cmdclient, a
# student's client) with a stdin we keep open, every output line stamped
# with the epoch time our shell read it (the lab's view: on a loaded machine
# these stamps can be late; the capture's packet times are the wire's), and
# a gate that starts several clients at the same moment.

# sc_gate_hold: clients started from now on wait at a gate (a fifo) until
# sc_gate_open lets them all go at once: started one after the other by a
# busy shell they would connect up to seconds apart.
sc_gate_hold() {
	mkfifo "$SC_TMP/gate" || return 1
	exec {SC_GATE_FD}<>"$SC_TMP/gate"	# read-write: opening never blocks
	SC_FDS+=("$SC_GATE_FD")
	SC_GATE_N=0
}

# sc_gate_open: let every client waiting at the gate go (one line each).
sc_gate_open() {
	local i
	for ((i = 0; i < ${SC_GATE_N:-0}; i++)); do echo go; done >&"$SC_GATE_FD"
	SC_GATE_FD= SC_GATE_N=0
}

# sc_client_start NAME CMD...: start a client (telnet HOST PORT, cmdclient
# HOST PORT, ...) in the namespace with its stdin a fifo that we keep open
# (telnet closes as soon as its stdin ends), and its stdout and stderr
# stamped line by line, as they arrive, into $SC_TMP/NAME.out as
# "EPOCH<TAB>TEXT" (trailing CR removed). Sets SC_CLIENT_PID[NAME]. After
# sc_gate_hold the client waits at the gate (same pid: the wait execs CMD).
sc_client_start() {
	local name=$1 fifo fd gate=()
	shift
	fifo=$SC_TMP/$name.in
	mkfifo "$fifo" || return 1
	exec {fd}<>"$fifo"	# read-write: never blocks, keeps a writer
	SC_CLIENT_FD[$name]=$fd
	SC_FDS+=("$fd")
	: >"$SC_TMP/$name.out"
	if [ -n "${SC_GATE_FD:-}" ]; then
		gate=(bash -c 'read -r _ <"$0" && exec "$@"' "$SC_TMP/gate")
		SC_GATE_N=$((SC_GATE_N + 1))
	fi
	"${SC_EXEC[@]}" "${gate[@]}" "$@" <"$fifo" 3>&- {fd}>&- \
		> >(sc_stamp >"$SC_TMP/$name.out") 2>&1 &
	SC_CLIENT_PID[$name]=$!
	SC_PIDS+=("$!")
	SC_CLIENT_START[$name]=$(sc_start_time "$!")
}

# sc_start_time PID: the start time of PID in clock ticks after boot (field
# 22 of /proc/PID/stat), empty when it is gone.
sc_start_time() {
	local stat f
	{ IFS= read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
	read -r -a f <<<"${stat##*) }"
	echo "${f[19]}"
}

# sc_client_start_as NAME - CMD...: sc_client_start called the way sc_bg is
# (for sc_user_bg, which starts a student's client).
sc_client_start_as() {
	local name=$1
	shift 2
	sc_client_start "$name" "$@"
}

# sc_stamp: copy stdin to stdout, each line prefixed by the epoch time at
# which it was read and a TAB, a trailing CR removed.
sc_stamp() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s\t%s\n' "$EPOCHREALTIME" "${line%$'\r'}"
	done
}

# sc_client_send NAME LINE: type LINE (and a newline) on the client's stdin;
# remembered, stamped, in $SC_TMP/NAME.typed for the report.
sc_client_send() {
	printf '%s\t%s\n' "$EPOCHREALTIME" "$2" >>"$SC_TMP/$1.typed"
	printf '%s\n' "$2" >&"${SC_CLIENT_FD[$1]}"
}

# sc_client_json NAME: the client as JSON: name, pid, start (sc_start_time), its stamped output
# lines [{"t": epoch, "text": "..."}] and what was typed on its stdin
# ("typed", same shape).
sc_client_json() {
	local typed=$SC_TMP/$1.typed
	[ -e "$typed" ] || : >"$typed"
	jq -Rn --arg name "$1" --argjson pid "${SC_CLIENT_PID[$1]:-null}" \
		--argjson start "${SC_CLIENT_START[$1]:-null}" --rawfile typed "$typed" '
		def stamped: capture("^(?<t>[0-9.]+)\t(?<text>.*)$") | {t: (.t | tonumber), text};
		{name: $name, pid: $pid, start: $start,
		 lines: [inputs | stamped],
		 typed: [$typed | split("\n")[] | select(length > 0) | stamped]}' <"$SC_TMP/$1.out"
}
