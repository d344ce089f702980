#!/usr/bin/env bats
# Grading (issue 5): the shipped student submissions in
# bats/fixtures/students are graded once, as a class (setup_file, 4 at a
# time, each in its own namespace and cgroups); every test then asserts the
# exact score of every rubric check and the evidence that names the bug.

load test_helper

# evidence STUDENT: every check's verdict in words (bats shows a test's
# output only when it fails: then it says why).
evidence() {
	jq -r '.tests[] | "\(.number) \(.status): \(.output)"' "$CLASS/$1/results.json"
}

# checks STUDENT: "1:10/10 2:0/10 ..." — every rubric check's score.
checks() {
	jq -r '[.tests[] | select(.number != "0") | "\(.number):\(.score)/\(.max_score)"] | join(" ")' \
		"$CLASS/$1/results.json"
}

# output_of STUDENT N: the evidence text of check N.
output_of() {
	jq -r --arg n "$2" '.tests[] | select(.number == $n) | .output' "$CLASS/$1/results.json"
}

setup_file() {
	export CLASS=$BATS_FILE_TMPDIR/class
	local t0=$SECONDS
	timeout -k 10 400 bash "$TOP/scenarios/grade-all.sh" -j 4 --out "$CLASS" \
		"$STUDENTS" >"$BATS_FILE_TMPDIR/class.log" 2>&1 3>&-
	echo $? >"$BATS_FILE_TMPDIR/class.rc"
	echo $((SECONDS - t0)) >"$BATS_FILE_TMPDIR/class.secs"
}

@test "grade-all grades the class, exits 0 and writes summary.csv and summary.json with the exact totals" {
	[ "$(cat "$BATS_FILE_TMPDIR/class.rc")" -eq 0 ] || cat "$BATS_FILE_TMPDIR/class.log"
	[ "$(cat "$BATS_FILE_TMPDIR/class.rc")" -eq 0 ]
	run cut -d, -f1-4 "$CLASS/summary.csv"
	assert_output "student,score,max_score,build
broken,0,90,failed
childkeepslisten,80,90,ok
correct,100,100,ok
forkbomb,10,90,ok
hang,10,90,ok
iterative,70,90,ok
neverclose,80,90,ok
noreap,80,90,ok
noreuseaddr,80,90,ok
parentkeeps,70,90,ok
singlewait,80,90,ok"
	run jq -c '[.count, .mean, ([.students[].score] | add), .students[2].checks]' "$CLASS/summary.json"
	assert_output '[11,60,660,{"1":10,"2":10,"3":10,"4":10,"5":10,"6":10,"7":10,"8":10,"9":10,"10":10}]'
}

@test "the correct server and its client get full marks, in Gradescope's format, with the evidence files" {
	evidence correct
	run checks correct
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:10/10"
	run jq -e '.score == 100 and ([.tests[].score] | add) == 100 and
		([.tests[].max_score] | add) == 100 and (.execution_time | type) == "number" and
		all(.tests[]; (.name | type) == "string" and (.number | type) == "string" and
			(.score | type) == "number" and (.max_score | type) == "number" and
			(.status | IN("passed", "failed")) and (.output | length) > 0 and
			(.extra_data.evidence | length) > 0)' "$CLASS/correct/results.json"
	assert_success
	# the concurrency verdict comes from the capture's packet times
	run output_of correct 3
	assert_output --regexp 'apart\); .*both served at once \(source: wire\)'
	[ -s "$CLASS/correct/03-concurrent/capture.pcap" ]
	[ -s "$CLASS/correct/05-reaping/ptree-stopped.json" ]
	run output_of correct 10
	assert_output --regexp 'the client sent the first FIN .* TIME_WAIT \([0-9.]+ s left\)'
}

@test "the iterative server loses exactly 3 and 4: the second client is served 2 s later, from the backlog" {
	evidence iterative
	run checks iterative
	assert_output "1:10/10 2:10/10 3:0/10 4:0/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:0/0"
	run output_of iterative 3
	assert_output --regexp 'at \+2\.[0-9]+ s \(2\.[0-9]+ s apart\).*served one after the other'
	run output_of iterative 4
	assert_output --regexp '0 live child process.*waiting in the backlog'
	run output_of iterative 5
	assert_output --partial 'no child processes'
}

@test "no SIGCHLD handler loses exactly 5: ten zombies, SIGCHLD not caught" {
	evidence noreap
	run checks noreap
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:0/10 6:10/10 7:10/10 8:10/10 9:10/10 10:0/0"
	# every child that finished is a zombie (10 of 10 unless the machine was
	# so loaded that fewer children had been forked when the parent stopped)
	run output_of noreap 5
	assert_output --regexp '^([0-9]+) of ([0-9]+) finished children are zombies.*SIGCHLD: not caught'
	[[ $output =~ ^([0-9]+)\ of\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -eq "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[2]}" -ge 5 ]
}

@test "a single wait() in the handler loses exactly 5: nine zombies when ten finish at once" {
	evidence singlewait
	run checks singlewait
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:0/10 6:10/10 7:10/10 8:10/10 9:10/10 10:0/0"
	# all but the one its single wait() reaped (9 of 10 on a quiet machine)
	run output_of singlewait 5
	assert_output --regexp '^([0-9]+) of ([0-9]+) finished children are zombies.*caught by a handler.*signals do not queue'
	[[ $output =~ ^([0-9]+)\ of\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -eq $((BASH_REMATCH[2] - 1)) ] && [ "${BASH_REMATCH[2]}" -ge 5 ]
}

@test "a parent that keeps the connected socket loses exactly 2 and 6: the client never gets a FIN" {
	evidence parentkeeps
	run checks parentkeeps
	assert_output "1:10/10 2:0/10 3:10/10 4:10/10 5:10/10 6:0/10 7:10/10 8:10/10 9:10/10 10:0/0"
	run output_of parentkeeps 2
	assert_output --regexp 'ESTABLISHED held by pid [0-9]+ \(the parent\).*the parent never closed its copy'
	run output_of parentkeeps 6
	assert_output --regexp 'CLOSE_WAIT held by pid [0-9]+ \(the parent\).*the parent keeps its copy'
}

@test "children that keep the listening socket lose exactly 7, shown from /proc/PID/fd" {
	evidence childkeepslisten
	run checks childkeepslisten
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:0/10 8:10/10 9:10/10 10:0/0"
	run output_of childkeepslisten 7
	assert_output --regexp '^the children still hold the listening socket \(inode [0-9]+\): /proc/[0-9]+/fd/[0-9]+ -> socket:\[[0-9]+\] /proc/[0-9]+/fd/[0-9]+ -> socket'
}

@test "no SO_REUSEADDR loses exactly 8: bind fails while TIME_WAIT remains" {
	evidence noreuseaddr
	run checks noreuseaddr
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:0/10 9:10/10 10:0/0"
	run output_of noreuseaddr 8
	assert_output --regexp 'TIME_WAIT \([0-9.]+ s left\) remained: the new server did not listen \(exited 1\): bind: Address already in use'
}

@test "a server that never closes loses exactly 2; its FIN comes only after the client's (check 6 passes)" {
	evidence neverclose
	run checks neverclose
	assert_output "1:10/10 2:0/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:0/0"
	run output_of neverclose 2
	assert_output --regexp 'held by pid [0-9]+ \(a child\).*the server never closes first'
	run output_of neverclose 6
	assert_output --partial 'after our FIN'
}

@test "a submission that does not compile gets zero with the compiler's message" {
	run jq -r '.score, .tests[0].name, .tests[0].output' "$CLASS/broken/results.json"
	assert_line --index 0 0
	assert_line --index 1 '0. build'
	assert_output --regexp "server\.c:[0-9]+:[0-9]+: error: expected .;. before .}. token"
	run jq '[.tests[] | select(.number != "0") | .score] | add' "$CLASS/broken/results.json"
	assert_output 0
}

@test "a fork bomb and a hang cost only their own points: bounded, killed, nothing left behind" {
	evidence forkbomb
	run checks forkbomb
	assert_output "1:10/10 2:0/10 3:0/10 4:0/10 5:0/10 6:0/10 7:0/10 8:0/10 9:0/10 10:0/0"
	evidence hang
	run checks hang
	assert_output "1:10/10 2:0/10 3:0/10 4:0/10 5:0/10 6:0/10 7:0/10 8:0/10 9:0/10 10:0/0"
	# the whole class, bomb and hang included, within its bound
	[ "$(cat "$BATS_FILE_TMPDIR/class.secs")" -lt 380 ]
	# nothing of the students survives: each student's cgroups (which can
	# only be removed once empty) and namespace are gone
	local s d n=0
	for s in forkbomb hang correct; do
		for d in $(jq -r '.extra_data.cgroups[]' "$CLASS/$s/results.json"); do
			[ ! -e "$d" ] || { echo "left behind: $d: $(cat "$d/cgroup.procs")"; false; }
			n=$((n + 1))
		done
		d=$(jq -r '.extra_data.netns' "$CLASS/$s/results.json")
		[ -n "$d" ] && [ ! -e "/run/netns/$d" ]
	done
	[ "$n" -eq 12 ]	# pids, cpu, freezer, memory for each of the three
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
	if [ -x "$BIN/cmdclient" ]; then
		run jq -r '"\(.score)/\([.tests[].max_score] | add)"' "$BATS_TEST_TMPDIR/d/results.json"
		assert_output 100/100
	else
		run jq -r '"\(.score)/\([.tests[].max_score] | add)"' "$BATS_TEST_TMPDIR/d/results.json"
		assert_output 90/90
	fi
}

@test "grade.sh exits 0 for a failing server and 2 for bad usage" {
	run bash "$TOP/scenarios/grade.sh" --only 1,2 --out "$BATS_TEST_TMPDIR/f" --server "/bin/false {port}" 3>&-
	assert_success
	assert_output --partial 'FAIL 0/10  1. starts and listens on the given port'
	run jq -r '.tests[0].output' "$BATS_TEST_TMPDIR/f/results.json"
	assert_output --regexp 'did not listen on port [0-9]+ within 3 s \(exited 1\)'
	# no client: rubric 10 is not graded (max 0), or 0/10 with --require-client
	run jq -r '.tests[] | select(.number == "10")' "$BATS_TEST_TMPDIR/f/results.json"
	assert_output ''
	run bash "$TOP/scenarios/grade.sh" --only 10 --out "$BATS_TEST_TMPDIR/g" --server "/bin/false {port}" 3>&-
	run jq -r '.tests[0] | "\(.score)/\(.max_score) \(.output)"' "$BATS_TEST_TMPDIR/g/results.json"
	assert_output '0/0 not graded: no client was given'
	run bash "$TOP/scenarios/grade.sh" --only 10 --require-client --out "$BATS_TEST_TMPDIR/g" --server "/bin/false {port}" 3>&-
	run jq -r '.tests[0] | "\(.score)/\(.max_score) \(.output)"' "$BATS_TEST_TMPDIR/g/results.json"
	assert_output '0/10 no client was given, and a client is required'
	run bash "$TOP/scenarios/grade.sh" --bogus 3>&-
	assert_failure 2
	run bash "$TOP/scenarios/grade.sh" --only 1 3>&-
	assert_failure 2
}
