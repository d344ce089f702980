#!/usr/bin/env bats
# Malformed input never crashes tcpobserve: truncated files, one packet cut
# at every offset, impossible IP/TCP header lengths. Each input says which it
# must give: a valid report that counts what it skipped (capture.malformed,
# capture.truncated), or exit 1 with ONE clear line on stderr. All inputs are
# derived here from a golden capture.

setup() {
	load test_helper
	load fixtures_helper
	T=$BATS_TEST_TMPDIR
	SRC=$GOLDEN/server-close.pcap
	# the server's 26-byte data segment alone: 24 + 16 + 92 bytes
	tcpdump -r "$SRC" -w "$T/data.pcap" 'tcp[tcpflags] & tcp-push != 0' 2>/dev/null
	[ "$(stat -c %s "$T/data.pcap")" = 132 ]
}

# u32 FILE OFFSET: the little-endian 32-bit word at OFFSET.
u32() { od -A n -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }

# patch FILE OFFSET HEX: overwrite one byte.
patch() { printf "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# clean_exit FILE: tcpobserve -r FILE ends with a valid report (status 0) or
# with one line on stderr (status 1..127); never a signal. Sets $OUT.
clean_exit() {
	OUT=$T/report.json
	run "$BIN/tcpobserve" -r "$1" -o "$OUT"
	[ "$status" -lt 128 ] || fail "tcpobserve died: status $status on $1"
	if [ "$status" -eq 0 ]; then
		jq -e '.tool == "tcpobserve" and (.connections | type) == "array"' "$OUT" >/dev/null ||
			fail "invalid report for $1"
	else
		[ "$(echo "$output" | grep -c .)" -eq 1 ] || fail "not one error line: $output"
		assert_output --regexp '^tcpobserve: '
	fi
}

malformed() { jq '[.capture.malformed[]?] | add // 0' "$OUT"; }

# cut_gives CUT WANT: the first CUT bytes of the capture give exactly WANT:
# "error" (exit 1, one line), or "report P C T": exit 0 with P packets, C
# connections, and T = 1 if the report says the file was truncated (with the
# warning on stderr), 0 if not.
cut_gives() {
	head -c "$1" "$SRC" >"$T/cut.pcap"
	clean_exit "$T/cut.pcap"
	if [ "$2" = error ]; then
		assert_failure 1
		assert_output --regexp "^tcpobserve: .*cut\.pcap: truncated dump file; tried to read (4|24) file header bytes"
		return
	fi
	assert_success
	assert_equal "$(jq -c '[.capture.packets, (.connections | length),
	    (if .capture.truncated then 1 else 0 end)]' "$OUT")" "[$3,$4,$5]"
	if [ "$5" = 1 ]; then
		assert_output --regexp '^tcpobserve: warning: .*: truncated dump file; .*the report covers the packets before it$'
	else
		assert_output ''
	fi
}

@test "truncated files: inside the file header an error, from the first record on a report of what came before" {
	local size=$(stat -c %s "$SRC")
	cut_gives 0 error
	cut_gives 10 error
	cut_gives 23 error
	cut_gives 24 report 0 0 0		# the header alone: an empty capture
	cut_gives 30 report 0 0 1		# inside the first record header
	cut_gives 39 report 0 0 1
	cut_gives 40 report 0 0 1		# record header whole, no data
	cut_gives 70 report 0 0 1
	cut_gives 113 report 0 0 1		# one byte short of the first packet
	cut_gives $((size - 1)) report 7 1 1	# the last of 8 packets cut
}

@test "a file that ends right after its header is a valid report with no connections" {
	head -c 24 "$SRC" >"$T/empty.pcap"
	clean_exit "$T/empty.pcap"
	assert_success
	assert_equal "$(jq '[.capture.packets, (.connections | length)]' -c "$OUT")" "[0,0]"
}

@test "one packet cut at every offset: each counted, skipped or decoded, the real session intact" {
	# the cut packets come 30 s after the session (inside its TIME_WAIT, so
	# nothing about it may change), from port 9: a flow of their own
	local k ts=$(( $(u32 "$SRC" 24) + 30 ))
	cp "$T/data.pcap" "$T/frame"
	patch "$T/frame" 74 00; patch "$T/frame" 75 09	# source port 9: its own flow
	{
		head -c 24 "$SRC"
		tail -c +25 "$SRC"
		for ((k = 0; k <= 92; k++)); do
			le32 $ts; le32 $k; le32 $k; le32 92
			tail -c 92 "$T/frame" | head -c $k
		done
	} >"$T/cuts.pcap"
	clean_exit "$T/cuts.pcap"
	assert_success
	assert_equal "$(jq .capture.packets "$OUT")" $((93 + 8))
	# every cut shorter than Ethernet + IP + TCP with its options
	# (14 + 20 + 32 = 66 bytes: lengths 0..65) is malformed, every longer
	# one decodes (a segment with part of its payload)
	assert_equal "$(malformed)" 66
	jq -S '[.connections[] | select(.client.port != 9 and .server.port != 9) | del(.id)]' "$OUT" >"$T/got"
	observe "$SRC"
	jq -S '[.connections[] | del(.id)]' "$OUT" >"$T/want"
	run diff "$T/want" "$T/got"
	assert_success
}

# bad_header OFFSET HEX...: the data segment with bytes patched from OFFSET
# (offsets within the frame) is one malformed packet and no connection.
bad_header() {
	local off=$1 b; shift
	cp "$T/data.pcap" "$T/bad.pcap"
	for b in "$@"; do patch "$T/bad.pcap" $((40 + off)) "$b"; off=$((off + 1)); done
	clean_exit "$T/bad.pcap"
	assert_success
	assert_equal "$(malformed)" 1
	assert_equal "$(jq '.connections | length' "$OUT")" 0
}

@test "IPv4 header length below 20 bytes is malformed" { bad_header 14 44; }
@test "IPv4 total length shorter than its header is malformed" { bad_header 16 00 0a; }
@test "IPv4 total length beyond the packet is malformed" { bad_header 16 05 dc; }
@test "TCP data offset below 20 bytes is malformed" { bad_header 46 20; }
@test "TCP data offset beyond the segment is malformed" { bad_header 46 f0; }

@test "IPv4 options pushing the TCP header past the end are malformed" {
	cp "$T/data.pcap" "$T/bad.pcap"
	patch "$T/bad.pcap" 54 4f	# IHL 60: TCP would start at byte 74 of 92
	clean_exit "$T/bad.pcap"
	assert_success
	assert_equal "$(malformed)" 1
}

@test "valgrind finds no memory errors on cut and malformed packets" {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	[ -z "${TCPLAB_SANITIZED:-}" ] || skip "valgrind cannot run a sanitizer build"
	local ts=$(u32 "$SRC" 24) k
	{
		head -c 24 "$SRC"
		for ((k = 0; k <= 92; k += 7)); do
			le32 $ts; le32 $k; le32 $k; le32 92
			tail -c 92 "$T/data.pcap" | head -c $k
		done
	} >"$T/v.pcap"
	run timeout 60 valgrind -q --error-exitcode=99 --leak-check=no "$BIN/tcpobserve" -r "$T/v.pcap" -o "$T/v.json"
	assert_success
	cp "$T/data.pcap" "$T/bad.pcap"
	patch "$T/bad.pcap" 86 f0
	run timeout 60 valgrind -q --error-exitcode=99 --leak-check=no "$BIN/tcpobserve" -r "$T/bad.pcap" -o "$T/v.json"
	assert_success
}

@test "IPv6 payload length beyond the packet, and a bad TCP data offset over IPv6, are malformed" {
	# the server's data segment (PSH set: TCP flags are byte 40 + 13 of IPv6)
	tcpdump -r "$GOLDEN/ipv6.pcap" -w "$T/d6.pcap" 'ip6[6] == 6 and ip6[53] & 8 != 0' 2>/dev/null
	[ "$(stat -c %s "$T/d6.pcap")" = 152 ]	# 24 + 16 + 14 + 40 + 32 + 26
	cp "$T/d6.pcap" "$T/bad6.pcap"
	patch "$T/bad6.pcap" $((40 + 18)) 05; patch "$T/bad6.pcap" $((40 + 19)) dc
	clean_exit "$T/bad6.pcap"
	assert_success
	assert_equal "$(malformed)" 1
	cp "$T/d6.pcap" "$T/bad6.pcap"
	patch "$T/bad6.pcap" $((40 + 54 + 12)) f0
	clean_exit "$T/bad6.pcap"
	assert_success
	assert_equal "$(malformed)" 1
	# and the untouched segment is fine
	clean_exit "$T/d6.pcap"
	assert_equal "$(malformed)" 0
	assert_equal "$(jq '.connections[0].bytes.server' "$OUT")" 26
}
