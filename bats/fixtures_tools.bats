#!/usr/bin/env bats
# The fixture tools themselves: tcppeer (a scriptable TCP endpoint) and
# tcpwire (a userspace wire that delays and drops frames between two
# namespaces). pcaprelink is tested in observe_linktypes.bats.

setup() {
	load test_helper
	T=$BATS_TEST_TMPDIR
	P=tcplab-fixtures-$$-$BATS_TEST_NUMBER
	PIDS=()
}

teardown() {
	local p n
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for n in a m b; do ip netns del "$P-$n" 2>/dev/null || true; done
}

# wire ARGS...: namespaces $P-a (10.9.0.1) and $P-b (10.9.0.2) joined by
# `tcpwire ARGS` running in $P-m.
wire() {
	local n
	for n in a m b; do ip netns add "$P-$n"; ip -n "$P-$n" link set lo up; done
	ip link add fxa0 netns "$P-a" type veth peer name fxa1 netns "$P-m"
	ip link add fxb0 netns "$P-b" type veth peer name fxb1 netns "$P-m"
	ip -n "$P-a" addr add 10.9.0.1/24 dev fxa0
	ip -n "$P-b" addr add 10.9.0.2/24 dev fxb0
	ip -n "$P-a" neigh add 10.9.0.2 dev fxa0 nud permanent \
		lladdr "$(ip -n "$P-b" -br link show fxb0 | awk '{print $3}')"
	ip -n "$P-b" neigh add 10.9.0.1 dev fxb0 nud permanent \
		lladdr "$(ip -n "$P-a" -br link show fxa0 | awk '{print $3}')"
	ip -n "$P-a" link set fxa0 up; ip -n "$P-m" link set fxa1 up
	ip -n "$P-m" link set fxb1 up; ip -n "$P-b" link set fxb0 up
	ip netns exec "$P-m" "$BIN/tcpwire" "$@" fxa1 fxb1 >"$T/wire.out" 2>"$T/wire.err" 3>&- &
	PIDS+=($!)
	WIRE=$!
	wait_for "$T/wire.out" '^wire up fxa1 <-> fxb1'
	ip netns exec "$P-b" "$BIN/tcppeer" listen 10.9.0.2 0 accept eof close >"$T/s.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for "$T/s.out" '^listening on'
	PORT=$(sed -n 's/^listening on 10.9.0.2:\([0-9]*\)$/\1/p' "$T/s.out")
}

# ms_to_connect: milliseconds tcppeer in $P-a needs to connect.
ms_to_connect() {
	local t0=$(date +%s%3N)
	ip netns exec "$P-a" "$BIN/tcppeer" connect 10.9.0.2 "$PORT" close >"$T/c.out" 2>&1
	echo $(( $(date +%s%3N) - t0 ))
}

@test "tcppeer -h prints its steps on stdout; an unknown step is a usage error" {
	run "$BIN/tcppeer" -h
	assert_success
	assert_output --partial "until EPOCH_MS"
	run "$BIN/tcppeer" frobnicate
	assert_equal "$status" 2
	assert_line "tcppeer: unknown step: frobnicate"
	run "$BIN/tcppeer" send
	assert_equal "$status" 2
	assert_line "tcppeer: send: missing argument"
	run "$BIN/tcppeer" say hi connect 127.0.0.1 x
	assert_equal "$status" 2
	assert_line -n 0 "hi"
	assert_line "tcppeer: connect: bad address 127.0.0.1 x"
	run "$BIN/tcppeer" say hi sleep 1 say there cork
	assert_line -n 2 "there"
}

@test "tcppeer: one step one line; half-close, data after it, EOF" {
	ip netns add "$P-a"; ip -n "$P-a" link set lo up
	ip netns exec "$P-a" "$BIN/tcppeer" listen 127.0.0.1 0 accept eof send 7 close \
		>"$T/s.out" 2>&1 3>&- &
	PIDS+=($!)
	wait_for "$T/s.out" '^listening on 127\.0\.0\.1:[0-9]+$'
	local port=$(sed -n 's/^listening on 127.0.0.1://p' "$T/s.out")
	run ip netns exec "$P-a" "$BIN/tcppeer" connect 127.0.0.1 "$port" send 3 shutwr eof close
	assert_success
	assert_line --index 0 --regexp "^connected 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$port$"
	assert_line --index 1 "sent 3"
	assert_line --index 2 "shutdown write"
	assert_line --index 3 "eof after 7 bytes"
	assert_line --index 4 "closed"
	wait_for "$T/s.out" '^closed$'
	run cat "$T/s.out"
	assert_line "eof after 3 bytes"
}

@test "tcppeer: a connect to a closed port is reported, status 1" {
	ip netns add "$P-a"; ip -n "$P-a" link set lo up
	run ip netns exec "$P-a" "$BIN/tcppeer" connect 127.0.0.1 9
	assert_equal "$status" 1
	assert_output "connect 127.0.0.1:9: Connection refused"
}

@test "tcpwire -d 100: the handshake takes one 200 ms round trip (and no retransmission)" {
	wire -d 100
	local ms=$(ms_to_connect)
	[ "$ms" -ge 200 ] && [ "$ms" -lt 1000 ] || fail "connect took $ms ms"
	run cat "$T/c.out"
	assert_line --regexp "^connected 10.9.0.1:[0-9]+ -> 10.9.0.2:$PORT"
}

@test "tcpwire -x a:syn:1 drops the first SYN: the kernel retransmits it 1 s later" {
	wire -d 10 -x a:syn:1
	local ms=$(ms_to_connect)
	[ "$ms" -ge 1000 ] && [ "$ms" -lt 2500 ] || fail "connect took $ms ms"
	kill -TERM $WIRE
	wait $WIRE || true
	run cat "$T/wire.err"
	assert_line --partial "dropped a frame from a"
	assert_line --regexp '^tcpwire: forwarded [0-9]+, dropped 1, held 0$'
}

@test "tcpwire -x a:syn:1:+300 holds the first SYN 300 ms instead of dropping it" {
	wire -d 0 -x a:syn:1:+300
	local ms=$(ms_to_connect)
	[ "$ms" -ge 300 ] && [ "$ms" -lt 1000 ] || fail "connect took $ms ms"
	kill -TERM $WIRE
	wait $WIRE || true
	run cat "$T/wire.err"
	assert_line --partial "holding a frame from a"
	assert_line --regexp '^tcpwire: forwarded [0-9]+, dropped 0, held 1$'
}

@test "tcpwire refuses a bad rule and a missing interface" {
	run "$BIN/tcpwire" -x c:fin:1 x y
	assert_equal "$status" 2
	assert_output --partial "expected a|b:KIND:N[:+MS]"
	run "$BIN/tcpwire" -x a:data:1:+0 x y
	assert_equal "$status" 2
	run "$BIN/tcpwire" nosuch0 nosuch1
	assert_equal "$status" 1
	assert_output --partial "nosuch0"
}
