# virtio-console on the vmm's stdio: guest output on hvc0 reaches the vmm's
# stdout, and a line written to the vmm's stdin once the guest listens
# reaches the guest's hvc0.
. /tests/lib.sh
rm -f /tmp/console.in
mkfifo /tmp/console.in
vmm --kernel "$KERNEL" --initrd "$INITRD" --console \
	--cmdline "console=ttyAMA0 quiet sv.run=console" </tmp/console.in >"$OUT" 2>&1 &
pid=$!
exec 4>/tmp/console.in
i=0
while ! grep -q "ready for input" "$OUT" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "input-from-host" >&4
exec 4>&-
wait $pid
VM_RC=$?
sed 's/^/  | /' "$OUT"
[ "$VM_RC" -eq 0 ] || fail "guest failed with $VM_RC"
expect_out "guest: hello over virtio-console"
expect_out "guest: got 'input-from-host' over virtio-console"
