# fixtures_helper.bash — helpers for the observe_*.bats files: run tcpobserve
# on a capture and pull out one connection's facts with jq.
#   observe FILE [ARGS...]   -> $OUT (report path, normalised, sorted by id)
#   states ID SIDE           -> "CLOSED SYN_SENT ..." of connection ID in $OUT
#   cfield ID JQPATH         -> a field of connection ID in $OUT (jq -c)
#   nconn                    -> number of connections in $OUT

observe() {
	local f=$1; shift
	OUT=$BATS_TEST_TMPDIR/$(basename "$f").report.json
	[ -x "$BIN/tcpobserve" ] || { echo "bin/tcpobserve not built" >&2; return 1; }
	"$BIN/tcpobserve" -r "$f" "$@" >"$OUT.raw" 2>"$OUT.err" || {
		echo "tcpobserve -r $f exited $?: $(cat "$OUT.err")" >&2; return 1; }
	jq -S -f "$GOLDEN/normalise.jq" "$OUT.raw" >"$OUT"
}

states() {
	jq -r --argjson id "$1" --arg side "$2" \
		'.connections[] | select(.id == $id) | .states[$side] | map(.state) | join(" ")' "$OUT"
}

cfield() {
	jq -c --argjson id "$1" ".connections[] | select(.id == \$id) | $2" "$OUT"
}

nconn() {
	jq '.connections | length' "$OUT"
}

# le32 N: N as 4 little-endian bytes on stdout (for hand-made pcap records).
le32() {
	printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $((($1 >> 8) & 255)))"
	printf "\\$(printf %03o $((($1 >> 16) & 255)))\\$(printf %03o $((($1 >> 24) & 255)))"
}
