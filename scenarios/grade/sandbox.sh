# shellcheck shell=bash
# sandbox.sh — the sandbox a student's program runs in, and the build of a
# submission inside it. Sourced by scenarios/grade/lib.sh (which provides
# sc_deadline and sc_past). Every layer, and what replaces it when the
# grader lacks a privilege, is in docs/instructors.md ("Safety").
#
# What the grader can use — set by gr_caps, read by the checks (1 or 0):
#   GR_HAVE_NETNS    a network namespace per student (CAP_SYS_ADMIN, ip netns)
#   GR_HAVE_CGROUPS  cgroups per student: memory, pids, CPU, freezer/kill
#                    (GR_CGROUP_MODE says v1 or v2; GR_CG_MISSING the
#                    controllers it could not enable)
#   GR_HAVE_CAPTURE  live packet capture (CAP_NET_RAW)
#   GR_HAVE_USERS    a uid of its own per submission (CAP_SETUID, CAP_SETGID)
#   GR_HAVE_JAIL     bubblewrap: private mount/PID/IPC namespaces (root)
# Settings (environment):
#   GR_UID_BASE GR_UID_COUNT  the uids handed out: 61000..61999 by default
#   GR_MEM_MAX     memory of the whole submission, MiB (256)
#   GR_PIDS_MAX    processes of the whole submission (64)
#   GR_CPU_QUOTA   µs of CPU per 100 ms (25000: a quarter of a core)
#   GR_TMPFS_MB    size of the writable /work, /tmp and /dev/shm, MiB (64)
#   GR_OUTPUT_CAP  bytes kept of each stdout/stderr per program start (1 MiB)
#   GR_CGROUP_MODE auto, v1, v2 or none; GR_CGROUP2_BASE a delegated v2 dir
# Set per student: GR_UID GR_GID (its uid), GR_CGROUPS (its cgroup dirs),
# GR_RUNDIR (the folder its programs run in; default: the program's own).

GR_UID_BASE=${GR_UID_BASE:-61000}
GR_UID_COUNT=${GR_UID_COUNT:-1000}
GR_MEM_MAX=${GR_MEM_MAX:-256}
GR_PIDS_MAX=${GR_PIDS_MAX:-64}
GR_CPU_QUOTA=${GR_CPU_QUOTA:-25000}
GR_TMPFS_MB=${GR_TMPFS_MB:-64}
GR_OUTPUT_CAP=${GR_OUTPUT_CAP:-1048576}
GR_CGROUP_MODE=${GR_CGROUP_MODE:-auto}
GR_UID_DIR=${GR_UID_DIR:-/run/tcplab-grade-uids}

# gr_hascap BIT: true if our effective capabilities include BIT.
gr_hascap() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(( (16#${eff:-0} >> $1) & 1 ))
}

# gr_caps: find what the grader can use (GR_HAVE_*, exported) and print
# one line on stderr per missing piece, saying what replaces it.
gr_caps() {
	local bwrap_ok=0 GR_CGROUPS=
	GR_HAVE_NETNS=0 GR_HAVE_CGROUPS=0 GR_HAVE_CAPTURE=0 GR_HAVE_USERS=0 GR_HAVE_JAIL=0
	[ "${GR_NO_SANDBOX:-0}" = 1 ] && { echo "sandbox: GR_NO_SANDBOX=1: no isolation at all" >&2; gr_caps_say; return 0; }
	gr_hascap 21 && unshare --net true 2>/dev/null && command -v ip >/dev/null && GR_HAVE_NETNS=1
	gr_hascap 13 && GR_HAVE_CAPTURE=1
	gr_hascap 6 && gr_hascap 7 && GR_HAVE_USERS=1
	[ "$GR_HAVE_USERS" = 1 ] && gr_hascap 21 && command -v bwrap >/dev/null &&
		bwrap --ro-bind / / --unshare-pid --as-pid-1 true 2>/dev/null && bwrap_ok=1
	GR_HAVE_JAIL=$bwrap_ok
	gr_cgroups "tcplab-caps-$$-$RANDOM" && GR_HAVE_CGROUPS=1
	gr_cgroups_remove
	gr_caps_say
}

# gr_nproc_text: what bounds the student's process count without cgroups.
gr_nproc_text() {
	if [ "$GR_HAVE_USERS" = 1 ]; then echo "RLIMIT_NPROC $GR_PIDS_MAX on its own uid"
	else echo "RLIMIT_NPROC on your own uid"
	fi
}

# gr_caps_say: the lines for what is missing (from GR_HAVE_*).
gr_caps_say() {
	local say=${GR_CAPS_QUIET:+:}
	say=${say:-echo}
	[ "$GR_HAVE_NETNS" = 1 ] ||
		$say "sandbox: no network namespace (needs CAP_SYS_ADMIN): the student's server uses the host's loopback, on ports found free" >&2
	[ "$GR_HAVE_CGROUPS" = 1 ] ||
		$say "sandbox: NO CGROUPS (cgroup v1 or v2 not writable): no memory limit for the whole submission, no CPU quota, no freezer; contained instead by $(gr_nproc_text), per-process limits ${GR_LIMITS:-}, the wall clock, and killed by $([ "$GR_HAVE_USERS" = 1 ] && echo "uid" || echo "process group and descendants")" >&2
	[ "$GR_HAVE_CGROUPS" = 1 ] && [ -n "${GR_CG_MISSING:-}" ] &&
		$say "sandbox: cgroup $GR_CGROUP_MODE without the controllers: $GR_CG_MISSING (cannot be enabled in $GR_CG_BASE): those limits are replaced by $(gr_nproc_text) and per-process limits ${GR_LIMITS:-}" >&2
	[ "$GR_HAVE_CAPTURE" = 1 ] ||
		$say "sandbox: no packet capture (needs CAP_NET_RAW): times come from the grader's own clients and kernel snapshots" >&2
	[ "$GR_HAVE_USERS" = 1 ] ||
		$say "sandbox: no separate user (needs root: CAP_SETUID/CAP_SETGID): the student's programs run as $(id -un) and can signal its processes; killed by process group" >&2
	[ "$GR_HAVE_USERS" = 0 ] || [ "$GR_HAVE_JAIL" = 1 ] ||
		$say "sandbox: no bubblewrap jail (needs CAP_SYS_ADMIN and bwrap): the student sees the host's files as its own uid, has no private /tmp, and no PID namespace" >&2
	export GR_HAVE_NETNS GR_HAVE_CGROUPS GR_HAVE_CAPTURE GR_HAVE_USERS GR_HAVE_JAIL \
		GR_CGROUP_MODE GR_CG_MISSING
	return 0
}

# gr_sb_describe: one line saying how the student is contained (for the
# results' extra_data.sandbox and the summary).
gr_sb_describe() {
	local t
	if [ "${GR_HAVE_USERS:-0}" = 1 ]; then t="uid $GR_UID (its own)"
	else t="NOT ISOLATED: runs as $(id -un)"
	fi
	[ "${GR_HAVE_JAIL:-0}" = 1 ] && t+=", bubblewrap (own mount/PID/IPC namespaces; only the submission, read-only; tmpfs /work /tmp /dev/shm ${GR_TMPFS_MB} MiB)"
	if [ -n "${GR_NS:-}" ]; then t+=", network namespace $GR_NS"
	else t+=", the host's loopback"
	fi
	if [ -n "$GR_CGROUPS" ]; then
		t+=", cgroups $GR_CGROUP_MODE: ${GR_CGROUPS// /, } (memory ${GR_MEM_MAX} MiB, pids $GR_PIDS_MAX, CPU $GR_CPU_QUOTA µs/100 ms${GR_CG_MISSING:+; missing: $GR_CG_MISSING})"
	else
		t+=", NO cgroups"
	fi
	echo "$t, limits ${GR_LIMITS:-}, output $GR_OUTPUT_CAP bytes per stream"
}

# gr_user: give this submission a uid of its own from GR_UID_BASE on (a
# slot file under GR_UID_DIR holds our pid; a slot whose holder is dead
# and whose uid runs nothing is taken over). Sets GR_UID GR_GID (the same
# number; no passwd entry needed). Keeps a GR_UID handed down by the
# caller (grade-all builds and grades with one uid). Without separate
# users: our own uid.
gr_user() {
	local i uid f holder
	if [ "${GR_HAVE_USERS:-0}" != 1 ]; then
		GR_UID=$(id -u) GR_GID=$(id -g)
		return 0
	fi
	[ -n "${GR_UID:-}" ] && [ "$GR_UID" -ge "$GR_UID_BASE" ] && return 0
	mkdir -p "$GR_UID_DIR" && chmod 700 "$GR_UID_DIR" || return 1
	exec {f}>"$GR_UID_DIR/.lock"
	flock "$f"
	for ((i = 0; i < GR_UID_COUNT; i++)); do
		uid=$((GR_UID_BASE + i))
		if [ -e "$GR_UID_DIR/$uid" ]; then
			holder=$(<"$GR_UID_DIR/$uid")
			kill -0 "$holder" 2>/dev/null && continue
			[ -n "$(ps -o pid= -u "$uid")" ] && continue
		fi
		getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null && continue
		echo "${GR_UID_HOLDER:-$BASHPID}" >"$GR_UID_DIR/$uid"
		GR_UID=$uid GR_GID=$uid GR_UID_OWNED=1
		break
	done
	exec {f}>&-
	[ "${GR_UID_OWNED:-0}" = 1 ]
}

# gr_user_release: give the uid back (only one we took ourselves) and
# forget it: nothing of that uid may be killed by us any more.
gr_user_release() {
	if [ "${GR_UID_OWNED:-0}" = 1 ]; then
		rm -f "$GR_UID_DIR/$GR_UID"
		GR_UID='' GR_GID=''
	fi
	GR_UID_OWNED=0
}

# gr_cg2_base: the cgroup v2 dir our student cgroups go under, with the
# controllers we could enable in it; sets GR_CG_BASE and GR_CG_MISSING.
gr_cg2_base() {
	local root c
	root=${GR_CGROUP2_BASE:-}
	if [ -z "$root" ]; then
		if [ -e /sys/fs/cgroup/cgroup.controllers ]; then root=/sys/fs/cgroup
		elif [ -e /sys/fs/cgroup/unified/cgroup.procs ]; then root=/sys/fs/cgroup/unified
		else return 1
		fi
	fi
	[ -w "$root/cgroup.procs" ] || [ -w "$root" ] || return 1
	GR_CG_BASE=$root GR_CG_MISSING=
	for c in memory pids cpu; do
		grep -qw "$c" "$root/cgroup.subtree_control" 2>/dev/null && continue
		echo "+$c" >"$root/cgroup.subtree_control" 2>/dev/null || GR_CG_MISSING+="$c "
	done
	GR_CG_MISSING=${GR_CG_MISSING% }
}

# gr_cgroups NAME: create the student's cgroups and set their limits: v1
# (pids, cpu, freezer, memory) when those hierarchies are writable, else v2
# (one dir: memory.max, pids.max, cpu.max, cgroup.freeze, cgroup.kill).
# Sets GR_CGROUPS (empty and 1 when none can be used) and GR_CGROUP_MODE.
gr_cgroups() {
	local name=$1 c d mode=$GR_CGROUP_MODE
	GR_CGROUPS=
	[ "$mode" = none ] && return 1
	if [ "$mode" = auto ] || [ "$mode" = v1 ]; then
		for c in pids cpu freezer memory; do
			[ -d /sys/fs/cgroup/$c ] && [ -w /sys/fs/cgroup/$c ] || continue
			d=/sys/fs/cgroup/$c/$name
			mkdir "$d" 2>/dev/null || continue
			case $c in
			pids) echo "$GR_PIDS_MAX" >"$d/pids.max" ;;
			cpu) echo "$GR_CPU_QUOTA" >"$d/cpu.cfs_quota_us" ;;
			memory) echo "$((GR_MEM_MAX << 20))" >"$d/memory.limit_in_bytes"
				[ -e "$d/memory.memsw.limit_in_bytes" ] &&
					echo "$((GR_MEM_MAX << 20))" >"$d/memory.memsw.limit_in_bytes" ;;
			esac
			GR_CGROUPS+="$d "
		done
		GR_CGROUPS=${GR_CGROUPS% }
		case $GR_CGROUPS in
		*/freezer/*) GR_CGROUP_MODE=v1 GR_CG_MISSING=; return 0 ;;
		esac
		gr_cgroups_remove
	fi
	[ "$mode" = v1 ] && return 1
	gr_cg2_base || return 1
	d=$GR_CG_BASE/$name
	mkdir "$d" 2>/dev/null || return 1
	[ -e "$d/memory.max" ] && echo "$((GR_MEM_MAX << 20))" >"$d/memory.max"
	[ -e "$d/memory.swap.max" ] && echo 0 >"$d/memory.swap.max"
	[ -e "$d/pids.max" ] && echo "$GR_PIDS_MAX" >"$d/pids.max"
	[ -e "$d/cpu.max" ] && echo "$GR_CPU_QUOTA 100000" >"$d/cpu.max"
	GR_CGROUPS=$d GR_CGROUP_MODE=v2
}

# gr_cgroups_remove: remove the student's cgroups, waiting (3 s at most)
# until the last killed task has been reaped and released.
gr_cgroups_remove() {
	local d deadline
	deadline=$(sc_deadline 3)
	for d in $GR_CGROUPS; do
		until rmdir "$d" 2>/dev/null || [ ! -d "$d" ] || sc_past "$deadline"; do
			sleep 0.05
		done
	done
	GR_CGROUPS=
}

# gr_freezer: the student's cgroup dir that can freeze (v1 freezer, or the
# v2 dir), if any.
gr_freezer() {
	local d
	for d in $GR_CGROUPS; do
		case $d in */freezer/*) printf '%s\n' "$d"; return 0 ;; esac
		[ -e "$d/cgroup.freeze" ] && { printf '%s\n' "$d"; return 0; }
	done
	return 1
}

# gr_frozen DIR: true once every task of the cgroup DIR is frozen.
gr_frozen() {
	if [ -e "$1/cgroup.freeze" ]; then grep -qx 'frozen 1' "$1/cgroup.events"
	else [ "$(cat "$1/freezer.state")" = FROZEN ]
	fi
}

# gr_set_frozen DIR 1|0: ask the cgroup DIR to freeze or thaw.
gr_set_frozen() {
	if [ -e "$1/cgroup.freeze" ]; then echo "$2" >"$1/cgroup.freeze"
	elif [ "$2" = 1 ]; then echo FROZEN >"$1/freezer.state"
	else echo THAWED >"$1/freezer.state"
	fi 2>/dev/null
}

# gr_freeze / gr_thaw: stop every process of the student at once (the
# freezer), so that a look at its processes and sockets is one consistent
# moment however loaded the machine is. No-ops without a freezer.
gr_freeze() {
	local fz deadline
	fz=$(gr_freezer) || return 0
	gr_set_frozen "$fz" 1 || return 0
	deadline=$(sc_deadline 3)
	until gr_frozen "$fz" || sc_past "$deadline"; do
		sleep 0.01
	done
}
gr_thaw() {
	local fz
	fz=$(gr_freezer) && gr_set_frozen "$fz" 0
	return 0
}

# gr_sb_all: every process in the student's cgroup, the sandbox's own
# (bwrap, the jail's PID 1, running as root) included.
gr_sb_all() {
	local d
	for d in $GR_CGROUPS; do
		case $d in */cpu/*|*/memory/*) continue ;; esac
		cat "$d/cgroup.procs" 2>/dev/null
		return
	done
}

# gr_sb_pids: every process of the student, as host pids: its cgroup's
# processes that run as its uid; without cgroups, the processes of its uid
# (when it has one of its own), or in the last resort the process groups
# of what we started and their descendants.
gr_sb_pids() {
	local all
	if [ -n "$GR_CGROUPS" ]; then
		all=$(gr_sb_all | paste -sd,)
		[ -n "$all" ] || return 0
		if [ "${GR_HAVE_USERS:-0}" = 1 ]; then
			ps -o pid=,uid= -p "$all" | awk -v u="$GR_UID" '$2 == u { print $1 }'
		else
			tr , '\n' <<<"$all"
		fi
		return
	fi
	if [ "${GR_HAVE_USERS:-0}" = 1 ]; then
		# a uid given back (GR_UID empty) may be another student's now
		[ "${GR_UID:-0}" -ge "$GR_UID_BASE" ] && ps -o pid= -u "$GR_UID" | tr -d ' '
		return 0
	fi
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

# gr_sb_kill: end everything the student started. With cgroup v2's
# cgroup.kill, one write; else freeze the cgroup (a fork bomb cannot outrun
# a frozen cgroup), SIGKILL every task, thaw. Without cgroups: SIGKILL in
# rounds (every process of its own uid: kill(-1) as that uid). Waits
# until nothing is left; 1 if something survived 5 s.
gr_sb_kill() {
	local fz pids deadline
	fz=$(gr_freezer) || fz=
	if [ -n "$fz" ] && [ -e "$fz/cgroup.kill" ]; then
		echo 1 >"$fz/cgroup.kill" 2>/dev/null || :
	elif [ -n "$fz" ]; then
		gr_set_frozen "$fz" 1 || :
		deadline=$(sc_deadline 2)
		until gr_frozen "$fz" || sc_past "$deadline"; do
			sleep 0.02
		done
	fi
	deadline=$(sc_deadline 5)
	while pids=$( (gr_sb_all; gr_sb_pids) | sort -u) && [ -n "$pids" ]; do
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || :
		[ "${GR_HAVE_USERS:-0}" = 1 ] && [ "${GR_UID:-0}" -ge "$GR_UID_BASE" ] &&
			{ setpriv --reuid="$GR_UID" --regid="$GR_GID" --clear-groups kill -KILL -1 2>/dev/null || :; }
		[ -n "$fz" ] && { gr_set_frozen "$fz" 0 || :; }
		sc_past "$deadline" && return 1
		sleep 0.05
	done
	[ -n "$fz" ] && { gr_set_frozen "$fz" 0 || :; }
	return 0
}

# gr_sb_args RUNDIR [DIR...]: the sandbox options every start shares: uid,
# jail (DIRs bound read-only), cgroups, limits (GR_SB_LIMITS, default
# GR_LIMITS), output cap, the folder it runs in. In the array GR_SB.
gr_sb_args() {
	local c limits=${GR_SB_LIMITS:-$GR_LIMITS}
	# without a pids cgroup, its own uid's process count is the bound
	[[ $GR_CGROUPS == */pids/* || -e ${GR_CGROUPS%% *}/pids.max ]] ||
		[ "${GR_HAVE_USERS:-0}" != 1 ] || limits+=",nproc=$GR_PIDS_MAX"
	GR_SB=(-l "$limits" -o "$GR_OUTPUT_CAP" -d "$1")
	shift
	if [ "${GR_HAVE_USERS:-0}" = 1 ]; then
		GR_SB+=(-u "$GR_UID" -g "$GR_GID")
		if [ "${GR_HAVE_JAIL:-0}" = 1 ]; then
			GR_SB+=(-j -t "$GR_TMPFS_MB")
			for c in "$@"; do GR_SB+=(-r "$c"); done
		fi
	fi
	for c in $GR_CGROUPS; do GR_SB+=(-c "$c"); done
}

# gr_start NAME TEMPLATE PORT [STDIN]: start a student program in the
# sandbox (background), in its own folder (GR_RUNDIR), its output capped
# and escaped in $D/NAME.out/.err, its exit status to $D/NAME.status once
# it ends; wait for its (host) pid and set GR_PID.
gr_start() {
	local name=$1 in=${4:-/dev/null} deadline
	gr_argv "$2" "$3"
	gr_sb_args "${GR_RUNDIR:-$(dirname "${GR_ARGV[0]}")}" "$(dirname "${GR_ARGV[0]}")" ${GR_RUNDIR:+"$GR_RUNDIR"}
	rm -f "$D/$name.pid" "$D/$name.status"
	"$GR_SANDBOX" "${GR_SB[@]}" -w 600 -p "$D/$name.pid" -s "$D/$name.status" \
		-- "${GR_ARGV[@]}" <"$in" >"$D/$name.out" 2>"$D/$name.err" 3>&- &
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

# gr_escape: standard input with control characters escaped (\xNN), for
# anything that shows what a student printed.
gr_escape() {
	"$GR_SANDBOX" -E
}

# shellcheck source=build.sh
. "$GR_TOP/scenarios/grade/build.sh"
