# Our driver-VM kernel (make kernel: Debian's linux-source-6.1, virtio built
# in, CONFIG_DMA_RESTRICTED_POOL) as a driver VM's kernel: the demo's
# checks (a file written and read back on the device VM's disk, a ping
# through its bridge, hvc0, hwrng) with every device served by a device VM
# running Debian's stock kernel. The driver VM has 2 vCPUs: its virtio-net
# uses both of the device's queue pairs (a ping from each vCPU).
. /tests/lib.sh
. /tests/crossvm_lib.sh
[ -f /guest/driver-Image ] || { echo "no /guest/driver-Image (make kernel, then make images)"; exit 77; }
crossvm_setup
cat >/tmp/dk.yaml <<YAML
name: dkernel
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet", memory: 512M, disks: [ $DEVVM_DISK ],
      nets: [ { tap: sv-dev0, mac: "52:54:00:00:00:10", bridge: sv-br0 } ] }
  - { name: app, role: driver, kernel: /guest/driver-Image, initrd: /guest/initrd.cpio, memory: 256M,
      cpus: 2, cmdline: "console=ttyAMA0 sv.run=demo",
      devices: [ { type: blk, from: devvm, backing: /dev/vda }, { type: net, from: devvm, bridge: br0 },
                 { type: console, from: devvm }, { type: rng, from: devvm } ] }
YAML
run_topology /tmp/dk.yaml
crossvm_teardown
[ "$VM_RC" -eq 0 ] || fail "the topology failed (status $VM_RC)"
# kernel/build.sh signs ours (splitvirt@driver-vm); Debian's is debian-kernel@.
grep -q "^\[app\] .*Linux version 6\.1\.[0-9]* (splitvirt@driver-vm)" "$OUT" ||
	fail "the driver VM did not boot our kernel"
for what in "virtio-blk: file written" "virtio-net: ping 10.77.0.1" "virtio-console: hello" "virtio-rng"; do
	grep -q "demo: PASS $what" "$OUT" || fail "driver VM check '$what' did not pass on our kernel"
done
# Two vCPUs: the devmodel's net device offers 2 queue pairs and both are used.
[ "$(fact net_queues app)" = 2 ] || fail "the driver VM's eth0 has $(fact net_queues app) queue pairs, want 2"
expect_out "virtio-net on tap .*, 2 queue pairs"
check_written_image "$DEVVM_DISK" "written by the driver VM through the device VM" "$(fact sha)" \
	"the device VM's disk"
echo "our driver-VM kernel: $(sed -n 's/^\[app\] .*\(Linux version [^ ]*\).*/\1/p' "$OUT" | head -1), every demo check passed"
