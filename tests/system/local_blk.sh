# virtio-blk served in-process by the vmm: the guest makes a filesystem on
# /dev/vda and writes files; after the VM is gone, the board host finds the
# same bytes in the image file. A read-only disk refuses writes.
. /tests/lib.sh
img=/var/lib/splitvirt/local-blk.img
rm -f "$img"
dd if=/dev/zero of="$img" bs=1M count=0 seek=64 2>/dev/null
run_vm --disk "$img" --cmdline "console=ttyAMA0 quiet sv.run=blk-write"
[ "$VM_RC" -eq 0 ] || fail "guest failed with $VM_RC"
sha=$(fact sha)
[ -n "$sha" ] || fail "guest printed no checksum"
[ "$(fact vda_serial)" = splitvirt-disk0 ] || fail "serial '$(fact vda_serial)'"
check_written_image "$img" "splitvirt wrote this through virtio-blk" "$sha" "the guest's image"
echo "host sees the guest's files, data.bin sha256 $sha"

run_vm --disk "$img,ro" --cmdline "console=ttyAMA0 quiet sv.run=blk-readonly"
[ "$VM_RC" -eq 0 ] || fail "read-only disk test failed in the guest ($VM_RC)"
[ "$(fact ro)" = 1 ] || fail "guest sees ro=$(fact ro)"
