#!/usr/bin/env bash
# make bench: how fast, and in how much memory, tcpobserve reads a big
# capture next to tshark and tcptrace.
#
# bin/pcapgen writes (deterministically, seeded) a pcap of 100 000 short
# daytime connections, ~900 000 packets, dozens open at once, 4-tuples reused;
# and one of 1 000 000 connections (skipped with BENCH_BIG=0). Each reader runs
# on the same file, under bin/runstat (wall time, CPU time and peak RSS from
# wait4's rusage); the ratios compare them with tcpobserve. Before timing, a
# small file checks that tcpobserve's answer is right at all. The machine may
# be busy (tests of others running): every reader runs BENCH_ROUNDS times,
# interleaved, and the best time counts; CPU time is shown next to wall time.
#
#   BENCH_N=100000  BENCH_BIG=1  BENCH_BIG_N=1000000  BENCH_SEED=1  BENCH_ROUNDS=3
#   TCPOBSERVE=bin/tcpobserve (another build to compare)
# Results: printed, and kept in build/bench/results.md.
set -u
cd "$(dirname "$0")/.."
BIN=$PWD/bin
DIR=$PWD/build/bench
N=${BENCH_N:-100000}
BIG=${BENCH_BIG:-1}
BIG_N=${BENCH_BIG_N:-1000000}
SEED=${BENCH_SEED:-1}
ROUNDS=${BENCH_ROUNDS:-3}
TCPOBSERVE=${TCPOBSERVE:-$BIN/tcpobserve}
mkdir -p "$DIR"
OUT=$DIR/results.md
fail=0

say() { printf '%s\n' "$*" | tee -a "$OUT"; }

# gen N FILE: (re)generates when missing or older than the generator.
gen() {
	if [[ ! -s $2 || $BIN/pcapgen -nt $2 ]]; then
		"$BIN/pcapgen" -n "$1" -s "$SEED" -o "$2.tmp" && mv "$2.tmp" "$2" ||
			{ echo "bench: pcapgen -n $1 failed" >&2; exit 1; }
	fi
}

# measure NAME FILE CMD...: one run, stdout discarded; sets WALL CPU RSS.
measure() {
	local name=$1 file=$2 stat=$DIR/$1.stat status
	shift 2
	cat "$file" >/dev/null	# same page-cache state for every reader
	"$BIN/runstat" -o "$stat" "$@" >/dev/null 2>"$DIR/$name.err"
	read -r WALL CPU RSS status < <(sed -E \
	    's/wall_s=([^ ]+) cpu_s=([^ ]+) maxrss_kb=([^ ]+) status=(.*)/\1 \2 \3 \4/' "$stat")
	if [[ $status != 0 ]]; then
		echo "bench: $name exited $status: $(head -c 300 "$DIR/$name.err")" >&2
		fail=1
	fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

for t in "$BIN/pcapgen" "$BIN/runstat" "$TCPOBSERVE"; do
	[[ -x $t ]] || { echo "bench: $t is not built (make)" >&2; exit 1; }
done

: >"$OUT"
say "# tcplab bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)"
say ""

# 1. Is the answer right? 20 000 connections, all closed by the server, on
# 14 116 client ports (32768-60999 by 2): the first 5 884 reuses of a 4-tuple
# end the server's TIME_WAIT (CLOSED at the new SYN), the last use of each
# tuple is still in TIME_WAIT when the capture ends.
gen 20000 "$DIR/check-20k.pcap"
if "$TCPOBSERVE" --summary -r "$DIR/check-20k.pcap" >"$DIR/check-20k.json" 2>"$DIR/check-20k.err"; then
	verdict=$(jq -r '
	    def srv: ["LISTEN","SYN_RCVD","ESTABLISHED","FIN_WAIT_1","FIN_WAIT_2","TIME_WAIT"];
	    def cli: ["CLOSED","SYN_SENT","ESTABLISHED","CLOSE_WAIT","LAST_ACK","CLOSED"];
	    [.connections[] | {p: .client.port, id, first, tw: .time_wait[0],
	      ok: (.partial == false and .active_closer == "server"
	        and .time_wait_side == "server" and .conn_state == "SF"
	        and (.states.client | map(.state)) == cli
	        and ((.states.server | map(.state)) as $s | $s == srv or $s == srv + ["CLOSED"]))}] as $c
	    | [$c | group_by(.p)[] | sort_by(.id) | . as $l | range(0; length - 1)
	        | select($l[.].tw.ended != $l[. + 1].first)] as $bad
	    | [($c | length), ($c | map(select(.ok)) | length),
	       ($c | map(.p) | unique | length), ($c | map(select(.tw.ended != null)) | length),
	       ($bad | length)] | @tsv' "$DIR/check-20k.json" 2>&1)
else
	verdict="tcpobserve failed: $(head -c 300 "$DIR/check-20k.err")"
fi
if [[ $verdict == $'20000\t20000\t14116\t5884\t0' ]]; then
	say "check: 20000 connections on 14116 reused 4-tuples, all server-closed with the"
	say "server in TIME_WAIT, 5884 TIME_WAITs ended exactly at the reusing SYN: ok"
else
	say "check: FAILED on build/bench/check-20k.pcap (connections, correct, tuples,"
	say "TIME_WAITs ended by reuse, ended not at the next SYN): $verdict"
	say "       want: 20000 20000 14116 5884 0"
	fail=1
fi
say ""

# 2. The race on the same file.
F=$DIR/bench-$N.pcap
gen "$N" "$F"
packets=$(tcpdump -nr "$F" 2>/dev/null | wc -l)
say "file: build/bench/${F##*/}: $N connections, $packets packets, $(( $(stat -c %s "$F") / 1048576 )) MiB"
say ""
say "Each reader ran $ROUNDS times, interleaved; best wall and CPU (user+sys) time of"
say "the runs, largest peak RSS. Machine load (1/5/15 min) before: $(cut -d' ' -f1-3 /proc/loadavg)"
say ""
declare -A target=([tshark]=20 [tcptrace]=10) label=(
	[tcpobserve]="tcpobserve --summary -r" [tshark]="tshark -q -z conv,tcp -r"
	[tcptrace]="tcptrace -n") best_wall best_cpu max_rss
readers=(tcpobserve)
for tool in tshark tcptrace; do
	command -v "$tool" >/dev/null && readers+=("$tool")
done
for ((round = 1; round <= ROUNDS; round++)); do
	for tool in "${readers[@]}"; do
		case $tool in
		tcpobserve) measure tcpobserve "$F" "$TCPOBSERVE" --summary -r "$F" ;;
		tshark) measure tshark "$F" tshark -q -z conv,tcp -r "$F" ;;
		tcptrace) measure tcptrace "$F" tcptrace -n "$F" ;;
		esac
		best_wall[$tool]=$(awk -v a="${best_wall[$tool]:-1e9}" -v b="$WALL" 'BEGIN { print (b < a ? b : a) }')
		best_cpu[$tool]=$(awk -v a="${best_cpu[$tool]:-1e9}" -v b="$CPU" 'BEGIN { print (b < a ? b : a) }')
		max_rss[$tool]=$(( ${max_rss[$tool]:-0} > RSS ? ${max_rss[$tool]:-0} : RSS ))
	done
done
tw=${best_wall[tcpobserve]} tc=${best_cpu[tcpobserve]} trss=${max_rss[tcpobserve]}
say "| reader | wall s | CPU s | peak RSS MiB | wall ratio | CPU ratio | target |"
say "|---|---:|---:|---:|---:|---:|---|"
for tool in tcpobserve tshark tcptrace; do
	if [[ -z ${best_wall[$tool]:-} ]]; then
		say "| $tool | not installed | | | | | |"
		continue
	fi
	rw=$(ratio "${best_wall[$tool]}" "$tw")
	rc=$(ratio "${best_cpu[$tool]}" "$tc")
	verdict=""
	[[ $tool != tcpobserve ]] && verdict="${target[$tool]}x: $(awk -v r="$rw" -v t="${target[$tool]}" 'BEGIN { print (r >= t ? "met" : "MISSED") }')"
	say "| ${label[$tool]} | ${best_wall[$tool]} | ${best_cpu[$tool]} | $(mib "${max_rss[$tool]}") | ${rw}x | ${rc}x | $verdict |"
done
say ""

# 3. Memory must follow connections open at once, not connections in the file.
if [[ $BIG != 0 ]]; then
	G=$DIR/bench-$BIG_N.pcap
	gen "$BIG_N" "$G"
	measure tcpobserve-big "$G" "$TCPOBSERVE" --summary -r "$G"
	say "| tcpobserve --summary -r | wall s | CPU s | peak RSS MiB |"
	say "|---|---:|---:|---:|"
	say "| $N connections (best of $ROUNDS) | $tw | $tc | $(mib "$trss") |"
	say "| $BIG_N connections (1 run) | $WALL | $CPU | $(mib "$RSS") |"
	grow=$(awk -v a="$trss" -v b="$RSS" 'BEGIN { printf "%.2f", b / a }')
	say ""
	say "peak RSS ${BIG_N} / ${N}: ${grow}x (target: not growing, <= 1.10x: $(awk -v g="$grow" 'BEGIN { print (g <= 1.10 ? "met" : "MISSED") }'))"
else
	say "(BENCH_BIG=0: the $BIG_N-connection run was skipped)"
fi
exit $fail
