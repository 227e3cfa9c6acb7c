FUZZERS += fuzz_vhost_user_reply
fuzz_vhost_user_reply_SRCS := fuzz/vhost/fuzz_vhost_user_reply.c
fuzz_vhost_user_reply_LIBS := svvhost svutil
