# A vmm stopped by SIGTERM says where each vCPU was and how much the guest
# wrote to its console: what tells a guest that hung at boot (the nested
# board's KVM has lost a guest's timer interrupt now and then) from one
# that was merely slow. Two tiny guests, a 64-byte arm64 Image header and a
# few instructions: one sleeps in WFI forever, one arms its virtual timer
# in the past with interrupts masked and spins. Then the vmm dies of the
# signal as before (status 143 from the shell).
. /tests/lib.sh
# image FILE WORDS...: an arm64 Image whose header branches to the 32-bit
# little-endian instruction words that follow it (at offset 64).
image() {
	f=$1
	shift
	{
		le32 0x14000010 # b +64: over the header
		le32 0
		le32 0 && le32 0 # text_offset 0
		le32 65536 && le32 0 # image_size
		i=0
		while [ $i -lt 8 ]; do le32 0 && i=$((i + 1)); done # flags, res2-4
		le32 0x644d5241 # "ARM\x64"
		le32 0
		for w in "$@"; do le32 "$w"; done
	} >"$f"
}
le32() {
	v=$(($1))
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((v & 255)) $((v >> 8 & 255)) $((v >> 16 & 255)) $((v >> 24 & 255)))"
}
# stop_vm IMAGE: starts the vmm on it, SIGTERM 2 s after its setup is
# done (the sandbox is its last step); output in $OUT.
stop_vm() {
	vmm --kernel "$1" --mem 64M >"$OUT" 2>&1 &
	pid=$!
	i=0
	while ! grep -q "sandbox:" "$OUT" && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 2
	kill -TERM $pid
	wait $pid
	VM_RC=$?
}
# Their output only when something failed: the board's harness reads what a
# test printed for hung guests (system-tests.sh), and these hang on purpose.
trap '[ $? -eq 0 ] || sed "s/^/  | /" "$OUT"' EXIT
# wfi; b .-4
image /tmp/wfi-Image 0xd503207f 0x17ffffff
stop_vm /tmp/wfi-Image
[ "$VM_RC" -eq 143 ] || fail "the vmm did not die of SIGTERM (status $VM_RC)"
expect_out "vCPU 0 stopped by signal 15 at pc 0x4000004[04] (pstate 0x[0-9a-f]*) after [0-9]* exits"
expect_out "the guest wrote 0 bytes to its console"
grep -q "not taken" "$OUT" && fail "a guest asleep without a timer was said to miss its timer interrupt"
# msr cntv_cval_el0, xzr; mov x0, #1; msr cntv_ctl_el0, x0; isb; b .
image /tmp/timer-Image 0xd51be35f 0xd2800020 0xd51be320 0xd5033fdf 0x14000000
stop_vm /tmp/timer-Image
[ "$VM_RC" -eq 143 ] || fail "the vmm did not die of SIGTERM (status $VM_RC)"
expect_out "vCPU 0 stopped by signal 15 at pc 0x40000050 .*virtual timer ctl 0x5, deadline -[0-9]* us from now (timer interrupt pending and not taken)"
rm -f "$OUT"
echo "a stopped vmm tells where its guest was and whether its timer interrupt was taken"
