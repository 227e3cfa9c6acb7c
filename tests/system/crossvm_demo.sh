# The default topology: a device VM serves blk, net, console and rng to a
# driver VM running stock virtio drivers. The driver VM writes a file and
# pings the board host through the device VM's bridge; after shutdown the
# board host finds the driver VM's bytes in the device VM's disk image.
. /tests/lib.sh
. /tests/crossvm_lib.sh
crossvm_setup
run_topology "$TOPO_DIR/demo.yaml"
crossvm_teardown
[ "$VM_RC" -eq 0 ] || fail "demo topology failed (status $VM_RC)"
for what in "virtio-blk: file written" "virtio-net: ping 10.77.0.1" "virtio-console: hello" "virtio-rng"; do
	grep -q "demo: PASS $what" "$OUT" || fail "driver VM check '$what' did not pass"
done
expect_out "driver VM says hello on hvc0"
sha=$(fact sha)
check_written_image "$DEVVM_DISK" "written by the driver VM through the device VM" "$sha" \
	"the device VM's disk"
echo "driver VM's data.bin ($sha) is on the device VM's disk image"
