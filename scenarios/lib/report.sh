# shellcheck shell=bash
# report.sh (part of lib.sh) — the end of a scenario: the report JSON
# (report.jq joins what the run collected; times as fixed decimals), the
# account (render.sh), the page (bin/tcppage, when built), the exit status.

# sc_fixed: JSON on stdin to stdout with every number jq wrote in exponent
# form (1.8e-05) written as a fixed decimal (0.000018), exactly (the digits
# are moved, not recomputed); strings are left as they are.
sc_fixed() {
	perl -pe 'BEGIN {
		sub fixed {
			my ($sign, $int, $frac, $exp) = @_;
			my $d = $int . ($frac // ""); my $p = length($int) + $exp; my $s;
			if ($p <= 0) { $s = "0." . ("0" x -$p) . $d }
			elsif ($p >= length $d) { $s = $d . ("0" x ($p - length $d)) }
			else { $s = substr($d, 0, $p) . "." . substr($d, $p) }
			$s =~ s/^0+(?=\d)//; $s =~ s/(\.\d*?)0+$/$1/; $s =~ s/\.$//;
			return $sign . $s;
		}
	}
	s/("(?:[^"\\]|\\.)*")|(-?)(\d+)(?:\.(\d+))?[eE]([-+]?\d+)/defined $1 ? $1 : fixed($2, $3, $4, $5)/ge'
}

# sc_write_report PARAMS REPORT PCAP: joins the parameters (JSON) with what
# the run collected in $SC_TMP (observer.json, clients.json, moments.json,
# server.json) through report.jq into REPORT, drops PCAP when nothing was
# captured, prints the account unless NO_RENDER=1, and writes the page
# (sc_page). The parameters get the attempt and why there was a rerun.
sc_write_report() {
	local params=$1 report=$2 pcap=$3
	params=$(jq -c --argjson n "$SC_ATTEMPT" --arg why "${SC_RERUN_REASON:-}" \
		'. + {attempt: $n, rerun_reason: (if $why == "" then null else $why end)}' <<<"$params")
	jq -n --argjson params "$params" --slurpfile obs "$SC_TMP/observer.json" \
		--slurpfile clients "$SC_TMP/clients.json" --slurpfile moments "$SC_TMP/moments.json" \
		--slurpfile srv "$SC_TMP/server.json" \
		-f "$SC_TOP/scenarios/report.jq" >"$SC_TMP/report.json" &&
		sc_fin_lines "$SC_TMP/report.json" "$pcap" >"$SC_TMP/fins.json" &&
		jq --slurpfile f "$SC_TMP/fins.json" '. + {fin_packets: $f[0]}' "$SC_TMP/report.json" \
			>"$SC_TMP/full.json" &&
		# + the terminal verdict's sentences with their evidence, for the page
		bash "$SC_TOP/scenarios/verdict-sentences.sh" "$SC_TMP/full.json" |
		sc_fixed >"$report.tmp" && mv "$report.tmp" "$report" ||
		sc_die "could not write $report"
	sc_check_preconditions "$report"
	[ "$SC_CAPTURE" = 1 ] || rm -f "$pcap"
	sc_say "wrote $report$([ "$SC_CAPTURE" = 1 ] && echo " and $pcap")"
	[ "${NO_RENDER:-0}" = 1 ] || bash "$SC_TOP/scenarios/render.sh" "$report"
	sc_page "$report"
}

# sc_fin_lines REPORT PCAP: the FIN packets of the run as JSON, in time
# order: [{line, side, evidence}], line being what `tcpdump -nn -i lo
# 'tcp[13] & 1 != 0'` prints for it (tcpdump -nn -r PCAP with that filter),
# side who sent it, evidence its path in the report; null without a
# capture or tcpdump, or when tcpdump and the report do not count the same.
sc_fin_lines() {
	local lines
	if [ "$SC_CAPTURE" != 1 ] || ! command -v tcpdump >/dev/null ||
		! lines=$(tcpdump -nn -r "$2" 'tcp[13] & 1 != 0' 2>/dev/null); then
		echo null
		return 0
	fi
	jq --arg lines "$lines" '[.connections | to_entries[] | .key as $k | .value.packets // [] | to_entries[]
		| select(.value.flags | test("F"))
		| {t: .value.t, side: .value.from, evidence: ".connections[\($k)].packets[\(.key)]"}]
		| sort_by(.t) as $f | ($lines | split("\n") | map(select(length > 0))) as $l
		| if ($l | length) != ($f | length) then null
		  else [range(0; $l | length) as $i | {line: $l[$i], side: $f[$i].side, evidence: $f[$i].evidence}]
		  end' "$1"
}

# sc_check_preconditions REPORT: when the report says the run cannot
# support its lesson (.verdict.preconditions.hold == false: e.g. the second
# client connected only after the server had closed the first), rerun the
# scenario once (sc_rerun); on the second attempt the verdict says so and
# the exit status will be 1 (SC_MISSED).
sc_check_preconditions() {
	local why
	why=$(jq -r 'select(.verdict.preconditions.hold == false)
		| "the lesson\u0027s precondition did not hold: \(.verdict.served_reason // "see .verdict")"' "$1")
	[ -n "$why" ] || return 0
	sc_rerun "$why"
	sc_say "$why"
	SC_MISSED+=("(verdict) $why")
}

# sc_page REPORT: when bin/tcppage is built, write the page REPORT.html
# beside the report and print its path and file:// URL (on stdout after the
# account; as a progress line with NO_RENDER=1). Without tcppage: nothing.
sc_page() {
	local html=${1%.json}.html abs
	[ -x "$SC_BIN/tcppage" ] || return 0
	if ! "$SC_BIN/tcppage" -o "$html" "$1"; then
		sc_say "could not write the page $html"
		return 0
	fi
	abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
	if [ "${NO_RENDER:-0}" = 1 ]; then
		sc_say "page: $html (file://$abs)"
	else
		printf '\n== Page\n  %s\n  file://%s\n' "$html" "$abs"
	fi
}

# sc_exit_status: the scenario's exit status: 1 (with one line per moment)
# when a moment was missed on the last attempt (or the run could not
# support the lesson's verdict), else 0.
sc_exit_status() {
	local m
	[ "${#SC_MISSED[@]}" -eq 0 ] && return 0
	for m in "${SC_MISSED[@]}"; do
		printf '%s: missed moment %s\n' "$SC_NAME" "$m" >&2
	done
	return 1
}
