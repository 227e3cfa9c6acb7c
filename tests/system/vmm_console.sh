# Guest console output (kernel and init) arrives on the vmm's stdout, and
# the vmm reports what backs guest RAM.
. /tests/lib.sh
run_vm --cmdline "console=ttyAMA0 sv.run=hello"
[ "$VM_RC" -eq 0 ] || fail "vmm exited with $VM_RC"
expect_out "Booting Linux on physical CPU"
expect_out "guest: init reached"
expect_out "guest: hello from Linux"
expect_out "guest RAM: 256 MiB at 0x40000000, .*2 MiB pages"
