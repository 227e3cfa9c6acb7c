# The demo: a device VM serves a disk, a NIC, a console and an rng to a
# driver VM running Debian's stock virtio drivers. With the board's NVMe
# and NIC (scripts/demo gives the board both, and an SMMU) the device VM
# owns them through VFIO (topologies/demo.yaml); without them its disk and
# NIC come from its vmm (topologies/demo-virtio.yaml). The driver VM writes
# and reads back a file and pings through the device VM's bridge;
# afterwards the board reads the driver VM's file from the disk it wrote.
. /tests/lib.sh
. /tests/crossvm_lib.sh
pick_demo_topology
echo "demo: ============================================================"
echo "demo: device VM 'devvm' serves blk, net, console and rng to driver VM 'app'"
if [ -z "$DEMO_WHY" ]; then
	echo "demo: the device VM owns the board's NVMe ($DEMO_NVME) and NIC ($DEMO_NIC) through VFIO"
else
	echo "demo: no hardware to pass through ($DEMO_WHY):"
	echo "demo: the device VM's disk and NIC are served by its vmm"
fi
echo "demo: topology: $DEMO_TOPO"
echo "demo: ============================================================"
crossvm_setup
{
	splitvirt run --no-file-check "$DEMO_TOPO"
	echo "demo: supervisor exit status $?"
} 2>&1 | tee "$OUT"
rc=$(sed -n 's/^demo: supervisor exit status //p' "$OUT")
[ -n "$rc" ] || rc=1
crossvm_teardown
sha=$(fact sha)
if [ -n "$sha" ] && (demo_disk_check "$sha") >/tmp/demo-disk.log 2>&1; then
	disk="the driver VM's files are on the disk it wrote (data.bin sha256 $sha)"
else
	disk="the driver VM's files are NOT on the disk it wrote: $(tail -1 /tmp/demo-disk.log)"
	rc=1
fi
echo "demo: ============================== summary ========================="
# The driver VM's lines come as "[app] demo: PASS ...".
grep -E "demo: (PASS|FAIL)" "$OUT" | tr -d '\r' | sed 's/^.*demo: /demo:   /'
echo "demo:   board: $disk"
window=$(sed -n "s/.*serving driver VM 'app': [0-9]* device(s), \(DMA window\|all of its RAM\) .*+\(0x[0-9a-f]*\).*/\1 \2/p" "$OUT" | head -1)
case "$window" in
"DMA window "*) echo "demo:   memory: the device VM sees only a $((${window#DMA window } >> 20)) MiB DMA window of the driver VM's RAM" ;;
*) echo "demo:   memory: the device VM sees all of the driver VM's RAM (no DMA window)" ;;
esac
if [ "$rc" -eq 0 ]; then
	echo "demo: SUCCESS: every device of the driver VM was served by the device VM"
else
	echo "demo: FAILED (full log above)"
fi
exit "$rc"
