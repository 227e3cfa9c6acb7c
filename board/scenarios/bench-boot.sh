# bench/boot inside the board: boot-to-init time of our vmm against
# QEMU/KVM, same guest kernel, initramfs, command line, 256 MiB, 1 vCPU.
# Runs alternate (vmm first on odd rounds, QEMU first on even ones) after
# warm-up runs that are not counted. Timing by bootclock (CLOCK_MONOTONIC
# from fork to the guest's "guest: init reached" line and to the exit).
# Needs the bench board image (bench/boot/run builds it): QEMU and its
# libraries are not in the plain host initramfs.
# Two guest kernels, each measured on both VMMs: Debian's stock arm64
# kernel (virtio drivers as modules the initramfs loads) and, if the image
# has it, splitvirt's driver-VM kernel (/guest/driver-Image, make kernel:
# everything built in, no module loading).
# Kernel command line knobs: sv.bench.runs=N (default 5), sv.bench.warmup=N
# (default 1), sv.bench.timeout=SEC per run (default 120).
runs=5
warmup=1
tmo=120
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	sv.bench.runs=*) runs=${arg#sv.bench.runs=} ;;
	sv.bench.warmup=*) warmup=${arg#sv.bench.warmup=} ;;
	sv.bench.timeout=*) tmo=${arg#sv.bench.timeout=} ;;
	esac
done

initrd=/guest/initrd.cpio
append="console=ttyAMA0 quiet sv.run=hello"
marker="guest: init reached"
dir=/tmp/bench-boot
mkdir -p "$dir"

for p in bootclock vmm qemu-system-aarch64; do
	if ! command -v "$p" >/dev/null; then
		echo "bench-boot: ERROR: $p is not in this board image; run bench/boot/run (it builds build/bench-images)"
		exit 2
	fi
done
if ! qemu-system-aarch64 --version >"$dir/qemu-version" 2>&1; then
	echo "bench-boot: ERROR: qemu-system-aarch64 does not start (missing library or loader?):"
	sed 's/^/bench-boot:   /' "$dir/qemu-version"
	exit 2
fi
[ -c /dev/kvm ] || { echo "bench-boot: ERROR: no /dev/kvm in the board"; exit 2; }
echo "bench-boot: $(head -1 "$dir/qemu-version")"
echo "bench-boot: board: $(nproc) cpus, $(uname -r); $runs runs each after $warmup warm-up, alternating"

# run_one NAME ROUND: one boot of $kernel with bootclock; appends to
# $kname-NAME.init / .exit.
fails=0
run_one() {
	name=$1
	round=$2
	log=$dir/$kname-$name-$round.log
	case "$name" in
	vmm)
		line=$(bootclock -m "$marker" -t "$tmo" -o "$log" -l vmm -- \
			vmm --kernel "$kernel" --initrd "$initrd" --mem 256M --cpus 1 \
			--cmdline "$append")
		;;
	qemu)
		line=$(bootclock -m "$marker" -t "$tmo" -o "$log" -l qemu -- \
			qemu-system-aarch64 -M virt,gic-version=host -accel kvm -cpu host \
			-m 256M -smp 1 -nodefaults -no-user-config -display none \
			-serial stdio -monitor none -no-reboot \
			-kernel "$kernel" -initrd "$initrd" -append "$append")
		;;
	esac
	init=$(echo "$line" | sed -n 's/.* marker_ms=\([^ ]*\).*/\1/p')
	exit_ms=$(echo "$line" | sed -n 's/.* exit_ms=\([^ ]*\).*/\1/p')
	st=$(echo "$line" | sed -n 's/.* status=\([^ ]*\).*/\1/p')
	tag="run"
	[ "$round" -le 0 ] && tag="warm-up"
	printf 'bench-boot: %-7s %-6s %-4s %2s  init %9s ms  exit %9s ms  status %s\n' \
		"$tag" "$kname" "$name" "$round" "$init" "$exit_ms" "$st"
	if [ -z "$init" ] || [ "$init" = "-1.000" ] || [ "$st" != 0 ]; then
		echo "bench-boot: ERROR: $name run $round failed (no '$marker' or status $st); its output:"
		tail -n 20 "$log" | sed 's/^/bench-boot:   | /'
		fails=$((fails + 1))
		return 1
	fi
	if [ "$round" -eq 1 ]; then
		# Show once that both guests did the same thing.
		grep '^guest:' "$log" | tr -d '\r' | sed "s/^/bench-boot:   $kname $name | /"
	fi
	if [ "$round" -gt 0 ]; then
		echo "$init" >>"$dir/$kname-$name.init"
		echo "$exit_ms" >>"$dir/$kname-$name.exit"
	fi
	return 0
}

# run_kernel NAME IMAGE: the warm-up and counted runs of both VMMs with IMAGE.
run_kernel() {
	kname=$1
	kernel=$2
	w=1
	while [ "$w" -le "$warmup" ]; do
		run_one vmm $((w - warmup))
		run_one qemu $((w - warmup))
		w=$((w + 1))
	done
	i=1
	while [ "$i" -le "$runs" ]; do
		if [ $((i % 2)) -eq 1 ]; then
			run_one vmm "$i"; run_one qemu "$i"
		else
			run_one qemu "$i"; run_one vmm "$i"
		fi
		i=$((i + 1))
	done
}

rm -f "$dir"/*.init "$dir"/*.exit "$dir"/*.start
kernels="stock"
run_kernel stock /guest/Image
if [ -f /guest/driver-Image ]; then
	kernels="stock driver"
	run_kernel driver /guest/driver-Image
else
	echo "bench-boot: no /guest/driver-Image (make kernel): only Debian's kernel is measured"
fi

# Process start-up alone (no VM): exec, dynamic loading for QEMU, option
# parsing, exit. Informational: it is part of both boot times above.
for k in 1 2 3; do
	bootclock -m "Usage" -t 30 -l vmm -- vmm --help | sed -n 's/.* exit_ms=\([^ ]*\).*/\1/p' >>"$dir/vmm.start"
	bootclock -m "QEMU" -t 30 -l qemu -- qemu-system-aarch64 --version |
		sed -n 's/.* exit_ms=\([^ ]*\).*/\1/p' >>"$dir/qemu.start"
done

# stats FILE: "count median min max" of the numbers in FILE.
stats() {
	if [ ! -s "$1" ]; then
		echo "0 nan nan nan"
		return
	fi
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %.1f %.1f %.1f\n", NR, m, v[1], v[NR] }'
}
echo "bench-boot: ============================================================================"
echo "bench-boot: guests: same initrd, cmdline '$append', 256 MiB, 1 vCPU; times in ms"
echo "bench-boot: kernels: stock = Debian's /guest/Image (modules), driver = /guest/driver-Image (ours, built in)"
echo "bench-boot:                          start -> 'guest: init reached'     start -> exit"
echo "bench-boot: kernel VMM       runs    median     min     max     median     min     max"
for kname in $kernels; do
	for v in vmm qemu; do
		set -- $(stats "$dir/$kname-$v.init") $(stats "$dir/$kname-$v.exit")
		printf 'bench-boot: %-6s %-8s %5s %9s %7s %7s %10s %7s %7s\n' "$kname" "$v" "$1" "$2" "$3" "$4" "$6" "$7" "$8"
	done
done
vs=$(stats "$dir/vmm.start" | cut -d' ' -f2)
qs=$(stats "$dir/qemu.start" | cut -d' ' -f2)
echo "bench-boot: process start-up only (vmm --help / qemu --version, start -> exit, median of 3): vmm $vs ms, qemu $qs ms"
for kname in $kernels; do
	vi=$(stats "$dir/$kname-vmm.init" | cut -d' ' -f2)
	ve=$(stats "$dir/$kname-vmm.exit" | cut -d' ' -f2)
	qi=$(stats "$dir/$kname-qemu.init" | cut -d' ' -f2)
	qe=$(stats "$dir/$kname-qemu.exit" | cut -d' ' -f2)
	set -- $(awk -v a="$vi" -v b="$qi" -v c="$ve" -v d="$qe" 'BEGIN {
		if (b + 0 > 0 && d + 0 > 0) printf "%.2f %.2f", a / b, c / d; else printf "nan nan" }')
	echo "bench-boot: ratio vmm/QEMU with the $kname kernel (medians): init $1x, exit $2x (project goal <= 0.50x)"
	echo "BENCH-BOOT-RESULT kernel=$kname runs=$runs vmm_init_ms=$vi vmm_exit_ms=$ve qemu_init_ms=$qi qemu_exit_ms=$qe vmm_start_ms=$vs qemu_start_ms=$qs ratio_init=$1 ratio_exit=$2 failures=$fails"
done
[ "$fails" -eq 0 ]
