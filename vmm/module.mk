# Architecture-independent parts of the vmm are also built natively for unit tests.
NATIVE_LIBS += svboot
ARM64_LIBS += svboot
svboot_SRCS := lib/boot/arm64_image.c lib/fdt/guest_fdt.c vmm/args.c vmm/pci_ecam.c

# svvmmrt: the vmm's runtime that needs no KVM of its own: MMIO dispatch, the
# ECAM host bridge, MSI routing/validation and io_proxy (driver side of a
# link). Their KVM calls go through vmm/kvm_irq.c, which only the arm64 vmm
# links; native tests and fuzzers link tests/unit/vmm/fake_kvm.c instead.
NATIVE_LIBS += svvmmrt
ARM64_LIBS += svvmmrt
svvmmrt_SRCS := vmm/mmio_bus.c vmm/pci_host.c vmm/msi.c vmm/msi_its.c vmm/msi_v2m.c \
	vmm/io_proxy.c

ARM64_BINS += vmm
vmm_SRCS := vmm/main.c vmm/kvm_vm.c vmm/kvm_irq.c vmm/guest_ram.c vmm/vcpu.c vmm/gic.c \
	vmm/gic_v2.c vmm/gic_v3.c vmm/pl011.c vmm/exit_status.c vmm/boot_arm64.c \
	vmm/local_fn.c \
	vmm/devices.c vmm/dataport.c vmm/vfio.c vmm/passthrough.c
vmm_LIBS := svvmmrt svboot svlinkfmt svdevices svvhost svvirtio svpci svrpc svsandbox svutil
vmm_LDLIBS := -lfdt -lseccomp
