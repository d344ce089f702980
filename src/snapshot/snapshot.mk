# The kernel view, `tcpobserve --snapshot` (sock_diag + /proc owners):
# linked into tcpobserve, its own folder because it reads the kernel, not a capture.
tcpobserve_OBJS += snapshot/snapshot.o snapshot/diag.o snapshot/procsock.o snapshot/sstext.o
tcpobserve_LIBS += -ljansson
UNITS += test_diag
test_diag_OBJS += snapshot/tests/test_diag.o snapshot/diag.o snapshot/procsock.o snapshot/sstext.o
UNITS += test_sstext
test_sstext_OBJS += snapshot/tests/test_sstext.o snapshot/sstext.o
