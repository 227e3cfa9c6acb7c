UNIT_TESTS += test_arm64_image test_guest_fdt test_vmm_args
test_arm64_image_SRCS := tests/unit/vmm/test_arm64_image.c
test_arm64_image_LIBS := svboot
test_guest_fdt_SRCS := tests/unit/vmm/test_guest_fdt.c
test_guest_fdt_LIBS := svboot
test_guest_fdt_LDLIBS := -lfdt
test_vmm_args_SRCS := tests/unit/vmm/test_vmm_args.c
test_vmm_args_LIBS := svboot svlinkfmt svdevices svvhost svvirtio svpci svutil

# The vmm's runtime (svvmmrt) against a fake KVM (fake_kvm.c); io_proxy
# against a device side played on a real iobuf (proxy_peer.c).
VMM_RT_TEST_HELPERS := tests/unit/vmm/fake_kvm.c tests/unit/vmm/proxy_peer.c tests/support/log_lines.c

UNIT_TESTS += test_io_proxy
test_io_proxy_SRCS := tests/unit/vmm/test_io_proxy.c $(VMM_RT_TEST_HELPERS)
test_io_proxy_LIBS := svvmmrt svboot svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
test_io_proxy_LDLIBS := -lpthread

UNIT_TESTS += test_pci_host test_msi
test_pci_host_SRCS := tests/unit/vmm/test_pci_host.c tests/support/log_lines.c
test_pci_host_LIBS := svvmmrt svboot svutil
test_pci_host_LDLIBS := -lpthread
test_msi_SRCS := tests/unit/vmm/test_msi.c tests/unit/vmm/fake_kvm.c tests/support/log_lines.c
test_msi_LIBS := svvmmrt svboot svutil
test_msi_LDLIBS := -lpthread

# The dataport (device side of a link) against the fake KVM.
UNIT_TESTS += test_dataport
test_dataport_SRCS := tests/unit/vmm/test_dataport.c vmm/dataport.c tests/unit/vmm/fake_kvm.c \
	tests/support/log_lines.c
test_dataport_LIBS := svvmmrt svboot svlinkfmt svpci svrpc svutil
test_dataport_LDLIBS := -lpthread

# A passed-through function's interrupt modes (vmm/passthrough.c) over fake VFIO and KVM.
UNIT_TESTS += test_passthrough_irq
test_passthrough_irq_SRCS := tests/unit/vmm/test_passthrough_irq.c vmm/passthrough.c \
	tests/unit/vmm/fake_vfio.c tests/unit/vmm/fake_kvm.c tests/support/log_lines.c
test_passthrough_irq_LIBS := svvmmrt svboot svpci svutil
test_passthrough_irq_LDLIBS := -lpthread
