# The grader's helpers (scenarios/grade.sh runs them): probe, our clients
# and process inspector; sandbox, which drops a student's server into its
# limits. Built into bin/ like the tools, never installed.
TOOLS += probe sandbox
probe_OBJS += grade/probe.o
sandbox_OBJS += grade/sandbox.o
sandbox_OBJS += grade/escape.o grade/jail.o
UNITS += test_escape
test_escape_OBJS += grade/tests/test_escape.o grade/escape.o
UNITS += test_jail
test_jail_OBJS += grade/tests/test_jail.o grade/jail.o
