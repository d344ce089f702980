tcpobserve_OBJS += snapshot.o
