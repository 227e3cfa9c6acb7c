#!/bin/sh
# Builds the driver-VM kernel (an arm64 Image) from Debian's linux-source-6.1
# with the config fragment kernel/driver-vm.config, cross-compiled with
# aarch64-linux-gnu-gcc, and caches it outside the checkout, keyed by the
# source version and the fragment, so the build happens once per machine.
# Usage: kernel/build.sh [OUT]   (OUT: where to copy the Image; default
#        build/kernel/Image). SPLITVIRT_CACHE (default /var/cache/splitvirt,
#        or ~/.cache/splitvirt for users who cannot write /var/cache) holds
#        the source package, the tree and the results.
set -eu
case "${1:-}" in
-h | --help)
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 0 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/kernel/Image}
if [ -z "${SPLITVIRT_CACHE:-}" ]; then
	SPLITVIRT_CACHE=/var/cache/splitvirt
	[ -w /var/cache ] || SPLITVIRT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/splitvirt
fi
cache=$SPLITVIRT_CACHE/kernel
frag=$top/kernel/driver-vm.config
say() { echo "kernel: $*"; }
die() { echo "kernel: ERROR: $*" >&2; exit 1; }
for t in aarch64-linux-gnu-gcc flex bison bc; do
	command -v $t >/dev/null || die "$t is missing (scripts/deps.sh installs it)"
done
mkdir -p "$cache"
ver=$(apt-cache show linux-source-6.1 2>/dev/null | sed -n 's/^Version: //p' | head -1)
[ -n "$ver" ] || die "apt-cache knows no linux-source-6.1 (apt-get update?)"
# The key: the source version, the fragment and how we build (this script).
key=$ver-$(cat "$frag" "$0" | sha256sum | cut -c1-12)
result=$cache/Image-$key
if [ -f "$result" ]; then
	say "cached: $result (linux-source-6.1 $ver, fragment $(basename "$frag"))"
else
	deb=$(ls "$cache"/linux-source-6.1_"$ver"_all.deb 2>/dev/null || true)
	if [ -z "$deb" ]; then
		say "[1/4] downloading linux-source-6.1 $ver (about 140 MB)"
		(cd "$cache" && apt-get download -q "linux-source-6.1=$ver") || die "apt-get download failed"
		deb=$(ls "$cache"/linux-source-6.1_*"_all.deb" | head -1)
	fi
	src=$cache/src-$ver
	if [ ! -f "$src/.unpacked" ]; then
		say "[2/4] unpacking the source"
		rm -rf "$src" "$cache/deb-$ver"
		dpkg-deb -x "$deb" "$cache/deb-$ver"
		mkdir -p "$src"
		tar -xaf "$cache"/deb-"$ver"/usr/src/linux-source-6.1.tar.* -C "$src" --strip-components=1
		rm -rf "$cache/deb-$ver"
		touch "$src/.unpacked"
	fi
	obj=$cache/obj-$key
	mkdir -p "$obj"
	say "[3/4] configuring: allnoconfig + $(basename "$frag")"
	# "Linux version ... (splitvirt@driver-vm)": tests tell our kernel from Debian's.
	kmake() {
		make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
			KBUILD_BUILD_USER=splitvirt KBUILD_BUILD_HOST=driver-vm "$@"
	}
	kmake -s allnoconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >"$obj/merge.log" 2>&1
	kmake -s olddefconfig
	# Every option of the fragment must have survived (a missing dependency drops it silently).
	missing=$(grep '^CONFIG_' "$frag" | while read -r line; do
		grep -qx "$line" "$obj/.config" || echo "$line"
	done)
	[ -z "$missing" ] || die "options of $(basename "$frag") not in the final config: $missing"
	start=$(date +%s)
	say "[4/4] building Image with $(nproc) jobs (progress: one line per 200 objects)"
	kmake -j"$(nproc)" Image 2>&1 | awk '/^  (CC|AS|LD|AR)/ { n++; if (n % 200 == 0) { print "kernel:   " n " objects"; fflush() } } /error|Error/ { print; fflush() }'
	[ -f "$obj/arch/arm64/boot/Image" ] || die "the build produced no Image (see above)"
	cp "$obj/arch/arm64/boot/Image" "$result.tmp" && mv "$result.tmp" "$result"
	cp "$obj/.config" "$result.config"
	say "built in $(($(date +%s) - start)) s: $result"
	# Object trees of other keys are of no further use (results stay).
	for o in "$cache"/obj-*; do
		[ "$o" = "$obj" ] || rm -rf "$o"
	done
fi
mkdir -p "$(dirname "$out")"
cp "$result" "$out"
say "Image: $out ($(du -h "$out" | cut -f1))"
