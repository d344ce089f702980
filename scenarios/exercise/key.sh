#!/usr/bin/env bash
# key.sh REPORT [BANK] — the answer key of one exercise run, on stdout:
#   {"student", "variant", "report", "questions": [{"id": "Q1", "template",
#    "title", "text", "format", "answer", "compare", "evidence", "points",
#    "params"}, ...]}
# Every question comes from a template of the question bank (default
# scenarios/exercise/questions.json) whose `when` holds for this run; its
# parameters (moment, connection, side) are drawn from the variant's `draw`
# numbers (the same student id always gets the same ones), its answer and
# evidence are the template's jq expressions evaluated over REPORT (with
# lib.jq), the answer written as a student would write it in answers.txt.
# A template whose answer is null for this run is left out (one line on
# stderr); a template that is not valid jq is an error naming it (exit 1).
set -u
here=$(cd "$(dirname "$0")" && pwd)
report=${1:-}
bank=${2:-$here/questions.json}
[ -n "$report" ] || { echo "usage: key.sh REPORT [BANK]" >&2; exit 2; }
[ -s "$report" ] || { echo "key.sh: $report: no such report" >&2; exit 1; }
jq -e 'type == "array" and all(.[]; (.id | type) == "string" and (.text | type) == "string"
	and (.answer | type) == "string" and (.compare.type | IN("exact", "set", "list", "number")))' \
	"$bank" >/dev/null 2>&1 ||
	{ echo "key.sh: $bank: not a question bank (an array of {id, text, answer, compare: {type: exact|set|list|number}})" >&2; exit 1; }
draw=$(jq -c '.parameters.variant.draw // [0,0,0,0,0,0,0,0]' "$report")

# program TEMPLATE-JSON INDEX: the jq program that evaluates one template
program() {
	jq -r --argjson ti "$2" '
		def q: tostring;
		(.params // {} | to_entries) as $ps
		| "include \"lib\";",
		  "def when_: \(.when // "true");",
		  ($ps[] | "def cand_\(.key): \(.value);"),
		  "def answer_($p): \(.answer);",
		  "def aliases_($p): \(.aliases // "{}");",
		  "def evidence_($p): \(.evidence // "\"\"");",
		  ". as $R | if when_ then",
		  "  ({} \($ps | to_entries | map("+ {\(.value.key): (cand_\(.value.key) | if length == 0 then null else .[$draw[(\($ti) * 2 + \(.key)) % ($draw | length)] % length] end)}") | join(" ")))",
		  "  as $p | if any($p[]; . == null) then {skip: \"no candidate for a parameter\"}",
		  "  else {params: $p, value: answer_($p), aliases: aliases_($p), evidence: evidence_($p),",
		  "        client: (if $p.conn then conn_client($p.conn) else null end),",
		  "        server: ((.moments.a.process_tree.processes[0].comm) // null)} end",
		  "else {skip: \"does not apply\"} end"' <<<"$1"
}

questions=()
i=0
while IFS= read -r tpl; do
	id=$(jq -r .id <<<"$tpl")
	prog=$(program "$tpl" "$i")
	i=$((i + 1))
	if ! out=$(jq -L "$here" --argjson draw "$draw" "$prog" "$report" 2>&1); then
		echo "key.sh: template $id: ${out//$'\n'/ }" >&2
		exit 1
	fi
	skip=$(jq -r '.skip // empty' <<<"$out")
	[ -n "$skip" ] && { [ "$skip" = "does not apply" ] || echo "key.sh: template $id: $skip, left out" >&2; continue; }
	if jq -e '.value == null or .value == []' <<<"$out" >/dev/null; then
		echo "key.sh: template $id: no answer in this run, left out" >&2
		continue
	fi
	questions+=("$(jq -c --argjson t "$tpl" --argjson r "$(jq -c '.parameters | {port, refused_port, backlog}' "$report")" '
		def num: (. * 1000 | round) / 1000 | tostring;
		. as $e | ($r + $e.params + {client: $e.client, server: $e.server}) as $vars
		| def fill: reduce ($vars | to_entries[]) as $v (.; gsub("\\{\($v.key)\\}"; $v.value | tostring));
		{template: $t.id, title: ($t.title // $t.id), text: ($t.text | fill),
		 format: ($t.format // "" | fill),
		 answer: ($e.value | if type == "array" then map(if type == "number" then num else tostring end)
				| join(if $t.compare.item == "socket" then "; " else ", " end)
			elif type == "number" then num else tostring end),
		 compare: ($t.compare + (if ($e.aliases | length) > 0 then {aliases: $e.aliases} else {} end)),
		 evidence: $e.evidence, points: ($t.points // 1), params: $e.params}' <<<"$out")")
done < <(jq -c '.[]' "$bank")

printf '%s\n' "${questions[@]}" | jq -s --slurpfile r "$report" '
	$r[0] as $R
	| {student: $R.parameters.variant.student, seed: $R.parameters.variant.seed,
	   variant: ($R.parameters.variant | del(.draw, .hash)),
	   questions: (to_entries | map({id: "Q\(.key + 1)"} + .value))}'
