FUZZERS += fuzz_devmodel_dispatch
fuzz_devmodel_dispatch_SRCS := fuzz/devmodel/fuzz_devmodel_dispatch.c \
	tests/support/fake_kmod.c
fuzz_devmodel_dispatch_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
