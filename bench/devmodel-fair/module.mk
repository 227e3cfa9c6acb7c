# Not part of CI: run by hand (see README.md).
BENCH_BINS += devmodel_fair_bench
devmodel_fair_bench_SRCS := bench/devmodel-fair/fair_bench.c tests/support/fake_kmod.c
devmodel_fair_bench_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
