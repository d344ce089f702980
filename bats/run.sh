#!/usr/bin/env bash
# The test runner behind `make test`: C unit tests, then every bats file
# (several files at once, JOBS of them — by default one more than the
# cores — each bounded by FILE_TIMEOUT seconds), all speaking TAP. A line is
# printed as each file ends (its counts and time), the failures' TAP at
# once, and every file's full TAP at the end. It ends with one line
# "N passed, M failed" and exits non-zero when anything failed.
#   ONLY=regex   run only the bats files whose name matches
#   JOBS=N       bats files at once
set -u
cd "$(dirname "$0")/.."
cores=$(nproc 2>/dev/null || echo 2)
JOBS=${JOBS:-$((cores + 1))}	# most files wait on holds and timers, not the CPU
FILE_TIMEOUT=${FILE_TIMEOUT:-900}
out=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-test.XXXXXX")
trap 'rm -rf "$out"' EXIT

for u in build/tests/*; do
	[ -x "$u" ] || continue
	echo "# unit: ${u##*/}"
	timeout 120 "$u" >"$out/unit.${u##*/}.tap" 2>&1
	rc=$?
	cat "$out/unit.${u##*/}.tap"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out/unit.${u##*/}.tap"; then
		echo "not ok - ${u##*/} exited $rc" | tee -a "$out/unit.${u##*/}.tap"
	fi
done

# The longest files first, so the two-core run does not end on one of them.
files=()
for f in bats/scenarios.bats bats/grade*.bats bats/*.bats; do
	[[ " ${files[*]} " == *" $f "* ]] && continue
	[ -e "$f" ] || continue
	[[ -n ${ONLY:-} && ! $f =~ ${ONLY} ]] && continue
	files+=("$f")
done

# run_file FILE LOG: one bats file, then its progress line (and its
# failures' TAP) on stdout as soon as it ends.
run_file() {
	local t0=$SECONDS rc p f
	timeout -k 10 "$FILE_TIMEOUT" bats --tap "$1" </dev/null >"$2" 2>&1 3>&-
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$2"; then
		echo "not ok - $1 exited $rc (timeout or setup failure)" >>"$2"
	fi
	p=$(grep -c '^ok ' "$2"); f=$(grep -c '^not ok ' "$2")
	printf '# done: %-28s %3d ok, %d not ok, %4d s\n' "${1##*/}" "$p" "$f" $((SECONDS - t0))
	[ "$f" -eq 0 ] || grep -A20 '^not ok ' "$2" | sed 's/^/#   /'
}

echo "# bats: ${#files[@]} files, $JOBS at once"
i=0
for f in "${files[@]}"; do
	log="$out/bats.$(printf %03d $i).${f##*/}.tap"
	run_file "$f" "$log" &
	i=$((i + 1))
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
done
wait

for log in "$out"/bats.*.tap; do
	[ -e "$log" ] || continue
	name=${log##*/}; name=${name#bats.???.}; name=${name%.tap}
	echo "# bats: $name"
	cat "$log"
done

cat "$out"/*.tap 2>/dev/null | awk '
	/^ok / { if ($0 ~ /# [Ss][Kk][Ii][Pp]/) s++; else p++ }
	/^not ok / { f++ }
	END {
		line = sprintf("%d passed, %d failed", p, f)
		if (s) line = line sprintf(", %d skipped", s)
		print line
		exit (f > 0 || p == 0)
	}'
