# devmodel unit tests: the daemon's logic against a fake splitvirt.ko.
DEVMODEL_TEST_HELPERS := tests/support/fake_kmod.c tests/support/guestdrv.c \
	tests/support/link_fixture.c \
	tests/support/guest.c

UNIT_TESTS += test_devmodel_spec
test_devmodel_spec_SRCS := tests/unit/devmodel/test_devmodel_spec.c
test_devmodel_spec_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil

UNIT_TESTS += test_devmodel_link
test_devmodel_link_SRCS := tests/unit/devmodel/test_devmodel_link.c $(DEVMODEL_TEST_HELPERS)
test_devmodel_link_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
test_devmodel_link_LDLIBS := -lpthread

UNIT_TESTS += test_devmodel_restart
test_devmodel_restart_SRCS := tests/unit/devmodel/test_devmodel_restart.c $(DEVMODEL_TEST_HELPERS) \
	tests/support/log_lines.c
test_devmodel_restart_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
test_devmodel_restart_LDLIBS := -lpthread

# Two links on one daemon; kmod_ioctl.c's ioctls answered by the fakes (--wrap=ioctl).
UNIT_TESTS += test_devmodel_fair
test_devmodel_fair_SRCS := tests/unit/devmodel/test_devmodel_fair.c devmodel/kmod_ioctl.c \
	tests/support/fake_kmod.c
test_devmodel_fair_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
test_devmodel_fair_LDLIBS := -lpthread -Wl,--wrap=ioctl

# A disk qemu-storage-daemon serves (blk@vhost-user), started from `devmodel --backends`.
UNIT_TESTS += test_devmodel_vhost
test_devmodel_vhost_SRCS := tests/unit/devmodel/test_devmodel_vhost.c tests/support/backend_proc.c \
	tests/support/fake_kmod.c tests/support/guestdrv.c tests/support/guest.c
test_devmodel_vhost_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
test_devmodel_vhost_LDLIBS := -lpthread
