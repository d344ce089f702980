# The lab's programs (issue 2): daytimed, cmdserver, cmdclient.
PROGS += daytimed
daytimed_OBJS += daytimed.o sock.o tstamp.o

PROGS += cmdserver
cmdserver_OBJS += cmdserver.o cmdsession.o cmdwire.o cmdproto.o cmdlog.o \
	sock.o tstamp.o
cmdserver_LIBS += -ljansson

PROGS += cmdclient
cmdclient_OBJS += cmdclient.o cmdwire.o cmdproto.o runcmd.o sock.o tstamp.o
cmdclient_LIBS += -lpthread

UNITS += test_cmdproto
test_cmdproto_OBJS += tests/test_cmdproto.o cmdproto.o

UNITS += test_runcmd
test_runcmd_OBJS += tests/test_runcmd.o runcmd.o tstamp.o

UNITS += test_cmdlog
test_cmdlog_OBJS += tests/test_cmdlog.o cmdlog.o sock.o tstamp.o
test_cmdlog_LIBS += -ljansson
