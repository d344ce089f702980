#!/usr/bin/env bats
# The grader's verdicts (scenarios/grade/checks.jq) on hand-made evidence:
# each verdict agrees with its words, data after our own FIN is not
# "served", a connection seen on the wire takes the wire's times.

load test_helper

# verdict PROGRAM [JQ ARGS...]: run a checks.jq function on stdin.
verdict() {
	local prog=$1
	shift
	jq -c -L "$TOP/scenarios/grade" "$@" "include \"checks\"; $prog"
}

@test "probe logs: data after our own FIN does not count as served" {
	run verdict probe_conns -Rn <<'EOF'
c 100.000 0 connected lport=5000
c 101.000 0 shut
c 101.500 0 data 5 late.
c 101.600 0 eof
c 100.000 1 connected lport=5001
c 100.200 1 data 4 hi..
c 102.200 1 eof
c 102.201 1 closed passive
EOF
	assert_success
	assert_output '[{"probe":"c","index":0,"cport":5000,"data":null,"text":null,"sfin":101.6,"cfin":101,"rst":false},{"probe":"c","index":1,"cport":5001,"data":100.2,"text":"hi..","sfin":102.2,"cfin":102.201,"rst":false}]'
}

@test "check 3: the verdict and its words agree (concurrent, iterative, one served)" {
	run verdict 'check3(7)' <<'EOF'
[{"cport":1,"data":10.0,"sfin":12.0,"source":"wire"},{"cport":2,"data":10.4,"sfin":12.4,"source":"wire"}]
EOF
	assert_output '{"status":"passed","output":"client :1 got data at +0.000 s, client :2 at +0.400 s; the first connection got the server FIN at +2.000 s: both served at once (source: wire)"}'
	# 0.3 s apart but after the first's FIN: iterative, and said so
	run verdict 'check3(7)' <<'EOF'
[{"cport":1,"data":10.0,"sfin":10.1,"source":"wire"},{"cport":2,"data":10.3,"sfin":10.4,"source":"wire"}]
EOF
	assert_output --partial '"status":"failed"'
	assert_output --partial 'the second was served only after the first was closed (iterative)'
	refute_output --partial 'at once'
	run verdict 'check3(7)' <<'EOF'
[{"cport":1,"data":10.0,"sfin":12.0,"source":"probe"},{"cport":2,"data":null,"sfin":null,"source":"probe"}]
EOF
	assert_output '{"status":"failed","output":"only 1 of 2 clients got data within 7 s (client :1 at +0.000 s, its server FIN at +2.000 s): not served concurrently"}'
}

@test "check 2: who closes first is the assignment's contract (server, client, either)" {
	local c='[{"data":1.0,"text":"hi","sfin":1.5,"cfin":null,"rst":false,"source":"wire"}]'
	run verdict 'check2(30; "server"; ""; "")' <<<"$c"
	assert_output '{"status":"passed","output":"data \"hi\" at +0.000 s, then the server'"'"'s FIN at +0.500 s (source: wire): the server closed first"}'
	run verdict 'check2(30; "client"; ""; "")' <<<"$c"
	assert_output --partial '"status":"failed"'
	assert_output --partial 'expects the client to close first'
	c='[{"data":1.0,"text":"hi","sfin":1.3,"cfin":1.2,"rst":false,"source":"wire"}]'
	run verdict 'check2(30; "client"; ""; "")' <<<"$c"
	assert_output --partial '"status":"passed"'
	run verdict 'check2(30; "either"; ""; "")' <<<"$c"
	assert_output --partial '"status":"passed"'
	run verdict 'check2(30; "server"; ":5 ESTABLISHED held by pid 7 (a child)"; "the child holds it")' <<<"$c"
	assert_output '{"status":"failed","output":"data \"hi\" at +0.000 s, but no FIN from the server within 30 s after it: the connection stays open (:5 ESTABLISHED held by pid 7 (a child)): the child holds it"}'
}

@test "check 4: served connections each held by a child of their own; the backlog named" {
	local snap='{"sockets":[
		{"state":"LISTEN","local":{"port":9},"recv_q":0,"procs":[{"pid":1}]},
		{"state":"ESTABLISHED","local":{"port":9},"remote":{"port":100},"procs":[{"pid":2}]},
		{"state":"ESTABLISHED","local":{"port":9},"remote":{"port":101},"procs":[{"pid":3}]}]}'
	run verdict 'check4(9; 1; [2, 3])' <<<"$snap"
	assert_output '{"status":"passed","output":"2 clients connected; 2 live child process(es) of parent 1; :100 held by 2; :101 held by 3"}'
	snap='{"sockets":[
		{"state":"LISTEN","local":{"port":9},"recv_q":2,"procs":[{"pid":1}]},
		{"state":"ESTABLISHED","local":{"port":9},"remote":{"port":100},"procs":[{"pid":1}]},
		{"state":"ESTABLISHED","local":{"port":9},"remote":{"port":101},"procs":[]},
		{"state":"ESTABLISHED","local":{"port":9},"remote":{"port":102},"procs":[]}]}'
	run verdict 'check4(9; 1; [])' <<<"$snap"
	assert_output '{"status":"failed","output":"3 clients connected; 0 live child process(es) of parent 1; :100 held by 1 (parent); :101 held by nobody (waiting in the backlog); :102 held by nobody (waiting in the backlog); LISTEN Recv-Q 2: accept() not called for them yet"}'
}

@test "the wire's times replace our clients' where the capture saw the connection" {
	run verdict 'merge_conns([{"cport":5,"data":1.1,"sfin":3.1,"cfin":null,"rst":false}])' <<'EOF'
[{"cport":5,"data":1.2,"text":"x","sfin":3.2,"cfin":3.3,"rst":false},{"cport":6,"data":2,"sfin":null,"cfin":null,"rst":false}]
EOF
	assert_output '[{"cport":5,"data":1.1,"text":"x","sfin":3.1,"cfin":3.3,"rst":false,"source":"wire"},{"cport":6,"data":2,"sfin":null,"cfin":null,"rst":false,"source":"probe"}]'
}

@test "process trees in words: children, zombies and grandchildren" {
	run verdict tree_words <<'EOF'
{"root":10,"processes":[{"pid":10,"ppid":1,"stat":"S","comm":"server"},{"pid":11,"ppid":10,"stat":"S","comm":"server"},{"pid":12,"ppid":11,"stat":"Z","comm":"server"}]}
EOF
	assert_output '"10 server -> 11 (S), 12 (Z) child of 11"'
	run verdict '[live_children, grandchildren]' <<'EOF'
{"root":10,"processes":[{"pid":10,"ppid":1,"stat":"S","comm":"server"},{"pid":11,"ppid":10,"stat":"S","comm":"server"},{"pid":12,"ppid":11,"stat":"Z","comm":"server"}]}
EOF
	assert_output '[[11],[{"pid":12,"ppid":11}]]'
}
