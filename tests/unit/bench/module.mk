UNIT_TESTS += test_breakdown
test_breakdown_SRCS := tests/unit/bench/test_breakdown.c
test_breakdown_LIBS := svbreakdown svutil
