# Not part of CI: run by hand, see bench/virtio-blk/README.md.
BENCH_BINS += bench_virtio_blk
bench_virtio_blk_SRCS := bench/virtio-blk/bench_virtio_blk.c tests/support/testdrv.c \
	tests/support/fake_platform.c \
	tests/support/guest.c
bench_virtio_blk_LIBS := svvirtio svpci svutil
bench_virtio_blk_LDLIBS := -lcmocka
