# tcpobserve: the wire view (pcap -> per-connection TCP state timelines).
PROGS += tcpobserve
OBSERVE_TRACK_OBJS = observe/track.o observe/expq.o observe/conn.o observe/roles.o observe/twtab.o observe/conntab.o \
             observe/fsm.o observe/fsmquery.o observe/zeek.o observe/decode.o
tcpobserve_OBJS += observe/tcpobserve.o observe/capture.o observe/rawfile.o \
                   $(OBSERVE_TRACK_OBJS) \
                   observe/report.o observe/record.o observe/ladder.o \
                   observe/follow.o observe/minheap.o observe/jw.o \
                   page/page.o page/thin.o page/page_tmpl.o
tcpobserve_LIBS += -lpcap -ljansson

UNITS += test_decode test_fsm test_conntab test_report test_capture
test_decode_OBJS += observe/tests/test_decode.o observe/decode.o
test_fsm_OBJS += observe/tests/test_fsm.o observe/fsm.o observe/fsmquery.o observe/zeek.o \
                 observe/decode.o
test_conntab_OBJS += observe/tests/test_conntab.o observe/minheap.o \
                     $(OBSERVE_TRACK_OBJS)
test_report_OBJS += observe/tests/test_report.o observe/record.o observe/jw.o \
                    $(OBSERVE_TRACK_OBJS)
test_report_LIBS += -ljansson
test_capture_OBJS += observe/tests/test_capture.o observe/capture.o \
                     observe/rawfile.o
test_capture_LIBS += -lpcap
