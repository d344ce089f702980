# tcpobserve: the wire view (pcap -> per-connection TCP state timelines).
PROGS += tcpobserve
tcpobserve_OBJS += observe/tcpobserve.o observe/capture.o observe/decode.o \
                   observe/fsm.o observe/zeek.o observe/conntab.o \
                   observe/track.o observe/report.o observe/ladder.o observe/jw.o
tcpobserve_LIBS += -lpcap -ljansson

UNITS += test_decode test_fsm test_conntab test_report
test_decode_OBJS += observe/tests/test_decode.o observe/decode.o
test_fsm_OBJS += observe/tests/test_fsm.o observe/fsm.o observe/zeek.o \
                 observe/decode.o
test_conntab_OBJS += observe/tests/test_conntab.o observe/conntab.o \
                     observe/track.o observe/fsm.o observe/zeek.o observe/decode.o
test_report_OBJS += observe/tests/test_report.o observe/report.o observe/jw.o \
                    observe/track.o observe/conntab.o observe/fsm.o \
                    observe/zeek.o observe/decode.o
test_report_LIBS += -ljansson

UNITS += test_capture
test_capture_OBJS += observe/tests/test_capture.o observe/capture.o
test_capture_LIBS += -lpcap
