#!/usr/bin/env bats
# tcpobserve --snapshot: the kernel's TCP sockets through sock_diag. Every
# test runs in its own network namespace, so the socket counts are exact.

load test_helper
load snapshot_helper

setup() { snap_setup; }
teardown() { snap_teardown; }

@test "a listener that never accepts shows both handshaken clients in its Recv-Q" {
	snap_peer srv listen 127.0.0.1
	port=$(snap_field srv port)
	snap_peer cli connect 127.0.0.1 "$port" 2
	c1=$(snap_field cli cport1)
	c2=$(snap_field cli cport2)
	snap_run >"$BATS_TEST_TMPDIR/s.json"
	j=$BATS_TEST_TMPDIR/s.json

	run jq -r '[.tool, .kind, .schema, (.sockets|length)] | @tsv' "$j"
	assert_output "$(printf 'tcpobserve\tsnapshot\t1\t5')"
	run jq -c --argjson p "$port" '.sockets[0] | [.family, .state, .local, .remote, .recv_q, .timer]' "$j"
	assert_output "[\"inet\",\"LISTEN\",{\"addr\":\"127.0.0.1\",\"port\":$port},{\"addr\":\"0.0.0.0\",\"port\":0},2,null]"
	for c in "$c1" "$c2"; do
		# the client's end, owned by the client process
		run jq -c --argjson p "$port" --argjson c "$c" '[.sockets[]
		    | select(.local.port == $c and .remote.port == $p)
		    | [.state, .local.addr, .remote.addr, .recv_q, .send_q]]' "$j"
		assert_output '[["ESTABLISHED","127.0.0.1","127.0.0.1",0,0]]'
		# the server's end, complete but not yet accept()ed: no file, no owner
		run jq -c --argjson p "$port" --argjson c "$c" '[.sockets[]
		    | select(.local.port == $p and .remote.port == $c)
		    | [.state, .inode, .procs]]' "$j"
		assert_output '[["ESTABLISHED",0,[]]]'
	done
}

@test "procs name the pid and command that hold each socket" {
	snap_peer srv listen 127.0.0.1
	port=$(snap_field srv port)
	snap_peer cli connect 127.0.0.1 "$port" 1
	snap_run >"$BATS_TEST_TMPDIR/s.json"
	run jq -c '.sockets[] | select(.state == "LISTEN") | .procs | map(del(.fd))' "$BATS_TEST_TMPDIR/s.json"
	assert_output "[{\"pid\":$(snap_field srv pid),\"comm\":\"snaplisten\"}]"
	# and the descriptor it holds it as, like ss -p's fd=N
	run jq -c '.sockets[] | select(.state == "LISTEN") | .procs[0].fd >= 3' "$BATS_TEST_TMPDIR/s.json"
	assert_output true
	run jq -c --argjson c "$(snap_field cli cport1)" \
	    '.sockets[] | select(.local.port == $c) | [.inode > 0, .uid, (.procs | map(del(.fd)))]' \
	    "$BATS_TEST_TMPDIR/s.json"
	assert_output "[true,0,[{\"pid\":$(snap_field cli pid),\"comm\":\"snapclient\"}]]"
}

@test "a listening socket shared across fork() lists both processes, by pid" {
	snap_peer srv listen 127.0.0.1 fork
	parent=$(snap_field srv pid)
	child=$(snap_field srv child)
	snap_run >"$BATS_TEST_TMPDIR/s.json"
	run jq -c '[.sockets[] | .procs | map(.pid)]' "$BATS_TEST_TMPDIR/s.json"
	assert_output "[[$parent,$child]]"
}

@test "the active closer's end stays in TIME_WAIT with 0 < time left <= 60 s" {
	snap_peer cl closer 127.0.0.1
	port=$(snap_field cl port)
	cport=$(snap_field cl cport)
	snap_run >"$BATS_TEST_TMPDIR/s.json"
	run jq -c '[.sockets[] | [.state, .local.port, .remote.port, .timer.kind,
	    (.timer.left > 0 and .timer.left <= 60), .inode, .procs]]' "$BATS_TEST_TMPDIR/s.json"
	assert_output "[[\"TIME_WAIT\",$cport,$port,\"timewait\",true,0,[]]]"
}

@test "--port keeps only sockets with that local or remote port" {
	snap_peer a listen 127.0.0.1
	snap_peer b listen 127.0.0.1
	pa=$(snap_field a port)
	pb=$(snap_field b port)
	snap_peer cli connect 127.0.0.1 "$pa" 1
	c=$(snap_field cli cport1)
	# LISTEN first, then by local port
	if ((c < pa)); then
		est="[\"ESTABLISHED\",$c,$pa],[\"ESTABLISHED\",$pa,$c]"
	else
		est="[\"ESTABLISHED\",$pa,$c],[\"ESTABLISHED\",$c,$pa]"
	fi
	run jq -c '[.sockets[] | [.state, .local.port, .remote.port]]' \
	    <(snap_run --port "$pa")
	assert_output "[[\"LISTEN\",$pa,0],$est]"
	run jq -c '[.sockets[] | .local.port]' <(snap_run --port "$pb")
	assert_output "[$pb]"
	run jq -c '.sockets' <(snap_run --port 9)
	assert_output '[]'
}

@test "--text prints the lines netstat -tan prints, with ss -tanop's owner and timer beside" {
	snap_peer srv listen 127.0.0.1
	port=$(snap_field srv port)
	snap_peer cli connect 127.0.0.1 "$port" 1
	c=$(snap_field cli cport1)
	run snap_run --text --port "$port"
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line -n 0 'Proto Recv-Q Send-Q Local Address           Foreign Address         State       (ss -tanop: owner, timer)'
	# netstat's own lines (LISTEN's Send-Q 0, `*`), cut where netstat's end
	run bash -c "ip netns exec '$NS' netstat -tan | tail -n +3 | sed 's/ *$//' | sort"
	want=$output
	run bash -c "ip netns exec '$NS' '$TCPOBSERVE' --snapshot --text | tail -n +2 | cut -c 1-80 | sed 's/ *$//' | sort"
	assert_equal "$output" "$want"
	run snap_run --text --port "$port"
	assert_line -n 1 --regexp "^tcp +1 +0 127\.0\.0\.1:$port +0\.0\.0\.0:\* +LISTEN +users:\(\(\"snaplisten\",pid=$(snap_field srv pid),fd=[0-9]+\)\)$"
	# then by local port: the server's end first when its port is lower
	srv=2 cli=3
	((c < port)) && srv=3 cli=2
	assert_line -n $srv --regexp "^tcp +0 +0 127\.0\.0\.1:$port +127\.0\.0\.1:$c +ESTABLISHED$"
	assert_line -n $cli --regexp "^tcp +0 +0 127\.0\.0\.1:$c +127\.0\.0\.1:$port +ESTABLISHED users:\(\(\"snapclient\",pid=$(snap_field cli pid),fd=[0-9]+\)\)$"
}

@test "--text -r reads a snapshot back: the same lines as the live --text" {
	snap_peer cl closer 127.0.0.1
	port=$(snap_field cl port)
	snap_run --port "$port" >"$BATS_TEST_TMPDIR/s.json"
	run bash -c "'$TCPOBSERVE' --snapshot --text -r - <'$BATS_TEST_TMPDIR/s.json'"
	assert_success
	assert_line -n 1 --regexp "^tcp +0 +0 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$port +TIME_WAIT +timer:\(timewait,[0-9]+sec,0\)$"
	run "$TCPOBSERVE" --snapshot --text -r "$BATS_TEST_TMPDIR/s.json"
	assert_equal "${#lines[@]}" 2
	echo '{"sockets": 3}' >"$BATS_TEST_TMPDIR/bad.json"
	run "$TCPOBSERVE" --snapshot --text -r "$BATS_TEST_TMPDIR/bad.json"
	assert_failure 1
	assert_output "tcpobserve: $BATS_TEST_TMPDIR/bad.json: not a snapshot (no \"sockets\" array)"
	run "$TCPOBSERVE" --snapshot -r "$BATS_TEST_TMPDIR/s.json"
	assert_failure 2
	assert_output "tcpobserve: --snapshot -r: only with --text (and no --port or -o)"
}

@test "IPv6 sockets are listed with family inet6, in netstat's words" {
	snap_peer srv listen ::1
	port=$(snap_field srv port)
	run snap_run --text
	assert_line -n 1 --regexp "^tcp6 +0 +0 ::1:$port +:::\* +LISTEN "
	run jq -c '.sockets | map([.family, .local.addr, .local.port])' <(snap_run)
	assert_output "[[\"inet6\",\"::1\",$port]]"
}

@test "-o FILE writes the report to the file and nothing to stdout" {
	snap_peer srv listen 127.0.0.1
	run snap_run -o "$BATS_TEST_TMPDIR/o.json"
	assert_success
	assert_output ''
	run jq -r '(.time - now | fabs < 30), (.sockets | length)' "$BATS_TEST_TMPDIR/o.json"
	assert_output "$(printf 'true\n1')"
}

@test "a bad --port value is one clear error and exit status 2" {
	for bad in abc 0 65536 -1 12x ''; do
		run "$TCPOBSERVE" --snapshot --port "$bad"
		assert_failure 2
		assert_output "tcpobserve: --port: '$bad': not a port number (1-65535)"
	done
}

@test "--snapshot -h prints its usage on stdout; an unknown option exits 2" {
	run "$TCPOBSERVE" --snapshot -h
	assert_success
	assert_line -n 0 'usage: tcpobserve --snapshot [--port PORT] [--text] [-o FILE]'
	assert_line -n 1 '       tcpobserve --snapshot --text -r SNAPSHOT.json   (a snapshot read back; -: stdin)'
	run "$TCPOBSERVE" --snapshot --bogus
	assert_failure 2
	assert_line -n 0 "tcpobserve: --snapshot: unknown option or missing value: '--bogus'"
}

@test "a server that closed waits in FIN_WAIT_2 while its silent client sits in CLOSE_WAIT" {
	snap_peer h halfclosed 127.0.0.1
	port=$(snap_field h port)
	cport=$(snap_field h cport)
	run jq -c --argjson p "$port" '[.sockets[] | select(.state != "LISTEN")
	    | [.state, .local.port, .remote.port, .timer.kind, (.procs | map(.comm))]]' <(snap_run --port "$port")
	# the server's socket is orphaned (closed, no owner) and timed, as
	# Linux keeps an orphan in FIN_WAIT_2 for tcp_fin_timeout (60 s)
	if ((cport < port)); then
		assert_output "[[\"CLOSE_WAIT\",$cport,$port,null,[\"snaphalf\"]],[\"FIN_WAIT_2\",$port,$cport,\"timewait\",[]]]"
	else
		assert_output "[[\"FIN_WAIT_2\",$port,$cport,\"timewait\",[]],[\"CLOSE_WAIT\",$cport,$port,null,[\"snaphalf\"]]]"
	fi
}
