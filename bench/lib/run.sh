# Host side of bench/blk-local, bench/net-local and bench/crossvm, sourced by
# bench/<name>/run after it set BENCH_NAME and defined bench_usage: parses
# the common options, builds what is missing, builds the bench board image,
# boots the board once and saves the table to build/bench-NAME-results.txt.
set -eu
runs=5
warmup=1
secs=3
gic=3
timeout=1800
disk_mb=256
impls=""
while [ $# -gt 0 ]; do
	case "$1" in
	--impls) impls=${2:-}; shift 2 ;;
	--runs) runs=${2:-}; shift 2 ;;
	--warmup) warmup=${2:-}; shift 2 ;;
	--secs) secs=${2:-}; shift 2 ;;
	--gic) gic=${2:-}; shift 2 ;;
	--timeout) timeout=${2:-}; shift 2 ;;
	--disk-mb) disk_mb=${2:-}; shift 2 ;;
	-h | --help) bench_usage; exit 0 ;;
	*) echo "bench/$BENCH_NAME/run: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
for n in "$runs" "$warmup" "$secs" "$timeout" "$disk_mb"; do
	case "$n" in '' | *[!0-9]*) echo "bench/$BENCH_NAME/run: not a number: '$n'" >&2; exit 2 ;; esac
done
case "$gic" in 2 | 3) ;; *) echo "bench/$BENCH_NAME/run: --gic must be 2 or 3" >&2; exit 2 ;; esac
[ "$runs" -ge 1 ] && [ "$secs" -ge 1 ] && [ "$disk_mb" -ge 8 ] || {
	echo "bench/$BENCH_NAME/run: --runs and --secs must be at least 1, --disk-mb at least 8" >&2
	exit 2
}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
say() { echo "bench/$BENCH_NAME: $*"; }

say "building the arm64 programs (vmm, devmodel, blkbench, tcpbench, ...)"
make -j2 arm64
say "building the driver-VM kernel (make kernel: cached; about 6 min the first time)"
make kernel
say "building the images (make -j2 images: only what changed)"
make -j2 images
images/fetch-qemu-arm64.sh --with qemu-system-common:usr/bin/qemu-storage-daemon build/qemu-arm64-bench
bench/lib/build-image.sh "$BENCH_NAME" build/qemu-arm64-bench "build/bench-$BENCH_NAME-images"

# A bench on the board's NVMe controller (BENCH_NVME=1 in bench/<name>/run)
# gets a fresh image whose partition 1 (disk_mb MiB) is what it measures.
board_opts=""
if [ "${BENCH_NVME:-0}" = 1 ]; then
	nvme=build/bench-$BENCH_NAME-nvme.img
	rm -f "$nvme"
	truncate -s $((disk_mb + 2))M "$nvme"
	printf 'label: dos\nstart=2048, size=%sMiB, type=83\n' "$disk_mb" | sfdisk -q "$nvme" >/dev/null ||
		{ say "ERROR: cannot partition $nvme (sfdisk, package fdisk)" >&2; exit 2; }
	board_opts="--smmu --nvme $nvme"
fi
# Other board hardware a bench asks for (BENCH_BOARD_EXTRA in bench/<name>/run).
board_opts="$board_opts ${BENCH_BOARD_EXTRA:-}"
log=build/board-bench-$BENCH_NAME-gic$gic.log
say "booting the board ($runs rounds after $warmup warm-up, $secs s per test)"
rc=0
# shellcheck disable=SC2086
board/run-board --images "build/bench-$BENCH_NAME-images" --gic "$gic" --timeout "$timeout" \
	--log "$log" $board_opts \
	--append "sv.bench.runs=$runs sv.bench.warmup=$warmup sv.bench.secs=$secs sv.bench.disk_mb=$disk_mb${impls:+ sv.bench.impls=$impls}" \
	"bench-$BENCH_NAME" || rc=$?

res=build/bench-$BENCH_NAME-results.txt
{
	echo "bench/$BENCH_NAME results, $(date -u '+%Y-%m-%d %H:%M UTC'), board GICv$gic, $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $runs runs x $secs s"
	tr -d '\r' <"$log" | grep "^bench-$BENCH_NAME: \|^BENCH-" || true
} >"$res"
echo
sed -n "/=====/,\$p" "$res"
if ! grep -q '^BENCH-DONE' "$res"; then
	say "ERROR: no result table in $log (board status $rc)" >&2
	[ "$rc" -ne 0 ] || rc=1
fi
say "console: $log; results: $res"
exit "$rc"
