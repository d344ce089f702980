# tcpobserve: the wire view (pcap -> per-connection TCP state timelines).
PROGS += tcpobserve
tcpobserve_OBJS += tcpobserve.o capture.o decode.o fsm.o zeek.o conntab.o \
                   track.o report.o ladder.o jw.o
tcpobserve_LIBS += -lpcap -ljansson

UNITS += test_decode test_fsm test_conntab
test_decode_OBJS += tests/test_decode.o decode.o
test_fsm_OBJS += tests/test_fsm.o fsm.o zeek.o decode.o
test_conntab_OBJS += tests/test_conntab.o conntab.o track.o fsm.o zeek.o decode.o
UNITS += test_report
test_report_OBJS += tests/test_report.o report.o jw.o track.o conntab.o fsm.o \
                    zeek.o decode.o
test_report_LIBS += -ljansson
