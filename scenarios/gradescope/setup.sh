#!/usr/bin/env bash
# setup.sh — Gradescope runs this once, as root, when it builds the
# autograder image (Ubuntu): install what tcplab's grader needs and build
# tcplab from the bundle (source/tcplab). Gradescope unpacks
# autograder.zip into /autograder/source and runs this from there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${TCPLAB_TOP:-$here/tcplab}	# in the bundle; else the tree it is part of
[ -f "$top/Makefile" ] || top=$(cd "$here/../.." && pwd)
pkgs="gcc make libc6-dev libpcap-dev libjansson-dev jq iproute2 procps psmisc util-linux
	bubblewrap libcap2-bin"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
fi
# build the programs only (the test tools of `make test` are not needed)
mkdir -p "$top/build"
touch "$top/build/.deps-ok"
make -C "$top" -j"$(nproc)" all
