# shellcheck shell=bash
# checks_serve.sh — the checks that judge what the clients see: 1 (listens
# on the given port), 2 (one client: data and the close; measures the hold),
# 3 (two clients concurrently), 6 (the parent's copy of the connected
# socket) and 11 (client after client over time). Sourced by checks.sh.

# judge VERDICT: write a checks.jq verdict; a failure also says when the
# server had died (its status and last words).
judge() {
	if [ "$(jq -r .status <<<"$1" 2>/dev/null)" = failed ]; then
		fail "$(jq -r .output <<<"$1")"
	else
		gr_verdict "$1"
	fi
}

# listen_ports PTREE: the ports the processes of PTREE listen on.
listen_ports() {
	local pids
	pids=$(jq -r '[.processes[].pid] | join("|")' "$1")
	[ -n "$pids" ] || return 0
	ss -Htlnp 2>/dev/null | grep -E "pid=($pids)," | awk '{ n = split($4, a, ":"); print a[n] }' | sort -un
}

check_1() {
	local q swapped
	rm -f "$GR_OUT/.portmode"
	LP=$P
	if gr_start server "$GR_SERVER" "$P" && gr_wait_listen server "$P" 5; then
		gr_snap snapshot.json "$P"
		sc_ptree "$GR_PID" >ptree.json
		pass "LISTEN on $(gr_jq -r --argjson p "$P" 'listen_owners($p)' snapshot.json); server pid $GR_PID"
		return
	fi
	[ -n "$GR_PID" ] && sc_ptree "$GR_PID" >ptree.json
	q=$([ -s ptree.json ] && listen_ports ptree.json | head -1)
	swapped=$(( ((P & 255) << 8) | (P >> 8) ))
	if [ -n "$q" ] && [ "$q" -eq "$swapped" ]; then
		echo swap >"$GR_OUT/.portmode"
		fail "listening on $q = $P byte-swapped: htons()? (sin_port = htons(atoi(argv[1]))); the other checks connect to $q"
	elif [ -n "$q" ]; then
		echo "fixed $q" >"$GR_OUT/.portmode"
		fail "listening on $q, not on $P given as argv[1]: the server ignores its argument (a fixed \
port?); the other checks connect to $q"
	else
		gr_result failed "the server did not listen on port $P within 5 s ($(gr_status server))$(
			[ -s server.err ] && printf ': %s' "$(stderr_tail server)")"
	fi
}

# shut_and_wait NAME N: send our FIN on every connection of the probe NAME
# and give the server 2 s to answer with its own (a server that closes
# only after its client).
shut_and_wait() {
	gr_tell "$1" shut
	gr_wait_count "$1" eof "$2" 2
}

check_2() {
	local c held= hint=
	rm -f "$GR_OUT/.hold" "$GR_OUT/.latency"
	start_server
	gr_observe "$LP"
	probe client 1
	if gr_wait_count client data 1 "$DW"; then
		if [ "$GR_EXPECT_CLOSE" = client ] || ! gr_wait_count client eof 1 "$GR_HOLD_MAX"; then
			gr_snap snapshot-held.json "$LP"
			sc_ptree "$GR_PID" >ptree.json
			held=$(gr_jq -r --argjson p "$LP" --argjson r "$GR_PID" 'holders($p; $r)' snapshot-held.json)
			shut_and_wait client 1
		fi
	fi
	gr_probe_end client
	sc_observe_stop
	gr_conns client >connections.json
	c=$(jq '.[0] // {}' connections.json)
	# the lab's hold and the first client's latency: every later wait is
	# sized from them
	gr_jq -r 'if .data != null and .sfin != null and (.cfin == null or .sfin < .cfin)
		then .sfin - .data | if . < 0 then 0 else . end | f3 else "none" end' <<<"$c" >"$GR_OUT/.hold"
	awk '$3 == "connected" { c = $1 } $3 == "data" && c { printf "%.3f\n", $1 - c; exit }' \
		client.log >"$GR_OUT/.latency"
	case $held in
	*"a child"*) hint="the child that serves it still holds it open: the server never closes first \
(or holds it longer than HOLD_MAX=$GR_HOLD_MAX s)" ;;
	*"the parent"*) hint="only the parent holds it: the child is done, but the parent never closed its copy" ;;
	esac
	judge "$(gr_jq --argjson hm "$GR_HOLD_MAX" --arg e "$GR_EXPECT_CLOSE" --arg held "${held:-nothing}" \
		--arg hint "$hint" 'check2($hm; $e; $held; $hint)' connections.json)"
}

check_3() {
	local wait=$((DW + HW))
	start_server
	no_hold "concurrency" && return
	gr_observe "$LP"
	probe clients 2
	gr_wait_count clients data 2 "$wait"
	if [ "$GR_EXPECT_CLOSE" = client ] || ! gr_wait_count clients eof 2 "$HW"; then
		shut_and_wait clients 2
	fi
	gr_probe_end clients
	sc_observe_stop
	gr_conns clients >connections.json
	judge "$(gr_jq --argjson w "$wait" 'check3($w)' connections.json)"
}

check_6() {
	local held after
	start_server
	gr_observe "$LP"
	probe clients 2
	gr_wait_count clients data 2 $((DW + 2 * HW)) &&
		[ "$GR_EXPECT_CLOSE" != client ] && gr_wait_count clients eof 2 "$HW"
	if [ "$(gr_count clients eof)" -lt 2 ]; then
		gr_snap snapshot-held.json "$LP"
		sc_ptree "$GR_PID" >ptree-held.json
		shut_and_wait clients 2	# our FIN: a child waiting for it finishes now
		gr_snap snapshot-after-client-fin.json "$LP"
	fi
	gr_probe_end clients
	sc_observe_stop
	gr_conns clients >connections.json
	held=$(gr_jq -r --argjson p "$LP" --argjson r "$GR_PID" 'holders($p; $r)' snapshot-held.json 2>/dev/null)
	after=$(gr_jq -r --argjson p "$LP" --argjson r "$GR_PID" 'holders($p; $r)' snapshot-after-client-fin.json 2>/dev/null)
	judge "$(gr_jq --arg held "$held" --arg after "$after" 'check6($held; $after)' connections.json)"
}

# one_client NAME: one client of ours, served and closed as the assignment
# says (the server's FIN within HW, or ours first); 1 if it got no data.
one_client() {
	probe "$1" 1
	if ! gr_wait_count "$1" data 1 "$DW"; then
		gr_probe_end "$1"
		return 1
	fi
	sc_ptree "$GR_PID" >"ptree-$1-serving.json"
	[ "$GR_EXPECT_CLOSE" != client ] && gr_wait_count "$1" eof 1 "$HW" || shut_and_wait "$1" 1
	gr_probe_end "$1"
}

check_11() {
	local i kids slow= seen=
	start_server
	for i in 1 2 3; do
		if ! one_client "c$i"; then
			sc_ptree "$GR_PID" >"ptree-c$i.json" 2>/dev/null
			fail "client $i got no data within $DW s$([ "$i" -gt 1 ] &&
				echo ", after client$([ "$i" -gt 2 ] && echo "s 1-$((i - 1))" || echo " 1") had been" \
					"served and their children had exited while the parent waited in accept()" \
					"(children: $(echo ${seen:-none}))")"
			return
		fi
		# every child of this client exits while the parent waits in
		# accept(): its SIGCHLD interrupts that accept()
		kids=$(gr_jq -r 'live_children | .[]' "ptree-c$i-serving.json" | tr '\n' ' ')
		wait_children_gone $((HW + 2)) $kids
		slow+=$(children_alive $kids)
		seen+="$kids"
	done
	seen=$(echo $(tr ' ' '\n' <<<"$seen" | sort -nu))
	slow=$(echo $(tr ' ' '\n' <<<"$slow" | sort -nu))
	if [ -s server.status ]; then
		fail "3 clients were served one after the other, but then the server ended"
	else
		pass "3 clients one after the other, each after the previous one's child had exited (children: \
${seen:-none (iterative)}): all served; the server (pid $GR_PID) is still running$(
			[ -n "$slow" ] && echo " (children still alive: $slow: see check 12)")"
	fi
}
