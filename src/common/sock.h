/*
 * sock.h — the few socket chores the lab's programs share: turning
 * "ADDRESS" + "PORT" strings into a sockaddr, opening a listening or a
 * connected socket, and printing an address as 127.0.0.1:5000 / [::1]:5000.
 * Helpers return -1 and keep errno; main() reports with err(3).
 */
#ifndef TCPLAB_SOCK_H
#define TCPLAB_SOCK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* "255.255.255.255:65535" and "[ffff:...:ffff%ifname]:65535" both fit. */
#define SOCK_ADDRSTRLEN 96

struct sock_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

int	sock_parse_port(const char *s, uint16_t *port);
int	sock_resolve(const char *host, uint16_t port, int passive,
	    struct sock_addr *out);
int	sock_listen(const struct sock_addr *a, int backlog, const char **what);
int	sock_connect(const struct sock_addr *a, int timeout_ms);
char	*sock_format(const struct sockaddr *sa, char *buf, size_t len);
char	*sock_local(int fd, char *buf, size_t len);
char	*sock_peer(int fd, char *buf, size_t len);
ssize_t	sock_writen(int fd, const void *buf, size_t n);

#endif
