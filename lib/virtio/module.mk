NATIVE_LIBS += svvirtio
ARM64_LIBS += svvirtio
svvirtio_SRCS := lib/virtio/gmem.c lib/virtio/virtq.c lib/virtio/virtio_dev.c lib/virtio/virtio_pci.c lib/virtio/virtio_pci_state.c lib/virtio/virtio_host.c lib/virtio/rng.c lib/virtio/blk.c lib/virtio/blk_raw.c lib/virtio/blk_gone.c lib/virtio/blk_ring.c lib/virtio/fs.c lib/virtio/console.c lib/virtio/console_backends.c lib/virtio/net.c lib/virtio/net_backend.c
# blk_raw.c's asynchronous I/O (io_uring); every program linking svvirtio gets it.
svvirtio_LDLIBS := -luring
