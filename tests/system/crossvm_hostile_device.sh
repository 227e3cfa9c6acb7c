# A hostile device VM cannot hang a driver VM: instead of the devmodel, the
# device VM runs svctl's hostile device side, which registers a function,
# sends START_VM, then floods announcements (regions, ioeventfds and irqfd
# routes in and outside the driver's windows, registration replays) and
# never answers a single request. The driver VM must still boot (its PCI
# probe of the unanswered function reads all-ones after the reply timeout),
# run its init and power off; its vmm must stay responsive and log the
# flood throttled, not line by line.
. /tests/lib.sh
. /tests/crossvm_lib.sh
cat >/tmp/hostdev.yaml <<'YAML'
name: hostdev
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio, memory: 512M,
      cmdline: "console=ttyAMA0 quiet sv.test.hostile-device=60" }
  - { name: app, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M,
      cmdline: "console=ttyAMA0 quiet sv.run=hello", devices: [ { type: rng, from: devvm } ] }
YAML
start=$(cut -d. -f1 /proc/uptime)
run_topology_within /tmp/hostdev.yaml 300
took=$(($(cut -d. -f1 /proc/uptime) - start))
grep -v "^\[app\] .*vmm\[app\]: warn" "$OUT" | sed 's/^/  | /'
warns=$(grep -c "vmm\[app\]: warn" "$OUT")
echo "driver VM's vmm: $warns warning lines; topology took ${took} s"
[ "$HUNG" -eq 0 ] || fail "the topology did not end within 300 s (a vCPU hung?)"
expect_out "svctl: hostile: flooding link 0"
expect_out "guest: hello"
expect_out "guest powered off (PSCI SYSTEM_OFF), status 0"
rounds=$(sed -n 's/.*fact: hostile_rounds=\([0-9]*\).*/\1/p' "$OUT" | tail -1)
# The flood must have been real while the driver VM booted.
[ -n "$rounds" ] || grep -q "svctl: hostile: flooding" "$OUT" || fail "the hostile device side never ran"
# Throttled: a flood of thousands of events may not become thousands of lines.
[ "$warns" -lt 400 ] || fail "the driver VM's vmm logged $warns warnings: not throttled"
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
