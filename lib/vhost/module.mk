# svvhost: the vhost-user front-end protocol layer (<splitvirt/vhost_user.h>):
# wire format and reply validation (vhost_user_msg.c), whole messages with
# their fds over an AF_UNIX socket (vhost_user_conn.c), typed synchronous
# requests with REPLY_ACK (vhost_user_front.c); a back-end's in-flight records
# (vhost_user_inflight.c); a virtio device whose queues a back-end serves
# (vhost_user_dev.c, on svvirtio).
NATIVE_LIBS += svvhost
ARM64_LIBS += svvhost
svvhost_SRCS := lib/vhost/vhost_user_msg.c lib/vhost/vhost_user_conn.c lib/vhost/vhost_user_front.c \
	lib/vhost/vhost_user_inflight.c lib/vhost/vhost_user_dev.c lib/vhost/vhost_kernel.c
