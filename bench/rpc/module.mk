# Not part of CI: run by hand (see README.md).
BENCH_BINS += rpc_bench
rpc_bench_SRCS := bench/rpc/rpc_bench.c
rpc_bench_LIBS := svrpc svutil
