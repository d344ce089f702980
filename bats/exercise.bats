#!/usr/bin/env bats
# The exercises (issue 13): real runs, each in a network namespace of its
# own, made once in setup_file with short holds (EXERCISE_SLEEP=2, 3 for the
# extra kinds, which need the first client held while the others start): a
# class of two (exercises.sh), the same student again, and one run per
# extra kind (half-close, RST, refused, full backlog). The tests then check
# the student's folder, the key against the capture (with tcpdump), and
# the grading of the class.

load test_helper

EX=$TOP/scenarios/exercise

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export D=$BATS_FILE_TMPDIR/ex SEED=bats EXERCISE_SLEEP=2
	mkdir -p "$D"
	printf 'alice\n# a comment\n\nbob\n' >"$D/roster.txt"
	timeout -k 5 240 bash "$EX/exercises.sh" --out "$D/class" -j 2 "$D/roster.txt" \
		>"$D/class.out" 2>"$D/class.err" 3>&- &
	timeout -k 5 240 bash "$EX/exercise.sh" --student alice --out "$D/again/alice" \
		>"$D/again.out" 2>&1 3>&- &
	wait
	for kind in half-close rst refused backlog; do
		EXERCISE_EXTRA=$kind EXERCISE_SLEEP=3 timeout -k 5 240 bash "$EX/exercise.sh" --student "k-$kind" \
			--out "$D/kinds/$kind" --keys "$D/kinds/keys/$kind" >"$D/kind-$kind.out" 2>&1 3>&- &
	done
	wait
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "exercises need root (network namespaces, capture)"
}

# key_of DIR: the key of a student folder made here
key() { echo "$D/class/keys/$1/key.json"; }

# tcpdump_numbers PCAP FILTER: the numbers of the packets FILTER selects,
# as `tcpdump -#` counts them in the whole file (with a filter, tcpdump -#
# counts the packets it prints: the lines are matched to the whole file's)
tcpdump_numbers() {
	tcpdump -# -tt -nn -r "$1" 2>/dev/null >"$BATS_TEST_TMPDIR/all"
	tcpdump -tt -nn -r "$1" "$2" 2>/dev/null >"$BATS_TEST_TMPDIR/sel"
	# matched by time, source and destination (tcpdump's relative sequence
	# numbers differ when the SYN is filtered out)
	awk 'NR == FNR { n[$2 " " $4 " " $6] = $1; next } { print n[$1 " " $3 " " $5] }' \
		"$BATS_TEST_TMPDIR/all" "$BATS_TEST_TMPDIR/sel" |
		paste -sd, -
}

# answer KEY TEMPLATE: the answer of the key's question from TEMPLATE
answer() { jq -r --arg t "$2" 'first(.questions[] | select(.template == $t)) | .answer' "$1"; }

@test "make exercises: one folder per roster id, and its key in a folder of its own" {
	run cat "$D/class.out"
	assert_line --regexp '^alice: ok, [0-9]+ questions$'
	assert_line --regexp '^bob: ok, [0-9]+ questions$'
	assert_line "2 exercises written, 0 failed"
	for s in alice bob; do
		[ -s "$(key "$s")" ]
		[ -s "$D/class/keys/$s/report.json" ]
	done
	[ "$(stat -c %a "$D/class/keys")" = 700 ]
}

@test "the student's folder has the worksheet, the capture, transcripts and an empty answers.txt — never the key" {
	cd "$D/class/alice"
	run bash -c 'find . -type f | sort'
	# no key, no report (its snapshots are answers), nothing else
	refute_output --partial key
	refute_output --partial report
	refute_output --partial .json
	assert_line ./answers.txt
	assert_line ./capture.pcap
	assert_line ./worksheet.md
	assert_line ./transcripts/client1.txt
	cmp capture.pcap "$D/class/keys/alice/capture.pcap"
	# the answers the run's kernel tables give are nowhere in the folder
	jq -r '.questions[] | select(.template == "netstat") | .answer | split("; ")[]' "$(key alice)" |
	while read -r line; do
		! grep -rqF -- "$line" . || { echo "found in the student's folder: $line" >&2; return 1; }
	done
	# no kernel table, process tree or evidence in the files (the page's own
	# script names those keys: its embedded report must not have them)
	run grep -rl --exclude=page.html '"sockets"\|process_tree\|"evidence"' .
	assert_failure 1
	if [ -e page.html ]; then
		sed -n '/<script type="application\/json" id="report">/,/<\/script>/p' page.html |
			sed '1s/.*id="report">//; $s/<\/script>.*//' >"$BATS_TEST_TMPDIR/embedded.json"
		run jq -e '[paths | .[-1] | select(. == "sockets" or . == "process_tree" or . == "evidence")]
			| length == 0' "$BATS_TEST_TMPDIR/embedded.json"
		assert_success
	fi
	# answers.txt: one empty line per question
	[ "$(grep -c '^Q[0-9]*: $' answers.txt)" = "$(jq '.questions | length' "$(key alice)")" ]
}

@test "the worksheet lists every question of the key, the moments and the transcripts, without the answers" {
	run cat "$D/class/alice/worksheet.md"
	for id in $(jq -r '.questions[].id' "$(key alice)"); do
		assert_line --regexp "^\*\*$id\.\*\* "
	done
	assert_line --regexp '^\| \(a\) \| [0-9]+\.[0-9]{3} \| '
	assert_line --regexp '^### client1$'
	assert_line --regexp '^t=[0-9.]+  Connected to 127\.0\.0\.1\.$'
	refute_output --partial "The answer"
}

@test "the empty answers.txt grades to 0 with every question listed as not answered" {
	run bash "$EX/grade-answers.sh" --key "$(key alice)" --answers "$D/class/alice/answers.txt" \
		--out "$BATS_TEST_TMPDIR/g" --quiet
	assert_success
	run jq -r '"\(.score) \(.extra_data.answered) \(.extra_data.missing | length) \(.tests | length)"' "$BATS_TEST_TMPDIR/g/results.json"
	n=$(jq '.questions | length' "$(key alice)")
	assert_output "0 0 $n $n"
}

@test "the same student id twice gives the same variant and the same questions" {
	a=$D/class/keys/alice/key.json b=$D/again/keys/alice/key.json
	[ -s "$b" ]
	[ "$(jq -c '.variant' "$a")" = "$(jq -c '.variant' "$b")" ]
	[ "$(jq -c '[.questions[] | [.id, .template, .params, .text]]' "$a")" = \
	  "$(jq -c '[.questions[] | [.id, .template, .params, .text]]' "$b")" ]
}

@test "two student ids give different variants: other ports and at least three different answers" {
	a=$(key alice) b=$(key bob)
	[ "$(jq -c '.variant | del(.student)' "$a")" != "$(jq -c '.variant | del(.student)' "$b")" ]
	[ "$(jq .variant.port "$a")" != "$(jq .variant.port "$b")" ]
	n=$(jq -n --slurpfile a "$a" --slurpfile b "$b" \
		'([$a[0].questions[] | "\(.template)=\(.answer)"] - [$b[0].questions[] | "\(.template)=\(.answer)"]) | length')
	[ "$n" -ge 3 ]
}

@test "the key is the run's own: its FIN packets are those tcpdump -r finds in the capture" {
	for dir in "$D/class/keys/alice" "$D/class/keys/bob" "$D"/kinds/keys/*; do
		k=$dir/key.json pcap=$dir/capture.pcap
		want=$(tcpdump_numbers "$pcap" 'tcp[13] & 1 != 0')
		[ -n "$want" ]
		got=$(answer "$k" fin_filter | tr -d ' ')
		[ "$got" = "$want" ] || { echo "$dir: key $got, tcpdump $want" >&2; return 1; }
		# the FINs of the connection asked about are from its client port
		conn=$(jq -r 'first(.questions[] | select(.template == "fin_packets")) | .params.conn' "$k")
		port=$(jq -r --argjson c "$conn" '.connections[] | select(.id == $c) | .client.port' "$dir/report.json")
		for no in $(answer "$k" fin_packets | tr -d ','); do
			tcpdump -# -nn -r "$pcap" 2>/dev/null | grep -E "^ *$no  .*127\.0\.0\.1\.${port}[ :].*Flags \[F" >/dev/null ||
				{ echo "$dir: packet $no is not a FIN of port $port" >&2; return 1; }
		done
	done
}

@test "a grader run on the key's own answers scores 100%, one wrong state loses exactly that question" {
	k=$(key bob)
	jq -r '.questions[] | "\(.id): \(.answer)"' "$k" >"$BATS_TEST_TMPDIR/a.txt"
	run bash "$EX/grade-answers.sh" --key "$k" --answers "$BATS_TEST_TMPDIR/a.txt" --out "$BATS_TEST_TMPDIR/g" --quiet
	assert_success
	[ "$(jq '.score == .extra_data.max_score' "$BATS_TEST_TMPDIR/g/results.json")" = true ]
	q=$(jq -r 'first(.questions[] | select(.template == "states")) | .id' "$k")
	sed -i "s/^$q: \(.*\)ESTABLISHED/$q: \1SYN_SENT/" "$BATS_TEST_TMPDIR/a.txt"
	run bash "$EX/grade-answers.sh" --key "$k" --answers "$BATS_TEST_TMPDIR/a.txt" --out "$BATS_TEST_TMPDIR/g" --quiet
	run jq -r '"\(.extra_data.max_score - .score) \([.tests[] | select(.score == 0) | "Q\(.number)"] | join(","))"' "$BATS_TEST_TMPDIR/g/results.json"
	assert_output "1 $q"
}

@test "half-close: the client's FIN comes first and the server still sends its line after it" {
	k=$D/kinds/keys/half-close/key.json
	[ "$(answer "$k" halfclose_sender)" = server ]
	[ "$(answer "$k" halfclose_bytes)" = 26 ]
	conn=$(jq -r 'first(.questions[] | select(.template == "halfclose_sender")) | .params.conn' "$k")
	port=$(jq -r --argjson c "$conn" '.connections[] | select(.id == $c) | .client.port' "$D/kinds/keys/half-close/report.json")
	# tcpdump: the client's FIN, then 26 bytes from the server
	run bash -c "tcpdump -nn -r '$D/kinds/keys/half-close/capture.pcap' 'tcp port $port and tcp[13] & 9 != 0' 2>/dev/null | sed -E 's/.* IP ([0-9.]+) > .*Flags \[([^]]*)\].*length ([0-9]+)$/\1 \2 \3/'"
	assert_line --index 0 "127.0.0.1.$port F. 0"
	assert_line --index 1 --regexp "^127\.0\.0\.1\.[0-9]+ P\. 26$"
}

@test "RST: the tcppeer client's abort is the RST, and both sides end CLOSED" {
	k=$D/kinds/keys/rst/key.json
	[ "$(answer "$k" rst_who)" = client ]
	[ "$(answer "$k" rst_states)" = "CLOSED, CLOSED" ]
	rst=$(tcpdump_numbers "$D/kinds/keys/rst/capture.pcap" 'tcp[13] & 4 != 0')
	run jq -r 'first(.questions[] | select(.template == "rst_who")) | .evidence' "$k"
	assert_output --regexp "^packet $rst \[RA\] is the RST, sent by 127\.0\.0\.1:[0-9]+ — the client"
}

@test "refused: the SYN to the closed port is answered by a RST, packet and flags as tcpdump shows them" {
	k=$D/kinds/keys/refused/key.json
	no=$(answer "$k" refused_answer)
	rport=$(jq -r .variant.refused_port "$k")
	[ "$(answer "$k" refused_flags)" = RA ]
	[ "$(tcpdump_numbers "$D/kinds/keys/refused/capture.pcap" "tcp src port $rport")" = "$no" ]
	tcpdump -# -nn -r "$D/kinds/keys/refused/capture.pcap" 2>/dev/null | grep -E "^ *$no  .*Flags \[R\.\]"
	grep -q 'Unable to connect\|Connection refused' "$D/kinds/refused/transcripts/refused.txt"
}

@test "backlog: the SYNs the full accept queue dropped are the unanswered ones in the capture" {
	k=$D/kinds/keys/backlog/key.json
	syns=$(answer "$k" backlog_syns)
	[ -n "$syns" ]
	[ "$(answer "$k" backlog_why)" = A ]
	conn=$(jq -r 'first(.questions[] | select(.template == "backlog_syns")) | .params.conn' "$k")
	port=$(jq -r --argjson c "$conn" '.connections[] | select(.id == $c) | .client.port' "$D/kinds/keys/backlog/report.json")
	# every SYN of that client but the last one went unanswered
	all=$(tcpdump_numbers "$D/kinds/keys/backlog/capture.pcap" "tcp src port $port and tcp[13] == 2")
	[ "$(echo "$syns" | tr -d ' ')" = "${all%,*}" ]
}

@test "grade-answers-all: results per student and a summary.csv; missing answers are a zero" {
	S=$BATS_TEST_TMPDIR/subs
	mkdir -p "$S/alice"
	jq -r '.questions[] | "\(.id): \(.answer)"' "$(key alice)" >"$S/alice/answers.txt"
	jq -r '.questions[] | "\(.id): \(.answer)"' "$(key bob)" | sed '1s/: .*/: nonsense/' >"$S/bob.txt"
	echo "Q1: x" >"$S/mallory.txt"
	run bash "$EX/grade-answers-all.sh" --keys "$D/class" --out "$BATS_TEST_TMPDIR/out" "$S"
	assert_success
	na=$(jq '.questions | length' "$(key alice)") nb=$(jq '.questions | length' "$(key bob)")
	assert_line "alice: $na/$na"
	assert_line --regexp "^bob: $((nb - 1))/$nb"
	assert_line "mallory: answers but no key: skipped"
	run cut -d, -f1-4 "$BATS_TEST_TMPDIR/out/summary.csv"
	assert_line --index 0 '"student","score","max_score","answered"'
	assert_line --index 1 "\"alice\",$na,$na,$na"
	assert_line --index 2 "\"bob\",$((nb - 1)),$nb,$nb"
	rm "$S/alice/answers.txt"
	run bash "$EX/grade-answers-all.sh" --keys "$D/class/keys" --out "$BATS_TEST_TMPDIR/out2" "$S"
	assert_line "alice: 0/$na (nothing answered)"
}

@test "exercise.sh: a bad id, an existing exercise, a bad knob are one clear line" {
	run bash "$EX/exercise.sh" --student '../x'
	assert_failure 2
	assert_output "exercise.sh: bad student id '../x': want letters, digits, . _ - (at most 64, not 'keys')"
	run bash "$EX/exercise.sh" --student alice --out "$D/class/alice"
	assert_failure 2
	assert_output --partial "already holds an exercise"
	EXERCISE_EXTRA=flood run bash "$EX/variant.sh" s x
	assert_failure 2
	assert_output "variant.sh: EXERCISE_EXTRA: want none, half-close, rst, refused or backlog: flood"
}

@test "with bin/tcppage: page.html from a report without the kernel tables, linked from worksheet.html" {
	stub=$BATS_TEST_TMPDIR/bin
	mkdir -p "$stub"
	# a stand-in for tcppage that writes the JSON it was given into the page
	# shellcheck disable=SC2016
	printf '#!/bin/sh\n[ "$1" = -o ] || exit 2\ncat "$3" >"$2"\n' >"$stub/tcppage"
	chmod +x "$stub/tcppage"
	cp -r "$D/class/alice" "$BATS_TEST_TMPDIR/alice"
	cp -r "$D/class/keys/alice" "$BATS_TEST_TMPDIR/keys"
	TCPLAB_BIN=$stub run bash "$EX/page.sh" "$BATS_TEST_TMPDIR/keys" "$BATS_TEST_TMPDIR/alice"
	assert_success
	run jq -r '[(.moments | map(keys) | add | unique | join(",")), has("verdict"), has("server"),
		(.connections | length > 0), (.clients | length > 0)] | join(" ")' "$BATS_TEST_TMPDIR/alice/page.html"
	assert_output "id,label,t,time false false true true"
	run grep -o 'href="[^"]*"' "$BATS_TEST_TMPDIR/alice/worksheet.html"
	assert_line 'href="page.html"'
	assert_line 'href="capture.pcap"'
	assert_line 'href="transcripts/client1.txt"'
	assert_line 'href="answers.txt"'
	# a failing tcppage: no page, one line, the exercise goes on without it
	printf '#!/bin/sh\necho "tcppage: broken" >&2\nexit 1\n' >"$stub/tcppage"
	TCPLAB_BIN=$stub run bash "$EX/page.sh" "$BATS_TEST_TMPDIR/keys" "$BATS_TEST_TMPDIR/alice"
	assert_failure 1
	assert_output "page.sh: tcppage failed: tcppage: broken"
	[ ! -e "$BATS_TEST_TMPDIR/alice/page.html" ]
}
