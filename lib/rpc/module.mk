# svrpc: the RPC protocol library. rpc_layout/ring/msg/chan.c are the
# kernel-compatible core (also built into splitvirt.ko), with state_area.c
# (a link's saved-state area, <splitvirt/state_area.h>); rpc_posix.c adds
# userspace conveniences (memfd iobufs, eventfd doorbells, blocking waits).
NATIVE_LIBS += svrpc
ARM64_LIBS += svrpc
svrpc_SRCS := lib/rpc/rpc_layout.c lib/rpc/rpc_ring.c lib/rpc/rpc_msg.c \
	lib/rpc/rpc_chan.c lib/rpc/state_area.c lib/rpc/rpc_posix.c
