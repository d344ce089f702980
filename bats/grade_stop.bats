#!/usr/bin/env bats
# Stopping a class run (issue 9): Ctrl-C (SIGINT to the foreground process
# group, as a terminal sends it) or SIGTERM to grade-all stops grade-all and
# every grading it started — the grade.sh runs, their checks, our clients
# and the students' programs — and removes its build folders, the students'
# network namespaces and work dirs.

load test_helper

# started PID: its start time (a pid reused by another process differs).
started() {
	awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null
}

# descendants PID: PID's descendants, one a line, as PID:STARTTIME.
descendants() {
	local p
	for p in $(descendants_pids "$1"); do echo "$p:$(started "$p")"; done
}

descendants_pids() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ pid[NR] = $1; ppid[NR] = $2 }
		END { keep[root] = 1
		      do { more = 0
			for (i = 1; i <= NR; i++)
				if ((ppid[i] in keep) && !(pid[i] in keep)) { keep[pid[i]] = 1; more = 1 }
		      } while (more)
		      for (p in keep) if (p != root) print p }'
}

# graders BEFORE: the grade.sh runs among the processes BEFORE (their
# network namespaces are named after their pids).
graders() {
	local p
	for p in $(sed 's/:[0-9]*//g' <<<"$1"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^bash [^ ]*scenarios/grade\.sh ' && echo "$p"
	done
	return 0
}

# start_class: grade two submissions in the background, in a process group
# of their own (job control on, as in a terminal), with a private TMPDIR;
# return once both are in their checks. Sets PID.
start_class() {
	local i
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR" "$BATS_TEST_TMPDIR/subs"
	cp -r "$STUDENTS/correct" "$STUDENTS/neverclose" "$BATS_TEST_TMPDIR/subs/"
	set -m
	bash "$TOP/scenarios/grade-all.sh" -j 2 --out "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/subs" \
		</dev/null >"$BATS_TEST_TMPDIR/log" 2>&1 3>&- &
	PID=$!
	set +m
	for ((i = 0; i < 1200; i++)); do
		[ -e "$BATS_TEST_TMPDIR/out/correct/02-one-client/server.pid" ] &&
			[ -e "$BATS_TEST_TMPDIR/out/neverclose/02-one-client/server.pid" ] && return 0
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/log"
	return 1
}

# assert_all_gone BEFORE: grade-all has exited, none of the processes in
# BEFORE survives, no build folder, work dir or namespace of theirs is left.
assert_all_gone() {
	local p left= g i
	# a process being torn down right now (a zombie about to be reaped)
	# and the watchdogs (they look once a second) have a few seconds to go
	for ((i = 0; i < 50; i++)); do
		left=
		for p in $1; do
			[ -n "${p#*:}" ] && [ "$(started "${p%:*}")" = "${p#*:}" ] &&
				left+="${p%:*}[$(awk '{ print $3 }' "/proc/${p%:*}/stat" 2>/dev/null)]($(
					tr "\\0" " " 2>/dev/null <"/proc/${p%:*}/cmdline" | cut -c 1-80)) "
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || { echo "still running: $left"; false; }
	run ls -A "$TMPDIR"
	assert_output ''
	for g in $GRADERS; do
		run bash -c "ip netns list | grep -c 'tcplab-grade-$g-'"
		assert_output 0
	done
}

@test "Ctrl-C stops grade-all, every grading it started and the students' programs, and removes its build folders" {
	local before rc i
	start_class
	before=$(descendants "$PID")
	GRADERS=$(graders "$before")
	[ "$(wc -w <<<"$GRADERS")" -eq 2 ]
	kill -INT -- "-$PID"
	for ((i = 0; i < 600; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
	run kill -0 "$PID"
	assert_failure
	rc=0
	wait "$PID" || rc=$?
	[ "$rc" -eq 130 ]
	grep -q 'stopping (2 grading(s) running)' "$BATS_TEST_TMPDIR/log"
	assert_all_gone "$before"
	# stopped early: not the whole class was graded
	[ ! -e "$BATS_TEST_TMPDIR/out/summary.csv" ]
}

@test "SIGTERM to grade-all alone stops it the same way" {
	local before rc i
	start_class
	before=$(descendants "$PID")
	GRADERS=$(graders "$before")
	kill -TERM "$PID"
	for ((i = 0; i < 600; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
	rc=0
	wait "$PID" || rc=$?
	[ "$rc" -eq 143 ]
	assert_all_gone "$before"
}
