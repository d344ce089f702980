# The lab's programs (issue 2): daytimed, cmdserver, cmdclient.
PROGS += daytimed
daytimed_OBJS += daytimed.o sock.o tstamp.o
