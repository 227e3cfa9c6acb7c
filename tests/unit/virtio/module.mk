UNIT_TESTS += test_virtq
test_virtq_SRCS := tests/unit/virtio/test_virtq.c tests/unit/virtio/guest.c
test_virtq_LIBS := svvirtio svutil
