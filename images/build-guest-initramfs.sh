#!/bin/sh
# Usage: build-guest-initramfs.sh DEBIAN_DIR OUT_DIR [ARM64_BIN_DIR]
# Builds OUT_DIR/guest-initrd.cpio: static busybox, the virtio modules of
# Debian's kernel (with their dependencies, in load order) and our init,
# plus the guest test programs from ARM64_BIN_DIR when given.
set -eu
debian=$1
out=$2
bins=${3:-}
guest_bins="svhostile"
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
if [ -n "$bins" ]; then
	for b in $guest_bins; do
		[ -f "$bins/$b" ] || { echo "images: $bins/$b is missing (make arm64)" >&2; exit 1; }
		cp "$bins/$b" "$stage/bin/$b"
	done
fi
"$here/install-modules.sh" "$moddir" "$here/guest/modules.list" "$stage"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out/guest-initrd.cpio"
echo "images:   $out/guest-initrd.cpio ($(du -h "$out/guest-initrd.cpio" | cut -f1))"
