# A standard vhost-user back-end in the device VM: Debian's
# qemu-storage-daemon serves two driver VMs' disks (backend: vhost-user),
# the devmodel keeps their PCI functions and hands the daemon the driver
# VMs' memory and the queues' kick and call eventfds of splitvirt.ko.
# app2 writes an ext4 filesystem that the board then finds byte for byte on
# its image (the same check as with the devmodel's own back-end). app1 does
# O_DIRECT writes and read-backs while the device VM's test hook kills its
# daemon and keeps it down 8 s, longer than the devmodel waits for a
# back-end (5 s): app1's I/O fails with errors, then works again once the
# device VM's init has restarted the daemon; app2's daemon is untouched.
# app3 mounts a directory of the device VM (its third disk, mounted there
# by sv.mount) shared through Debian's virtiofsd (type: fs): it reads the
# file the board put there and writes files the board then finds.
. /tests/lib.sh
. /tests/crossvm_lib.sh
IMG1=/var/lib/splitvirt/vu1.img
IMG2=/var/lib/splitvirt/vu2.img
IMG3=/var/lib/splitvirt/vu3.img
for img in $IMG1 $IMG2 $IMG3; do
	rm -f $img
	dd if=/dev/zero of=$img bs=1M count=0 seek=16 2>/dev/null
done
# The shared directory's filesystem, with a file from the board.
# (busybox's mke2fs wants a block device: a loop device over the image)
loopdev=$(losetup -f) && losetup "$loopdev" $IMG3 && mke2fs -q "$loopdev" && losetup -d "$loopdev" ||
	fail "mke2fs on $IMG3 (through ${loopdev:-no loop device}) failed"
mkdir -p /mnt/img
mount -o loop -t ext4 $IMG3 /mnt/img || fail "cannot mount $IMG3"
HOST_TEXT="put here by the board $$"
echo "$HOST_TEXT" >/mnt/img/from-host.txt
umount /mnt/img
cat >/tmp/vhost.yaml <<YAML
name: vhost
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet sv.test.vhost-backend-down=2,8 sv.mount=/dev/vdc:/srv/share",
      memory: 512M, cpus: 1, disks: [ $IMG1, $IMG2, $IMG3 ] }
  - { name: app1, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=io-across-kill sv.io.expect=errors sv.io.min=20 sv.io.deadline=120",
      devices: [ { type: blk, from: devvm, backing: /dev/vda, backend: vhost-user } ] }
  - { name: app2, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=blk-write",
      devices: [ { type: blk, from: devvm, backing: /dev/vdb, backend: vhost-user } ] }
  - { name: app3, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=fs-share",
      devices: [ { type: fs, from: devvm, backing: /srv/share, tag: share } ] }
YAML
run_topology /tmp/vhost.yaml
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
for d in link0-dev0 link1-dev0; do
	expect_out "devvm: vhost-user back-end qemu-storage-daemon for $d started"
done
expect_out "served by qemu-storage-daemon (vhost-user at /run/splitvirt/vhost/link0-dev0.sock)"
# app2: its filesystem, written through the daemon, is on its image.
check_written_image $IMG2 "splitvirt wrote this through virtio-blk" "$(fact sha app2)" "app2"
echo "app2's data.bin ($(fact sha app2)) is on $IMG2, written through qemu-storage-daemon"
# app1: errors while its daemon was away, good I/O after it came back.
expect_out "devvm: test hook: killing the vhost-user back-end of link0-dev0"
expect_out "link0-dev0.sock closed its socket"
expect_out "still gone after 5000 ms"
expect_out "link0-dev0.sock is back; it serves the device again"
[ "$(fact io_hang app1)" = 0 ] || fail "app1's I/O hung while its back-end was away"
errors=$(fact io_errors app1)
ok_after=$(fact io_ok_after app1)
echo "app1: $(fact io_ok app1) good I/Os, ${errors:-?} failed, ${ok_after:-?} good after the last failure"
[ "${errors:-0}" -gt 0 ] || fail "app1's I/O did not fail while its back-end was gone"
[ "${ok_after:-0}" -ge 5 ] || fail "app1's I/O did not work again after its back-end came back"
# Only link 0's daemon was killed; link 1's never restarted.
n=$(grep -c "devvm: vhost-user back-end for link1-dev0 exited" "$OUT")
[ "$n" -eq 0 ] || fail "app2's back-end exited $n times"
# app3: the board's file read through virtio-fs, its files on the shared disk.
expect_out "devvm: /dev/vdc mounted at /srv/share"
expect_out "devvm: vhost-user back-end /usr/lib/qemu/virtiofsd for link2-dev0 started"
expect_out "virtio-fs 'share' sharing /srv/share, served by virtiofsd"
[ "$(fact fs_type app3)" = virtiofs ] || fail "app3 did not mount a virtiofs (got '$(fact fs_type app3)')"
[ "$(fact from_host app3)" = "$HOST_TEXT" ] ||
	fail "app3 read '$(fact from_host app3)' from the share, the board put '$HOST_TEXT' there"
mount -o loop,ro -t ext4 $IMG3 /mnt/img || fail "cannot mount $IMG3 after the run"
text=$(cat /mnt/img/from-guest.txt 2>/dev/null)
got=$(sha256sum /mnt/img/data.bin 2>/dev/null | cut -d' ' -f1)
umount /mnt/img
[ "$text" = "written by the driver VM through virtio-fs" ] ||
	fail "from-guest.txt on the shared disk holds '$text'"
[ -n "$got" ] && [ "$got" = "$(fact fs_sha app3)" ] ||
	fail "data.bin on the shared disk has sha256 '$got', app3 wrote '$(fact fs_sha app3)'"
echo "app3 read the board's file and wrote files the board found on the shared disk (data.bin $got)"
rm -f $IMG1 $IMG2 $IMG3
