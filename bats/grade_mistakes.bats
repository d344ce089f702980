#!/usr/bin/env bats
# Grading (issue 10): the UNP ch. 4-5 mistakes that the first rubric missed
# (SIGCHLD without SA_RESTART, a child falling back into the accept loop,
# the parent closing the wrong descriptor, SIGPIPE, htons(), a fixed port)
# and the shapes real submissions take (own wrapper files, <port> <backlog>,
# LISTENQ 1, an echo server, no hold), graded as a class under load like
# grade.bats; exact scores, "-" where not graded, the cause in the words.

load test_helper
load grade_helper

setup_file() {
	export CLASS=$BATS_FILE_TMPDIR/class
	grade_class child-falls-through closes-wrong-fd echo fixedport listenq1 nohold nohtons \
		port-backlog sigchld-no-restart sigpipe wrappers
}

@test "the class of mistakes and shapes under load (-j 2, two busy loops): exact totals, nothing lost to load" {
	[ "$(cat "$BATS_FILE_TMPDIR/class.rc")" -eq 0 ] || cat "$BATS_FILE_TMPDIR/class.log"
	[ "$(cat "$BATS_FILE_TMPDIR/class.rc")" -eq 0 ]
	run cut -d, -f1-5 "$CLASS/summary.csv"
	assert_output "student,score,max_score,build,not_graded
child-falls-through,80,100,ok,2
closes-wrong-fd,30,70,ok,5
echo,110,110,ok,1
fixedport,100,110,ok,1
listenq1,110,110,ok,1
nohold,70,70,ok,5
nohtons,100,110,ok,1
port-backlog,110,110,ok,1
sigchld-no-restart,80,90,ok,3
sigpipe,80,110,ok,1
wrappers,110,110,ok,1"
	run jq -c '[.count, .not_graded, ([.students[].score] | add)]' "$CLASS/summary.json"
	assert_output '[11,22,980]'
	run grep -l 'could not observe (load)' "$CLASS"/*/results.json
	assert_output ''
}

@test "a check that was not graded has max 0, no status, and says why (Gradescope shows it neither passed nor failed)" {
	run jq -c '[.tests[] | select(.extra_data.graded == false) | [.number, .score, .max_score, has("status")]]' \
		"$CLASS/nohold/results.json"
	assert_output '[["3",0,0,false],["4",0,0,false],["5",0,0,false],["7",0,0,false],["10",0,0,false]]'
	run output_of nohold 3
	assert_output 'not graded: the server holds no connection (it closed 0.000 s after its data): concurrency cannot be seen'
	run checks nohold
	assert_output "1:10/10 2:10/10 3:- 4:- 5:- 6:10/10 7:- 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
}

@test "SIGCHLD without SA_RESTART and no EINTR retry loses exactly 11, naming the cause (5 and 9 not graded)" {
	evidence sigchld-no-restart
	run checks sigchld-no-restart
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:- 6:10/10 7:10/10 8:10/10 9:- 10:- 11:0/10 12:10/10"
	run output_of sigchld-no-restart 11
	assert_output --regexp '^client [23] got no data .*the server had died \(exited 1\); its stderr ends: accept: Interrupted system call: SIGCHLD interrupted accept\(\): install the handler with SA_RESTART or retry accept\(\) on EINTR$'
}

@test "a child that falls back into the accept loop loses 7 and 12, shown in accept() with its process tree" {
	evidence child-falls-through
	run checks child-falls-through
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:- 6:10/10 7:0/10 8:10/10 9:10/10 10:- 11:10/10 12:0/10"
	run output_of child-falls-through 12
	assert_output --regexp '^the child that served the first client is still alive after its connection was closed \(pid [0-9]+, waiting in accept\(\)\): it must exit after serving.* — tree: [0-9]+ server -> '
	run output_of child-falls-through 5
	assert_output --regexp '^not graded: none of the [0-9]+ children exited'
}

@test "a parent that closes the listening socket: every later check quotes the server's exit and last words" {
	evidence closes-wrong-fd
	run checks closes-wrong-fd
	assert_output "1:10/10 2:10/10 3:0/10 4:- 5:- 6:0/10 7:- 8:10/10 9:0/10 10:- 11:0/10 12:-"
	local n
	for n in 3 4 5 6 7 11 12; do
		run output_of closes-wrong-fd "$n"
		assert_output --partial 'the server had died (exited 1); its stderr ends: accept: Bad file descriptor'
		refute_output --partial 'overloaded'
	done
	run output_of closes-wrong-fd 6
	assert_output --partial 'close(connfd) in the parent, not close(listenfd)'
}

@test "a server without htons() or ignoring argv[1] loses only 1, told where it does listen" {
	run checks nohtons
	assert_output "1:0/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of nohtons 1
	assert_output 'listening on 16796 = 40001 byte-swapped: htons()? (sin_port = htons(atoi(argv[1]))); the other checks connect to 16796'
	run checks fixedport
	assert_output "1:0/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run output_of fixedport 1
	assert_output 'listening on 9877, not on 40001 given as argv[1]: the server ignores its argument (a fixed port?); the other checks connect to 9877'
}

@test "SIGPIPE not ignored by an iterative server loses 9: killed by signal 13" {
	evidence sigpipe
	run checks sigpipe
	assert_output "1:10/10 2:10/10 3:0/10 4:0/10 5:10/10 6:10/10 7:10/10 8:10/10 9:0/10 10:- 11:10/10 12:10/10"
	run output_of sigpipe 9
	assert_output --regexp '^after clients that reset their connections the server ended — the server had died \(killed by signal 13 \(Broken pipe\)\).*: SIGPIPE from writing to a reset connection kills the process that writes: ignore SIGPIPE'
}

@test "the shapes of real submissions get full marks: own wrappers, <port> <backlog>, LISTENQ 1, an echo server" {
	local s
	for s in wrappers port-backlog listenq1 echo; do
		run checks "$s"
		assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:10/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	done
	grep -q '^tcplab: the server is server (cc of the folder.s .c files)' "$CLASS/wrappers/build.log"
	run jq -r .extra_data.server "$CLASS/port-backlog/results.json"
	assert_output --regexp '/server \{port\} 10$'
	run output_of echo 2
	assert_output --regexp '^data "hello\.\." at \+0\.000 s; we closed at \+[0-9.]+ s and the server.s FIN followed'
}
