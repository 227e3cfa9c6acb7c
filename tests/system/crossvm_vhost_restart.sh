# A devmodel restart under a disk served by qemu-storage-daemon
# (backend: vhost-user): the device VM's devmodel is killed twice while the
# driver VM does O_DIRECT writes and read-backs and fsynced buffered
# writes; the daemon keeps running. The new devmodel takes the function
# over from the saved state, connects to the daemon again and hands it the
# rings where the guest sees them: the driver VM sees stalls, no error, and
# what it wrote is on the disk.
. /tests/lib.sh
. /tests/crossvm_lib.sh
IMG=/var/lib/splitvirt/vurestart.img
rm -f $IMG
dd if=/dev/zero of=$IMG bs=1M count=0 seek=16 2>/dev/null
cat >/tmp/vu-restart.yaml <<YAML
name: vurestart
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet sv.test.kill-devmodel-after-io=2,2", memory: 512M, cpus: 1,
      disks: [ $IMG ] }
  - { name: app, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill sv.io.min=20 sv.io.deadline=120",
      devices: [ { type: blk, from: devvm, backing: /dev/vda, backend: vhost-user } ] }
YAML
run_topology /tmp/vu-restart.yaml
[ "$(grep -c "devvm: test hook: killing devmodel" "$OUT")" -eq 2 ] || fail "the devmodel was not killed twice"
n=$(grep -c "devvm: vhost-user back-end for link0-dev0 exited" "$OUT")
[ "$n" -eq 0 ] || fail "the daemon exited $n times; only the devmodel was killed"
check_io_across "the devmodel was killed" app
check_buffered_on $IMG app
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
rm -f $IMG
