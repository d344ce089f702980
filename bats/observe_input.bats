#!/usr/bin/env bats
# Inputs that are not what anyone expects: names that are not UTF-8, and
# timestamps beyond 2038 (up to 2106) or damaged. The report stays valid
# JSON, keeps the names (each byte that is not UTF-8 read as Latin-1, see
# src/observe/jw.h), and reads every timestamp the same on the fast reader
# (a regular classic pcap file) as on libpcap's (the same bytes from a pipe).

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	load fixtures_helper
	T=$BATS_TEST_TMPDIR
	SRC=$GOLDEN/server-close.pcap
	NS=
}

teardown() {
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null
	true
}

# put32 FILE OFFSET N: overwrite a little-endian 32-bit word.
put32() { le32 "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# record_offsets FILE: the offset of each record header of a classic pcap.
record_offsets() {
	local off=24 size=$(stat -c %s "$1") caplen
	while [ "$off" -lt "$size" ]; do
		echo "$off"
		caplen=$(od -A n -t u4 -j $((off + 8)) -N 4 "$1" | tr -d ' ')
		off=$((off + 16 + caplen))
	done
}

# both_paths FILE: the report of FILE read by the fast reader equals the
# one libpcap gives from a pipe (source.path aside). Sets $OUT (fast path).
both_paths() {
	OUT=$T/fast.json
	"$BIN/tcpobserve" -r "$1" >"$OUT" || fail "fast reader failed on $1"
	cat "$1" | "$BIN/tcpobserve" -r - >"$T/slow.json" || fail "libpcap path failed on $1"
	diff <(jq -S 'del(.source.path)' "$OUT") <(jq -S 'del(.source.path)' "$T/slow.json") ||
		fail "the two readers disagree on $1"
}

@test "a capture file and a -w file whose names are not UTF-8 are kept, each bad byte as its Latin-1 letter" {
	local name=$T/caf$'\xe9'-$'\xff'.pcap wname=$T/w$'\xe9'.pcap
	cp "$SRC" "$name"
	run --separate-stderr "$BIN/tcpobserve" -r "$name" -w "$wname"
	assert_success
	echo "$output" >"$T/r.json"
	jq -e . "$T/r.json" >/dev/null
	assert_equal "$(jq -r .source.path "$T/r.json")" "$T/café-ÿ.pcap"
	assert_equal "$(jq -r .source.written_to "$T/r.json")" "$T/wé.pcap"
	assert_equal "$(jq '.connections | length' "$T/r.json")" 1
	cmp <(tcpdump -r "$SRC" -w - 2>/dev/null | tail -c +25) <(tail -c +25 "$wname")
	# a name that is UTF-8 already is kept as it is
	cp "$SRC" "$T/ü.pcap"
	assert_equal "$("$BIN/tcpobserve" -r "$T/ü.pcap" | jq -r .source.path)" "$T/ü.pcap"
}

@test "an interface whose name is not UTF-8 is kept in a live report" {
	[ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
	NS=tcplab-obs-$$
	local ifn=v$'\xe9'$$
	ip netns add "$NS"
	ip -n "$NS" link add name "$ifn" type veth peer name p$$
	ip -n "$NS" link set "$ifn" up
	ip netns exec "$NS" "$BIN/tcpobserve" -i "$ifn" -o "$T/live.json" 2>"$T/live.err" 3>&- &
	local pid=$!
	wait_for "$T/live.err" '^listening on '
	kill -INT $pid
	wait $pid
	jq -e . "$T/live.json" >/dev/null
	assert_equal "$(jq -r '.source.kind, .source.interface' "$T/live.json" | xargs)" "live vé$$"
}

@test "timestamps at and beyond 2^31 s read the same on both readers, as unsigned seconds until 2106" {
	local offs=($(record_offsets "$SRC")) i
	cp "$SRC" "$T/late.pcap"
	# 2038-01-19 and later: every record moved by the same amount
	for i in "${!offs[@]}"; do
		put32 "$T/late.pcap" "${offs[$i]}" $((2147483648 + i))
	done
	both_paths "$T/late.pcap"
	assert_equal "$(jq .t0 "$T/fast.json")" 2147483648.$(od -A n -t u4 -j 28 -N 4 "$SRC" | tr -d ' ' | xargs printf %06d)
	# record i is i s after the first: 0 1 2 ..., whatever the µs say
	assert_equal "$(jq -c '[.connections[0].packets[].t | floor]' "$OUT")" "[0,1,2,3,4,5,6,7]"
	# the last second there is: 2106-02-07 06:28:15
	cp "$SRC" "$T/2106.pcap"
	for i in "${!offs[@]}"; do put32 "$T/2106.pcap" "${offs[$i]}" 4294967295; done
	both_paths "$T/2106.pcap"
	[[ $(jq -r .t0 "$OUT") == 4294967295.* ]] || fail "t0 $(jq .t0 "$OUT")"
}

@test "microseconds at or above 2^31 in a damaged file read the same on both readers" {
	local offs=($(record_offsets "$SRC"))
	cp "$SRC" "$T/usec.pcap"
	put32 "$T/usec.pcap" $((${offs[3]} + 4)) 2147483648
	put32 "$T/usec.pcap" $((${offs[5]} + 4)) 4294967295
	both_paths "$T/usec.pcap"
	jq -e '.capture.packets == 8' "$OUT" >/dev/null
	# 2147.483648 s after its second (the session lasts < 1 s), not before
	jq -e '.connections[0].packets[3].t > 2146' "$OUT" >/dev/null ||
		fail "packet 4 at $(jq '.connections[0].packets[3].t' "$OUT")"
}

@test "300 files with mutated timestamps: the same report on both readers" {
	local offs=($(record_offsets "$SRC")) k j off v
	RANDOM=11
	for ((k = 0; k < 300; k++)); do
		cp "$SRC" "$T/m.pcap"
		for ((j = 0; j < 3; j++)); do
			off=$((${offs[RANDOM % ${#offs[@]}]} + 4 * (RANDOM % 2)))
			case $((RANDOM % 4)) in
			0) v=$((2147483648 + RANDOM * 65536 + RANDOM)) ;;	# bit 31 set
			1) v=$((RANDOM * 131072 + RANDOM)) ;;			# anything
			2) v=4294967295 ;;
			3) v=999999 ;;
			esac
			put32 "$T/m.pcap" "$off" "$v"
		done
		both_paths "$T/m.pcap"
	done
}

@test "a pcapng timestamp far beyond 2106 is clamped to 2106, not an overflow" {
	"$BIN/pcaprelink" -F pcapng -l EN10MB "$SRC" "$T/n.pcapng"
	local shb idb
	shb=$(od -A n -t u4 -j 4 -N 4 "$T/n.pcapng" | tr -d ' ')
	idb=$(od -A n -t u4 -j $((shb + 4)) -N 4 "$T/n.pcapng" | tr -d ' ')
	# the first Enhanced Packet Block's timestamp, high word: 2^64 - 1 µs
	put32 "$T/n.pcapng" $((shb + idb + 12)) 4294967295
	put32 "$T/n.pcapng" $((shb + idb + 16)) 4294967295
	run --separate-stderr "$BIN/tcpobserve" -r "$T/n.pcapng"
	assert_success
	assert_equal "$stderr" ""
	[[ $(echo "$output" | jq -r .t0) == 4294967295.* ]] || fail "t0: $(echo "$output" | jq .t0)"
	assert_equal "$(echo "$output" | jq .capture.packets)" 8
}
