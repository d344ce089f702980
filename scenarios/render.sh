#!/usr/bin/env bash
# render.sh REPORT — the terminal account of a scenario from its report
# (report/<name>.json): the clients' lines, the ladder diagrams of the
# capture, the FIN packets, the kernel snapshots of the four moments side by
# side, the process tree, and the verdict in plain words with each claim
# pointing at its evidence in the report. COLUMNS narrower than 140 puts the
# snapshots two by two.
set -u
report=${1:?usage: render.sh REPORT}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${TCPLAB_BIN:-$top/bin}
[ -s "$report" ] || { echo "render.sh: $report: no such report" >&2; exit 1; }
width=${COLUMNS:-$(tput cols 2>/dev/null || echo 80)}

section() { printf '\n== %s\n' "$*"; }
# fx(D): a number with D decimals (jq 1.6 has no printf)
fx='def fx($d): if . == null then "?" else pow(10; $d) as $s | ((. * $s) | round) as $m | (if $m < 0 then -$m else $m end) as $a | (if $m < 0 then "-" else "" end) + "\(($a / $s) | floor)." + (("000000000" + ($a % $s | tostring)) | .[-$d:]) end;'


jq -r '
	.parameters as $p
	| "\(.scenario): \($p.server), \(if $p.kind == "daytime" then "2 telnet clients" else "cmdclient" end)"
	  + " on \($p.host):\($p.port)"
	  + (if $p.namespace then " (network namespace \($p.namespace))" else " (host loopback)" end),
	  "times: t = seconds after \(if .capture then "the first captured packet" else "the start" end) (\(.t0 | todate))"' "$report"

section "Clients (each line stamped as it arrived)"
jq -r "$fx"' .t0 as $t0 | .clients[] |
	"  \(.name) pid \(.pid)\(if .local_port then ", port \(.local_port)" else "" end)"
	+ "\(if .connection then ", connection \(.connection)" else "" end):",
	([(.lines[] | {t, text}), (.typed[]? | {t, text: ("> " + .text + "   (typed on its stdin)")})]
	 | sort_by(.t)[] | "    t=\(.t - $t0 | fx(3))  \(.text)")' "$report"

pcap=$(jq -r '.parameters.capture // empty' "$report")
if [ -n "$pcap" ] && [ -s "$pcap" ] && [ -x "$bin/tcpobserve" ]; then
	section "Ladder diagrams (tcpobserve -r $pcap --text)"
	"$bin/tcpobserve" -r "$pcap" --text 2>&1 | sed 's/^/  /'
	section "FIN packets (the lab's tcpdump 'tcp[13] & 1 != 0' view)"
	jq -r "$fx"' .connections | to_entries[] | .key as $k | .value as $c
		| $c.packets // [] | to_entries[] | select(.value.flags | test("F"))
		| .value as $p | ($c[$p.from]) as $s | ($c[if $p.from == "client" then "server" else "client" end]) as $d
		| "  t=\($p.t | fx(6))  \($s.addr):\($s.port) > \($d.addr):\($d.port)  [\($p.flags)] (\($p.from))  .connections[\($k)].packets[\(.key)]"' "$report"
else
	section "No capture: kernel snapshots only"
fi

section "Kernel snapshots (tcpobserve --snapshot --port PORT): state, local port, remote port, owner pid / TIME_WAIT left"
jq -r --argjson width "$width" "$fx"'
	.parameters.port as $P | .t0 as $t0
	| def pad($n): . + ([range(0; ($n - length) | if . > 0 then . else 0 end)] | map(" ") | add // "");
	  def sock: "\(.state | .[0:11] | pad(11)) \(.local.port | tostring | pad(5)) \(.remote.port | tostring | pad(5)) "
		+ (if .state == "LISTEN" then "q=\(.recv_q)"
		   elif .timer and .timer.kind == "timewait" then "\(.timer.left | floor)s"
		   elif (.procs | length) > 0 then "p\(.procs[0].pid)" else "" end);
	  def col($id; $m): ["(\($id)) t=\($m.t | fx(3)) \($m["label"])"[0:34]]
		+ [$m.snapshot.sockets | sort_by(.local.port != $P, .state != "LISTEN", .remote.port, .local.port)[] | sock];
	[.moments | to_entries[] | col(.key; .value)] as $cols
	| (if $width >= 140 then [$cols] else [$cols[0:2], $cols[2:4]] end)[]
	| . as $row
	| ([$row[] | length] | max) as $n
	| (range(0; $n) as $i | "  " + ([$row[] | (.[$i] // "") | pad(34)] | join(" | "))), ""' "$report"

section "Process tree (pstree -p) at each moment"
jq -r '.moments | to_entries[] | select(.value.process_tree) |
	"  (\(.key)) \(.value["label"]):", (.value.process_tree.text | split("\n")[] | "      " + .)' "$report"

jq -e '.server.log | length > 0' "$report" >/dev/null 2>&1 && {
	section "Server log"
	jq -r '.server.log[] | "  " + .' "$report"
}

section "Verdict"
jq -r -f "$(dirname "$0")/verdict-text.jq" "$report"
