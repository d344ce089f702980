# Shared by the grading tests (grade.bats, grade_unpriv.bats): reading a
# graded class in $CLASS (grade-all's output folder).

# evidence STUDENT: every check's verdict in words (bats shows a test's
# output only when it fails: then it says why).
evidence() {
	jq -r '.tests[] | "\(.number) \(.status // "not graded"): \(.output)"' "$CLASS/$1/results.json"
}

# checks STUDENT: "1:10/10 2:0/10 3:- ..." — every rubric check's score,
# "-" for a check not graded.
checks() {
	jq -r '[.tests[] | select(.number != "0")
		| "\(.number):\(if .extra_data.graded == false then "-" else "\(.score)/\(.max_score)" end)"]
		| join(" ")' "$CLASS/$1/results.json"
}

# output_of STUDENT N: the evidence text of check N.
output_of() {
	jq -r --arg n "$2" '.tests[] | select(.number == $n) | .output' "$CLASS/$1/results.json"
}

# grade_class STUDENT...: grade these shipped submissions as a class into
# $CLASS, as the issue asks it to hold on a busy machine: two students at a
# time with two CPU-bound loops beside it (bounded in time, killed at the
# end). Writes class.rc, class.secs and class.log beside $CLASS.
grade_class() {
	local t0=$SECONDS busy=() i s subs=$BATS_FILE_TMPDIR/subs
	mkdir -p "$subs"
	for s in "$@"; do cp -r "$STUDENTS/$s" "$subs/"; done
	for i in 1 2; do
		timeout 900 bash -c 'while :; do :; done' </dev/null >/dev/null 2>&1 3>&- &
		busy+=("$!")
	done
	local rc=0
	timeout -k 20 840 bash "$TOP/scenarios/grade-all.sh" -j 2 --out "$CLASS" "$subs" \
		>"$BATS_FILE_TMPDIR/class.log" 2>&1 3>&- || rc=$?
	echo "$rc" >"$BATS_FILE_TMPDIR/class.rc"
	echo $((SECONDS - t0)) >"$BATS_FILE_TMPDIR/class.secs"
	kill "${busy[@]}" 2>/dev/null
	wait "${busy[@]}" 2>/dev/null || true
}
