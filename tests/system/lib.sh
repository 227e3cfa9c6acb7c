# Helpers for system tests; they run inside the board as root.
KERNEL=/guest/Image
INITRD=/guest/initrd.cpio
OUT=/tmp/vm.out

fail() {
	echo "FAIL: $*"
	exit 1
}

# run_vm ARGS...: runs the vmm with the guest image; console and log in $OUT,
# status in $VM_RC.
run_vm() {
	vmm --kernel "$KERNEL" --initrd "$INITRD" "$@" >"$OUT" 2>&1
	VM_RC=$?
	sed 's/^/  | /' "$OUT"
}

expect_out() {
	grep -q -- "$1" "$OUT" || fail "expected '$1' in the output"
}

# fact NAME [VM]: a "fact: NAME=value" line of the guest; under splitvirt run
# the line starts with the VM's "[name] " prefix (with VM: only that VM's).
fact() {
	if [ -n "$2" ]; then
		sed -n "s/^\[$2\] fact: $1=//p" "$OUT" | tr -d '\r' | head -1
	else
		sed -n "s/^\(\[[^]]*\] \)\{0,1\}fact: $1=//p" "$OUT" | tr -d '\r' | head -1
	fi
}

# The board's own GIC version, from its device tree.
board_gic() {
	if grep -q gic-v3 /proc/device-tree/intc@8000000/compatible 2>/dev/null; then
		echo 3
	else
		echo 2
	fi
}

# check_written_image IMG TEXT SHA WHO: the ext4 image IMG holds the files
# a guest wrote: hello.txt containing TEXT and data.bin with sha256 SHA.
check_written_image() {
	mkdir -p /mnt/img
	mount -o loop,ro -t ext4 "$1" /mnt/img || fail "$4: no filesystem on $1"
	grep -q "$2" /mnt/img/hello.txt || { umount /mnt/img; fail "$4: hello.txt missing or wrong"; }
	got=$(sha256sum /mnt/img/data.bin | cut -d' ' -f1)
	umount /mnt/img
	[ "$got" = "$3" ] || fail "$4: data.bin has sha256 $got on the host, the guest wrote $3"
}

# board_pci_fn CLASS: the first PCI function of the board with that class
# (e.g. 0x010802, an NVMe controller), or nothing.
board_pci_fn() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class" 2>/dev/null)" = "$1" ] && basename "$d" && return 0
	done
	return 0
}

# The knob that lets VFIO give devices away without MSI isolation (GICv2).
UNSAFE_INTERRUPTS=/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts

# wait_block DEV: waits up to 10 s for block device DEV (e.g. a namespace
# coming back with the board's nvme driver); true if it is there.
wait_block() {
	i=0
	while [ ! -b "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -b "$1" ]
}
