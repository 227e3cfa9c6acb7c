UNIT_TESTS += test_sandbox
test_sandbox_SRCS := tests/unit/sandbox/test_sandbox.c
test_sandbox_LIBS := svsandbox svutil
test_sandbox_LDLIBS := -lseccomp
