#!/usr/bin/env bats
# The scenarios (issue 4): every run is made once, all at the same time, in
# setup_file — each in a network namespace of its own, with an OUT_DIR of its
# own — because moment (d) waits ~60 s for the TIME_WAITs to expire. Each
# test then asserts exact facts on one report with jq.

load test_helper

# run ID SCENARIO SLEEP: one scenario run in the background into $RUNS/ID.
start_run() {
	mkdir -p "$RUNS/$1"
	SLEEP=$3 OUT_DIR=$RUNS/$1 COLUMNS=160 timeout -k 5 240 \
		bash "$TOP/scenarios/run.sh" "$2" >"$RUNS/$1/stdout" 2>"$RUNS/$1/stderr" 3>&- &
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export RUNS=$BATS_FILE_TMPDIR/runs
	start_run seq3 sequential 3
	start_run conc3 concurrent 3
	# the pause between commands: `exit` is typed in it, so a long one
	# costs nothing and leaves room on a loaded machine
	start_run ac active-close 10
	start_run seq10 sequential 10
	start_run conc10 concurrent 10
	wait
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "scenarios need root (network namespaces, capture)"
}

# report ID NAME: the path of that run's report (fails, with the run's
# stderr, when the run wrote none).
report() {
	local r=$RUNS/$1/report/$2.json
	[ -s "$r" ] || { cat "$RUNS/$1/stderr" >&2; return 1; }
	echo "$r"
}

# jqr REPORT FILTER [jq args...]: run a jq filter on a report, raw output.
jqr() {
	local r=$1 f=$2
	shift 2
	run jq -r "$@" "$f" "$r"
}

# sockets at moment M as sorted "STATE LOCALPORT REMOTEPORT" lines, with
# the server port written P and the clients' ports C1, C2 (connection order).
moment_sockets() {
	jq -r --arg m "$2" '.parameters.port as $P
		| ([.connections[].client.port]) as $C
		| def name: if . == $P then "P" elif . == 0 then "0"
			elif . == $C[0] then "C1" elif . == $C[1] then "C2" else tostring end;
		[.moments[$m].snapshot.sockets[] | "\(.state) \(.local.port | name) \(.remote.port | name)"]
		| sort | join(",")' "$1"
}

@test "sequential (SLEEP=3): the two daytime lines are 3 s apart and served sequentially" {
	r=$(report seq3 sequential)
	jqr "$r" '[.verdict.served, (.verdict.daytime_gap >= 2 and .verdict.daytime_gap <= 4), (.clients | length), ([.clients[].daytime.text | length] | unique)] | @json'
	assert_output '["sequentially",true,2,[24]]'
}

@test "sequential (SLEEP=3): both handshakes finish within 0.5 s of the start" {
	r=$(report seq3 sequential)
	jqr "$r" '[(.connections | length), ([.connections[].states.server[] | select(.state == "ESTABLISHED") | .t < 0.5] | all), (.verdict.handshakes.spread < 0.5)] | @json'
	assert_output '[2,true,true]'
	# and before the first client was even served its full 3 s
	jqr "$r" '.verdict.handshakes.last_done < .clients[0].daytime.t + 0.5'
	assert_output true
}

@test "sequential (SLEEP=3): the second client's first data byte comes 3 s after the first's, long after its handshake" {
	r=$(report seq3 sequential)
	# The server writes to client 1 as soon as it accepts, then sleeps 3 s;
	# client 2's handshake completes (in the backlog) a few ms after that
	# write, so its wait is 3 s minus the lag between the two handshakes.
	jqr "$r" '.verdict as $v | $v.connections as $c
		| [$c[0].served_after_handshake < 0.5,
		   ($c[1].first_data.t - $c[0].first_data.t >= 3),
		   ($c[1].served_after_handshake >= 3 - $v.handshakes.spread),
		   ($c[1].served_after_handshake >= 2.5),
		   $v.listen_recv_q_a] | @json'
	assert_output '[true,true,true,true,1]'
}

@test "sequential (SLEEP=3): the server closes first and holds TIME_WAIT for both" {
	r=$(report seq3 sequential)
	jqr "$r" '[.connections[] | [.active_closer, .time_wait_side, .time_wait[0].side, .rst]] | @json'
	assert_output '[["server","server","server",false],["server","server","server",false]]'
	jqr "$r" '[.verdict.connections[] | [.first_fin.from, .kernel_time_wait_side]] | @json'
	assert_output '[["server","server"],["server","server"]]'
}

@test "sequential (SLEEP=3): snapshots (a) both ESTABLISHED (b) first in TIME_WAIT (c) both (d) LISTEN alone" {
	r=$(report seq3 sequential)
	run moment_sockets "$r" a
	assert_output 'ESTABLISHED C1 P,ESTABLISHED C2 P,ESTABLISHED P C1,ESTABLISHED P C2,LISTEN P 0'
	run moment_sockets "$r" b
	assert_output 'ESTABLISHED C2 P,ESTABLISHED P C2,LISTEN P 0,TIME_WAIT P C1'
	run moment_sockets "$r" c
	assert_output 'LISTEN P 0,TIME_WAIT P C1,TIME_WAIT P C2'
	run moment_sockets "$r" d
	assert_output 'LISTEN P 0'
	# the second connection waits in the backlog: LISTEN Recv-Q 1, no owner yet
	jqr "$r" '.parameters.port as $P | .connections[1].client.port as $c2
		| [.moments.a.snapshot.sockets[] | select(.local.port == $P and (.remote.port == $c2 or .state == "LISTEN")) | [.state, .recv_q, (.procs | length)]] | sort | @json'
	assert_output '[["ESTABLISHED",0,0],["LISTEN",1,1]]'
}

@test "concurrent (SLEEP=3): both clients get the time at once, both server sides in TIME_WAIT at (b)" {
	r=$(report conc3 concurrent)
	jqr "$r" '[.verdict.served, .verdict.daytime_gap < 1, .verdict.same_second != null] | @json'
	assert_output '["concurrently",true,true]'
	run moment_sockets "$r" a
	assert_output 'ESTABLISHED C1 P,ESTABLISHED C2 P,ESTABLISHED P C1,ESTABLISHED P C2,LISTEN P 0'
	run moment_sockets "$r" b
	assert_output 'LISTEN P 0,TIME_WAIT P C1,TIME_WAIT P C2'
	run moment_sockets "$r" d
	assert_output 'LISTEN P 0'
	jqr "$r" '[.connections[] | [.active_closer, .time_wait_side]] | @json'
	assert_output '[["server","server"],["server","server"]]'
}

@test "concurrent (SLEEP=3): process tree while serving: one parent, two children" {
	r=$(report conc3 concurrent)
	jqr "$r" '.parameters.server_pid as $p | .moments.a.process_tree.processes
		| [length, (.[0].pid == $p), ([.[1:][] | select(.ppid == $p and .comm == "daytimed")] | length)] | @json'
	assert_output '[3,true,2]'
	# each child owns the server side of one connection; the parent none
	jqr "$r" '.parameters as $p | [.moments.a.snapshot.sockets[] | select(.local.port == $p.port and .state == "ESTABLISHED") | [.procs[].pid] | (length == 1 and .[0] != $p.server_pid)] | @json'
	assert_output '[true,true]'
	jqr "$r" '[(.moments.c.process_tree.processes | length), (.moments.a.process_tree.text | test("daytimed"))] | @json'
	assert_output '[1,true]'
}

@test "active close: the client sends the first FIN and its side ends in TIME_WAIT" {
	r=$(report ac active-close)
	jqr "$r" '[(.connections | length), .connections[0].active_closer, .connections[0].time_wait_side, .verdict.connections[0].first_fin.from, .verdict.kernel_time_wait_side, .parameters.client_exit_status] | @json'
	assert_output '[1,"client","client","client","client",0]'
	# the FIN came after `exit` was typed, during the pause between commands
	jqr "$r" '.verdict.connections[0].first_fin.t + .t0 > .parameters.exit_typed'
	assert_output true
	run moment_sockets "$r" b
	assert_output 'LISTEN P 0,TIME_WAIT C1 P'
	run moment_sockets "$r" d
	assert_output 'LISTEN P 0'
}

@test "active close: the child and the parent close their copies, the listening socket is untouched" {
	r=$(report ac active-close)
	jqr "$r" '.parameters.server_pid as $p | .moments.a.process_tree.processes
		| [length, .[0].pid == $p, .[1].ppid == $p] | @json'
	assert_output '[2,true,true]'
	jqr "$r" '.parameters.server_pid as $p | .moments.a.process_tree.processes[1].pid as $child
		| [.verdict.server_socket_procs_a == [$child], .verdict.listen_procs_a == [$p], .verdict.children_c, .verdict.listen_untouched] | @json'
	assert_output '[true,true,0,true]'
}

@test "active close: the log records the client-initiated disconnection" {
	r=$(report ac active-close)
	jqr "$r" '.verdict.log_client_closed | length'
	assert_output 1
	jqr "$r" '.verdict.log_client_closed[0] | [.event, .closed_by] | @json'
	assert_output '["disconnect","client"]'
	# `exit` came in the pause after the first command: one result only
	jqr "$r" '.verdict.log_results | @json'
	assert_output '["date"]'
	jqr "$r" '[.server.log[] | fromjson | .event] | @json'
	assert_output '["connect","result","disconnect"]'
}

@test "sequential with the lab's 10 s: the second client is served 10 s later" {
	r=$(report seq10 sequential)
	jqr "$r" '.verdict as $v | $v.connections as $c
		| [.parameters.sleep, $v.served, ($v.daytime_gap >= 9 and $v.daytime_gap <= 11),
		   ($c[1].first_data.t - $c[0].first_data.t >= 10),
		   ($c[1].served_after_handshake >= 10 - $v.handshakes.spread),
		   $v.listen_recv_q_a, $v.time_wait_side] | @json'
	assert_output '[10,"sequentially",true,true,true,1,"server"]'
	run moment_sockets "$r" d
	assert_output 'LISTEN P 0'
}

@test "concurrent with the lab's 10 s: the same second, two children, server TIME_WAITs" {
	r=$(report conc10 concurrent)
	jqr "$r" '[.parameters.sleep, .verdict.served, .verdict.daytime_gap < 1, .verdict.children_a, .verdict.active_closer, .verdict.time_wait_side] | @json'
	assert_output '[10,"concurrently",true,2,"server","server"]'
	run moment_sockets "$r" b
	assert_output 'LISTEN P 0,TIME_WAIT P C1,TIME_WAIT P C2'
}

@test "every capture read back with tcpobserve -r gives the report's connections" {
	for run in seq3/sequential conc3/concurrent ac/active-close seq10/sequential conc10/concurrent; do
		r=$(report "${run%/*}" "${run#*/}")
		pcap=$(jq -r .parameters.capture "$r")
		[ -s "$pcap" ]
		# The live capture ran past the TIME_WAIT expiry, so its timelines end
		# TIME_WAIT, CLOSED (since + 60) with time_wait[].ended set; the file
		# ends at its last packet, so read back they end in TIME_WAIT.
		norm='def cut: if length >= 2 and .[-1].state == "CLOSED" and .[-2].state == "TIME_WAIT" then .[:-1] else . end;
			map(.states |= map_values(cut) | .time_wait |= map(del(.ended)))'
		a=$("$BIN/tcpobserve" -r "$pcap" | jq -S -c ".connections | sort_by(.id) | $norm")
		b=$(jq -S -c ".connections | $norm" "$r")
		# and the live report really has the expiry, 60 s after TIME_WAIT began
		jq -e '[.connections[].time_wait[] | .ended != null and ((.until - .since - 60) | . * . < 1e-9)] | all' "$r" >/dev/null
		[ "$(jq length <<<"$b")" -ge 1 ]
		assert_equal "$a" "$b"
	done
}

@test "the account shows the ladders, the four moments and the verdict with evidence" {
	r=$(report seq3 sequential)
	out=$RUNS/seq3/stdout
	grep -q '^== Ladder diagrams (tcpobserve -r .*sequential.pcap --text)' "$out"
	grep -q "^== FIN packets (the lab's tcpdump 'tcp\[13\] & 1 != 0' view)" "$out"
	grep -Eq '^  \(a\) t=.*\| \(b\) t=.*\| \(c\) t=.*\| \(d\) t=' "$out"
	grep -q '^  - served SEQUENTIALLY' "$out"
	grep -Eq 'server closed first: FIN from 127\.0\.0\.1:[0-9]+ at t=[0-9.]+' "$out"
	grep -Eq 'evidence: \.connections\[0\]\.packets\[[0-9]+\]' "$out"
	grep -q '^  - served CONCURRENTLY' "$RUNS/conc3/stdout"
}

@test "nothing is left running and every namespace is gone" {
	for run in seq3/sequential conc3/concurrent ac/active-close seq10/sequential conc10/concurrent; do
		r=$(report "${run%/*}" "${run#*/}")
		for pid in $(jq -r '.parameters.server_pid, .clients[].pid, (.moments[].process_tree.processes[].pid)' "$r" | sort -u); do
			run kill -0 "$pid"
			assert_failure
		done
		ns=$(jq -r .parameters.namespace "$r")
		run bash -c "ip netns list | grep -w '$ns'"
		assert_failure
	done
	# the observers were started with -w $RUNS/...: none may remain
	run pgrep -f "$RUNS/"
	assert_failure
}

@test "Ctrl-C in the middle of a scenario removes its namespace and its processes" {
	out=$BATS_TEST_TMPDIR/int
	mkdir -p "$out"
	# a background job of a script ignores SIGINT: give it back its default
	SLEEP=30 OUT_DIR=$out env --default-signal=INT bash "$TOP/scenarios/run.sh" sequential >"$out/stdout" 2>"$out/stderr" 3>&- &
	pid=$!
	for _ in $(seq 100); do grep -q '(a) both clients connected' "$out/stderr" && break; sleep 0.1; done
	grep -q '(a) both clients connected' "$out/stderr"
	ns=$(sed -n 's/.* in namespace \(tcplab-[^ ]*\)$/\1/p' "$out/stderr")
	[ -n "$ns" ]
	ip netns list | grep -qw "$ns"
	victims=$(ip netns pids "$ns")
	[ -n "$victims" ]
	kill -INT "$pid"
	wait "$pid" || true
	run bash -c "ip netns list | grep -w '$ns'"
	assert_failure
	for v in $victims; do
		run kill -0 "$v"
		assert_failure
	done
	grep -q 'interrupted' "$out/stderr"
	[ ! -e "$out/report/sequential.json" ]
}

@test "a scenario killed outright (SIGKILL) still leaves no namespace and nothing running" {
	out=$BATS_TEST_TMPDIR/kill
	mkdir -p "$out"
	SLEEP=30 OUT_DIR=$out bash "$TOP/scenarios/run.sh" sequential >"$out/stdout" 2>"$out/stderr" 3>&- &
	pid=$!
	for _ in $(seq 100); do grep -q '(a) both clients connected' "$out/stderr" && break; sleep 0.1; done
	ns=$(sed -n 's/.* in namespace \(tcplab-[^ ]*\)$/\1/p' "$out/stderr")
	[ -n "$ns" ]
	victims=$(ip netns pids "$ns")
	[ -n "$victims" ]
	kill -KILL "$pid"
	for _ in $(seq 50); do ip netns list | grep -qw "$ns" || break; sleep 0.1; done
	run bash -c "ip netns list | grep -w '$ns'"
	assert_failure
	for v in $victims; do
		# killed; at most a zombie until its new parent reaps it
		run bash -c "ps -o stat= -p $v | grep -v '^Z'"
		assert_failure
	done
}
