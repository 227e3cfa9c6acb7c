# A driver VM that reboots itself (PSCI SYSTEM_RESET) three times keeps its
# cross-VM disk and network: the supervisor starts its vmm again with the
# same objects, the device VM resets its devices for the new driver side,
# and the guest finds its disk (with what it wrote before) and its network
# on every boot.
. /tests/lib.sh
. /tests/crossvm_lib.sh
crossvm_setup
cat >/tmp/reboot.yaml <<YAML
name: reboot
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet", memory: 512M, disks: [ $DEVVM_DISK ],
      nets: [ { tap: sv-rb0, bridge: sv-br0 } ] }
  - { name: app, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=reboot-cycle",
      devices: [ { type: blk, from: devvm, backing: /dev/vda }, { type: net, from: devvm, bridge: br0 } ] }
YAML
run_topology_within /tmp/reboot.yaml 600
sed 's/^/  | /' "$OUT"
crossvm_teardown
[ "$HUNG" -eq 0 ] || fail "the topology was still running after 600 s"
[ "$(fact boots)" = 4 ] || fail "the driver VM did not reach its fourth boot (boots=$(fact boots))"
reboots=$(grep -c "VM 'app' (pid [0-9]*) rebooted itself" "$OUT")
[ "$reboots" -eq 3 ] || fail "the supervisor restarted the driver VM $reboots times, want 3"
s1=$(fact boot1_sum)
for b in 2 3 4; do
	[ "$(fact boot${b}_sum)" = "$s1" ] || fail "boot $b read other data from the cross-VM disk than boot 1 wrote"
done
for b in 1 2 3 4; do
	expect_out "guest: boot $b: disk and network work"
done
grep -q "devmodel exited" "$OUT" && fail "the devmodel died during the reboots"
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
echo "driver VM booted 4 times; disk data $s1 kept, network up each time"
