# topologies/standard-backends.yaml as a user runs it: the demo's devices
# served by standard back-ends in the device VM, which owns the board's
# NVMe and NIC (needs run-board --smmu --nvme FILE --nic and MSI isolation,
# else skipped): the disk by qemu-storage-daemon on the NVMe's partition 1,
# the NIC by vhost-net on the bridge uplinked to the e1000e (a DHCP lease),
# a virtiofsd share mounted and written, the console and rng by the
# devmodel. The board then finds the driver VM's files on partition 1.
. /tests/lib.sh
. /tests/crossvm_lib.sh
why=$(demo_hw_missing)
[ -z "$why" ] || { echo "skipped: $why"; exit 77; }
run_topology $TOPO_DIR/standard-backends.yaml
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
for what in "virtio-blk: file written" "virtio-net: ping 10.0.2.2" "virtio-console: hello" \
	"virtio-rng" "virtio-fs: share 'share' mounted, written, read back"; do
	grep -q "demo: PASS $what" "$OUT" || fail "driver VM check '$what' did not pass"
done
expect_out "served by qemu-storage-daemon (vhost-user at /run/splitvirt/vhost/link0-dev0.sock)"
expect_out "served by the kernel's vhost-net"
expect_out "virtio-fs 'share' sharing /srv/share, served by virtiofsd"
echo "driver VM's lease through vhost-net and the device VM's e1000e: $(fact lease)"
wait_block /dev/nvme0n1p1
check_written_image /dev/nvme0n1p1 "written by the driver VM through the device VM" "$(fact sha)" \
	"the NVMe's partition 1 (back in the board)"
echo "the driver VM's files, written through qemu-storage-daemon, are on the NVMe's partition 1"
# The last writer of partition 1 (after crossvm_demo): scripts/test looks for
# this data.bin in the NVMe's image file on the dev machine.
echo "demo on the NVMe: data.bin sha256 $(fact sha)"
