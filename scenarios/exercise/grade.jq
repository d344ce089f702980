# grade.jq — grade one student's answers.txt against their key.json; pure
# (no I/O but its inputs), so every rule is unit-tested on hand-written
# keys and answers (bats/exercise_grade.bats). Run with jq -n and:
#   --slurpfile key  key.json (scenarios/exercise/key.sh)
#   --rawfile answers  the student's answers.txt
#   --arg name  how to call the answers file in messages ("answers.txt")
#   --argjson elapsed  seconds spent, for execution_time
# Output: Gradescope's results.json (as `make grade` writes it): one test
# per question, with the student's answer, the verdict, the right answer
# and its evidence — visibility "after_published", so that resubmitting
# cannot fish for answers — and a top-level `output`, visible at once, that
# only says which questions were answered and which lines could not be read.
#
# answers.txt: one line per question, `Q3: TIME_WAIT` (also `q3 = ...`,
# `3) ...`); blank lines and `#` comments are skipped; an empty answer is
# no answer; a question answered twice keeps the last line.

# --- normalising one item ----------------------------------------------------
def short: if length > 60 then .[0:57] + "..." else . end;
def trim: sub("^[\\s`'\"]+"; "") | sub("[\\s`'\".]+$"; "");

# a TCP state as netstat, ss, tcpobserve or a textbook writes it
def state_norm:
	(ascii_upcase | gsub("[^A-Z0-9]"; "")) as $s
	| {"ESTABLISHED": "ESTABLISHED", "ESTAB": "ESTABLISHED", "SYNSENT": "SYN_SENT",
	   "SYNRCVD": "SYN_RCVD", "SYNRECV": "SYN_RCVD", "SYNRECEIVED": "SYN_RCVD",
	   "FINWAIT1": "FIN_WAIT_1", "FINWAIT2": "FIN_WAIT_2", "TIMEWAIT": "TIME_WAIT",
	   "CLOSEWAIT": "CLOSE_WAIT", "LASTACK": "LAST_ACK", "LISTEN": "LISTEN",
	   "LISTENING": "LISTEN", "CLOSED": "CLOSED", "CLOSE": "CLOSED", "CLOSING": "CLOSING"}[$s];

# an address: 127.0.0.1:51895 and 51895 are the same (loopback is the
# lab's only address); 0.0.0.0:*, *:*, * and port 0 are "any"
def addr_norm:
	(first(trim | capture("^(\\[?(?<a>[^\\]]*?)\\]?:)?(?<p>[0-9]+|\\*)$")) // null) as $m
	| if $m == null then null
	  elif $m.p == "*" or $m.p == "0" then "*"
	  elif ($m.a // "") | IN("", "127.0.0.1", "localhost", "::ffff:127.0.0.1") then $m.p
	  else "\($m.a):\($m.p)" end;

# state names written in words: `TIME WAIT`, `fin wait 2`
def join_states:
	gsub("(?<a>fin)[\\s_-]+wait[\\s_-]*(?<n>[12])"; "FIN_WAIT_\(.n)"; "i")
	| gsub("(?<a>time|close|syn|last)\\s+(?<b>wait|sent|recv|rcvd|received|ack)"; "\(.a)_\(.b)"; "i");

# a netstat line: `local foreign STATE`, or a whole netstat line `tcp 0 0
# local foreign STATE [PID/Program]`
def socket_norm:
	[join_states | splits("[\\s,]+") | select(length > 0)]
	| if (.[0] | ascii_downcase | test("^tcp6?$")) then .[3:] else . end
	| if length < 3 then null
	  else (.[0] | addr_norm) as $l | (.[1] | addr_norm) as $f | (.[2] | state_norm) as $st
	  | if $l == null or $f == null or $st == null then null else "\($l) \($f) \($st)" end end;

# TCP flags as a sorted string of letters: `RA`, `[R.]`, `RST, ACK`,
# `rst+ack` are all "AR"
def flags_norm:
	ascii_upcase | gsub("[\\[\\]`'\"]"; "") as $s
	| if ($s | test("SYN|FIN|RST|RESET|ACK|PSH|PUSH|URG")) then
		[$s | scan("SYN|FIN|RST|RESET|ACK|PSH|PUSH|URG")
		 | {"SYN": "S", "FIN": "F", "RST": "R", "RESET": "R", "ACK": "A",
		    "PSH": "P", "PUSH": "P", "URG": "U"}[.]]
	  else [$s | gsub("[\\s,+/]"; "") | explode[] | [.] | implode
		| if . == "." then "A" else . end]
	  end
	| if all(.[]; IN("S", "F", "R", "P", "A", "U", "E", "C")) and length > 0
	  then unique | join("") else null end;

# a number of seconds: 63.5, 63.5 s, t=63.5, or tcpdump -ttttt's 00:01:03.5
def number_norm:
	trim | sub("^t\\s*=\\s*"; "") | sub("\\s*(s|sec|secs|seconds?)$"; "")
	| if test("^[0-9]+:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?$") then
		split(":") | (.[0] | tonumber) * 3600 + (.[1] | tonumber) * 60 + (.[2] | tonumber)
	  elif test("^[-+]?[0-9]+(\\.[0-9]*)?$|^[-+]?\\.[0-9]+$") then tonumber
	  else null end;

def word_norm($syn):
	ascii_downcase | trim | gsub("^the\\s+|^\\(|\\)$"; "") | gsub("\\s+"; " ") as $w
	| first(($syn // {}) | to_entries[] | select(.key == $w or any(.value[]; . == $w)) | .key) // $w;

# one item by the question's kind; null when it cannot be read
def item_norm($c):
	if $c.item == "state" then state_norm
	elif $c.item == "socket" then socket_norm
	elif $c.item == "int" then (trim | sub("^#"; "") | if test("^[0-9]+$") then tonumber else null end)
	elif $c.item == "flags" then flags_norm
	elif $c.item == "side" then
		(ascii_downcase | trim | sub("^the\\s+"; "")) as $s
		| (($c.aliases // {}) | to_entries | map({key: (.key | ascii_downcase | addr_norm // .), value}) | from_entries) as $al
		| ([$s | scan("\\b(client|server|both)\\b")[0]] | unique) as $named
		| if ($named | length) == 1 then $named[0]
		  else ($al[$s | addr_norm // ""] // $s) end
	elif $c.item == "word" then word_norm($c.synonyms)
	else trim end;

def item_name($c):
	{"state": "a TCP state", "socket": "a socket line `local foreign STATE`", "int": "a whole number",
	 "flags": "TCP flags", "side": "client or server"}[$c.item // ""] // "an answer";

# an answer as a list of raw items
def items($c):
	if $c.item == "socket" then [splits(";|\n")]
	elif $c.item == "state" then [join_states | splits("\\s*(;|,|->|→|\\s)\\s*")]
	else [splits("\\s*(;|,|->|→|\\s)\\s*")] end
	| map(trim) | map(select(length > 0));

# value($c): the normalised answer {ok: value} or {error: why}
def value($c):
	. as $raw
	| if $c.type == "number" then
		(number_norm) as $n
		| if $n == null then {error: "could not read `\($raw | short)` as a number"} else {ok: $n} end
	  elif $c.type == "exact" then
		(item_norm($c)) as $v
		| if $v == null then {error: "could not read `\($raw | short)` as \(item_name($c))"} else {ok: $v} end
	  else
		[items($c)[] | {raw: ., v: item_norm($c)}] as $is
		| ([$is[] | select(.v == null) | .raw]) as $bad
		| if ($bad | length) > 0 then {error: "could not read \($bad[0:3] | map("`\(short)`") | join(", "))\(if ($bad | length) > 3 then " (and \($bad | length - 3) more)" else "" end) as \(item_name($c))"}
		  elif $c.type == "set" then {ok: ([$is[].v] | unique)}
		  else {ok: [$is[].v]} end
	  end;

# --- reading answers.txt -----------------------------------------------------
# {answers: {"Q3": {text, line}}, messages: ["line 4: ..."]}
def parse($name; $ids):
	[split("\n") | to_entries[] | {line: (.key + 1), text: (.value | sub("\r$"; ""))}
	 | select(.text | test("^\\s*(#|$)") | not)]
	| reduce .[] as $l ({answers: {}, messages: [], seen: {}};
		(first($l.text | capture("^\\s*[Qq]?\\s*(?<n>[0-9]+)\\s*[:.)=]\\s*(?<a>.*?)\\s*$")) // null) as $m
		| if $m == null then
			.messages += ["\($name) line \($l.line): not `Qn: answer`: `\($l.text | .[0:60])`"]
		  elif ($ids | index("Q\($m.n | tonumber)")) == null then
			.messages += ["\($name) line \($l.line): Q\($m.n | tonumber): there is no such question (\($ids[0])-\($ids[-1]))"]
		  else "Q\($m.n | tonumber)" as $q
			| (if .seen[$q] then .messages += ["\($name) line \($l.line): \($q) answered again (line \(.seen[$q])): the last answer counts"] else . end)
			| .seen[$q] = $l.line
			| if $m.a == "" then del(.answers[$q])
			  # jq's regex splitting is quadratic: a hostile line is not read
			  elif ($m.a | length) > 1000 then
				.answers[$q] = {text: "\($m.a[0:40])...", line: $l.line,
					error: "an answer of \($m.a | length) characters (at most 1000)"}
			  else .answers[$q] = {text: $m.a, line: $l.line} end
		  end)
	| del(.seen);

# --- judging -------------------------------------------------------------------
def judge($q; $a):
	$q.compare as $c
	| ($q.answer | value($c)) as $k
	| if $a == null then {score: 0, verdict: "not answered"}
	  else (if $a.error then {error: $a.error} else $a.text | value($c) end) as $s
	  | if $s.error then {score: 0, verdict: "\($s.error) (line \($a.line)): no points", error: $s.error}
	  elif $k.error then {score: 0, verdict: "the key's answer cannot be read (\($k.error)): tell the instructor"}
	  elif $c.type == "number" then
		(($s.ok - $k.ok) | if . < 0 then -. else . end) as $d
		| if $d <= ($c.tolerance // 0) + 1e-9 then {score: $q.points, verdict: "right\(if $d > 0 then " (within ±\($c.tolerance))" else "" end)"}
		  else {score: 0, verdict: "not right: off by \(($d * 1000 | round) / 1000) (±\($c.tolerance // 0) allowed)"} end
	  elif $s.ok == $k.ok then {score: $q.points, verdict: "right"}
	  elif $c.type == "set" then
		{score: 0, verdict: "not right: \([if ($k.ok - $s.ok | length) > 0 then "\($k.ok - $s.ok | length) missing" else empty end,
			if ($s.ok - $k.ok | length) > 0 then "\($s.ok - $k.ok | length) that should not be there" else empty end] | join(", "))"}
	  elif $c.type == "list" and ($s.ok | sort) == ($k.ok | sort) then {score: 0, verdict: "not right: the right items, in the wrong order"}
	  else {score: 0, verdict: "not right"} end
	  end;

($key[0]) as $K
| ([$K.questions[].id]) as $ids
| ($answers | parse($name; $ids)) as $P
| [$K.questions[] | . as $q | $P.answers[$q.id] as $a | judge($q; $a) as $j
   | {number: ($q.id | ltrimstr("Q")), name: "\($q.id) \($q.title)",
      score: $j.score, max_score: $q.points,
      status: (if $j.score >= $q.points then "passed" else "failed" end),
      visibility: "after_published",
      output: ([$q.text,
	      "Your answer: \(if $a then "\($a.text) (line \($a.line))" else "none" end)",
	      "Verdict: \($j.verdict)",
	      "The answer: \($q.answer)",
	      "Evidence: \($q.evidence)"] | join("\n")),
      extra_data: {answer: ($a.text // null), line: ($a.line // null), key: $q.answer,
                   compare: $q.compare, evidence: $q.evidence, unreadable: ($j.error // null)}}] as $tests
| ([$tests[] | select(.extra_data.unreadable) | "\($name) line \(.extra_data.line): \(.name | split(" ")[0]): \(.extra_data.unreadable)"]) as $unread
| ([$ids[] | select($P.answers[.] == null)]) as $missing
| {score: ([$tests[].score] | add // 0),
   execution_time: $elapsed,
   output: ([ "tcplab exercise answers of \($K.student): \($ids | length - ($missing | length)) of \($ids | length) questions answered\(if ($missing | length) > 0 then " (no answer: \($missing | join(", ")))" else "" end). Scores, right answers and evidence are shown when the grades are published."]
	    + $P.messages + $unread | join("\n")),
   tests: $tests,
   extra_data: {student: $K.student, max_score: ([$K.questions[].points] | add // 0),
                answered: ($ids | length - ($missing | length)), missing: $missing,
                messages: ($P.messages + $unread), variant: $K.variant}}
