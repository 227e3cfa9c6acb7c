# bench/tools: static arm64 load generators for the board benchmarks
# (bench/blk-local, bench/net-local, bench/crossvm). Not part of CI.
ARM64_BINS += blkbench tcpbench
blkbench_SRCS := bench/tools/blkbench.c
tcpbench_SRCS := bench/tools/tcpbench.c
