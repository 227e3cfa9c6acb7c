# svvhost: the vhost-user front-end protocol layer (<splitvirt/vhost_user.h>):
# wire format and reply validation (vhost_user_msg.c), whole messages with
# their fds over an AF_UNIX socket (vhost_user_conn.c), typed synchronous
# requests with REPLY_ACK (vhost_user_front.c).
NATIVE_LIBS += svvhost
ARM64_LIBS += svvhost
svvhost_SRCS := lib/vhost/vhost_user_msg.c lib/vhost/vhost_user_conn.c lib/vhost/vhost_user_front.c
