# Bad arguments, too little memory and a missing /dev/kvm get clear errors.
. /tests/lib.sh
vmm --help >"$OUT" 2>&1 || fail "--help failed"
expect_out "Usage: vmm --kernel IMAGE"
vmm --kernel "$KERNEL" --mem 12X >"$OUT" 2>&1 && fail "--mem 12X accepted"
expect_out "not a size"
vmm --kernel "$KERNEL" --cpus 99 >"$OUT" 2>&1 && fail "--cpus 99 accepted"
expect_out "give a number from 1 to"
vmm --kernel "$KERNEL" --frobnicate >"$OUT" 2>&1 && fail "unknown option accepted"
expect_out "unknown option --frobnicate"
run_vm --mem 32M
[ "$VM_RC" -ne 0 ] || fail "a 32 MiB guest with this kernel and initrd was accepted"
expect_out "guest RAM too small"
mv /dev/kvm /dev/kvm.hidden
run_vm
mv /dev/kvm.hidden /dev/kvm
[ "$VM_RC" -ne 0 ] || fail "vmm ran without /dev/kvm"
expect_out "/dev/kvm does not exist"
