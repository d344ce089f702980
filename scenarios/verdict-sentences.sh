#!/usr/bin/env bash
# verdict-sentences.sh REPORT — the report with .verdict.sentences added:
# [{"text", "evidence": [path, ...], "why"?}], one per claim of the terminal verdict
# (scenarios/verdict-text.jq), so the page can show each claim with links to
# its evidence. Prints the new report on stdout.
set -eu
report=${1:?usage: verdict-sentences.sh REPORT}
top=$(cd "$(dirname "$0")/.." && pwd)
jq -r -f "$top/scenarios/verdict-text.jq" "$report" |
jq -R -s --slurpfile r "$report" '
	split("\n") | map(select(length > 0))
	| reduce .[] as $l ([];
		if ($l | startswith("  - ")) then . + [{text: $l[4:], evidence: []}]
		elif ($l | test("^ +evidence: ")) and length > 0 then
			.[-1].evidence += ($l | sub("^ +evidence: "; "") | split(", ") | map(sub(" \\(.*$"; "")))
		elif ($l | test("^ +why: ")) and length > 0 then .[-1].why = ($l | sub("^ +why: "; ""))
		elif length > 0 and .[-1].why != null then .[-1].why += " " + ($l | sub("^ +"; ""))
		elif length > 0 then .[-1].text += " " + ($l | sub("^ +"; ""))
		else . end)
	| . as $s | $r[0] | .verdict.sentences = $s'
