UNIT_TESTS += test_size
test_size_SRCS := tests/unit/util/test_size.c
test_size_LIBS := svutil
