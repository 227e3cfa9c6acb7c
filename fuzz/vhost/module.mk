FUZZERS += fuzz_vhost_user_reply
fuzz_vhost_user_reply_SRCS := fuzz/vhost/fuzz_vhost_user_reply.c
fuzz_vhost_user_reply_LIBS := svvhost svutil

FUZZERS += fuzz_vhost_user_inflight
fuzz_vhost_user_inflight_SRCS := fuzz/vhost/fuzz_vhost_user_inflight.c
fuzz_vhost_user_inflight_LIBS := svvhost svutil
