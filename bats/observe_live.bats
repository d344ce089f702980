#!/usr/bin/env bats
# Live capture: `tcpobserve -i lo -w FILE` of real daytimed traffic, ended
# with SIGINT, reports the same connections as reading FILE back with -r.
# Runs in a network namespace of its own, so it is alone on its lo.

setup() {
	load test_helper
	load fixtures_helper
	NS=tcplab-fixtures-$$-$BATS_TEST_NUMBER
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	T=$BATS_TEST_TMPDIR
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
}

@test "live capture of daytimed ended by SIGINT equals reading back its -w file" {
	ip netns exec "$NS" "$BIN/tcpobserve" -i lo -w "$T/live.pcap" -o "$T/live.json" \
		'tcp port 7001' 2>"$T/obs.err" 3>&- &
	local obs=$!
	PIDS+=($obs)
	wait_for "$T/obs.err" '^listening on lo'
	ip netns exec "$NS" "$BIN/daytimed" -m fork -s 0 -p 7001 >"$T/d.out" 2>"$T/d.err" 3>&- &
	PIDS+=($!)
	wait_for "$T/d.out" '^listening on 127.0.0.1:7001'
	local i
	for i in 1 2 3; do
		run ip netns exec "$NS" "$BIN/tcppeer" connect 127.0.0.1 7001 eof close
		assert_success
		assert_line --regexp '^eof after 2[0-9] bytes'
	done
	# readiness: tcpobserve writes -w packet by packet live, before it
	# tracks each: once the file shows the 3 connections closed (the
	# clients CLOSED at the last ACK), it has them all
	for ((i = 0; i < 500; i++)); do
		[ "$("$BIN/tcpobserve" -r "$T/live.pcap" --summary 2>/dev/null |
		    jq '[.connections[] | select(.states.client[-1].state == "CLOSED")] | length')" = 3 ] &&
			break
		sleep 0.02
	done
	kill -INT $obs
	wait $obs
	[ -s "$T/live.json" ]
	jq -S -f "$GOLDEN/normalise.jq" "$T/live.json" >"$T/live.n.json"
	observe "$T/live.pcap"
	assert_equal "$(jq '.connections | length' "$T/live.n.json")" 3
	run diff <(jq -S .connections "$T/live.n.json") <(jq -S .connections "$OUT")
	assert_success
	assert_equal "$(jq '.capture.dropped' "$T/live.n.json")" 0
	run jq -c '[.connections[] | [.conn_state, .active_closer, .time_wait_side, .partial]] | unique' "$OUT"
	assert_output '[["SF","server","server",false]]'
	run jq -r '.connections[0].states.server | map(.state) | join(" ")' "$OUT"
	assert_output "LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT"
}

@test "live: SIGTERM with no traffic still writes a complete, empty report" {
	ip netns exec "$NS" "$BIN/tcpobserve" -i lo -o "$T/quiet.json" 'tcp port 7001' \
		2>"$T/obs.err" 3>&- &
	local obs=$!
	PIDS+=($obs)
	wait_for "$T/obs.err" '^listening on lo'
	kill -TERM $obs
	wait $obs
	run jq -c '[.tool, .schema, (.connections | length), .capture.packets]' "$T/quiet.json"
	assert_output '["tcpobserve",1,0,0]'
}
