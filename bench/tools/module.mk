# bench/tools: static arm64 load generators for the board benchmarks
# (bench/blk-local, bench/net-local, bench/crossvm). Not part of CI.
ARM64_BINS += blkbench tcpbench
blkbench_SRCS := bench/tools/blkbench.c
tcpbench_SRCS := bench/tools/tcpbench.c

# trace_breakdown: the per-stage breakdown of bench/crossvm-trace (runs in the
# board; natively too, on a saved log). breakdown.c is unit-tested.
ARM64_LIBS += svbreakdown
NATIVE_LIBS += svbreakdown
svbreakdown_SRCS := bench/tools/breakdown.c
ARM64_BINS += trace_breakdown
NATIVE_BINS += trace_breakdown
trace_breakdown_SRCS := bench/tools/trace_breakdown.c
trace_breakdown_LIBS := svbreakdown svutil
