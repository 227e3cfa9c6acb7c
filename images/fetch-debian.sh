#!/bin/sh
# Downloads Debian's arm64 content (kernel, busybox-static, libfdt, libyaml,
# libseccomp: static libraries for the static arm64 binaries) with
# `apt-get download` and unpacks it with dpkg-deb -x into $1/arm64.
# The kernel version is resolved from the linux-image-arm64 metapackage now,
# because old ABI versions leave the archive.
set -eu
out=${1:-build/debian}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)
debs="$out/debs"
root="$out/arm64"

meta_ver=$(apt-cache policy linux-image-arm64:arm64 | awk '/Candidate:/ {print $2}')
if [ -z "$meta_ver" ] || [ "$meta_ver" = "(none)" ]; then
	echo "fetch-debian: linux-image-arm64:arm64 is unknown to apt." >&2
	echo "fetch-debian: run scripts/deps.sh (adds the arm64 architecture and runs apt-get update)." >&2
	exit 1
fi
stamp="$meta_ver libyaml libseccomp"
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
	exit 0
fi
echo "fetch-debian: linux-image-arm64 $meta_ver"
cd "$debs"
# apt-get download runs as _apt when it can; make the folder writable for it.
chmod 0777 "$debs" 2>/dev/null || true
apt-get download -q "linux-image-arm64:arm64=$meta_ver" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
kpkg=$(dpkg-deb -f linux-image-arm64_*_arm64.deb Depends | sed -n 's/^\(linux-image-[^ ]*-arm64\).*/\1/p')
kver=${kpkg#linux-image-}
echo "fetch-debian: kernel package $kpkg"
for p in "$kpkg" busybox-static libfdt-dev libfdt1 libyaml-dev libyaml-0-2 \
	libseccomp-dev libseccomp2; do
	echo "fetch-debian: downloading $p:arm64"
	apt-get download -q "$p:arm64" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
done
rm -rf "$root"
mkdir -p "$root"
for f in "$debs"/${kpkg}_*.deb "$debs"/busybox-static_*.deb "$debs"/libfdt-dev_*.deb \
	"$debs"/libfdt1_*.deb "$debs"/libyaml-dev_*.deb "$debs"/libyaml-0-2_*.deb \
	"$debs"/libseccomp-dev_*.deb "$debs"/libseccomp2_*.deb; do
	echo "fetch-debian: unpacking $(basename "$f")"
	dpkg-deb -x "$f" "$root"
done
depmod -b "$root" "$kver"
ln -sf "boot/vmlinuz-$kver" "$root/Image"
echo "$kver" > "$out/kernel-version"
echo "$stamp" > "$out/.stamp"
echo "fetch-debian: ready: $root/Image (kernel $kver)"
