FUZZERS += fuzz_io_proxy
fuzz_io_proxy_SRCS := fuzz/vmm/fuzz_io_proxy.c tests/unit/vmm/proxy_peer.c tests/unit/vmm/fake_kvm.c
fuzz_io_proxy_LIBS := svvmmrt svboot svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
fuzz_io_proxy_LDLIBS := -lpthread
