#!/usr/bin/env bats
# The same session written with every link type tcpobserve reads (and as
# pcapng) decodes to the same connections. bin/pcaprelink rewrites the link
# header of a golden capture; everything from the IP header on is unchanged.

setup() {
	load test_helper
	load fixtures_helper
}

# same_as_original FIXTURE FILE: FILE's connections and TCP packet count are
# those of the original capture.
same_as_original() {
	observe "$GOLDEN/$1.pcap"
	jq -S '[.capture.tcp_packets, .connections]' "$OUT" >"$BATS_TEST_TMPDIR/want.json"
	observe "$2"
	jq -S '[.capture.tcp_packets, .connections]' "$OUT" >"$BATS_TEST_TMPDIR/got.json"
	run diff "$BATS_TEST_TMPDIR/want.json" "$BATS_TEST_TMPDIR/got.json"
	assert_success
	assert_equal "$(jq '.capture.malformed | add // 0' "$OUT")" 0
}

# relinked FIXTURE ARGS...: pcaprelink ARGS FIXTURE.pcap -> $RELINKED
relinked() {
	local fx=$1; shift
	RELINKED=$BATS_TEST_TMPDIR/$fx.$(echo "$*" | tr -c 'A-Za-z0-9' _).out
	run "$BIN/pcaprelink" "$@" "$GOLDEN/$fx.pcap" "$RELINKED"
	assert_success
}

@test "pcaprelink really writes the link type asked for" {
	relinked server-close -l LINUX_SLL2
	run tcpdump -r "$RELINKED" -c 1 2>&1
	assert_output --partial "LINUX_SLL2"
	relinked server-close -l RAW
	run tcpdump -r "$RELINKED" -c 1 2>&1
	assert_output --partial "RAW"
	relinked server-close -l EN10MB -V 10,20
	run tcpdump -e -n -r "$RELINKED" -c 1
	assert_output --partial "vlan 20"
}

@test "pcaprelink refuses an unknown link type with usage status 2" {
	run "$BIN/pcaprelink" -l TOKEN_RING "$GOLDEN/server-close.pcap" "$BATS_TEST_TMPDIR/x"
	assert_equal "$status" 2
}

@test "IPv4 session: LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW decode to the same connections" {
	local lt
	for lt in LINUX_SLL LINUX_SLL2 NULL LOOP RAW EN10MB; do
		relinked backlog -l $lt
		same_as_original backlog "$RELINKED"
	done
}

@test "IPv6 session: LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW decode to the same connections" {
	local lt
	for lt in LINUX_SLL LINUX_SLL2 NULL LOOP RAW; do
		relinked ipv6 -l $lt
		same_as_original ipv6 "$RELINKED"
	done
}

@test "802.1Q and QinQ tagged Ethernet decode to the same connections" {
	relinked crossing-fins -l EN10MB -V 42
	same_as_original crossing-fins "$RELINKED"
	relinked crossing-fins -l EN10MB -V 100,42
	same_as_original crossing-fins "$RELINKED"
}

@test "pcapng (ours and editcap's) decodes to the same connections" {
	relinked lost-final-ack -F pcapng -l EN10MB
	same_as_original lost-final-ack "$RELINKED"
	relinked ipv6 -F pcapng -l LINUX_SLL2
	same_as_original ipv6 "$RELINKED"
	if command -v editcap >/dev/null; then
		editcap -F pcapng "$GOLDEN/tuple-reuse.pcap" "$BATS_TEST_TMPDIR/e.pcapng"
		same_as_original tuple-reuse "$BATS_TEST_TMPDIR/e.pcapng"
	fi
}
