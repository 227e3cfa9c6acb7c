#!/bin/sh
# Usage: build-devvm-initramfs.sh DEBIAN_DIR ARM64_BIN_DIR KMOD_DIR OUT_DIR [BACKENDS_DIR]
# Builds OUT_DIR/devvm-initrd.cpio, the device VM's image: busybox, the
# modules it needs from Debian's kernel, splitvirt.ko, the devmodel, init,
# and with BACKENDS_DIR (images/fetch-qemu-arm64.sh --no-qemu --with ...)
# Debian's vhost-user back-ends with their libraries.
set -eu
debian=$1
bins=$2
kmod=$3
out=$4
backends=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$debian/arm64
kver=$(cat "$debian/kernel-version")
stage=$out/devvm-root
echo "images: building device-VM initramfs"
for f in "$bins/devmodel" "$bins/svctl" "$kmod/splitvirt.ko"; do
	[ -f "$f" ] || { echo "images: $f is missing (make arm64 kmod)" >&2; exit 1; }
done
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" \
	"$stage/run" "$stage/lib/modules"
cp "$root/bin/busybox" "$stage/bin/busybox"
cp "$here/devvm/init" "$stage/init"
"$here/install-modules.sh" "$root/lib/modules/$kver" "$here/devvm/modules.list" "$stage"
cp "$kmod/splitvirt.ko" "$stage/lib/modules/splitvirt.ko"
cp "$bins/devmodel" "$stage/usr/bin/devmodel"
# svctl, for the hostile-device system test hook in init.
cp "$bins/svctl" "$stage/usr/bin/svctl"
if [ -n "$backends" ]; then
	"$here/install-files.sh" "$backends" "$stage"
	echo "images:   vhost-user back-ends: $(sed -n '/bin\//p; /lib\/qemu\//p' "$backends/files.list" | tr '\n' ' ')"
fi
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out/devvm-initrd.cpio"
echo "images:   $out/devvm-initrd.cpio ($(du -h "$out/devvm-initrd.cpio" | cut -f1))"
