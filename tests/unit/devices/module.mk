UNIT_TESTS += test_device_table
test_device_table_SRCS := tests/unit/devices/test_device_table.c
test_device_table_LIBS := svdevices svvhost svvirtio svpci svutil
test_device_table_LDLIBS := -lpthread
