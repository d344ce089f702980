/*
 * server.h — the chores daytimed and cmdserver share around their accept
 * loops: opening the listening socket, and the signal set-up that lets
 * signals in only inside ppoll(). The loops themselves, the SIGCHLD
 * handlers and the fork with its two close() calls stay in each server,
 * where a student reads them.
 */
#ifndef TCPLAB_SERVER_H
#define TCPLAB_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define SERVER_BAD_ADDRESS	(-2)

int	server_listen(const char *addr, uint16_t port, int backlog,
	    char *here, size_t len, const char **what);
int	server_signals(void (*on_stop)(int), void (*on_chld)(int),
	    sigset_t *orig);
void	server_in_child(const sigset_t *orig);
int	server_announce(int lfd, char *here, size_t len);

#endif
