# Board-side helpers of bench/blk-local, bench/net-local and bench/crossvm,
# sourced by board/scenarios/bench-*.sh (installed in the bench board image
# as /bench/lib.sh). A bench runs "implementations" (our vmm, QEMU, ...) in
# rounds, each boot of a guest printing "BENCH test=T key=value..." lines,
# and ends with a table of median/min/max and ratios of medians. Metrics
# recorded from the BENCH lines: mbps, iops (blkbench), mbits (tcpbench),
# p50us, p99us (blkbench's request latency percentiles, microseconds).
#
# Kernel command line knobs (set by bench/<name>/run): sv.bench.runs=N
# (counted rounds, default 5), sv.bench.warmup=N (default 1),
# sv.bench.secs=S per test (default 3), sv.bench.timeout=SEC per VM run
# (default 180), sv.bench.disk_mb=N (default 256), sv.bench.impls=A,B (only
# these implementations, bench_pick; default all). The guest commands also
# read sv.bench.trace=1 (blkbench -T), which no scenario here passes.

BENCH_KERNEL=/guest/Image
BENCH_INITRD=/guest/bench-initrd.cpio
BENCH_DIR=/tmp/bench
BENCH_DISK=/var/lib/splitvirt/bench-disk.img
BENCH_QEMU_BASE="-M virt,gic-version=host -accel kvm -cpu host -m 256M -smp 1 -nodefaults
 -no-user-config -display none -serial stdio -monitor none -no-reboot"

bench_init() {
	BENCH_NAME=$1
	runs=5 warmup=1 secs=3 tmo=180 disk_mb=256 only_impls=""
	# shellcheck disable=SC2013 # the command line is one line of words
	for arg in $(cat /proc/cmdline); do
		case "$arg" in
		sv.bench.impls=*) only_impls=$(echo "${arg#sv.bench.impls=}" | tr ',' ' ') ;;
		sv.bench.runs=*) runs=${arg#sv.bench.runs=} ;;
		sv.bench.warmup=*) warmup=${arg#sv.bench.warmup=} ;;
		sv.bench.secs=*) secs=${arg#sv.bench.secs=} ;;
		sv.bench.timeout=*) tmo=${arg#sv.bench.timeout=} ;;
		sv.bench.disk_mb=*) disk_mb=${arg#sv.bench.disk_mb=} ;;
		esac
	done
	rm -rf "$BENCH_DIR"
	mkdir -p "$BENCH_DIR"
	: >"$BENCH_DIR/results"
	BENCH_FAILS=0
	for p in vmm qemu-system-aarch64 blkbench tcpbench; do
		command -v "$p" >/dev/null || bench_die "$p is not in this board image; use bench/$BENCH_NAME/run"
	done
	[ -f "$BENCH_INITRD" ] || bench_die "$BENCH_INITRD missing; use bench/$BENCH_NAME/run"
	[ -c /dev/kvm ] || bench_die "no /dev/kvm in the board"
	qemu-system-aarch64 --version >"$BENCH_DIR/qemu-version" 2>&1 ||
		bench_die "qemu-system-aarch64 does not start: $(head -3 "$BENCH_DIR/qemu-version")"
	bench_say "$(head -1 "$BENCH_DIR/qemu-version"); board: $(nproc) cpus, $(uname -r)"
	bench_say "$runs counted rounds after $warmup warm-up, $secs s per test, implementations alternate"
}

bench_say() { echo "bench-$BENCH_NAME: $*"; }
bench_die() {
	bench_say "ERROR: $*"
	exit 2
}

# bench_disk [PATH]: a raw image of disk_mb MiB filled with data (not
# sparse, so reads are not served from holes) at PATH (default $BENCH_DISK).
bench_disk() {
	img=${1:-$BENCH_DISK}
	rm -f "$img"
	dd if=/dev/urandom of="$img" bs=1M count="$disk_mb" 2>/dev/null ||
		bench_die "cannot write $img"
	bench_say "disk image $img: $disk_mb MiB of random data on the board's tmpfs"
}

# bench_bridge: sv-br0 at 10.77.0.1/24 with a tcpbench receiver on it.
bench_bridge() {
	ip link add sv-br0 type bridge 2>/dev/null
	ip addr add 10.77.0.1/24 dev sv-br0 2>/dev/null
	ip link set sv-br0 up
	tcpbench -s -B 10.77.0.1 >"$BENCH_DIR/tcpbench-server.log" 2>&1 &
	BENCH_TCP_PID=$!
}

bench_bridge_down() {
	[ -n "${BENCH_TCP_PID:-}" ] && kill "$BENCH_TCP_PID" 2>/dev/null
	ip link del sv-br0 2>/dev/null
	return 0
}

# bench_vhost_net: loads vhost_net (shipped in the bench image); true if
# /dev/vhost-net is there afterwards.
bench_vhost_net() {
	for m in vhost_iotlb vhost tap vhost_net; do
		[ -f "/lib/modules/bench/$m.ko" ] && insmod "/lib/modules/bench/$m.ko" 2>/dev/null
	done
	[ -c /dev/vhost-net ]
}

# bench_cmdline RUN: the guest command line for guest command RUN.
bench_cmdline() {
	echo "console=ttyAMA0 quiet sv.run=$1 sv.bench.secs=$secs"
}

# bench_run IMPL ROUND NLINES CMD...: runs CMD (a VM) with the per-run timeout,
# expects at least NLINES "BENCH" lines in its output (more is no error: a
# guest command may have gained tests that a scenario does not list; a test
# that fails makes the guest's, hence CMD's, status non-zero) and records
# them for IMPL (round <= 0: warm-up, printed but not counted).
bench_run() {
	impl=$1 round=$2 want=$3
	shift 3
	out=$BENCH_DIR/$impl-$round.out
	timeout -s KILL "$tmo" "$@" </dev/null >"$out" 2>&1
	st=$?
	# Under splitvirt run the guest's lines start with "[vm] ".
	tr -d '\r' <"$out" | sed 's/^\[[^]]*\] //' | grep '^BENCH ' >"$out.bench"
	got=$(grep -c . "$out.bench")
	tag=run
	[ "$round" -le 0 ] && tag=warm-up
	while read -r line; do
		bench_say "$(printf '%-7s %-12s %2s ' "$tag" "$impl" "$round")${line#BENCH }"
	done <"$out.bench"
	if [ "$st" -ne 0 ] || [ "$got" -lt "$want" ]; then
		bench_say "ERROR: $impl round $round: status $st, $got of $want result lines; its output:"
		tail -n 30 "$out" | tr -d '\r' | sed "s/^/bench-$BENCH_NAME:   | /"
		BENCH_FAILS=$((BENCH_FAILS + 1))
		return 1
	fi
	[ "$round" -le 0 ] && return 0
	# results: IMPL TEST METRIC VALUE
	sed 's/^BENCH test=\([^ ]*\) /\1 /' "$out.bench" | while read -r test rest; do
		for kv in $rest; do
			case "$kv" in
			mbps=* | iops=* | mbits=* | p50us=* | p99us=*) echo "$impl $test ${kv%%=*} ${kv#*=}" ;;
			esac
		done
	done >>"$BENCH_DIR/results"
	return 0
}

# bench_rounds IMPL... [-- LAST...]: warm-up rounds, then counted rounds;
# each round runs every IMPL through bench_impl IMPL ROUND (defined by the
# scenario), rotating which one goes first, then every LAST in that order
# (one that must not change the others' conditions: e.g. several VMs at once,
# which would leave the board and the device VM's image hotter for the next).
bench_rounds() {
	rb_rot="" rb_last="" rb_after=0
	for rb_a in "$@"; do
		if [ "$rb_a" = -- ]; then
			rb_after=1
		elif [ "$rb_after" = 1 ]; then
			rb_last="$rb_last $rb_a"
		else
			rb_rot="$rb_rot $rb_a"
		fi
	done
	# shellcheck disable=SC2086 # implementation names are single words
	set -- $rb_rot
	n=$#
	w=1
	while [ "$w" -le "$warmup" ]; do
		for impl in "$@" $rb_last; do bench_impl "$impl" $((w - warmup)) || true; done
		w=$((w + 1))
	done
	r=1
	while [ "$r" -le "$runs" ]; do
		k=0
		while [ "$k" -lt "$n" ]; do
			eval "impl=\${$(((r - 1 + k) % n + 1))}"
			bench_impl "$impl" "$r" || true
			k=$((k + 1))
		done
		for impl in $rb_last; do bench_impl "$impl" "$r" || true; done
		r=$((r + 1))
	done
}

# bench_run_vms IMPL ROUND NLINES "VM..." CMD...: runs CMD (splitvirt run of
# a topology whose driver VMs VM... run their guest commands at the same
# time; each of their lines starts with "[VM] ") with the per-run timeout,
# expects at least NLINES BENCH lines from each VM and records, per test:
#   IMPL          the aggregate: the sum over the VMs of mbps, iops, mbits;
#                 the largest p50us, p99us (the slower VM's)
#   IMPL-fair     per metric, smallest/largest value over the VMs (for two:
#                 slower/faster; 1.0 = perfectly fair, also for latencies)
#   IMPL-overlap  metric "overlap": of the union of the VMs' timed parts
#                 (blkbench's t0..t1 on the counter all VMs share), the
#                 fraction during which all of them ran. Below 1 the VMs
#                 did not run this test together all the time (they boot at
#                 different moments) and the aggregate partly mixes in
#                 their neighbouring tests or a VM alone.
# Prints the VMs' lines and per test the aggregate, fairness and overlap.
bench_run_vms() {
	impl=$1 round=$2 want=$3 rv_vms=$4
	shift 4
	out=$BENCH_DIR/$impl-$round.out
	timeout -s KILL "$tmo" "$@" </dev/null >"$out" 2>&1
	st=$?
	# "VM test=T k=v ...", only the BENCH lines (not blkbench -T's SVTRACE).
	tr -d '\r' <"$out" | sed -n 's/^\[\([^]]*\)\] BENCH /\1 /p' >"$out.bench"
	tag=run
	[ "$round" -le 0 ] && tag=warm-up
	while read -r rv_vm line; do
		bench_say "$(printf '%-7s %-12s %2s ' "$tag" "$impl/$rv_vm" "$round")$line"
	done <"$out.bench"
	rv_counts="" rv_short=0
	for rv_vm in $rv_vms; do
		got=$(grep -c "^$rv_vm " "$out.bench")
		rv_counts="$rv_counts $rv_vm $got,"
		[ "$got" -ge "$want" ] || rv_short=1
	done
	if [ "$st" -ne 0 ] || [ "$rv_short" -ne 0 ]; then
		bench_say "ERROR: $impl round $round: status $st, result lines per VM:${rv_counts%,} (of $want each); its output:"
		tail -n 30 "$out" | tr -d '\r' | sed "s/^/bench-$BENCH_NAME:   | /"
		BENCH_FAILS=$((BENCH_FAILS + 1))
		return 1
	fi
	# "R IMPL TEST METRIC VALUE" result lines and "S TEXT" summary lines.
	awk -v vms="$rv_vms" -v impl="$impl" '
	{
		t = ""
		for (i = 2; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k)
			v = $i; sub(/^[^=]*=/, "", v)
			if (k == "test") {
				t = v
				if (!(t in seen)) { seen[t] = 1; order[++nt] = t }
			} else if (t != "") {
				val[t, $1, k] = v; has[t, $1, k] = 1
			}
		}
	}
	END {
		nv = split(vms, vm, " ")
		nm = split("mbps iops mbits p50us p99us", ms, " ")
		for (j = 1; j <= nt; j++) {
			t = order[j]; sum = ""; slow = ""; fair = ""
			for (q = 1; q <= nm; q++) {
				m = ms[q]; all = 1
				for (x = 1; x <= nv; x++) if (!has[t, vm[x], m]) all = 0
				if (!all) continue
				lo = hi = tot = val[t, vm[1], m] + 0
				for (x = 2; x <= nv; x++) {
					v = val[t, vm[x], m] + 0; tot += v
					if (v < lo) lo = v
					if (v > hi) hi = v
				}
				agg = (m ~ /us$/) ? hi : tot
				printf "R %s %s %s %.2f\n", impl, t, m, agg
				if (m ~ /us$/)
					slow = slow " " m "=" sprintf("%.1f", agg)
				else
					sum = sum " " m "=" sprintf("%.2f", agg)
				if (hi > 0) {
					printf "R %s-fair %s %s %.3f\n", impl, t, m, lo / hi
					fair = fair " " m "=" sprintf("%.3f", lo / hi)
				}
			}
			all = 1
			for (x = 1; x <= nv; x++)
				if (!has[t, vm[x], "t0"] || !has[t, vm[x], "t1"]) all = 0
			ov = "n/a"
			if (all) {
				s0 = u0 = val[t, vm[1], "t0"] + 0; e0 = u1 = val[t, vm[1], "t1"] + 0
				for (x = 2; x <= nv; x++) {
					a = val[t, vm[x], "t0"] + 0; b = val[t, vm[x], "t1"] + 0
					if (a > s0) s0 = a
					if (b < e0) e0 = b
					if (a < u0) u0 = a
					if (b > u1) u1 = b
				}
				if (u1 > u0) {
					ov = sprintf("%.3f", (e0 > s0 ? e0 - s0 : 0) / (u1 - u0))
					printf "R %s-overlap %s overlap %s\n", impl, t, ov
				}
			}
			note = ""
			if (ov == "n/a" || ov + 0 < 0.9)
				note = " (the VMs did not run it together all the time: the total mixes in other tests)"
			if (slow != "")
				sum = sum ", slower VM" slow
			printf "S %s: total%s; fair (min/max)%s; overlap %s%s\n", t, sum, fair, ov, note
		}
	}' "$out.bench" >"$out.agg"
	while read -r rv_kind line; do
		[ "$rv_kind" = S ] && bench_say "$(printf '%-7s %-12s %2s ' "$tag" "$impl" "$round")$line"
	done <"$out.agg"
	[ "$round" -le 0 ] && return 0
	sed -n 's/^R //p' "$out.agg" >>"$BENCH_DIR/results"
	return 0
}

# bench_stat IMPL TEST METRIC [DECIMALS]: "count median min max" of the
# recorded values, with DECIMALS (default 1) decimals.
bench_stat() {
	awk -v i="$1" -v t="$2" -v m="$3" '$1 == i && $2 == t && $3 == m { print $4 }' \
		"$BENCH_DIR/results" | sort -n | awk -v d="${4:-1}" '{ v[NR] = $1 } END {
		if (!NR) { print "0 nan nan nan"; exit }
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		f = "%." d "f"
		printf "%d " f " " f " " f "\n", NR, med, v[1], v[NR] }'
}

# bench_table "TEST:METRIC..." IMPL...: one row per test, metric and
# implementation, plus a machine-readable BENCH-RESULT line per row. Units:
# mbps MB/s, iops IOPS, mbits Mbit/s, p50us and p99us us (shown as "p50 us"
# and "p99 us", the one unit otherwise telling two rows apart); rows of an
# implementation named *-fair (bench_run_vms: smallest/largest over the
# VMs) are ratios, shown as "fair UNIT", and of *-overlap (metric overlap)
# fractions ("frac"), both with 3 decimals.
bench_table() {
	tests=$1
	shift
	bench_say "=============================================================================="
	bench_say "$(printf '%-13s %-16s %-11s %4s %10s %10s %10s' test impl unit runs median min max)"
	for tm in $tests; do
		t=${tm%%:*}
		for metric in $(echo "${tm#*:}" | tr '+' ' '); do
			case "$metric" in
			mbps) unit=MB/s ;;
			iops) unit=IOPS ;;
			mbits) unit=Mbit/s ;;
			p50us) unit="p50 us" ;;
			p99us) unit="p99 us" ;;
			overlap) unit=frac ;;
			*) unit=$metric ;;
			esac
			for impl in "$@"; do
				u=$unit dec=1
				case "$impl" in
				*-fair) u="fair $unit" dec=3 ;;
				*-overlap) u=frac dec=3 ;;
				esac
				s=$(bench_stat "$impl" "$t" "$metric" "$dec")
				bench_say "$(echo "$s" | awk -v t="$t" -v i="$impl" -v u="$u" \
					'{ printf "%-13s %-16s %-11s %4s %10s %10s %10s", t, i, u, $1, $2, $3, $4 }')"
				echo "$s" | awk -v n="$BENCH_NAME" -v t="$t" -v i="$impl" -v m="$metric" \
					'{ printf "BENCH-RESULT bench=%s test=%s impl=%s metric=%s runs=%s median=%s min=%s max=%s\n", n, t, i, m, $1, $2, $3, $4 }' \
					>>"$BENCH_DIR/result-lines"
			done
		done
	done
}

# bench_ratios "TEST:METRIC..." A/B...: ratio of medians A/B for every test,
# of the first METRIC listed for it. For throughput (mbps, iops, mbits) a
# ratio > 1 means A is faster; for latency metrics (p50us, p99us) a ratio
# < 1 means A is faster.
bench_ratios() {
	tests=$1
	shift
	for pair in "$@"; do
		a=${pair%/*} b=${pair#*/}
		line=""
		for tm in $tests; do
			t=${tm%%:*} metric=${tm#*:}
			metric=${metric%%+*}
			ma=$(bench_stat "$a" "$t" "$metric" | cut -d' ' -f2)
			mb=$(bench_stat "$b" "$t" "$metric" | cut -d' ' -f2)
			r=$(awk -v a="$ma" -v b="$mb" 'BEGIN { if (a != "nan" && b + 0 > 0) printf "%.2f", a / b; else printf "nan" }')
			line="$line $t=${r}x"
			echo "BENCH-RATIO bench=$BENCH_NAME test=$t metric=$metric $a/$b=$r" >>"$BENCH_DIR/result-lines"
		done
		bench_say "ratio $a/$b (medians):$line"
	done
}

# bench_finish: prints the machine-readable lines; status 0 if no run failed.
bench_finish() {
	bench_say "failed VM runs: $BENCH_FAILS"
	cat "$BENCH_DIR/result-lines" 2>/dev/null
	echo "BENCH-DONE bench=$BENCH_NAME runs=$runs secs=$secs failures=$BENCH_FAILS"
	[ "$BENCH_FAILS" -eq 0 ]
}

# bench_vhost_user_blk IMPL ROUND NLINES BLOCKDEV: the guest (bench-blk) in
# QEMU/KVM with vhost-user-blk-pci, served by qemu-storage-daemon exporting
# --blockdev BLOCKDEV (whose node-name must be disk0); stops the daemon after.
bench_vhost_user_blk() {
	sock=$BENCH_DIR/vhost-user-blk.sock
	rm -f "$sock"
	qemu-storage-daemon --blockdev "$4" \
		--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$sock,writable=on,num-queues=1" \
		>"$BENCH_DIR/qsd.log" 2>&1 &
	qsd_pid=$!
	i=0
	while [ ! -S "$sock" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$qsd_pid" 2>/dev/null; then
			bench_say "ERROR: qemu-storage-daemon did not create $sock:"
			sed "s/^/bench-$BENCH_NAME:   | /" "$BENCH_DIR/qsd.log"
			kill "$qsd_pid" 2>/dev/null
			BENCH_FAILS=$((BENCH_FAILS + 1))
			return 1
		fi
		sleep 0.1
	done
	# shellcheck disable=SC2086
	bench_run "$1" "$2" "$3" qemu-system-aarch64 $BENCH_QEMU_BASE \
		-object memory-backend-memfd,id=mem0,size=256M,share=on \
		-machine memory-backend=mem0 \
		-kernel "$BENCH_KERNEL" -initrd "$BENCH_INITRD" -append "$(bench_cmdline bench-blk)" \
		-chardev "socket,id=vub0,path=$sock" \
		-device vhost-user-blk-pci,chardev=vub0,num-queues=1
	st=$?
	kill "$qsd_pid" 2>/dev/null
	wait "$qsd_pid" 2>/dev/null
	return $st
}

# bench_qemu_net IMPL ROUND BRIDGE VHOST CMDLINE: the guest (one BENCH line)
# in QEMU/KVM with virtio-net-pci on a tap QEMU creates and puts on BRIDGE,
# vhost=VHOST (on/off).
bench_qemu_net() {
	# shellcheck disable=SC2016 # $1 is the generated script's own argument
	printf '#!/bin/sh\nip link set "$1" master %s && ip link set "$1" up\n' "$3" \
		>"$BENCH_DIR/qemu-ifup"
	chmod +x "$BENCH_DIR/qemu-ifup"
	# shellcheck disable=SC2086
	bench_run "$1" "$2" 1 qemu-system-aarch64 $BENCH_QEMU_BASE \
		-kernel "$BENCH_KERNEL" -initrd "$BENCH_INITRD" -append "$5" \
		-netdev "tap,id=n0,ifname=sv-qtap0,script=$BENCH_DIR/qemu-ifup,downscript=no,vhost=$4" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:77:00:02,romfile="
}

# bench_pick IMPL...: those of the implementations sv.bench.impls names
# (all of them without it), in the order given.
bench_pick() {
	for bp in "$@"; do
		case " ${only_impls:-$*} " in *" $bp "*) printf '%s ' "$bp" ;; esac
	done
}

# bench_devvm_yaml PASSTHROUGH|- [CMDLINE-EXTRA]: the device VM of the
# generated cross-VM topologies (1 vCPU, 512 MiB), owning the PCI functions
# PASSTHROUGH (a YAML list, or - for none; its disks and NICs follow on the
# caller's lines), CMDLINE-EXTRA appended to its kernel command line.
bench_devvm_yaml() {
	cat <<YAML
  - name: devvm
    role: device
    kernel: /guest/Image
    initrd: /guest/devvm-initrd.cpio
    cmdline: "console=ttyAMA0 quiet${2:+ $2}"
    memory: 512M
    cpus: 1
YAML
	[ "$1" = - ] || echo "    passthrough: $1"
}

# bench_driver_yaml NAME CMDLINE [KERNEL]: a driver VM of the generated
# cross-VM topologies (1 vCPU, 256 MiB, the bench initrd, KERNEL or
# BENCH_KERNEL); its devices (and any other key) follow on the caller's lines.
bench_driver_yaml() {
	cat <<YAML
  - name: $1
    role: driver
    kernel: ${3:-$BENCH_KERNEL}
    initrd: $BENCH_INITRD
    cmdline: "$2"
    memory: 256M
    cpus: 1
YAML
}
