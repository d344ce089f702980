#!/usr/bin/env bats
# bin/tcppage: the report as one HTML page, checked in a real browser
# (Chromium headless, driven by bin/pagecheck over the DevTools protocol).
# Every assertion reads the DOM, never pixels: the ladders, state bands,
# packets and moment markers must carry exactly the report's states and
# times. Inputs need no scenario run: scenario-shaped reports committed in
# bats/fixtures/pages/, and tcpobserve reports of the golden captures.

load test_helper

PAGES=$FIXTURES/pages

setup() {
	[ -x /usr/bin/chromium-headless-shell ] || [ -n "${CHROMIUM:-}" ] ||
		skip "chromium-headless-shell not installed"
}

# page JSON: writes $BATS_TEST_TMPDIR/page.html from JSON (a file), loads it,
# leaves pagecheck's answer in $BATS_TEST_TMPDIR/check.json and checks what
# every page must be: loaded with its script done, no console error, no
# exception, no request but the page itself, a non-blank screenshot of the
# window's size.
page() {
	local json=$1 out=$BATS_TEST_TMPDIR
	"$BIN/tcppage" -o "$out/page.html" "$json"
	"$BIN/pagecheck" -t 90 -w 1280 -H 900 -s "$out/page.png" \
		-e "$(cat "$PAGES/dom.js")" "$out/page.html" >"$out/check.json"
	jq -e '.value.ready == "1"' "$out/check.json" >/dev/null ||
		{ echo "page script did not finish"; jq . "$out/check.json"; return 1; }
	jq -e '[.console[] | select(.level == "error" or .level == "warning")] == []' \
		"$out/check.json" >/dev/null ||
		{ echo "console:"; jq .console "$out/check.json"; return 1; }
	jq -e '.exceptions == []' "$out/check.json" >/dev/null ||
		{ echo "exceptions:"; jq .exceptions "$out/check.json"; return 1; }
	jq -e --arg url "file://$(realpath "$out/page.html")" '.requests == [$url]' \
		"$out/check.json" >/dev/null ||
		{ echo "requests:"; jq .requests "$out/check.json"; return 1; }
	jq -e '.screenshot.width == 1280 and .screenshot.height == 900
		and .screenshot.drawn > 0.02' "$out/check.json" >/dev/null ||
		{ echo "screenshot:"; jq .screenshot "$out/check.json"; return 1; }
	# the PNG on disk: signature and IHDR size
	[ "$(head -c 8 "$out/page.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	[ "$(od -An -tu1 -j16 -N8 "$out/page.png" | tr -s ' ' | sed 's/^ //')" = "0 0 5 0 0 0 3 132" ]
}

# bands_match JSON: every ladder's state bands are the report's states of
# its connection, in order, with the same start time (exact) and label.
bands_match() {
	jq -e --slurpfile r "$1" '
		.value.ladders | length == ($r[0].connections | length)
		and all(.[]; . as $l | $r[0].connections[$l.index] as $c
			| $l.conn == ($c.id | tostring)
			and ([$l.client[] | {state, t}] == [$c.states.client[] | {state, t}])
			and ([$l.server[] | {state, t}] == [$c.states.server[] | {state, t}])
			and all($l.client[], $l.server[]; .label == .state)
			and ([$l.packets[] | {t, flags, from}] == [($c.packets // [])[] | {t, flags, from}]))' \
		"$BATS_TEST_TMPDIR/check.json" >/dev/null ||
		{ jq -c '.value.ladders[] | {conn, client, server}' "$BATS_TEST_TMPDIR/check.json"; return 1; }
}

# moments_match JSON: the four moments as markers on every ladder and as
# boxes, each at the report's t; each box a netstat -tanop table with one
# row per socket of the snapshot, and the pstree text.
moments_match() {
	jq -e --slurpfile r "$1" '
		($r[0].moments | to_entries | map({id: .key, t: .value.t})) as $m
		| ($m | length) == 4
		and all(.value.ladders[]; .moments == $m)
		and ([.value.moments[] | {id, t}] == $m)
		and all(.value.moments[]; .head == ["Proto", "Recv-Q", "Send-Q", "Local Address",
			"Foreign Address", "State", "PID/Program name", "Timer"])
		and ([.value.moments[] | .rows] == [$r[0].moments[] | .snapshot.sockets | length])
		and ([.value.moments[] | .tree] == [$r[0].moments[] | .process_tree.text])' \
		"$BATS_TEST_TMPDIR/check.json" >/dev/null ||
		{ jq -c '.value.moments' "$BATS_TEST_TMPDIR/check.json"; return 1; }
}

# verdict_links JSON: one sentence per claim, and every evidence path a link
# to an element that exists; following the first one highlights it.
verdict_links() {
	jq -e --slurpfile r "$1" '
		.value.sentences == ($r[0].verdict.sentences | length)
		and (.value.links | length) == ([$r[0].verdict.sentences[].evidence[]] | length)
		and all(.value.links[]; .exists) and .value.unlinked == []
		and .value.highlighted == true' "$BATS_TEST_TMPDIR/check.json" >/dev/null ||
		{ jq -c '.value | {sentences, links, unlinked, highlighted}' "$BATS_TEST_TMPDIR/check.json"; return 1; }
}

@test "concurrent scenario page: one ladder per connection with the report's exact states, moments and verdict links" {
	page "$PAGES/concurrent.json"
	bands_match "$PAGES/concurrent.json"
	moments_match "$PAGES/concurrent.json"
	verdict_links "$PAGES/concurrent.json"
	# the packets are labelled as the textbook does
	jq -e '[.value.ladders[0].packets[].label] ==
		["SYN", "SYN,ACK", "ACK", "PSH,ACK 26", "ACK", "FIN,ACK", "FIN,ACK", "ACK"]' \
		"$BATS_TEST_TMPDIR/check.json"
	# focusing a packet (Tab) shows its seq/ack and both states
	jq -e '.value.pktinfo == "t=0.000000 s  client 127.0.0.1:35782 → server 127.0.0.1:33277  SYN  seq=0 ack=0 len=0  | after it: client SYN_SENT, server LISTEN"' \
		"$BATS_TEST_TMPDIR/check.json"
	# and the right arrow key moves to the next packet
	jq -e '.value.arrowNext == "1"' "$BATS_TEST_TMPDIR/check.json"
	# each client's lines on the lane of its connection, at arrival time - t0
	jq -e --slurpfile r "$PAGES/concurrent.json" '$r[0] as $r | [.value.ladders[] | .clines[] | .path]
		== [$r.clients | to_entries[] | .key as $k | .value.lines | keys[] | ".clients[\($k)].lines[\(.)]"]
		and all(.value.ladders[].clines[]; .t >= 0 and .t < 4)' "$BATS_TEST_TMPDIR/check.json"
	# the FIN packets in tcpdump's syntax, the side named
	grep -qF 'IP 127.0.0.1.33277 > 127.0.0.1.35782: Flags [F.], seq 27, ack 1, length 0   (server)' \
		<<<"$(jq -r .value.text "$BATS_TEST_TMPDIR/check.json")"
	# netstat's columns: LISTEN shows Send-Q 0 as netstat -tan does, remote port *
	grep -q 'tcp00127.0.0.1:[0-9]*0.0.0.0:\*LISTEN[0-9]*/daytimed' <<<"$(jq -r .value.text "$BATS_TEST_TMPDIR/check.json" | tr -d ' \t')"
}

@test "active-close scenario page: the client's TIME_WAIT band and its typed exit are drawn" {
	page "$PAGES/active-close.json"
	bands_match "$PAGES/active-close.json"
	moments_match "$PAGES/active-close.json"
	verdict_links "$PAGES/active-close.json"
	jq -e '.value.ladders[0].client | map(.state) | index("TIME_WAIT") != null' "$BATS_TEST_TMPDIR/check.json"
	grep -q '> exit (typed)' <<<"$(jq -r .value.text "$BATS_TEST_TMPDIR/check.json")"
}

@test "sequential scenario page: exact states, moments and verdict links" {
	page "$PAGES/sequential.json"
	bands_match "$PAGES/sequential.json"
	moments_match "$PAGES/sequential.json"
	verdict_links "$PAGES/sequential.json"
}

@test "a refused connection: one ladder, the RST drawn as a RST, client CLOSED SYN_SENT CLOSED" {
	"$BIN/tcpobserve" -r "$GOLDEN/refused.pcap" -o "$BATS_TEST_TMPDIR/r.json"
	page "$BATS_TEST_TMPDIR/r.json"
	bands_match "$BATS_TEST_TMPDIR/r.json"
	jq -e '.value.ladders[0] | ([.client[].state] == ["CLOSED", "SYN_SENT", "CLOSED"])
		and ([.server[].state] == ["CLOSED"])
		and ([.packets[].cls] == ["pkt", "pkt rst"])
		and ([.packets[].label] == ["SYN", "RST,ACK"])' "$BATS_TEST_TMPDIR/check.json"
}

@test "a capture with no connection gives a page that says so" {
	"$BIN/tcpobserve" -r "$GOLDEN/refused.pcap" -o "$BATS_TEST_TMPDIR/r.json" port 1
	jq -e '.connections == []' "$BATS_TEST_TMPDIR/r.json"
	page "$BATS_TEST_TMPDIR/r.json"
	jq -e '.value.ladders == [] and (.value.text | test("No TCP connection in this capture"))' \
		"$BATS_TEST_TMPDIR/check.json"
}

@test "a capture that starts mid-connection: partial ladders with the report's states" {
	# no SYN captured: every connection of the file starts ESTABLISHED
	"$BIN/tcpobserve" -r "$GOLDEN/client-close.pcap" -o "$BATS_TEST_TMPDIR/m.json" 'tcp[13] & 2 == 0'
	jq -e '.connections | length == 1 and all(.[]; .partial)' "$BATS_TEST_TMPDIR/m.json"
	page "$BATS_TEST_TMPDIR/m.json"
	bands_match "$BATS_TEST_TMPDIR/m.json"
	grep -q 'partial: the start was not captured' <<<"$(jq -r .value.text "$BATS_TEST_TMPDIR/check.json")"
}

@test "a --summary report (no packets): ladders of the states alone, said so" {
	"$BIN/tcpobserve" --summary -r "$GOLDEN/lost-fin.pcap" -o "$BATS_TEST_TMPDIR/s.json"
	jq -e 'all(.connections[]; has("packets") | not)' "$BATS_TEST_TMPDIR/s.json"
	page "$BATS_TEST_TMPDIR/s.json"
	bands_match "$BATS_TEST_TMPDIR/s.json"
	jq -e '.value.ladders[0].packets == []' "$BATS_TEST_TMPDIR/check.json"
	grep -q 'no per-packet list in the report (states only)' <<<"$(jq -r .value.text "$BATS_TEST_TMPDIR/check.json")"
}

@test "every golden capture draws with its exact states" {
	for p in "$GOLDEN"/*.pcap; do
		n=$(basename "$p" .pcap)
		[ "$n" = many ] && continue
		"$BIN/tcpobserve" -r "$p" -o "$BATS_TEST_TMPDIR/$n.json"
		page "$BATS_TEST_TMPDIR/$n.json" || { echo "in $n"; return 1; }
		bands_match "$BATS_TEST_TMPDIR/$n.json" || { echo "in $n"; return 1; }
	done
}

@test "50 connections: an overview row each, no ladder until a row is opened" {
	"$BIN/tcpobserve" -r "$GOLDEN/many.pcap" -o "$BATS_TEST_TMPDIR/many.json"
	page "$BATS_TEST_TMPDIR/many.json"
	jq -e '.value.rows == 50 and .value.ladders == []
		and .value.pager == "connections 1–50 of 50, page 1 of 1"' "$BATS_TEST_TMPDIR/check.json"
	# opened, row 7 draws the ladder of connection 7 with its exact states
	"$BIN/pagecheck" -t 60 -e 'document.querySelectorAll("details.ov-row")[6].open = true;
		new Promise(ok => setTimeout(ok, 50)).then(() => '"$(cat "$PAGES/dom.js")"')' \
		"$BATS_TEST_TMPDIR/page.html" >"$BATS_TEST_TMPDIR/open.json"
	jq -e --slurpfile r "$BATS_TEST_TMPDIR/many.json" '
		($r[0].connections | map(select(.id == 7))[0]) as $c
		| .value.ladders | length == 1 and .[0].conn == "7"
		and [.[0].client[] | {state, t}] == [$c.states.client[] | {state, t}]
		and [.[0].server[] | {state, t}] == [$c.states.server[] | {state, t}]' \
		"$BATS_TEST_TMPDIR/open.json"
}

@test "the overview filters by conn_state: the refused and reset ones among normal ones" {
	# 50 normal connections, one refused, one aborted: filtered, 1 row each
	jq -s '. as $all | $all[0] | .connections += ([$all[1], $all[2]] | map(.connections[0]) | to_entries
		| map(.value + {id: (51 + .key)}))' <("$BIN/tcpobserve" -r "$GOLDEN/many.pcap") \
		<("$BIN/tcpobserve" -r "$GOLDEN/refused.pcap") <("$BIN/tcpobserve" -r "$GOLDEN/abort.pcap") \
		>"$BATS_TEST_TMPDIR/mix.json"
	jq -e '[.connections[].conn_state] | (length == 52) and (map(select(. == "REJ")) | length == 1)' \
		"$BATS_TEST_TMPDIR/mix.json"
	page "$BATS_TEST_TMPDIR/mix.json"
	"$BIN/pagecheck" -e 'const f = document.querySelector(".pager select"); const out = [];
		for (const v of ["REJ", ""]) { f.value = v; f.dispatchEvent(new Event("change"));
			out.push([...document.querySelectorAll("details.ov-row")].map(d => d.dataset.conn).join(" ")); }
		JSON.stringify({out, info: document.querySelector(".pager span").textContent})' \
		"$BATS_TEST_TMPDIR/page.html" >"$BATS_TEST_TMPDIR/f.json"
	jq -e '.value | fromjson | .out[0] == "51" and (.out[1] | split(" ") | length == 52)
		and .info == "connections 1–52 of 52, page 1 of 1"' "$BATS_TEST_TMPDIR/f.json"
}

@test "10 000 connections: the page loads, paginated 100 rows at a time" {
	"$BIN/pcapgen" -n 10000 -o "$BATS_TEST_TMPDIR/big.pcap"
	"$BIN/tcpobserve" -r "$BATS_TEST_TMPDIR/big.pcap" -o "$BATS_TEST_TMPDIR/big.json"
	page "$BATS_TEST_TMPDIR/big.json"
	jq -e '.value.rows == 100 and .value.ladders == []
		and .value.pager == "connections 1–100 of 10000, page 1 of 100"' "$BATS_TEST_TMPDIR/check.json"
}

@test "a connection of 5000 packets: its ladder draws the first and last 1000, every state" {
	"$BIN/tcpobserve" -r "$GOLDEN/client-close.pcap" -o "$BATS_TEST_TMPDIR/c.json"
	jq '.connections[0].packets |= .[0:3] + [range(4992) as $i | .[2] | .t = 0.01 + $i * 0.0001]
		+ .[3:]' "$BATS_TEST_TMPDIR/c.json" >"$BATS_TEST_TMPDIR/bulk.json"
	jq -e '.connections[0].packets | length > 5000' "$BATS_TEST_TMPDIR/bulk.json"
	page "$BATS_TEST_TMPDIR/bulk.json"
	jq -e --slurpfile r "$BATS_TEST_TMPDIR/bulk.json" '$r[0].connections[0] as $c | .value.ladders[0]
		| (.packets | length) == 2000
		and ([.client[] | {state, t}] == [$c.states.client[] | {state, t}])
		and ([.server[] | {state, t}] == [$c.states.server[] | {state, t}])
		and ([.packets[0:1000][] | .t] == [$c.packets[0:1000][] | .t])
		and ([.packets[1000:][] | .t] == [$c.packets[-1000:][] | .t])' "$BATS_TEST_TMPDIR/check.json"
	grep -q 'packets: the first and the last 1000 are drawn' <<<"$(jq -r .value.text "$BATS_TEST_TMPDIR/check.json")"
}

@test "escaping: markup, quotes and bad bytes in a file name, a client line, the server's output are text" {
	page "$PAGES/hostile.json"
	jq -e '.value.pwned == null and .value.elements == 0 and .value.scripts == 2' \
		"$BATS_TEST_TMPDIR/check.json"
	text=$(jq -r .value.text "$BATS_TEST_TMPDIR/check.json")
	grep -qF '/tmp/<script>document.body.dataset.pwned=1</script>"q" '"'"'s'"'"' '$'\xef\xbf\xbd\xef\xbf\xbd''.pcap' <<<"$text"
	grep -qF '<b class="injected">bold</b><script>' <<<"$text"
	grep -qF '<img src=x onerror="document.body.dataset.pwned=3"> & </pre></script><!--' <<<"$text"
	grep -qF '(a) </script><script>document.body.dataset.pwned=4</script>' <<<"$text"
	grep -qF '<i>not markup</i>' <<<"$text"
	# and a capture file name with markup and quotes, through tcpobserve
	mkdir "$BATS_TEST_TMPDIR/<script>alert(\"x\")<"
	f="$BATS_TEST_TMPDIR/<script>alert(\"x\")</script>'&amp;.pcap"
	cp "$GOLDEN/refused.pcap" "$f"
	"$BIN/tcpobserve" -r "$f" -o "$BATS_TEST_TMPDIR/f.json"
	page "$BATS_TEST_TMPDIR/f.json"
	jq -e --arg f "$f" '(.value.text | contains($f)) and (.value.h1 == "tcpobserve: " + $f)
		and .value.elements == 0 and .value.scripts == 2' "$BATS_TEST_TMPDIR/check.json"
}

@test "a grading results.json: one row per check, evidence files linked only when they are plain relative paths" {
	page "$PAGES/results.json"
	"$BIN/pagecheck" -e 'JSON.stringify({rows: document.querySelectorAll("table.tests tr").length - 1,
		hrefs: [...document.querySelectorAll("table.tests a")].map(a => a.getAttribute("href")),
		h1: document.querySelector("h1").textContent, pwned: document.body.dataset.pwned || null})' \
		"$BATS_TEST_TMPDIR/page.html" >"$BATS_TEST_TMPDIR/g.json"
	jq -e '.value | fromjson | .rows == 2 and .pwned == null and .h1 == "tcplab grading: noreap <b>"
		and .hrefs == ["01-serves/capture.pcap", "01-serves/capture.json", "01-serves/clients.log",
			"05-reaping/ptree-after.json"]' "$BATS_TEST_TMPDIR/g.json"
}

@test "printed (A4 landscape), every ladder fits the page width" {
	page "$PAGES/concurrent.json"
	"$BIN/pagecheck" -m print -w 1123 -H 794 -e 'JSON.stringify([...document.querySelectorAll("svg.ladder-svg, svg.axis-svg")]
		.map(s => s.getBoundingClientRect().right <= document.documentElement.clientWidth))' \
		"$BATS_TEST_TMPDIR/page.html" >"$BATS_TEST_TMPDIR/p.json"
	jq -e '.value | fromjson | length == 4 and all(.)' "$BATS_TEST_TMPDIR/p.json"
}

@test "tcppage: bad input is one line on stderr and status 1, bad usage 2" {
	echo '{"connections": [' >"$BATS_TEST_TMPDIR/bad.json"
	run "$BIN/tcppage" -o "$BATS_TEST_TMPDIR/x.html" "$BATS_TEST_TMPDIR/bad.json"
	assert_failure 1
	assert_output "tcppage: $BATS_TEST_TMPDIR/bad.json: not a tcplab report: line 2: ']' expected near end of file"
	[ ! -e "$BATS_TEST_TMPDIR/x.html" ] && [ ! -e "$BATS_TEST_TMPDIR/x.html.tmp" ]
	run "$BIN/tcppage" "$BATS_TEST_TMPDIR/none.json"
	assert_failure 1
	assert_output "tcppage: $BATS_TEST_TMPDIR/none.json: No such file or directory"
	run "$BIN/tcppage"
	assert_failure 2
	run "$BIN/tcppage" -o "$BATS_TEST_TMPDIR/no/such/dir/x.html" "$PAGES/concurrent.json"
	assert_failure 1
	assert_output --partial "No such file or directory"
}

@test "tcppage reads stdin and names the page after the report" {
	"$BIN/tcppage" - <"$PAGES/concurrent.json" >"$BATS_TEST_TMPDIR/p.html"
	grep -q '<title>tcplab: concurrent</title>' "$BATS_TEST_TMPDIR/p.html"
	"$BIN/tcppage" --title 'my <lab> & "me"' "$PAGES/concurrent.json" >"$BATS_TEST_TMPDIR/p.html"
	grep -q '<title>my &lt;lab&gt; &amp; &quot;me&quot;</title>' "$BATS_TEST_TMPDIR/p.html"
	# self-contained: nothing that could fetch
	run grep -Eio '(src|href)="(https?:)?//[^"]*"|@import|url\(http' "$BATS_TEST_TMPDIR/p.html"
	assert_failure
}

@test "tcpobserve --html writes the page tcppage draws from its JSON, byte for byte" {
	T=$BATS_TEST_TMPDIR
	run "$BIN/tcpobserve" -r "$GOLDEN/crossing-fins.pcap" --html -o "$T/a.html"
	assert_success
	"$BIN/tcpobserve" -r "$GOLDEN/crossing-fins.pcap" | "$BIN/tcppage" -o "$T/b.html" -
	cmp "$T/a.html" "$T/b.html"
	"$BIN/tcpobserve" -r "$GOLDEN/crossing-fins.pcap" --html --summary >"$T/s.html"
	grep -q '^<!DOCTYPE html>' "$T/s.html"
	run "$BIN/tcpobserve" -r "$GOLDEN/crossing-fins.pcap" --html --text
	assert_failure 2
	assert_output --partial "not with --text or --follow"
}
