UNIT_TESTS += test_vhost_user_msg test_vhost_user
test_vhost_user_msg_SRCS := tests/unit/vhost/test_vhost_user_msg.c
test_vhost_user_msg_LIBS := svvhost svutil
test_vhost_user_SRCS := tests/unit/vhost/test_vhost_user.c tests/unit/vhost/fake_backend.c
test_vhost_user_LIBS := svvhost svutil
test_vhost_user_LDLIBS := -lpthread

# The vhost-user device model against Debian's qemu-storage-daemon (skipped without it).
UNIT_TESTS += test_vhost_user_blk
test_vhost_user_blk_SRCS := tests/unit/vhost/test_vhost_user_blk.c tests/support/testdrv.c \
	tests/support/backend_proc.c \
	tests/support/fake_platform.c tests/support/guest.c
test_vhost_user_blk_LIBS := svvhost svvirtio svpci svutil
test_vhost_user_blk_LDLIBS := -lpthread

# The vhost-user device model against the fake back-end (in-flight records, hand-over, refusals).
UNIT_TESTS += test_vhost_user_dev
test_vhost_user_dev_SRCS := tests/unit/vhost/test_vhost_user_dev.c tests/unit/vhost/fake_backend.c \
	tests/support/testdrv.c tests/support/fake_platform.c tests/support/guest.c
test_vhost_user_dev_LIBS := svvhost svvirtio svpci svutil
test_vhost_user_dev_LDLIBS := -lpthread

UNIT_TESTS += test_vhost_user_inflight
test_vhost_user_inflight_SRCS := tests/unit/vhost/test_vhost_user_inflight.c
test_vhost_user_inflight_LIBS := svvhost svutil
