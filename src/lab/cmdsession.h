/*
 * cmdsession.h — one cmdserver child's conversation with its client:
 * send the commands one at a time, collect and log the results, and
 * record who closed first.
 */
#ifndef TCPLAB_CMDSESSION_H
#define TCPLAB_CMDSESSION_H

struct cmdsession {
	int fd;			/* the connected socket */
	int logfd;		/* O_APPEND log */
	const char *client;	/* "127.0.0.1:48914" */
	const char *server;
	char **cmds;
	unsigned ncmds;
	double interval;	/* pause between commands, seconds */
	int result_wait_ms;	/* how long a result may take */
};

int	cmdsession_run(struct cmdsession *s);

#endif
