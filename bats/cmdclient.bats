#!/usr/bin/env bats
# bin/cmdclient: runs the server's commands, shows them reversed, closes first.

bats_require_minimum_version 1.5.0
load test_helper
load programs_helper

teardown() {
	programs_teardown
	[ -z "${NS:-}" ] || ip netns del "$NS" 2>/dev/null || true
}

@test "cmdclient shows its addresses, each command and its reversal, runs them, and closes first (TIME_WAIT on the client)" {
	printf 'echo hello\nprintf abc; exit 2\n' >"$T/cmds"
	start_server s cmdserver -l "$T/log.txt" -c "$T/cmds" -i 0.2
	run --separate-stderr timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} =~ ^connected:\ local\ 127\.0\.0\.1:([0-9]+)\ remote\ 127\.0\.0\.1:$PORT$ ]]
	cport=${BASH_REMATCH[1]}
	[ "${lines[1]}" = "command 1: echo hello" ]
	[ "${lines[2]}" = "reversed 1: olleh ohce" ]
	[ "${lines[3]}" = "result 1: exit 0, 6 bytes" ]
	[ "${lines[4]}" = "command 2: printf abc; exit 2" ]
	[ "${lines[5]}" = "reversed 2: 2 tixe ;cba ftnirp" ]
	[ "${lines[6]}" = "result 2: exit 2, 3 bytes" ]
	[ "${lines[7]}" = "done: 2 commands, closing the connection" ]
	[ "${#lines[@]}" -eq 8 ]
	# the client's port matches what the server logged
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	[ "$(jq -r 'select(.event == "connect") | .client' "$T/log.txt")" = "127.0.0.1:$cport" ]
	run ss -Htan state time-wait "sport = :$cport and dport = :$PORT"
	assert_output --regexp "^0 +0 +127\.0\.0\.1:$cport +127\.0\.0\.1:$PORT *$"
	[ "$(tw_count "$PORT" "$cport")" -eq 0 ]
}

@test "cmdclient: end of stdin is not exit; all commands run" {
	printf 'echo 1\necho 2\n' >"$T/cmds"
	start_server s cmdserver -l "$T/log.txt" -c "$T/cmds" -i 0.5
	run timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 0 ]
	assert_line 'result 2: exit 0, 2 bytes'
	assert_line 'done: 2 commands, closing the connection'
	refute_line 'exit: closing the connection'
}

@test "cmdclient runs commands with stdin from /dev/null, stdout and stderr captured" {
	printf 'cat; echo out; echo err >&2\n' >"$T/cmds"
	start_server s cmdserver -l "$T/log.txt" -c "$T/cmds" -i 0
	# our stdin has data: the command must not see it
	printf 'secret\n' | timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" >"$T/c.out"
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	[ "$(jq -r 'select(.event == "result") | .output' "$T/log.txt")" = $'out\nerr' ]
}

@test "cmdclient: exit typed between commands closes at once, exit status 0" {
	printf 'echo 1\necho 2\n' >"$T/cmds"
	start_server s cmdserver -l "$T/log.txt" -c "$T/cmds" -i 10
	mkfifo "$T/in"
	timeout 20 "$BIN/cmdclient" 127.0.0.1 "$PORT" <"$T/in" >"$T/c.out" 2>"$T/c.err" 3>&- &
	cpid=$!
	exec 4>"$T/in"
	echo "not exit" >&4
	wait_for "$T/c.out" '^result 1: ' 5
	echo "exit" >&4
	t0=$EPOCHREALTIME
	st=0; wait "$cpid" || st=$?
	exec 4>&-
	[ "$st" -eq 0 ]
	fcmp "$EPOCHREALTIME - $t0 < 1.0"
	run cat "$T/c.out"
	assert_line --index 4 'exit: closing the connection'
	[ ! -s "$T/c.err" ]
}

@test "cmdclient: bad usage and bad port are one clear error, exit 2" {
	run --separate-stderr "$BIN/cmdclient"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "cmdclient: want HOST and PORT" ]
	[ "${stderr_lines[1]}" = "usage: cmdclient [-t SECONDS] [-w SECONDS] HOST PORT" ]
	run --separate-stderr "$BIN/cmdclient" -x 127.0.0.1 1
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "cmdclient: unknown option -x" ]
	run --separate-stderr "$BIN/cmdclient" 127.0.0.1 0
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdclient: bad port '0': want 1..65535" ]
	run --separate-stderr "$BIN/cmdclient" 127.0.0.1 http
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdclient: bad port 'http': want 1..65535" ]
	run --separate-stderr "$BIN/cmdclient" -t 0 127.0.0.1 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdclient: bad seconds '0': want a number over 0, up to 86400" ]
	run --separate-stderr "$BIN/cmdclient" -w 0 127.0.0.1 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdclient: bad idle timeout '0': want seconds over 0, up to 86400" ]
	run --separate-stderr "$BIN/cmdclient" -w 5s 127.0.0.1 1
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdclient: bad idle timeout '5s': want seconds over 0, up to 86400" ]
	run --separate-stderr "$BIN/cmdclient" -h
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: cmdclient [-t SECONDS] [-w SECONDS] HOST PORT" ]
	assert_line --regexp '^  -w SECONDS  idle timeout: .*'
	assert_line --regexp '^ +\(default 60; make it longer than the server.s pause -i\)$'

}

@test "cmdclient: nobody listening is one clear error, exit 1" {
	port=$(free_port)
	run --separate-stderr timeout 10 "$BIN/cmdclient" 127.0.0.1 "$port"
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: connect 127.0.0.1:$port: Connection refused" ]
	[ -z "$output" ]
}

@test "cmdclient: an unreachable host is one clear error, exit 1" {
	NS=tcplab-programs-$$-$BATS_TEST_NUMBER
	ip netns add "$NS"		# a namespace with no route anywhere
	run --separate-stderr timeout 15 ip netns exec "$NS" "$BIN/cmdclient" 10.9.9.9 4000
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: connect 10.9.9.9:4000: Network is unreachable" ]
}

@test "cmdclient: a garbage frame from the server is one clear error, exit 1" {
	fake_server f 'HTTP/1.0 200 OK\r\n\r\nhello'
	run --separate-stderr timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: 127.0.0.1:$PORT: garbage frame: bad magic" ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "cmdclient: a server that vanishes in the middle of a frame is one clear error, exit 1" {
	# a command frame announcing 16 payload bytes; 6 arrive, then FIN
	fake_server f 'CPC\0\0\0\0\020\0\0\0\001ec'
	run --separate-stderr timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: 127.0.0.1:$PORT: connection closed in the middle of a frame (14 bytes of it received)" ]
}

@test "cmdclient: a server that closes before the end of the commands is one clear error, exit 1" {
	fake_server f ''
	run --separate-stderr timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: 127.0.0.1:$PORT: server closed the connection before the end of the commands" ]
}

@test "cmdclient connects over IPv6" {
	printf 'echo six\n' >"$T/cmds"
	start_server s cmdserver -b ::1 -l "$T/log.txt" -c "$T/cmds" -i 0
	run cat "$T/s.out"
	assert_output "listening on [::1]:$PORT"
	run timeout 10 "$BIN/cmdclient" ::1 "$PORT" </dev/null
	[ "$status" -eq 0 ]
	assert_line --index 0 --regexp "^connected: local \[::1\]:[0-9]+ remote \[::1\]:$PORT$"
	assert_line 'done: 1 commands, closing the connection'
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	[ "$(jq -r 'select(.event == "result") | .client' "$T/log.txt" | grep -c '^\[::1\]:')" -eq 1 ]
}

@test "cmdclient: a silent server is one clear error after the idle timeout (-w), exit 1" {
	fake_server --hold f ''
	t0=$EPOCHREALTIME
	run --separate-stderr timeout 10 "$BIN/cmdclient" -w 0.5 127.0.0.1 "$PORT" </dev/null
	t1=$EPOCHREALTIME
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: 127.0.0.1:$PORT: the server sent nothing for 0.5s (idle timeout, -w)" ]
	[ "${#lines[@]}" -eq 1 ]		# only "connected: ..."
	fcmp "$t1 - $t0 >= 0.45"		# it did wait the idle timeout
}

@test "cmdclient: a frame that stops in the middle (server still connected) is one clear error after -w, exit 1" {
	# a command frame announcing 16 payload bytes; 6 arrive, then silence
	fake_server --hold f 'CPC\0\0\0\0\020\0\0\0\001ec'
	run --separate-stderr timeout 10 "$BIN/cmdclient" -w 0.5 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: 127.0.0.1:$PORT: a frame stopped in the middle: 14 bytes of it received, not the rest within 0.5s (idle timeout, -w)" ]
}

@test "cmdclient: a command numbered out of order is a protocol error, exit 1, and is not run" {
	cmd="touch $T/ran2"
	fake_server f 'CPC\0\0\0\0%b\0\0\0\002%s' "\\0$(printf %o $((4 + ${#cmd})))" "$cmd"
	run --separate-stderr timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: 127.0.0.1:$PORT: protocol error: command 2 out of order (expected command 1)" ]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$T/ran2" ]
}

@test "cmdclient: a command number repeated is a protocol error, exit 1, and is not run twice" {
	cmd="echo x >>$T/runs"
	len="\\0$(printf %o $((4 + ${#cmd})))"
	fake_server f 'CPC\0\0\0\0%b\0\0\0\001%sCPC\0\0\0\0%b\0\0\0\001%s' "$len" "$cmd" "$len" "$cmd"
	run --separate-stderr timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdclient: 127.0.0.1:$PORT: protocol error: command 1 repeated (expected command 2)" ]
	assert_line --index 1 "command 1: $cmd"
	assert_line --index 3 'result 1: exit 0, 0 bytes'
	[ "${#lines[@]}" -eq 4 ]
	[ "$(cat "$T/runs")" = x ]
}
