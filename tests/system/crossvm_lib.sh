# Helpers for cross-VM tests: the board host side of a device VM serving
# driver VMs (a disk image for the device VM, a host bridge for its uplink).
DEVVM_DISK=/var/lib/splitvirt/devvm-disk.img
# The driver VMs' kernel in the crash tests: ours when the image has it (each
# link then has a DMA window, dma-window: auto), else Debian's (the device VM
# maps all of the driver VM's RAM). The stock-kernel tests name /guest/Image.
DRIVER_KERNEL=/guest/Image
[ -f /guest/driver-Image ] && DRIVER_KERNEL=/guest/driver-Image

# expect_window VM: with our kernel, the devmodel served VM through a DMA window.
expect_window() {
	[ "$DRIVER_KERNEL" = /guest/driver-Image ] || return 0
	grep -q "serving driver VM '$1': .*DMA window" "$OUT" ||
		fail "the devmodel did not serve driver VM '$1' through a DMA window"
}
TOPO_DIR=/etc/splitvirt/topologies

crossvm_setup() {
	rm -f "$DEVVM_DISK"
	dd if=/dev/zero of="$DEVVM_DISK" bs=1M count=0 seek=64 2>/dev/null
	ip link add sv-br0 type bridge 2>/dev/null
	ip addr add 10.77.0.1/24 dev sv-br0 2>/dev/null
	ip link set sv-br0 up
}

crossvm_teardown() {
	ip link del sv-br0 2>/dev/null
	umount /mnt/img 2>/dev/null
	return 0
}

# run_topology FILE: runs it under the supervisor; output in $OUT, status in $VM_RC.
run_topology() {
	splitvirt run --no-file-check "$1" >"$OUT" 2>&1
	VM_RC=$?
	sed 's/^/  | /' "$OUT"
}

# run_topology_within FILE SECONDS: runs it under the supervisor in the
# background; a topology still running after SECONDS is stopped (SIGTERM,
# then SIGKILL) and HUNG=1. Output in $OUT, status in $VM_RC.
run_topology_within() {
	start_topology "$1"
	wait_topology "$2"
}

# wait_topology SECONDS: waits for the supervisor started by start_topology;
# one still running after SECONDS is stopped (SIGTERM, then SIGKILL) and
# HUNG=1. Its status in $VM_RC.
wait_topology() {
	i=0
	while kill -0 $SUP 2>/dev/null && [ $i -lt $(($1 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	HUNG=0
	if kill -0 $SUP 2>/dev/null; then
		HUNG=1
		kill -TERM $SUP # the supervisor stops every vmm
		sleep 15
		kill -KILL $SUP 2>/dev/null
	fi
	wait $SUP
	VM_RC=$?
}

# state_pid NAME: pid of VM NAME's vmm from the supervisor's state file.
state_pid() {
	awk -v n="$1" '$1 == "vm" && $2 == n { print $4 }' /run/splitvirt/*.state 2>/dev/null | head -1
}

# memfds held by pid, one name per line (e.g. splitvirt-ram-app1).
memfds_of() {
	for fd in /proc/"$1"/fd/*; do
		readlink "$fd"
	done 2>/dev/null | sed -n 's|^/memfd:\([^ ]*\).*|\1|p' | sort -u
}

# start_topology FILE: runs it under the supervisor in the background; output
# in $OUT, the supervisor's pid in $SUP (wait for it: `wait $SUP`).
start_topology() {
	splitvirt run --no-file-check "$1" >"$OUT" 2>&1 &
	SUP=$!
}

# wait_out TEXT TENTHS: waits up to TENTHS tenths of a second for TEXT in $OUT.
wait_out() {
	i=0
	while ! grep -q -- "$1" "$OUT" && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# vm_lines NAME: the lines of VM NAME in the supervisor's output, numbered.
vm_lines() { grep -n "^\[$1\] " "$OUT" | tr -d '\r'; }

# check_io_across WHAT [VM]: the facts of a driver VM (VM, if several) that
# ran io-across-kill while WHAT happened (the devmodel was killed, ...): no
# hang, no I/O error, no wrong data, a stall (the I/O waited for the
# restart) and working I/O after it.
check_io_across() {
	[ "$(fact io_hang "$2")" = 1 ] && fail "driver VM $2 I/O hung after $1"
	errors=$(fact io_errors "$2")
	ok_after=$(fact io_ok_after "$2")
	echo "driver VM $2: $(fact io_ok "$2") good I/Os, $(fact io_stalls "$2") stalls (the longest $(fact io_max_ms "$2") ms), ${errors:-?} failed, ${ok_after:-?} good after the last stall"
	[ "${errors:-1}" -eq 0 ] || fail "driver VM $2 saw ${errors:-?} failed I/Os after $1: a restart must cost a delay, not data"
	[ "$(fact io_stalls "$2")" -gt 0 ] 2>/dev/null || fail "no I/O of driver VM $2 waited for the restart after $1"
	[ "${ok_after:-0}" -gt 0 ] || fail "no working I/O in driver VM $2 after $1"
	echo "driver VM $2: $(fact buf_passes "$2") passes of buffered writes, $(fact buf_failed "$2") failed"
	[ "$(fact buf_failed "$2")" = 0 ] || fail "driver VM $2's buffered writes or fsyncs failed after $1"
	[ "$(fact buf_passes "$2")" -gt 0 ] 2>/dev/null || fail "driver VM $2 finished no pass of buffered writes"
	vm_lines "${2:-app}" | grep -E "I/O error|lost async page write|blk_update_request" &&
		fail "driver VM $2's kernel reported I/O errors (lines above)"
	return 0
}

# check_buffered_on DISK [VM]: the last pass of io-across-kill's buffered
# writer (1 MiB at 4 MiB, fsynced) is on DISK, byte for byte.
check_buffered_on() {
	want=$(fact buf_sha "$2")
	got=$(dd if="$1" bs=65536 skip=64 count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
	[ -n "$want" ] && [ "$got" = "$want" ] ||
		fail "driver VM $2's last buffered pass is not on $1 (sha256 $got, it wrote ${want:-nothing})"
	echo "driver VM $2's last buffered pass is on $1"
}

# The board's hardware for the default demo (run-board --smmu --nvme --nic):
# the NVMe controller at 0000:00:01.0 with partition 1, the NIC at
# 0000:00:02.0, both in IOMMU groups, and MSI isolation (GICv3's ITS; on
# GICv2 only if unsafe interrupts were allowed).
DEMO_NVME=0000:00:01.0
DEMO_NIC=0000:00:02.0
demo_hw_missing() {
	for f in $DEMO_NVME:010802 $DEMO_NIC:020000; do
		bdf=${f%:*}
		[ "$(cat /sys/bus/pci/devices/$bdf/class 2>/dev/null)" = "0x${f##*:}" ] ||
			{ echo "no PCI function of class 0x${f##*:} at $bdf (run-board --smmu --nvme FILE --nic)"; return; }
		[ -e /sys/bus/pci/devices/$bdf/iommu_group ] ||
			{ echo "$bdf has no IOMMU group (run-board --smmu)"; return; }
	done
	[ -b /dev/nvme0n1p1 ] || { echo "the NVMe has no partition 1 (run-board partitions the image it creates)"; return; }
	if [ "$(board_gic)" = 2 ] && [ "$(cat $UNSAFE_INTERRUPTS 2>/dev/null)" != Y ]; then
		echo "GICv2 has no MSI isolation and unsafe interrupts are not allowed"
	fi
}

# pick_demo_topology: DEMO_TOPO is demo.yaml when the board has the demo's
# hardware, else demo-virtio.yaml (the device VM's disk and NIC served by
# its vmm) with the reason in DEMO_WHY.
pick_demo_topology() {
	DEMO_WHY=$(demo_hw_missing)
	if [ -z "$DEMO_WHY" ]; then
		DEMO_TOPO=$TOPO_DIR/demo.yaml
	else
		DEMO_TOPO=$TOPO_DIR/demo-virtio.yaml
	fi
}

# demo_disk_check SHA: the driver VM's files on the disk it wrote (the
# NVMe's partition 1, back with the board's nvme driver, or the device VM's
# disk image).
demo_disk_check() {
	if [ "$DEMO_TOPO" = "$TOPO_DIR/demo.yaml" ]; then
		wait_block /dev/nvme0n1p1
		check_written_image /dev/nvme0n1p1 "written by the driver VM through the device VM" "$1" \
			"the NVMe's partition 1 (back in the board)"
	else
		check_written_image "$DEVVM_DISK" "written by the driver VM through the device VM" "$1" \
			"the device VM's disk"
	fi
}

# pick_devvm_disk IMG: the device VM's disk for a cross-VM test. With the
# demo's hardware (demo_hw_missing) the device VM owns the board's NVMe and
# serves partition 2 (zeroed first: tests share the board; partition 1 keeps
# the demo's files); else its vmm serves IMG (a fresh 16 MiB image) as
# /dev/vda. Sets DEVVM_DISK_YAML (the device VM's keys) and APP_BACKING.
pick_devvm_disk() {
	if [ -z "$(demo_hw_missing)" ] && [ -b /dev/nvme0n1p2 ]; then
		dd if=/dev/zero of=/dev/nvme0n1p2 bs=1M oflag=direct 2>/dev/null
		DEVVM_DISK_YAML="passthrough: [ $DEMO_NVME ]"
		APP_BACKING=/dev/nvme0n1p2
		echo "the device VM owns the NVMe ($DEMO_NVME) and serves its partition 2"
	else
		rm -f "$1"
		dd if=/dev/zero of="$1" bs=1M count=0 seek=16 2>/dev/null
		DEVVM_DISK_YAML="disks: [ $1 ]"
		APP_BACKING=/dev/vda
	fi
}

# picked_disk_on_board IMG: where the board sees the disk pick_devvm_disk
# IMG chose: IMG, or the NVMe's partition 2 once the device VM is gone and
# the controller is the board's again.
picked_disk_on_board() {
	if [ "$APP_BACKING" = /dev/nvme0n1p2 ]; then
		i=0
		while [ ! -b /dev/nvme0n1p2 ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		echo /dev/nvme0n1p2
	else
		echo "$1"
	fi
}
