# Crash containment: the device VM's devmodel is killed (SIGKILL) three
# times, at random moments, while two driver VMs do block I/O through it:
# O_DIRECT writes, read-backs and compares, and buffered writes with an
# fsync every 256 KiB. The device VM's init restarts it each time; the new
# devmodel takes the disks over from the saved state and carries out the
# requests the dead one left behind: each driver VM sees stalls and no
# error (its kernel logs none, no "lost async page write"), without
# rebooting, and what it wrote is on its disk byte for byte. The
# supervisor, the VMs and the board stay up (the tests after this one run
# on the same board). With the board's NVMe (run-board --smmu --nvme --nic)
# the device VM owns it and the first driver VM's disk is its partition 2.
# With our driver-VM kernel in the image, each link has a DMA window
# (DRIVER_KERNEL).
. /tests/lib.sh
. /tests/crossvm_lib.sh
IMG=/var/lib/splitvirt/kill.img
IMG2=/var/lib/splitvirt/kill2.img
pick_devvm_disk $IMG
rm -f $IMG2
dd if=/dev/zero of=$IMG2 bs=1M count=0 seek=16 2>/dev/null
# The second driver VM's disk is the device VM's first virtio disk, or its
# second when the first is the image pick_devvm_disk chose.
if [ "$APP_BACKING" = /dev/vda ]; then
	DISKS_YAML="disks: [ $IMG, $IMG2 ]"
	APP2_BACKING=/dev/vdb
else
	DISKS_YAML="$DEVVM_DISK_YAML, disks: [ $IMG2 ]"
	APP2_BACKING=/dev/vda
fi
cat >/tmp/kill.yaml <<YAML
name: killdm
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet sv.test.kill-devmodel-after-io=2,3", memory: 512M, cpus: 1,
      $DISKS_YAML }
  - { name: app1, role: driver, kernel: $DRIVER_KERNEL, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill sv.io.min=30 sv.io.deadline=120",
      devices: [ { type: blk, from: devvm, backing: $APP_BACKING } ] }
  - { name: app2, role: driver, kernel: $DRIVER_KERNEL, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill sv.io.min=30 sv.io.deadline=120",
      devices: [ { type: blk, from: devvm, backing: $APP2_BACKING } ] }
YAML
run_topology /tmp/kill.yaml
kills=$(grep -c "devvm: test hook: killing devmodel" "$OUT")
echo "the devmodel was killed $kills times"
[ "$kills" -eq 3 ] || fail "the devmodel was killed $kills times, want 3"
[ "$(grep -c 'devvm: devmodel exited with status 137; restarting in 1 s' "$OUT")" -eq 3 ] ||
	fail "the devmodel did not die of SIGKILL and restart three times"
for app in app1 app2; do
	check_io_across "the devmodel was killed" $app
	expect_window $app
done
check_buffered_on "$(picked_disk_on_board $IMG)" app1
check_buffered_on $IMG2 app2
rm -f $IMG $IMG2
# A kill can come before a new devmodel has restored both links; the last
# restart restores them in any case.
n=$(grep -c "restored link [01] after a devmodel restart; [0-9]* requests taken up again" "$OUT")
[ "$n" -ge 2 ] || fail "$n links restored after the three restarts, want at least 2"
grep -q "restored link [01] after a devmodel restart; [1-9][0-9]* requests taken up again" "$OUT" ||
	fail "no restarted devmodel took up a pending request"
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
grep -o 'restored link [01] after a devmodel restart; [0-9]* requests taken up again' "$OUT"
