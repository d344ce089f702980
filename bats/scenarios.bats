#!/usr/bin/env bats
# The scenarios (issue 4): every run is made once, all at the same time, in
# setup_file — each in a network namespace of its own, with an OUT_DIR of its
# own — because moment (d) waits ~60 s for the TIME_WAITs to expire. Each
# test then asserts exact facts on one report with jq.

load test_helper

# run ID SCENARIO SLEEP: one scenario run in the background into $RUNS/ID.
start_run() {
	mkdir -p "$RUNS/$1"
	# (errexit holds in the background group: keep the status, do not stop at it)
	{ rc=0
	  SLEEP=$3 OUT_DIR=$RUNS/$1 COLUMNS=160 timeout -k 5 240 \
		bash "$TOP/scenarios/run.sh" "$2" >"$RUNS/$1/stdout" 2>"$RUNS/$1/stderr" 3>&- || rc=$?
	  echo $rc >"$RUNS/$1/rc"; } 3>&- &
}

# A student's daytime server as a student writes it: ./servidor PORT,
# iterative, or one child per client with "fork" as a second word; it holds
# each client HOLD seconds (0: closes at once) before closing.
student_server() {
	cat >"$1.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int lfd, cfd, on = 1, forking = argc > 2 && strcmp(argv[2], "fork") == 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
	char buf[64];
	time_t t;

	signal(SIGCHLD, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 5) < 0)
		return 1;
	for (;;) {
		if ((cfd = accept(lfd, NULL, NULL)) < 0)
			continue;
		if (forking && fork() > 0) {
			close(cfd);
			continue;
		}
		if (forking)
			close(lfd);
		t = time(NULL);
		snprintf(buf, sizeof buf, "%.24s\r\n", ctime(&t));
		write(cfd, buf, strlen(buf));
		sleep(HOLD);
		close(cfd);
		if (forking)
			_exit(0);
	}
}
C
	cc -DHOLD="$2" -o "$1" "$1.c"
}

# start_own ID SCENARIO SLEEP SERVER [CLIENT]: a scenario run with a
# student's server (and client).
start_own() {
	mkdir -p "$RUNS/$1"
	# (errexit holds in the background group: keep the status, do not stop at it)
	{ rc=0
	  CLIENT=${5:-} SERVER=$4 SLEEP=$3 OUT_DIR=$RUNS/$1 COLUMNS=160 timeout -k 5 240 \
		bash "$TOP/scenarios/run.sh" "$2" >"$RUNS/$1/stdout" 2>"$RUNS/$1/stderr" 3>&- || rc=$?
	  echo $rc >"$RUNS/$1/rc"; } 3>&- &
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export RUNS=$BATS_FILE_TMPDIR/runs
	mkdir -p "$RUNS/students"
	student_server "$RUNS/students/servidor" 3
	student_server "$RUNS/students/instant" 0
	start_own own-iter sequential 3 "$RUNS/students/servidor {port}"
	start_own own-fork concurrent 3 "$RUNS/students/servidor {port} fork"
	start_own own-instant sequential 2 "$RUNS/students/instant {port}"
	# the lab's own programs given as a student's: run the way a student's are
	printf '%s\n' date 'echo done' >"$RUNS/students/commands.txt"
	start_own own-ac active-close 10 "$BIN/cmdserver -p {port} -c $RUNS/students/commands.txt -l log.txt -i 10" \
		"$BIN/cmdclient {host} {port}"
	start_run seq3 sequential 3
	start_run conc3 concurrent 3
	# the pause between commands: `exit` is typed in it, so a long one
	# costs nothing and leaves room on a loaded machine
	start_run ac active-close 10
	start_run seq10 sequential 10
	start_run conc10 concurrent 10
	wait
}

# the runs made with daytimed and cmdserver, as RUN/NAME
OURS="seq3/sequential conc3/concurrent ac/active-close seq10/sequential conc10/concurrent"

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

# exited ID STATUS: that run exited with STATUS (else its stderr is shown).
exited() {
	[ "$(cat "$RUNS/$1/rc")" = "$2" ] || { cat "$RUNS/$1/stderr" >&2; return 1; }
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

@test "sequential (SLEEP=3): both handshakes finish before the server closes the first connection" {
	r=$(report seq3 sequential)
	# On the wire, whatever the machine's load: both server sides ESTABLISHED
	# before the first FIN (the lesson's precondition), so the second waited
	# in the accept queue; the spread is what was measured, under the hold.
	jqr "$r" '(.connections[0].packets | map(select(.flags | test("F")))[0].t) as $fin
		| [(.connections | length),
		   ([.connections[].states.server[] | select(.state == "ESTABLISHED") | .t < $fin] | all),
		   (.verdict.handshakes.spread < 3)] | @json'
	assert_output '[2,true,true]'
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
	for run in $OURS; do
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
	grep -q "^== FIN packets (what tcpdump -nn -i lo 'tcp\[13\] & 1 != 0' prints" "$out"
	# tcpdump's own lines, each followed by the side that sent it
	run grep -EA1 '^  [0-9:.]{15} IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags \[F\.\], seq' "$out"
	assert_equal "$(grep -c ' IP ' <<<"$output")" 4
	assert_equal "$(grep -Ec '^      \((server|client)\)  \.connections\[[01]\]\.packets\[[0-9]+\]$' <<<"$output")" 4
	# the same in the report, for the page and the exercises
	jqr "$r" '[(.fin_packets | length), ([.fin_packets[].side] | sort), (.fin_packets[0].line | test(" > .*: Flags \\[F\\.\\]")),
		([.moments[].netstat[0]] | unique)] | @json'
	assert_output '[4,["client","client","server","server"],true,["Proto Recv-Q Send-Q Local Address           Foreign Address         State       (ss -tanop: owner, timer)"]]'
	# the four moments, each a table in netstat -tan's own columns
	grep -Eq '^  \(a\) t=[0-9.]+  both connected$' "$out"
	grep -Eq '^  \(d\) t=[0-9.]+  TIME_WAITs expired$' "$out"
	assert_equal "$(grep -c '^    Proto Recv-Q Send-Q Local Address           Foreign Address         State  ' "$out")" 4
	P=$(jq .parameters.port "$r")
	grep -Eq "^    tcp        1      0 127\.0\.0\.1:$P +0\.0\.0\.0:\* +LISTEN      users:\(\(\"daytimed\",pid=[0-9]+,fd=[0-9]+\)\)$" "$out"
	grep -Eq "^    tcp        0      0 127\.0\.0\.1:$P +127\.0\.0\.1:[0-9]+ +TIME_WAIT   timer:\(timewait,[0-9]+sec,0\)$" "$out"
	grep -q '^  - served SEQUENTIALLY' "$out"
	grep -Eq 'server closed first: FIN from 127\.0\.0\.1:[0-9]+ at t=[0-9.]+' "$out"
	grep -Eq 'evidence: \.connections\[0\]\.packets\[[0-9]+\]' "$out"
	grep -q '^  - served CONCURRENTLY' "$RUNS/conc3/stdout"
}

@test "nothing is left running and every namespace is gone" {
	for run in $OURS own-iter/sequential own-fork/concurrent own-instant/sequential own-ac/active-close; do
		r=$(report "${run%/*}" "${run#*/}")
		# each process by pid and start time: on a busy machine pids are reused within minutes
		for p in $(jq -r '(.clients[], .moments[].process_tree.processes[]) | "\(.pid):\(.start)"' "$r" | sort -u); do
			run bash -c "read -r s </proc/${p%:*}/stat && set -- \${s##*) } && [ \"\${20}\" = '${p#*:}' ]"
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
	cat "$out/stderr" >&2	# shown if the test fails
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

@test "every run of ours exits 0 with no moment missed, and says what each moment was" {
	for run in $OURS; do
		r=$(report "${run%/*}" "${run#*/}")
		exited "${run%/*}" 0
		jqr "$r" '[.missed, ([.moments[].missed] | unique), (.moments | keys)] | @json'
		assert_output '[[],[false],["a","b","c","d"]]'
	done
}

# pieces REPORT: the parts report.jq was given, rebuilt from a report, in
# $BATS_TEST_TMPDIR/{params,obs,clients,moments,srv}.json.
pieces() {
	local d=$BATS_TEST_TMPDIR
	jq '.parameters' "$1" >"$d/params.json"
	jq '.observer + {t0, connections}' "$1" >"$d/obs.json"
	jq -c '.clients[] | {name: .started_as, pid, lines, typed}' "$1" >"$d/clients.json"
	jq -c '.moments[] | del(.t)' "$1" >"$d/moments.json"
	jq '.server' "$1" >"$d/srv.json"
}

# verdict_with FILTER: report.jq's verdict on those pieces, the clients
# changed by FILTER (applied to each client object).
verdict_with() {
	local d=$BATS_TEST_TMPDIR
	jq -c "$1" "$d/clients.json" >"$d/clients2.json"
	jq -n --argjson params "$(cat "$d/params.json")" --slurpfile obs "$d/obs.json" \
		--slurpfile clients "$d/clients2.json" --slurpfile moments "$d/moments.json" \
		--slurpfile srv "$d/srv.json" -f "$TOP/scenarios/report.jq" |
		jq -c '[.verdict.served, .verdict.served_source]'
}

@test "the verdict rests on the wire: clients' stamps seconds late do not change it" {
	r=$(report seq3 sequential)
	pieces "$r"
	run verdict_with '.'
	assert_output '["sequentially","wire"]'
	# telnet's first line stamped 5 s late by a busy shell (the lab's view)
	first=$(jq -r '.clients[0].started_as' "$r")
	run verdict_with "if .name == \"$first\" then .lines |= map(.t += 5) else . end"
	assert_output '["sequentially","wire"]'
	r=$(report conc3 concurrent)
	pieces "$r"
	second=$(jq -r '.clients[1].started_as' "$r")
	run verdict_with "if .name == \"$second\" then .lines |= map(.t += 5) else . end"
	assert_output '["concurrently","wire"]'
}

@test "the precondition of the sequential lesson is checked on the wire and shown" {
	r=$(report seq10 sequential)
	jqr "$r" '.verdict.preconditions | [.hold, .source, .second_connected < .first_closed,
		(.evidence | length)] | @json'
	assert_output '[true,"wire",true,2]'
	grep -q '^  - both clients were connected before the server closed the first' "$RUNS/seq10/stdout"
}

@test "reports write times as fixed decimals, never in exponent form" {
	for run in $OURS; do
		r=$(report "${run%/*}" "${run#*/}")
		run grep -cE '[0-9][eE][-+]?[0-9]' "$r"
		assert_output 0
	done
}

@test "the account explains the accept queue, TIME_WAIT and the parent's close where they appear" {
	grep -q "why: the kernel completes a handshake without the server" "$RUNS/seq3/stdout"
	grep -q "why: the side that closes first (the active closer) keeps the connection in" "$RUNS/seq3/stdout"
	grep -q "2MSL" "$RUNS/ac/stdout"
	grep -q "why: after fork() parent and child share the connected socket" "$RUNS/conc3/stdout"
	grep -q "why: after fork() parent and child share the connected socket" "$RUNS/ac/stdout"
	run grep -c "why: the kernel completes" "$RUNS/conc3/stdout"
	assert_output 0
}

@test "a student's iterative server (SERVER='./servidor {port}') is seen serving sequentially, as nobody" {
	r=$(report own-iter sequential)
	exited own-iter 0
	jqr "$r" '[.parameters.own_server, .parameters.mode, .verdict.served, .verdict.time_wait_side,
		(.verdict.daytime_gap >= 2), .verdict.listen_recv_q_a] | @json'
	assert_output '[true,null,"sequentially","server",true,1]'
	# it ran as nobody: the listening socket is nobody's
	jqr "$r" '[.moments.a.snapshot.sockets[] | select(.state == "LISTEN") | .uid] | @json'
	assert_output "[$(id -u nobody)]"
	run moment_sockets "$r" a
	assert_output 'ESTABLISHED C1 P,ESTABLISHED C2 P,ESTABLISHED P C1,ESTABLISHED P C2,LISTEN P 0'
	grep -q '^  - (your server: what it did, not a grade)' "$RUNS/own-iter/stdout"
	grep -q '^  - served SEQUENTIALLY' "$RUNS/own-iter/stdout"
}

@test "a student's fork server is seen serving concurrently, closing first and holding TIME_WAIT" {
	r=$(report own-fork concurrent)
	exited own-fork 0
	jqr "$r" '[.verdict.served, .verdict.active_closer, .verdict.time_wait_side, .verdict.kernel_time_wait_side,
		.verdict.children_a] | @json'
	assert_output '["concurrently","server","server","server",2]'
	jqr "$r" '.moments.a.process_tree.text | test("^servidor\\([0-9]+\\)-\\+-servidor\\([0-9]+\\)\n +`-servidor")'
	assert_output true
}

@test "a moment that cannot be seen reruns the scenario once, then is reported missed and the exit is 1" {
	r=$(report own-instant sequential)
	exited own-instant 1
	run grep -c 'running the scenario again (once)' "$RUNS/own-instant/stderr"
	assert_output 1
	grep -q 'missed moment (a) both connected: expected 4 ESTABLISHED' "$RUNS/own-instant/stderr"
	jqr "$r" '[.attempt, (.rerun_reason | test("^moment \\(a\\)")), .moments.a.missed,
		(.moments.a.reason | test("^expected 4 ESTABLISHED sockets")), [.missed[].id], .verdict.children_a,
		.verdict.listen_recv_q_a] | @json'
	assert_output '[2,true,true,true,["a"],0,null]'
	# the account says so, and shows no table as moment (a)
	grep -q '^  - moment (a) both connected MISSED: expected 4 ESTABLISHED' "$RUNS/own-instant/stdout"
	grep -Eq '^  \(a\) MISSED: both connected' "$RUNS/own-instant/stdout"
	run grep -E '^  \(a\) t=' "$RUNS/own-instant/stdout"
	assert_failure
}

@test "lib.sh still gives every sc_* function of its split-up parts, each file under 120 columns" {
	run bash -c ". '$TOP/scenarios/lib.sh'; for f in sc_init sc_say sc_die sc_ns_setup sc_watchdog \
		sc_run sc_bg sc_wait_line sc_deadline sc_past sc_server_start sc_observe_start sc_observe_stop \
		sc_wait_exit sc_client_start sc_stamp sc_client_send sc_client_json sc_snapshot sc_wait_snapshot \
		sc_settled sc_moment sc_wait_children sc_server_json sc_ptree sc_kill sc_write_report sc_cleanup \
		sc_check_moment sc_rerun sc_user_server; do declare -F \$f >/dev/null || echo missing \$f; done
		echo \"\$SC_STABLE\""
	assert_output '([.sockets[].state] - ["LISTEN", "ESTABLISHED", "TIME_WAIT"] | length == 0)'
	run awk 'length > 120 { print FILENAME ":" FNR }' "$TOP"/scenarios/lib.sh "$TOP"/scenarios/lib/* \
		"$TOP"/scenarios/{run,daytime,active-close,render}.sh "$TOP"/scenarios/*.jq
	assert_output ''
}

@test "sc_ptree draws the tree as pstree -pA does and lists each process once" {
	bash -c 'sleep 30 & sleep 30 & bash -c "sleep 30; true" & wait' 3>&- &
	root=$!
	pids() { pstree -p "$root" | grep -o '([0-9]*)' | tr -d '()'; }
	for _ in $(seq 100); do [ "$(pids | wc -l)" -ge 5 ] && break; sleep 0.05; done
	want=$(pstree -pA "$root")
	run bash -c ". '$TOP/scenarios/lib.sh'; sc_ptree $root"
	kill $(pids)
	assert_equal "$(jq -r .text <<<"$output")" "$want"
	jq -e --argjson r "$root" '[(.processes | length), .processes[0].pid == $r, .processes[0].stat]
		== [5, true, "S"]' <<<"$output"
}

@test "a student's server and client (SERVER=..., CLIENT=...) in the active close: who closed, who held TIME_WAIT" {
	r=$(report own-ac active-close)
	exited own-ac 0
	jqr "$r" '[.parameters.own_server, .parameters.own_client, .verdict.active_closer, .verdict.time_wait_side,
		.verdict.kernel_time_wait_side, .verdict.children_a, .verdict.children_c] | @json'
	assert_output '[true,true,"client","client","client",1,0]'
	# both ran as nobody, each from a copy in a directory of its own
	jqr "$r" '[.moments.a.snapshot.sockets[] | select(.state != "TIME_WAIT") | .uid] | unique | @json'
	assert_output "[$(id -u nobody)]"
	jqr "$r" '.parameters.client | test("^.*/cmdclient 127\\.0\\.0\\.1 [0-9]+$")'
	assert_output true
	grep -q '^  - the CLIENT closed first' "$RUNS/own-ac/stdout"
	run grep -c 'commands run before the client left' "$RUNS/own-ac/stdout"
	assert_output 0
}
