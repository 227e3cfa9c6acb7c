#!/bin/sh
# Usage: build-guest-initramfs.sh DEBIAN_DIR OUT_DIR
# Builds OUT_DIR/guest-initrd.cpio: static busybox, the virtio modules of
# Debian's kernel (with their dependencies, in load order) and our init.
set -eu
debian=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$debian/arm64
kver=$(cat "$debian/kernel-version")
moddir=$root/lib/modules/$kver
stage=$out/guest-root
echo "images: building driver-VM initramfs (kernel $kver)"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/etc/splitvirt/run" \
	"$stage/lib/modules" "$stage/tmp" "$stage/mnt"
cp "$root/bin/busybox" "$stage/bin/busybox"
cp "$here/guest/init" "$stage/init"
cp "$here"/guest/run/* "$stage/etc/splitvirt/run/"
"$here/install-modules.sh" "$moddir" "$here/guest/modules.list" "$stage"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out/guest-initrd.cpio"
echo "images:   $out/guest-initrd.cpio ($(du -h "$out/guest-initrd.cpio" | cut -f1))"
