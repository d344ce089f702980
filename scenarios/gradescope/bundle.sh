#!/usr/bin/env bash
# bundle.sh ZIP — make Gradescope's autograder bundle (`make gradescope`):
# setup.sh and run_autograder at the top of the zip, as Gradescope's
# autograder specification asks, and tcplab's sources (the Makefile, src/,
# scenarios/) in tcplab/, built by setup.sh on Gradescope's image.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
zip=$(realpath -m "$1")
stage=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-bundle.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/tcplab"
(cd "$top" && tar -cf - --exclude='*.o' --exclude='*.d' Makefile src scenarios) | tar -xf - -C "$stage/tcplab"
install -m 755 "$top/scenarios/gradescope/setup.sh" "$top/scenarios/gradescope/run_autograder" "$stage/"
rm -f "$zip"
(cd "$stage" && zip -qr "$zip" setup.sh run_autograder tcplab)
echo "$zip: setup.sh, run_autograder, tcplab/ ($(unzip -l "$zip" | tail -1 | awk '{ print $2 }') files)"
