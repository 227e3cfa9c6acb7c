# virtio-net served in-process by the vmm over a tap that the vmm puts on a
# Linux bridge in the board host: the guest gets an address and pings the
# bridge. (The board has no NIC: nothing leaves the emulated machine.)
. /tests/lib.sh
ip link add sv-br0 type bridge 2>/dev/null || brctl addbr sv-br0
ip addr add 10.77.0.1/24 dev sv-br0 2>/dev/null
ip link set sv-br0 up
run_vm --net tap=sv-tap0,mac=52:54:00:77:00:02,bridge=sv-br0 \
	--cmdline "console=ttyAMA0 quiet sv.run=net-ping"
ip link del sv-br0 2>/dev/null
[ "$VM_RC" -eq 0 ] || fail "guest could not ping the bridge (status $VM_RC)"
[ "$(fact mac)" = 52:54:00:77:00:02 ] || fail "guest MAC '$(fact mac)'"
expect_out "on bridge sv-br0"
expect_out "3 packets transmitted, 3 packets received"
# A bridge that does not exist is a clear error, not a silent unplugged NIC.
run_vm --net tap=sv-tap1,bridge=sv-nobr
[ "$VM_RC" -ne 0 ] || fail "vmm accepted a missing bridge"
expect_out "does the bridge exist"
