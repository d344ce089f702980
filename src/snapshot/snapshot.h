/* snapshot.h — `tcpobserve --snapshot`: the kernel's TCP sockets via sock_diag. */
#ifndef TCPLAB_SNAPSHOT_H
#define TCPLAB_SNAPSHOT_H

/*
 * Runs the --snapshot mode of tcpobserve with the whole argv (it parses its
 * own options: --snapshot, --port, --text, -o). Kept apart from the pcap
 * main so the wire view and the kernel view stay separate modules.
 * Returns the process exit status.
 */
int snapshot_main(int argc, char **argv);

#endif
