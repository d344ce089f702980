/* procsock.h — which processes hold which socket: /proc/PID/fd -> socket:[inode]. */
#ifndef TCPLAB_PROCSOCK_H
#define TCPLAB_PROCSOCK_H

#include <stddef.h>
#include <sys/types.h>

/* One open socket descriptor: the process holding it and its command. */
struct procsock {
	unsigned long inode;
	pid_t pid;
	int fd;			/* the lowest descriptor number it holds it as */
	char comm[17];
};

/* Every socket inode held open by a process, sorted by inode then pid. */
struct procsock_map {
	struct procsock *v;
	size_t n, cap;
};

/*
 * Scans /proc/[pid]/fd of every process (under procdir, normally "/proc")
 * for socket:[inode] links, one entry per (inode, pid) even when a process
 * holds the socket twice (with its lowest descriptor number). Processes that vanish or deny access are skipped:
 * a snapshot shows what it can. Returns 0, or -1 with errno set when procdir
 * itself cannot be read or memory runs out.
 */
int procsock_scan(const char *procdir, struct procsock_map *map);

/*
 * The entries for inode: sets *first and returns how many follow it
 * (0 when no process holds it, e.g. a TIME_WAIT or unaccepted socket).
 */
size_t procsock_find(const struct procsock_map *map, unsigned long inode,
    const struct procsock **first);

/* Frees the map. */
void procsock_free(struct procsock_map *map);

#endif
