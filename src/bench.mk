# bench area: the load generator and the measuring wrapper behind `make bench`.
TOOLS += pcapgen runstat
pcapgen_OBJS += pcapgen.o
runstat_OBJS += runstat.o
