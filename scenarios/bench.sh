#!/usr/bin/env bash
# make bench: how fast, and in how much memory, tcpobserve reads big
# captures, next to tshark, tcptrace and the floor (a bare pcap_next_ex loop).
#
# Two loads, both written by bin/pcapgen (deterministic, seeded):
#   reuse   100 000 short daytime connections from one client address,
#           dozens open at once: ports wrap, 4-tuples come back in TIME_WAIT
#   unique  100 000 connections from many client addresses, BENCH_CONC (1 000)
#           open at once, a packet every 5 µs, every 4-tuple unique: a busy
#           server, where memory would grow with every TIME_WAIT
# and both again with 1 000 000 connections (BENCH_BIG=0 skips them): memory
# must follow the connections open at once (peak RSS <= 100 MB on the big
# unique file, not growing at all on the reuse load), time the packets
# (<= 1.1 x BENCH_BIG_N / BENCH_N = 11x the 100 000-connection file's).
# Each reader runs BENCH_ROUNDS times, interleaved, under bin/runstat (wall
# and CPU time, peak RSS from wait4's rusage); the tables show medians and
# the largest RSS. The machine may be busy (other tests beside it): CPU time
# is shown next to wall time, and the verdicts on time use CPU time. Before
# timing, small files check that tcpobserve's answer is right at all.
#
#   BENCH_N=100000  BENCH_BIG=1  BENCH_BIG_N=1000000  BENCH_SEED=1
#   BENCH_ROUNDS=5  BENCH_CONC=1000  BENCH_RIVALS=1 (0: no tshark/tcptrace)
#   BENCH_DIR=build/bench  TCPOBSERVE=bin/tcpobserve (another build to compare)
# Results: printed, and kept in $BENCH_DIR/results.md. Exit 1 when a reader
# failed or a check found a wrong answer; a missed target is reported.
set -u
cd "$(dirname "$0")/.."
BIN=$PWD/bin
DIR=${BENCH_DIR:-$PWD/build/bench}
N=${BENCH_N:-100000}
BIG=${BENCH_BIG:-1}
BIG_N=${BENCH_BIG_N:-1000000}
SEED=${BENCH_SEED:-1}
ROUNDS=${BENCH_ROUNDS:-5}
CONC=${BENCH_CONC:-1000}
RIVALS=${BENCH_RIVALS:-1}
TCPOBSERVE=${TCPOBSERVE:-$BIN/tcpobserve}
mkdir -p "$DIR"
OUT=$DIR/results.md
fail=0

say() { printf '%s\n' "$*" | tee -a "$OUT"; }

# gen LOAD N FILE: (re)generates when missing or older than the generator.
gen() {
	local opts=(-n "$2" -s "$SEED")
	[[ $1 == unique ]] && opts+=(-u "$CONC")
	if [[ ! -s $3 || $BIN/pcapgen -nt $3 ]]; then
		"$BIN/pcapgen" "${opts[@]}" -o "$3.tmp" && mv "$3.tmp" "$3" ||
			{ echo "bench: pcapgen ${opts[*]} failed" >&2; exit 1; }
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

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
meets() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { print ((op == ">=" ? v >= t : v <= t) ? "met" : "MISSED") }'; }

for t in "$BIN/pcapgen" "$BIN/runstat" "$BIN/pcaploop" "$TCPOBSERVE"; do
	[[ -x $t ]] || { echo "bench: $t is not built (make)" >&2; exit 1; }
done

: >"$OUT"
say "# tcplab bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)"
say ""
# 1. Is the answer right? (a) 20 000 connections, all closed by the server,
# on 14 116 client ports (32768-60999 by 2), one every ~20 µs: the first
# 5 884 reuses of a 4-tuple come while the old connection is still held
# whole (even over the hold: within 1 s of its last packet) and end the
# server's TIME_WAIT exactly at the new SYN; the last use of each tuple is
# still in TIME_WAIT when the capture ends.
gen_check() { [[ -s $2 && ! $BIN/pcapgen -nt $2 ]] || "$BIN/pcapgen" -s "$SEED" "${@:3}" -o "$2" ||
	{ echo "bench: pcapgen failed" >&2; exit 1; }; }
gen_check reuse "$DIR/check-20k.pcap" -n 20000 -i 20
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
	say "check: FAILED on ${DIR##*/}/check-20k.pcap (connections, correct, tuples,"
	say "TIME_WAITs ended by reuse, ended not at the next SYN): $verdict"
	say "       want: 20000 20000 14116 5884 0"
	fail=1
fi
# (b) the unique-tuple load: 20 000 connections, 1 000 open at once, every
# one complete and written once, in TIME_WAIT at the end of the capture.
gen_check unique "$DIR/check-u20k.pcap" -n 20000 -u 1000
if "$TCPOBSERVE" --summary -r "$DIR/check-u20k.pcap" >"$DIR/check-u20k.json" 2>"$DIR/check-u20k.err"; then
	verdict=$(jq -r '[.connections[] | select(.partial == false and .conn_state == "SF"
	      and .time_wait_side == "server" and .time_wait[0].ended == null
	      and (.states.server | map(.state))[-1] == "TIME_WAIT")] as $ok
	    | [(.connections | length), ($ok | length),
	       ([.connections[] | [.client.addr, .client.port]] | unique | length),
	       ([.connections[].id] | unique | length), .capture.connections] | @tsv' \
	    "$DIR/check-u20k.json" 2>&1)
else
	verdict="tcpobserve failed: $(head -c 300 "$DIR/check-u20k.err")"
fi
if [[ $verdict == $'20000\t20000\t20000\t20000\t20000' ]]; then
	say "check: 20000 connections on 20000 unique 4-tuples, 1000 open at once, each"
	say "written once, complete, the server in TIME_WAIT: ok"
else
	say "check: FAILED on ${DIR##*/}/check-u20k.pcap (connections, correct, tuples,"
	say "ids, counted): $verdict; want: 20000 20000 20000 20000 20000"
	fail=1
fi
say ""

# race LOAD FILE: every reader ROUNDS times, interleaved; one table row
# each with medians and the ratios. Sets MED_WALL MED_CPU MAX_RSS (tcpobserve).
race() {
	local load=$1 f=$2 tool round rw rc verdict
	local -A walls cpus rsss label=(
	    [tcpobserve]="tcpobserve --summary -r" [floor]="pcap_next_ex loop (floor)"
	    [tshark]="tshark -q -z conv,tcp -r" [tcptrace]="tcptrace -n")
	local readers=(tcpobserve floor)
	if [[ $RIVALS != 0 ]]; then
		for tool in tshark tcptrace; do
			command -v "$tool" >/dev/null && readers+=("$tool")
		done
	fi
	for ((round = 1; round <= ROUNDS; round++)); do
		for tool in "${readers[@]}"; do
			case $tool in
			tcpobserve) measure tcpobserve "$f" "$TCPOBSERVE" --summary -r "$f" ;;
			floor) measure floor "$f" "$BIN/pcaploop" "$f" ;;
			tshark) measure tshark "$f" tshark -q -z conv,tcp -r "$f" ;;
			tcptrace) measure tcptrace "$f" tcptrace -n "$f" ;;
			esac
			walls[$tool]+=" $WALL" cpus[$tool]+=" $CPU" rsss[$tool]+=" $RSS"
		done
	done
	MED_WALL=$(median ${walls[tcpobserve]}) MED_CPU=$(median ${cpus[tcpobserve]})
	MAX_RSS=$(maxof ${rsss[tcpobserve]})
	say "| $load: reader | wall s | CPU s | peak RSS MiB | wall ratio | CPU ratio | target |"
	say "|---|---:|---:|---:|---:|---:|---|"
	for tool in tcpobserve floor tshark tcptrace; do
		if [[ -z ${walls[$tool]:-} ]]; then
			say "| ${label[$tool]} | not run | | | | | |"
			continue
		fi
		local w=$(median ${walls[$tool]}) c=$(median ${cpus[$tool]})
		rw=$(ratio "$w" "$MED_WALL") rc=$(ratio "$c" "$MED_CPU")
		case $tool in
		tshark) verdict="tcpobserve >= 40x faster: $(meets "$rc" ">=" 40)" ;;
		tcptrace) verdict="tcpobserve >= 20x faster: $(meets "$rc" ">=" 20)" ;;
		floor) rw=$(ratio "$MED_WALL" "$w") rc=$(ratio "$MED_CPU" "$c")
			verdict="tcpobserve <= 4x the floor: $(meets "$rc" "<=" 4)" ;;
		*) verdict="" ;;
		esac
		say "| ${label[$tool]} | $w | $c | $(mib "$(maxof ${rsss[$tool]})") | ${rw}x | ${rc}x | $verdict |"
	done
	say ""
}

# 2. The race on both loads.
say "Each reader ran $ROUNDS times, interleaved: medians of wall and CPU (user+sys)"
say "time, largest peak RSS. Ratios: the reader's time over tcpobserve's (floor:"
say "tcpobserve's over the floor's). Load (1/5/15 min) before: $(cut -d' ' -f1-3 /proc/loadavg)"
say ""
declare -A small_cpu small_wall small_rss
for load in reuse unique; do
	F=$DIR/bench-$load-$N.pcap
	gen "$load" "$N" "$F"
	say "file: ${F##*/}: $N connections, $(( $(stat -c %s "$F") / 1048576 )) MiB"
	say ""
	race "$load" "$F"
	small_cpu[$load]=$MED_CPU small_wall[$load]=$MED_WALL small_rss[$load]=$MAX_RSS
done

# 3. Memory follows the connections open at once; time follows the packets.
if [[ $BIG == 0 ]]; then
	say "(BENCH_BIG=0: the $BIG_N-connection runs were skipped)"
	exit $fail
fi
tlim=$(awk -v a="$BIG_N" -v b="$N" 'BEGIN { printf "%.1f", 1.1 * a / b }')
say "| tcpobserve --summary -r | wall s | CPU s | peak RSS MiB | CPU time / ${N}'s | target |"
say "|---|---:|---:|---:|---:|---|"
for load in reuse unique; do
	G=$DIR/bench-$load-$BIG_N.pcap
	gen "$load" "$BIG_N" "$G"
	walls=() cpus=() rsss=()
	for ((round = 1; round <= ROUNDS; round++)); do
		measure tcpobserve-big "$G" "$TCPOBSERVE" --summary -r "$G"
		walls+=("$WALL") cpus+=("$CPU") rsss+=("$RSS")
	done
	w=$(median "${walls[@]}") c=$(median "${cpus[@]}") r=$(maxof "${rsss[@]}")
	grow=$(ratio "$c" "${small_cpu[$load]}")
	verdict="time <= ${tlim}x: $(meets "$grow" "<=" "$tlim")"
	if [[ $load == unique ]]; then
		verdict+=", RSS <= 100 MB: $(meets "$r" "<=" 97656)"
	else	# tuples come back: memory must not grow at all
		verdict+=", RSS <= 1.1x: $(meets "$(ratio "$r" "${small_rss[$load]}")" "<=" 1.1)"
	fi
	say "| $load, $N connections | ${small_wall[$load]} | ${small_cpu[$load]} | $(mib "${small_rss[$load]}") | | |"
	say "| $load, $BIG_N connections | $w | $c | $(mib "$r") | ${grow}x | $verdict |"
done
exit $fail
