#!/usr/bin/env bash
# checks.sh N — one rubric check against a student's server (and client),
# run by scenarios/grade.sh inside the student's network namespace, under a
# wall-time limit. Every check starts its own fresh server on a port of its
# own, so checks never see each other's children, zombies or TIME_WAITs;
# grade.sh kills everything the student started after each check.
# It writes $GR_OUT/NN-slug/result.json (score, pass/fail, the evidence in
# words) next to the evidence itself: server output, our clients' event
# logs, the capture and its tcpobserve report, kernel snapshots, process
# trees. The rubric and its reasons are in grading-readme (README).
set -u
GR_TOP=${GR_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$GR_TOP/scenarios/grade/lib.sh"

GR_CHECK=$1
HM=$GR_HOLD_MAX
export HM
P=$((GR_PORTBASE + GR_CHECK))
declare -A GR_PFD=() GR_PPID=()
GR_HELPERS=()
NAMES=("" "starts and listens on the given port"
	"serves one client: data, then the server's FIN"
	"serves two clients concurrently"
	"one child process per client"
	"reaps its children: no zombies"
	"the parent closes its copy of the connected socket"
	"the children close the listening socket"
	"restarts at once while TIME_WAIT remains (SO_REUSEADDR)"
	"keeps serving after clients that reset"
	"the client closes actively and ends in TIME_WAIT")
SLUGS=("" listen one-client concurrent children reaping parent-closes
	child-closes-listen restart reset client-close)
GR_NAME="$GR_CHECK. ${NAMES[GR_CHECK]}"
D=$GR_OUT/$(printf %02d "$GR_CHECK")-${SLUGS[GR_CHECK]}
SC_TMP=$D SC_NAME=grade
mkdir -p "$D"
cd "$D" || exit 1

cleanup() {
	sc_observe_stop
	local p
	for p in "${GR_HELPERS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -f "$D"/*.in	# our command fifos: not evidence
}
trap cleanup EXIT

# start_server [NAME]: start the student's server on P and wait until it
# listens; on failure, fail the check with what the server said.
start_server() {
	local name=${1:-server}
	if ! gr_start "$name" "$GR_SERVER" "$P" || ! gr_wait_listen "$name" "$P" 3; then
		gr_result failed "the server did not listen on port $P within 3 s ($(gr_status "$name")): $(head -c 300 "$D/$name.err" | tr '\n' ' ')— see check 1"
		exit 0
	fi
}

# missed_window SNAPSHOT: checks 4, 5 and 7 look at the processes while
# the clients are being served, with the student's processes frozen (one
# consistent moment, GR_LOOK). The look proves something only if it came
# within 1.5 s of the first data (the lab's hold is about 2 s: every child
# is still there) and no connection had been closed by the server yet (the
# frozen snapshot; without a freezer, our clients' end-of-file times).
# Otherwise (a very loaded machine): on the first attempt return 1 and the
# check runs again from scratch; on the second fail saying so.
missed_window() {
	local first closing
	first=$(awk '$3 == "data" { print $1; exit }' "$D/clients.log")
	if gr_freezer >/dev/null; then
		closing=$(jq -r --argjson p "$P" '[.sockets[] | select(.local.port == $p and
			(.state | IN("FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSING", "LAST_ACK")))] | length' "$D/$1")
	else
		closing=$(awk -v t="$GR_LOOK" '$3 == "eof" && $1 < t' "$D/clients.log" | wc -l)
	fi
	if [ "${closing:-0}" -eq 0 ] && { [ -z "$first" ] ||
		awk -v a="$first" -v b="$GR_LOOK" 'BEGIN { exit !(b - a <= 1.5) }'; }; then
		return 0
	fi
	gr_thaw
	[ "$GR_ATTEMPT" -eq 1 ] && return 1
	gr_result failed "twice, the processes could not be inspected within 1.5 s of the first data, while every client was still being served (machine overloaded?)"
	exit 0
}

# wait_data N: wait for the first data on our probe "clients" (3 s), then
# for N in all until 0.8 s after that first data: a fork server has served
# them all by then, and the look that follows still falls inside the hold.
wait_data() {
	local first left
	gr_wait_count clients data 1 3 || return 1
	first=$(awk '$3 == "data" { print $1; exit }' "$D/clients.log")
	left=$(awk -v a="$first" -v n="$EPOCHREALTIME" 'BEGIN { x = a + 0.8 - n; printf "%.2f", x < 0 ? 0 : x }')
	gr_wait_count clients data "$1" "$left"
}

# none_served: true (after failing the check) when no client got any data:
# then there is nothing to judge about children.
none_served() {
	[ "$(gr_count clients data)" -gt 0 ] && return 1
	gr_thaw
	kill -CONT "$GR_PID" 2>/dev/null
	gr_probe_end clients
	gr_result failed "the server served no client within 3 s: nothing to judge"
	return 0
}

# stop_parent: SIGSTOP the server parent and wait until it is stopped.
stop_parent() {
	local deadline
	kill -STOP "$GR_PID" 2>/dev/null
	deadline=$(sc_deadline 1)
	until [ "$(awk '{ print $3 }' "/proc/$GR_PID/stat" 2>/dev/null)" = T ] || sc_past "$deadline"; do
		sleep 0.01
	done
}

# who SNAPSHOT PORT: the server-side sockets of PORT in words, each holder
# named as the parent (the server we started) or one of its children:
# ":40312 ESTABLISHED held by pid 100 (parent)".
who() {
	jq -r --argjson p "$2" --argjson parent "${GR_PID:-0}" '[.sockets[] | select(.local.port == $p and .state != "LISTEN")
		| ":\(.remote.port) \(.state) held by \(if (.procs | length) > 0
			then "pid " + ([.procs[] | "\(.pid) (\(if .pid == $parent then "the parent" else "a child" end))"] | join(", ")) else "no process" end)"]
		| join("; ")' "$D/$1" 2>/dev/null
}

check_1() {
	local owners
	start_server
	gr_snap snapshot.json "$P"
	sc_ptree "$GR_PID" >ptree.json
	owners=$(jq -r --argjson p "$P" '[.sockets[] | select(.state == "LISTEN" and .local.port == $p)
		| "\(.local.addr):\(.local.port) inode \(.inode), held by \([.procs[] | "pid \(.pid) (\(.comm))"] | join(", "))"]
		| join("; ")' snapshot.json)
	gr_result passed "LISTEN on ${owners:-port $P}; server pid $GR_PID"
}

check_2() {
	local c data sfin text held hint
	start_server
	gr_observe "$P"
	gr_probe client -n 1 -t 60 127.0.0.1 "$P"
	if gr_wait_count client data 1 "$HM"; then
		gr_wait_count client eof 1 "$HM" ||
			{ gr_snap snapshot-held.json "$P"; sc_ptree "$GR_PID" >ptree.json; }
	fi
	gr_probe_end client
	sc_observe_stop
	c=$(gr_conns client | jq '.[0]')
	data=$(jq -r '.data // empty' <<<"$c") sfin=$(jq -r '.sfin // empty' <<<"$c")
	text=$(jq -r '.text // empty' <<<"$c")
	if [ -z "$data" ]; then
		gr_result failed "no data from the server within $HM s of connecting ($(gr_status server))"
	elif [ -z "$sfin" ] || jq -e '.rst or (.cfin != null and .cfin < .sfin)' <<<"$c" >/dev/null; then
		held=$(who snapshot-held.json "$P")
		case $held in
		*"a child"*) hint="the child that serves it still holds it open: the server never closes first" ;;
		*"the parent"*) hint="only the parent holds it: the child is done, but the parent never closed its copy" ;;
		*) hint="" ;;
		esac
		gr_result failed "data \"$text\" at $(gr_rel "$data" "$data"), but no FIN from the server within $HM s after it: the connection stays open ($held)${hint:+: $hint}"
	else
		gr_result passed "data \"$text\" at $(gr_rel "$data" "$data"), then the server's FIN at $(gr_rel "$sfin" "$data") (source: $(jq -r .source <<<"$c")): the server closed first"
	fi
}

check_3() {
	local cs verdict
	start_server
	gr_observe "$P"
	gr_probe clients -n 2 -t 60 127.0.0.1 "$P"
	gr_wait_count clients data 2 $((HM + 2)) &&
		gr_wait_count clients eof 2 "$HM"
	gr_probe_end clients
	sc_observe_stop
	cs=$(gr_conns clients)
	echo "$cs" >connections.json
	verdict=$(jq -r '
		def f3: (. * 1000 | round) as $m | "\($m / 1000 | floor).\("00\($m % 1000)"[-3:])";
		def r(t): if t == null then "never" else "+\(t - .[0].data | f3) s" end;
		sort_by(.data // 1e18) as $c
		| if ($c | length) < 2 or $c[1].data == null then
			"failed\tonly \([$c[] | select(.data != null)] | length) of 2 clients got data within \(env.HM | tonumber + 2) s: not served concurrently"
		  else ($c[1].data - $c[0].data) as $gap
			| "\(if $gap < 1 and ($c[0].sfin == null or $c[0].sfin > $c[1].data) then "passed" else "failed" end)\tclient :\($c[0].cport) got data at +0.000 s, client :\($c[1].cport) at \($c | r(.[1].data)) (\($gap | f3) s apart); the first connection got the server FIN at \($c | r(.[0].sfin))\(if $gap < 1 then ": both served at once" else ": served one after the other (iterative)" end) (source: \($c[0].source))"
		  end' <<<"$cs")
	gr_result "${verdict%%$'\t'*}" "${verdict#*$'\t'}"
}

check_4() {
	local kids n owners verdict
	start_server
	gr_probe clients -n 3 -t 60 127.0.0.1 "$P"
	wait_data 3
	gr_freeze
	GR_LOOK=$EPOCHREALTIME
	sc_ptree "$GR_PID" >ptree.json
	gr_snap snapshot.json "$P"
	none_served && return
	missed_window snapshot.json || return 3
	gr_thaw
	gr_probe_end clients
	kids=$(jq -c --argjson r "$GR_PID" '[.processes[] | select(.pid != $r and (.stat | startswith("Z") | not)) | .pid]' ptree.json)
	verdict=$(jq -r --argjson p "$P" --argjson kids "$kids" --argjson parent "$GR_PID" '
		[.sockets[] | select(.local.port == $p and .state != "LISTEN")] as $c
		| [$c[] | [.procs[].pid] - [$parent] | map(select(. as $x | $kids | index($x)))] as $owners
		| ([$owners[] | select(length > 0)] | length) as $served
		| ([$owners[][]] | unique | length) as $distinct
		| (.sockets[] | select(.state == "LISTEN" and .local.port == $p) | .recv_q) as $backlog
		| "\(if ($c | length) == 3 and $served == 3 and $distinct >= 3 then "passed" else "failed" end)\t3 clients connected; \($kids | length) live child process(es) of parent \($parent); \([$c[] | ":\(.remote.port) held by \(if (.procs | length) > 0 then ([.procs[] | "\(.pid)\(if .pid == $parent then " (parent)" else "" end)"] | join(",")) else "nobody (waiting in the backlog)" end)"] | join("; "))\(if ($backlog // 0) > 0 then "; LISTEN Recv-Q \($backlog): accept() not called for them yet" else "" end)"' snapshot.json 2>/dev/null)
	[ -n "$verdict" ] || verdict=$'failed\tno snapshot of the connections could be taken'
	gr_result "${verdict%%$'\t'*}" "${verdict#*$'\t'} — process tree: $(jq -r '.root as $r
		| "\(.processes[] | select(.pid == $r) | "\(.pid) \(.comm)")\([.processes[] | select(.pid != $r) | "\(.pid) (\(.stat))"] | if length > 0 then " -> " + join(", ") else " (no children)" end)"' ptree.json)"
}

# sigchld PID: how PID handles SIGCHLD, from /proc/PID/status.
sigchld() {
	local cgt ign
	cgt=$(awk '/^SigCgt/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	ign=$(awk '/^SigIgn/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$cgt" ] || { echo "unknown"; return; }
	if (( 0x$cgt & (1 << 16) )); then echo "caught by a handler"
	elif (( 0x$ign & (1 << 16) )); then echo "ignored (SIG_IGN: the kernel reaps)"
	else echo "not caught (no handler)"; fi
}

check_5() {
	local kids k z how served deadline
	start_server
	gr_probe clients -n 10 -t 60 127.0.0.1 "$P"
	wait_data 10
	# Stop the parent first: the children that finish from now on finish
	# while it is stopped, and their SIGCHLDs merge into one pending
	# signal, as when they finish at the same instant.
	stop_parent
	gr_freeze
	GR_LOOK=$EPOCHREALTIME
	sc_ptree "$GR_PID" >ptree-serving.json
	gr_snap snapshot-serving.json "$P"
	none_served && return
	missed_window snapshot-serving.json || return 3
	kids=$(jq -r --argjson r "$GR_PID" '.processes[] | select(.pid != $r and (.stat | startswith("Z") | not)) | .pid' ptree-serving.json | tr '\n' ' ')
	k=$(wc -w <<<"$kids")
	served=$(gr_count clients data)
	how=$(sigchld "$GR_PID")
	if [ "$k" -eq 0 ]; then
		gr_thaw
		kill -CONT "$GR_PID"
		gr_probe_end clients
		sleep 0.5
		z=$(gr_zombies "$GR_PID" | tr '\n' ' ')
		if [ -z "$z" ]; then
			gr_result passed "no child processes while $served of 10 clients were served (an iterative server): nothing to reap, no zombie"
		else
			gr_result failed "zombie children of $GR_PID: $z"
		fi
		return
	fi
	gr_thaw
	deadline=$(sc_deadline $((HM + 1)))
	while [ -n "$(for p in $kids; do case $(ps -o stat= -p "$p" 2>/dev/null) in ''|Z*) ;; *) echo "$p" ;; esac; done)" ]; do
		sc_past "$deadline" && break
		sleep 0.05
	done
	gr_probe_end clients	# children that wait for the client's close end now
	deadline=$(sc_deadline 2)
	while [ -n "$(for p in $kids; do case $(ps -o stat= -p "$p" 2>/dev/null) in ''|Z*) ;; *) echo "$p" ;; esac; done)" ]; do
		sc_past "$deadline" && break
		sleep 0.05
	done
	sc_ptree "$GR_PID" >ptree-stopped.json
	kill -CONT "$GR_PID"
	deadline=$(sc_deadline 1.5)
	while z=$(gr_zombies "$GR_PID" | tr '\n' ' ') && [ -n "$z" ] && ! sc_past "$deadline"; do
		sleep 0.05
	done
	sc_ptree "$GR_PID" >ptree-after.json
	if [ -z "$z" ]; then
		gr_result passed "$k children (pids ${kids% }) finished while the parent was stopped (one SIGCHLD for all of them, as when they finish at the same instant); after SIGCONT none is left a zombie. SIGCHLD: $how"
	else
		gr_result failed "$(wc -w <<<"$z") of $k finished children are zombies 1.5 s after the parent resumed (pids ${z% }). SIGCHLD: $how$(case $how in caught*) echo ": the handler reaps only one child per signal, but signals do not queue: loop while (waitpid(-1, &status, WNOHANG) > 0)" ;; not*) echo ": nobody calls wait(): install a SIGCHLD handler with a waitpid(-1, &status, WNOHANG) loop" ;; esac)"
	fi
}

check_6() {
	local cs verdict
	start_server
	gr_observe "$P"
	gr_probe clients -n 2 -t 60 127.0.0.1 "$P"
	gr_wait_count clients data 2 $((2 * HM + 2)) &&
		gr_wait_count clients eof 2 "$HM"
	if [ "$(gr_count clients eof)" -lt 2 ]; then
		gr_snap snapshot-held.json "$P"
		sc_ptree "$GR_PID" >ptree-held.json
		gr_tell clients shut	# our FIN: a child waiting for it finishes now
		gr_wait_count clients eof 2 2
		gr_snap snapshot-after-client-fin.json "$P"
	fi
	gr_probe_end clients
	sc_observe_stop
	cs=$(gr_conns clients)
	echo "$cs" >connections.json
	verdict=$(jq -r --arg held "$(who snapshot-held.json "$P")" --arg after "$(who snapshot-after-client-fin.json "$P")" '
		def f3: (. * 1000 | round) as $m | "\($m / 1000 | floor).\("00\($m % 1000)"[-3:])";
		[.[] | select(.data != null)] as $c
		| if ($c | length) < 2 then "failed\tonly \($c | length) of 2 clients were served"
		  elif all($c[]; .sfin != null) then
			"passed\tevery connection got the server FIN: \([$c[] | ":\(.cport) at +\(.sfin - .data | f3) s after its data\(if .cfin != null and .cfin < .sfin then " (after our FIN: the child held it until the client closed)" else "" end)"] | join("; "))"
		  else "failed\t\([$c[] | select(.sfin == null)] | length) connection(s) never got the server FIN, even after the child was done and the client closed its side; the server side stays open: \($held) — then \($after): the parent keeps its copy of the connected socket (close(connfd) in the parent after fork)"
		  end' <<<"$cs")
	gr_result "${verdict%%$'\t'*}" "${verdict#*$'\t'}"
}

check_7() {
	local inode kids holders p
	start_server
	gr_probe clients -n 2 -t 60 127.0.0.1 "$P"
	wait_data 2
	sleep 0.05	# a child may close the listening socket just after writing
	gr_freeze
	GR_LOOK=$EPOCHREALTIME
	sc_ptree "$GR_PID" >ptree.json
	kids=$(jq -r --argjson r "$GR_PID" '.processes[] | select(.pid != $r and (.stat | startswith("Z") | not)) | .pid' ptree.json | tr '\n' ' ')
	for p in $kids; do ls -l "/proc/$p/fd" 2>/dev/null | sed "s|^|$p: |"; done >children-fds.txt
	gr_snap snapshot.json "$P"
	inode=$(jq -r --argjson p "$P" '[.sockets[] | select(.state == "LISTEN" and .local.port == $p) | .inode][0] // empty' snapshot.json)
	holders=$(awk -v s="socket:[$inode]" '$NF == s { sub(":", "", $1); printf "/proc/%s/fd/%s -> %s ", $1, $(NF - 2), s }' children-fds.txt)
	none_served && return
	missed_window snapshot.json || return 3
	gr_thaw
	gr_probe_end clients
	if [ -z "$inode" ]; then
		gr_result failed "no listening socket on port $P found"
	elif [ -z "$kids" ]; then
		gr_result passed "no child processes (an iterative server): only the server itself holds the listening socket (inode $inode)"
	elif [ -z "$holders" ]; then
		gr_result passed "listening socket inode $inode is held by $(jq -r --argjson p "$P" '[.sockets[] | select(.state == "LISTEN" and .local.port == $p) | .procs[].pid] | join(",")' snapshot.json) only; none of the children ($kids) has it among its fds"
	else
		gr_result failed "the children still hold the listening socket (inode $inode): $holders— close(listenfd) in the child after fork"
	fi
}

check_8() {
	local tw st
	start_server first
	gr_probe client1 -n 1 -t 60 127.0.0.1 "$P"
	if ! gr_wait_count client1 data 1 $((HM + 2)); then
		gr_result failed "the first server served no client, so no TIME_WAIT could be made ($(gr_status first))"
		return
	fi
	# Stop the whole server while the connection is held: the kernel sends
	# its FIN, our client answers, the server's side goes to TIME_WAIT.
	gr_sb_kill
	gr_wait_count client1 eof 1 2
	gr_probe_end client1
	sc_wait_snapshot "[.sockets[] | select(.local.port == $P and .state == \"TIME_WAIT\")] | length > 0" 3 "$P" >snapshot-before-restart.json
	tw=$(jq -r --argjson p "$P" '[.sockets[] | select(.local.port == $p and .state == "TIME_WAIT")
		| "\(.local.addr):\(.local.port) -> \(.remote.addr):\(.remote.port) TIME_WAIT (\(.timer.left // "?") s left)"] | join("; ")' snapshot-before-restart.json)
	if [ -z "$tw" ]; then
		gr_result failed "no TIME_WAIT socket on port $P after stopping the first server: cannot test the restart"
		return
	fi
	if ! gr_start server "$GR_SERVER" "$P" || ! gr_wait_listen server "$P" 3; then
		st=$(gr_status server)
		gr_result failed "restarted at once while $tw remained: the new server did not listen ($st): $(head -c 300 "$D/server.err" | tr '\n' ' ')— set SO_REUSEADDR before bind()"
		return
	fi
	gr_probe client2 -n 1 -t 60 127.0.0.1 "$P"
	if gr_wait_count client2 data 1 "$HM"; then
		gr_result passed "restarted on port $P at once while $tw remained; the new server (pid $GR_PID) listens and served a client"
	else
		gr_result failed "restarted while $tw remained and listens, but served no client within $HM s"
	fi
	gr_probe_end client2
}

check_9() {
	local alive
	start_server
	gr_observe "$P"
	# Reset before accept: the connection completes in the backlog while
	# the server is stopped, then our RST arrives before accept() returns.
	kill -STOP "$GR_PID"
	gr_probe before -n 1 -r before -t 10 127.0.0.1 "$P"
	gr_wait_count before reset 1 3
	kill -CONT "$GR_PID"
	gr_probe during -n 1 -r data -t 60 127.0.0.1 "$P"
	gr_wait_count during reset 1 $((2 * HM + 2))
	gr_probe after -n 1 -t 60 127.0.0.1 "$P"
	gr_wait_count after data 1 $((2 * HM + 2))
	sleep 0.2
	gr_probe_end before; gr_probe_end during; gr_probe_end after
	sc_observe_stop
	gr_conns before during after >connections.json
	alive=$(gr_status server)
	if [ "$alive" = running ] && [ "$(gr_count after data)" -eq 1 ]; then
		gr_result passed "a client reset its connection before accept(), another right after its data; the server (pid $GR_PID) is still running and served the next client: \"$(jq -r '[.[] | select(.probe == "after") | .text][0]' connections.json)\""
	elif [ "$alive" != running ]; then
		gr_result failed "after clients that reset their connections the server $alive$(case $alive in *signal\ 13*) echo ": SIGPIPE from writing to a reset connection kills the process that writes: ignore SIGPIPE or serve in a child" ;; esac)"
	else
		gr_result failed "after clients that reset their connections the server runs but did not serve the next client within $((2 * HM + 2)) s"
	fi
}

check_10() {
	local fd cport tw
	if [ -z "${GR_CLIENT:-}" ] && [ "${GR_REQUIRE_CLIENT:-0}" = 1 ]; then
		gr_result failed "no client was given, and a client is required"
		return
	elif [ -z "${GR_CLIENT:-}" ]; then
		GR_MAX=0 gr_result failed "not graded: no client was given"
		return
	fi
	gr_observe "$P"
	"$GR_PROBE" listen -t 30 "$P" >peer.log 2>&1 3>&- &
	GR_HELPERS+=("$!")
	GR_PPID[peer]=$!
	sc_wait_line "$D/peer.log" ' listening ' 3 >/dev/null
	mkfifo client.in
	exec {fd}<>client.in
	gr_start client "$GR_CLIENT" "$P" client.in
	if ! gr_wait_count peer accepted 1 3; then
		gr_result failed "the client did not connect to 127.0.0.1:$P within 3 s ($(gr_status client)): $(head -c 300 client.err | tr '\n' ' ')"
		return
	fi
	cport=$(awk '$3 == "accepted" { sub("rport=", "", $4); print $4 }' peer.log)
	sleep 0.5
	if [ "$(gr_count peer eof)" -gt 0 ]; then
		gr_result failed "the client (port $cport) closed the connection before it was told to (before \`exit\` was typed)"
		return
	fi
	printf 'exit\n' >&"$fd"
	if ! gr_wait_count peer eof 1 3; then
		gr_snap snapshot.json "$P"
		gr_result failed "\`exit\` typed: the client did not close its connection (port $cport) within 3 s ($(gr_status client))"
		return
	fi
	sc_wait_snapshot "[.sockets[] | select(.local.port == $cport and .state == \"TIME_WAIT\")] | length > 0" 3 "$P" >snapshot.json
	sc_observe_stop
	tw=$(jq -r --argjson c "$cport" '[.sockets[] | select(.local.port == $c) | "\(.local.addr):\(.local.port) \(.state)\(if .timer then " (\(.timer.left) s left)" else "" end)"] | join("; ")' snapshot.json)
	if [ "$(gr_count peer rst)" -gt 0 ]; then
		gr_result failed "the client reset the connection (RST) instead of closing it with a FIN"
	elif grep -q TIME_WAIT <<<"$tw"; then
		gr_result passed "\`exit\` typed: the client sent the first FIN (port $cport), our peer closed after it, and the client's side is $tw"
	else
		gr_result failed "\`exit\` typed: the client closed, but its side is not in TIME_WAIT: ${tw:-no socket of port $cport left}"
	fi
}

# Run the check; a check whose observation window was missed (status 3)
# runs once more, from scratch, after everything of the first try is gone.
for GR_ATTEMPT in 1 2; do
	"check_$GR_CHECK"
	[ $? -eq 3 ] || break
	cleanup
	GR_HELPERS=()
	gr_sb_kill
	mv "$D" "$D.missed-try1" && mkdir -p "$D" && cd "$D" || exit 1
done
