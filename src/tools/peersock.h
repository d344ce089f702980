/*
 * peersock.h — the socket side of tcppeer's steps, apart from the step
 * table: each helper returns -1 with errno kept, never exits.
 */
#ifndef TCPLAB_PEERSOCK_H
#define TCPLAB_PEERSOCK_H

#include <sys/socket.h>

#include <stddef.h>

/* Fill ss from a numeric address and port; -1 with errno EINVAL if bad. */
int peer_addr(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len);

/* Render ss as ADDR:PORT ([ADDR]:PORT for IPv6) into buf; returns buf. */
const char *peer_name(const struct sockaddr_storage *ss, char *buf,
    size_t size);

/* Print "what LOCAL -> REMOTE" for a connection on stdout. */
void peer_report(const char *what, int fd);

/* Write all n bytes ('x'); -1 with errno on failure. */
int peer_send(int fd, long long n);

/* Read until EOF; returns bytes read, or -1 with errno (ECONNRESET...). */
long long peer_drain(int fd);

/* A socket of ss's family, SO_REUSEADDR on, bound to ss; -1 with errno. */
int peer_bound(const struct sockaddr_storage *ss, socklen_t len);

#endif
