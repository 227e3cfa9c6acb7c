# The device VM's kernel serves NICs (backend: vhost-net): two driver VMs
# get a NIC each on the device VM's bridge br0; the devmodel presents the
# functions and hands each NIC's rx and tx rings, with the kick and call
# eventfds splitvirt.ko binds to the links' doorbells, to /dev/vhost-net
# with the NIC's tap as its back-end. The driver VMs ping each other and
# pass 20 pings of 1400 bytes each way through the device VM's kernel.
. /tests/lib.sh
. /tests/crossvm_lib.sh
cat >/tmp/vhost-net.yaml <<YAML
name: vhostnet
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet", memory: 256M, cpus: 1 }
  - { name: app1, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=net-peer sv.net.ip=10.78.0.1/24 sv.net.peer=10.78.0.2",
      devices: [ { type: net, from: devvm, bridge: br0, backend: vhost-net } ] }
  - { name: app2, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=net-peer sv.net.ip=10.78.0.2/24 sv.net.peer=10.78.0.1",
      devices: [ { type: net, from: devvm, bridge: br0, backend: vhost-net } ] }
YAML
run_topology /tmp/vhost-net.yaml
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
for l in 0 1; do
	expect_out "link $l device 0: queues served by the kernel's vhost (/dev/vhost-net"
	expect_out "link $l device 0: virtio-net on tap svl${l}n0 on bridge br0, MAC .*, served by the kernel's vhost-net"
done
for app in app1 app2; do
	loss=$(fact peer_loss $app)
	echo "$app: the peer answered after $(fact peer_answered_after $app) tries; ${loss:-?}% of 20 pings of 1400 bytes lost"
	[ "${loss:-100}" = 0 ] || fail "$app lost ${loss:-all}% of its pings to the other driver VM"
done
# Neither NIC broke on the device VM side.
if grep "^\[devvm\] .*\(device needs reset\|refused the queues\)" "$OUT"; then
	fail "the device VM logged a broken NIC (lines above)"
fi
