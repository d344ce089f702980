#!/usr/bin/env bats
# The bench's tools: pcapgen (the load) and runstat (the measurement).

load test_helper

@test "pcapgen writes 9 packets per connection, the server closing first" {
	"$BIN/pcapgen" -n 3 -o "$BATS_TEST_TMPDIR/g.pcap"
	run bash -c "tcpdump -nr '$BATS_TEST_TMPDIR/g.pcap' 2>/dev/null"
	assert_success
	assert_equal "${#lines[@]}" 27
	# one connection, in order: handshake, 26 bytes of ctime text, server FIN first
	port=$(awk 'NR == 1 { split($3, a, "."); print a[5] }' <<<"$output")
	run bash -c "tcpdump -nr '$BATS_TEST_TMPDIR/g.pcap' 2>/dev/null |
	    grep -E '\\.$port[ :]' | sed -E 's/^[0-9:.]+ IP //; s/, (seq|ack|win) .*//; s/, length.*//'"
	assert_output "127.0.0.1.$port > 127.0.0.1.13: Flags [S]
127.0.0.1.13 > 127.0.0.1.$port: Flags [S.]
127.0.0.1.$port > 127.0.0.1.13: Flags [.]
127.0.0.1.13 > 127.0.0.1.$port: Flags [P.]
127.0.0.1.$port > 127.0.0.1.13: Flags [.]
127.0.0.1.13 > 127.0.0.1.$port: Flags [F.]
127.0.0.1.$port > 127.0.0.1.13: Flags [.]
127.0.0.1.$port > 127.0.0.1.13: Flags [F.]
127.0.0.1.13 > 127.0.0.1.$port: Flags [.]"
	run bash -c "tcpdump -A -nr '$BATS_TEST_TMPDIR/g.pcap' 2>/dev/null | grep -ac 'Sat Nov  7 14:59:52 2020'"
	assert_output 3
}

@test "pcapgen is deterministic per seed, and reuses 4-tuples once the port range wraps" {
	"$BIN/pcapgen" -n 15000 -s 7 -o "$BATS_TEST_TMPDIR/a.pcap"
	"$BIN/pcapgen" -n 15000 -s 7 -o "$BATS_TEST_TMPDIR/b.pcap"
	"$BIN/pcapgen" -n 15000 -s 8 -o "$BATS_TEST_TMPDIR/c.pcap"
	cmp "$BATS_TEST_TMPDIR/a.pcap" "$BATS_TEST_TMPDIR/b.pcap"
	run cmp -s "$BATS_TEST_TMPDIR/a.pcap" "$BATS_TEST_TMPDIR/c.pcap"
	assert_failure 1	# another seed, another file (`! cmd` alone never fails a bats test)
	# 14116 client ports (32768-60999 by 2): 884 SYNs reuse a 4-tuple
	run bash -c "tcpdump -nr '$BATS_TEST_TMPDIR/a.pcap' 'tcp[13] == 2' 2>/dev/null |
	    awk '{ print \$3 }' | sort | uniq -d | wc -l"
	assert_output 884
}

@test "pcapgen -l null writes a BSD loopback capture with correct checksums" {
	"$BIN/pcapgen" -n 2 -l null -o "$BATS_TEST_TMPDIR/n.pcap"
	run tcpdump -vv -nr "$BATS_TEST_TMPDIR/n.pcap"
	assert_success
	assert_line -n 0 --partial 'link-type NULL'
	refute_output --partial 'incorrect'
}

@test "pcapgen rejects bad options with one line and exit 2" {
	run "$BIN/pcapgen" -n 0 -o "$BATS_TEST_TMPDIR/x.pcap"
	assert_failure 2
	assert_output "pcapgen: -n: '0': not a number in 1-100000000"
	run "$BIN/pcapgen" -n 5
	assert_failure 2
	assert_line -n 0 --partial 'usage: pcapgen'
}

@test "pcapgen -u writes unique 4-tuples, N connections open at once, a packet every 5 µs" {
	"$BIN/pcapgen" -n 40 -u 4 -o "$BATS_TEST_TMPDIR/u.pcap"
	run bash -c "tcpdump -tt -nr '$BATS_TEST_TMPDIR/u.pcap' 2>/dev/null"
	assert_equal "${#lines[@]}" 360
	# every SYN from its own client address and port
	assert_equal "$(grep -c 'Flags \[S\],' <<<"$output")" 40
	assert_equal "$(grep 'Flags \[S\],' <<<"$output" | awk '{ print $3 }' | sort -u | wc -l)" 40
	assert_line -n 0 --regexp '^1604761192\.000000 IP 10\.0\.0\.1\.32768 > 192\.168\.0\.1\.13: Flags \[S\]'
	assert_line -n 1 --regexp '^1604761192\.000005 IP 10\.0\.0\.1\.32769 > '
	assert_line -n 359 --regexp '^1604761192\.001795 IP 192\.168\.0\.1\.13 > '
	# 4 open at once: the 5th SYN comes after the first connection's last packet
	run bash -c "tcpdump -nr '$BATS_TEST_TMPDIR/u.pcap' 2>/dev/null | grep -n '' | grep -m 5 'Flags \[S\],' | tail -n 1 | cut -d: -f1"
	assert_output 37
	# tcpobserve sees 40 complete connections, the server in TIME_WAIT
	"$BIN/tcpobserve" --summary -r "$BATS_TEST_TMPDIR/u.pcap" -o "$BATS_TEST_TMPDIR/u.json"
	assert_equal "$(jq -c '[(.connections | length), ([.connections[] |
	    select(.partial == false and .time_wait_side == "server")] | length)]' \
	    "$BATS_TEST_TMPDIR/u.json")" "[40,40]"
}

@test "the bench runs both loads, checks the answers and reports medians, ratios and RSS (small knobs)" {
	BENCH_N=2000 BENCH_BIG_N=4000 BENCH_ROUNDS=3 BENCH_RIVALS=0 BENCH_CONC=100 \
		BENCH_DIR="$BATS_TEST_TMPDIR/bench" run bash "$TOP/scenarios/bench.sh"
	assert_success
	local r=$BATS_TEST_TMPDIR/bench/results.md
	assert_equal "$(grep -c ': ok$' "$r")" 2
	refute_output --partial FAILED
	run grep -E '^\| (tcpobserve --summary -r|pcap_next_ex loop \(floor\)) \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|' "$r"
	assert_equal "${#lines[@]}" 4		# two readers on two loads
	assert_line --regexp 'loop .* \| tcpobserve <= 4x the floor: (met|MISSED) \|$'
	run grep -E '^\| (reuse|unique), 4000 connections \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+x \| time <= 2\.2x: (met|MISSED)' "$r"
	assert_equal "${#lines[@]}" 2
	assert_line --regexp '^\| unique, .*, RSS <= 100 MB: met \|$'
}

@test "runstat reports wall time, CPU time, peak RSS and the exit status" {
	run "$BIN/runstat" sh -c 'sleep 0.2; exit 3'
	assert_failure 3
	assert_output --regexp '^wall_s=0\.[2-9][0-9]* cpu_s=[0-9.]+ maxrss_kb=[1-9][0-9]* status=3$'
}
