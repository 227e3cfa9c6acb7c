# A corrupt or wrong kernel gets a clear error and a non-zero exit.
. /tests/lib.sh
# The real Image with its magic destroyed.
head -c 56 "$KERNEL" >/tmp/bad-magic
printf 'XXXX' >>/tmp/bad-magic
tail -c +61 "$KERNEL" | head -c 1048576 >>/tmp/bad-magic
KERNEL=/tmp/bad-magic run_vm
[ "$VM_RC" -ne 0 ] || fail "vmm accepted a kernel without the arm64 magic"
expect_out "not an arm64 Linux kernel Image"
# A gzip-compressed kernel is named as such, with the fix.
head -c 4096 "$KERNEL" | gzip >/tmp/kernel.gz
KERNEL=/tmp/kernel.gz run_vm
[ "$VM_RC" -ne 0 ] || fail "vmm accepted a gzip file"
expect_out "gzip-compressed; decompress it first"
# A truncated file.
head -c 20 "$KERNEL" >/tmp/short
KERNEL=/tmp/short run_vm
[ "$VM_RC" -ne 0 ] || fail "vmm accepted a 20-byte kernel"
expect_out "too small"
# A missing file.
KERNEL=/tmp/does-not-exist run_vm
[ "$VM_RC" -ne 0 ] || fail "vmm accepted a missing kernel"
expect_out "/tmp/does-not-exist: No such file"
