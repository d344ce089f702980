#!/usr/bin/env bash
# variant.sh SEED STUDENT — print the student's lab variant as JSON, drawn
# deterministically from sha256("SEED\nSTUDENT"): the same course seed and
# student id always give the same variant, two ids almost always different
# ones. Fields:
#   kind     "daytime" (daytimed: the server closes first) or "cmd"
#            (cmdserver + cmdclients typing `exit`: the clients close first)
#   mode     "iterative" | "fork" (cmd: always fork, cmdserver forks)
#   sleep    the server's hold (daytimed -s) or pause (cmdserver -i), 2..12 s
#   clients  2 or 3; offsets: each client's start, seconds after the first;
#            extra_at: the extra connection's start
#   extra    "none" | "half-close" | "rst" | "refused" | "backlog" (one more
#            connection: tcppeer half-closing, tcppeer aborting, a client to a
#            closed port, one SYN too many for the backlog (daytimed -q
#            CLIENTS-2: the accept queue holds the waiting clients, no more))
#   port     the server's port (its own namespace: always free), refused_port
#   draw     16-bit numbers left for the question bank's parameters
# Knobs for tests (each recorded in "forced"): EXERCISE_SLEEP,
# EXERCISE_EXTRA, EXERCISE_KIND, EXERCISE_MODE, EXERCISE_CLIENTS.
set -u
[ $# -eq 2 ] || { echo "usage: variant.sh SEED STUDENT" >&2; exit 2; }
hash=$(printf '%s\n%s' "$1" "$2" | sha256sum | cut -c1-64)
n=()
for i in $(seq 0 15); do n+=($((16#${hash:$((i * 4)):4}))); done

kind=$([ $((n[0] % 2)) -eq 0 ] && echo daytime || echo cmd)
extras=(none none none half-close rst refused backlog none)
extra=${extras[$((n[1] % 8))]}
mode=$([ $((n[2] % 2)) -eq 0 ] && echo iterative || echo fork)
sleep=$((2 + n[3] % 11))
clients=$((2 + n[4] % 2))
forced=()
[ -n "${EXERCISE_KIND:-}" ] && kind=$EXERCISE_KIND forced+=(kind)
[ -n "${EXERCISE_EXTRA:-}" ] && extra=$EXERCISE_EXTRA forced+=(extra)
[ -n "${EXERCISE_MODE:-}" ] && mode=$EXERCISE_MODE forced+=(mode)
[ -n "${EXERCISE_SLEEP:-}" ] && sleep=$EXERCISE_SLEEP forced+=(sleep)
[ -n "${EXERCISE_CLIENTS:-}" ] && clients=$EXERCISE_CLIENTS forced+=(clients)
# a full backlog needs a server that does not accept at once: the
# iterative daytime server; cmdserver always forks
[ "$extra" = backlog ] && kind=daytime mode=iterative
# a half-close shows best where the server still has something to send
# after the client's FIN: the daytime server's line (cmdserver just ends),
# from an iterative server, which writes it only when it gets to that
# client, well after the FIN (a fork server may write first)
[ "$extra" = half-close ] && kind=daytime mode=iterative
[ "$kind" = cmd ] && mode=fork
case $kind/$mode/$extra in
daytime/* | cmd/*) ;;
*) echo "variant.sh: bad kind $kind" >&2; exit 2 ;;
esac
case $extra in none | half-close | rst | refused | backlog) ;;
*) echo "variant.sh: EXERCISE_EXTRA: want none, half-close, rst, refused or backlog: $extra" >&2; exit 2 ;;
esac
[[ $sleep =~ ^[0-9]+$ ]] && [ "$sleep" -ge 1 ] && [ "$sleep" -le 60 ] ||
	{ echo "variant.sh: EXERCISE_SLEEP: want 1..60 seconds: $sleep" >&2; exit 2; }
[[ $clients =~ ^[23]$ ]] || { echo "variant.sh: EXERCISE_CLIENTS: want 2 or 3: $clients" >&2; exit 2; }
# each next client starts 0.2..1.0 s after the one before, and all (and the
# extra connection, 0.3 s after the last) start within the first client's
# hold, so that they overlap with it even at the shortest sleep
step_max=$(awk -v s="$sleep" -v c="$clients" 'BEGIN { printf "%d", (s - 1) * 10 / c }')
offsets=(0)
for i in $(seq 1 $((clients - 1))); do
	d=$((2 + n[4 + i] % 9)); [ "$d" -gt "$step_max" ] && d=$step_max
	offsets+=("$(awk -v a="${offsets[$((i - 1))]}" -v d="$d" 'BEGIN { printf "%.1f", a + d / 10 }')")
done
extra_at=$(awk -v a="${offsets[$((clients - 1))]}" -v m="$step_max" 'BEGIN { d = m < 3 ? m : 3; printf "%.1f", a + d / 10 }')
# below the ephemeral range (32768-60999): never a client's port
port=$((20000 + n[7] % 12000))

jq -n --arg student "$2" --arg seed "$1" --arg hash "$hash" --arg kind "$kind" \
	--arg mode "$mode" --argjson sleep "$sleep" --argjson clients "$clients" \
	--arg offsets "${offsets[*]}" --argjson extra_at "$extra_at" --arg extra "$extra" --argjson port "$port" \
	--arg draw "${n[*]:8}" --arg forced "${forced[*]}" '
	{student: $student, seed: $seed, hash: $hash, kind: $kind,
	 closer: (if $kind == "daytime" then "server" else "client" end),
	 mode: $mode, sleep: $sleep, clients: $clients,
	 offsets: ($offsets | split(" ") | map(tonumber)),
	 extra: $extra, extra_at: (if $extra == "none" then null else $extra_at end), port: $port, refused_port: ($port + 1),
	 draw: ($draw | split(" ") | map(tonumber)),
	 forced: ($forced | split(" ") | map(select(length > 0)))}'
