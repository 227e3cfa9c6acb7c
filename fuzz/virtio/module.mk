FUZZERS += fuzz_virtq fuzz_virtio_pci
fuzz_virtq_SRCS := fuzz/virtio/fuzz_virtq.c
fuzz_virtq_LIBS := svvirtio svpci svutil
fuzz_virtio_pci_SRCS := fuzz/virtio/fuzz_virtio_pci.c
fuzz_virtio_pci_LIBS := svvirtio svpci svutil
