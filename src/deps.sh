#!/bin/sh
# Checks the Debian packages tcplab needs and installs the missing ones.
# As root it runs apt-get itself; otherwise it prints the exact command and
# fails, so a fresh machine needs nothing but `git clone` and `make test`.
# Usage: deps.sh GROUP...   (groups: build test bench)
set -u
pkgs_build="gcc make libc6-dev libpcap-dev libjansson-dev"
pkgs_test="bats bats-support bats-assert jq telnet iproute2 procps psmisc tcpdump valgrind \
	bubblewrap libcap2-bin zip unzip chromium-headless-shell"
pkgs_bench="tshark tcptrace"

want=""
for g in "$@"; do
	case $g in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_test" ;;
	bench) want="$want $pkgs_bench" ;;
	*) echo "deps.sh: unknown group '$g' (build, test or bench)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $st in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "tcplab: missing Debian packages:$missing" >&2
	echo "tcplab: run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "tcplab: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; keep the default (no).
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections 2>/dev/null || true
if ! $cmd >/dev/null 2>&1; then
	apt-get update >/dev/null 2>&1 || true
	$cmd >/dev/null || { echo "tcplab: '$cmd' failed" >&2; exit 1; }
fi
