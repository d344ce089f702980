# snapshot area: `tcpobserve --snapshot` (sock_diag + /proc owners).
tcpobserve_OBJS += snapshot.o diag.o procsock.o
tcpobserve_LIBS += -ljansson
UNITS += test_diag
test_diag_OBJS += tests/test_diag.o diag.o procsock.o
