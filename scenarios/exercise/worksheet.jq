# worksheet.jq — the student's worksheet.md, from the run's report (input)
# and the key (--slurpfile key): what ran, the connections, the moments,
# the clients' transcripts and the questions with the form of their
# answers. Never the answers, the snapshots or the process trees.
include "lib";

def n3: if . == null then "?" else (. * 1000 | round) / 1000 | tostring
	| if test("\\.") then . + "000" | sub("(?<a>\\.[0-9]{3}).*$"; "\(.a)") else . + ".000" end end;

def extra_text:
	{"half-close": "a client (tcppeer) that connects, at once calls shutdown(SHUT_WR) — it sends its FIN and keeps reading — then reads until the server closes",
	 "rst": "a client (tcppeer) that connects, reads what the server sends, then aborts the connection (SO_LINGER 0 then close)",
	 "refused": "a client started toward port \(.parameters.refused_port), where nothing listens",
	 "backlog": "one more telnet client, while the server listens with backlog \(.parameters.backlog) (`listen(fd, \(.parameters.backlog))`)"}[.parameters.variant.extra] // null;

. as $R | $key[0] as $K | .parameters as $P | $P.variant as $V | .t0 as $t0
| "# TCP lab exercise — \($V.student)",
  "",
  "This is your own run of the lab: nobody else has this capture, these times or these questions.",
  "Work from the files in this folder; write your answers in `answers.txt`.",
  "",
  "## What ran",
  "",
  (if $V.kind == "daytime" then
    "- The server: `daytimed` on \($P.host):\($P.port). Each client gets the time of day (a `ctime` line) and the server closes the connection after a pause. Whether it serves its clients one at a time or forks a child per client is for you to find out."
   else
    "- The server: `cmdserver` on \($P.host):\($P.port), the lab's fork-per-client command server: it sends each client commands to run (date, uname -s, echo done), with a pause of \($P.sleep) s between them. Each `cmdclient` typed `exit` once its first result had been sent."
   end),
  "- The clients, in the order they were started (t = seconds after the first packet of the capture):",
  "",
  ($P.starts[] | "  - `\(.name)`: `\(.command)`, started at t = \(.epoch - $t0 | n3)"),
  (if extra_text then "", "- `\($P.variant.extra | if . == "half-close" then "halfclose" else . end)` is \(extra_text)." else empty end),
  "",
  "## Your files",
  "",
  "- `capture.pcap`: every TCP packet of the run. `tcpdump -# -nn -ttttt -r capture.pcap` numbers the packets (1, 2, …: the numbers the questions use) and prints each one's time after the first packet; Wireshark shows the same numbers and times.",
  "- `transcripts/NAME.txt`: what each client printed, each line with its time t.",
  "",
  "## The connections",
  "",
  "Numbered in the order of their first packet.",
  "",
  "| connection | client | client address | server address |",
  "|---|---|---|---|",
  (.connections[] | .id as $i | "| \(.id) | \($R | conn_client($i) // "?") | \(ep(.client)) | \(ep(.server)) |"),
  "",
  "## The moments",
  "",
  "The questions ask about three moments of the run:",
  "",
  "| moment | t (s) | what had just happened |",
  "|---|---|---|",
  (["a", "b", "c"][] as $m | $R.moments[$m] // empty
   | "| (\($m)) | \(.t | n3) | \({"a": "every client had been started and had connected (or failed to)", "b": "the first connection had just been closed", "c": "every client had ended"}[$m]) |"),
  "",
  "## The clients' transcripts",
  "",
  (.clients | sort_by(.started_as)[] | "### \(.started_as)", "", "```",
   (([.lines[] | {t, text}] + [.typed[]? | {t, text: "> \(.text)   (typed)"}]) | sort_by(.t)[]
    | "t=\(.t - $t0 | n3)  \(.text)"),
   "```", ""),
  "## Questions",
  "",
  ($K.questions[] | "**\(.id).** \(.text)", "", "  *Answer as:* \(.format)", ""),
  "## How to answer",
  "",
  "Write one line per question in `answers.txt`, e.g. `Q3: TIME_WAIT`. Case and spaces do not matter,",
  "`TIME-WAIT` is `TIME_WAIT`, `127.0.0.1:51895` may be written `51895`, lists whose order does not matter",
  "may be in any order, and times are accepted within the tolerance each question states. A question you",
  "leave out scores 0; the others are graded all the same."
