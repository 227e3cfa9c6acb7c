NATIVE_LIBS += svutil
ARM64_LIBS += svutil
svutil_SRCS := lib/util/strbuf.c lib/util/log.c lib/util/event_loop.c lib/util/size.c lib/util/net_bridge.c \
	lib/util/host_pci.c lib/util/trace.c
