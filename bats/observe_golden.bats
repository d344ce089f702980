#!/usr/bin/env bats
# Golden tests of `tcpobserve -r`: every capture in bats/fixtures/golden (made by
# bats/fixtures/golden/make-fixtures.sh, see README) must
# give exactly its expected report NAME.json, must agree with what the
# kernel itself recorded during the capture (NAME.trace, tracefs
# sock/inet_sock_set_state), and shows the facts spelled out below.

setup() {
	load test_helper
	load fixtures_helper
}

SITUATIONS="server-close client-close backlog half-close refused abort fin-data
	many tuple-reuse ipv6 crossing-fins crossing-fins-at-server lost-fin lost-final-ack
	fin-lost-past-capture fin-before-data simultaneous-open simultaneous-open-at-server"

# golden NAME: the normalised report equals NAME.json and agrees with
# NAME.trace: the same state sequences, and each state change the wire can
# time within 5 ms of the kernel's own timestamp (check-trace.sh -t).
golden() {
	observe "$GOLDEN/$1.pcap"
	run diff <(jq -S . "$GOLDEN/$1.json") "$OUT"
	assert_success
	run bash "$GOLDEN/check-trace.sh" -t 5 "$GOLDEN/$1.trace" "$OUT"
	assert_success
	assert_line --regexp '^agree: [0-9]+ timelines'
	assert_line --regexp '^times: [1-9][0-9]* state changes compared, 0 off by more than 5 ms'
}

# closing NAME CLOSER TW_SIDE RST CONN_STATE HISTORY: connection 1's summary.
closing() {
	assert_equal "$(cfield 1 .partial)" false
	assert_equal "$(cfield 1 .active_closer)" "$1"
	assert_equal "$(cfield 1 .time_wait_side)" "$2"
	assert_equal "$(cfield 1 .rst)" "$3"
	assert_equal "$(cfield 1 .conn_state)" "\"$4\""
	assert_equal "$(cfield 1 .history)" "\"$5\""
}

ACTIVE="ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT"
PASSIVE="ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"

@test "every fixture has its capture, kernel trace, ss snapshots and expected report, all small" {
	local n total=0
	for n in $SITUATIONS; do
		for ext in pcap trace ss json txt; do
			[ -s "$GOLDEN/$n.$ext" ] || fail "missing $n.$ext"
		done
		[ "$(stat -c %s "$GOLDEN/$n.pcap")" -lt 100000 ] || fail "$n.pcap too big"
		total=$((total + $(stat -c %s "$GOLDEN/$n.pcap")))
	done
	[ "$total" -lt 2000000 ]
}

@test "--text draws exactly the expected ladders of every fixture" {
	local n
	for n in $SITUATIONS; do
		run diff "$GOLDEN/$n.txt" <("$BIN/tcpobserve" --text -r "$GOLDEN/$n.pcap")
		assert_success
	done
}

@test "the expected reports themselves agree with the kernel traces" {
	local n
	for n in $SITUATIONS; do
		run bash "$GOLDEN/check-trace.sh" -t 5 "$GOLDEN/$n.trace" "$GOLDEN/$n.json"
		assert_success
	done
}

@test "the trace checker catches a report that disagrees with the kernel" {
	jq '.connections[0].states.client[-1].state = "CLOSED"' \
		"$GOLDEN/client-close.json" >"$BATS_TEST_TMPDIR/bad.json"
	run bash "$GOLDEN/check-trace.sh" "$GOLDEN/client-close.trace" "$BATS_TEST_TMPDIR/bad.json"
	assert_failure
	assert_output --partial "DISAGREE"
	# the right states at a wrong moment: CLOSE_WAIT 10 ms late
	jq '.connections[0].states.server |= map(if .state == "CLOSE_WAIT" then .t += 0.01 else . end)' \
		"$GOLDEN/client-close.json" >"$BATS_TEST_TMPDIR/late.json"
	run bash "$GOLDEN/check-trace.sh" -t 5 "$GOLDEN/client-close.trace" "$BATS_TEST_TMPDIR/late.json"
	assert_failure
	assert_line --regexp '^TIME: .* server: CLOSE_WAIT: .*\(\+(9\.9|10\.0)[0-9]* ms\)'
}

@test "the kernel's view: an active closer goes FIN_WAIT1, FIN_WAIT2, then its socket is handed to TIME_WAIT" {
	run grep -c 'tcplab-clock realtime=' "$GOLDEN/server-close.trace"
	assert_output 1
	run bash "$GOLDEN/check-trace.sh" "$GOLDEN/server-close.trace"
	assert_line --regexp '^127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:7001 1 server: LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT$'
	run grep -o 'oldstate=TCP_FIN_WAIT2 newstate=TCP_CLOSE' "$GOLDEN/server-close.trace"
	assert_output 'oldstate=TCP_FIN_WAIT2 newstate=TCP_CLOSE'
}

@test "server-close: the daytime server closes first and ends in TIME_WAIT for 60 s" {
	golden server-close
	assert_equal "$(nconn)" 1
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $PASSIVE"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $ACTIVE"
	closing '"server"' '"server"' false SF ShAdfFa
	assert_equal "$(cfield 1 '.bytes.server')" 26
	assert_equal "$(cfield 1 '.time_wait | map(.until - .since | . * 1000 | round) | join(" ")')" '"60000"'
	assert_equal "$(cfield 1 '.time_wait[0].side')" '"server"'
}

@test "client-close: telnet closes first: client TIME_WAIT, server CLOSE_WAIT for 1.5 s" {
	golden client-close
	assert_equal "$(nconn)" 1
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $ACTIVE"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $PASSIVE"
	closing '"client"' '"client"' false SF ShAdFaf
	# daytimed -s 2 sat in CLOSE_WAIT until its sleep ended
	run cfield 1 '.states.server | (map(select(.state == "LAST_ACK"))[0].t - map(select(.state == "CLOSE_WAIT"))[0].t) > 1.4'
	assert_output true
}

@test "backlog: the iterative server's second client completes its handshake and waits 1 s before accept()" {
	golden backlog
	assert_equal "$(nconn)" 2
	local i
	for i in 1 2; do
		assert_equal "$(states $i client)" "CLOSED SYN_SENT $PASSIVE"
		assert_equal "$(states $i server)" "LISTEN SYN_RCVD $ACTIVE"
	done
	# connection 2 is ESTABLISHED (in the backlog) while connection 1 is served
	run cfield 2 '(.packets | map(select(.from == "server" and .len > 0))[0].t) - (.states.server | map(select(.state == "ESTABLISHED"))[0].t) > 0.9'
	assert_output true
	run jq -c '[.connections[] | [.partial, .active_closer, .time_wait_side, .rst, .conn_state, .history]] | unique' "$OUT"
	assert_output '[[false,"server","server",false,"SF","ShAdfFa"]]'
}

@test "half-close: the client shuts down writing and still receives 200 bytes in FIN_WAIT_2" {
	golden half-close
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $ACTIVE"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $PASSIVE"
	closing '"client"' '"client"' false SF ShADaFdf
	assert_equal "$(cfield 1 '[.bytes.client, .bytes.server]')" "[10,200]"
	run cfield 1 '[.packets[] | select(.from == "server" and .len > 0) | .client_state]'
	assert_output '["FIN_WAIT_2","FIN_WAIT_2"]'
}

@test "refused: a SYN to a closed port is answered by RST: server CLOSED alone, REJ" {
	golden refused
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT CLOSED"
	assert_equal "$(states 1 server)" "CLOSED"
	closing null null true REJ Sr
}

@test "abort: SO_LINGER 0 sends RST instead of FIN: both CLOSED, nobody in TIME_WAIT" {
	golden abort
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT ESTABLISHED CLOSED"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD ESTABLISHED CLOSED"
	closing '"client"' null true RSTO ShAdR
}

@test "fin-data: one segment carries the last 26 bytes and the FIN" {
	golden fin-data
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $ACTIVE"
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $PASSIVE"
	# Zeek's history: a FIN segment carrying data adds "f" but no "d"
	closing '"server"' '"server"' false SF ShAfFa
	run cfield 1 '[.packets[] | select(.flags | test("F")) | [.from, .len]]'
	assert_output '[["server",26],["client",0]]'
}

@test "many: 50 connections at once, all closed by the server, all ending in server TIME_WAIT" {
	golden many
	assert_equal "$(nconn)" 50
	run jq -c '[.connections[] | [(.states.client | map(.state) | join(" ")), (.states.server | map(.state) | join(" ")), .conn_state, .time_wait_side]] | unique' "$OUT"
	assert_output "[[\"CLOSED SYN_SENT $PASSIVE\",\"LISTEN SYN_RCVD $ACTIVE\",\"SF\",\"server\"]]"
	run jq -c '[.connections[] | [.partial, .active_closer, .rst, .history]] | unique' "$OUT"
	assert_output '[[false,"server",false,"ShAdfFa"]]'
	run jq '[.connections[].client.port] | unique | length' "$OUT"
	assert_output 50
	# at least 40 of them were open at the same time
	run jq '[.connections[] | select(.states.server[-1].t > 0.5 and .states.client[1].t < 0.5)] | length >= 40' "$OUT"
	assert_output true
}

@test "tuple-reuse: the same 4-tuple twice, the second SYN accepted on the server's TIME_WAIT, is two connections" {
	golden tuple-reuse
	assert_equal "$(nconn)" 2
	run jq -c '[.connections[] | [.client.port, .server.port, .id]]' "$OUT"
	assert_output '[[40000,7001,1],[40000,7001,2]]'
	local i
	for i in 1 2; do
		assert_equal "$(states $i client)" "CLOSED SYN_SENT $PASSIVE"
		assert_equal "$(cfield $i '[.partial, .active_closer, .time_wait_side, .rst, .conn_state, .history]')" \
			'[false,"server","server",false,"SF","ShAdfFa"]'
	done
	assert_equal "$(states 2 server)" "LISTEN SYN_RCVD $ACTIVE"
	# the new SYN ends the first connection's TIME_WAIT (Linux kills the
	# timewait socket when it accepts the SYN) long before its 60 s
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $ACTIVE CLOSED"
	run jq '.connections as [$a, $b] | $b.packets[0].t | [. == $a.states.server[-1].t, . == $a.time_wait[0].ended, . < 1]' -c "$OUT"
	assert_output '[true,true,true]'
}

@test "ipv6: the same daytime exchange over ::1" {
	golden ipv6
	assert_equal "$(cfield 1 '[.client.addr, .server.addr, .server.port]')" '["::1","::1",7001]'
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $ACTIVE"
	closing '"server"' '"server"' false SF ShAdfFa
}

@test "crossing-fins: both close at once through a 100 ms wire: FIN_WAIT_1, CLOSING, TIME_WAIT on both sides" {
	golden crossing-fins
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT"
	closing '"both"' '"both"' false SF ShAFfa
	run cfield 1 '[.time_wait[].side] | sort'
	assert_output '["client","server"]'
	# seen at the client: its own FIN first; the server's FIN does not ACK it
	run cfield 1 '[.packets[] | select(.flags | test("F")) | [.from, .seq, .ack]]'
	assert_output '[["client",1,1],["server",1,1]]'
}

@test "crossing-fins-at-server: the same close seen at the server, FINs in the other order, same verdict" {
	golden crossing-fins-at-server
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT"
	closing '"both"' '"both"' false SF ShAfFa
	run cfield 1 '[.packets[] | select(.flags | test("F")) | [.from, .seq, .ack]]'
	assert_output '[["server",1,1],["client",1,1]]'
}

@test "lost-fin: the wire drops the client's FIN; the server takes its retransmission" {
	golden lost-fin
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $ACTIVE"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $PASSIVE"
	closing '"client"' '"client"' false SF ShAFf
	run cfield 1 '[.packets[] | select(.from == "client" and (.flags | test("F")))] | length'
	assert_output 2
	# FIN_WAIT_1 from the first (lost) FIN, FIN_WAIT_2 only when the
	# retransmission is ACKed; the server's CLOSE_WAIT at the retransmission
	run cfield 1 '[.packets[] | select(.from == "client" and (.flags | test("F"))) | .t] as [$lost, $again]
		| (.states.client | map({(.state): .t}) | add) as $s
		| (.states.server | map({(.state): .t}) | add) as $v
		| [$s.FIN_WAIT_1 == $lost, $s.FIN_WAIT_2 > $again, $again - $lost > 0.2,
		   $v.CLOSE_WAIT == $again]'
	assert_output '[true,true,true,true]'
}

@test "fin-lost-past-capture: the capture sees both FIN copies; the server's CLOSE_WAIT starts at the one it got" {
	golden fin-lost-past-capture
	# instant wire: both sides are timed against the kernel
	assert_line 'times: 8 state changes compared, 0 off by more than 5 ms'
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $ACTIVE"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $PASSIVE"
	closing '"client"' '"client"' false SF ShAFf
	run cfield 1 '[.packets[] | select(.from == "client" and (.flags | test("F"))) | .t] as [$lost, $again]
		| (.states.server | map({(.state): .t}) | add) as $v
		| [$v.CLOSE_WAIT == $again, $again - $lost > 0.2,
		   [.packets[] | select(.from == "client" and (.flags | test("F"))) | .server_state]
		   == ["ESTABLISHED", "CLOSE_WAIT"]]'
	assert_output '[true,true,true]'
	# the ladder: nothing for the server on the first copy's row
	run grep 'FIN,ACK ────────>' "$GOLDEN/fin-lost-past-capture.txt"
	assert_line --index 0 --regexp 'FIN_WAIT_1 +─+ FIN,ACK ─+> +$'
	assert_line --index 1 --regexp '─> +CLOSE_WAIT +\(retransmission\)$'
}

@test "fin-before-data: a FIN ahead of the data moves the server to CLOSE_WAIT only when the data fills the hole" {
	golden fin-before-data
	assert_line 'times: 8 state changes compared, 0 off by more than 5 ms'
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $ACTIVE"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $PASSIVE"
	closing '"client"' '"client"' false SF ShAFaDf
	assert_equal "$(cfield 1 .bytes.client)" 10
	# the FIN is seen 50 ms before the 10 bytes that precede it
	run cfield 1 '(.packets[] | select(.from == "client" and (.flags | test("F"))) | .t) as $fin
		| (.packets[] | select(.from == "client" and .len == 10) | .t) as $data
		| (.states.server | map({(.state): .t}) | add) as $v
		| [$data - $fin > 0.04, $v.CLOSE_WAIT == $data]'
	assert_output '[true,true]'
	run grep -c '(fills a hole)' "$GOLDEN/fin-before-data.txt"
	assert_output 1
}

@test "simultaneous-open: both ends send a SYN; both go SYN_SENT -> SYN_RCVD -> ESTABLISHED; the first SYN's sender is the client" {
	golden simultaneous-open
	# the client's SYN_RCVD is its own socket's step: timed against the kernel too
	assert_line 'times: 5 state changes compared, 0 off by more than 5 ms'
	assert_equal "$(nconn)" 1
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT SYN_RCVD $ACTIVE"
	assert_equal "$(states 1 server)" "CLOSED SYN_SENT SYN_RCVD $PASSIVE"
	closing '"client"' '"client"' false SF SsAaFf
	assert_equal "$(cfield 1 .roles)" '"syn"'
	assert_equal "$(cfield 1 .client.port)" 40001
	# the client: SYN_RCVD when the server's SYN arrives, ESTABLISHED at the
	# SYN-ACK that acks its own SYN (the capture is on the client's side)
	run cfield 1 '[.packets[] | select(.flags | test("S")) | {from, flags, t}] as $p
		| (.states.client | map({(.state): .t}) | add) as $c
		| [($p | map(.from + ":" + .flags) | join(" ")),
		   $c.SYN_SENT == $p[0].t, $c.SYN_RCVD == $p[1].t, $c.ESTABLISHED == $p[3].t]'
	assert_output '["client:S server:S client:SA server:SA",true,true,true]'
}

@test "simultaneous-open-at-server: captured on the other end, whose SYN is first there: that end is the client" {
	golden simultaneous-open-at-server
	assert_line 'times: 6 state changes compared, 0 off by more than 5 ms'
	assert_equal "$(nconn)" 1
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT SYN_RCVD $PASSIVE"
	assert_equal "$(states 1 server)" "CLOSED SYN_SENT SYN_RCVD $ACTIVE"
	closing '"server"' '"server"' false SF SsAafF
	assert_equal "$(cfield 1 .client.port)" 7001
	assert_equal "$(cfield 1 .server.port)" 40001
}

@test "lost-final-ack: the server retransmits its FIN from LAST_ACK; still one connection, the client's TIME_WAIT restarts" {
	golden lost-final-ack
	assert_equal "$(nconn)" 1
	assert_equal "$(states 1 client)" "CLOSED SYN_SENT $ACTIVE"
	assert_equal "$(states 1 server)" "LISTEN SYN_RCVD $PASSIVE"
	closing '"client"' '"client"' false SF ShAFf
	run cfield 1 '[.packets[] | select(.from == "server" and (.flags | test("F")))] | length'
	assert_output 2
	# seen from the client's side of the wire, the server leaves LAST_ACK
	# only with the last ACK, after the retransmitted FIN
	run cfield 1 '(.states.server[-1].t) == (.packets[-1].t)'
	assert_output true
	# the client entered TIME_WAIT with the first FIN; the retransmission changes nothing
	run cfield 1 '[.packets[] | select(.from == "server" and (.flags | test("F"))) | .t][0] as $fin
		| [.states.client[-1].t == $fin, .time_wait[0].since == $fin]'
	assert_output '[true,true]'
	# but it restarts the 60 s (Linux: a duplicate FIN in TIME_WAIT re-arms
	# the timer, tcp_timewait_state_process): until follows the retransmission
	run cfield 1 '[.packets[] | select(.from == "server" and (.flags | test("F"))) | .t][1] as $again
		| (.time_wait[0].until - $again) * 1e6 | round'
	assert_output 60000000
}
