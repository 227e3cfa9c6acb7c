NATIVE_LIBS += svvirtio
ARM64_LIBS += svvirtio
svvirtio_SRCS := lib/virtio/gmem.c lib/virtio/virtq.c
