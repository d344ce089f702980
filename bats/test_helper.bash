# Shared by every .bats file: assertions, the project's paths, and a
# private temp dir per test (BATS_TEST_TMPDIR).
load '/usr/lib/bats/bats-support/load.bash'
load '/usr/lib/bats/bats-assert/load.bash'

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=$TOP/bin
FIXTURES=$TOP/bats/fixtures
GOLDEN=$FIXTURES/golden
STUDENTS=$FIXTURES/students
export TOP BIN FIXTURES GOLDEN STUDENTS

# wait_for FILE REGEX [SECONDS]: polls until a line of FILE matches the
# extended regex (default 10 s): the readiness signal every test waits on
# instead of sleeping. Returns 1 with FILE's content on stderr on timeout.
wait_for() {
	local file=$1 re=$2 limit=${3:-10} i
	for ((i = 0; i < limit * 50; i++)); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "timeout (${limit}s) waiting for /$re/ in $file:" >&2
	cat "$file" >&2 2>/dev/null
	return 1
}

# wait_count FILE REGEX N [SECONDS]: polls until N lines of FILE match.
wait_count() {
	local file=$1 re=$2 n=$3 limit=${4:-10} i c=0
	for ((i = 0; i < limit * 50; i++)); do
		c=$(grep -cE -- "$re" "$file" 2>/dev/null) || true	# grep -c: 1 when 0
		[ "${c:-0}" -ge "$n" ] && return 0
		sleep 0.02
	done
	echo "timeout (${limit}s): $c of $n lines /$re/ in $file" >&2
	return 1
}

# top_for_nobody DIR: a tree of ours the user nobody can read and run: $TOP
# itself, or — a clone in a private folder (mktemp -d, as CI's may be) — a
# copy of its scenarios/ and bin/ in DIR. Echoes its path.
top_for_nobody() {
	if setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$TOP/scenarios/grade.sh"; then
		echo "$TOP"
		return 0
	fi
	mkdir -p "$1" && cp -a "$TOP/scenarios" "$TOP/bin" "$1/" && chmod -R a+rX "$1" && echo "$1"
}
