# Helpers for the programs' bats files (daytimed, cmdserver, cmdclient).
# Every process started here is recorded and killed in programs_teardown;
# servers and telnet pipelines run under setsid, so killing the process
# group also takes their children.

T=${BATS_TEST_TMPDIR:-/tmp}

# wait_for FILE REGEX [SECONDS]: poll until a line of FILE matches (ERE).
wait_for() {
	local file=$1 re=$2 limit=${3:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timeout (${limit}s) waiting for /$re/ in $file:" >&2
	cat "$file" >&2 2>/dev/null
	return 1
}

# wait_count FILE REGEX N [SECONDS]: poll until N lines of FILE match.
wait_count() {
	local file=$1 re=$2 n=$3 limit=${4:-10} i c=0
	for ((i = 0; i < limit * 20; i++)); do
		c=$(grep -cE -- "$re" "$file" 2>/dev/null)
		[ "${c:-0}" -ge "$n" ] && return 0
		sleep 0.05
	done
	echo "timeout (${limit}s): $c of $n lines /$re/ in $file" >&2
	return 1
}

# start_server NAME PROGRAM ARGS...: run bin/PROGRAM in its own session,
# stdout to $T/NAME.out, stderr to $T/NAME.err; wait for its "listening
# on" line. Sets PORT and SERVER_PID (also NAME recorded for teardown).
start_server() {
	local name=$1 prog=$2
	shift 2
	setsid "$BIN/$prog" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null 3>&- &
	SERVER_PID=$!
	echo "$SERVER_PID" >>"$T/.pgids"
	wait_for "$T/$name.out" '^listening on ' 10 || { cat "$T/$name.err" >&2; return 1; }
	PORT=$(sed -n '1s/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$T/$name.out")
	[ -n "$PORT" ]
}

# start_telnet NAME PORT [HOST] [HOLD]: a real telnet client, its stdin kept
# open HOLD seconds (default 20), each output line stamped on arrival with
# epoch seconds (EPOCHREALTIME, no fork) into $T/NAME.tel.
start_telnet() {
	local name=$1 port=$2 host=${3:-127.0.0.1} hold=${4:-20}
	setsid bash -c 'sleep "$3" | telnet "$1" "$2" 2>&1 |
		while IFS= read -r l; do printf "%s %s\n" "$EPOCHREALTIME" "${l%$'"'"'\r'"'"'}"; done' \
		_ "$host" "$port" "$hold" >"$T/$name.tel" </dev/null 3>&- &
	echo "$!" >>"$T/.pgids"
}

# stamp_of NAME REGEX: arrival time of the first line of NAME.tel matching.
stamp_of() {
	grep -E -m1 -- "$2" "$T/$1.tel" | cut -d' ' -f1
}

# time_line NAME: the daytime line telnet showed (without its stamp).
time_line() {
	grep -E -m1 '^[0-9.]+ [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] ' "$T/$1.tel" | cut -d' ' -f2-
}

# fcmp EXPR: floating-point test with awk, e.g. fcmp "1.5 <= 2.1".
fcmp() {
	awk "BEGIN { exit !($1) }"
}

# listen_recvq PORT: the Recv-Q of the LISTEN socket = connections whose
# handshake is complete but that accept() has not taken yet.
listen_recvq() {
	ss -Htnl "sport = :$1" | awk '{ print $2; exit }'
}

programs_teardown() {
	local p
	if [ -f "$T/.pgids" ]; then
		while read -r p; do
			kill -TERM -- "-$p" 2>/dev/null
		done <"$T/.pgids"
		sleep 0.1
		while read -r p; do
			kill -KILL -- "-$p" 2>/dev/null
		done <"$T/.pgids"
	fi
	return 0
}
