#!/usr/bin/env bash
# watchdog.sh PID — started by grade.sh in a session of its own: when PID
# (grade.sh) is gone — even SIGKILLed, when its own cleanup could not run —
# kill what is left of the student (its cgroups, or every process of its
# own uid), remove the cgroups, the network namespace and the work dir, and
# give its uid back. After a normal end there is nothing left and this does
# nothing. Reads GR_CGROUPS GR_NS GR_WORK GR_OUT GR_UID GR_GID GR_UID_OWNED.
set -u
. "$(dirname "$0")/lib.sh"
while kill -0 "$1" 2>/dev/null; do sleep 1; done
# the uid is still ours only if grade.sh never gave it back: else another
# grading may hold it now, and its processes are none of our business
[ "${GR_UID_OWNED:-0}" = 1 ] && [ "$(cat "$GR_UID_DIR/$GR_UID" 2>/dev/null)" = "$1" ] ||
	GR_HAVE_USERS=0 GR_UID_OWNED=0
GR_OUT=${GR_OUT:-/nonexistent}
[ -n "${GR_CGROUPS:-}" ] || [ "$GR_HAVE_USERS" = 1 ] && gr_sb_kill
gr_cgroups_remove
[ -n "${GR_NS:-}" ] && ip netns del "$GR_NS" 2>/dev/null
case ${GR_WORK:-} in */tcplab-grade-*) rm -rf "$GR_WORK" ;; esac
gr_user_release
exit 0
