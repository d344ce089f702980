# shellcheck shell=bash
# sandbox.sh — the sandbox a student's program runs in: the user it runs
# as, its cgroups (process count, CPU, freezer), and starting / freezing /
# killing everything it started. Sourced by scenarios/grade/lib.sh (which
# provides sc_deadline, sc_past and the globals it documents).

# gr_user: make sure the unprivileged user exists (root only); set GR_UID
# GR_GID. One system user for all students: the cgroups, not the user,
# keep parallel students apart.
gr_user() {
	if ! id -u "$GR_USER" >/dev/null 2>&1; then
		flock /run/lock/tcplab-grade-useradd.lock useradd --system \
			--no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$GR_USER" 2>/dev/null
		id -u "$GR_USER" >/dev/null 2>&1 || return 1
	fi
	GR_UID=$(id -u "$GR_USER") GR_GID=$(id -g "$GR_USER")
}

# gr_cgroups NAME: create the student's cgroups (v1 pids, cpu, freezer, or
# the v2 unified tree when that is what is mounted), set pids.max and the
# CPU quota; set GR_CGROUPS. Empty when cgroups cannot be used.
gr_cgroups() {
	local name=$1 c d
	GR_CGROUPS=
	for c in pids cpu freezer; do
		[ -d /sys/fs/cgroup/$c ] && [ -w /sys/fs/cgroup/$c ] || continue
		d=/sys/fs/cgroup/$c/$name
		mkdir -p "$d" 2>/dev/null || continue
		case $c in
		pids) echo "$GR_PIDS_MAX" >"$d/pids.max" ;;
		cpu) echo "$GR_CPU_QUOTA" >"$d/cpu.cfs_quota_us" ;;
		esac
		GR_CGROUPS+="$d "
	done
	GR_CGROUPS=${GR_CGROUPS% }
}

# gr_freezer: the student's freezer cgroup dir, if any.
gr_freezer() {
	local d
	for d in $GR_CGROUPS; do
		case $d in */freezer/*) printf '%s\n' "$d"; return 0 ;; esac
	done
	return 1
}

# gr_freeze / gr_thaw: stop every process of the student at once (the
# freezer cgroup), so that a look at its processes and sockets is one
# consistent moment however loaded the machine is. No-ops without a freezer.
gr_freeze() {
	local fz deadline
	fz=$(gr_freezer) || return 0
	echo FROZEN >"$fz/freezer.state" 2>/dev/null || return 0
	deadline=$(sc_deadline 3)
	until [ "$(cat "$fz/freezer.state")" = FROZEN ] || sc_past "$deadline"; do
		sleep 0.01
	done
}
gr_thaw() {
	local fz
	fz=$(gr_freezer) && echo THAWED >"$fz/freezer.state" 2>/dev/null
	return 0
}

# gr_sb_pids: every process of the student (its cgroup, or in non-root
# mode the process groups of what we started and their descendants).
gr_sb_pids() {
	local d
	for d in $GR_CGROUPS; do
		case $d in */pids/*|*/freezer/*) cat "$d/cgroup.procs" 2>/dev/null; return ;; esac
	done
	[ -s "$GR_OUT/.started" ] || return 0
	# the started pids, their process groups (the sandbox gives each a
	# session of its own) and their descendants; never pid 1, never us
	ps -e -o pid=,ppid=,pgid= | awk -v list="$(tr '\n' ' ' <"$GR_OUT/.started")" -v me="$$" '
		BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) if (a[i] > 1) root[a[i]] = 1 }
		{ pid[NR] = $1; ppid[NR] = $2; pg[NR] = $3 }
		END {
			for (i = 1; i <= NR; i++)
				if ((pid[i] in root) || (pg[i] in root)) keep[pid[i]] = 1
			do { more = 0
				for (i = 1; i <= NR; i++)
					if ((ppid[i] in keep) && !(pid[i] in keep)) { keep[pid[i]] = 1; more = 1 }
			} while (more)
			for (p in keep) if (p > 1 && p != me) print p
		}'
}

# gr_sb_kill: end everything the student started: freeze the cgroup (a
# fork bomb cannot outrun a frozen cgroup), SIGKILL every task, thaw, and
# wait until the cgroup is empty. Without a freezer: SIGKILL in rounds.
# Returns 1 if something survived 5 s.
gr_sb_kill() {
	local fz pids deadline
	fz=$(gr_freezer)
	if [ -n "$fz" ]; then
		echo FROZEN >"$fz/freezer.state" 2>/dev/null
		deadline=$(sc_deadline 2)
		until [ "$(cat "$fz/freezer.state")" = FROZEN ] || sc_past "$deadline"; do
			sleep 0.02
		done
	fi
	deadline=$(sc_deadline 5)
	while pids=$(gr_sb_pids) && [ -n "$pids" ]; do
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		[ -n "$fz" ] && echo THAWED >"$fz/freezer.state" 2>/dev/null
		sc_past "$deadline" && return 1
		sleep 0.05
	done
	[ -n "$fz" ] && echo THAWED >"$fz/freezer.state" 2>/dev/null
	return 0
}

# gr_start NAME TEMPLATE PORT [STDIN]: start a student program in the
# sandbox (background), stdout/stderr to $D/NAME.out/.err, its exit status
# to $D/NAME.status once it ends; wait for its pid and set GR_PID.
gr_start() {
	local name=$1 in=${4:-/dev/null} sb=() deadline
	gr_argv "$2" "$3"
	sb=(-d "$GR_WORK" -l "$GR_LIMITS" -w 600 -p "$D/$name.pid" -s "$D/$name.status")
	[ "$GR_ROOT" = 1 ] && sb+=(-u "$GR_UID" -g "$GR_GID")
	for c in $GR_CGROUPS; do sb+=(-c "$c"); done
	rm -f "$D/$name.pid" "$D/$name.status"
	"$GR_SANDBOX" "${sb[@]}" -- "${GR_ARGV[@]}" <"$in" >"$D/$name.out" 2>"$D/$name.err" 3>&- &
	GR_HELPERS+=("$!")
	deadline=$(sc_deadline 3)
	until [ -s "$D/$name.pid" ]; do
		sc_past "$deadline" && { GR_PID=; return 1; }
		sleep 0.01
	done
	GR_PID=$(<"$D/$name.pid")
	echo "$GR_PID" >>"$GR_OUT/.started"
	printf '%s\n' "${GR_ARGV[*]}" >"$D/$name.cmd"
}
