# virtio-net served in-process by the vmm over a tap on a Linux bridge in
# the board host: the guest gets an address and pings the bridge.
. /tests/lib.sh
ip link add sv-br0 type bridge 2>/dev/null || brctl addbr sv-br0
ip addr add 10.77.0.1/24 dev sv-br0 2>/dev/null
ip link set sv-br0 up
vmm --kernel "$KERNEL" --initrd "$INITRD" --net tap=sv-tap0,mac=52:54:00:77:00:02 \
	--cmdline "console=ttyAMA0 quiet sv.run=net-ping" >"$OUT" 2>&1 &
pid=$!
i=0
while [ ! -e /sys/class/net/sv-tap0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ip link set sv-tap0 master sv-br0 2>/dev/null || brctl addif sv-br0 sv-tap0
ip link set sv-tap0 up
wait $pid
VM_RC=$?
sed 's/^/  | /' "$OUT"
ip link del sv-br0 2>/dev/null
[ "$VM_RC" -eq 0 ] || fail "guest could not ping the bridge (status $VM_RC)"
[ "$(fact mac)" = 52:54:00:77:00:02 ] || fail "guest MAC '$(fact mac)'"
expect_out "3 packets transmitted, 3 packets received"
