#!/usr/bin/env bats
# bin/daytimed: the daytime server of the lab, iterative and fork modes.

bats_require_minimum_version 1.5.0
load test_helper
load programs_helper

teardown() { programs_teardown; }

CTIME_RE='^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}$'
STAMPED_TIME_RE='^[0-9.]+ [A-Z][a-z]{2} [A-Z][a-z]{2} [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}$'

@test "daytimed prints exactly one stdout line: listening on 127.0.0.1:PORT" {
	start_server d daytimed
	[ "$PORT" -gt 0 ]
	run cat "$T/d.out"
	assert_output "listening on 127.0.0.1:$PORT"
	run ss -Htnlp "sport = :$PORT"
	assert_line --regexp "^LISTEN .* 127\.0\.0\.1:$PORT .*pid=$SERVER_PID,"
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" || true
	run cat "$T/d.out"
	assert_output "listening on 127.0.0.1:$PORT"
}

@test "daytimed sends ctime(3) text plus CRLF, 26 bytes, and closes first (server in TIME_WAIT)" {
	start_server d daytimed
	before=$(date +%s)
	timeout 5 cat </dev/tcp/127.0.0.1/"$PORT" >"$T/got"
	after=$(date +%s)
	[ "$(wc -c <"$T/got")" -eq 26 ]
	[ "$(tail -c 2 "$T/got" | od -An -c | tr -d ' ')" = '\r\n' ]
	line=$(tr -d '\r\n' <"$T/got")
	[[ $line =~ $CTIME_RE ]]
	t=$(date -d "$line" +%s)
	[ "$t" -ge "$before" ]
	[ "$t" -le "$after" ]
	wait_for "$T/d.err" "close 127\.0\.0\.1:[0-9]+ \(server closed first\)$" 5
	# the active closer's side (local port = server port) is in TIME_WAIT
	cport=$(sed -n 's/.* close 127\.0\.0\.1:\([0-9]*\) (server closed first)$/\1/p' "$T/d.err")
	[ "$(tw_count "$PORT" "$cport")" -eq 1 ]
	[ "$(tw_count "$cport" "$PORT")" -eq 0 ]
}

# closed_wait_or_gone PORT CPORT: the server's socket of this connection
# is in CLOSE_WAIT (the client's FIN is in) or no longer exists.
closed_wait_or_gone() {
	[ -z "$(ss -Htan "sport = :$1 and dport = :$2" | grep -v '^CLOSE-WAIT ')" ]
}

# log_time REGEX [N]: the time (epoch seconds) of the Nth line of daytimed's
# log matching REGEX: the server's own clock at that event.
log_time() {
	date -d "$(grep -E -- "$1" "$T/d.err" | sed -n "${2:-1}p" | cut -d' ' -f1)" +%s.%N
}

# accept_port N: the client port of daytimed's Nth "accept" line.
accept_port() {
	sed -n 's/.* accept 127\.0\.0\.1:\([0-9]*\)\( child [0-9]*\)\{0,1\}$/\1/p' "$T/d.err" | sed -n "$1p"
}

@test "daytimed logs who really closed first: the server for telnet holding its stdin, the client for telnet whose stdin ended" {
	# a pause long enough for telnet to start and close on a busy machine
	start_server d daytimed -m fork -s 5
	start_telnet a "$PORT"			# stdin open 20 s
	wait_count "$T/d.err" ' accept ' 1 5
	setsid telnet 127.0.0.1 "$PORT" </dev/null >"$T/b.tel" 2>&1 3>&- &
	echo "$!" >>"$T/.pgids"			# stdin at EOF: telnet sends its FIN at once
	wait_count "$T/d.err" ' accept ' 2 5
	a=$(accept_port 1) b=$(accept_port 2)
	# b's FIN is in while the server still pauses: its side is in CLOSE_WAIT
	# (or already CLOSED, if telnet's reset followed its FIN)
	run grep -c ' close ' "$T/d.err"
	assert_output 0
	wait_until 5 closed_wait_or_gone "$PORT" "$b"
	wait_count "$T/d.err" ' close 127\.0\.0\.1:' 2 10
	run grep -E ' close 127\.0\.0\.1:[0-9]+ ' "$T/d.err"
	assert_line --regexp " daytimed\[[0-9]+\]: close 127\.0\.0\.1:$a \(server closed first\)$"
	# telnet closes as soon as its stdin ends: when it had read the time,
	# its close sent a FIN; when the time was still unread (a busy machine
	# can be that slow), the kernel aborts with a RST instead: client gone
	if grep -q '^[A-Z][a-z][a-z] [A-Z][a-z][a-z] ' "$T/b.tel"; then
		assert_line --regexp " daytimed\[[0-9]+\]: close 127\.0\.0\.1:$b \(client closed first\)$"
	else
		assert_line --regexp " daytimed\[[0-9]+\]: close 127\.0\.0\.1:$b \(client (closed first|gone)\)$"
	fi
	[ "${#lines[@]}" -eq 2 ]
	# the first closer's side holds TIME_WAIT: the server's for a; for b
	# never the server's (b's own, unless b closed before the time arrived
	# and answered it with a reset: then nobody's)
	[ "$(tw_count "$PORT" "$a")" -eq 1 ]
	[ "$(tw_count "$a" "$PORT")" -eq 0 ]
	[ "$(tw_count "$PORT" "$b")" -eq 0 ]
}

@test "daytimed: a client that reads the time and closes during the pause closed first (log, and TIME_WAIT on its side)" {
	start_server d daytimed -m iterative -s 3
	exec 5<>/dev/tcp/127.0.0.1/"$PORT"
	IFS= read -r line <&5
	exec 5>&- 5<&-				# all read: close() sends a FIN
	[[ ${line%$'\r'} =~ $CTIME_RE ]]
	c=$(accept_port 1)
	run grep -c ' close ' "$T/d.err"	# the FIN came during the pause
	assert_output 0
	wait_until 5 closed_wait_or_gone "$PORT" "$c"
	wait_for "$T/d.err" ' close 127\.0\.0\.1:' 5
	run grep ' close ' "$T/d.err"
	assert_output --regexp "^[^ ]+ daytimed\[$SERVER_PID\]: close 127\.0\.0\.1:$c \(client closed first\)$"
	[ "$(tw_count "$c" "$PORT")" -eq 1 ]
	[ "$(tw_count "$PORT" "$c")" -eq 0 ]
	# the pause was kept: the close came 3 s after the time was sent
	sent=$(grep ' sent ' "$T/d.err" | cut -d' ' -f1)
	closed=$(grep ' close ' "$T/d.err" | cut -d' ' -f1)
	fcmp "$(date -d "$closed" +%s.%N) - $(date -d "$sent" +%s.%N) >= 2.95"
}

@test "iterative daytimed -s 2: the second client waits in the backlog and gets its time 2 s later" {
	start_server d daytimed -m iterative -s 2
	start_telnet a "$PORT"
	wait_for "$T/a.tel" "$STAMPED_TIME_RE" 5
	start_telnet b "$PORT"
	wait_for "$T/b.tel" ' Connected to 127\.0\.0\.1\.$' 5
	# b's handshake is complete but accept() has not taken it: Recv-Q 1
	[ "$(listen_recvq "$PORT")" = 1 ]
	[ "$(grep -c '^.* accept ' "$T/d.err")" -eq 1 ]
	wait_for "$T/b.tel" ' Connection closed by foreign host\.$' 8
	a_conn=$(stamp_of a ' Connected to ')
	a_time=$(stamp_of a "$STAMPED_TIME_RE")
	a_close=$(stamp_of a ' Connection closed by foreign host')
	b_conn=$(stamp_of b ' Connected to ')
	b_time=$(stamp_of b "$STAMPED_TIME_RE")
	b_close=$(stamp_of b ' Connection closed by foreign host')
	echo "a: conn $a_conn time $a_time close $a_close; b: conn $b_conn time $b_time close $b_close"
	fcmp "$b_conn < $a_close"		# handshake done before a is finished
	fcmp "$b_time - $a_time >= 1.5 && $b_time - $a_time <= 2.5"
	fcmp "$a_close - $a_time >= 1.5 && $a_close - $a_time <= 2.5"
	fcmp "$b_close - $b_time >= 1.5 && $b_close - $b_time <= 2.5"
	[ "$(date -d "$(time_line b)" +%s)" -ge $(( $(date -d "$(time_line a)" +%s) + 1 )) ]
	# the server's own log: b accepted only after a's close, sent 2 s later
	fcmp "$(log_time ' accept ' 2) >= $(log_time ' close ' 1)"
	fcmp "$(log_time ' sent ' 2) - $(log_time ' sent ' 1) >= 2.0"
}

@test "iterative daytimed -s 2: two clients started at once get times 2 s apart; the second's handshake completes while the first is served" {
	start_server d daytimed -m iterative -s 2
	start_telnet a "$PORT"
	start_telnet b "$PORT"
	wait_for "$T/a.tel" ' Connected to 127\.0\.0\.1\.$' 5
	wait_for "$T/b.tel" ' Connected to 127\.0\.0\.1\.$' 5
	# both handshakes are complete; the backlog holds those not yet accepted
	c1=$(grep -c ' accept ' "$T/d.err")
	q=$(listen_recvq "$PORT")
	c2=$(grep -c ' accept ' "$T/d.err")
	[ "$c1" -ne "$c2" ] || [ "$q" -eq $((2 - c1)) ]
	wait_for "$T/a.tel" ' Connection closed by foreign host\.$' 8
	wait_for "$T/b.tel" ' Connection closed by foreign host\.$' 8
	a_time=$(stamp_of a "$STAMPED_TIME_RE")
	b_time=$(stamp_of b "$STAMPED_TIME_RE")
	if fcmp "$a_time < $b_time"; then first=a second=b; else first=b second=a; fi
	f_time=$(stamp_of $first "$STAMPED_TIME_RE")
	f_close=$(stamp_of $first ' Connection closed by foreign host')
	s_conn=$(stamp_of $second ' Connected to ')
	s_time=$(stamp_of $second "$STAMPED_TIME_RE")
	echo "first $first: time $f_time close $f_close; second: conn $s_conn time $s_time"
	fcmp "$s_conn < $f_close"		# in the backlog before the first is done
	fcmp "$s_conn < $f_time + 1.0"		# (in fact at once)
	fcmp "$s_time - $f_time >= 1.5 && $s_time - $f_time <= 2.5"
	fcmp "$(log_time ' accept ' 2) >= $(log_time ' close ' 1)"
	fcmp "$(log_time ' sent ' 2) - $(log_time ' sent ' 1) >= 2.0"
}

@test "fork daytimed -s 2: two clients get their times less than 0.5 s apart" {
	start_server d daytimed -m fork -s 2
	start_telnet a "$PORT"
	start_telnet b "$PORT"
	wait_for "$T/a.tel" "$STAMPED_TIME_RE" 5
	wait_for "$T/b.tel" "$STAMPED_TIME_RE" 5
	wait_count "$T/d.err" ' accept 127\.0\.0\.1:[0-9]+ child [0-9]+$' 2 5
	a_time=$(stamp_of a "$STAMPED_TIME_RE")
	b_time=$(stamp_of b "$STAMPED_TIME_RE")
	echo "a $a_time b $b_time"
	fcmp "($b_time - $a_time) < 0.5 && ($a_time - $b_time) < 0.5"
	# the server's own log: the second was accepted before the first closed
	wait_count "$T/d.err" ' close ' 2 5
	fcmp "$(log_time ' accept ' 2) < $(log_time ' close ' 1)"
	wait_for "$T/a.tel" ' Connection closed by foreign host\.$' 5
	wait_for "$T/b.tel" ' Connection closed by foreign host\.$' 5
	a_close=$(stamp_of a ' Connection closed by foreign host')
	fcmp "$a_close - $a_time >= 1.5 && $a_close - $a_time <= 2.5"
}

@test "fork daytimed: each child holds only its connected socket, the parent only the listening one" {
	start_server d daytimed -m fork -s 20
	exec 5</dev/tcp/127.0.0.1/"$PORT"
	exec 6</dev/tcp/127.0.0.1/"$PORT"
	wait_count "$T/d.err" ' sent 127\.0\.0\.1:[0-9]+: ' 2 10
	kids=$(ps -o pid= --ppid "$SERVER_PID" | wc -l)
	[ "$kids" -eq 2 ]
	for c in $(ps -o pid= --ppid "$SERVER_PID"); do
		[ "$(find /proc/"$c"/fd -lname 'socket:*' | wc -l)" -eq 1 ]
	done
	[ "$(find /proc/"$SERVER_PID"/fd -lname 'socket:*' | wc -l)" -eq 1 ]
	[ "$(listen_recvq "$PORT")" = 0 ]
	# the process tree: daytimed with two daytimed children
	run pstree -p "$SERVER_PID"
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} =~ ^daytimed\($SERVER_PID\)-\+-daytimed\([0-9]+\)$ ]]
	[[ ${lines[1]} =~ ^\ +\`-daytimed\([0-9]+\)$ ]]
	exec 5<&- 6<&-
}

@test "fork daytimed: after 20 clients no zombie children remain and it still serves" {
	start_server d daytimed -m fork -s 0.2
	pids=()
	for i in $(seq 1 20); do
		(timeout 5 cat </dev/tcp/127.0.0.1/"$PORT" >"$T/c$i") 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 20); do
		[ "$(wc -c <"$T/c$i")" -eq 26 ]
	done
	wait_count "$T/d.err" ' close 127\.0\.0\.1:[0-9]+ \(server closed first\)$' 20 5
	wait_until 5 no_children "$SERVER_PID"
	run ps -o stat= --ppid "$SERVER_PID"
	refute_output --partial Z
	assert_output ""
	[ "$(grep -c ' accept 127\.0\.0\.1:[0-9]* child [0-9]*$' "$T/d.err")" -eq 20 ]
	# the SIGCHLDs interrupted the parent; it kept accepting
	timeout 5 cat </dev/tcp/127.0.0.1/"$PORT" >"$T/last"
	[ "$(wc -c <"$T/last")" -eq 26 ]
	kill -0 "$SERVER_PID"
}

@test "fork daytimed serves client after client over time: each child exits after its client, the parent keeps accepting (SIGCHLD interrupts its wait)" {
	start_server d daytimed -m fork -s 0.1
	for i in 1 2 3; do
		timeout 5 cat </dev/tcp/127.0.0.1/"$PORT" >"$T/c$i"
		[ "$(wc -c <"$T/c$i")" -eq 26 ]
		# the child has exited and was reaped while the parent waited
		wait_count "$T/d.err" ' close 127\.0\.0\.1:[0-9]+ \(server closed first\)$' "$i" 5
		wait_until 5 no_children "$SERVER_PID"
		kill -0 "$SERVER_PID"
	done
	[ "$(grep -c ' accept 127\.0\.0\.1:[0-9]* child [0-9]*$' "$T/d.err")" -eq 3 ]
	run grep -c ' accept: ' "$T/d.err"	# no accept error, EINTR included
	assert_output 0
}

@test "daytimed exits 0 on SIGTERM and on SIGINT, even in the middle of a client (iterative)" {
	start_server d daytimed -m iterative -s 30
	start_telnet a "$PORT"
	wait_for "$T/d.err" ' sent 127\.0\.0\.1:' 5
	kill -TERM "$SERVER_PID"
	st=0; wait "$SERVER_PID" || st=$?
	[ "$st" -eq 0 ]
	wait_for "$T/d.err" ' exit on Terminated$' 2
	start_server e daytimed -m fork
	kill -INT "$SERVER_PID"
	st=0; wait "$SERVER_PID" || st=$?
	[ "$st" -eq 0 ]
	run tail -n1 "$T/e.err"
	assert_output --regexp ' daytimed\[[0-9]+\]: exit on Interrupt$'
}

@test "daytimed -b ::1 listens on [::1]:PORT and serves an IPv6 client" {
	start_server d daytimed -b ::1
	run cat "$T/d.out"
	assert_output "listening on [::1]:$PORT"
	start_telnet a "$PORT" ::1
	wait_for "$T/a.tel" ' Connection closed by foreign host\.$' 5
	[[ $(time_line a) =~ $CTIME_RE ]]
	run grep -E ' accept \[::1\]:[0-9]+ child [0-9]+$' "$T/d.err"
	assert_success
}

@test "daytimed -b :: takes IPv4 clients too and shows them as 127.0.0.1" {
	start_server d daytimed -b ::
	run cat "$T/d.out"
	assert_output "listening on [::]:$PORT"
	timeout 5 cat </dev/tcp/127.0.0.1/"$PORT" >"$T/got"
	[ "$(wc -c <"$T/got")" -eq 26 ]
	wait_for "$T/d.err" ' accept 127\.0\.0\.1:[0-9]+ child [0-9]+$' 5
}

@test "daytimed restarts on the same port while its TIME_WAIT sockets remain (SO_REUSEADDR)" {
	start_server d daytimed
	first=$SERVER_PID
	timeout 5 cat </dev/tcp/127.0.0.1/"$PORT" >/dev/null
	port=$PORT
	wait_for "$T/d.err" ' close 127\.0\.0\.1:' 5
	cport=$(sed -n 's/.* close 127\.0\.0\.1:\([0-9]*\) (server closed first)$/\1/p' "$T/d.err")
	[ "$(tw_count "$port" "$cport")" -eq 1 ]
	kill -TERM "$first"
	wait "$first" || true
	start_server e daytimed -p "$port"
	[ "$PORT" = "$port" ]
	timeout 5 cat </dev/tcp/127.0.0.1/"$PORT" >"$T/got"
	[ "$(wc -c <"$T/got")" -eq 26 ]
}

@test "daytimed survives a client that resets before it is served" {
	start_server d daytimed -m iterative -s 1
	start_telnet a "$PORT"
	wait_for "$T/d.err" ' sent 127\.0\.0\.1:' 5
	# connect, then abort with RST (SO_LINGER 0) while waiting in the backlog
	perl -MSocket -e '
		socket(my $s, PF_INET, SOCK_STREAM, 0) or die;
		connect($s, pack_sockaddr_in($ARGV[0], inet_aton("127.0.0.1"))) or die;
		setsockopt($s, SOL_SOCKET, SO_LINGER, pack("ii", 1, 0)) or die;
		close($s);' "$PORT"
	start_telnet c "$PORT"
	wait_for "$T/c.tel" ' Connection closed by foreign host\.$' 8
	[[ $(time_line c) =~ $CTIME_RE ]]
	kill -0 "$SERVER_PID"
	# the reset client cost one logged error, no wait, no crash
	run grep -E ' write 127\.0\.0\.1:[0-9]+: (Connection reset by peer|Broken pipe)$| close 127\.0\.0\.1:[0-9]+ \(client gone\)$' "$T/d.err"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(grep -c ' accept 127\.0\.0\.1:' "$T/d.err")" -eq 3 ]
}

@test "daytimed: port in use is one clear error, exit 1" {
	start_server d daytimed
	run "$BIN/daytimed" -p "$PORT"
	[ "$status" -eq 1 ]
	assert_output "daytimed: bind 127.0.0.1:$PORT: Address already in use"
}

@test "daytimed: bad port, mode, seconds, backlog and address are one clear error, exit 2" {
	run "$BIN/daytimed" -p 70000
	[ "$status" -eq 2 ]
	assert_output "daytimed: bad port '70000': want 0..65535"
	run "$BIN/daytimed" -p 80x
	[ "$status" -eq 2 ]
	assert_output "daytimed: bad port '80x': want 0..65535"
	run "$BIN/daytimed" -m threads
	[ "$status" -eq 2 ]
	assert_output "daytimed: bad mode 'threads': want iterative or fork"
	run "$BIN/daytimed" -s -1
	[ "$status" -eq 2 ]
	assert_output "daytimed: bad seconds '-1': want a number 0..86400"
	run "$BIN/daytimed" -q many
	[ "$status" -eq 2 ]
	assert_output "daytimed: bad backlog 'many': want 0..65535"
	run "$BIN/daytimed" -b 300.1.1.1
	[ "$status" -eq 2 ]
	assert_output --regexp "^daytimed: bad address '300\.1\.1\.1': .+$"
	[ "${#lines[@]}" -eq 1 ]
}

@test "daytimed: an unknown flag prints the error and the usage on stderr, exit 2; -h prints usage, exit 0" {
	run --separate-stderr "$BIN/daytimed" -x
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "daytimed: unknown option -x" ]
	[ "${stderr_lines[1]}" = "usage: daytimed [-m iterative|fork] [-s SECONDS] [-p PORT] [-b ADDRESS] [-q BACKLOG]" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	run --separate-stderr "$BIN/daytimed" -p
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "daytimed: option -p needs an argument" ]
	run --separate-stderr "$BIN/daytimed" -h
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: daytimed [-m iterative|fork] [-s SECONDS] [-p PORT] [-b ADDRESS] [-q BACKLOG]" ]
	[ -z "$stderr" ]
}
