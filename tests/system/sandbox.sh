# Sandboxed host processes (docs/security.md): every vmm of a topology runs
# with a seccomp filter, no_new_privs, a uid of its own and its own mount
# namespace, as /proc says; `splitvirt status` shows it; a syscall outside
# the allow-list kills a vmm (SIGSYS) and the supervisor names it; the
# device VM's devmodel runs filtered too and dies the same way. The device
# VM's vmm has a disk and a bridged tap: both reach it without privileges.
. /tests/lib.sh
. /tests/crossvm_lib.sh
crossvm_setup
cat >/tmp/sb.yaml <<'YAML'
name: sb
vms:
  - name: devvm
    role: device
    kernel: /guest/Image
    initrd: /guest/devvm-initrd.cpio
    cmdline: "console=ttyAMA0 quiet sv.test.sandbox-selftest=1"
    memory: 512M
    disks: [ /var/lib/splitvirt/sb.img ]
    nets: [ { tap: sv-sb0, bridge: sv-br0 } ]
  - { name: app, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio,
      cmdline: "console=ttyAMA0 quiet sv.run=idle", devices: [ { type: rng, from: devvm } ] }
YAML
dd if=/dev/zero of=/var/lib/splitvirt/sb.img bs=1M count=0 seek=8 2>/dev/null
chmod 0600 /var/lib/splitvirt/sb.img # only root: the vmm gets it as an fd
start_topology /tmp/sb.yaml
wait_out "guest: idle" 900
splitvirt status >/tmp/sb.status 2>&1
checked=""
problems=""
for vm in devvm app; do
	pid=$(state_pid $vm)
	[ -n "$pid" ] || { problems="$problems; no pid for $vm"; continue; }
	st=/proc/$pid/status
	sc=$(awk '$1 == "Seccomp:" { print $2 }' $st)
	nnp=$(awk '$1 == "NoNewPrivs:" { print $2 }' $st)
	uid=$(awk '$1 == "Uid:" { print $2 }' $st)
	caps=$(awk '$1 == "CapEff:" { print $2 }' $st)
	mnt=$(readlink /proc/$pid/ns/mnt)
	echo "vmm[$vm] pid $pid: Seccomp $sc, NoNewPrivs $nnp, Uid $uid, CapEff $caps, mnt $mnt (ours $(readlink /proc/self/ns/mnt))"
	[ "$sc" = 2 ] || problems="$problems; $vm Seccomp: $sc"
	[ "$nnp" = 1 ] || problems="$problems; $vm NoNewPrivs: $nnp"
	[ -n "$uid" ] && [ "$uid" != 0 ] || problems="$problems; $vm runs as uid $uid"
	[ "$caps" = 0000000000000000 ] || problems="$problems; $vm has capabilities $caps"
	[ "$mnt" != "$(readlink /proc/self/ns/mnt)" ] || problems="$problems; $vm shares our mount namespace"
	checked="$checked $vm"
done
ls -l /dev/kvm
wait $SUP
VM_RC=$?
sed 's/^/  | /' "$OUT"
sed 's/^/  status| /' /tmp/sb.status
[ -z "$problems" ] || fail "sandbox${problems}"
[ "$VM_RC" -eq 0 ] || fail "topology failed (status $VM_RC)"
grep -q "seccomp=filter nnp=1 uid=[1-9][0-9]* ns=mnt,ipc,uts" /tmp/sb.status ||
	fail "splitvirt status does not show the sandbox"
ip link show sv-sb0 >/dev/null 2>&1 && fail "the supervisor left tap sv-sb0 behind"
expect_out "devvm: devmodel exited with status 159"
expect_out "devvm: devmodel sandbox: NoNewPrivs: 1 Seccomp: 2"

# A vmm that makes a forbidden syscall (the hidden self-test) dies by SIGSYS.
cat >/tmp/sb-solo.yaml <<'YAML'
name: sbsolo
vms:
  - { name: solo, role: standalone, kernel: /guest/Image, initrd: /guest/initrd.cpio, cmdline: "console=ttyAMA0 quiet sv.run=hello" }
YAML
SPLITVIRT_SANDBOX_SELFTEST=solo run_topology /tmp/sb-solo.yaml
crossvm_teardown
rm -f /var/lib/splitvirt/sb.img
[ "$VM_RC" -eq 159 ] || fail "the self-testing vmm ended with status $VM_RC, want 159 (SIGSYS)"
expect_out "vmm\[solo\] killed by seccomp (syscall 117, ptrace"
echo "checked:$checked; the forbidden syscall killed the vmm and the devmodel"
