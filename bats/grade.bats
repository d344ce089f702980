#!/usr/bin/env bats
# Grading (issues 5, 9, 10): the shipped submissions with the first classic
# mistakes (bats/fixtures/students) are graded once, as a class (setup_file:
# 2 at a time beside two busy loops, each in its own namespace and
# cgroups); every test then asserts the exact score of every rubric check
# ("-" = not graded) and the evidence that names the cause. The other
# mistakes and the shapes of real submissions: grade_mistakes.bats.

load test_helper
load grade_helper

setup_file() {
	export CLASS=$BATS_FILE_TMPDIR/class
	grade_class broken childkeepslisten correct forkbomb hang iterative neverclose noreap \
		noreuseaddr parentkeeps singlewait
}

@test "grade-all grades the class under load (-j 2, two busy loops) with the exact documented totals" {
	[ "$(cat "$BATS_FILE_TMPDIR/class.rc")" -eq 0 ] || cat "$BATS_FILE_TMPDIR/class.log"
	[ "$(cat "$BATS_FILE_TMPDIR/class.rc")" -eq 0 ]
	run cut -d, -f1-5 "$CLASS/summary.csv"
	assert_output "student,score,max_score,build,not_graded
broken,0,110,failed,0
childkeepslisten,100,110,ok,1
correct,120,120,ok,0
forkbomb,10,110,ok,1
hang,10,110,ok,1
iterative,90,110,ok,1
neverclose,100,110,ok,1
noreap,100,110,ok,1
noreuseaddr,100,110,ok,1
parentkeeps,90,110,ok,1
singlewait,100,110,ok,1"
	run jq -c '[.count, .not_graded, ([.students[].score] | add),
		(.students[] | select(.student == "correct") | .checks)]' "$CLASS/summary.json"
	assert_output '[11,9,820,{"1":10,"2":10,"3":10,"4":10,"5":10,"6":10,"7":10,"8":10,"9":10,"10":10,"11":10,"12":10}]'
	# load never became a verdict: nothing was left "could not observe (load)"
	run grep -l 'could not observe (load)' "$CLASS"/*/results.json
	assert_output ''
}

@test "the correct server and its client get full marks, in Gradescope's documented format" {
	evidence correct
	run checks correct
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:10/10 11:10/10 12:10/10"
	run jq -e '.score == 120 and ([.tests[].score] | add) == 120 and
		([.tests[].max_score] | add) == 120 and (.execution_time | type) == "number" and
		(.output | type) == "string" and .output_format == "text" and .visibility == "visible" and
		(has("leaderboard") | not) and
		all(.tests[]; (.name | type) == "string" and (.name | test("^[0-9]") | not) and
			(.number | type) == "string" and (.score | type) == "number" and
			(.max_score | type) == "number" and (.status | IN("passed", "failed")) and
			.output_format == "text" and .visibility == "visible" and
			(.output | length) > 0 and (.extra_data.evidence | length) > 0)' "$CLASS/correct/results.json"
	assert_success
	# the concurrency verdict comes from the capture's packet times
	run output_of correct 3
	assert_output --regexp 'at \+0\.[0-9]{3} s; the first connection got the server FIN at \+2\.[0-9]{3} s: both served at once \(source: wire\)'
	[ -s "$CLASS/correct/03-concurrent/capture.pcap" ]
	[ -s "$CLASS/correct/05-reaping/ptree-stopped.json" ]
	run output_of correct 10
	assert_output --regexp 'the client sent the first FIN .* TIME_WAIT \([0-9.]+ s left\)'
	# the hold was measured first (check 2) and every later wait sized from it
	run jq -r '"\(.extra_data.hold) \(.extra_data.hold_max)"' "$CLASS/correct/results.json"
	assert_output --regexp '^2(\.[0-9]+)? 30$'
}

@test "the iterative server loses exactly 3 and 4: the second client is served 2 s later, from the backlog" {
	evidence iterative
	run checks iterative
	assert_output "1:10/10 2:10/10 3:0/10 4:0/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of iterative 3
	assert_output --regexp 'at \+2\.[0-9]+ s; the first connection got the server FIN at \+2\.[0-9]+ s: the second was served only after the first was closed \(iterative\)'
	run output_of iterative 4
	assert_output --regexp '0 live child process.*waiting in the backlog'
}

@test "no SIGCHLD handler loses exactly 5: ten zombies, SIGCHLD not caught" {
	evidence noreap
	run checks noreap
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:0/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of noreap 5
	assert_output --regexp '^([0-9]+) of ([0-9]+) finished children are zombies.*SIGCHLD: not caught'
	[[ $output =~ ^([0-9]+)\ of\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -eq "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[2]}" -ge 5 ]
}

@test "a single wait() in the handler loses exactly 5: all zombies but one when ten finish at once" {
	evidence singlewait
	run checks singlewait
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:0/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of singlewait 5
	assert_output --regexp '^([0-9]+) of ([0-9]+) finished children are zombies.*caught by a handler.*signals do not queue'
	[[ $output =~ ^([0-9]+)\ of\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -eq $((BASH_REMATCH[2] - 1)) ] && [ "${BASH_REMATCH[2]}" -ge 5 ]
}

@test "a parent that keeps the connected socket loses exactly 2 and 6: the client never gets a FIN" {
	evidence parentkeeps
	run checks parentkeeps
	assert_output "1:10/10 2:0/10 3:10/10 4:10/10 5:10/10 6:0/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of parentkeeps 2
	assert_output --regexp 'ESTABLISHED held by pid [0-9]+ \(the parent\).*the parent never closed its copy'
	run output_of parentkeeps 6
	assert_output --regexp 'CLOSE_WAIT held by pid [0-9]+ \(the parent\).*the parent keeps its copy'
}

@test "children that keep the listening socket lose exactly 7, shown from /proc/PID/fd" {
	evidence childkeepslisten
	run checks childkeepslisten
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:0/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of childkeepslisten 7
	assert_output --regexp '^the children still hold the listening socket \(inode [0-9]+\): /proc/[0-9]+/fd/[0-9]+ -> socket:\[[0-9]+\] /proc/[0-9]+/fd/[0-9]+ -> socket'
}

@test "no SO_REUSEADDR loses exactly 8: bind fails while TIME_WAIT remains" {
	evidence noreuseaddr
	run checks noreuseaddr
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:0/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of noreuseaddr 8
	assert_output --regexp 'TIME_WAIT \([0-9.]+ s left\) remained: the new server did not listen \(exited 1\): bind: Address already in use'
}

@test "a server that never closes loses exactly 2; its FIN comes only after the client's (check 6 passes)" {
	evidence neverclose
	run checks neverclose
	assert_output "1:10/10 2:0/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of neverclose 2
	assert_output --regexp 'no FIN from the server within 30 s .*held by pid [0-9]+ \(a child\).*the server never closes first \(or holds it longer than HOLD_MAX=30 s\)'
	run output_of neverclose 6
	assert_output --partial 'after our FIN'
}

@test "a submission that does not compile gets zero with the compiler's message" {
	run jq -r '.score, .tests[0].name, .tests[0].output' "$CLASS/broken/results.json"
	assert_line --index 0 0
	assert_line --index 1 'build'
	assert_output --regexp "server\.c:[0-9]+:[0-9]+: error: expected .;. before .}. token"
	run jq '[.tests[] | select(.number != "0") | .score] | add' "$CLASS/broken/results.json"
	assert_output 0
}

@test "a fork bomb and a hang cost only their own points: bounded, killed, nothing left behind" {
	evidence forkbomb
	run checks forkbomb
	assert_output "1:10/10 2:0/10 3:0/10 4:0/10 5:0/10 6:0/10 7:0/10 8:0/10 9:0/10 10:- 11:0/10 12:0/10"
	evidence hang
	run checks hang
	assert_output "1:10/10 2:0/10 3:0/10 4:0/10 5:0/10 6:0/10 7:0/10 8:0/10 9:0/10 10:- 11:0/10 12:0/10"
	# the whole class, bomb and hang included, within its bound
	[ "$(cat "$BATS_FILE_TMPDIR/class.secs")" -lt 820 ]
	# nothing of the students survives: each student's cgroups (which can
	# only be removed once empty) and namespace are gone
	local s d
	for s in forkbomb hang correct; do
		for d in $(jq -r '.extra_data.cgroups[]' "$CLASS/$s/results.json"); do
			[ ! -e "$d" ] || { echo "left behind: $d: $(cat "$d/cgroup.procs")"; false; }
		done
		d=$(jq -r '.extra_data.netns' "$CLASS/$s/results.json")
		[ -n "$d" ] && [ ! -e "/run/netns/$d" ]
	done
	run grep -c 'survived' "$CLASS/forkbomb/harness.log"
	assert_output 0
}

@test "grade.sh gives tcplab's own fork daytimed full marks (and cmdclient for rubric 10)" {
	[ -z "${TCPLAB_SANITIZED:-}" ] ||
		skip "sanitizer builds need more address space than the sandbox's RLIMIT_AS"
	local client=()
	[ -x "$BIN/cmdclient" ] && client=(--client "$BIN/cmdclient {host} {port}")
	run bash "$TOP/scenarios/grade.sh" --out "$BATS_TEST_TMPDIR/d" \
		--server "$BIN/daytimed -m fork -s 2 -p {port}" "${client[@]}" 3>&-
	assert_success
	assert_output --partial 'PASS 10/10  5. reaps its children'
	assert_output --partial 'PASS 10/10  11. serves client after client over time'
	if [ -x "$BIN/cmdclient" ]; then
		run jq -r '"\(.score)/\([.tests[].max_score] | add)"' "$BATS_TEST_TMPDIR/d/results.json"
		assert_output 120/120
	else
		run jq -r '"\(.score)/\([.tests[].max_score] | add)"' "$BATS_TEST_TMPDIR/d/results.json"
		assert_output 110/110
	fi
}

@test "grade.sh exits 0 for a failing server and 2 for bad usage" {
	run bash "$TOP/scenarios/grade.sh" --only 1,2 --out "$BATS_TEST_TMPDIR/f" --server "/bin/false {port}" 3>&-
	assert_success
	assert_output --partial 'FAIL 0/10  1. starts and listens on the given port'
	run jq -r '.tests[0].output' "$BATS_TEST_TMPDIR/f/results.json"
	assert_output --regexp '^the server did not listen on port [0-9]+ within 5 s \(exited 1\)$'
	# no client: rubric 10 is not graded (max 0), or 0/10 with --require-client
	run jq -r '.tests[] | select(.number == "10")' "$BATS_TEST_TMPDIR/f/results.json"
	assert_output ''
	run bash "$TOP/scenarios/grade.sh" --only 10 --out "$BATS_TEST_TMPDIR/g" --server "/bin/false {port}" 3>&-
	run jq -r '.tests[0] | "\(.score)/\(.max_score) \(.output)"' "$BATS_TEST_TMPDIR/g/results.json"
	assert_output '0/0 not graded: no client was given'
	run jq -r '.tests[0] | has("status")' "$BATS_TEST_TMPDIR/g/results.json"
	assert_output false
	run bash "$TOP/scenarios/grade.sh" --only 10 --require-client --out "$BATS_TEST_TMPDIR/g" --server "/bin/false {port}" 3>&-
	run jq -r '.tests[0] | "\(.score)/\(.max_score) \(.output)"' "$BATS_TEST_TMPDIR/g/results.json"
	assert_output '0/10 no client was given, and a client is required'
	run bash "$TOP/scenarios/grade.sh" --bogus 3>&-
	assert_failure 2
	run bash "$TOP/scenarios/grade.sh" --only 1 3>&-
	assert_failure 2
	run bash "$TOP/scenarios/grade.sh" --expect-close nobody --server "/bin/false {port}" 3>&-
	assert_failure 2
	assert_output --partial 'expect-close: server, client or either'
	run bash "$TOP/scenarios/grade.sh" --hold-max 0 --server "/bin/false {port}" 3>&-
	assert_failure 2
}
