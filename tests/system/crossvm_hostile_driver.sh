# A hostile driver VM cannot hurt another driver VM of the same device VM.
# One devmodel serves two driver VMs their disks. app1 (the attacker, run
# script hostile-ring) takes its virtio-blk function from the kernel and
# drives it from userspace with svhostile: corrupted rings, addresses
# outside its RAM, wrapping lengths, self-referencing indirect tables,
# avail index jumps, invalid queue sizes, bogus kicks, random BAR writes,
# each from a device reset, for 30 s. Meanwhile app2 (the victim, io-loop)
# writes and reads back files on its own disk. We check:
#   - the attacks had their effect: every ring corruption put the device
#     into DEVICE_NEEDS_RESET, bad requests failed, a reset brought the
#     device back (the control requests and the stock driver afterwards);
#   - the victim's I/O ran during the attacks and all of it was correct;
#   - the devmodel neither crashed nor restarted, and every vmm ran until
#     its guest powered off (the device VM's until the supervisor stopped it).
. /tests/lib.sh
. /tests/crossvm_lib.sh
IMG1=/var/lib/splitvirt/hostile-app1.img
IMG2=/var/lib/splitvirt/hostile-app2.img
LIMIT=480 # seconds the whole topology may take before we call it hung
cat >/tmp/hostile.yaml <<YAML
name: hostile
vms:
  - { name: devvm, role: device, kernel: /guest/Image, initrd: /guest/devvm-initrd.cpio,
      cmdline: "console=ttyAMA0 quiet", memory: 512M, cpus: 1, disks: [ $IMG1, $IMG2 ] }
  - { name: app1, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M, cpus: 1,
      cmdline: "console=ttyAMA0 quiet sv.run=hostile-ring sv.hostile.secs=30 sv.hostile.delay=5",
      devices: [ { type: blk, from: devvm, backing: /dev/vda } ] }
  - { name: app2, role: driver, kernel: /guest/Image, initrd: /guest/initrd.cpio, memory: 256M, cpus: 1,
      cmdline: "console=ttyAMA0 quiet sv.run=io-loop sv.io.secs=90",
      devices: [ { type: blk, from: devvm, backing: /dev/vdb } ] }
YAML
for img in $IMG1 $IMG2; do
	rm -f "$img"
	dd if=/dev/zero of="$img" bs=1M count=0 seek=16 2>/dev/null
done
run_topology_within /tmp/hostile.yaml $LIMIT
hung=$HUNG
sed 's/^/  | /' "$OUT"
rm -f $IMG1 $IMG2
[ $hung -eq 0 ] || fail "the topology was still running after $LIMIT s (a guest hung; see the log above)"

# Lines of one VM's console (the supervisor prefixes them with "[name] ").
first_line() { vm_lines "$1" | grep -- "$2" | head -1 | cut -d: -f1; }

# --- the devmodel did not crash or restart; the vmms stayed up ----------
vm_lines devvm | grep -E "devmodel exited|restored link|Killed|Segmentation fault|Aborted|Out of memory" &&
	fail "the devmodel in the device VM died or restarted (lines above)"
starts=$(grep -c "devmodel: info: splitvirt.ko has" "$OUT")
[ "$starts" -eq 1 ] || fail "the devmodel started $starts times, want once"
grep -q "device VM 'devvm' is gone while" "$OUT" && fail "the device VM's vmm ended while driver VMs ran"
for vm in app1 app2; do
	grep -q "VM '$vm' (pid [0-9]*) exited with status 0" "$OUT" ||
		fail "$vm's vmm did not exit with status 0 (see its lines above)"
	grep -q "vmm\[$vm\]: info: guest powered off (PSCI SYSTEM_OFF), status 0" "$OUT" ||
		fail "$vm's guest did not power off normally"
done
stop=$(grep -n "every driver VM has exited: sending SIGTERM" "$OUT" | head -1 | cut -d: -f1)
devend=$(grep -n "VM 'devvm' (pid [0-9]*) was killed by signal 15" "$OUT" | head -1 | cut -d: -f1)
[ -n "$stop" ] && [ -n "$devend" ] && [ "$devend" -gt "$stop" ] ||
	fail "the device VM's vmm did not run until the supervisor stopped it after the driver VMs"

# --- the attacks had their effect ---------------------------------------
[ "$(fact hostile_hang)" = 0 ] || fail "svhostile did not finish (hang or crash in the attacker)"
[ "$(fact hostile_ram)" = 0x40000000-0x50000000 ] ||
	fail "svhostile saw its RAM as '$(fact hostile_ram)', want 0x40000000-0x50000000"
[ "$(fact hostile_control)" = ok ] || fail "the control request before the attacks: '$(fact hostile_control)'"
for a in desc_loop desc_self_loop desc_next_out_of_range addr_zero addr_below_ram addr_past_ram \
	addr_straddles_ram_end addr_len_wrap len_huge len_past_ram head_out_of_range \
	avail_idx_jump indirect_self indirect_loop indirect_next_out_of_range \
	indirect_outside_ram indirect_bad_len indirect_huge indirect_with_next \
	readable_after_writable no_status_byte short_header qsize_odd qsize_zero qsize_huge \
	qsize_all_ones ring_outside_ram ring_straddles_ram_end ring_misaligned \
	enable_before_features_ok; do
	[ "$(fact hostile_$a)" = needs_reset ] ||
		fail "attack $a: the device answered '$(fact hostile_$a)', want needs_reset"
done
for a in sector_past_end sector_wrap odd_length; do
	[ "$(fact hostile_$a)" = ioerr ] || fail "attack $a: '$(fact hostile_$a)', want ioerr (request failed)"
done
[ "$(fact hostile_bad_type)" = unsupp ] || fail "attack bad_type: '$(fact hostile_bad_type)', want unsupp"
for a in bogus_kicks random_bar_writes control_after; do
	[ "$(fact hostile_$a)" = ok ] || fail "after $a the device did not work again: '$(fact hostile_$a)'"
done
[ "$(fact hostile_unexpected)" = 0 ] ||
	fail "$(fact hostile_unexpected) attack outcomes were not the expected ones (hostile: lines above)"
[ "$(fact hostile_rebind)" = ok ] || fail "the stock virtio-blk driver could not read after the attacks"
# The device side saw them too: the devmodel logged the broken rings.
resets=$(grep -c "devmodel: warn: .*device needs reset" "$OUT")
[ "$resets" -gt 0 ] || fail "the device VM logged no 'device needs reset'"

# --- the victim was not hurt -----------------------------------------------
[ "$(fact io_hang)" = 0 ] || fail "app2's I/O hung (io_hang=$(fact io_hang))"
[ "$(fact io_errors)" = 0 ] || fail "app2 saw $(fact io_errors) I/O errors"
[ "$(fact io_mismatches)" = 0 ] || fail "app2 read back wrong data $(fact io_mismatches) times"
iters=$(fact io_iterations)
[ "${iters:-0}" -ge 10 ] || fail "app2 did only ${iters:-0} iterations"
[ "$(fact io_verified)" = 8 ] || fail "app2 verified $(fact io_verified) of 8 files after a remount"
vm_lines app2 | grep -E "I/O error|blk_update_request|EXT4-fs error" &&
	fail "app2's kernel reported I/O errors (lines above)"
begin=$(first_line app1 "hostile: attacks begin")
end=$(first_line app1 "hostile: attacks done")
verdict=$(first_line app2 "io-loop: PASS")
[ -n "$begin" ] && [ -n "$end" ] && [ -n "$verdict" ] || fail "attack or victim markers missing"
during=$(vm_lines app2 | grep "io-loop: iteration [0-9]* ok" |
	awk -F: -v b="$begin" -v e="$end" '$1 > b && $1 < e' | wc -l)
[ "$during" -gt 0 ] || fail "no app2 iteration completed while the attacks ran"
[ "$verdict" -gt "$end" ] || fail "app2 stopped before the attacks ended; raise sv.io.secs"
[ "$VM_RC" -eq 0 ] || fail "supervisor exit status $VM_RC"
# The victim's pace while attacked and afterwards (for the log, not asserted:
# the board shares its host cores with other work).
pace() { # pace FROM TO: seconds per iteration of app2 between those output lines
	vm_lines app2 | sed -n 's/^\([0-9]*\):.*io-loop: iteration [0-9]* ok at \([0-9]*\) s.*/\1 \2/p' |
		awk -v a="$1" -v b="$2" '$1 > a && $1 < b { n++; if (n == 1) f = $2; l = $2 }
			END { if (n > 1) printf "%.1f s", (l - f) / (n - 1); else printf "?" }'
}
echo "attacker: $(fact hostile_rounds) rounds, $(fact hostile_attacks) attacks, $(fact hostile_needs_reset) needs-reset, $(fact hostile_failed_requests) failed requests, controls $(fact hostile_controls_ok)"
echo "device VM: $resets 'device needs reset' lines; devmodel started once"
echo "victim: $iters iterations ($during during the attacks), $(fact io_verified) files verified, no error"
echo "victim pace: $(pace "$begin" "$end") per iteration during the attacks, $(pace "$end" "$verdict") after"
