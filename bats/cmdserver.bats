#!/usr/bin/env bats
# bin/cmdserver: commands to every client, results to a JSON Lines log.

bats_require_minimum_version 1.5.0
load test_helper
load programs_helper

teardown() { programs_teardown; }

# start_cmdserver ARGS...: the server with its log in $T/log.txt.
start_cmdserver() {
	start_server s cmdserver -l "$T/log.txt" "$@"
}

@test "cmdserver prints only: listening on 127.0.0.1:PORT" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds"
	run cat "$T/s.out"
	assert_output "listening on 127.0.0.1:$PORT"
	[ ! -s "$T/log.txt" ]
}

@test "cmdserver: 3 commands, 5 concurrent clients: 5 connections, 15 results, 5 disconnections, every record whole" {
	# big outputs (60 000 bytes) make a torn or interleaved record likely
	# if the log were not written atomically
	cat >"$T/cmds" <<-'CMDS'
	head -c 60000 /dev/zero | tr '\0' x
	printf 'line 1\nline 2\t"quoted"\n'; exit 4
	head -c 60000 /dev/zero | tr '\0' y; printf '\377'
	CMDS
	start_cmdserver -c "$T/cmds" -i 0.2
	pids=()
	for i in 1 2 3 4 5; do
		timeout 30 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null \
		    >"$T/c$i.out" 2>"$T/c$i.err" 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done	# each exits 0
	wait_count "$T/log.txt" '"event":"disconnect"' 5 10
	log_check "$T/log.txt"
	[ "$(wc -l <"$T/log.txt")" -eq 25 ]
	[ "$(jq -s '[.[] | select(.event == "connect")] | length' "$T/log.txt")" -eq 5 ]
	[ "$(jq -s '[.[] | select(.event == "result")] | length' "$T/log.txt")" -eq 15 ]
	[ "$(jq -s '[.[] | select(.event == "disconnect")] | length' "$T/log.txt")" -eq 5 ]
	[ "$(jq -s '[.[] | select(.event == "error")] | length' "$T/log.txt")" -eq 0 ]
	# per client: connect, results 1 2 3 in order with exact contents, disconnect
	run jq -s -c 'group_by(.client) | map([.[].event, (.[] | select(.event == "result") | .seq)]) | unique' "$T/log.txt"
	assert_output '[["connect","result","result","result","disconnect",1,2,3]]'
	run jq -s -c '[.[] | select(.event == "result") | [.seq, .exit, .signal, .bytes, .truncated, .timed_out,
		(.output // ("b64:" + .output_base64) | length)]] | unique' "$T/log.txt"
	assert_output '[[1,0,null,60000,false,false,60000],[2,4,null,23,false,false,23],[3,0,null,60001,false,false,80008]]'
	[ "$(jq -r -s '[.[] | select(.seq == 2) | .output] | unique[]' "$T/log.txt")" = $'line 1\nline 2\t"quoted"' ]
	[ "$(jq -r 'select(.seq == 3) | .output_base64' "$T/log.txt" | head -n1 | base64 -d | head -c 60000 | tr -d y | wc -c)" -eq 0 ]
	run jq -s -c '[.[] | select(.event == "disconnect") | [.closed_by, .results, .commands, .reason]] | unique' "$T/log.txt"
	assert_output '[["client",3,3,"client closed after the last result"]]'
	# stdout: the listening line, then each client's ip:port once per result
	[ "$(wc -l <"$T/s.out")" -eq 16 ]
	run sh -c "tail -n +2 '$T/s.out' | sort | uniq -c | awk '{print \$1}' | sort -u"
	assert_output 3
	diff <(tail -n +2 "$T/s.out" | sort -u) <(jq -r 'select(.event == "connect") | .client' "$T/log.txt" | sort)
	# every client closed first: 5 TIME_WAIT sockets on the client side, none on the server's
	for i in 1 2 3 4 5; do
		cport=$(sed -n 's/^connected: local 127\.0\.0\.1:\([0-9]*\) remote .*/\1/p' "$T/c$i.out")
		[ "$(tw_count "$cport" "$PORT")" -eq 1 ]
		[ "$(tw_count "$PORT" "$cport")" -eq 0 ]
	done
}

@test "cmdserver: a client that types exit after the first command: client-closed disconnection, commands 2 and 3 never run" {
	printf 'echo one\ntouch %s/ran2\ntouch %s/ran3\n' "$T" "$T" >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 3
	mkfifo "$T/in"
	timeout 20 "$BIN/cmdclient" 127.0.0.1 "$PORT" <"$T/in" >"$T/c.out" 2>"$T/c.err" 3>&- &
	cpid=$!
	exec 4>"$T/in"
	wait_for "$T/c.out" '^result 1: exit 0, 4 bytes$' 5
	t0=$EPOCHREALTIME
	echo exit >&4
	st=0; wait "$cpid" || st=$?
	t1=$EPOCHREALTIME
	exec 4>&-
	[ "$st" -eq 0 ]
	fcmp "$t1 - $t0 < 1.0"		# at once, not after the 3 s pause
	run cat "$T/c.out"
	assert_line --index 1 'command 1: echo one'
	assert_line --index 2 'reversed 1: eno ohce'
	assert_line --index 3 'result 1: exit 0, 4 bytes'
	assert_line --index 4 'exit: closing the connection'
	[ "${#lines[@]}" -eq 5 ]
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	log_check "$T/log.txt"
	run jq -c '[.event, .seq, .closed_by, .results, .commands, .reason]' "$T/log.txt"
	assert_output '["connect",null,null,null,null,null]
["result",1,null,null,null,null]
["disconnect",null,"client",1,1,"client closed the connection"]'
	# the server child is gone: nothing can run commands 2 and 3 any more
	wait_until 5 no_children "$SERVER_PID"
	[ ! -e "$T/ran2" ]
	[ ! -e "$T/ran3" ]
	# the active close leaves the client's socket in TIME_WAIT
	cport=$(sed -n 's/^connected: local 127\.0\.0\.1:\([0-9]*\) remote .*/\1/p' "$T/c.out")
	[ "$(tw_count "$cport" "$PORT")" -eq 1 ]
	[ "$(tw_count "$PORT" "$cport")" -eq 0 ]
}

@test "cmdserver: exit while a command runs kills the command's whole process group and sends no result" {
	# durations unique to this test run, to find exactly our processes
	d1=41.$$1 d2=41.$$2
	printf 'sleep %s & sleep %s; touch %s/ran1\necho two\n' "$d1" "$d2" "$T" >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0
	mkfifo "$T/in"
	timeout 20 "$BIN/cmdclient" 127.0.0.1 "$PORT" <"$T/in" >"$T/c.out" 2>"$T/c.err" 3>&- &
	cpid=$!
	exec 4>"$T/in"
	wait_for "$T/c.out" '^reversed 1: ' 5
	wait_until 5 pgrep -f "^sleep ${d2/./\\.}\$"	# the command runs
	echo exit >&4
	st=0; wait "$cpid" || st=$?
	exec 4>&-
	[ "$st" -eq 0 ]
	# its whole group goes: both sleeps (SIGKILL is delivered at once,
	# the reaping may take a moment)
	wait_until 5 none_running "^sleep (${d1/./\\.}|${d2/./\\.})\$"
	run pgrep -f "^sleep (${d1/./\\.}|${d2/./\\.})\$"
	[ "$status" -eq 1 ]
	[ ! -e "$T/ran1" ]
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	run jq -c '[.event, .closed_by, .results, .commands]' "$T/log.txt"
	assert_output '["connect",null,null,null]
["disconnect","client",0,1]'
}

@test "cmdserver reads the commands from stdin lines when stdin is not a terminal" {
	printf 'echo a\n\necho b\n' | {
		setsid "$BIN/cmdserver" -l "$T/log.txt" -i 0 >"$T/s.out" 2>"$T/s.err" 3>&- &
		echo $! >>"$T/.pgids"
	}
	wait_for "$T/s.out" '^listening on ' 5
	PORT=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$T/s.out")
	timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null >"$T/c.out"
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	run jq -r 'select(.event == "result") | "\(.seq) \(.command) \(.output)"' "$T/log.txt"
	assert_output $'1 echo a a\n\n2 echo b b'
}

@test "cmdserver logs a command's timeout (signal 9), its truncated output and its exit status" {
	printf 'sleep 5\nhead -c 70000 /dev/zero\nexit 7\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0
	timeout 20 "$BIN/cmdclient" -t 0.5 127.0.0.1 "$PORT" </dev/null >"$T/c.out"
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	log_check "$T/log.txt"
	run jq -c 'select(.event == "result") | [.seq, .exit, .signal, .timed_out, .truncated, .bytes]' "$T/log.txt"
	assert_output '[1,null,9,true,false,0]
[2,0,null,false,true,65536]
[3,7,null,false,false,0]'
	run cat "$T/c.out"
	assert_line 'result 1: timed out after 0.5s, killed'
	assert_line 'result 2: exit 0, 65536 bytes (truncated)'
	assert_line 'result 3: exit 7, 0 bytes'
}

@test "cmdserver: a garbage frame from a client is logged, the server closes, and it serves the next client" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0
	exec 5<>/dev/tcp/127.0.0.1/"$PORT"
	head -c 19 <&5 >"$T/frame"	# CPC, length 11, seq 1, "echo hi"
	[ "$(od -An -c "$T/frame" | tr -d ' \n')" = 'CPC\0\0\0\0\v\0\0\0001echohi' ]
	printf 'hello, server\n' >&5
	run timeout 5 cat <&5		# the server closes: EOF
	exec 5>&-
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	run jq -c '[.event, .error, .closed_by, .results, .reason]' "$T/log.txt"
	assert_output '["connect",null,null,null,null]
["error","receive: garbage frame: bad magic",null,null,null]
["disconnect",null,"server",0,"garbage frame: bad magic"]'
	timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null >"$T/c.out"
	run tail -n1 "$T/c.out"
	assert_output 'done: 1 commands, closing the connection'
}

@test "cmdserver: a client that vanishes in the middle of a result is logged, the server survives" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0
	exec 5<>/dev/tcp/127.0.0.1/"$PORT"
	head -c 19 <&5 >/dev/null
	printf 'CPR\0\0\0\0\040abc' >&5	# header says 32 bytes, 3 come
	exec 5>&-
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	run jq -c '[.event, .error, .closed_by, .results, .reason]' "$T/log.txt"
	assert_output '["connect",null,null,null,null]
["error","receive: connection closed in the middle of a frame (11 bytes of it received)",null,null,null]
["disconnect",null,"client",0,"connection closed in the middle of a frame (11 bytes of it received)"]'
	kill -0 "$SERVER_PID"
	timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null >/dev/null
}

@test "cmdserver exits 0 on SIGTERM" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds"
	kill -TERM "$SERVER_PID"
	st=0; wait "$SERVER_PID" || st=$?
	[ "$st" -eq 0 ]
	run tail -n1 "$T/s.err"
	assert_output --regexp ' cmdserver\[[0-9]+\]: exit on Terminated$'
}

@test "cmdserver: bad input gets one clear error line" {
	cd "$T"
	run --separate-stderr "$BIN/cmdserver" -c "$T/missing.txt"
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdserver: $T/missing.txt: No such file or directory" ]
	[ -z "$output" ]
	: >"$T/empty"
	run --separate-stderr "$BIN/cmdserver" -c "$T/empty"
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdserver: $T/empty: no commands" ]
	printf 'echo hi\n' >"$T/cmds"
	run --separate-stderr "$BIN/cmdserver" -c "$T/cmds" -p 65536
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdserver: bad port '65536': want 0..65535" ]
	run --separate-stderr "$BIN/cmdserver" -c "$T/cmds" -i soon
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdserver: bad seconds 'soon': want a number 0..3600" ]
	run --separate-stderr "$BIN/cmdserver" -c "$T/cmds" -l "$T/no/such/dir/log.txt"
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdserver: $T/no/such/dir/log.txt: No such file or directory" ]
	run --separate-stderr "$BIN/cmdserver" -z
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "cmdserver: unknown option -z" ]
	[ "${stderr_lines[1]}" = "usage: cmdserver [-p PORT] [-b ADDRESS] [-c FILE] [-l LOGFILE] [-i SECONDS] [-n CHILDREN]" ]
	run --separate-stderr "$BIN/cmdserver" -c "$T/cmds" -n 0
	[ "$status" -eq 2 ]
	[ "$stderr" = "cmdserver: bad number of children '0': want 1..10000" ]
	run --separate-stderr "$BIN/cmdserver" -h
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: cmdserver [-p PORT] [-b ADDRESS] [-c FILE] [-l LOGFILE] [-i SECONDS] [-n CHILDREN]" ]
	assert_line '  -n CHILDREN at most this many clients served at once (default 64, up to 10000);'
	assert_line '              more connections wait in the listen backlog'

}

@test "cmdserver: port in use is one clear error, exit 1" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds"
	run --separate-stderr "$BIN/cmdserver" -c "$T/cmds" -l "$T/log2.txt" -p "$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdserver: bind 127.0.0.1:$PORT: Address already in use" ]
}

@test "cmdserver on a terminal asks as the lab did: Enter a number of commands, then each command" {
	# script(1) gives cmdserver a pseudo-terminal as stdin and stdout
	mkfifo "$T/in"
	setsid script -qfec "$BIN/cmdserver -l $T/log.txt -i 0 2>$T/s.err" /dev/null \
		<"$T/in" >"$T/tty.out" 2>&1 3>&- &
	echo "$!" >>"$T/.pgids"
	disown "$!"
	exec 4>"$T/in"
	printf '2\necho one\necho two\n' >&4
	wait_for "$T/tty.out" 'listening on ' 10
	PORT=$(tr -d '\r' <"$T/tty.out" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p')
	run grep -c 'Enter a number of commands: ' "$T/tty.out"
	assert_output 1
	grep -q 'Command 1: ' "$T/tty.out"
	grep -q 'Command 2: ' "$T/tty.out"
	run grep -c 'Command 3: ' "$T/tty.out"
	assert_output 0
	timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null >"$T/c.out"
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	run jq -r 'select(.event == "result") | .command' "$T/log.txt"
	assert_output $'echo one\necho two'
	exec 4>&-
}

@test "cmdserver on a terminal: a bad number of commands is one clear error" {
	run bash -c 'printf "many\n" | timeout 5 script -qfec "$0 -l $1/log.txt" /dev/null' "$BIN/cmdserver" "$T"
	[[ $output == *"cmdserver: bad number of commands 'many': want 1..1000"* ]]
	[ ! -e "$T/log.txt" ]
}

@test "cmdserver: a result for the wrong command, or a frame during the pause, is a logged protocol error" {
	printf 'echo hi\necho two\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 2
	exec 5<>/dev/tcp/127.0.0.1/"$PORT"
	head -c 19 <&5 >/dev/null
	printf 'CPR\0\0\0\0\010\0\0\0\002\0\0\0\0' >&5	# seq 2, exit 0, no output
	run timeout 5 cat <&5
	exec 5>&-
	exec 5<>/dev/tcp/127.0.0.1/"$PORT"
	head -c 19 <&5 >/dev/null
	printf 'CPR\0\0\0\0\010\0\0\0\001\0\0\0\0' >&5	# the right result
	printf 'CPR\0\0\0\0\010\0\0\0\001\0\0\0\0' >&5	# again, unasked
	run timeout 5 cat <&5
	exec 5>&-
	wait_count "$T/log.txt" '"event":"disconnect"' 2 5
	log_check "$T/log.txt"
	run jq -s -c 'group_by(.client) | sort_by(length) | map(map([.event, .seq, .error, .closed_by, .results]))[]' "$T/log.txt"
	assert_output '[["connect",null,null,null,null],["error",null,"protocol: result for the wrong command",null,null],["disconnect",null,null,"server",0]]
[["connect",null,null,null,null],["result",1,null,null,null],["error",null,"protocol: unexpected frame during the pause",null,null],["disconnect",null,null,"server",1]]'
}

@test "cmdserver: a result with status -65 (no such signal) is a logged garbage frame, never \"signal\":65" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0
	exec 5<>/dev/tcp/127.0.0.1/"$PORT"
	head -c 19 <&5 >/dev/null
	printf 'CPR\0\0\0\0\010\0\0\0\001\377\377\377\277' >&5	# seq 1, status -65
	run timeout 5 cat <&5
	exec 5>&-
	wait_for "$T/log.txt" '"event":"disconnect"' 5
	log_check "$T/log.txt"
	run jq -c '[.event, .error, .closed_by, .results]' "$T/log.txt"
	assert_output '["connect",null,null,null]
["error","receive: garbage frame: bad status (neither an exit code 0..255 nor a signal 1..64)",null,null]
["disconnect",null,"server",0]'
	run grep -c '"signal":65' "$T/log.txt"
	assert_output 0
}

@test "cmdserver -n 3: 10 silent clients make exactly 3 children, 7 wait in the backlog; released, all are served in turn, never more than 3 at once" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0 -n 3
	hold_silent 10 "$PORT"			# on fd 4 until it closes
	wait_for "$T/s.err" ' children: 3 of 3, the maximum: new connections wait in the backlog$' 10
	wait_until 10 recvq_is "$PORT" 7
	run ps -o pid= --ppid "$SERVER_PID"
	[ "${#lines[@]}" -eq 3 ]
	# two real clients queue behind them: connected, but no command yet
	cpids=()
	for i in 1 2; do
		timeout 60 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null >"$T/c$i.out" 2>&1 3>&- 4>&- &
		cpids+=($!)
	done
	wait_until 10 recvq_is "$PORT" 9
	run ps -o pid= --ppid "$SERVER_PID"
	[ "${#lines[@]}" -eq 3 ]
	run grep -c '^command 1: ' "$T/c1.out" "$T/c2.out"
	assert_output "$T/c1.out:0
$T/c2.out:0"
	exec 4>&-				# the silent clients close
	for p in "${cpids[@]}"; do wait "$p"; done	# each exits 0
	for i in 1 2; do
		run tail -n1 "$T/c$i.out"
		assert_output 'done: 1 commands, closing the connection'
	done
	wait_count "$T/log.txt" '"event":"disconnect"' 12 20
	log_check "$T/log.txt"
	[ "$(grep -c ' accept 127\.0\.0\.1:[0-9]* child [0-9]* (children: [123] of 3)$' "$T/s.err")" -eq 12 ]
	run grep -c ' (children: [4-9][0-9]* of 3)$' "$T/s.err"
	assert_output 0
	# the children's own records agree: connected and not yet disconnected
	# clients, swept in time order, peak at exactly 3
	run jq -s 'sort_by(.time) | reduce .[] as $e ({n: 0, max: 0};
		if $e.event == "connect" then .n += 1 | .max = ([.max, .n] | max)
		elif $e.event == "disconnect" then .n -= 1 else . end) | .max' "$T/log.txt"
	assert_output 3
	[ "$(jq -s '[.[] | select(.event == "result")] | length' "$T/log.txt")" -eq 2 ]
	wait_for "$T/s.err" ' children: [0-2] of 3: accepting again$' 5
	wait_until 10 no_children "$SERVER_PID"
	[ "$(listen_recvq "$PORT")" = 0 ]
}

@test "cmdserver serves client after client over time: each child exits after its client, the parent keeps accepting" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0 -n 1
	for i in 1 2 3; do
		run timeout 10 "$BIN/cmdclient" 127.0.0.1 "$PORT" </dev/null
		[ "$status" -eq 0 ]
		assert_line 'done: 1 commands, closing the connection'
		wait_count "$T/log.txt" '"event":"disconnect"' "$i" 5
		wait_until 5 no_children "$SERVER_PID"
		wait_count "$T/s.err" ' children: 0 of 1: accepting again$' "$i" 5
	done
	[ "$(grep -c ' accept 127\.0\.0\.1:[0-9]* child [0-9]* (children: 1 of 1)$' "$T/s.err")" -eq 3 ]
	[ "$(jq -s '[.[] | select(.event == "result" and .output == "hi\n")] | length' "$T/log.txt")" -eq 3 ]
}

@test "cmdserver's default cap: 150 silent clients make exactly 64 children, the other 86 wait in the backlog" {
	printf 'echo hi\n' >"$T/cmds"
	start_cmdserver -c "$T/cmds" -i 0
	hold_silent 150 "$PORT"
	wait_for "$T/s.err" ' children: 64 of 64, the maximum: new connections wait in the backlog$' 20
	wait_until 20 recvq_is "$PORT" 86
	run ps -o pid= --ppid "$SERVER_PID"
	[ "${#lines[@]}" -eq 64 ]
	exec 4>&-
	wait_count "$T/log.txt" '"event":"disconnect"' 150 60
	run grep -c ' (children: \(6[5-9]\|[7-9][0-9]\|[0-9][0-9][0-9]\) of 64)$' "$T/s.err"
	assert_output 0
	wait_until 20 no_children "$SERVER_PID"
}
