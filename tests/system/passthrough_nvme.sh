# VFIO passthrough: the board's emulated NVMe controller (run-board --smmu
# --nvme) is given to a VM, first by hand (vmm --passthrough), then by the
# supervisor (topology key passthrough: it binds the controller to
# vfio-pci, runs the VM sandboxed and gives the controller back to the
# board's nvme driver). Each time the guest's stock nvme driver finds it
# (MSI-X through the ITS or the GICv2m frame), writes 1 MiB and reads it
# back, rebinds its driver (MSI-X reprogrammed) and reads it again, and the
# board then reads the same bytes from the controller. On a
# GICv2 board (no MSI isolation) VFIO is refused with a clear error until
# unsafe interrupts are explicitly allowed.
. /tests/lib.sh
bdf=$(board_pci_fn 0x010802)
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
	echo 1 >$UNSAFE_INTERRUPTS
fi
run_pt
[ "$VM_RC" -eq 0 ] || fail "the passthrough VM exited with status $VM_RC"
expect_out "passthrough($bdf): "
sum=$(fact nvme_sum)
[ "$(fact nvme_rebind)" = ok ] || fail "after the guest rebound its nvme driver (MSI-X reprogrammed), I/O failed"
[ -n "$sum" ] || fail "the guest reported no checksum"
[ "$(fact nvme_irqs)" -gt 0 ] || fail "no nvme interrupts in the guest"
# on_board SUM: the board's own nvme driver reads SUM's bytes at 62 MiB.
on_board() {
	wait_block /dev/nvme0n1 || fail "the board's nvme driver found no namespace after the VM"
	got=$(dd if=/dev/nvme0n1 bs=1M skip=62 count=1 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$1" ] || fail "the NVMe holds $got at 62 MiB, the guest wrote $1"
	echo "the guest's 1 MiB is on the NVMe ($1)"
}
give_to nvme
echo "" >"$dev/driver_override"
on_board "$sum"

# The same through the supervisor: it takes the controller from the board's
# nvme driver, runs the VM sandboxed, and gives the controller back.
cat >/tmp/pt.yaml <<YAML
name: pt
vms:
  - { name: owner, role: standalone, kernel: /guest/Image, initrd: /guest/initrd.cpio,
      memory: 256M, cmdline: "console=ttyAMA0 quiet sv.run=nvme-write", passthrough: [ $bdf ] }
YAML
splitvirt check /tmp/pt.yaml >"$OUT" 2>&1 || { cat "$OUT"; fail "splitvirt check refused the passthrough topology"; }
splitvirt run --no-file-check /tmp/pt.yaml >"$OUT" 2>&1
VM_RC=$?
sed 's/^/  | /' "$OUT"
[ "$VM_RC" -eq 0 ] || fail "splitvirt run exited with status $VM_RC"
expect_out "passthrough $bdf: taken from nvme for VM 'owner'"
expect_out "passthrough $bdf: given back to nvme"
expect_out "sandboxed as uid 2"
sum2=$(fact nvme_sum owner)
[ -n "$sum2" ] && [ "$sum2" != "$sum" ] || fail "the supervised guest reported no (new) checksum"
[ "$(basename "$(readlink "$dev/driver")")" = nvme ] || fail "$bdf is not back with the nvme driver"
on_board "$sum2"
