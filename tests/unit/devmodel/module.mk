# devmodel unit tests: the daemon's logic against a fake splitvirt.ko.
DEVMODEL_TEST_HELPERS := tests/unit/devmodel/fake_kmod.c tests/unit/devmodel/guestdrv.c \
	tests/unit/devmodel/link_fixture.c \
	tests/unit/virtio/guest.c

UNIT_TESTS += test_devmodel_spec
test_devmodel_spec_SRCS := tests/unit/devmodel/test_devmodel_spec.c
test_devmodel_spec_LIBS := svdevmodel svutil

UNIT_TESTS += test_devmodel_link
test_devmodel_link_SRCS := tests/unit/devmodel/test_devmodel_link.c $(DEVMODEL_TEST_HELPERS)
test_devmodel_link_LIBS := svdevmodel svvirtio svpci svutil
test_devmodel_link_LDLIBS := -lpthread

UNIT_TESTS += test_devmodel_restart
test_devmodel_restart_SRCS := tests/unit/devmodel/test_devmodel_restart.c $(DEVMODEL_TEST_HELPERS)
test_devmodel_restart_LIBS := svdevmodel svvirtio svpci svutil
test_devmodel_restart_LDLIBS := -lpthread
