# MSI-X reprogramming updates the interrupt routes: the guest unbinds and
# rebinds virtio-pci (new vectors, new messages) and the device still
# interrupts it (ITS on GICv3, GICv2m on GICv2).
. /tests/lib.sh
run_vm --rng --cpus 2 --cmdline "console=ttyAMA0 quiet sv.run=msix-rebind"
[ "$VM_RC" -eq 0 ] || fail "guest failed with $VM_RC"
expect_out "virtio-rng works after 3 unbind/bind cycles"
