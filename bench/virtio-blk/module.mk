# Not part of CI: run by hand, see bench/virtio-blk/README.md.
BENCH_BINS += bench_virtio_blk
bench_virtio_blk_SRCS := bench/virtio-blk/bench_virtio_blk.c tests/unit/virtio/testdrv.c \
	tests/unit/virtio/guest.c
bench_virtio_blk_LIBS := svvirtio svpci svutil
bench_virtio_blk_LDLIBS := -lcmocka
