UNIT_TESTS += test_size
test_size_SRCS := tests/unit/util/test_size.c
test_size_LIBS := svutil

UNIT_TESTS += test_log_limit
test_log_limit_SRCS := tests/unit/util/test_log_limit.c
test_log_limit_LIBS := svutil
test_log_limit_LDLIBS := -lpthread

UNIT_TESTS += test_event_loop
test_event_loop_SRCS := tests/unit/util/test_event_loop.c
test_event_loop_LIBS := svutil
test_event_loop_LDLIBS := -lpthread

UNIT_TESTS += test_host_pci
test_host_pci_SRCS := tests/unit/util/test_host_pci.c tests/support/fake_sysfs.c
test_host_pci_LIBS := svutil

UNIT_TESTS += test_trace
test_trace_SRCS := tests/unit/util/test_trace.c
test_trace_LIBS := svutil
