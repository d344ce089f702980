#!/usr/bin/env bash
# render.sh REPORT — the terminal account of a scenario from its report
# (report/<name>.json): the clients' lines, the ladder diagrams of the
# capture, the FIN packets as `tcpdump -nn -i lo 'tcp[13] & 1 != 0'` prints
# them, the kernel's sockets at the four moments as `netstat -tan` prints
# them (with ss -tanop's owner and timer beside), the process tree as
# `pstree -pA`, and the verdict in plain words with each claim pointing at
# its evidence in the report. A missed moment is said, and shows no table.
set -u
report=${1:?usage: render.sh REPORT}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${TCPLAB_BIN:-$top/bin}
[ -s "$report" ] || { echo "render.sh: $report: no such report" >&2; exit 1; }

section() { printf '\n== %s\n' "$*"; }
# fx(D): a number with D decimals (jq 1.6 has no printf)
fx='def fx($d): if . == null then "?" else pow(10; $d) as $s | ((. * $s) | round) as $m
	| (if $m < 0 then -$m else $m end) as $a | (if $m < 0 then "-" else "" end)
	+ "\(($a / $s) | floor)." + (("000000000" + ($a % $s | tostring)) | .[-$d:]) end;'

jq -r '
	.parameters as $p
	| "\(.scenario): \($p.server), \(if $p.kind == "daytime" then "2 telnet clients" else $p.client end)"
	  + " on \($p.host):\($p.port)"
	  + (if $p.namespace then " (network namespace \($p.namespace))" else " (host loopback)" end),
	  "times: t = seconds after \(if .capture then "the first captured packet" else "the start" end)"
	  + " (\(.t0 | todate))"' "$report"

section "Clients (each line stamped as our shell read it: the lab's view)"
jq -r "$fx"' .t0 as $t0 | .clients[] |
	"  \(.name) pid \(.pid)\(if .local_port then ", port \(.local_port)" else "" end)"
	+ "\(if .connection then ", connection \(.connection)" else "" end):",
	([(.lines[] | {t, text}), (.typed[]? | {t, text: ("> " + .text + "   (typed on its stdin)")})]
	 | sort_by(.t)[] | "    t=\(.t - $t0 | fx(3))  \(.text)"),
	(.daytime.wire_t // empty
	 | "    (its daytime line passed on the wire at t=\(fx(3)): the kernel\u0027s clock)")' "$report"

pcap=$(jq -r '.parameters.capture // empty' "$report")
if [ -n "$pcap" ] && [ -s "$pcap" ] && [ -x "$bin/tcpobserve" ]; then
	section "Ladder diagrams (tcpobserve -r $pcap --text)"
	"$bin/tcpobserve" -r "$pcap" --text 2>&1 | sed 's/^/  /'
	section "FIN packets (what tcpdump -nn -i lo 'tcp[13] & 1 != 0' prints; tcpdump -nn -r the capture)"
	if jq -e '.fin_packets | type == "array"' "$report" >/dev/null; then
		jq -r '.fin_packets[] | "  \(.line)", "      (\(.side))  \(.evidence)"' "$report"
	else	# no tcpdump at the time: the report's own list
		jq -r "$fx"' .connections | to_entries[] | .key as $k | .value as $c
			| $c.packets // [] | to_entries[] | select(.value.flags | test("F"))
			| .value as $p | ($c[$p.from]) as $s
			| ($c[if $p.from == "client" then "server" else "client" end]) as $d
			| "  t=\($p.t | fx(6))  \($s.addr):\($s.port) > \($d.addr):\($d.port)  [\($p.flags)]"
			  + " (\($p.from))  .connections[\($k)].packets[\(.key)]"' "$report"
	fi
else
	section "No capture: kernel snapshots only"
fi

section "The kernel's sockets at each moment (netstat -tan; owner and timer as ss -tanop shows them)"
for id in $(jq -r '.moments | keys[]' "$report"); do
	jq -r --arg id "$id" "$fx"' .moments[$id] as $m
		| if $m.missed then "\n  (\($id)) MISSED: \($m["label"]) — not shown: \($m.reason)"
		  else "\n  (\($id)) t=\($m.t | fx(3))  \($m["label"])" end' "$report"
	jq -e --arg id "$id" '.moments[$id].missed | not' "$report" >/dev/null || continue
	if jq -e --arg id "$id" '.moments[$id].netstat | length > 0' "$report" >/dev/null; then
		jq -r --arg id "$id" '.moments[$id].netstat[] | "    " + .' "$report"
	elif [ -x "$bin/tcpobserve" ]; then
		jq --arg id "$id" '.moments[$id].snapshot' "$report" |
			"$bin/tcpobserve" --snapshot --text -r - | sed 's/^/    /'
	else
		jq -r --arg id "$id" '.moments[$id].snapshot.sockets[]
			| "    \(.state) \(.local.addr):\(.local.port) \(.remote.addr):\(.remote.port)"' "$report"
	fi
done

section "Process tree (pstree -pA) at each moment"
jq -r '.moments | to_entries[] | select(.value.process_tree and (.value.missed | not)) |
	"  (\(.key)) \(.value["label"]):", (.value.process_tree.text | split("\n")[] | "      " + .)' "$report"

jq -e '.server.log | length > 0' "$report" >/dev/null 2>&1 && {
	section "Server log"
	jq -r '.server.log[] | "  " + .' "$report"
}

section "Verdict"
jq -r -f "$(dirname "$0")/verdict-text.jq" "$report"
