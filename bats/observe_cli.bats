#!/usr/bin/env bats
# tcpobserve's command line: help, usage errors and bad input each give one
# clear line and the right exit status; `-r` on a real loopback capture of a
# few daytime connections gives a valid, complete JSON report.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	D=$BATS_TEST_TMPDIR
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	true
}

# capture N: daytimed on port 0, tcpdump on lo, N bash /dev/tcp clients;
# leaves $D/cap.pcap with every packet of the N connections and sets PORT.
capture() {
	local n=$1 i
	"$BIN/daytimed" -p 0 >"$D/d.out" 2>"$D/d.err" 3>&- &
	PIDS+=($!)
	wait_for "$D/d.out" '^listening on 127\.0\.0\.1:[0-9]+$'
	PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$D/d.out")
	tcpdump -U -i lo -w "$D/cap.pcap" "tcp port $PORT" 2>"$D/td.err" 3>&- &
	PIDS+=($!)
	wait_for "$D/td.err" 'listening on lo'
	for i in $(seq "$n"); do
		cat </dev/tcp/127.0.0.1/"$PORT" >>"$D/times"
	done
	# readiness: every connection's last packet has reached the file
	for i in $(seq 100); do
		[ "$("$BIN/tcpobserve" -r "$D/cap.pcap" --summary 2>/dev/null |
		    jq '[.connections[] | select(.states.client[-1].state == "CLOSED")] | length')" = "$n" ] &&
			break
		sleep 0.1
	done
	kill -INT "${PIDS[1]}"
	wait "${PIDS[1]}" || true
}

@test "--help prints the usage on stdout and exits 0" {
	run "$BIN/tcpobserve" --help
	assert_success
	assert_line --index 0 --partial "usage: tcpobserve -i IFACE"
	assert_output --partial "--summary"
	run "$BIN/tcpobserve" -h
	assert_success
	assert_line --index 0 --partial "usage: tcpobserve"
}

@test "--version names the tool and the report schema" {
	run "$BIN/tcpobserve" --version
	assert_success
	assert_output --regexp '^tcpobserve [0-9.]+ \(report schema 1\)$'
}

@test "a bad option prints the usage on stderr and exits 2" {
	run --separate-stderr "$BIN/tcpobserve" --bogus
	assert_failure 2
	assert_equal "$output" ""
	[[ ${stderr_lines[0]} == *"unrecognized option '--bogus'"* ]]
	[[ $stderr == *"usage: tcpobserve"* ]]
}

@test "neither -i nor -r is a usage error" {
	run --separate-stderr "$BIN/tcpobserve"
	assert_failure 2
	[[ ${stderr_lines[0]} == "tcpobserve: give exactly one of -i IFACE and -r FILE" ]]
}

@test "-c must be a positive number" {
	run --separate-stderr "$BIN/tcpobserve" -r /dev/null -c many
	assert_failure 2
	assert_equal "$stderr" "tcpobserve: -c: not a positive count: many"
}

@test "a missing file: one line naming the file and the reason, exit 1" {
	run --separate-stderr "$BIN/tcpobserve" -r "$D/nope.pcap"
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "tcpobserve: $D/nope.pcap: No such file or directory"
}

@test "a file that is not a capture: one line, exit 1" {
	echo "hello, I am not a pcap file at all" >"$D/text.pcap"
	run --separate-stderr "$BIN/tcpobserve" -r "$D/text.pcap"
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "tcpobserve: $D/text.pcap: unknown file format" ]]
}

@test "a bad BPF expression: one line quoting it, exit 1" {
	capture 1
	run --separate-stderr "$BIN/tcpobserve" -r "$D/cap.pcap" tcp porrt 80
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "tcpobserve: bad filter 'tcp porrt 80': "* ]]
}

@test "a live capture on a missing interface: one line, exit 1" {
	run --separate-stderr "$BIN/tcpobserve" -i tcplab-no-such-if0
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "tcpobserve: tcplab-no-such-if0: "* ]]
}

@test "-r of a loopback capture of three daytime connections is a valid complete report" {
	capture 3
	run --separate-stderr "$BIN/tcpobserve" -r "$D/cap.pcap"
	assert_success
	assert_equal "$stderr" ""
	echo "$output" >"$D/r.json"
	jq -e . "$D/r.json" >/dev/null
	assert_equal "$(jq -r '.tool, .schema' "$D/r.json" | xargs)" "tcpobserve 1"
	assert_equal "$(jq '.connections | length' "$D/r.json")" 3
	assert_equal "$(jq '.capture.connections' "$D/r.json")" 3
	assert_equal "$(jq '[.connections[].id] | sort' -c "$D/r.json")" "[1,2,3]"
	assert_equal "$(jq -r '[.connections[].server.port] | unique | .[]' "$D/r.json")" "$PORT"
	# daytimed writes the time and closes first: server TIME_WAIT
	assert_equal "$(jq -r '[.connections[] | .active_closer, .time_wait_side, .conn_state] | unique | join(" ")' "$D/r.json")" "SF server"
	assert_equal "$(jq -r '.connections[0].states.client | map(.state) | join(" ")' "$D/r.json")" \
		"CLOSED SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
	assert_equal "$(jq -r '.connections[0].states.server | map(.state) | join(" ")' "$D/r.json")" \
		"LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT"
	# every state list starts at the connection's first packet
	assert_equal "$(jq '[.connections[] | (.states.client[0].t == .packets[0].t and .states.server[0].t == .packets[0].t)] | all' "$D/r.json")" true
	# the 26 bytes of ctime(3) + CRLF, counted once
	assert_equal "$(jq -c '[.connections[].bytes.server] | unique' "$D/r.json")" "[26]"
	assert_equal "$(jq '[.connections[].time_wait[] | (.until - .since)] | map(. * 1e6 | round) | unique' -c "$D/r.json")" "[60000000]"
	assert_equal "$(jq '.capture.packets == .capture.tcp_packets and .capture.dropped == 0 and .capture.malformed == {}' "$D/r.json")" true
	assert_equal "$(jq '[.connections[].packets | length] | add' "$D/r.json")" "$(jq .capture.packets "$D/r.json")"
}

@test "--summary leaves out only the per-packet lists; -o writes the same report" {
	capture 2
	"$BIN/tcpobserve" -r "$D/cap.pcap" >"$D/full.json"
	run "$BIN/tcpobserve" -r "$D/cap.pcap" --summary -o "$D/sum.json"
	assert_success
	assert_output ""
	assert_equal "$(jq '[.connections[] | has("packets")] | any' "$D/sum.json")" false
	diff <(jq -S '.connections |= map(del(.packets))' "$D/full.json") <(jq -S . "$D/sum.json")
}

@test "a BPF expression after the options filters a file like tcpdump" {
	capture 2
	run "$BIN/tcpobserve" -r "$D/cap.pcap" tcp port 1
	assert_success
	assert_equal "$(echo "$output" | jq '.capture.packets, (.connections | length)' | xargs)" "0 0"
	assert_equal "$(echo "$output" | jq -r .source.filter)" "tcp port 1"
}

@test "--text draws a ladder per connection and a capture summary" {
	capture 1
	run "$BIN/tcpobserve" -r "$D/cap.pcap" --text
	assert_success
	assert_line --index 0 --regexp "^connection 1: client 127\.0\.0\.1:[0-9]+ -> server 127\.0\.0\.1:$PORT +\[SF ShA"
	assert_line "  active close: server"
	assert_line --regexp "^  TIME_WAIT: +server, [0-9.]+ s until [0-9.]+ s \(the capture ended before it expired\)$"
	assert_output --regexp "SYN_SENT +─+ SYN ─+> "
	assert_output --regexp "ESTABLISHED +<─+ SYN,ACK ─+  SYN_RCVD"
	assert_line --regexp "^capture: [0-9]+ packets \([0-9]+ TCP\), 1 connections, "
}

@test "a file cut mid-record still gives a valid report, a warning and a count" {
	capture 2
	local size=$(stat -c %s "$D/cap.pcap")
	head -c $((size - 7)) "$D/cap.pcap" >"$D/cut.pcap"
	run --separate-stderr "$BIN/tcpobserve" -r "$D/cut.pcap"
	assert_success
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "tcpobserve: warning: $D/cut.pcap: truncated dump file"* ]]
	echo "$output" | jq -e . >/dev/null
	assert_equal "$(echo "$output" | jq '.capture.malformed["truncated-file"]')" 1
	assert_equal "$(echo "$output" | jq '.connections | length')" 2
}
