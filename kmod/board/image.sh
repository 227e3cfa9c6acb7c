#!/bin/sh
# Usage: kmod/board-image.sh [BUILD_DIR]   (default build)
# Makes BUILD_DIR/kmod-images/host-initrd.cpio: the board's host initramfs
# (BUILD_DIR/images/host-initrd.cpio, from `make images`) with an overlay
# appended: splitvirt.ko at /lib/modules/extra/, svctl in /usr/bin and the
# kmod-load scenario. Linux unpacks concatenated newc archives in order, so
# the overlay's files win. Then: board/run-board --images BUILD_DIR/kmod-images kmod-load
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
out=$build/kmod-images
stage=$out/overlay-root
for f in "$build/kmod/splitvirt.ko" "$build/arm64/bin/svctl" "$build/images/host-initrd.cpio"; do
	[ -f "$f" ] || { echo "kmod: $f is missing (make -C kmod; make arm64; make images)" >&2; exit 1; }
done
rm -rf "$stage"
mkdir -p "$stage/lib/modules/extra" "$stage/usr/bin" "$stage/scenarios"
cp "$build/kmod/splitvirt.ko" "$stage/lib/modules/extra/"
cp "$build/arm64/bin/svctl" "$stage/usr/bin/"
cp "$top/board/scenarios/kmod-load.sh" "$stage/scenarios/"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out/overlay.cpio"
cat "$build/images/host-initrd.cpio" "$out/overlay.cpio" >"$out/host-initrd.cpio"
echo "kmod: $out/host-initrd.cpio"
