#!/usr/bin/env bats
# `tcpobserve --follow`: one JSON object per line, flushed, per event — each
# state change of either endpoint (with the packet that caused it), each
# connection's end (its summary record, as in the report), each TIME_WAIT's
# end or restart after its connection was written (in capture time). On
# files the events must tell exactly what the report says; live, they come
# while the connection runs.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	load fixtures_helper
	T=$BATS_TEST_TMPDIR
	NS=
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
}

SITUATIONS="server-close client-close backlog half-close refused abort fin-data
	many tuple-reuse ipv6 crossing-fins crossing-fins-at-server lost-fin lost-final-ack"

@test "on every golden capture the state events and end records tell exactly the report" {
	local n
	for n in $SITUATIONS; do
		"$BIN/tcpobserve" --follow -r "$GOLDEN/$n.pcap" >"$T/$n.jsonl"
		"$BIN/tcpobserve" --summary -r "$GOLDEN/$n.pcap" >"$T/$n.json"
		# every line is one JSON object
		jq -e -s 'all(type == "object")' "$T/$n.jsonl" >/dev/null || fail "$n: not JSON lines"
		# the end records are the report's connections
		diff <(jq -S '.connections | sort_by(.id)' "$T/$n.json") \
			<(jq -s -S '[.[] | select(.event == "end") | .connection] | sort_by(.id)' "$T/$n.jsonl") ||
			fail "$n: end records differ from the report"
		# each side's state events, chained (a "revised" event replaces the
		# side's timeline so far), are its timeline after the first state
		diff <(jq -S '[.connections[] | {id, c: (.states.client | map([.t, .state]) | .[1:]),
			s: (.states.server | map([.t, .state]) | .[1:])}] | sort_by(.id)' "$T/$n.json") \
			<(jq -s -S 'def side($s): reduce (.[] | select(.side == $s)) as $e ([];
				if $e.event == "revised" then $e.states | map([.t, .state]) | .[1:]
				else . + [[$e.t, $e.new]] end);
			[.[] | select(.event == "state" or .event == "revised")] | group_by(.id)
			| map({id: .[0].id, c: side("client"), s: side("server")})' "$T/$n.jsonl") ||
			fail "$n: state events differ from the timelines"
		# and each event's old state is the one before (sides never revised)
		jq -s -e '[.[] | select(.event == "state" or .event == "revised")] | group_by([.id, .side])
			| map(select(all(.event == "state"))) | all(. as $l | [range(1; length)]
			| all($l[.].old == $l[. - 1].new))' "$T/$n.jsonl" >/dev/null ||
			fail "$n: an event's old state is not the previous new one"
	done
}

@test "a state event names the packet that caused it, numbered as in the report" {
	"$BIN/tcpobserve" --follow -r "$GOLDEN/server-close.pcap" >"$T/e.jsonl"
	assert_equal "$(jq -c -s '[.[] | select(.event == "state") | [.side, .old, .new, .packet.from, .packet.flags, .packet.seq, .packet.ack]]' "$T/e.jsonl")" \
	'[["client","CLOSED","SYN_SENT","client","S",0,0],["client","SYN_SENT","ESTABLISHED","server","SA",0,1],["server","LISTEN","SYN_RCVD","server","SA",0,1],["server","SYN_RCVD","ESTABLISHED","client","A",1,1],["client","ESTABLISHED","CLOSE_WAIT","server","FA",27,1],["server","ESTABLISHED","FIN_WAIT_1","server","FA",27,1],["client","CLOSE_WAIT","LAST_ACK","client","FA",1,28],["server","FIN_WAIT_1","FIN_WAIT_2","client","FA",1,28],["server","FIN_WAIT_2","TIME_WAIT","client","FA",1,28],["client","LAST_ACK","CLOSED","server","A",28,2]]'
	assert_equal "$(jq -c -s '[.[] | .event] | unique' "$T/e.jsonl")" '["end","state"]'
}

# u32 FILE OFFSET: the little-endian 32-bit word at OFFSET.
u32() { od -A n -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }

# record N FILE: record N (0-based) of a classic pcap, header included.
record() {
	local off=24 i caplen
	for ((i = 0; i < $1; i++)); do
		caplen=$(u32 "$2" $((off + 8)))
		off=$((off + 16 + caplen))
	done
	caplen=$(u32 "$2" $((off + 8)))
	tail -c +$((off + 1)) "$2" | head -c $((16 + caplen))
}

# at SECS USECS: a record header's time fields replaced (stdin to stdout).
at() { le32 "$1"; le32 "$2"; tail -c +9; }

@test "after its connection is written (--hold 0), a TIME_WAIT's restart and expiry are told in capture time" {
	# server-close: the server is in TIME_WAIT from its last packet but one.
	# Then, 5 s later, the client's FIN comes again (its final ACK was lost):
	# Linux restarts the 60 s; and 70 s later a packet of another flow moves
	# capture time past the new end.
	local s0=$(u32 "$GOLDEN/server-close.pcap" 24) u0=$(u32 "$GOLDEN/server-close.pcap" 28)
	{
		cat "$GOLDEN/server-close.pcap"
		record 6 "$GOLDEN/server-close.pcap" | at $((s0 + 6)) "$u0"
		record 0 "$GOLDEN/refused.pcap" | at $((s0 + 70)) "$u0"
	} >"$T/tw.pcap"
	run --separate-stderr "$BIN/tcpobserve" --follow --hold 0 -r "$T/tw.pcap"
	assert_success
	echo "$output" >"$T/tw.jsonl"
	assert_equal "$(jq -c -s '[.[] | select(.event != "state") | [.event, .id, .side, .how]]' "$T/tw.jsonl")" \
		'[["end",1,null,null],["time_wait_restart",1,"server","FIN again"],["time_wait_end",1,"server","expired"],["end",2,null,null]]'
	# written 1 s after its last packet (over the hold), its TIME_WAIT running
	assert_equal "$(jq -s '.[] | select(.event == "end" and .id == 1) | .connection.time_wait[0].ended' "$T/tw.jsonl")" null
	local since=$(jq -s '.[] | select(.event == "end" and .id == 1) | .connection.time_wait[0].since' "$T/tw.jsonl")
	# the restart at the repeated FIN (6 s after the first packet), the end 60 s after it
	assert_equal "$(jq -c -s '[.[] | select(.event | startswith("time_wait")) | [.t, .until]]' "$T/tw.jsonl")" \
		"[[6,66],[66,66]]"
	[ "$(echo "$since < 2" | bc)" = 1 ]
	# held whole (the default), the same story is in the record itself:
	# the repeated FIN restarts its TIME_WAIT, which ends 60 s later
	"$BIN/tcpobserve" --follow -r "$T/tw.pcap" >"$T/held.jsonl"
	assert_equal "$(jq -c -s '[.[] | select(.event == "end" and .id == 1) | .connection.time_wait[0] | [.until, .ended]]' "$T/held.jsonl")" "[[66,66]]"
	assert_equal "$(jq -c -s '[.[] | select(.event == "state" and .id == 1)][-1] | [.t, .old, .new, .packet]' "$T/held.jsonl")" '[66,"TIME_WAIT","CLOSED",null]'
}

@test "--follow --text prints aligned columns like tcpstates" {
	run "$BIN/tcpobserve" --follow --text -r "$GOLDEN/client-close.pcap"
	assert_success
	assert_line -n 0 --regexp '^ +TIME\(s\) +ID SIDE +CLIENT +SERVER +OLD +NEW +CAUSE$'
	assert_line -n 1 --regexp '^ +0\.000000 +1 client 127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:7001 +CLOSED +-> SYN_SENT +client S seq 0 ack 0 len 0$'
	assert_output --regexp $'\n +[0-9.]+ +1 both +127\\.0\\.0\\.1:[0-9]+ +127\\.0\\.0\\.1:7001 +end: SF '
	# the arrow column lines up on every state row
	run bash -c "'$BIN/tcpobserve' --follow --text -r '$GOLDEN/client-close.pcap' | grep -- ' -> ' | awk '{ print index(\$0, \" -> \") }' | sort -u | wc -l"
	assert_output 1
}

@test "live: the events of a connection are read while it is still open, then its close" {
	NS=tcplab-follow-$$
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" "$BIN/tcpobserve" -i lo --follow --hold 0 -o "$T/ev.jsonl" 'tcp port 7001' \
		2>"$T/obs.err" 3>&- &
	local obs=$!
	PIDS+=($obs)
	wait_for "$T/obs.err" '^listening on lo'
	ip netns exec "$NS" "$BIN/tcppeer" listen 127.0.0.1 7001 accept eof close >"$T/s.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for "$T/s.out" '^listening on 127\.0\.0\.1:7001'
	mkfifo "$T/go"
	# the client: a bash /dev/tcp connection held open until told
	ip netns exec "$NS" bash -c 'exec 5<>/dev/tcp/127.0.0.1/7001 && echo open &&
		read -r _ <"$1" && exec 5>&- && echo closed' _ "$T/go" >"$T/c.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for "$T/c.out" '^open$'
	# while it is open: both sides ESTABLISHED, already on the stream
	wait_for "$T/ev.jsonl" '"side":"server","old":"SYN_RCVD","new":"ESTABLISHED"'
	wait_for "$T/ev.jsonl" '"side":"client","old":"SYN_SENT","new":"ESTABLISHED"'
	run grep -c '"event":"end"' "$T/ev.jsonl"
	assert_output 0
	refute grep -q closed "$T/c.out"
	echo go >"$T/go"
	wait_for "$T/c.out" '^closed$'
	# the close, and (--hold 0) 1 s of capture time later (the clock, live) its end
	wait_for "$T/ev.jsonl" '"event":"end"' 20
	kill -INT $obs
	wait $obs
	jq -e -s 'all(type == "object")' "$T/ev.jsonl" >/dev/null
	assert_equal "$(jq -r -s '[.[] | select(.event == "state" and .side == "client") | .new] | join(" ")' "$T/ev.jsonl")" \
		"SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT"
	assert_equal "$(jq -r -s '[.[] | select(.event == "state" and .side == "server") | .new] | join(" ")' "$T/ev.jsonl")" \
		"SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
	assert_equal "$(jq -r -s '.[] | select(.event == "end") | .connection | [.active_closer, .time_wait_side] | join(" ")' "$T/ev.jsonl")" \
		"client client"
}
