# shellcheck shell=bash
# build.sh — build a submission the way a student's course does, inside the
# sandbox (a Makefile is code too). Sourced by sandbox.sh.
#
#   gr_build SUBMISSION_DIR BUILD_DIR LOG
#
# Copies the submission into BUILD_DIR (a tmpfs of GR_BUILD_MB when the jail
# is there: a build cannot fill the disk, and nothing can be hard-linked in),
# writable by the submission's uid, and builds there as that uid:
#   - a Makefile (Makefile, makefile, GNUmakefile): `make`; the server is the
#     executable it built named server or servidor, or else the one new
#     executable; the client is client or cliente when built;
#   - no Makefile: every .c of the folder together (`cc -o server *.c`);
#     when several files define main(), the client*.c (or cliente*.c) one is the
#     client, the other the server, each linked with the files without main.
# Then the folder is handed to the grader: owned by root, group the
# submission's gid, no write for anyone but root, no set-id bits, and
# remounted read-only. The build's output (capped and escaped like any
# program's) and a last line saying what was built go to LOG.
# Sets GR_BUILT (the server), GR_BUILT_CLIENT (or empty), GR_BUILD_SAYS.
# Returns 1 when no server could be built. gr_build_clean DIR undoes it.

GR_BUILD_MB=${GR_BUILD_MB:-64}
GR_BUILD_LIMITS=${GR_BUILD_LIMITS:-nproc=512,cpu=60,nofile=256,as=2048,fsize=64}

# gr_build_mains DIR: the .c files of DIR that define main() ("int main(",
# "void main(", or "main(" starting a line), one a line.
gr_build_mains() {
	(cd "$1" && grep -lE '(^|[^[:alnum:]_])(int|void)[[:space:]]+main[[:space:]]*\(|^main[[:space:]]*\(' \
		-- *.c 2>/dev/null)
}

# gr_build_script DIR: the shell commands that build DIR (no Makefile).
gr_build_script() {
	local dir=$1 mains clients servers shared=() f
	mapfile -t mains < <(gr_build_mains "$dir")
	clients=() servers=()
	for f in "${mains[@]}"; do
		case $f in client*) clients+=("$f") ;; *) servers+=("$f") ;; esac
	done
	if [ ${#mains[@]} -le 1 ] || [ ${#servers[@]} -ne 1 ] || [ ${#clients[@]} -gt 1 ]; then
		echo 'echo "$ cc -o server" *.c; cc -o server *.c'
		return
	fi
	for f in "$dir"/*.c; do
		f=${f##*/}
		[[ " ${mains[*]} " == *" $f "* ]] || shared+=("$f")
	done
	printf 'set -- %s\necho "$ cc -o server $*"; cc -o server "$@" || exit\n' \
		"$(printf '%q ' "${servers[0]}" "${shared[@]}")"
	[ ${#clients[@]} -eq 1 ] &&
		printf 'set -- %s\necho "$ cc -o client $*"; cc -o client "$@"\n' \
			"$(printf '%q ' "${clients[0]}" "${shared[@]}")"
}

# gr_build_exes DIR: the regular (not symlinked) executable files of DIR.
gr_build_exes() {
	find "$1" -maxdepth 1 -type f -perm -u+x -printf '%f\n' | sort
}

# gr_build_pick DIR BEFORE MAKE: the server that the build made (name).
gr_build_pick() {
	local n new
	for n in server servidor; do
		[ -f "$1/$n" ] && [ ! -L "$1/$n" ] && [ -x "$1/$n" ] && { echo "$n"; return; }
	done
	[ "$3" = 1 ] || return 1
	new=$(comm -13 <(printf '%s\n' "$2") <(gr_build_exes "$1") | grep -vE '^(client|cliente)$')
	[ -n "$new" ] && [ "$(wc -l <<<"$new")" -eq 1 ] && echo "$new"
}

# gr_build SUBMISSION_DIR BUILD_DIR LOG: see the top of this file.
gr_build() {
	local src=$1 dir=$2 log=$3 mk=0 script before rc name c
	GR_BUILT='' GR_BUILT_CLIENT='' GR_BUILD_SAYS=''
	mkdir -p "$dir" || return 1
	if [ "${GR_HAVE_JAIL:-0}" = 1 ]; then
		mount -t tmpfs -o "size=${GR_BUILD_MB}m,mode=0700,nosuid,nodev" tcplab-build "$dir" || return 1
	fi
	if ! cp -R -P -- "$src/." "$dir/" 2>"$log"; then
		echo "tcplab: the submission could not be copied (more than ${GR_BUILD_MB} MiB?)" >>"$log"
		return 1
	fi
	rm -f "$dir/server" "$dir/servidor" "$dir/client" "$dir/cliente"
	before=$(gr_build_exes "$dir")
	for c in Makefile makefile GNUmakefile; do [ -f "$dir/$c" ] && mk=1; done
	if [ $mk = 1 ]; then script='echo "$ make"; make'
	else script=$(gr_build_script "$dir")
	fi
	[ "${GR_HAVE_USERS:-0}" = 1 ] && chown -R -P -h "$GR_UID:$GR_GID" "$dir" && chmod 0755 "$dir"
	GR_SB_LIMITS=$GR_BUILD_LIMITS gr_sb_args "$dir"
	[ "${GR_HAVE_JAIL:-0}" = 1 ] && GR_SB+=(-W "$dir")
	"$GR_SANDBOX" "${GR_SB[@]}" -w 120 -p "$(dirname "$log")/.started" \
		-- /bin/sh -c "$script" </dev/null >>"$log" 2>&1 3>&-
	rc=$?
	gr_sb_kill
	gr_build_lock "$dir"
	if name=$(gr_build_pick "$dir" "$before" $mk); then
		GR_BUILT=$dir/$name
		GR_BUILD_SAYS="the server is $name ($([ $mk = 1 ] && echo "built by make" || echo "cc of the folder's .c files"))"
		for c in client cliente; do
			[ -f "$dir/$c" ] && [ ! -L "$dir/$c" ] && [ -x "$dir/$c" ] &&
				{ GR_BUILT_CLIENT=$dir/$c; GR_BUILD_SAYS+=", the client $c"; break; }
		done
	else
		GR_BUILD_SAYS="no server was built: $([ $mk = 1 ] && echo "make made no executable named server or servidor, nor exactly one new executable" || echo "cc failed")"
	fi
	[ $rc -eq 0 ] || GR_BUILD_SAYS+=" (the build exited $rc)"
	echo "tcplab: $GR_BUILD_SAYS" >>"$log"
	[ -n "$GR_BUILT" ] && { [ $mk = 0 ] || [ $rc -eq 0 ]; }
}

# gr_build_lock DIR: the built folder becomes the grader's: root-owned,
# readable by the submission's group only, no set-id bit, read-only.
gr_build_lock() {
	[ "${GR_HAVE_USERS:-0}" = 1 ] || return 0
	chown -R -P -h "0:$GR_GID" "$1"
	chmod -R u=rwX,g=rX,o= "$1"
	[ "${GR_HAVE_JAIL:-0}" = 1 ] && mount -o remount,ro,nosuid,nodev "$1"
	return 0
}

# gr_build_clean DIR: remove a build folder (and its tmpfs).
gr_build_clean() {
	[ -n "$1" ] && [ -d "$1" ] || return 0
	mountpoint -q "$1" && umount "$1"
	rm -rf "$1"
}
