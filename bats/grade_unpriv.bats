#!/usr/bin/env bats
# Grading without privileges (issue 10): the grader run as an ordinary
# user (nobody) with every capability dropped (setpriv), as in Gradescope's
# and CI's containers: no network namespace, no cgroups, no packet capture,
# no separate user. Every check that does not need the missing pieces is
# still graded — from kernel snapshots, /proc and our own clients' times —
# and the shipped fixtures get these exact scores in that mode.

load test_helper
load grade_helper

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	command -v setpriv >/dev/null || skip "no setpriv"
	# a class folder nobody can read, an output folder nobody can write
	export UCLASS CLASS
	UCLASS=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-unpriv-$$.XXXXXX")
	chmod 755 "$UCLASS"
	mkdir -p "$UCLASS/subs" "$UCLASS/out" "$UCLASS/tmp"
	cp -r "$STUDENTS/correct" "$STUDENTS/iterative" "$STUDENTS/noreap" \
		"$STUDENTS/parentkeeps" "$UCLASS/subs/"
	chmod -R a+rX "$UCLASS/subs"
	chmod 777 "$UCLASS/out" "$UCLASS/tmp"
	local top
	top=$(top_for_nobody "$UCLASS/tree")
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$UCLASS/tmp" TMPDIR="$UCLASS/tmp" \
		timeout -k 10 600 bash "$top/scenarios/grade-all.sh" -j 2 --out "$UCLASS/out" "$UCLASS/subs" \
		</dev/null >"$UCLASS/class.log" 2>&1 3>&-
	echo $? >"$UCLASS/class.rc"
	CLASS=$UCLASS/out
}

teardown_file() {
	[ -n "${UCLASS:-}" ] && rm -rf "$UCLASS"
	return 0
}

@test "as nobody without capabilities: exact scores of the shipped fixtures, every check graded" {
	[ "$(cat "$UCLASS/class.rc")" -eq 0 ] || cat "$UCLASS/class.log"
	evidence noreap
	evidence parentkeeps
	run cut -d, -f1-5 "$UCLASS/out/summary.csv"
	assert_output "student,score,max_score,build,not_graded
correct,120,120,ok,0
iterative,90,110,ok,1
noreap,100,110,ok,1
parentkeeps,90,110,ok,1"
	run checks noreap
	assert_output "1:10/10 2:10/10 3:10/10 4:10/10 5:0/10 6:10/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
	run checks parentkeeps
	assert_output "1:10/10 2:0/10 3:10/10 4:10/10 5:10/10 6:0/10 7:10/10 8:10/10 9:10/10 10:- 11:10/10 12:10/10"
}

@test "as nobody: the grader says what it falls back to, and the times come from our clients" {
	run jq -r .extra_data.sandbox "$CLASS/correct/results.json"
	assert_output --partial 'NOT ISOLATED: runs as nobody'
	run jq -r '.tests[] | select(.number == "3") | .output' "$CLASS/correct/results.json"
	assert_output --regexp 'both served at once \(source: probe\)$'
	# the output folders belong to nobody: nothing was written as root
	run find "$UCLASS/out" -not -user nobody
	assert_output "$UCLASS/out"
}
