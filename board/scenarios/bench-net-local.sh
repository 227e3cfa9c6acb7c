# bench/net-local inside the board: TCP throughput guest -> board host over a
# tap on the bridge sv-br0 (10.77.0.1, tcpbench receiver), the guest's NIC
# served by our vmm (--net, in-process virtio-net), by QEMU/KVM virtio-net-pci
# with vhost=off and, if vhost_net loads, with vhost=on. Guest side:
# bench/lib/guest/bench-net. Needs the bench image (bench/net-local/run).
. /bench/lib.sh
bench_init net-local
bench_bridge
impls="vmm qemu"
if bench_vhost_net; then
	impls="$impls qemu-vhost"
	bench_say "vhost_net loaded: /dev/vhost-net present, measuring qemu-vhost too"
else
	bench_say "vhost_net did not load: no qemu-vhost row"
fi
mac=52:54:00:77:00:02

bench_impl() {
	cmd=$(bench_cmdline bench-net)
	case "$1" in
	vmm)
		bench_run vmm "$2" 1 vmm --kernel "$BENCH_KERNEL" --initrd "$BENCH_INITRD" \
			--mem 256M --cpus 1 --net "tap=sv-tap0,mac=$mac,bridge=sv-br0" --cmdline "$cmd"
		;;
	qemu | qemu-vhost)
		vh=off
		[ "$1" = qemu-vhost ] && vh=on
		bench_qemu_net "$1" "$2" sv-br0 $vh "$cmd"
		;;
	esac
}

# shellcheck disable=SC2086
bench_rounds $impls
# shellcheck disable=SC2086
bench_table "tcp-tx:mbits" $impls
ratios="vmm/qemu"
case "$impls" in *qemu-vhost*) ratios="$ratios vmm/qemu-vhost" ;; esac
# shellcheck disable=SC2086
bench_ratios "tcp-tx:mbits" $ratios
bench_say "receiver side (board host): $(grep -c '^TCPBENCH-RECV' "$BENCH_DIR/tcpbench-server.log") connections, $(grep -c error "$BENCH_DIR/tcpbench-server.log") with errors"
bench_bridge_down
bench_finish
