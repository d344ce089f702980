# What more than one product uses: sockets, timestamps, command-line numbers.
UNITS += test_args
test_args_OBJS += common/tests/test_args.o common/args.o
