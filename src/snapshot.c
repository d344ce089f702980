/* snapshot.c — placeholder until the sock_diag snapshot lands. */
#include <stdio.h>

#include "snapshot.h"

/* Placeholder: says it is not there yet. */
int
snapshot_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tcpobserve: --snapshot: not implemented yet\n");
	return 1;
}
