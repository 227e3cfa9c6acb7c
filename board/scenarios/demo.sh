# The demo: a device VM serves a disk, a NIC, a console and an rng to a
# driver VM running Debian's stock virtio drivers (topologies/demo.yaml).
# The driver VM writes and reads back a file and pings this board through
# the device VM's bridge; afterwards we look at the device VM's disk image.
. /tests/lib.sh
. /tests/crossvm_lib.sh
echo "demo: ============================================================"
echo "demo: device VM 'devvm' serves blk, net, console and rng to driver VM 'app'"
echo "demo: topology: $TOPO_DIR/demo.yaml"
echo "demo: ============================================================"
crossvm_setup
{
	splitvirt run --no-file-check "$TOPO_DIR/demo.yaml"
	echo "demo: supervisor exit status $?"
} 2>&1 | tee "$OUT"
rc=$(sed -n 's/^demo: supervisor exit status //p' "$OUT")
[ -n "$rc" ] || rc=1
crossvm_teardown
disk="not checked"
if mount -o loop,ro -t ext4 "$DEVVM_DISK" /mnt/img 2>/dev/null || { mkdir -p /mnt/img && mount -o loop,ro -t ext4 "$DEVVM_DISK" /mnt/img; }; then
	if grep -q "written by the driver VM" /mnt/img/hello.txt 2>/dev/null; then
		disk="hello.txt found on the device VM's disk image: \"$(cat /mnt/img/hello.txt)\""
	else
		disk="hello.txt NOT found on the device VM's disk image"
		rc=1
	fi
	umount /mnt/img
else
	disk="the device VM's disk image has no filesystem"
	rc=1
fi
echo "demo: ============================== summary ========================="
# The driver VM's lines come as "[app] demo: PASS ...".
grep -E "demo: (PASS|FAIL)" "$OUT" | tr -d '\r' | sed 's/^.*demo: /demo:   /'
echo "demo:   board host: $disk"
if [ "$rc" -eq 0 ]; then
	echo "demo: SUCCESS: every device of the driver VM was served by the device VM"
else
	echo "demo: FAILED (full log above)"
fi
exit "$rc"
