# Crash containment: the device VM's devmodel is killed (SIGKILL) while the
# driver VM does block I/O through it. The device VM's init restarts it,
# the new devmodel takes the disk over from its state file and carries out
# the requests the dead one left behind: the driver VM sees a stall and no
# error (its kernel logs none), without rebooting. The supervisor, both VMs
# and the board stay up (the tests after this one run on the same board).
# With the board's NVMe (run-board --smmu --nvme --nic) the device VM owns
# it and the driver VM's disk is its partition 2. With our driver-VM kernel
# in the image, the driver VM's link has a DMA window (DRIVER_KERNEL).
. /tests/lib.sh
. /tests/crossvm_lib.sh
IMG=/var/lib/splitvirt/kill.img
pick_devvm_disk $IMG
cat >/tmp/kill.yaml <<YAML
name: killdm
vms:
  - name: devvm
    role: device
    kernel: /guest/Image
    initrd: /guest/devvm-initrd.cpio
    cmdline: "console=ttyAMA0 quiet sv.test.kill-devmodel-after-io=2"
    memory: 512M
    cpus: 1
    $DEVVM_DISK_YAML
  - name: app
    role: driver
    kernel: $DRIVER_KERNEL
    initrd: /guest/initrd.cpio
    cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill"
    memory: 256M
    cpus: 1
    devices: [ { type: blk, from: devvm, backing: $APP_BACKING } ]
YAML
run_topology /tmp/kill.yaml
rm -f $IMG
expect_out "devvm: test hook: killing devmodel"
expect_out "devvm: devmodel exited with status 137; restarting in 1 s"
expect_out "restored link 0 after a devmodel restart"
check_io_across "the devmodel was killed"
expect_window app
grep -q "restored link 0 after a devmodel restart; [1-9][0-9]* requests taken up again" "$OUT" ||
	fail "the restarted devmodel took up no pending request"
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
echo "$(grep -o 'restored link 0 after a devmodel restart; [0-9]* requests taken up again' "$OUT")"
