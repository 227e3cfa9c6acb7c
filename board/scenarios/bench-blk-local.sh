# bench/blk-local inside the board: the same raw image served as the guest's
# /dev/vda by our vmm (--disk, in-process virtio-blk), by QEMU/KVM
# (virtio-blk-pci) and by qemu-storage-daemon over vhost-user-blk to QEMU;
# O_DIRECT sequential 1 MiB reads and writes and random 4 KiB reads in the
# guest (bench/lib/guest/bench-blk). Needs the bench image (bench/blk-local/run).
. /bench/lib.sh
bench_init blk-local
command -v qemu-storage-daemon >/dev/null || bench_die "qemu-storage-daemon is not in this board image"
bench_disk
# tmpfs (the board's /var/lib/splitvirt) has no O_DIRECT on 6.1, so QEMU
# cannot use cache=none there; cache=writeback is what our vmm does too
# (buffered preadv/pwritev on the image).
QEMU_CACHE=writeback
bench_say "qemu: -drive format=raw,cache=$QEMU_CACHE,aio=threads + virtio-blk-pci; vhost-user: qemu-storage-daemon (file node, cache.direct=off) + vhost-user-blk-pci"
bench_impl() {
	cmd=$(bench_cmdline bench-blk)
	case "$1" in
	vmm)
		bench_run vmm "$2" 3 vmm --kernel "$BENCH_KERNEL" --initrd "$BENCH_INITRD" \
			--mem 256M --cpus 1 --disk "$BENCH_DISK" --cmdline "$cmd"
		;;
	qemu)
		# shellcheck disable=SC2086
		bench_run qemu "$2" 3 qemu-system-aarch64 $BENCH_QEMU_BASE \
			-kernel "$BENCH_KERNEL" -initrd "$BENCH_INITRD" -append "$cmd" \
			-drive "file=$BENCH_DISK,if=none,id=d0,format=raw,cache=$QEMU_CACHE,aio=threads" \
			-device virtio-blk-pci,drive=d0
		;;
	vhost-user)
		bench_vhost_user_blk vhost-user "$2" 3 \
			"driver=file,node-name=disk0,filename=$BENCH_DISK,cache.direct=off,aio=threads"
		;;
	esac
}

bench_rounds vmm qemu vhost-user
tests="seqread:mbps+iops randread:iops+mbps seqwrite:mbps+iops"
bench_table "$tests" vmm qemu vhost-user
bench_ratios "$tests" vmm/qemu vmm/vhost-user
bench_finish
