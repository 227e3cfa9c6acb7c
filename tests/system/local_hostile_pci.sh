# A guest that writes garbage into a local virtio-pci function's BARs and
# programs an MSI-X vector with a bogus address is contained: the vmm logs
# each rejected access, keeps the VM running, and other devices still work.
. /tests/lib.sh
img=/var/lib/splitvirt/hostile.img
dd if=/dev/zero of="$img" bs=1M count=0 seek=8 2>/dev/null
run_vm --disk "$img" --rng --cmdline "console=ttyAMA0 quiet sv.run=hostile-pci"
[ "$VM_RC" -eq 0 ] || fail "guest failed with $VM_RC"
expect_out "guest: virtio-rng still works"
expect_out "not this VM's MSI doorbell"
expect_out "rejected"
[ "$(fact unclaimed)" = 0x00000000 ] || fail "unclaimed PCI window read '$(fact unclaimed)', want 0"
