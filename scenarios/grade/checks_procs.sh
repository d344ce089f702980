# shellcheck shell=bash
# checks_procs.sh — the checks that judge the server's processes while
# (and after) clients are served: 4 (a child per client), 5 (reaping),
# 7 (the children close the listening socket) and 12 (each child exits
# after its client). Sourced by checks.sh.

# tree FILE: the process tree of FILE on one line (checks.jq tree_words).
tree() {
	gr_jq -r tree_words "$1" 2>/dev/null
}

check_4() {
	local kids v
	start_server
	no_hold "a child per client" && return
	probe clients 3
	wait_data 3
	look snapshot.json ptree.json
	none_served && return
	missed_window snapshot.json || return 3
	server_gone && return
	gr_thaw
	gr_probe_end clients
	kids=$(gr_jq -c live_children ptree.json)
	v=$(gr_jq --argjson p "$LP" --argjson r "$GR_PID" --argjson k "$kids" 'check4($p; $r; $k)' snapshot.json)
	[ -n "$v" ] || v='{"status": "failed", "output": "no snapshot of the connections could be taken"}'
	judge "$(jq --arg t "$(tree ptree.json)" '.output += " — process tree: " + $t' <<<"$v")"
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

# stop_parent: SIGSTOP the server parent and wait until it is stopped.
stop_parent() {
	local deadline
	server_signal STOP
	deadline=$(sc_deadline 2)
	until [ "$(awk '{ print $3 }' "/proc/$GR_PID/stat" 2>/dev/null)" = T ] || sc_past "$deadline"; do
		sleep 0.01
	done
}

# zombies_after SECONDS: wait until the parent has no zombie child (or the
# time is up); print the zombies left.
zombies_after() {
	local deadline z
	deadline=$(sc_deadline "$1")
	while z=$(gr_zombies "$GR_PID" | tr '\n' ' ') && [ -n "$z" ] && ! sc_past "$deadline"; do
		sleep 0.05
	done
	printf '%s' "$z"
}

check_5() {
	local kids k alive fin z how p
	start_server
	no_hold "children finishing together" && return
	probe clients 10
	wait_data 10
	# Stop the parent first: the children that finish from now on finish
	# while it is stopped, and their SIGCHLDs merge into one pending
	# signal, as when they finish at the same instant.
	stop_parent
	look snapshot-serving.json ptree-serving.json
	none_served && return
	missed_window snapshot-serving.json || { server_signal CONT; return 3; }
	server_gone && return
	kids=$(gr_jq -r 'live_children | .[]' ptree-serving.json | tr '\n' ' ')
	k=$(wc -w <<<"$kids")
	how=$(sigchld "$GR_PID")
	gr_thaw
	wait_children_gone $((HW + 1)) $kids
	gr_probe_end clients	# children that wait for the client's close end now
	wait_children_gone 2 $kids
	sc_ptree "$GR_PID" >ptree-stopped.json
	alive=$(children_alive $kids)
	fin=$(wc -w <<<"$kids")
	fin=$((fin - $(wc -w <<<"$alive")))
	server_signal CONT
	z=$(zombies_after 3)
	# judged on the children seen serving (one that finished before the
	# look was reaped, or not, by a signal of its own)
	z=$(for p in $z; do [[ " $kids " == *" $p "* ]] && printf '%s ' "$p"; done)
	sc_ptree "$GR_PID" >ptree-after.json
	if [ -s server.status ]; then
		ungraded "the server ended once resumed, before its children could be seen reaped$(died)"
	elif [ "$k" -gt 0 ] && [ "$fin" -eq 0 ]; then
		ungraded "none of the $k children exited (still alive: ${alive% }): nothing to reap (see check 12)"
	elif [ -z "$z" ] && [ "$k" -eq 0 ]; then
		pass "no live child process while $(gr_count clients data) of 10 clients were served (an iterative \
server, or children already gone): no zombie after SIGCONT. SIGCHLD: $how"
	elif [ -z "$z" ]; then
		pass "$fin of $k children finished while the parent was stopped (one SIGCHLD for all of them, as \
when they finish at the same instant); after SIGCONT none is left a zombie$(
			[ -n "$alive" ] && echo " (still alive, not judged: ${alive% })"). SIGCHLD: $how"
	else
		fail "$(wc -w <<<"$z") of $fin finished children are zombies 3 s after the parent resumed \
(pids ${z% }). SIGCHLD: $how$(case $how in
			caught*) echo ": the handler reaps only one child per signal, but signals do not queue:" \
				"loop while (waitpid(-1, &status, WNOHANG) > 0)" ;;
			not*) echo ": nobody calls wait(): install a SIGCHLD handler with a waitpid(-1, &status, WNOHANG) loop" ;; esac)"
	fi
}

check_7() {
	local inode kids holders p
	start_server
	no_hold "the children's descriptors" && return
	probe clients 2
	wait_data 2
	look snapshot.json ptree.json
	kids=$(gr_jq -r 'live_children | .[]' ptree.json | tr '\n' ' ')
	for p in $kids; do ls -l "/proc/$p/fd" 2>/dev/null | sed "s|^|$p: |"; done >children-fds.txt
	inode=$(jq -r --argjson p "$LP" '[.sockets[] | select(.state == "LISTEN" and .local.port == $p)
		| .inode][0] // empty' snapshot.json)
	holders=$(awk -v s="socket:[$inode]" '$NF == s { sub(":", "", $1)
		printf "/proc/%s/fd/%s -> %s ", $1, $(NF - 2), s }' children-fds.txt)
	none_served && return
	missed_window snapshot.json || return 3
	server_gone && return
	gr_thaw
	gr_probe_end clients
	if [ -z "$inode" ]; then
		fail "no listening socket on port $LP found"
	elif [ -z "$kids" ]; then
		pass "no child processes (an iterative server): only the server itself holds the listening socket (inode $inode)"
	elif [ -z "$holders" ]; then
		pass "listening socket inode $inode is held by $(jq -r --argjson p "$LP" '[.sockets[]
			| select(.state == "LISTEN" and .local.port == $p) | .procs[].pid] | join(",")' snapshot.json
		) only; none of the children (${kids% }) has it among its fds"
	else
		fail "the children still hold the listening socket (inode $inode): $holders— \
close(listenfd) in the child after fork"
	fi
}

# where PID: what a live process is doing, from /proc/PID/wchan.
where() {
	case $(cat "/proc/$1/wchan" 2>/dev/null) in
	*accept*) echo ", waiting in accept()" ;;
	*) ;;
	esac
}

check_12() {
	local kids alive grand p text
	start_server
	probe c1 1
	if ! gr_wait_count c1 data 1 "$DW"; then
		gr_probe_end c1
		if [ -s server.status ]; then ungraded "the server served no client$(died)"
		else fail "the server served no client within $DW s: nothing to judge"; fi
		return
	fi
	look snapshot-serving.json ptree-serving.json
	gr_thaw
	if [ -s server.status ]; then
		gr_probe_end c1
		ungraded "nothing to judge$(died)"
		return
	fi
	kids=$(gr_jq -r 'live_children | .[]' ptree-serving.json | tr '\n' ' ')
	[ "$GR_EXPECT_CLOSE" != client ] && gr_wait_count c1 eof 1 "$HW" || shut_and_wait c1 1
	gr_probe_end c1
	# the client's connection is closed: its child must be gone now
	wait_children_gone $((2 + ${L%.*})) $kids
	sc_ptree "$GR_PID" >ptree-after.json
	alive=$(children_alive $kids)
	# a second client: a child left in the accept loop may take it and fork
	probe c2 1
	gr_wait_count c2 data 1 "$DW"
	sc_ptree "$GR_PID" >ptree-second-client.json
	gr_probe_end c2
	grand=$(gr_jq -r 'grandchildren | map("\(.pid) (child of \(.ppid))") | join(", ")' ptree-second-client.json)
	if [ -z "$kids" ]; then
		pass "no live child while its client was served (an iterative server, or one that closes at \
once): no child to outlive its client"
	elif [ -n "$alive" ]; then
		text=$(for p in $alive; do printf '%s%s; ' "$p" "$(where "$p")"; done)
		fail "the child that served the first client is still alive after its connection was closed \
(pid ${text%; }): it must exit after serving its client (exit(0) after close(connfd)), not fall back \
into the accept loop$([ -n "$grand" ] && echo "; with a second client it forked a grandchild: $grand") \
— tree: $(tree ptree-second-client.json)"
	elif [ -n "$grand" ]; then
		fail "grandchildren: $grand — a child forked: the child must only serve its client and exit \
— tree: $(tree ptree-second-client.json)"
	else
		pass "the child (pid ${kids% }) exited once its client's connection was closed; no grandchildren \
— tree while serving: $(tree ptree-serving.json); after: $(tree ptree-after.json)"
	fi
}
