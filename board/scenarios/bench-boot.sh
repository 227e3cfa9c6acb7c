# bench/boot inside the board: boot-to-init time of our vmm against
# QEMU/KVM, same guest kernel, initramfs, command line, 256 MiB, 1 vCPU.
# Runs alternate (vmm first on odd rounds, QEMU first on even ones) after
# warm-up runs that are not counted. Timing by bootclock (CLOCK_MONOTONIC
# from fork to the guest's "guest: init reached" line and to the exit).
# Needs the bench board image (bench/boot/run builds it): QEMU and its
# libraries are not in the plain host initramfs.
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

kernel=/guest/Image
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

# run_one NAME ROUND: one boot with bootclock; appends to NAME.init / NAME.exit.
fails=0
run_one() {
	name=$1
	round=$2
	log=$dir/$name-$round.log
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
	printf 'bench-boot: %-7s %-4s %2s  init %9s ms  exit %9s ms  status %s\n' \
		"$tag" "$name" "$round" "$init" "$exit_ms" "$st"
	if [ -z "$init" ] || [ "$init" = "-1.000" ] || [ "$st" != 0 ]; then
		echo "bench-boot: ERROR: $name run $round failed (no '$marker' or status $st); its output:"
		tail -n 20 "$log" | sed 's/^/bench-boot:   | /'
		fails=$((fails + 1))
		return 1
	fi
	if [ "$round" -eq 1 ]; then
		# Show once that both guests did the same thing.
		grep '^guest:' "$log" | tr -d '\r' | sed "s/^/bench-boot:   $name | /"
	fi
	if [ "$round" -gt 0 ]; then
		echo "$init" >>"$dir/$name.init"
		echo "$exit_ms" >>"$dir/$name.exit"
	fi
	return 0
}

rm -f "$dir"/*.init "$dir"/*.exit "$dir"/*.start
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
set -- $(stats "$dir/vmm.init") $(stats "$dir/vmm.exit") $(stats "$dir/qemu.init") $(stats "$dir/qemu.exit")
echo "bench-boot: ============================================================================"
echo "bench-boot: guest: same Image, initrd, cmdline '$append', 256 MiB, 1 vCPU; times in ms"
echo "bench-boot:                   start -> 'guest: init reached'     start -> exit"
echo "bench-boot: VMM       runs    median     min     max     median     min     max"
printf 'bench-boot: %-8s %5s %9s %7s %7s %10s %7s %7s\n' vmm "$1" "$2" "$3" "$4" "$6" "$7" "$8"
printf 'bench-boot: %-8s %5s %9s %7s %7s %10s %7s %7s\n' qemu "$9" "${10}" "${11}" "${12}" "${14}" "${15}" "${16}"
vs=$(stats "$dir/vmm.start" | cut -d' ' -f2)
qs=$(stats "$dir/qemu.start" | cut -d' ' -f2)
echo "bench-boot: process start-up only (vmm --help / qemu --version, start -> exit, median of 3): vmm $vs ms, qemu $qs ms"
ratios=$(awk -v a="$2" -v b="${10}" -v c="$6" -v d="${14}" 'BEGIN {
	if (b + 0 > 0 && d + 0 > 0) printf "%.2f %.2f", a / b, c / d; else printf "nan nan" }')
set -- "$@" $ratios
echo "bench-boot: ratio vmm/QEMU (medians): init ${17}x, exit ${18}x (project goal <= 0.50x)"
echo "BENCH-BOOT-RESULT runs=$runs vmm_init_ms=$2 vmm_exit_ms=$6 qemu_init_ms=${10} qemu_exit_ms=${14} vmm_start_ms=$vs qemu_start_ms=$qs ratio_init=${17} ratio_exit=${18} failures=$fails"
[ "$fails" -eq 0 ]
