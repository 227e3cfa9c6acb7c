#!/bin/sh
# Usage: build-host-initramfs.sh DEBIAN_DIR ARM64_BIN_DIR KMOD_DIR OUT_DIR
# Builds OUT_DIR/host-initrd.cpio for the emulated board: static busybox,
# our static arm64 programs, the guest kernel and initramfs, the scenarios
# and the system tests. It stays uncompressed: unpacking gzip under TCG
# costs more boot time than loading the larger file.
set -eu
debian=$1
bins=$2
kmod=$3
out=$4
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
root=$debian/arm64
kver=$(cat "$debian/kernel-version")
stage=$out/host-root
echo "images: building board host initramfs"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" \
	"$stage/guest" "$stage/scenarios" "$stage/tests" "$stage/var/lib/splitvirt"
cp "$root/bin/busybox" "$stage/bin/busybox"
"$here/install-modules.sh" "$root/lib/modules/$kver" "$here/host/modules.list" "$stage"
cp "$here/host/init" "$stage/init"
for b in "$bins"/*; do
	[ -x "$b" ] && cp "$b" "$stage/usr/bin/"
done
cp "$root/boot/vmlinuz-$kver" "$stage/guest/Image"
# Our driver-VM kernel (make kernel), when it has been built.
if [ -f "$out/../kernel/Image" ]; then
	cp "$out/../kernel/Image" "$stage/guest/driver-Image"
fi
cp "$out/guest-initrd.cpio" "$stage/guest/initrd.cpio"
cp "$out/devvm-initrd.cpio" "$stage/guest/devvm-initrd.cpio"
# The kmod end-to-end test (tests/system/kmod_link.sh): splitvirt.ko for the
# board itself, and a device image = the guest image plus the module, svctl
# and the kmod-dev command (Linux unpacks concatenated archives in order).
mkdir -p "$stage/lib/modules/extra" "$out/kmod-dev-root/lib/modules/extra" \
	"$out/kmod-dev-root/bin" "$out/kmod-dev-root/etc/splitvirt/run"
cp "$kmod/splitvirt.ko" "$stage/lib/modules/extra/"
cp "$kmod/splitvirt.ko" "$out/kmod-dev-root/lib/modules/extra/"
cp "$bins/svctl" "$out/kmod-dev-root/bin/"
cp "$top/tests/kmod/kmod-dev" "$out/kmod-dev-root/etc/splitvirt/run/"
(cd "$out/kmod-dev-root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	cat "$out/guest-initrd.cpio" - >"$stage/guest/kmod-initrd.cpio"
mkdir -p "$stage/etc/splitvirt/topologies"
cp "$top"/topologies/*.yaml "$stage/etc/splitvirt/topologies/" 2>/dev/null || true
cp "$top"/board/scenarios/*.sh "$stage/scenarios/"
cp "$top"/tests/system/*.sh "$stage/tests/"

echo "images:   programs: $(ls "$stage/usr/bin" | tr '\n' ' ')"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out/host-initrd.cpio"
echo "images:   $out/host-initrd.cpio ($(du -h "$out/host-initrd.cpio" | cut -f1))"
