# shellcheck shell=bash
# lib.sh — the machinery of a tcplab scenario, sourced by the scenario
# scripts (and by grading and the exercises). `. scenarios/lib.sh` gives
# every sc_* function; they live in scenarios/lib/, one file per concern:
#   core.sh      globals, sc_init, progress lines, deadlines, waiting for a line
#   ns.sh        the private network namespace, its watchdog, the cleanup
#   procs.sh     background processes, the server, the process tree, sc_kill
#   observer.sh  the live capture (tcpobserve -i lo -w)
#   clients.sh   real clients (telnet, cmdclient) stamped line by line
#   snapshots.sh kernel snapshots, the lab's moments checked, rerun or missed
#   report.sh    the report JSON (fixed decimals), the account, the page
#
# Globals it sets (read them, do not assign them):
#   SC_NAME SC_TOP SC_BIN SC_TMP   scenario name, repo top, bin/, private temp dir
#   SC_NS                          namespace name, empty on the host
#   SC_EXEC                        array prefix that runs a command in SC_NS
#   SC_SERVER_PID SC_HOST SC_PORT  the server and the address it printed
#   SC_OBS_PID SC_CAPTURE          the live observer; SC_CAPTURE=1 if capturing
#   SC_LASTPID                     pid of the last process sc_bg started
#   SC_ATTEMPT                     1, or 2 when the scenario is being rerun
#   SC_MISSED                      the moments missed in this attempt ("(a) reason")
# Environment it honours: TCPLAB_BIN (default $SC_TOP/bin), NO_NETNS=1 (stay
# on the host even as root), SC_QUIET=1 (no progress lines on stderr).

SC_TOP=${SC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
for _sc_part in core ns procs observer clients snapshots report; do
	# shellcheck source=/dev/null
	. "$SC_TOP/scenarios/lib/$_sc_part.sh"
done
unset _sc_part
