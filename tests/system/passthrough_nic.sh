# VFIO passthrough of a NIC with 32-bit BARs (and an I/O-port BAR left
# out): the board's emulated e1000e (run-board --smmu --nic) is given to a
# VM through the supervisor (topology key passthrough); the guest's stock
# e1000e driver brings the link up and gets a DHCP lease from the board's
# user-mode network, then the supervisor gives the NIC back to the board.
. /tests/lib.sh
bdf=$(board_pci_fn 0x020000)
[ -n "$bdf" ] || { echo "no NIC on this board (run-board --smmu --nic)"; exit 77; }
[ -e "/sys/bus/pci/devices/$bdf/iommu_group" ] || { echo "$bdf has no IOMMU group (run-board --smmu)"; exit 77; }
# GICv2 (no MSI isolation): allowed explicitly here; passthrough_nvme checks the refusal.
[ "$(board_gic)" = 2 ] && echo 1 >$UNSAFE_INTERRUPTS
cat >/tmp/nic.yaml <<YAML
name: nic
vms:
  - { name: net, role: standalone, kernel: /guest/Image, initrd: /guest/initrd.cpio,
      memory: 256M, cmdline: "console=ttyAMA0 quiet sv.run=nic-dhcp", passthrough: [ $bdf ] }
YAML
splitvirt run --no-file-check /tmp/nic.yaml >"$OUT" 2>&1
VM_RC=$?
[ "$(board_gic)" = 2 ] && echo 0 >$UNSAFE_INTERRUPTS
sed 's/^/  | /' "$OUT"
[ "$VM_RC" -eq 0 ] || fail "splitvirt run exited with status $VM_RC"
expect_out "passthrough($bdf): "
expect_out "BAR2 (I/O ports) is not passed through"
expect_out "guest: eth0, driver e1000e"
# The user-mode network leases 10.0.2.15 and up, one per MAC (crossvm_demo's
# driver VM may have had the first).
case "$(fact nic_lease net)" in
10.0.2.*) ;;
*) fail "the guest got no DHCP lease through the NIC" ;;
esac
[ "$(fact nic_irqs net)" -gt 0 ] || fail "no e1000e interrupts in the guest"
expect_out "passthrough $bdf: given back to"
echo "the guest's e1000e got lease $(fact nic_lease net)"
