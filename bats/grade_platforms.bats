#!/usr/bin/env bats
# Grading platforms (issue 10): `make gradescope` writes Gradescope's
# autograder bundle; its setup.sh builds tcplab, its run_autograder grades a
# submission in a fake /autograder tree made here and writes results.json
# in Gradescope's documented schema. The GitHub Classroom workflow is valid
# YAML naming the steps the docs describe.

load test_helper

setup_file() {
	export ZIP=$BATS_FILE_TMPDIR/autograder.zip
	make -s -C "$TOP" gradescope ZIP="$ZIP" >"$BATS_FILE_TMPDIR/make.log" 2>&1 3>&-
}

@test "make gradescope writes autograder.zip with setup.sh and run_autograder at its top and tcplab inside" {
	[ -s "$ZIP" ] || cat "$BATS_FILE_TMPDIR/make.log"
	run unzip -Z1 "$ZIP"
	assert_line setup.sh
	assert_line run_autograder
	assert_line tcplab/Makefile
	assert_line tcplab/scenarios/grade-all.sh
	assert_line tcplab/scenarios/grade/checks.jq
	assert_line tcplab/src/grade/probe.c
	# executable, as Gradescope runs them
	run unzip -Z "$ZIP" setup.sh run_autograder
	assert_output --regexp '^-rwxr-xr-x.* setup.sh'
	assert_output --regexp '^-rwxr-xr-x.* run_autograder'
	# no build products in the bundle
	run bash -c "unzip -Z1 '$ZIP' | grep -cE '^tcplab/(bin|build)/|\\.o\$'"
	assert_output 0
}

@test "the bundle's run_autograder grades a fake /autograder tree into Gradescope's results.json" {
	local ag=$BATS_TEST_TMPDIR/autograder
	mkdir -p "$ag/source" "$ag/submission"
	unzip -q "$ZIP" -d "$ag/source"
	cp -r "$STUDENTS/iterative/." "$ag/submission/"
	# setup.sh: the packages are here already, so it only builds tcplab
	run bash "$ag/source/setup.sh" 3>&-
	assert_success
	[ -x "$ag/source/tcplab/bin/probe" ] && [ -x "$ag/source/tcplab/bin/tcpobserve" ]
	AUTOGRADER_ROOT=$ag run bash "$ag/source/run_autograder" 3>&-
	assert_success
	local r=$ag/results/results.json
	[ -s "$r" ] || { echo "$output"; false; }
	# Gradescope's schema: field names and types, visibility and formats
	# from its documented values, no leaderboard; ungraded checks without
	# a status; names without the repeated number
	run jq -e '(.score | type) == "number" and (.execution_time | type) == "number" and
		(.output | type) == "string" and .output_format == "text" and
		.visibility == "visible" and .stdout_visibility == "hidden" and
		(has("leaderboard") | not) and (.tests | type) == "array" and
		all(.tests[]; (keys - ["name", "number", "score", "max_score", "status", "output",
				"output_format", "visibility", "extra_data", "tags"]) == [] and
			(.name | type) == "string" and (.name | test("^[0-9]+\\.") | not) and
			(.number | type) == "string" and (.score | type) == "number" and
			(.max_score | type) == "number" and
			(if has("status") then .status | IN("passed", "failed") else .max_score == 0 end) and
			(.output_format | IN("text", "html", "simple_format", "md", "ansi")) and
			(.visibility | IN("hidden", "after_due_date", "after_published", "visible")))' "$r"
	assert_success
	run jq -r '"\(.score)/\(.extra_data.max_score) \([.tests[] | select(.status == "failed") | .number] | join(","))"' "$r"
	assert_output '90/110 3,4'
	# the evidence a student needs is in the output text itself
	run jq -r '.tests[] | select(.number == "3") | .output' "$r"
	assert_output --partial 'the second was served only after the first was closed (iterative)'
}

@test "run_autograder writes a results.json that says why when the submission cannot be graded" {
	local ag=$BATS_TEST_TMPDIR/autograder
	mkdir -p "$ag/submission"
	printf 'int main(void) { return 0 }\n' >"$ag/submission/server.c"
	AUTOGRADER_ROOT=$ag TCPLAB_TOP=$TOP run bash "$TOP/scenarios/gradescope/run_autograder" 3>&-
	assert_success
	run jq -r '.score, .tests[0].name, (.tests[0].output | test("error"))' "$ag/results/results.json"
	assert_output $'0\nbuild\ntrue'
}

@test "the GitHub Classroom workflow installs tcplab, grades the repository and prints the score" {
	local wf=$TOP/docs/classroom.yml
	run grep -cE '^jobs:|runs-on: ubuntu-latest|scenarios/gradescope/setup.sh|scenarios/grade-all.sh|summary.txt|upload-artifact' "$wf"
	assert_output 6
	# valid YAML (python3's yaml module when present)
	if python3 -c 'import yaml' 2>/dev/null; then
		run python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(sorted(d["jobs"]["grade"].keys()))' "$wf"
		assert_output "['runs-on', 'steps', 'timeout-minutes']"
	fi
}
