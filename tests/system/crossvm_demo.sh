# The default topology: a device VM serves blk, net, console and rng to a
# driver VM running stock virtio drivers on our driver-VM kernel, so the
# device VM sees only an 8 MiB DMA window of the driver VM's RAM. With the
# board's NVMe and NIC (run-board --smmu --nvme --nic) the device VM owns
# them through VFIO: the
# driver VM's disk is the NVMe's partition 1 and its network the NIC's
# (a DHCP lease from the board's user-mode network, a ping to its gateway);
# afterwards the NVMe is back with the board's nvme driver and the board
# finds the driver VM's bytes on it. Without that hardware, the device VM's
# disk and NIC come from its vmm (demo-virtio.yaml).
. /tests/lib.sh
. /tests/crossvm_lib.sh
pick_demo_topology
[ -z "$DEMO_WHY" ] || echo "demo-virtio.yaml: $DEMO_WHY"
crossvm_setup
run_topology "$DEMO_TOPO"
crossvm_teardown
[ "$VM_RC" -eq 0 ] || fail "demo topology failed (status $VM_RC)"
peer=10.77.0.1
if [ -z "$DEMO_WHY" ]; then
	peer=10.0.2.2
	expect_out "passthrough $DEMO_NVME: taken from nvme"
	expect_out "passthrough $DEMO_NIC: taken from e1000e"
	expect_out "devvm: bridge br0 uplinked to eth0"
	expect_out "passthrough $DEMO_NVME: given back to nvme"
	echo "driver VM's lease through the device VM's e1000e: $(fact lease)"
fi
for what in "virtio-blk: file written" "virtio-net: ping $peer" "virtio-console: hello" "virtio-rng"; do
	grep -q "demo: PASS $what" "$OUT" || fail "driver VM check '$what' did not pass"
done
expect_out "driver VM says hello on hvc0"
# The window (dma-window: auto with our kernel): the devmodel saw nothing else.
grep -q "^\[devvm\] .*serving driver VM 'app': .*DMA window 0x440000000+0x800000" "$OUT" ||
	fail "the device VM does not serve the demo's driver VM through an 8 MiB DMA window"
sha=$(fact sha)
demo_disk_check "$sha"
echo "driver VM's data.bin ($sha) is on the disk it wrote, read by the board"
# scripts/test looks for it in the NVMe's image file on the dev machine.
[ -n "$DEMO_WHY" ] || echo "demo on the NVMe: data.bin sha256 $sha"
