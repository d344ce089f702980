# The lab's programs: daytimed, cmdserver, cmdclient.
PROGS += daytimed
daytimed_OBJS += lab/daytimed.o lab/closeorder.o lab/server.o common/args.o \
	common/sock.o common/tstamp.o

PROGS += cmdserver
cmdserver_OBJS += lab/cmdserver.o lab/cmdsession.o lab/cmdwire.o \
	lab/cmdproto.o lab/cmdlog.o lab/server.o common/args.o common/sock.o \
	common/tstamp.o
cmdserver_LIBS += -ljansson

PROGS += cmdclient
cmdclient_OBJS += lab/cmdclient.o lab/cmdwire.o lab/cmdproto.o lab/runcmd.o \
	common/args.o common/sock.o common/tstamp.o
cmdclient_LIBS += -lpthread

UNITS += test_cmdproto test_runcmd test_cmdlog test_closeorder
test_cmdproto_OBJS += lab/tests/test_cmdproto.o lab/cmdproto.o
test_runcmd_OBJS += lab/tests/test_runcmd.o lab/runcmd.o common/tstamp.o
test_cmdlog_OBJS += lab/tests/test_cmdlog.o lab/cmdlog.o lab/cmdproto.o \
	common/sock.o common/tstamp.o
test_cmdlog_LIBS += -ljansson
test_closeorder_OBJS += lab/tests/test_closeorder.o lab/closeorder.o
