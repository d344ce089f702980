#!/usr/bin/env bats
# The grader's sandbox against hostile submissions (issue 9 §2, issue 10):
# each test builds a hostile fixture (bats/fixtures/hostile: the lab's
# daytime server + one attack) inside the sandbox with gr_build, starts it
# there with gr_start as a uid of its own, waits for the attack's report,
# and asserts that it achieved nothing — and that nothing is left after:
# no process of its uid, no cgroup, no mount, no file in /tmp or /dev/shm.
# The last tests grade hostile submissions with grade.sh (the grade is
# written, no escape sequence reaches the terminal or summary.txt) and run
# the grader without privileges.

load test_helper

HOSTILE=$FIXTURES/hostile

setup() {
	# shellcheck source=../scenarios/grade/lib.sh
	. "$TOP/scenarios/grade/lib.sh"
	GR_CAPS_QUIET=1 gr_caps
	gr_tools
	T=$BATS_TEST_TMPDIR
	WORK= VICTIM= LISTENER= NOBODY_OUT=
	GR_HELPERS=()
}

teardown() {
	[ -n "$VICTIM" ] && kill -KILL "$VICTIM" 2>/dev/null
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	[ -n "$WORK" ] && hostile_end
	grep -lx "$$" "$GR_UID_DIR"/6* 2>/dev/null | xargs -r rm -f
	rm -f "/tmp/tcplab-gsand-$$.sock"
	[ -n "$NOBODY_OUT" ] && rm -rf "$NOBODY_OUT"
	return 0
}

need_jail() {
	[ "$GR_HAVE_USERS" = 1 ] && [ "$GR_HAVE_JAIL" = 1 ] ||
		skip "needs root and bubblewrap (the grader's sandbox)"
}

need_cgroups() {
	need_jail
	[ "$GR_HAVE_CGROUPS" = 1 ] || skip "needs writable cgroups"
}

# free_port: a port nobody uses on the host's loopback.
free_port() {
	local p
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		p=$((20000 + RANDOM % 30000))
		[ -z "$(ss -Htan "sport = :$p")" ] && break
	done
	echo "$p"
}

# hostile_build NAME: the submission daytime.c + NAME.c, built in the
# sandbox as a uid of its own (GR_UID) in cgroups of its own; GR_BUILT.
hostile_build() {
	local name=$1
	SUB=$T/sub-$name D=$T/$name
	GR_OUT=$D
	mkdir -p "$SUB" "$D"
	cp "$HOSTILE/daytime.c" "$HOSTILE/$name.c" "$SUB/"
	GR_UID= GR_UID_OWNED=0
	gr_user
	gr_cgroups "tcplab-gsand-$$-$name" || [ "$GR_CGROUP_MODE" = none ]
	WORK=$(mktemp -d "/tmp/tcplab-build-gsand-$$-$name.XXXXXX")
	gr_build "$SUB" "$WORK" "$D/build.log" || { cat "$D/build.log"; return 1; }
	CGS=$GR_CGROUPS UID_USED=$GR_UID
}

# hostile_start NAME REPORT: build it, start it, wait (60 s) for the line
# of its attack's report that matches REPORT.
hostile_start() {
	hostile_build "$1"
	gr_start server "$GR_BUILT {port}" "$(free_port)"
	wait_for "$D/server.err" "$2" 60
}

# hostile_end: kill everything of the student, give back its uid, cgroups
# and build folder.
hostile_end() {
	gr_sb_kill
	gr_cgroups_remove
	gr_user_release
	gr_build_clean "$WORK"
	WORK=
	[ ${#GR_HELPERS[@]} -eq 0 ] || wait "${GR_HELPERS[@]}" 2>/dev/null || :
	GR_HELPERS=()
}

# nothing_left: no process of the student's uid (looked at before the uid
# is given back: then it may be another grading's), no cgroup, no mount of
# its build folder, no file of the attacks in the host's /tmp or /dev/shm.
nothing_left() {
	local d
	gr_sb_kill
	gr_cgroups_remove
	run ps -o pid=,args= -u "$UID_USED"
	assert_output ''
	hostile_end
	for d in $CGS; do [ ! -e "$d" ] || { echo "left: $d"; false; }; done
	run bash -c "mount | grep -c tcplab-build-gsand-$$-"
	assert_output 0
	run bash -c 'ls /tmp/tcplab-hostile-* /dev/shm/tcplab-hostile-* 2>/dev/null'
	assert_output ''
}

# other_student: a uid that gr_user gives to another student (held by
# this test until teardown); echoes it.
other_student() {
	(GR_UID= GR_UID_OWNED=0 GR_UID_HOLDER=$$; gr_user && echo "$GR_UID")
}

@test "a student cannot signal another student's process: PID namespace, a uid of its own" {
	need_jail
	local victim_uid
	victim_uid=$(other_student)
	setpriv --reuid="$victim_uid" --regid="$victim_uid" --clear-groups sleep 300 </dev/null 3>&- &
	VICTIM=$!
	hostile_start killall 'attack: killed [0-9]+ processes'
	run grep -c 'attack: killed pid' "$D/server.err"
	assert_output 0
	kill -0 "$VICTIM"
	[ "$UID_USED" != "$victim_uid" ]
	[ "$UID_USED" -ge "$GR_UID_BASE" ] && [ "$UID_USED" -lt $((GR_UID_BASE + GR_UID_COUNT)) ]
	nothing_left
}

@test "a student reads no other submission and writes nothing of the grader's: its folder and binary are read-only" {
	need_jail
	local other d uid
	# another student's build folder, as grade-all leaves it, with a secret
	other=$(mktemp -d /tmp/tcplab-build-gsand-$$-other.XXXXXX)
	mkdir -p "$T/other"
	echo 'int main(void) { return 0; }' >"$T/other/server.c"
	echo "SECRET-$$" >"$T/other/secret.txt"
	uid=$(other_student)
	(GR_UID=$uid GR_GID=$uid GR_CGROUPS= GR_OUT=$T; gr_build "$T/other" "$other" "$T/other.log")
	hostile_start snoop 'attack: read [0-9]+, wrote [0-9]+ files'
	run grep 'attack:' "$D/server.err"
	assert_output 'attack: read 0, wrote 0 files'
	run cat "$other/secret.txt"
	assert_output "SECRET-$$"
	run stat -c '%U %a' "$WORK" "$WORK/server"
	assert_output $'root 750\nroot 750'
	grep -q 'the server is server (cc of' "$D/build.log"
	gr_build_clean "$other"
	nothing_left
}

@test "a student reaches no Unix socket of the host: private /tmp and /run" {
	need_jail
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 5) or die;
		while (my $c = $s->accept) { print $c "host-secret\n"; close $c }' \
		"/tmp/tcplab-gsand-$$.sock" </dev/null >/dev/null 2>&1 3>&- &
	LISTENER=$!
	for _ in $(seq 100); do [ -S "/tmp/tcplab-gsand-$$.sock" ] && break; sleep 0.05; done
	[ -S "/tmp/tcplab-gsand-$$.sock" ]
	hostile_start unixsock 'attack: reached [0-9]+ host sockets'
	run grep 'attack:' "$D/server.err"
	assert_output 'attack: reached 0 host sockets'
	run grep -r host-secret "$D"
	assert_failure
	nothing_left
}

@test "a student's processes together get at most 256 MiB: the memory cgroup" {
	need_cgroups
	hostile_start memhog 'attack: hogs ended'
	# the cgroup's own record of the peak (v1; memory.peak on v2)
	local m
	m=$(for d in $CGS; do cat "$d/memory.max_usage_in_bytes" "$d/memory.peak" 2>/dev/null || :; done)
	[ -n "$m" ] && [ "$m" -le $((256 << 20)) ]
	# the hogs were stopped by it (OOM: SIGKILL), not by their own end
	run grep -c 'attack: hog [0-9]* killed by signal 9' "$D/server.err"
	[ "$output" -ge 1 ]
	nothing_left
}

@test "a student fills at most 64 MiB in each writable place, none of it on the host" {
	need_jail
	hostile_start diskfill 'attack: filled /dev/shm with [0-9]+ MiB'
	run grep 'attack:' "$D/server.err"
	assert_line 'attack: filled . with 0 MiB'
	run awk '/attack: filled (home|\/tmp|\/dev\/shm)/ { if ($(NF-1) > 64) print "over: " $0 }' "$D/server.err"
	assert_output ''
	nothing_left
}

@test "a flood of output keeps 1 MiB of each stream, then [truncated]" {
	need_jail
	hostile_build flood
	gr_start server "$GR_BUILT {port}" "$(free_port)"
	wait_for "$D/server.err" '^\[truncated\]$' 60
	wait_for "$D/server.out" '^\[truncated\]$' 60
	[ "$(stat -c %s "$D/server.out")" -le $((GR_OUTPUT_CAP + 64)) ]
	[ "$(stat -c %s "$D/server.err")" -le $((GR_OUTPUT_CAP + 64)) ]
	nothing_left
}

@test "a daemon (double fork, setsid, SIGTERM ignored) is contained and killed" {
	need_jail
	hostile_start daemon 'attack: daemon [0-9]+ started'
	# it runs in the student's cgroup, as the student's uid
	run gr_sb_pids
	[ "${#lines[@]}" -ge 2 ]
	nothing_left
}

# hostile_grade NAME CHECKS: build NAME as grade-all does and grade it with
# grade.sh --only CHECKS, under the same uid; output in $T/NAME-grade.
hostile_grade() {
	hostile_build "$1"
	gr_cgroups_remove
	GR_UID=$GR_UID GR_GID=$GR_GID timeout -k 5 300 bash "$TOP/scenarios/grade.sh" \
		--only "$2" --name "$1" --out "$T/$1-grade" --server "$GR_BUILT {port}" \
		</dev/null >"$T/$1-grade.stdout" 2>&1 3>&-
}

@test "what a student prints reaches the terminal and summary.txt with its escape sequences escaped" {
	need_jail
	hostile_grade escapes 1
	[ -s "$T/escapes-grade/results.json" ]
	# no ESC, BEL, CR or C1 CSI byte anywhere the instructor looks
	run env LC_ALL=C grep -rlP '[\x07\x0d\x1b]|\xc2\x9b' "$T/escapes-grade.stdout" "$T/escapes-grade/summary.txt" \
		"$T/escapes-grade/results.json" "$T/escapes-grade/01-listen"
	assert_output ''
	# but shown, escaped
	run grep -c 'x1b\[2J\\x1b\]0;pwned\\x07' "$T/escapes-grade/01-listen/server.err"
	assert_output 1
	nothing_left
}

@test "every hostile submission still gets its grade written (grade.sh, check 1)" {
	need_jail
	local n
	for n in killall snoop unixsock memhog diskfill flood daemon; do
		hostile_grade "$n" 1
		run jq -r '.tests[0] | "\(.number) \(.max_score) \(.status)"' "$T/$n-grade/results.json"
		assert_output --regexp '^1 10 (passed|failed)$'
		run jq -r '.extra_data.netns' "$T/$n-grade/results.json"
		[ -n "$output" ] && [ ! -e "/run/netns/$output" ]
		nothing_left
	done
}

@test "cgroup v2: freeze and kill with cgroup.freeze and cgroup.kill; missing controllers said, RLIMIT_NPROC instead" {
	need_cgroups
	[ -e /sys/fs/cgroup/cgroup.controllers ] || [ -e /sys/fs/cgroup/unified/cgroup.procs ] ||
		skip "no cgroup v2 hierarchy"
	GR_CGROUP_MODE=v2
	run gr_caps
	[ "$GR_CGROUP_MODE" = v2 ]
	GR_CGROUP_MODE=v2
	hostile_start daemon 'attack: daemon [0-9]+ started'
	[ -e "$CGS/cgroup.kill" ]
	gr_freeze
	grep -qx 'frozen 1' "$CGS/cgroup.events"
	gr_thaw
	grep -qx 'frozen 0' "$CGS/cgroup.events"
	if [ ! -e "$CGS/pids.max" ]; then
		# no pids controller (here: all bound to v1): its own uid's RLIMIT_NPROC
		run grep 'Max processes' "/proc/$GR_PID/limits"
		assert_output --regexp "Max processes +$GR_PIDS_MAX +$GR_PIDS_MAX "
		GR_CAPS_QUIET= gr_caps 2>"$T/caps"
		grep -q "^sandbox: cgroup v2 without the controllers: .*pids" "$T/caps"
	fi
	nothing_left
}

@test "without CAP_SYS_ADMIN and CAP_NET_RAW: one line per missing piece, a uid of its own, the grade written" {
	[ -z "${TCPLAB_SANITIZED:-}" ] ||
		skip "it grades our daytimed: a sanitizer build needs more address space than the sandbox's RLIMIT_AS"
	[ "$(id -u)" -eq 0 ] && command -v capsh >/dev/null || skip "needs root and capsh"
	run capsh --drop=cap_sys_admin,cap_net_raw -- -c \
		". '$TOP/scenarios/grade/lib.sh'; gr_caps 2>&1; echo \"\$GR_HAVE_NETNS \$GR_HAVE_CAPTURE \$GR_HAVE_USERS \$GR_HAVE_JAIL\""
	assert_line --partial 'sandbox: no network namespace (needs CAP_SYS_ADMIN)'
	assert_line --partial 'sandbox: no packet capture (needs CAP_NET_RAW)'
	assert_line --partial 'sandbox: no bubblewrap jail (needs CAP_SYS_ADMIN and bwrap)'
	refute_line --partial 'no separate user'
	[ "${lines[${#lines[@]} - 1]}" = '0 0 1 0' ]
	capsh --drop=cap_sys_admin,cap_net_raw -- -c "bash '$TOP/scenarios/grade.sh' --only 1 \
		--out '$T/capless' --server '$BIN/daytimed -p {port}'" >"$T/capless.log" 2>&1 3>&-
	run jq -r '"\(.tests[0].score) \(.extra_data.sandbox)"' "$T/capless/results.json"
	assert_output --regexp '^10 uid 6[0-9]+ \(its own\), the host.s loopback'
}

@test "as a user without privileges: the grader says what it lacks and kills only what it started" {
	[ -z "${TCPLAB_SANITIZED:-}" ] ||
		skip "it grades our daytimed: a sanitizer build needs more address space than the sandbox's RLIMIT_AS"
	[ "$(id -u)" -eq 0 ] || skip "needs root to become another user"
	local bystander out
	out=$(mktemp -d /tmp/tcplab-gsand-nobody.XXXXXX)
	NOBODY_OUT=$out
	chmod 777 "$out"
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 300 </dev/null 3>&- &
	bystander=$!
	VICTIM=$bystander
	# a clone in a private folder (mktemp -d, as CI's may be) is out of
	# nobody's reach: then the grader runs from a readable copy
	local tree
	tree=$(top_for_nobody "$out/tree")
	run setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR=/tmp bash "$tree/scenarios/grade.sh" \
		--only 1 --out "$out/g" --server "$tree/bin/daytimed -p {port}" 3>&-
	assert_line --partial "sandbox: no separate user (needs root: CAP_SETUID/CAP_SETGID): the student's programs run as nobody"
	assert_line --partial 'sandbox: NO CGROUPS'
	run jq -r '"\(.tests[0].score) \(.extra_data.sandbox)"' "$out/g/results.json"
	assert_output --regexp '^10 NOT ISOLATED: runs as nobody'
	kill -0 "$bystander"
}

# build_folder NAME FILE=TEXT...: a submission folder made of small files.
build_folder() {
	local dir=$T/$1 f
	shift
	mkdir -p "$dir"
	for f in "$@"; do printf '%s\n' "${f#*=}" >"$dir/${f%%=*}"; done
	echo "$dir"
}

# try_build DIR: gr_build it as a uid of its own; the build dir in WORK.
try_build() {
	GR_UID= GR_UID_OWNED=0
	gr_user
	WORK=$(mktemp -d /tmp/tcplab-build-gsand-$$-b.XXXXXX)
	D=$T/b GR_OUT=$T/b UID_USED=$GR_UID CGS=
	mkdir -p "$D"
	gr_build "$1" "$WORK" "$D/build.log"
}

@test "no Makefile: every .c of the folder together; with two main()s, client*.c is the client" {
	need_jail
	local dir
	dir=$(build_folder wrappers \
		'server.c=int Socket(void); int main(void) { return Socket(); }' \
		'client.c=int Socket(void); int main(void) { return Socket() + 1; }' \
		'wrappers.c=int Socket(void) { return 0; }')
	try_build "$dir"
	[ "$GR_BUILT" = "$WORK/server" ] && [ "$GR_BUILT_CLIENT" = "$WORK/client" ]
	run cat "$D/build.log"
	assert_output '$ cc -o server server.c wrappers.c
$ cc -o client client.c wrappers.c
tcplab: the server is server (cc of the folder'"'"'s .c files), the client client'
	# one program and its wrappers: all of them into ./server
	dir=$(build_folder single 'servidor.c=int w(void); int main(void) { return w(); }' \
		'utils.c=int w(void) { return 0; }')
	hostile_end
	try_build "$dir"
	[ "$GR_BUILT" = "$WORK/server" ]
	grep -qx '$ cc -o server servidor.c utils.c' "$D/build.log" ||
		grep -qx '$ cc -o server utils.c servidor.c' "$D/build.log"
	nothing_left
}

@test "a Makefile: make, then server, servidor or the one new executable, said in the log" {
	need_jail
	local dir
	dir=$(build_folder mk-servidor 'servidor.c=int main(void) { return 0; }' \
		$'Makefile=servidor: servidor.c\n\tcc -o servidor servidor.c')
	try_build "$dir"
	[ "$GR_BUILT" = "$WORK/servidor" ]
	run tail -1 "$D/build.log"
	assert_output 'tcplab: the server is servidor (built by make)'
	hostile_end
	dir=$(build_folder mk-other 'd.c=int main(void) { return 0; }' \
		$'Makefile=daytimed: d.c\n\tcc -o daytimed d.c')
	try_build "$dir"
	[ "$GR_BUILT" = "$WORK/daytimed" ]
	hostile_end
	dir=$(build_folder mk-none 'd.c=int main(void) { return 0; }' $'Makefile=all:\n\ttrue')
	! try_build "$dir"
	run tail -1 "$D/build.log"
	assert_output 'tcplab: no server was built: make made no executable named server or servidor, nor exactly one new executable'
	nothing_left
}

@test "a hostile Makefile runs in the sandbox: output capped and escaped, nothing left, the folder locked after" {
	need_jail
	mkdir -p "$T/sub-makefile"
	cp "$HOSTILE/daytime.c" "$HOSTILE/makefile/Makefile" "$HOSTILE/makefile/noop.c" "$T/sub-makefile/"
	try_build "$T/sub-makefile"
	[ "$GR_BUILT" = "$WORK/server" ]
	run env LC_ALL=C grep -cP '\x1b' "$D/build.log"
	assert_output 0
	grep -q 'x1b\[2J' "$D/build.log"
	[ "$(grep -c '^\[truncated\]$' "$D/build.log")" -eq 2 ]
	[ "$(stat -c %s "$D/build.log")" -le $((2 * GR_OUTPUT_CAP + 4096)) ]
	# the grader's now: read-only even for root, the student's group may read
	run touch "$WORK/x"
	assert_failure
	run stat -c '%u %g %a' "$WORK/server"
	assert_output "0 $UID_USED 750"
	nothing_left
}

@test "grade.sh SIGKILLed: its watchdog kills the student, removes cgroups and namespace, gives the uid back" {
	need_jail
	local pid uid slot i pids
	hostile_build daemon
	gr_cgroups_remove
	gr_user_release
	bash "$TOP/scenarios/grade.sh" --only 1,2 --out "$T/killed" --server "$GR_BUILT {port}" \
		</dev/null >"$T/killed.log" 2>&1 3>&- &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		grep -qs 'attack: daemon' "$T/killed/01-listen/server.err" && break
		sleep 0.05
	done
	slot=$(grep -lx "$pid" "$GR_UID_DIR"/6* | head -1)
	uid=${slot##*/}
	[ -n "$uid" ]
	pids=$(ps -o pid= -u "$uid" | paste -sd,)
	[ -n "$pids" ]
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || :
	for ((i = 0; i < 200; i++)); do
		[ ! -e "$slot" ] && break
		sleep 0.05
	done
	[ ! -e "$slot" ]
	# none of its processes is left (by pid: the uid may be someone else's now)
	[ -z "$(ps -o uid= -p "$pids" | awk -v u="$uid" '$1 == u')" ]
	run bash -c "ls -d /sys/fs/cgroup/*/tcplab-grade-$pid-* /run/netns/tcplab-grade-$pid-* 2>/dev/null"
	assert_output ''
}

@test "no cgroups: a fork bomb stops at its own uid's RLIMIT_NPROC and is killed by uid" {
	need_jail
	GR_CGROUP_MODE=none
	hostile_start bomb 'attack: forked [0-9]+ processes'
	[ -z "$CGS" ]
	run sed -n 's/^attack: forked \([0-9]*\) processes$/\1/p' "$D/server.err"
	# 64 processes of its uid: the server, the bomb, its children
	[ "$output" -gt 0 ] && [ "$output" -le "$GR_PIDS_MAX" ]
	nothing_left
}
