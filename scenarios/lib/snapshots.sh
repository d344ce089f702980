# shellcheck shell=bash
# snapshots.sh (part of lib.sh) — the kernel's view: snapshots taken by
# `tcpobserve --snapshot` (sock_diag, parsed in C), polled until a condition
# holds, and the lab's moments: each moment's condition is checked in the
# snapshot it records; a missed moment reruns the scenario once, and is
# then recorded as missed, with its reason, never shown as the lab's moment.

# sc_snapshot [PORT]: print the kernel's TCP sockets (those with local or
# remote port PORT, default SC_PORT) as tcpobserve --snapshot JSON; prints
# nothing and fails when the snapshot cannot be taken.
sc_snapshot() {
	sc_run "$SC_BIN/tcpobserve" --snapshot --port "${1:-$SC_PORT}"
}

# sc_wait_snapshot JQ_CONDITION TIMEOUT [PORT]: take snapshots every SC_POLL
# seconds (default 0.1) until JQ_CONDITION (a jq boolean over one snapshot)
# holds; print that snapshot and leave it in SC_SNAP. On timeout the last one
# is printed and kept, and it returns 1; when SC_GIVE_UP (a jq condition
# too) holds first, the same with status 2: what was awaited can no longer
# happen. With SC_WITH_TREE=1 the server's process tree is taken just before
# each snapshot, is $tree in the conditions and is left in SC_TREE (so a
# moment's tree and sockets agree even on a loaded machine). Polling the
# kernel instead of sleeping keeps scenarios right under load. With
# SC_SAME_TWICE=1 the condition must hold in two polls in a row that show
# the same picture (states, owners, processes): a moment caught between a
# server's accept() and its fork(), or between two closes, is not settled.
# Call it directly (not in $(...)) so that Ctrl-C is handled at once.
sc_wait_snapshot() {
	local cond=$1 deadline rc prev=
	deadline=$(sc_deadline "$2")
	while :; do
		SC_TREE=null
		[ "${SC_WITH_TREE:-0}" = 1 ] && SC_TREE=$(sc_ptree "$SC_SERVER_PID")
		SC_SNAP=$(sc_snapshot "${3:-$SC_PORT}" 2>/dev/null)
		if [ -n "$SC_SNAP" ]; then
			rc=$(jq -r --argjson tree "$SC_TREE" "if $cond then \"0 \" + ([[.sockets[]
				| [.state, .local.port, .remote.port, [.procs[].pid]]], [\$tree.processes[]?.pid]]
				| tojson) elif ${SC_GIVE_UP:-false} then 2 else 1 end" <<<"$SC_SNAP")
			case $rc in
			"0 "*)
				if [ "${SC_SAME_TWICE:-0}" != 1 ] || [ "$rc" = "$prev" ]; then
					printf '%s\n' "$SC_SNAP"
					return 0
				fi
				prev=$rc ;;
			2) printf '%s\n' "$SC_SNAP"; return 2 ;;
			*) prev= ;;
			esac
		fi
		if sc_past "$deadline"; then
			printf '%s\n' "$SC_SNAP"
			return 1
		fi
		sleep "${SC_POLL:-0.1}"
	done
}

# jq conditions over a snapshot, to build moments' conditions with:
# SC_STABLE: no socket is half-way through a handshake or a close (only
# LISTEN, ESTABLISHED, TIME_WAIT); SC_CLOSING: a close has begun somewhere.
SC_STABLE='([.sockets[].state] - ["LISTEN", "ESTABLISHED", "TIME_WAIT"] | length == 0)'
SC_CLOSING='([.sockets[].state] - ["LISTEN", "ESTABLISHED", "SYN_SENT", "SYN_RCVD"] | length > 0)'

# sc_count STATE: a jq expression: how many sockets are in STATE.
sc_count() {
	printf '([.sockets[] | select(.state == "%s")] | length)' "$1"
}

# sc_settled SINCE [DELAY]: a jq condition over a snapshot: taken at least
# DELAY (default 0.3) s after the epoch time SINCE, and SC_STABLE. Used to
# take "after the close" snapshots that are not blurred by the close itself.
sc_settled() {
	printf '(.time >= %s + %s) and %s' "$1" "${2:-0.3}" "$SC_STABLE"
}

# sc_poll_cost: how long one poll (process tree + snapshot + check) takes
# on this machine now, in seconds (3 decimals): waits are sized from it.
sc_poll_cost() {
	local t=$EPOCHREALTIME
	SC_WITH_TREE=1 sc_wait_snapshot true 5 >/dev/null
	sc_since "$t"
}

# sc_measure: measure a poll now (SC_POLL_COST) and the margin every wait
# of the scenario adds (SC_MARGIN: 10 s plus 20 polls, whole seconds).
sc_measure() {
	SC_POLL_COST=$(sc_poll_cost)
	SC_MARGIN=$(awk -v p="$SC_POLL_COST" 'BEGIN { printf "%d\n", 10 + 20 * p }')
}

# sc_check_expired LABEL: the lab's last moment (d): the TIME_WAITs have
# expired and only LISTEN remains. The wait is the time left the kernel
# showed in the last snapshot (SC_SNAP, moment (c)), plus SC_MARGIN; or
# TW_WAIT seconds when set.
sc_check_expired() {
	local wait
	wait=$(($(sc_tw_left "${SC_SNAP:-{\}}") + SC_MARGIN))
	[ "$wait" -gt "$SC_MARGIN" ] || wait=$((60 + SC_MARGIN))
	SC_POLL=0.5 sc_check_moment d "$1" "only LISTEN" \
		'[.sockets[] | select(.state != "LISTEN")] | length == 0' "${TW_WAIT:-$wait}"
}

# sc_moment ID LABEL SNAPSHOT [TREE]: record one moment of the lab — the
# snapshot JSON, its time and the server's process tree (TREE, an sc_ptree
# taken earlier, or one taken now) — as one line of $SC_TMP/moments.json
# ({id, label, time, snapshot, process_tree, missed: false, netstat: the
# snapshot's lines as `tcpobserve --snapshot --text` writes them}).
sc_moment() {
	local tree=${4:-$(sc_ptree "$SC_SERVER_PID")} text
	text=$("$SC_BIN/tcpobserve" --snapshot --text -r - <<<"$3" 2>/dev/null)
	jq -c --arg id "$1" --arg lbl "$2" --argjson tree "$tree" --arg text "$text" \
		'{id: $id, "label": $lbl, time: .time, snapshot: ., process_tree: $tree, missed: false,
		  netstat: ($text | split("\n") | map(select(length > 0)))}' \
		<<<"$3" >>"$SC_TMP/moments.json"
}

# sc_check_moment ID LABEL WANT CONDITION TIMEOUT [GIVE_UP]: take the lab's
# moment ID: poll (sc_wait_snapshot; the server's process tree is $tree,
# taken at each poll when a condition uses it or SC_SETTLE=1, else once the
# condition held) until CONDITION holds, and record that snapshot (sc_moment). With
# SC_SETTLE=1 the condition must hold twice in a row on the same picture
# (for conditions that cannot tell a settled moment from a passing one:
# a student's server). If it
# does not hold within TIMEOUT s, or GIVE_UP holds first (the moment has
# passed), the moment is missed: the reason (WANT, words for CONDITION, and
# what the kernel showed instead) goes to sc_rerun; on the second attempt
# the moment is recorded with "missed": true and the reason (the last
# snapshot is kept as evidence, never labelled as the moment), added to
# SC_MISSED, and it returns 1.
sc_check_moment() {
	local id=$1 label=$2 want=$3 rc=0 seen why empty tree=0
	empty="{\"time\": $EPOCHREALTIME, \"sockets\": []}"
	[[ $4${6:-} == *'$tree'* ]] || [ "${SC_SETTLE:-0}" = 1 ] && tree=1
	SC_SAME_TWICE=${SC_SETTLE:-0} SC_WITH_TREE=$tree SC_GIVE_UP=${6:-false} \
		sc_wait_snapshot "$4" "$5" >/dev/null || rc=$?
	[ "$tree" = 1 ] || SC_TREE=$(sc_ptree "$SC_SERVER_PID")
	if [ "$rc" = 0 ]; then
		sc_moment "$id" "$label" "$SC_SNAP" "$SC_TREE"
		return 0
	fi
	seen=$(jq -r --argjson tree "$SC_TREE" '[.sockets[].state] | group_by(.)
		| map("\(length) \(.[0])") | join(", ") | if . == "" then "no socket" else . end
		| . + (if $tree then ", \($tree.processes | length) server process(es)" else "" end)' \
		<<<"${SC_SNAP:-$empty}" 2>/dev/null)
	why="expected $want; the kernel showed ${seen:-nothing}"
	why+=$([ "$rc" = 2 ] && echo " (the moment had passed)" || echo " after $5 s")
	sc_rerun "moment ($id) $label: $why"
	sc_say "MISSED moment ($id) $label: $why"
	SC_MISSED+=("($id) $label: $why")
	jq -c --arg id "$id" --arg lbl "$label" --arg why "$why" --argjson tree "$SC_TREE" \
		'{id: $id, "label": $lbl, time: .time, snapshot: ., process_tree: $tree,
		  missed: true, reason: $why}' <<<"${SC_SNAP:-$empty}" \
		>>"$SC_TMP/moments.json"
	return 1
}

# sc_tw_left SNAPSHOT: the longest TIME_WAIT time left in SNAPSHOT (s), 0
# when none: how long moment (d) must wait.
sc_tw_left() {
	jq '[.sockets[]? | select(.state == "TIME_WAIT") | .timer.left // 60] | max // 0 | ceil' <<<"$1" 2>/dev/null ||
		echo 0
}
