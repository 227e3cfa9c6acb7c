# Capabilities are file descriptors: with one device VM serving two driver
# VMs, each driver VM's RAM memfd is held only by its own vmm and the device
# VM's vmm, and no driver VM's vmm holds anything of the device VM's RAM or
# of the other driver VM. (The supervisor, which creates every object and
# starts a rebooting VM again with the same ones, holds them all.)
. /tests/lib.sh
. /tests/crossvm_lib.sh
cat >/tmp/iso.yaml <<'YAML'
name: iso
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio, memory: 512M, disks: [ /var/lib/splitvirt/iso.img ] }
  - name: app1
    role: driver
    kernel: /guest/Image
    initrd: /guest/initrd.cpio
    cmdline: "console=ttyAMA0 quiet sv.run=idle"
    devices: [ { type: rng, from: devvm } ]
  - name: app2
    role: driver
    kernel: /guest/Image
    initrd: /guest/initrd.cpio
    cmdline: "console=ttyAMA0 quiet sv.run=idle"
    memory: 128M
    devices: [ { type: rng, from: devvm } ]
YAML
dd if=/dev/zero of=/var/lib/splitvirt/iso.img bs=1M count=0 seek=8 2>/dev/null
start_topology /tmp/iso.yaml
wait_out "guest: idle" 600
dev=$(state_pid devvm)
a1=$(state_pid app1)
a2=$(state_pid app2)
echo "vmm pids: devvm $dev, app1 $a1, app2 $a2"
for p in dev a1 a2; do
	eval "pid=\$$p"
	memfds_of "$pid" >/tmp/memfds.$p
	echo "$p holds: $(tr '\n' ' ' </tmp/memfds.$p)"
done
holders() { # memfd name -> pids holding it, but the supervisor (it owns every object)
	for d in /proc/[0-9]*; do
		[ "$(basename "$d")" = "$SUP" ] && continue
		ls -l "$d/fd" 2>/dev/null | grep -q "memfd:$1 " && basename "$d"
	done | sort | tr '\n' ' '
}
h1=$(holders splitvirt-ram-app1)
h2=$(holders splitvirt-ram-app2)
wait $SUP
VM_RC=$?
sed 's/^/  | /' "$OUT"
[ -n "$dev" ] && [ -n "$a1" ] && [ -n "$a2" ] || fail "could not find the vmm pids"
grep -qx splitvirt-ram-app1 /tmp/memfds.a1 || fail "app1's vmm does not hold its own RAM"
grep -q splitvirt-ram-app2 /tmp/memfds.a1 && fail "app1's vmm holds app2's RAM"
grep -q splitvirt-ram-app1 /tmp/memfds.a2 && fail "app2's vmm holds app1's RAM"
grep -qx splitvirt-ram /tmp/memfds.a1 && fail "app1's vmm holds a private RAM memfd (the device VM's?)"
grep -qx splitvirt-ram-app1 /tmp/memfds.dev || fail "the device VM's vmm cannot reach app1's RAM"
grep -qx splitvirt-ram-app2 /tmp/memfds.dev || fail "the device VM's vmm cannot reach app2's RAM"
[ "$h1" = "$(printf '%s\n' "$a1" "$dev" | sort | tr '\n' ' ')" ] || fail "app1's RAM is held by pids $h1, want only $a1 and $dev"
[ "$h2" = "$(printf '%s\n' "$a2" "$dev" | sort | tr '\n' ' ')" ] || fail "app2's RAM is held by pids $h2, want only $a2 and $dev"
[ "$VM_RC" -eq 0 ] || fail "topology failed (status $VM_RC)"
echo "app1 RAM held by $h1, app2 RAM held by $h2"
