# The vmm gives the guest the GIC the board can emulate: v3 on a GICv3
# board, v2 on a GICv2 (GIC-400-like) board; asking for the other fails clearly.
. /tests/lib.sh
want=$(board_gic)
run_vm --cmdline "console=ttyAMA0 quiet sv.run=facts"
[ "$VM_RC" -eq 0 ] || fail "vmm exited with $VM_RC"
gic=$(fact gic)
if [ "$want" = 3 ]; then
	echo "$gic" | grep -q arm,gic-v3 || fail "guest GIC '$gic' on a GICv3 board"
	run_vm --gic v2
	[ "$VM_RC" -ne 0 ] || echo "note: this GICv3 board also emulates GICv2"
else
	echo "$gic" | grep -q arm,cortex-a15-gic || fail "guest GIC '$gic' on a GICv2 board"
	run_vm --gic v3
	[ "$VM_RC" -ne 0 ] || fail "--gic v3 worked on a GICv2 board"
	expect_out "cannot create a GICv3"
fi
echo "board GICv$want, guest: $gic"
