FUZZERS += fuzz_devmodel_dispatch
fuzz_devmodel_dispatch_SRCS := fuzz/devmodel/fuzz_devmodel_dispatch.c \
	tests/unit/devmodel/fake_kmod.c
fuzz_devmodel_dispatch_LIBS := svdevmodel svvirtio svpci svutil
