# tcpobserve: the wire view (pcap -> per-connection TCP state timelines).
PROGS += tcpobserve
tcpobserve_OBJS += tcpobserve.o capture.o decode.o fsm.o zeek.o conntab.o \
                   track.o report.o ladder.o
tcpobserve_LIBS += -lpcap -ljansson

