# VFIO passthrough of a NIC with 32-bit BARs (and an I/O-port BAR left
# out): the board's emulated e1000e (run-board --smmu --nic) is given to a
# VM through the supervisor (topology key passthrough); the guest's stock
# e1000e driver brings the link up and gets a DHCP lease from the board's
# user-mode network, then the supervisor gives the NIC back to the board.
# Two runs, one per interrupt mode of the driver (IntMode): MSI-X (its
# default) and INTx (a level irqfd on the slot's SPI, resampled on the
# guest's EOI through VFIO's unmask): each gets its lease through
# interrupts of that kind.
. /tests/lib.sh
bdf=$(board_pci_fn 0x020000)
[ -n "$bdf" ] || { echo "no NIC on this board (run-board --smmu --nic)"; exit 77; }
[ -e "/sys/bus/pci/devices/$bdf/iommu_group" ] || { echo "$bdf has no IOMMU group (run-board --smmu)"; exit 77; }
# GICv2 (no MSI isolation): allowed explicitly below; passthrough_nvme checks the refusal.
# run_nic EXTRA-CMDLINE: the NIC's VM under splitvirt run; facts in $OUT.
run_nic() {
	cat >/tmp/nic.yaml <<YAML
name: nic
vms:
  - { name: net, role: standalone, kernel: /guest/Image, initrd: /guest/initrd.cpio,
      memory: 256M, cmdline: "console=ttyAMA0 quiet sv.run=nic-dhcp $1", passthrough: [ $bdf ] }
YAML
	splitvirt run --no-file-check /tmp/nic.yaml >"$OUT" 2>&1
	VM_RC=$?
	sed 's/^/  | /' "$OUT"
	[ "$VM_RC" -eq 0 ] || fail "splitvirt run ($1) exited with status $VM_RC"
	# The user-mode network leases 10.0.2.15 and up, one per MAC (crossvm_demo's
	# driver VM may have had the first).
	case "$(fact nic_lease net)" in
	10.0.2.*) ;;
	*) fail "the guest got no DHCP lease through the NIC ($1)" ;;
	esac
	[ "$(fact nic_irq_count net)" -gt 0 ] || fail "no e1000e interrupts in the guest ($1)"
	expect_out "passthrough $bdf: given back to"
	echo "${1:-MSI-X}: lease $(fact nic_lease net), $(fact nic_irq_count net) interrupts on $(fact nic_irqs net) line(s), $(fact nic_irq_kind net)"
}
if [ "$(board_gic)" = 2 ]; then
	echo 1 >$UNSAFE_INTERRUPTS
	trap 'echo 0 >$UNSAFE_INTERRUPTS' EXIT # also when a check fails
fi
run_nic ""
expect_out "passthrough($bdf): "
expect_out "BAR2 (I/O ports) is not passed through"
expect_out "guest: eth0, driver e1000e"
[ "$(fact nic_irqs net)" -gt 1 ] || fail "e1000e did not use several MSI-X vectors"
case "$(fact nic_irq_kind net)" in
*MSI*/Edge) ;;
*) fail "e1000e's first interrupt in MSI-X mode is $(fact nic_irq_kind net)" ;;
esac
# Not MSI (IntMode=1): QEMU 7.2's e1000e fails the driver's MSI self-test
# even on the board itself, without VFIO (the driver falls back to INTx).
run_nic sv.nic.intmode=0
case "$(fact nic_irq_kind net)" in
*/Level) ;;
*) fail "e1000e's interrupt in INTx mode is $(fact nic_irq_kind net), not a level-triggered line" ;;
esac
exit 0
