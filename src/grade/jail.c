/*
 * jail — run a student's program inside bubblewrap (see jail.h).
 *
 * The sandbox (running as root) execs bwrap, which builds the view:
 *   /usr, /bin, /lib* read-only; a few files of /etc (the dynamic linker's
 *   cache, alternatives for cc, hosts, services, passwd...); a fresh /proc
 *   of the new PID namespace and a minimal /dev; tmpfs /tmp, /dev/shm and
 *   /work of tmpfs_mb each (their pages count in the memory cgroup); the
 *   submission folder read-only at its own path; nothing else: no /home,
 *   /root, /run, /sys, no other submission, no host Unix socket.
 * Its command is this program again, as JAIL_SELF -I: the "inner", PID 1 of
 * the namespace, which forks the student's program as UID/GID (no groups,
 * no capabilities: bwrap keeps only CAP_SETUID/CAP_SETGID for the inner and
 * sets no_new_privs), reports the program's host pid (found through the
 * host's /proc, passed in as a descriptor) and how it ended on the status
 * pipe, and reaps every orphan until the namespace is empty.  When PID 1
 * exits the kernel kills whatever is left in the namespace.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jail.h"

static const char *const etc_files[] = {
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
	"/etc/alternatives", "/etc/hosts", "/etc/services", "/etc/protocols",
	"/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
	"/etc/localtime", "/etc/passwd", "/etc/group", NULL
};
static const char *const top_links[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", NULL
};

struct argv_buf {
	char **argv;
	size_t n, max;
	char *store;
	size_t used, len;
};

static void add(struct argv_buf *b, const char *s)
{
	if (b->n + 1 < b->max)
		b->argv[b->n] = (char *)s;
	b->n++;
}

/* A formatted argument kept in the caller's store. */
static void addf(struct argv_buf *b, const char *fmt, unsigned long v)
{
	int k = snprintf(b->store + b->used, b->len - b->used, fmt, v);

	if (k < 0 || (size_t)k >= b->len - b->used) {
		b->n = b->max;		/* too long: make jail_argv fail */
		return;
	}
	add(b, b->store + b->used);
	b->used += (size_t)k + 1;
}

static void add_tmpfs(struct argv_buf *b, const char *path, unsigned long mb)
{
	add(b, "--perms");
	add(b, "1777");
	add(b, "--size");
	addf(b, "%lu", mb << 20);
	add(b, "--tmpfs");
	add(b, path);
}

/* The system's read-only part: /usr and the merged-/usr links or dirs. */
static void add_system(struct argv_buf *b, char *store, size_t len)
{
	char *link;
	int i;

	add(b, "--ro-bind");
	add(b, "/usr");
	add(b, "/usr");
	for (i = 0; top_links[i]; i++) {
		ssize_t k;

		link = store + b->used;
		k = readlink(top_links[i], link, len - b->used - 1);
		if (k > 0) {
			link[k] = '\0';
			b->used += (size_t)k + 1;
			add(b, "--symlink");
			add(b, link);
		} else {
			add(b, "--ro-bind-try");
			add(b, top_links[i]);
		}
		add(b, top_links[i]);
	}
	add(b, "--perms");		/* else bwrap makes it 0700 */
	add(b, "0755");
	add(b, "--dir");
	add(b, "/etc");
	for (i = 0; etc_files[i]; i++) {
		add(b, "--ro-bind-try");
		add(b, etc_files[i]);
		add(b, etc_files[i]);
	}
}

/* True if path is dir or below it. */
static int is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* True if dir is a mount of ours or inside a read-only one: not to chmod. */
static int is_mount(const struct jail *j, const char *dir)
{
	static const char *const tmpfs[] = { "/tmp", "/dev/shm", JAIL_WORK, NULL };
	static const char *const trees[] = { "/usr", "/proc", "/dev", "/etc",
	    JAIL_SELF, NULL };
	int i;

	for (i = 0; tmpfs[i]; i++)
		if (!strcmp(dir, tmpfs[i]))
			return 1;
	for (i = 0; trees[i]; i++)
		if (is_under(dir, trees[i]))
			return 1;
	for (i = 0; i < j->nro; i++)
		if (is_under(dir, j->ro[i]))
			return 1;
	for (i = 0; i < j->nrw; i++)
		if (is_under(dir, j->rw[i]))
			return 1;
	return 0;
}

/*
 * bwrap makes the missing parents of a mount point 0700 (root's): open
 * them (0755) so that the student can reach the folder, except those that
 * are mounts themselves (the system, the tmpfs, other binds).
 */
static void add_parents(struct argv_buf *b, const struct jail *j, const char *path)
{
	const char *slash;
	char *dir;
	size_t k;

	for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		k = (size_t)(slash - path);
		if (b->used + k + 1 > b->len) {
			b->n = b->max;		/* too long: make jail_argv fail */
			return;
		}
		dir = b->store + b->used;
		memcpy(dir, path, k);
		dir[k] = '\0';
		if (is_mount(j, dir))
			continue;
		b->used += k + 1;
		add(b, "--chmod");
		add(b, "0755");
		add(b, dir);
	}
}

/*
 * Build bwrap's command line for j and the student's cmd into argv (max
 * entries; numbers and links kept in store).  Returns the count, or -1
 * (errno E2BIG) when it does not fit.
 */
int jail_argv(const struct jail *j, char **cmd, char **argv, size_t max,
    char *store, size_t storelen)
{
	struct argv_buf b = { argv, 0, max, store, 0, storelen };
	static const char *const head[] = {
		"bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc",
		"--unshare-uts", "--unshare-cgroup-try", "--as-pid-1",
		"--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add",
		"CAP_SETGID", "--proc", "/proc", "--dev", "/dev", NULL
	};
	int i;

	for (i = 0; head[i]; i++)
		add(&b, head[i]);
	add_system(&b, store, storelen);
	/* tmpfs first: a submission under /tmp is bound on top of it */
	add_tmpfs(&b, "/tmp", j->tmpfs_mb);
	add_tmpfs(&b, "/dev/shm", j->tmpfs_mb);
	add_tmpfs(&b, JAIL_WORK, j->tmpfs_mb);
	for (i = 0; i < j->nro; i++) {
		add(&b, "--ro-bind");
		add(&b, j->ro[i]);
		add(&b, j->ro[i]);
	}
	for (i = 0; i < j->nrw; i++) {
		add(&b, "--bind");
		add(&b, j->rw[i]);
		add(&b, j->rw[i]);
	}
	add(&b, "--ro-bind");
	add(&b, j->self);
	add(&b, JAIL_SELF);
	add_parents(&b, j, JAIL_WORK);
	for (i = 0; i < j->nro; i++)
		add_parents(&b, j, j->ro[i]);
	for (i = 0; i < j->nrw; i++)
		add_parents(&b, j, j->rw[i]);
	add(&b, "--chdir");
	add(&b, j->dir ? j->dir : JAIL_WORK);
	add(&b, "--");
	add(&b, JAIL_SELF);
	add(&b, "-I");
	addf(&b, "%lu", (unsigned long)j->status_fd);
	addf(&b, "%lu", (unsigned long)j->proc_fd);
	addf(&b, "%lu", (unsigned long)j->uid);
	addf(&b, "%lu", (unsigned long)j->gid);
	add(&b, j->limits ? j->limits : "-");
	add(&b, "--");
	for (i = 0; cmd[i]; i++)
		add(&b, cmd[i]);
	if (b.n >= max) {
		errno = E2BIG;
		return -1;
	}
	argv[b.n] = NULL;
	return (int)b.n;
}

/*
 * How a program ended, as the grader shows it: "exited N\n" or "killed by
 * signal N (NAME)\n" (shared by the sandbox and the jail's PID 1).
 */
void jail_status_text(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited %d\n", WEXITSTATUS(st));
	else
		snprintf(buf, len, "killed by signal %d (%s)\n", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
}

/*
 * Applies "nproc=64,cpu=20,as=1024,..." (as and fsize in MiB) as hard and
 * soft limits; -1 on a bad item (errno EINVAL) or setrlimit's error. Jailed,
 * only the student's program gets them, just before its exec: our own
 * processes may be sanitizer builds that need address space.
 */
int limits_apply(const char *spec)
{
	char buf[256], *item, *save = NULL;

	snprintf(buf, sizeof buf, "%s", spec);
	for (item = strtok_r(buf, ",", &save); item;
	    item = strtok_r(NULL, ",", &save)) {
		struct rlimit rl;
		char *eq = strchr(item, '=');
		unsigned long long v;
		int res;

		if (!eq) {
			errno = EINVAL;
			return -1;
		}
		*eq = '\0';
		v = strtoull(eq + 1, NULL, 10);
		if (!strcmp(item, "nproc"))
			res = RLIMIT_NPROC;
		else if (!strcmp(item, "cpu"))
			res = RLIMIT_CPU;
		else if (!strcmp(item, "nofile"))
			res = RLIMIT_NOFILE;
		else if (!strcmp(item, "as"))
			res = RLIMIT_AS, v <<= 20;
		else if (!strcmp(item, "fsize"))
			res = RLIMIT_FSIZE, v <<= 20;
		else {
			errno = EINVAL;
			return -1;
		}
		rl.rlim_cur = rl.rlim_max = v;
		if (setrlimit(res, &rl) < 0)
			return -1;
	}
	return 0;
}

/* The student's program: drop to uid/gid, close our descriptors, exec. */
static void inner_exec(uid_t uid, gid_t gid, const char *limits, char **cmd)
{
	static char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C",
	    "HOME=" JAIL_WORK, "TMPDIR=/tmp", NULL };
	int fd;

	if (strcmp(limits, "-") != 0 && limits_apply(limits) < 0) {
		fprintf(stderr, "sandbox: limits %s: %s\n", limits, strerror(errno));
		_exit(126);
	}
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0 ||
	    getuid() == 0) {
		fprintf(stderr, "sandbox: setuid %lu: %s\n", (unsigned long)uid,
		    strerror(errno));
		_exit(126);
	}
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	execve(cmd[0], cmd, envp);
	fprintf(stderr, "sandbox: %s: %s\n", cmd[0], strerror(errno));
	_exit(127);
}

/* The host pid of our only child so far, through the host's /proc. */
static long host_child(int proc_fd)
{
	char self[32], path[96], buf[64];
	ssize_t k;
	int fd;

	k = readlinkat(proc_fd, "self", self, sizeof self - 1);
	if (k <= 0)
		return -1;
	self[k] = '\0';
	snprintf(path, sizeof path, "%s/task/%s/children", self, self);
	if ((fd = openat(proc_fd, path, O_RDONLY)) < 0)
		return -1;
	k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0)
		return -1;
	buf[k] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * The inner (PID 1 in the jail): "-I STATUS_FD PROC_FD UID GID LIMITS -- CMD..."
 * (LIMITS as for limits_apply, "-" for none: the child's alone).
 * Writes "pid N" then "exited N" / "killed by signal N (NAME)" on the
 * status pipe; returns once the namespace is empty.
 */
int jail_inner(int argc, char **argv)
{
	int sfd, pfd, st;
	uid_t uid;
	gid_t gid;
	pid_t child, p;
	char line[128];

	if (argc < 9 || strcmp(argv[7], "--") != 0)
		return 2;
	sfd = atoi(argv[2]);
	pfd = atoi(argv[3]);
	uid = (uid_t)strtoul(argv[4], NULL, 10);
	gid = (gid_t)strtoul(argv[5], NULL, 10);
	if ((child = fork()) < 0) {
		perror("sandbox: fork");
		return 1;
	}
	if (child == 0)
		inner_exec(uid, gid, argv[6], argv + 8);
	snprintf(line, sizeof line, "pid %ld\n", host_child(pfd));
	close(pfd);
	if (write(sfd, line, strlen(line)) < 0)
		perror("sandbox: status");
	while ((p = wait(&st)) != -1 || errno == EINTR) {
		if (p != child)
			continue;
		jail_status_text(st, line, sizeof line);
		if (write(sfd, line, strlen(line)) < 0)
			perror("sandbox: status");
	}
	return 0;
}
