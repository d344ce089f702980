#!/usr/bin/env bats
# The exercise answer grader (scenarios/exercise/grade.jq through
# grade-answers.sh) on a hand-written key and hand-written answers: no
# network, no run. Every normalisation and tolerance rule has a test.

load test_helper

GA=$TOP/scenarios/exercise/grade-answers.sh

setup_file() {
	export KEY=$BATS_FILE_TMPDIR/key.json
	cat >"$KEY" <<'EOF'
{"student": "alice", "seed": "t", "variant": {"kind": "daytime"},
 "questions": [
  {"id": "Q1", "template": "netstat", "title": "the sockets at a moment", "text": "sockets at (b)?",
   "answer": "127.0.0.1:5000 0.0.0.0:* LISTEN; 127.0.0.1:5000 127.0.0.1:51895 TIME_WAIT; 127.0.0.1:5000 127.0.0.1:51900 ESTABLISHED; 127.0.0.1:51900 127.0.0.1:5000 ESTABLISHED",
   "compare": {"type": "set", "item": "socket"}, "evidence": "moment (b) snapshot", "points": 1},
  {"id": "Q2", "template": "first_fin", "title": "who closed first", "text": "first FIN?",
   "answer": "server", "compare": {"type": "exact", "item": "side",
     "aliases": {"127.0.0.1:5000": "server", "5000": "server", "127.0.0.1:51895": "client", "51895": "client"}},
   "evidence": "packet 7 is the first FIN, sent by 127.0.0.1:5000 — the server", "points": 1},
  {"id": "Q3", "template": "states", "title": "a side's state sequence", "text": "server states?",
   "answer": "LISTEN, SYN_RCVD, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT",
   "compare": {"type": "list", "item": "state"}, "evidence": "timeline", "points": 1},
  {"id": "Q4", "template": "tw_end", "title": "when TIME_WAIT ends", "text": "when?",
   "answer": "63.5", "compare": {"type": "number", "tolerance": 1}, "evidence": "since 3.5", "points": 1},
  {"id": "Q5", "template": "fin_filter", "title": "tcpdump's FIN filter", "text": "which?",
   "answer": "7, 9, 15, 17", "compare": {"type": "set", "item": "int"}, "evidence": "FIN bit", "points": 1},
  {"id": "Q6", "template": "fin_packets", "title": "the FINs of a connection", "text": "in order?",
   "answer": "7, 9", "compare": {"type": "list", "item": "int"}, "evidence": "packets", "points": 1},
  {"id": "Q7", "template": "daytime_why", "title": "sequential or concurrent", "text": "why?",
   "answer": "sequential", "compare": {"type": "exact", "item": "word",
     "synonyms": {"sequential": ["sequentially", "iterative", "one at a time"], "concurrent": ["concurrently", "fork"]}},
   "evidence": "gap", "points": 1},
  {"id": "Q8", "template": "refused_flags", "title": "the flags of the refusal", "text": "flags?",
   "answer": "RA", "compare": {"type": "exact", "item": "flags"}, "evidence": "packet 3", "points": 1},
  {"id": "Q9", "template": "recvq_meaning", "title": "what a LISTEN Recv-Q counts", "text": "A, B or C?",
   "answer": "B", "compare": {"type": "exact", "item": "word"}, "evidence": "accept queue", "points": 1},
  {"id": "Q10", "template": "listen_recvq", "title": "the LISTEN socket's Recv-Q", "text": "Recv-Q?",
   "answer": "1", "compare": {"type": "number", "tolerance": 0}, "evidence": "snapshot (a)", "points": 1}
 ]}
EOF
	# the key's own answers, as the student would write them
	export FULL=$BATS_FILE_TMPDIR/full.txt
	jq -r '.questions[] | "\(.id): \(.answer)"' "$KEY" >"$FULL"
}

# grade ANSWERS-TEXT: grade it into $BATS_TEST_TMPDIR/out; R = results.json
grade() {
	printf '%s\n' "$1" >"$BATS_TEST_TMPDIR/answers.txt"
	run bash "$GA" --key "$KEY" --answers "$BATS_TEST_TMPDIR/answers.txt" --out "$BATS_TEST_TMPDIR/out"
	assert_success
	R=$BATS_TEST_TMPDIR/out/results.json
}

# full_but Qn 'ANSWER': the key's answers with question Qn's replaced
full_but() {
	sed "s|^$1: .*|$1: $2|" "$FULL"
}

# score_of Qn: that question's score
score_of() { jq -r --arg n "${1#Q}" '.tests[] | select(.number == $n) | .score' "$R"; }

@test "answering every question as the key does scores 100%" {
	grade "$(cat "$FULL")"
	run jq -r '"\(.score)/\(.extra_data.max_score) \([.tests[] | select(.status != "passed")] | length)"' "$R"
	assert_output "10/10 0"
}

@test "one wrong state in the netstat set loses exactly that question" {
	grade "$(full_but Q1 '127.0.0.1:5000 0.0.0.0:* LISTEN; 127.0.0.1:5000 127.0.0.1:51895 FIN_WAIT_2; 127.0.0.1:5000 127.0.0.1:51900 ESTABLISHED; 127.0.0.1:51900 127.0.0.1:5000 ESTABLISHED')"
	run jq -r '"\(.score) \([.tests[] | select(.score == 0) | .number] | join(","))"' "$R"
	assert_output "9 1"
	run jq -r '.tests[0].output' "$R"
	assert_line "Verdict: not right: 1 missing, 1 that should not be there"
}

@test "case and spaces do not matter" {
	grade "$(full_but Q3 '  listen ,syn_rcvd,   Established , fin_wait_1,fin_wait_2 , time_wait  ')
q2 :   SERVER   "
	[ "$(score_of Q3)" = 1 ]
	[ "$(score_of Q2)" = 1 ]
}

@test "TIME-WAIT, TIME WAIT, netstat's FIN_WAIT2 and SYN_RECV, ss's ESTAB are the textbook's states" {
	grade "$(full_but Q3 'LISTEN -> SYN_RECV -> ESTAB -> FIN-WAIT-1 -> FIN_WAIT2 -> TIME WAIT')"
	[ "$(score_of Q3)" = 1 ]
	grade "$(full_but Q1 '5000 * LISTEN; 5000 51895 TIME-WAIT; 5000 51900 ESTAB; 51900 5000 established')"
	[ "$(score_of Q1)" = 1 ]
}

@test "127.0.0.1:51895 and 51895 are the same address; 0.0.0.0:* and * are any" {
	grade "$(full_but Q1 '5000 0.0.0.0:* LISTEN; 127.0.0.1:5000 51895 TIME_WAIT; 5000 127.0.0.1:51900 ESTABLISHED; 51900 5000 ESTABLISHED')"
	[ "$(score_of Q1)" = 1 ]
	grade "$(full_but Q2 '127.0.0.1:5000')"
	[ "$(score_of Q2)" = 1 ]
	grade "$(full_but Q2 '5000')"
	[ "$(score_of Q2)" = 1 ]
	grade "$(full_but Q2 '51895')"
	[ "$(score_of Q2)" = 0 ]
	grade "$(full_but Q2 'server (127.0.0.1:5000)')"
	[ "$(score_of Q2)" = 1 ]
	grade "$(full_but Q2 "the client's side")"
	[ "$(score_of Q2)" = 0 ]
	grade "$(full_but Q2 'server or client')"
	[ "$(score_of Q2)" = 0 ]
}

@test "whole netstat lines (tcp Recv-Q Send-Q ... PID/Program) are read as sockets" {
	grade "$(full_but Q1 'tcp 0 0 127.0.0.1:5000 0.0.0.0:* LISTEN 812/daytimed; tcp 0 0 127.0.0.1:5000 127.0.0.1:51895 TIME_WAIT -; tcp 0 0 127.0.0.1:5000 127.0.0.1:51900 ESTABLISHED; tcp 0 0 127.0.0.1:51900 127.0.0.1:5000 ESTABLISHED 820/telnet')"
	[ "$(score_of Q1)" = 1 ]
}

@test "sets may be in any order, ordered lists may not" {
	grade "$(full_but Q5 '17 15, 9;7')
Q1: 51900 5000 ESTABLISHED; 5000 51900 ESTABLISHED; 5000 51895 TIME_WAIT; 5000 * LISTEN"
	[ "$(score_of Q5)" = 1 ]
	[ "$(score_of Q1)" = 1 ]
	grade "$(full_but Q6 '9, 7')"
	[ "$(score_of Q6)" = 0 ]
	run jq -r '.tests[5].output' "$R"
	assert_line "Verdict: not right: the right items, in the wrong order"
	grade "$(full_but Q3 'LISTEN SYN_RCVD ESTABLISHED FIN_WAIT_2 FIN_WAIT_1 TIME_WAIT')"
	[ "$(score_of Q3)" = 0 ]
}

@test "a set with one item too many or too few is wrong" {
	grade "$(full_but Q5 '7, 9, 15')"
	[ "$(score_of Q5)" = 0 ]
	grade "$(full_but Q5 '7, 9, 15, 17, 18')"
	[ "$(score_of Q5)" = 0 ]
}

@test "numbers: within the tolerance, at it, beyond it; seconds written as 63.5 s or tcpdump's 00:01:03.5" {
	grade "$(full_but Q4 '64.2')"
	[ "$(score_of Q4)" = 1 ]
	grade "$(full_but Q4 '62.5')"
	[ "$(score_of Q4)" = 1 ]
	grade "$(full_but Q4 '64.6')"
	[ "$(score_of Q4)" = 0 ]
	run jq -r '.tests[3].output' "$R"
	assert_line "Verdict: not right: off by 1.1 (±1 allowed)"
	grade "$(full_but Q4 '63.5 s')"
	[ "$(score_of Q4)" = 1 ]
	grade "$(full_but Q4 '00:01:03.9')"
	[ "$(score_of Q4)" = 1 ]
	grade "$(full_but Q10 '1.0')"
	[ "$(score_of Q10)" = 1 ]
	grade "$(full_but Q10 '2')"
	[ "$(score_of Q10)" = 0 ]
}

@test "TCP flags in letters, tcpdump's [R.] or words" {
	for f in 'RA' 'AR' '[R.]' 'RST, ACK' 'rst+ack' 'ACK RST'; do
		grade "$(full_but Q8 "$f")"
		[ "$(score_of Q8)" = 1 ] || { echo "flags '$f' not accepted" >&2; return 1; }
	done
	grade "$(full_but Q8 'R')"
	[ "$(score_of Q8)" = 0 ]
}

@test "words: synonyms of the template, multiple choice as (b)" {
	grade "$(full_but Q7 ' One at a TIME ')
Q9: (b)"
	[ "$(score_of Q7)" = 1 ]
	[ "$(score_of Q9)" = 1 ]
	grade "$(full_but Q7 'concurrent')"
	[ "$(score_of Q7)" = 0 ]
}

@test "a malformed line is named by its number and the other answers are graded" {
	grade "$(cat "$FULL")
this line is no answer"
	run jq -r '.score, .output' "$R"
	assert_line --index 0 "10"
	assert_line "answers.txt line 11: not \`Qn: answer\`: \`this line is no answer\`"
}

@test "a missing answer scores 0 for that question only, and is listed" {
	grade "$(grep -v '^Q4:' "$FULL")"
	run jq -r '"\(.score) \(.extra_data.missing | join(","))"' "$R"
	assert_output "9 Q4"
	run jq -r '.tests[3].output' "$R"
	assert_line "Verdict: not answered"
	grade "$(full_but Q4 '')"
	[ "$(score_of Q4)" = 0 ]
}

@test "an answer that cannot be read scores 0 and names its line; a question that does not exist and a repeated one are reported" {
	grade "$(full_but Q10 'one')
Q42: 7
Q2: client"
	[ "$(score_of Q10)" = 0 ]
	[ "$(score_of Q2)" = 0 ]
	run jq -r .output "$R"
	assert_line "answers.txt line 10: Q10: could not read \`one\` as a number"
	assert_line "answers.txt line 11: Q42: there is no such question (Q1-Q10)"
	assert_line "answers.txt line 12: Q2 answered again (line 2): the last answer counts"
}

@test "results.json is Gradescope's format; answers and evidence only after publication" {
	grade "$(full_but Q2 'client')"
	run jq -e '(.score | type) == "number" and (.execution_time | type) == "number"
		and (.output | type) == "string" and (.tests | length) == 10
		and all(.tests[]; (.number | type) == "string" and (.name | type) == "string"
			and (.score | type) == "number" and (.max_score | type) == "number"
			and (.status | IN("passed", "failed")) and .visibility == "after_published")
		and (has("leaderboard") | not)' "$R"
	assert_success
	run jq -r '.tests[1].output' "$R"
	assert_line "Your answer: client (line 2)"
	assert_line "The answer: server"
	assert_line "Evidence: packet 7 is the first FIN, sent by 127.0.0.1:5000 — the server"
	# what the student sees at once says nothing of right or wrong
	run jq -r .output "$R"
	refute_output --partial "server"
	refute_output --partial "Verdict"
	refute_output --partial "not right"
}

@test "grade-answers.sh: a bad key, a missing or huge answers file are one clear line" {
	echo '{"x": 1}' >"$BATS_TEST_TMPDIR/bad.json"
	run bash "$GA" --key "$BATS_TEST_TMPDIR/bad.json" --answers "$FULL"
	assert_failure 1
	assert_output "grade-answers.sh: $BATS_TEST_TMPDIR/bad.json: not an exercise key (scenarios/exercise/key.sh writes them)"
	run bash "$GA" --key "$KEY" --answers "$BATS_TEST_TMPDIR/none.txt"
	assert_failure 1
	assert_output "grade-answers.sh: $BATS_TEST_TMPDIR/none.txt: no such file"
	head -c 70000 /dev/zero >"$BATS_TEST_TMPDIR/big.txt"
	run bash "$GA" --key "$KEY" --answers "$BATS_TEST_TMPDIR/big.txt"
	assert_failure 1
	assert_output --partial "larger than 64 KiB"
	run bash "$GA" --key "$KEY"
	assert_failure 2
	run bash "$GA" --key "$KEY" --answers "$BATS_TEST_TMPDIR/none.txt" --missing-ok --out "$BATS_TEST_TMPDIR/o" --quiet
	assert_success
	run jq -r '"\(.score) \(.extra_data.missing | length)"' "$BATS_TEST_TMPDIR/o/results.json"
	assert_output "0 10"
}

@test "CRLF line ends, comments and blank lines are fine; bytes that are not UTF-8 do not break the grader" {
	sed 's/$/\r/' "$FULL" >"$BATS_TEST_TMPDIR/crlf.txt"
	printf '# a comment\n\n\377\376 Q3 junk\n' >>"$BATS_TEST_TMPDIR/crlf.txt"
	run bash "$GA" --key "$KEY" --answers "$BATS_TEST_TMPDIR/crlf.txt" --out "$BATS_TEST_TMPDIR/o" --quiet
	assert_success
	run jq -r .score "$BATS_TEST_TMPDIR/o/results.json"
	assert_output "10"
}

@test "a hostile answer line (50 000 characters of items) is refused quickly and names its line" {
	{ cat "$FULL"; printf 'Q5: '; yes '1,' | head -n 25000 | tr -d '\n'; echo; } >"$BATS_TEST_TMPDIR/h.txt"
	run timeout 30 bash "$GA" --key "$KEY" --answers "$BATS_TEST_TMPDIR/h.txt" --out "$BATS_TEST_TMPDIR/o" --quiet
	assert_success
	run jq -r '.score, .output' "$BATS_TEST_TMPDIR/o/results.json"
	assert_line --index 0 9
	assert_line "h.txt line 11: Q5: an answer of 50000 characters (at most 1000)"
}
