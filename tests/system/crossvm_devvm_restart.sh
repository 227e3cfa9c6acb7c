# A device VM killed under load comes back without its two driver VMs
# noticing more than a stall: its vmm is killed (SIGKILL) 2 s after the driver
# VM's first flushed write reached the device VM's disk. The supervisor
# marks the link's device side gone (the driver VM's pending accesses fail
# at once, not one 5 s timeout after another) and starts the device VM
# again after 1 s (restart: on-failure); its new devmodel takes the disk
# over from the link's saved-state area, which outlived the dead VM, and
# carries out the requests that were in flight. Each driver VM sees a stall
# and no error, without rebooting; what it flushed before the kill is on
# its disk, and so is the last pass of its fsynced buffered writes: the
# devmodel writes through the device VM's page cache (O_DIRECT), which
# died with it. On a board with an NVMe controller to pass through
# (run-board --smmu --nvme), the device VM owns it: the killed vmm releases
# it and the restarted one gets it back through VFIO. With our driver-VM
# kernel in the image, each driver VM's link has a DMA window: the restarted
# device VM gets the same window memfds.
. /tests/lib.sh
. /tests/crossvm_lib.sh
crossvm_setup
# The board's NVMe controller, if it has one that can be passed through.
pt_bdf=$(board_pci_fn 0x010802)
[ -n "$pt_bdf" ] && [ ! -e "/sys/bus/pci/devices/$pt_bdf/iommu_group" ] && pt_bdf=""
[ -n "$pt_bdf" ] && [ "$(board_gic)" = 2 ] && echo 1 >$UNSAFE_INTERRUPTS
PT=""
[ -n "$pt_bdf" ] && PT=", passthrough: [ $pt_bdf ]"
DISK2=/var/lib/splitvirt/devvm-disk2.img
rm -f $DISK2
dd if=/dev/zero of=$DISK2 bs=1M count=0 seek=16 2>/dev/null
cat >/tmp/devvm-restart.yaml <<YAML
name: dvrestart
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet", memory: 512M, disks: [ $DEVVM_DISK, $DISK2 ],
      restart: on-failure$PT }
  - { name: app1, role: driver, kernel: $DRIVER_KERNEL, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill sv.io.deadline=240 sv.io.hang=120",
      devices: [ { type: blk, from: devvm, backing: /dev/vda } ] }
  - { name: app2, role: driver, kernel: $DRIVER_KERNEL, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill sv.io.deadline=240 sv.io.hang=120",
      devices: [ { type: blk, from: devvm, backing: /dev/vdb } ] }
YAML
start_topology /tmp/devvm-restart.yaml
# The marker block (300) is written with fsync first: once the host sees
# both, both driver VMs' I/O runs through the device VM.
marker_on() {
	dd if="$1" bs=4096 skip=300 count=1 2>/dev/null | grep -a -q -- "${2:-svmarker-}"
}
marker_on_disk() {
	marker_on "$DEVVM_DISK" && marker_on "$DISK2"
}
i=0
while ! marker_on_disk && kill -0 $SUP 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.1
	i=$((i + 1))
done
marker_on_disk || { kill -TERM $SUP; wait $SUP; sed 's/^/  | /' "$OUT"; fail "the driver VM's marker never reached the device VM's disk"; }
sleep 2
victim=$(state_pid devvm)
[ -n "$victim" ] || fail "no pid for the device VM in the supervisor's state file"
echo "killing the device VM's vmm (pid $victim) with SIGKILL"
kill -KILL "$victim"
wait_topology 400
sed 's/^/  | /' "$OUT"
[ -n "$pt_bdf" ] && [ "$(board_gic)" = 2 ] && echo 0 >$UNSAFE_INTERRUPTS
marker1=$(fact marker app1)
marker2=$(fact marker app2)
crossvm_teardown
[ "$HUNG" -eq 0 ] || fail "the topology was still running 400 s after the kill"
expect_out "VM 'devvm' (pid $victim) was killed by signal 9 (Killed); restarting it in 1 s"
expect_out "device VM 'devvm' is gone: failing the pending accesses of driver VM(s) 'app1', 'app2'"
expect_out "restarted device VM 'devvm'"
expect_out "restored link 0 after a devmodel restart"
expect_out "restored link 1 after a devmodel restart"
expect_window app1
expect_window app2
check_io_across "the device VM was killed" app1
check_io_across "the device VM was killed" app2
check_buffered_on "$DEVVM_DISK" app1
check_buffered_on "$DISK2" app2
[ -n "$marker1" ] && [ -n "$marker2" ] || fail "a driver VM reported no marker"
marker_on "$DEVVM_DISK" "$marker1" ||
	fail "the marker app1 flushed before the kill ($marker1) is not on its disk"
marker_on "$DISK2" "$marker2" ||
	fail "the marker app2 flushed before the kill ($marker2) is not on its disk"
rm -f $DISK2
if [ -n "$pt_bdf" ]; then
	n=$(grep -c "vmm\[devvm\]: info: passthrough($pt_bdf): 1b36:0010" "$OUT")
	[ "$n" -ge 2 ] || fail "the restarted device VM did not get $pt_bdf back through VFIO ($n starts with it)"
	expect_out "passthrough $pt_bdf: given back to"
	echo "the device VM got $pt_bdf through VFIO $n times"
fi
grep -q "VM 'app[12]' (pid [0-9]*) rebooted itself" "$OUT" && fail "a driver VM rebooted"
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
grep -o 'restored link [01] after a devmodel restart; [0-9]* requests taken up again' "$OUT"
