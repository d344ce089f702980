/*
 * procsock.c — the pid/command side of a socket snapshot. sock_diag tells
 * a socket's inode but not who owns it; like `netstat -p` and `ss -p` we find
 * the owners by reading every /proc/PID/fd/N link and keeping those that say
 * "socket:[INODE]". A socket shared across fork() (the listening socket of a
 * fork-per-client server) has several owners, and that is the lesson.
 */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procsock.h"

static int
map_push(struct procsock_map *map, unsigned long inode, pid_t pid, int fd,
    const char *comm)
{
	struct procsock *e;

	if (map->n == map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 256;
		struct procsock *v = realloc(map->v, cap * sizeof *v);

		if (v == NULL)
			return -1;
		map->v = v;
		map->cap = cap;
	}
	e = &map->v[map->n++];
	e->inode = inode;
	e->pid = pid;
	e->fd = fd;
	snprintf(e->comm, sizeof e->comm, "%s", comm);
	return 0;
}

/* /proc/PID/comm without its newline; "?" when the process is gone. */
static void
read_comm(int piddir, char *buf, size_t size)
{
	int fd = openat(piddir, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd != -1) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(buf, size, "?");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Adds every socket of one process; a vanished process adds nothing. */
static int
scan_pid(int procfd, const char *name, struct procsock_map *map)
{
	char comm[17] = "", link[64];
	int piddir, fdfd, rc = 0;
	DIR *fds = NULL;
	struct dirent *d;

	if ((piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	if ((fdfd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (fds = fdopendir(fdfd)) == NULL) {
		if (fdfd != -1)
			close(fdfd);
		goto out;
	}
	while ((d = readdir(fds)) != NULL) {
		unsigned long inode;
		ssize_t n;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		n = readlinkat(fdfd, d->d_name, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		if (comm[0] == '\0')
			read_comm(piddir, comm, sizeof comm);
		if (map_push(map, inode, (pid_t)atol(name), atoi(d->d_name), comm) == -1) {
			rc = -1;
			goto out;
		}
	}
out:
	if (fds != NULL)
		closedir(fds);
	close(piddir);
	return rc;
}

static int
entry_cmp(const void *pa, const void *pb)
{
	const struct procsock *a = pa, *b = pb;

	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* entry_cmp, then the descriptor: the lowest first. */
static int
entry_fd_cmp(const void *pa, const void *pb)
{
	const struct procsock *a = pa, *b = pb;
	int c = entry_cmp(pa, pb);

	return c ? c : (a->fd > b->fd) - (a->fd < b->fd);
}

/* Sorted and without duplicate (inode, pid) pairs, for procsock_find. */
int
procsock_scan(const char *procdir, struct procsock_map *map)
{
	struct dirent *d;
	DIR *proc;
	size_t i, j;
	int rc = -1, saved;

	if ((proc = opendir(procdir)) == NULL)
		return -1;
	while ((d = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (scan_pid(dirfd(proc), d->d_name, map) == -1)
			goto out;
	}
	if (map->n > 1)
		qsort(map->v, map->n, sizeof map->v[0], entry_fd_cmp);
	for (i = j = 0; i < map->n; i++)
		if (j == 0 || entry_cmp(&map->v[j - 1], &map->v[i]) != 0)
			map->v[j++] = map->v[i];
	map->n = j;
	rc = 0;
out:
	saved = errno;
	closedir(proc);
	errno = saved;
	return rc;
}

/* Binary search for the first entry of inode. */
size_t
procsock_find(const struct procsock_map *map, unsigned long inode,
    const struct procsock **first)
{
	size_t lo = 0, hi = map->n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->v[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = map->v + lo;
	while (lo + n < map->n && map->v[lo + n].inode == inode)
		n++;
	return n;
}

/* Frees the map. */
void
procsock_free(struct procsock_map *map)
{
	free(map->v);
	map->v = NULL;
	map->n = map->cap = 0;
}
