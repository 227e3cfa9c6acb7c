# virtio-rng: /dev/hwrng in the guest is the virtio device and gives data;
# the guest's PCI functions are bound by Debian's stock virtio_pci driver
# and interrupts arrive as MSIs (ITS on GICv3, GICv2m on GICv2).
. /tests/lib.sh
run_vm --rng --cmdline "console=ttyAMA0 quiet sv.run=rng"
[ "$VM_RC" -eq 0 ] || fail "guest failed with $VM_RC"
fact rng_current | grep -q virtio_rng || fail "hw_random is '$(fact rng_current)', not virtio_rng"
run_vm --rng --cmdline "console=ttyAMA0 quiet sv.run=lspci"
grep -q "fact: pci_0000:00:00.0=0x1af4:0x1044:virtio-pci" "$OUT" || fail "virtio-rng function not bound by virtio-pci"
if [ "$(board_gic)" = 3 ]; then
	grep -q "fact: irq=.*ITS-MSI .*virtio0-input" "$OUT" || fail "no ITS MSI interrupts in the guest"
else
	grep -q "fact: msi=GICv2m: range" "$OUT" || fail "the guest did not find the GICv2m frame"
	grep -q "fact: irq=.* MSI .*virtio0-input" "$OUT" || fail "no MSI interrupts in the guest"
fi
