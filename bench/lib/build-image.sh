#!/bin/sh
# Builds a bench board image without touching build/images: the plain host
# initramfs followed by an overlay archive (Linux unpacks concatenated newc
# archives in order; later files win) with
#   - QEMU, qemu-storage-daemon, their loader and libraries (files.list),
#   - the current vmm, splitvirt, blkbench, tcpbench, trace_breakdown,
#   - vhost_net and its dependencies in /lib/modules/bench,
#   - /bench/lib.sh and the scenario board/scenarios/bench-NAME.sh,
#   - /guest/bench-initrd.cpio: the driver-VM image + the guest tools and
#     bench commands (/etc/splitvirt/run/bench-*),
#   - /guest/devvm-initrd.cpio: the device-VM image + the current devmodel
#     and splitvirt.ko.
set -eu
usage() {
	cat <<USAGE
Usage: bench/lib/build-image.sh NAME QEMU_DIR OUT_DIR
  NAME      bench name (scenario board/scenarios/bench-NAME.sh)
  QEMU_DIR  output of images/fetch-qemu-arm64.sh --with qemu-system-common:usr/bin/qemu-storage-daemon
  OUT_DIR   gets overlay.cpio and host-initrd.cpio (build/images/host-initrd.cpio + overlay)
Reads build/images/{host,guest,devvm}-initrd.cpio (make images), build/arm64/bin
(make arm64), build/kmod/splitvirt.ko and build/debian (make deps).
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 3 ] || { usage >&2; exit 2; }
name=$1 qemu=$2 out=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
base=$top/build/images
bins=$top/build/arm64/bin
debian=$top/build/debian
die() { echo "bench-image: ERROR: $*" >&2; exit 1; }
[ -s "$qemu/files.list" ] || die "$qemu/files.list missing; run images/fetch-qemu-arm64.sh"
grep -q qemu-storage-daemon "$qemu/files.list" || die "$qemu has no qemu-storage-daemon (fetch with --with)"
for f in host-initrd.cpio guest-initrd.cpio devvm-initrd.cpio; do
	[ -f "$base/$f" ] || die "$base/$f missing; run make -j2 images"
done
for b in vmm splitvirt devmodel blkbench tcpbench trace_breakdown; do
	[ -x "$bins/$b" ] || die "$bins/$b missing; run make -j2 arm64"
done
scen=$top/board/scenarios/bench-$name.sh
[ -f "$scen" ] || die "no scenario $scen"
kver=$(cat "$debian/kernel-version")
moddir=$debian/arm64/lib/modules/$kver

mkdir -p "$out"
out=$(cd "$out" && pwd)
cpio_of() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0); }

# Driver-VM image + guest tools and commands.
g=$out/guest-root
rm -rf "$g"
mkdir -p "$g/bin" "$g/etc/splitvirt/run"
cp "$bins/blkbench" "$bins/tcpbench" "$g/bin/"
cp "$top"/bench/lib/guest/bench-* "$g/etc/splitvirt/run/"
# Device-VM image + the current devmodel and module.
d=$out/devvm-root
rm -rf "$d"
mkdir -p "$d/usr/bin" "$d/lib/modules"
cp "$bins/devmodel" "$d/usr/bin/"
[ -f "$top/build/kmod/splitvirt.ko" ] && cp "$top/build/kmod/splitvirt.ko" "$d/lib/modules/"

s=$out/overlay-root
rm -rf "$s"
mkdir -p "$s/usr/bin" "$s/scenarios" "$s/bench" "$s/guest" "$s/lib/modules/bench"
"$top/images/install-files.sh" "$qemu" "$s"
cp "$bins/vmm" "$bins/splitvirt" "$bins/blkbench" "$bins/tcpbench" "$bins/trace_breakdown" "$s/usr/bin/"
for m in drivers/vhost/vhost_iotlb drivers/vhost/vhost drivers/net/tap drivers/vhost/vhost_net; do
	[ -f "$moddir/kernel/$m.ko" ] && cp "$moddir/kernel/$m.ko" "$s/lib/modules/bench/"
done
cp "$top/bench/lib/board.sh" "$s/bench/lib.sh"
cp "$scen" "$s/scenarios/"
cpio_of "$g" | cat "$base/guest-initrd.cpio" - >"$s/guest/bench-initrd.cpio"
cpio_of "$d" | cat "$base/devvm-initrd.cpio" - >"$s/guest/devvm-initrd.cpio"
cpio_of "$s" >"$out/overlay.cpio"
cat "$base/host-initrd.cpio" "$out/overlay.cpio" >"$out/host-initrd.cpio.tmp"
mv "$out/host-initrd.cpio.tmp" "$out/host-initrd.cpio"
echo "bench-image: $out/host-initrd.cpio = $base/host-initrd.cpio ($(du -h "$base/host-initrd.cpio" | cut -f1)) + overlay ($(du -h "$out/overlay.cpio" | cut -f1))"
