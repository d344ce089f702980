#!/usr/bin/env bash
# page.sh KEYS DIR — the student's web pages, when bin/tcppage exists:
# DIR/page.html, tcppage's drawing of the run (`tcppage -o OUT.html
# REPORT.json`) from a copy of the report without what the questions ask
# (the moments' socket tables and process trees, the verdict, the FIN list, the server's
# log), and DIR/worksheet.html, a small page with the worksheet and links
# to the page, the capture, the transcripts and answers.txt.
# The page still draws the capture's ladders (tcpobserve's states), which a
# student can also get with `tcpobserve -r capture.pcap --text`; set
# EXERCISE_PAGE=0 for exercise.sh to hand out no page.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${TCPLAB_BIN:-$top/bin}
[ $# -eq 2 ] || { echo "usage: page.sh KEYS DIR" >&2; exit 2; }
keys=$1 out=$2
[ -x "$bin/tcppage" ] || { echo "page.sh: no $bin/tcppage" >&2; exit 1; }
jq 'del(.verdict, .server, .fin_packets)
	| .moments |= map_values({id, "label": .label, time, t})
	| .parameters |= del(.variant, .server_pid, .namespace)
	| .parameters.capture = "capture.pcap"' "$keys/report.json" >"$keys/student-report.json" || exit 1
"$bin/tcppage" -o "$out/page.html" "$keys/student-report.json" >"$keys/page.log" 2>&1 ||
	{ rm -f "$out/page.html"; echo "page.sh: tcppage failed: $(tail -n 1 "$keys/page.log")" >&2; exit 1; }
jq -rn --rawfile md "$out/worksheet.md" --arg student "$(jq -r .parameters.variant.student "$keys/report.json")" \
	--arg transcripts "$(cd "$out" && ls transcripts)" '
	"<!DOCTYPE html>",
	"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>TCP lab exercise — \($student | @html)</title>",
	"<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style>",
	"</head><body>",
	"<h1>TCP lab exercise — \($student | @html)</h1>",
	"<ul>",
	"<li><a href=\"page.html\">your run, drawn: the connections, packets and clients on one time axis</a></li>",
	"<li><a href=\"capture.pcap\">capture.pcap</a> (open it in Wireshark, or <code>tcpdump -# -nn -ttttt -r capture.pcap</code>)</li>",
	($transcripts | split("\n")[] | select(length > 0) | "<li><a href=\"transcripts/\(@uri)\">transcripts/\(@html)</a></li>"),
	"<li><a href=\"answers.txt\">answers.txt</a>: write your answers there</li>",
	"</ul>",
	"<pre>\($md | @html)</pre>",
	"</body></html>"' >"$out/worksheet.html"
