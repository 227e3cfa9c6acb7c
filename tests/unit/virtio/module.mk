UNIT_TESTS += test_virtq
test_virtq_SRCS := tests/unit/virtio/test_virtq.c tests/support/guest.c
test_virtq_LIBS := svvirtio svpci svutil

VIRTIO_TESTDRV := tests/support/testdrv.c tests/support/fake_platform.c \
	tests/support/guest.c

UNIT_TESTS += test_virtio_pci
test_virtio_pci_SRCS := tests/unit/virtio/test_virtio_pci.c $(VIRTIO_TESTDRV)
test_virtio_pci_LIBS := svvirtio svpci svutil
test_virtio_pci_LDLIBS := -lpthread

UNIT_TESTS += test_virtio_blk
test_virtio_blk_SRCS := tests/unit/virtio/test_virtio_blk.c $(VIRTIO_TESTDRV)
test_virtio_blk_LIBS := svvirtio svpci svutil
test_virtio_blk_LDLIBS := -lpthread

UNIT_TESTS += test_virtio_console
test_virtio_console_SRCS := tests/unit/virtio/test_virtio_console.c $(VIRTIO_TESTDRV)
test_virtio_console_LIBS := svvirtio svpci svutil
test_virtio_console_LDLIBS := -lpthread

UNIT_TESTS += test_virtio_net
test_virtio_net_SRCS := tests/unit/virtio/test_virtio_net.c $(VIRTIO_TESTDRV)
test_virtio_net_LIBS := svvirtio svpci svutil
test_virtio_net_LDLIBS := -lpthread

UNIT_TESTS += test_virtio_restore
test_virtio_restore_SRCS := tests/unit/virtio/test_virtio_restore.c $(VIRTIO_TESTDRV)
test_virtio_restore_LIBS := svvirtio svpci svutil
test_virtio_restore_LDLIBS := -lpthread

UNIT_TESTS += test_virtio_host
test_virtio_host_SRCS := tests/unit/virtio/test_virtio_host.c $(VIRTIO_TESTDRV)
test_virtio_host_LIBS := svvirtio svpci svutil
test_virtio_host_LDLIBS := -lpthread

UNIT_TESTS += test_virtio_budget
test_virtio_budget_SRCS := tests/unit/virtio/test_virtio_budget.c $(VIRTIO_TESTDRV)
test_virtio_budget_LIBS := svvirtio svpci svutil
test_virtio_budget_LDLIBS := -lpthread
