# Helpers for the programs' bats files (daytimed, cmdserver, cmdclient).
# Every process started here is recorded and killed in programs_teardown;
# servers and telnet pipelines run under setsid, so killing the process
# group also takes their children.

T=${BATS_TEST_TMPDIR:-/tmp}

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

# wait_until SECONDS CMD...: polls every 20 ms until CMD succeeds (a pid
# gone, a socket in ss); 1 with a message after SECONDS.
wait_until() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 50; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	echo "timeout (${limit}s) waiting for: $*" >&2
	return 1
}

# no_children PID: PID has no child process left (not even a zombie).
no_children() {
	[ -z "$(ps -o pid= --ppid "$1")" ]
}

# none_running REGEX: no process whose command line matches (pgrep -f).
none_running() {
	! pgrep -f "$1" >/dev/null
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

# recvq_is PORT N: the LISTEN socket's Recv-Q is N (for wait_until).
recvq_is() {
	[ "$(listen_recvq "$1")" = "$2" ]
}

# groups_gone: no live process (zombies awaiting bats' wait do not count)
# is left in the process groups of $T/.pgids.
groups_gone() {
	ps -e -o pgid=,stat= | awk -v list="$(tr '\n' ' ' <"$T/.pgids")" '
		BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		($1 in want) && $2 !~ /^Z/ { alive = 1 }
		END { exit alive }'
}

# SIGTERM to every recorded group; SIGKILL to what is left after 2 s.
programs_teardown() {
	local p
	if [ -f "$T/.pgids" ]; then
		while read -r p; do
			kill -TERM -- "-$p" 2>/dev/null
		done <"$T/.pgids"
		wait_until 2 groups_gone 2>/dev/null || true
		while read -r p; do
			kill -KILL -- "-$p" 2>/dev/null
		done <"$T/.pgids"
	fi
	return 0
}

# fake_server [--hold] NAME FORMAT [ARGS...]: a one-shot TCP server (perl)
# that accepts one client, sends the bytes printf FORMAT ARGS makes, shuts
# its sending side and waits (5 s at most) for the client to close; with
# --hold it keeps its side open instead (a silent server, a frame that
# stops in the middle) and waits 30 s at most. For the clients' bad-peer
# tests: garbage frames, frames cut in the middle, wrong numbers.
fake_server() {
	local hold=0
	[ "$1" != --hold ] || { hold=1; shift; }
	local name=$1 fmt=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$fmt" "$@" >"$T/$name.bytes"
	setsid perl -MIO::Socket::INET -MSocket -e '
		$| = 1;
		open(my $f, "<", $ARGV[0]) or die "$ARGV[0]: $!";
		binmode $f; local $/; my $bytes = <$f>;
		my $l = IO::Socket::INET->new(Listen => 1, ReuseAddr => 1,
		    LocalAddr => "127.0.0.1", LocalPort => 0) or die "listen: $!";
		print "listening on 127.0.0.1:", $l->sockport, "\n";
		my $c = $l->accept or die "accept: $!";
		print $c $bytes;
		shutdown($c, 1) unless $ARGV[1];
		alarm($ARGV[1] ? 30 : 5); 1 while sysread($c, my $junk, 4096);
		close $c;' "$T/$name.bytes" "$hold" >"$T/$name.out" 2>"$T/$name.err" </dev/null 3>&- &
	echo "$!" >>"$T/.pgids"
	wait_for "$T/$name.out" '^listening on ' 10 || return 1
	PORT=$(sed -n '1s/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$T/$name.out")
}

# hold_silent N PORT: one perl process opens N connections to PORT and
# says nothing on them until our fd 4 (a fifo to its stdin, opened here)
# is closed: `exec 4>&-` lets them all go at once.
hold_silent() {
	mkfifo "$T/hold"
	setsid perl -MIO::Socket::INET -e '
		$| = 1;
		my @c = map { IO::Socket::INET->new(PeerAddr => "127.0.0.1",
		    PeerPort => $ARGV[1]) or die "connect: $!" } 1 .. $ARGV[0];
		print "connected $ARGV[0]\n";
		1 while <STDIN>;
		close $_ for @c;' "$1" "$2" <"$T/hold" >"$T/silent.out" 2>&1 3>&- &
	echo "$!" >>"$T/.pgids"
	exec 4>"$T/hold"
	wait_for "$T/silent.out" "^connected $1\$" 20
}

# free_port: a port nobody listens on (bound by the kernel, then released).
free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
		    LocalPort => 0) or die; print $s->sockport, "\n";'
}

# log_check LOG: every line of a cmdserver log is one well-formed record:
# a JSON object with the fields its event must have, of the right types,
# and nothing else on the line (a torn or interleaved record fails).
# Prints the offending line numbers and fails otherwise.
LOG_VALID='
  (.time | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$"))
  and (.client | type == "string" and test("^[0-9.]+:[0-9]+$|^\\[.*\\]:[0-9]+$"))
  and (.pid | type == "number")
  and (if .event == "connect" then (.server | type == "string")
       elif .event == "result" then
         (.seq | type == "number") and ((.command // .command_base64) | type == "string")
         and (.exit == null or (.exit | type == "number" and . >= 0 and . <= 255))
         and (.signal == null or (.signal | type == "number" and . >= 1 and . <= 64))
         and ((.exit == null) != (.signal == null))
         and (.timed_out | type == "boolean") and (.truncated | type == "boolean")
         and (.bytes | type == "number") and ((.output // .output_base64) | type == "string")
       elif .event == "disconnect" then
         (.closed_by == "client" or .closed_by == "server")
         and (.results | type == "number") and (.commands | type == "number")
         and (.reason | type == "string")
       elif .event == "error" then (.error | type == "string")
       else false end)'
log_check() {
	local bad
	bad=$(jq -R -r --argjson dummy 0 "
		input_line_number as \$n
		| (try (fromjson | if type == \"object\" and ($LOG_VALID) then empty else \"bad record \(\$n)\" end)
		   catch \"unparsable line \(\$n)\")" "$1") || return 1
	[ -z "$bad" ] || { echo "$bad" >&2; return 1; }
	[ -s "$1" ] && [ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" = '\n' ]
}

# tw_count LOCALPORT REMOTEPORT: TIME_WAIT sockets on 127.0.0.1 with exactly
# this local and remote port (exact tuples: other tests' leftovers on a
# reused port number cannot be counted by mistake).
tw_count() {
	ss -Htan state time-wait "sport = :$1 and dport = :$2" | wc -l
}

# tw_is LOCALPORT REMOTEPORT N: exactly N such TIME_WAIT sockets (for
# wait_until: the last ACK may still be on its way).
tw_is() {
	[ "$(tw_count "$1" "$2")" -eq "$3" ]
}
