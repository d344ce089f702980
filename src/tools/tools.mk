# Workshop tools: built into bin/ like the programs, never installed.
# Fixtures (bats/fixtures/golden/make-fixtures.sh) and the observer's tests:
# a scriptable TCP peer, a userspace delaying/dropping wire, a link-type rewriter.
TOOLS += tcppeer tcpwire pcaprelink
tcppeer_OBJS += tools/tcppeer.o tools/peersock.o
tcpwire_OBJS += tools/tcpwire.o tools/wirerule.o
pcaprelink_OBJS += tools/pcaprelink.o
pcaprelink_LIBS += -lpcap
UNITS += test_wirerule
test_wirerule_OBJS += tools/tests/test_wirerule.o tools/wirerule.o

# `make bench`: the load generator, the measuring wrapper and the floor
# (a bare pcap_next_ex loop).
TOOLS += pcapgen runstat pcaploop
pcapgen_OBJS += tools/pcapgen.o tools/pcapwrite.o
runstat_OBJS += tools/runstat.o
pcaploop_OBJS += tools/pcaploop.o
pcaploop_LIBS += -lpcap
