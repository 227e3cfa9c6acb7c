#!/bin/sh
# Usage: tests/kmod/image.sh [BUILD_DIR]   (default build)
# Makes BUILD_DIR/kmod-images/host-initrd.cpio for the kmod-load and
# kmod-link board scenarios: the board's host initramfs (BUILD_DIR/images,
# from `make images`) with an overlay appended. Linux unpacks concatenated
# newc archives in order, so the overlay's files win:
#   /lib/modules/extra/splitvirt.ko, /usr/bin/{svctl,svlink,vmm},
#   /scenarios/kmod-*.sh, and /guest/kmod-initrd.cpio: the guest initramfs
#   plus the module, svctl and the kmod-dev command, for the device VM.
# Then: board/run-board --images BUILD_DIR/kmod-images kmod-load (or kmod-link)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
out=$build/kmod-images
a64=$build/arm64/bin
for f in "$build/kmod/splitvirt.ko" "$a64/svctl" "$a64/svlink" "$a64/vmm" \
	"$build/images/host-initrd.cpio" "$build/images/guest-initrd.cpio"; do
	[ -f "$f" ] || { echo "kmod: $f is missing (make -C kmod; make arm64; make images)" >&2; exit 1; }
done
cpio_of() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0); }

dev=$out/device-root
rm -rf "$dev"
mkdir -p "$dev/lib/modules/extra" "$dev/bin" "$dev/etc/splitvirt/run"
cp "$build/kmod/splitvirt.ko" "$dev/lib/modules/extra/"
cp "$a64/svctl" "$dev/bin/"
cp "$top/tests/kmod/kmod-dev" "$dev/etc/splitvirt/run/"
cpio_of "$dev" >"$out/device-overlay.cpio"

host=$out/overlay-root
rm -rf "$host"
mkdir -p "$host/lib/modules/extra" "$host/usr/bin" "$host/scenarios" "$host/guest"
cp "$build/kmod/splitvirt.ko" "$host/lib/modules/extra/"
cp "$a64/svctl" "$a64/svlink" "$a64/vmm" "$host/usr/bin/"
cp "$top"/board/scenarios/kmod-*.sh "$host/scenarios/"
cat "$build/images/guest-initrd.cpio" "$out/device-overlay.cpio" >"$host/guest/kmod-initrd.cpio"
cpio_of "$host" >"$out/overlay.cpio"
cat "$build/images/host-initrd.cpio" "$out/overlay.cpio" >"$out/host-initrd.cpio"
echo "kmod: $out/host-initrd.cpio"
