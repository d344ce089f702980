# shellcheck shell=bash
# procs.sh (part of lib.sh) — processes: starting them in the namespace,
# waiting for their end, ending them, the server (ours, or a student's run
# as an unprivileged user), and the process tree, read one way: from /proc.

# sc_bg OUT ERR CMD...: start CMD in the background in the namespace, stdout
# to OUT, stderr to ERR (stdin /dev/null, fd 3 closed for bats); its pid is
# remembered for cleanup and left in SC_LASTPID.
sc_bg() {
	local out=$1 err=$2
	shift 2
	"${SC_EXEC[@]}" "$@" </dev/null >"$out" 2>"$err" 3>&- &
	SC_LASTPID=$!
	SC_PIDS+=("$SC_LASTPID")
}

# sc_wait_exit PID TIMEOUT: wait until PID has exited; 1 on timeout.
sc_wait_exit() {
	local pid=$1 deadline st
	deadline=$(sc_deadline "$2")
	while kill -0 "$pid" 2>/dev/null; do
		# a zombie child of ours counts as exited
		{ read -r st <"/proc/$pid/stat"; } 2>/dev/null
		st=${st##*) }
		[ "${st:0:1}" = Z ] && return 0
		sc_past "$deadline" && return 1
		sleep 0.05
	done
}

# sc_kill PID...: SIGTERM, then SIGKILL after 2 s, for each PID still alive.
sc_kill() {
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "$@"; do
		sc_wait_exit "$pid" 2 || kill -KILL "$pid" 2>/dev/null
	done
}

# sc_server_start CMD...: start a server that prints `listening on ADDR:PORT`
# as its first stdout line (daytimed, cmdserver, a student's server wrapped
# to do so); wait for that line (10 s) and set SC_SERVER_PID, SC_HOST,
# SC_PORT. Its stdout/stderr stay in $SC_TMP/server.out and server.err.
sc_server_start() {
	local addr
	sc_bg "$SC_TMP/server.out" "$SC_TMP/server.err" "$@"
	SC_SERVER_PID=$SC_LASTPID
	sc_wait_line "$SC_TMP/server.out" '^listening on ' 10 "$SC_SERVER_PID" >/dev/null || {
		sc_say "server did not start: $*"
		sed 's/^/  server: /' "$SC_TMP/server.err" >&2
		return 1
	}
	addr=${SC_LINE#listening on }
	SC_PORT=${addr##*:}
	SC_HOST=${addr%:*}
	SC_HOST=${SC_HOST#[}
	SC_HOST=${SC_HOST%]}
}

# sc_user_server CMDLINE [HOST]: start a student's server from its command
# line (a shell line with {port} where the port goes, e.g. './servidor
# {port}'), on a port we choose, and wait until the kernel shows it
# listening there (SC_USER_WAIT seconds, default 10). Sets SC_SERVER_PID,
# SC_HOST (default 127.0.0.1), SC_PORT, SC_USER_CMD (the line as run). As
# root it runs as an unprivileged user (sc_user_bg) in the namespace.
sc_user_server() {
	local line
	SC_HOST=${2:-127.0.0.1}
	SC_PORT=$((20000 + RANDOM % 40000))
	while sc_run ss -Htan "sport = :$SC_PORT" | grep -q .; do
		SC_PORT=$((20000 + RANDOM % 40000))
	done
	line=${1//\{port\}/$SC_PORT}
	SC_USER_CMD=${line//\{host\}/$SC_HOST}
	sc_user_bg "$SC_TMP/server.out" "$SC_TMP/server.err" "$SC_USER_CMD" || return 1
	SC_SERVER_PID=$SC_LASTPID
	sc_wait_snapshot '[.sockets[] | select(.state == "LISTEN")] | length > 0' \
		"${SC_USER_WAIT:-10}" "$SC_PORT" >/dev/null || {
		sc_say "the server is not listening on port $SC_PORT: $SC_USER_CMD"
		sed 's/^/  server: /' "$SC_TMP/server.err" >&2
		return 1
	}
}

# sc_user_bg OUT ERR CMDLINE [STARTER]: start a student's command line with
# sc_bg (or STARTER, called like sc_bg: sc_client_start's NAME takes OUT's
# place then). Not root: as it is. Root: as the user SC_USER (default
# nobody) with no capabilities and no way to gain any (setpriv
# --no-new-privs), limits on file size (64 MiB), core dumps (none) and
# address space (1 GiB; SC_STUDENT_AS bytes, or unlimited for `make asan`, whose
# sanitized programs reserve more), in a directory of its own where every word of
# CMDLINE that names an existing file has been copied (so `./servidor`
# under /root works). Isolation: the network namespace (its own lo), the
# uid and no capabilities; the filesystem is the host's as that user sees
# it, and there is no memory limit beyond the address space.
sc_user_bg() {
	local out=$1 err=$2 line=$3 start=${4:-sc_bg} dir=$SC_TMP/user w words cmd user group
	if [ "$(id -u)" -ne 0 ]; then
		"$start" "$out" "$err" sh -c "exec $line"
		return
	fi
	user=${SC_USER:-nobody}
	group=$(id -gn "$user" 2>/dev/null) || group=nogroup
	mkdir -p "$dir" && chmod 711 "$SC_TMP" && chmod 755 "$dir" && chown "$user:$group" "$dir" || return 1
	read -r -a words <<<"$line"
	cmd=$line
	for w in "${words[@]}"; do
		[ -f "$w" ] || continue
		cp -p "$w" "$dir/" && chmod a+rX "$dir/${w##*/}" || return 1
		cmd=${cmd//"$w"/"./${w##*/}"}
	done
	"$start" "$out" "$err" setpriv --reuid="$user" --regid="$group" --clear-groups \
		--no-new-privs --inh-caps=-all --bounding-set=-all \
		prlimit --fsize=67108864 --core=0 --as="${SC_STUDENT_AS:-1073741824}" -- sh -c "cd '$dir' && exec $cmd"
}

# sc_stop SIGNAL: the run is over: stop the observer (its report is then
# complete) and the server with SIGNAL (ours stop on INT; a student's
# server, started in the background with SIGINT ignored, on TERM).
sc_stop() {
	sc_observe_stop
	kill "-$1" "$SC_SERVER_PID" 2>/dev/null
	sc_wait_exit "$SC_SERVER_PID" 5 || sc_say "the server did not exit on SIG$1"
}

# sc_server_json [LOGFILE]: the server as JSON on stdout: {pid, stdout,
# stderr, log} (lines; log = LOGFILE's lines, or stderr's without one).
sc_server_json() {
	local log=${1:-$SC_TMP/server.err}
	jq -n --argjson pid "$SC_SERVER_PID" \
		--rawfile out "$SC_TMP/server.out" --rawfile err "$SC_TMP/server.err" \
		--rawfile log "$log" '
		def lines: split("\n") | map(select(length > 0));
		{pid: $pid, stdout: ($out | lines), stderr: ($err | lines), log: ($log | lines)}'
}

# sc_ptree PID: the process tree under PID as JSON: {"root": PID, "text":
# the tree drawn as `pstree -pA PID` draws it, "processes": [{pid, ppid,
# stat, start, comm, args}]} with PID first and its descendants after, in pid
# order. The one way tcplab reads a process tree: descendants through
# /proc/PID/task/*/children (a listing of all of /proc was seen to miss
# live processes on a machine busy forking), each read from /proc/PID/stat
# and cmdline; stat is the state letter (Z: a zombie), start the start time
# in clock ticks after boot (a pid and its start name one process: pids
# are reused, within minutes on a busy machine).
sc_ptree() {
	sc_proc_rows "$1"
	{ [ "${#SC_PROC_ROWS[@]}" -gt 0 ] && printf '%s\n' "${SC_PROC_ROWS[@]}"; } |
	jq -Rn --argjson root "$1" -f "$SC_TOP/scenarios/lib/ptree.jq"
}

# sc_proc_rows PID...: the walk behind sc_ptree, for any number of roots,
# in this shell (no subshell of ours joins the tree it reads): SC_PROC_ROWS
# gets one tab-separated row per live process (pid, ppid, state letter,
# start, comm, args), the roots first, then their descendants by level.
sc_proc_rows() {
	local todo=("$@") next pid kid f stat comm st ppid start argv
	SC_PROC_ROWS=()
	while [ "${#todo[@]}" -gt 0 ]; do
		next=()
		for pid in "${todo[@]}"; do
			{ IFS= read -r stat <"/proc/$pid/stat"; } 2>/dev/null || continue
			comm=${stat#*(} comm=${comm%)*}
			read -r -a f <<<"${stat##*) }"
			st=${f[0]} ppid=${f[1]} start=${f[19]}
			argv=()
			{ mapfile -d '' -t argv <"/proc/$pid/cmdline"; } 2>/dev/null
			[ "${#argv[@]}" -gt 0 ] || argv=("[$comm]")
			f="${argv[*]}"
			SC_PROC_ROWS+=("$pid	$ppid	$st	$start	${comm//	/ }	${f//	/ }")
			for f in /proc/"$pid"/task/*/children; do
				kid=()
				{ read -r -a kid <"$f"; } 2>/dev/null	# no newline: status 1
				next+=("${kid[@]}")
			done
		done
		todo=("${next[@]}")
	done
}

# sc_wait_children N TIMEOUT [PID]: wait until PID (default the server) has
# exactly N descendant processes; 1 on timeout.
sc_wait_children() {
	local n=$1 deadline root=${3:-$SC_SERVER_PID}
	deadline=$(sc_deadline "$2")
	until [ "$(sc_ptree "$root" | jq '.processes | length - 1')" -eq "$n" ]; do
		sc_past "$deadline" && return 1
		sleep 0.1
	done
}
