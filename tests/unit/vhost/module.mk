UNIT_TESTS += test_vhost_user_msg test_vhost_user
test_vhost_user_msg_SRCS := tests/unit/vhost/test_vhost_user_msg.c
test_vhost_user_msg_LIBS := svvhost svutil
test_vhost_user_SRCS := tests/unit/vhost/test_vhost_user.c tests/unit/vhost/fake_backend.c
test_vhost_user_LIBS := svvhost svutil
test_vhost_user_LDLIBS := -lpthread
