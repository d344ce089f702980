#!/usr/bin/env bash
# watchdog.sh PID — started by grade.sh in a session of its own: when PID
# (grade.sh) is gone — even SIGKILLed, when its own cleanup could not run —
# kill what is left of the student (its cgroups), remove the cgroups, the
# network namespace and the work dir. After a normal end there is nothing
# left and this does nothing. Reads GR_CGROUPS GR_NS GR_WORK GR_OUT.
set -u
. "$(dirname "$0")/lib.sh"
while kill -0 "$1" 2>/dev/null; do sleep 1; done
[ -n "${GR_CGROUPS:-}" ] && gr_sb_kill
for d in ${GR_CGROUPS:-}; do rmdir "$d" 2>/dev/null; done
[ -n "${GR_NS:-}" ] && ip netns del "$GR_NS" 2>/dev/null
case ${GR_WORK:-} in */tcplab-grade-*) rm -rf "$GR_WORK" ;; esac
exit 0
