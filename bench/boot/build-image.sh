#!/bin/sh
# Builds the bench board image: the plain host initramfs followed by an
# overlay archive (Linux unpacks concatenated newc archives in order, later
# files win) holding QEMU for arm64, its loader and libraries, bootclock,
# the current vmm and the bench-boot scenario.
set -eu
usage() {
	cat <<USAGE
Usage: bench/boot/build-image.sh QEMU_DIR BASE_IMAGES_DIR ARM64_BIN_DIR OUT_DIR
  QEMU_DIR         output of images/fetch-qemu-arm64.sh (root/ + files.list)
  BASE_IMAGES_DIR  folder with the plain host-initrd.cpio (make images)
  ARM64_BIN_DIR    folder with the static arm64 vmm and bootclock
  OUT_DIR          gets overlay.cpio and host-initrd.cpio (base + overlay)
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 4 ] || { usage >&2; exit 2; }
qemu=$1 base=$2 bins=$3 out=$4
top=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "bench-image: ERROR: $*" >&2; exit 1; }
[ -s "$qemu/files.list" ] || die "$qemu/files.list missing; run images/fetch-qemu-arm64.sh $qemu"
[ -f "$base/host-initrd.cpio" ] || die "$base/host-initrd.cpio missing; run make -j2 images"
for b in vmm bootclock; do
	[ -x "$bins/$b" ] || die "$bins/$b missing; run make -j2 arm64"
done
mkdir -p "$out"
stage=$out/overlay-root
rm -rf "$stage"
mkdir -p "$stage/usr/bin" "$stage/scenarios"
while read -r f; do
	[ -n "$f" ] || continue
	[ -e "$qemu/root/$f" ] || die "$qemu/root/$f missing (stale files.list?)"
	mkdir -p "$stage/$(dirname "$f")"
	cp -L "$qemu/root/$f" "$stage/$f"
done <"$qemu/files.list"
cp "$bins/vmm" "$bins/bootclock" "$stage/usr/bin/"
cp "$top/board/scenarios/bench-boot.sh" "$stage/scenarios/"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out/overlay.cpio"
cat "$base/host-initrd.cpio" "$out/overlay.cpio" >"$out/host-initrd.cpio.tmp"
mv "$out/host-initrd.cpio.tmp" "$out/host-initrd.cpio"
echo "bench-image: $out/host-initrd.cpio = $base/host-initrd.cpio ($(du -h "$base/host-initrd.cpio" | cut -f1)) + overlay ($(du -h "$out/overlay.cpio" | cut -f1))"
