#!/bin/sh
# Usage: fetch-kernel-headers.sh [DEBIAN_DIR]   (default build/debian)
#
# Gets what an out-of-tree arm64 module (kmod/splitvirt.ko) needs to build on
# the x86 machine, for exactly the kernel images/fetch-debian.sh fetched (its
# DEBIAN_DIR/kernel-version; run that script first):
#   linux-headers-<ver>-arm64:arm64  apt-get download + dpkg-deb -x into
#                                    DEBIAN_DIR/headers (never apt-get install
#                                    an :arm64 package: it would replace the
#                                    cross binutils)
#   linux-headers-<ver>-common       arch all, apt-get installed: the arm64
#                                    headers' Makefile includes it from its
#                                    absolute /usr/src path
#   linux-kbuild-6.1                 x86 host tools (fixdep, modpost), apt-get
#                                    installed under /usr/lib
# Prints the kernel build directory (KDIR) on its last line.
set -eu
out=${1:-build/debian}
[ -f "$out/kernel-version" ] || {
	echo "fetch-kernel-headers: $out/kernel-version is missing; run images/fetch-debian.sh $out first" >&2
	exit 1
}
out=$(cd "$out" && pwd)
kver=$(cat "$out/kernel-version") # e.g. 6.1.0-56-arm64
abi=${kver%-arm64} # e.g. 6.1.0-56
hdr=$out/headers
kdir=$hdr/usr/src/linux-headers-$kver
mkdir -p "$out/debs"

if [ -f "$hdr/.stamp" ] && [ "$(cat "$hdr/.stamp")" = "$kver" ] &&
	[ -d "/usr/src/linux-headers-$abi-common" ] && [ -d /usr/lib/linux-kbuild-6.1 ]; then
	echo "$kdir"
	exit 0
fi

# The three packages must be the same Debian revision as the arm64 headers.
pkgver=$(apt-cache policy "linux-headers-$kver:arm64" | awk '/Candidate:/ {print $2}')
if [ -z "$pkgver" ] || [ "$pkgver" = "(none)" ]; then
	echo "fetch-kernel-headers: linux-headers-$kver:arm64 is unknown to apt" >&2
	echo "fetch-kernel-headers: run scripts/deps.sh (adds arm64, apt-get update)" >&2
	exit 1
fi
echo "fetch-kernel-headers: linux-headers-$kver $pkgver" >&2

missing=""
for p in "linux-headers-$abi-common" linux-kbuild-6.1; do
	v=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || true)
	case "$v" in
	"install ok installed $pkgver") ;;
	*) missing="$missing $p=$pkgver" ;;
	esac
done
if [ -n "$missing" ]; then
	echo "fetch-kernel-headers: apt-get install$missing" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
fi

(
	cd "$out/debs"
	chmod 0777 . 2>/dev/null || true
	apt-get download -q "linux-headers-$kver:arm64=$pkgver" 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2 || true
)
deb=$(ls "$out/debs/linux-headers-${kver}_${pkgver}_arm64.deb" 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "fetch-kernel-headers: download of linux-headers-$kver failed" >&2; exit 1; }
rm -rf "$hdr"
mkdir -p "$hdr"
dpkg-deb -x "$deb" "$hdr"
# The package's scripts/ and tools/ are relative symlinks into
# /usr/lib/linux-kbuild-6.1, which is installed system-wide, not under $hdr.
mkdir -p "$hdr/usr/lib"
ln -sfn /usr/lib/linux-kbuild-6.1 "$hdr/usr/lib/linux-kbuild-6.1"
[ -f "$kdir/Makefile" ] || { echo "fetch-kernel-headers: no $kdir/Makefile" >&2; exit 1; }
echo "$kver" >"$hdr/.stamp"
echo "fetch-kernel-headers: ready: $kdir" >&2
echo "$kdir"
