UNIT_TESTS += test_virtq
test_virtq_SRCS := tests/unit/virtio/test_virtq.c tests/support/guest.c
test_virtq_LIBS := svvirtio svpci svutil

VIRTIO_TESTDRV := tests/support/testdrv.c tests/support/fake_platform.c \
	tests/support/guest.c

# Each of these is one file driving the device library through the test driver.
VIRTIO_DRIVER_TESTS := test_virtio_pci test_virtio_blk test_virtio_console test_virtio_net \
	test_virtio_restore test_virtio_host test_virtio_budget test_virtio_blk_async
UNIT_TESTS += $(VIRTIO_DRIVER_TESTS)
$(foreach t,$(VIRTIO_DRIVER_TESTS),\
	$(eval $(t)_SRCS := tests/unit/virtio/$(t).c $(VIRTIO_TESTDRV))\
	$(eval $(t)_LIBS := svvirtio svpci svutil)\
	$(eval $(t)_LDLIBS := -lpthread))

# The raw backend's io_uring path on its own (no device model); seccomp for the fallback test.
UNIT_TESTS += test_blk_raw_aio
test_blk_raw_aio_SRCS := tests/unit/virtio/test_blk_raw_aio.c
test_blk_raw_aio_LIBS := svvirtio svutil
test_blk_raw_aio_LDLIBS := -lseccomp
