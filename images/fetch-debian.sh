#!/bin/sh
# Downloads Debian's arm64 content (kernel, busybox-static, libfdt, libyaml,
# libseccomp, liburing: static libraries for the static arm64 binaries) with
# `apt-get download` and unpacks it with dpkg-deb -x into $1/arm64.
# The kernel version is resolved from the linux-image-arm64 metapackage now,
# because old ABI versions leave the archive.
# $1/.stamp says what is unpacked. When only the package list grew (a new
# word in the stamp) and the kernel is the same, the packages are unpacked
# over the existing tree: the kernel and its modules stay where they are.
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
# Everything but the kernel. A package added here needs a new word in the
# stamp too, or existing caches never fetch it.
pkgs="busybox-static libfdt-dev libfdt1 libyaml-dev libyaml-0-2 libseccomp-dev libseccomp2 \
	liburing-dev liburing2"
stamp="$meta_ver libyaml libseccomp liburing"
old_stamp=$(cat "$out/.stamp" 2>/dev/null || true)
if [ "$old_stamp" = "$stamp" ]; then
	exit 0
fi

download() {
	echo "fetch-debian: downloading $1:arm64"
	# apt-get download skips a .deb that is already there.
	apt-get download -q "$1:arm64" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
}
unpack() {
	for f in "$debs/$1"_*.deb; do
		echo "fetch-debian: unpacking $(basename "$f")"
		dpkg-deb -x "$f" "$root"
	done
}

cd "$debs"
# apt-get download runs as _apt when it can; make the folder writable for it.
chmod 0777 "$debs" 2>/dev/null || true
if [ "${old_stamp%% *}" = "$meta_ver" ] && [ -f "$out/kernel-version" ] && [ -e "$root/Image" ]; then
	kver=$(cat "$out/kernel-version")
	echo "fetch-debian: kernel $kver already unpacked; (re)unpacking the other packages"
	for p in $pkgs; do
		download "$p"
	done
	for p in $pkgs; do
		unpack "$p"
	done
	echo "$stamp" > "$out/.stamp"
	echo "fetch-debian: ready: $root/Image (kernel $kver)"
	exit 0
fi
echo "fetch-debian: linux-image-arm64 $meta_ver"
apt-get download -q "linux-image-arm64:arm64=$meta_ver" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
kpkg=$(dpkg-deb -f linux-image-arm64_*_arm64.deb Depends | sed -n 's/^\(linux-image-[^ ]*-arm64\).*/\1/p')
kver=${kpkg#linux-image-}
echo "fetch-debian: kernel package $kpkg"
for p in "$kpkg" $pkgs; do
	download "$p"
done
rm -rf "$root"
mkdir -p "$root"
for p in "$kpkg" $pkgs; do
	unpack "$p"
done
depmod -b "$root" "$kver"
ln -sf "boot/vmlinuz-$kver" "$root/Image"
echo "$kver" > "$out/kernel-version"
echo "$stamp" > "$out/.stamp"
echo "fetch-debian: ready: $root/Image (kernel $kver)"
