/*
 * server.c — what daytimed and cmdserver do alike before and around their
 * accept loops (see server.h). Helpers return -1 and keep errno; the
 * servers' main() says what failed with err(3).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "common/sock.h"

/*
 * Resolve addr:port, listen with this backlog, and make the socket
 * non-blocking: a client that resets between poll and accept must not
 * leave the server stuck in accept() (UNP 16.6). here gets the address.
 * Returns the descriptor; -1 with errno and *what naming the failed call
 * ("bind" ...); SERVER_BAD_ADDRESS with *what = the resolver's words.
 */
int
server_listen(const char *addr, uint16_t port, int backlog, char *here,
    size_t len, const char **what)
{
	struct sock_addr sa;
	int fd, flags, rc, saved;

	if ((rc = sock_resolve(addr, port, 1, &sa)) != 0) {
		*what = gai_strerror(rc);
		return SERVER_BAD_ADDRESS;
	}
	sock_format((struct sockaddr *)&sa.ss, here, len);
	if ((fd = sock_listen(&sa, backlog, what)) < 0)
		return -1;
	*what = "fcntl O_NONBLOCK";
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * SIGINT/SIGTERM -> on_stop, SIGCHLD -> on_chld (children that stop are
 * not reported), SIGPIPE ignored (a vanished client costs one EPIPE). The
 * three are then blocked; *orig is the mask to give ppoll(), the only
 * place they get in, so a stop request cannot slip in between "check the
 * flag" and "block in accept". 0, or -1 with errno.
 */
int
server_signals(void (*on_stop)(int), void (*on_chld)(int), sigset_t *orig)
{
	struct sigaction act;
	sigset_t block;

	memset(&act, 0, sizeof act);
	sigemptyset(&act.sa_mask);
	act.sa_handler = on_stop;
	if (sigaction(SIGINT, &act, NULL) < 0 ||
	    sigaction(SIGTERM, &act, NULL) < 0)
		return -1;
	act.sa_handler = on_chld;
	act.sa_flags = SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &act, NULL) < 0)
		return -1;
	act.sa_handler = SIG_IGN;
	act.sa_flags = 0;
	if (sigaction(SIGPIPE, &act, NULL) < 0)
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	return sigprocmask(SIG_BLOCK, &block, orig);
}

/*
 * In a freshly forked child: the default actions back for SIGINT, SIGTERM
 * and SIGCHLD (the parent's handlers are about the accept loop), and the
 * signals unblocked again.
 */
void
server_in_child(const sigset_t *orig)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, orig, NULL);
}

/*
 * The one stdout line scripts wait for, "listening on ADDRESS:PORT",
 * flushed at once (here gets the address, port included). 0, or -1.
 */
int
server_announce(int lfd, char *here, size_t len)
{
	printf("listening on %s\n", sock_local(lfd, here, len));
	return fflush(stdout) == EOF ? -1 : 0;
}
