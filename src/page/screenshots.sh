#!/usr/bin/env bash
# screenshots.sh DIR — the pictures docs/page.md shows, taken by headless
# Chromium (bin/pagecheck) from the pages of the committed fixtures
# (bats/fixtures/pages) and of a golden capture. Run by `make screenshots`
# only; the PNGs are committed, never edited by hand.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: screenshots.sh DIR}
bin=$top/bin
tmp=$top/build/shots	# a fixed place: the pages show their own path
mkdir -p "$dir" "$tmp"

# shot NAME PAGE WIDTH HEIGHT JS: the window after JS (which scrolls) has run
shot() {
	"$bin/pagecheck" -t 120 -w "$3" -H "$4" -e "$5; 1" -s "$dir/$1.png" "$2" >"$tmp/$1.json"
	jq -e '.exceptions == [] and .console == []' "$tmp/$1.json" >/dev/null ||
		{ echo "screenshots.sh: $1: the page reported errors:" >&2; cat "$tmp/$1.json" >&2; exit 1; }
	echo "$dir/$1.png"
}
scroll_to='(sel, dx) => { const e = document.querySelector(sel); window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 8);
	const s = e.closest(".scroll") || e.querySelector(".scroll"); if (s && dx) s.scrollLeft = dx; }'

"$bin/tcppage" -o "$tmp/concurrent.html" "$top/bats/fixtures/pages/concurrent.json"
"$bin/tcppage" -o "$tmp/sequential.html" "$top/bats/fixtures/pages/sequential.json"
"$bin/tcppage" -o "$tmp/active-close.html" "$top/bats/fixtures/pages/active-close.json"
"$bin/tcpobserve" -r "$top/bats/fixtures/golden/many.pcap" -o "$tmp/many.json"
"$bin/tcppage" -o "$tmp/many.html" "$tmp/many.json"

shot concurrent-top "$tmp/concurrent.html" 1200 760 'window.scrollTo(0, 0)'
shot glance "$tmp/sequential.html" 1200 240 "($scroll_to)('#glance', 0)"
shot concurrent-ladders "$tmp/concurrent.html" 1200 560 "($scroll_to)('#time', 0)"
shot active-close-end "$tmp/active-close.html" 1200 420 'const l = document.getElementById("ladders");
	l.scrollLeft = l.querySelector("g.pkt[data-flags=FA] line").getBBox().x - 420;
	window.scrollTo(0, l.getBoundingClientRect().top + scrollY - 8)'
shot concurrent-moments "$tmp/concurrent.html" 1200 620 "($scroll_to)('#moments', 0)"
shot overview "$tmp/many.html" 1200 620 'document.querySelectorAll("details.ov-row")[2].open = true;
	document.getElementById("connections").scrollIntoView()'
