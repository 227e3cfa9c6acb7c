# VFIO passthrough: the board's emulated NVMe controller (run-board --smmu
# --nvme) is given to a VM (vmm --passthrough); the guest's stock nvme
# driver finds it (MSI-X through the ITS or the GICv2m frame), writes 1 MiB
# and reads it back; after the VM exits the board takes the controller
# back and must read the same bytes from it. On a GICv2 board (no MSI
# isolation) VFIO is refused with a clear error until unsafe interrupts
# are explicitly allowed.
. /tests/lib.sh
bdf=""
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/class" 2>/dev/null)" = 0x010802 ] && bdf=$(basename "$d") && break
done
[ -n "$bdf" ] || { echo "no NVMe controller on this board (run-board --smmu --nvme FILE)"; exit 77; }
dev=/sys/bus/pci/devices/$bdf
[ -e "$dev/iommu_group" ] || { echo "$bdf has no IOMMU group (run-board --smmu)"; exit 77; }
give_to() {
	[ -e "$dev/driver" ] && echo "$bdf" >"$dev/driver/unbind"
	echo "$1" >"$dev/driver_override"
	echo "$bdf" >"/sys/bus/pci/drivers/$1/bind" || fail "binding $bdf to $1"
}
give_to vfio-pci
run_pt() {
	run_vm --mem 256M --passthrough "$bdf" --cmdline "console=ttyAMA0 quiet sv.run=nvme-write"
}
if [ "$(board_gic)" = 2 ]; then
	run_pt
	[ "$VM_RC" -ne 0 ] || fail "VFIO worked without MSI isolation and without allow_unsafe_interrupts"
	expect_out "cannot isolate this device's MSIs"
	expect_out "allow_unsafe_interrupts=1"
	echo "GICv2: refused as it must be; allowing unsafe interrupts explicitly"
	echo 1 >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
fi
run_pt
[ "$VM_RC" -eq 0 ] || fail "the passthrough VM exited with status $VM_RC"
expect_out "passthrough($bdf): "
sum=$(fact nvme_sum)
[ -n "$sum" ] || fail "the guest reported no checksum"
[ "$(fact nvme_irqs)" -gt 0 ] || fail "no nvme interrupts in the guest"
# Back to the board's own nvme driver: the bytes must be on the controller.
give_to nvme
echo "" >"$dev/driver_override"
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -b /dev/nvme0n1 ] || fail "the board's nvme driver found no namespace after the VM"
got=$(dd if=/dev/nvme0n1 bs=1M skip=1 count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$got" = "$sum" ] || fail "the NVMe holds $got at 1 MiB, the guest wrote $sum"
echo "guest's 1 MiB is on the NVMe ($sum)"
