# shellcheck shell=bash
# observer.sh (part of lib.sh) — the live capture: tcpobserve -i lo -w in
# the namespace, started before the clients and stopped by SIGINT.

# sc_observe_start PCAP JSON [BPF...]: start `tcpobserve -i lo -w PCAP -o
# JSON` in the namespace and wait until it says `listening on` on stderr.
# When capture is not possible (no permission, no tcpobserve) say so in one
# line, set SC_CAPTURE=0 and return 0: the scenario goes on with kernel
# snapshots only.
sc_observe_start() {
	local pcap=$1 json=$2 why
	shift 2
	SC_CAPTURE=0
	if [ ! -x "$SC_BIN/tcpobserve" ]; then
		sc_say "no $SC_BIN/tcpobserve: no capture, kernel snapshots only"
		return 0
	fi
	rm -f "$pcap" "$json"
	sc_bg /dev/null "$SC_TMP/observer.err" "$SC_BIN/tcpobserve" -i lo -w "$pcap" -o "$json" "$@"
	SC_OBS_PID=$SC_LASTPID
	if sc_wait_line "$SC_TMP/observer.err" '^listening on ' 10 "$SC_OBS_PID" >/dev/null; then
		SC_CAPTURE=1
		return 0
	fi
	why=$(head -n 1 "$SC_TMP/observer.err" | cut -c 1-160)
	sc_say "capture not permitted or failed ($why): kernel snapshots only"
	kill "$SC_OBS_PID" 2>/dev/null
	SC_OBS_PID=
	return 0
}

# sc_observe_stop: end the live observer with SIGINT (it then writes its
# complete report) and wait for it, at most 15 s.
sc_observe_stop() {
	[ -n "$SC_OBS_PID" ] || return 0
	kill -INT "$SC_OBS_PID" 2>/dev/null
	sc_wait_exit "$SC_OBS_PID" 15 || {
		sc_say "observer did not stop on SIGINT"
		kill -KILL "$SC_OBS_PID" 2>/dev/null
	}
	wait "$SC_OBS_PID" 2>/dev/null
	SC_OBS_PID=
}
