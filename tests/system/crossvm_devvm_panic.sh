# A device VM whose kernel dies comes back like one whose vmm dies: its
# kernel panics (sysrq c) 2 s after the driver VM's first write reached its
# disk; with restart: on-failure the supervisor gave it panic=1, so the
# panic becomes a PSCI reset, the supervisor marks the link's device side
# gone and starts the VM again, and its new devmodel takes the disk over
# from the link's saved-state area and carries out what was pending. The
# driver VM sees a stall and no error, without rebooting, and its fsynced
# buffered writes are on the disk. With the board's NVMe the device
# VM owns it (its partition 2 is the driver VM's disk): the rebooted VM
# gets the controller back through VFIO.
. /tests/lib.sh
. /tests/crossvm_lib.sh
crossvm_setup
pick_devvm_disk /var/lib/splitvirt/panic.img
cat >/tmp/devvm-panic.yaml <<YAML
name: dvpanic
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet sv.test.panic-after-io=2", memory: 512M,
      $DEVVM_DISK_YAML }
  - { name: app, role: driver, kernel: $DRIVER_KERNEL, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill sv.io.deadline=240 sv.io.hang=120",
      devices: [ { type: blk, from: devvm, backing: $APP_BACKING } ] }
YAML
run_topology_within /tmp/devvm-panic.yaml 400
sed 's/^/  | /' "$OUT"
crossvm_teardown
[ "$HUNG" -eq 0 ] || fail "the topology was still running after 400 s"
expect_out "devvm: test hook: panicking the kernel"
expect_out "VM 'devvm' (pid [0-9]*) rebooted itself (PSCI SYSTEM_RESET): starting it again"
expect_out "device VM 'devvm' is gone: failing the pending accesses of driver VM(s) 'app'"
expect_out "restored link 0 after a devmodel restart"
[ "$(grep -c 'devvm: test hook: panicking the kernel' "$OUT")" -eq 1 ] ||
	fail "the device VM panicked more than once"
check_io_across "the device VM's kernel died"
check_buffered_on "$(picked_disk_on_board /var/lib/splitvirt/panic.img)"
expect_window app
grep -q "VM 'app' (pid [0-9]*) rebooted itself" "$OUT" && fail "the driver VM rebooted"
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
echo "$(grep -o 'restored link 0 after a devmodel restart; [0-9]* requests taken up again' "$OUT")"
