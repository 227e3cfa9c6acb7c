# The guest's poweroff status becomes the vmm's exit status.
. /tests/lib.sh
run_vm --cmdline "console=ttyAMA0 quiet sv.run=exit-with-7"
[ "$VM_RC" -eq 7 ] || fail "vmm exited with $VM_RC, want 7"
expect_out "guest powered off (PSCI SYSTEM_OFF), status 7"
run_vm --cmdline "console=ttyAMA0 quiet sv.run=hello"
[ "$VM_RC" -eq 0 ] || fail "vmm exited with $VM_RC, want 0"
