# shellcheck shell=bash
# checks_robust.sh — the checks of a server's life around its clients: 8
# (restarts at once while TIME_WAIT remains), 9 (survives clients that
# reset) and 10 (the student's client closes actively). Sourced by
# checks.sh.

check_8() {
	local tw
	start_server first
	probe client1 1
	if ! gr_wait_count client1 data 1 "$DW"; then
		fail "the first server served no client, so no TIME_WAIT could be made ($(gr_status first))"
		return
	fi
	# Stop the whole server while the connection is held: the kernel sends
	# its FIN, our client answers, the server's side goes to TIME_WAIT.
	gr_sb_kill
	gr_wait_count client1 eof 1 2
	gr_probe_end client1
	sc_wait_snapshot "[.sockets[] | select(.local.port == $LP and .state == \"TIME_WAIT\")] | length > 0" 3 "$LP" \
		>snapshot-before-restart.json
	tw=$(jq -r --argjson p "$LP" '[.sockets[] | select(.local.port == $p and .state == "TIME_WAIT")
		| "\(.local.addr):\(.local.port) -> \(.remote.addr):\(.remote.port) TIME_WAIT (\(.timer.left // "?") s left)"]
		| join("; ")' snapshot-before-restart.json)
	if [ -z "$tw" ]; then
		ungraded "could not observe: no TIME_WAIT socket on port $LP after stopping the first server \
(it closed before the client?)"
		return
	fi
	if ! gr_start server "$GR_SERVER" "$P" || ! gr_wait_listen server "$LP" 5; then
		gr_result failed "restarted at once while $tw remained: the new server did not listen ($(gr_status server)): $(
			stderr_tail server) — set SO_REUSEADDR before bind()"
		return
	fi
	probe client2 1
	if gr_wait_count client2 data 1 "$DW"; then
		pass "restarted on port $LP at once while $tw remained; the new server (pid $GR_PID) listens and served a client"
	else
		fail "restarted while $tw remained and listens, but served no client within $DW s"
	fi
	gr_probe_end client2
}

check_9() {
	local alive wait=$((DW + 2 * HW))
	start_server
	gr_observe "$LP"
	# Reset before accept: the connection completes in the backlog while
	# the server is stopped, then our RST arrives before accept() returns.
	server_signal STOP
	gr_probe before -n 1 -r before -t 10 127.0.0.1 "$LP"
	gr_wait_count before reset 1 3
	server_signal CONT
	gr_probe during -n 1 -r data -t 120 127.0.0.1 "$LP"
	gr_wait_count during reset 1 "$wait"
	# the child that served it finishes its hold and exits before the next
	# client: the same moment every time, however loaded the machine is
	sc_ptree "$GR_PID" >ptree-during.json
	# shellcheck disable=SC2046
	wait_children_gone $((HW + 2)) $(gr_jq -r 'live_children | .[]' ptree-during.json 2>/dev/null)
	probe after 1
	gr_wait_count after data 1 "$wait"
	gr_probe_end before; gr_probe_end during; gr_probe_end after
	sc_observe_stop
	gr_conns before during after >connections.json
	alive=$(gr_status server)
	if [ "$alive" = running ] && [ "$(gr_count after data)" -eq 1 ]; then
		pass "a client reset its connection before accept(), another right after its data; the server \
(pid $GR_PID) is still running and served the next client: \"$(
			jq -r '[.[] | select(.probe == "after") | .text][0]' connections.json)\""
	elif grep -q 'Interrupted system call' server.err 2>/dev/null; then
		# ended by a child's SIGCHLD, not by the resets: when a child
		# exits decides whether this shows here (check 11 judges it)
		ungraded "the server ended for another cause than the resets$(died) (see check 11)"
	elif [ "$alive" != running ]; then
		fail "after clients that reset their connections the server ended"
	else
		fail "after clients that reset their connections the server runs but did not serve the next client within $wait s"
	fi
}

check_10() {
	local fd cport tw
	if [ -z "${GR_CLIENT:-}" ] && [ "${GR_REQUIRE_CLIENT:-0}" = 1 ]; then
		gr_result failed "no client was given, and a client is required"
		return
	elif [ -z "${GR_CLIENT:-}" ]; then
		ungraded "no client was given"
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
	if ! gr_wait_count peer accepted 1 5; then
		gr_result failed "the client did not connect to 127.0.0.1:$P within 5 s ($(gr_status client)): $(stderr_tail client)"
		return
	fi
	cport=$(awk '$3 == "accepted" { sub("rport=", "", $4); print $4 }' peer.log)
	sleep 0.5	# it must not close by itself: nothing to wait for
	if [ "$(gr_count peer eof)" -gt 0 ]; then
		gr_result failed "the client (port $cport) closed the connection before it was told to (before \`exit\` was typed)"
		return
	fi
	printf 'exit\n' >&"$fd"
	if ! gr_wait_count peer eof 1 5; then
		gr_snap snapshot.json "$P"
		gr_result failed "\`exit\` typed: the client did not close its connection (port $cport) within 5 s \
($(gr_status client))"
		return
	fi
	sc_wait_snapshot "[.sockets[] | select(.local.port == $cport and .state == \"TIME_WAIT\")] | length > 0" \
		3 "$P" >snapshot.json
	sc_observe_stop
	tw=$(jq -r --argjson c "$cport" '[.sockets[] | select(.local.port == $c)
		| "\(.local.addr):\(.local.port) \(.state)\(if .timer then " (\(.timer.left) s left)" else "" end)"]
		| join("; ")' snapshot.json)
	if [ "$(gr_count peer rst)" -gt 0 ]; then
		gr_result failed "the client reset the connection (RST) instead of closing it with a FIN"
	elif grep -q TIME_WAIT <<<"$tw"; then
		pass "\`exit\` typed: the client sent the first FIN (port $cport), our peer closed after it, and \
the client's side is $tw"
	else
		gr_result failed "\`exit\` typed: the client closed, but its side is not in TIME_WAIT: \
${tw:-no socket of port $cport left}"
	fi
}
