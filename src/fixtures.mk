# Fixture tools (bats/fixtures/make-fixtures.sh and the observer's tests):
# a scriptable TCP peer, a userspace delaying/dropping wire, a link-type rewriter.
TOOLS += tcppeer tcpwire pcaprelink
tcppeer_OBJS += tcppeer.o
tcpwire_OBJS += tcpwire.o wirerule.o
pcaprelink_OBJS += pcaprelink.o
pcaprelink_LIBS += -lpcap
UNITS += test_wirerule
test_wirerule_OBJS += tests/test_wirerule.o wirerule.o
