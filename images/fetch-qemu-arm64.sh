#!/bin/sh
# Downloads Debian's arm64 QEMU (qemu-system-arm:arm64, for qemu-system-aarch64)
# and every shared library it needs, unpacked with dpkg-deb -x into OUT/root.
# Used by bench/boot to run QEMU/KVM inside the emulated board.
#
# Library closure: starting from the binary, the DT_NEEDED entries are read
# with aarch64-linux-gnu-readelf; each soname not yet present is mapped to its
# Debian package, downloaded with `apt-get download PKG:arm64` and unpacked,
# until nothing is missing. Soname -> package: first `dpkg -S` on this machine
# (library packages are Multi-Arch: same, so the amd64 owner has the arm64
# name), else the Depends of the packages already fetched, checked with
# `dpkg-deb -c`. Never `apt-get install` an :arm64 package here: it breaks
# the cross toolchain.
#
# Writes OUT/files.list: the binary, the loader and the libraries it loads
# (paths relative to OUT/root), for the overlay builder.
set -eu

usage() {
	cat <<USAGE
Usage: images/fetch-qemu-arm64.sh [--no-qemu] [--with PKG:PATH]... [OUT_DIR]
Fetches qemu-system-aarch64 for arm64 from Debian's archive and the shared
libraries it needs into OUT_DIR (default build/qemu-arm64):
  OUT_DIR/debs/        the downloaded .deb files
  OUT_DIR/root/        their unpacked contents
  OUT_DIR/files.list   binary + loader + library closure, relative to root/
--with PKG:PATH also fetches package PKG:arm64 and adds its program PATH
(relative to the package root, e.g. qemu-system-common:usr/bin/qemu-storage-daemon)
and PATH's library closure; give the same --with list each time for one OUT_DIR.
--no-qemu leaves qemu-system-aarch64 out: only the --with programs (e.g. the
vhost-user back-ends of the device-VM image).
Does nothing when OUT_DIR already holds the current candidate version.
Needs the arm64 architecture in apt (scripts/deps.sh) and aarch64-linux-gnu-readelf.
USAGE
}
extras=""
with_qemu=1
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--no-qemu) with_qemu=0; shift ;;
	--with)
		case "${2:-}" in ?*:?*) extras="$extras $2" ;; *) usage >&2; exit 2 ;; esac
		shift 2 ;;
	-*) usage >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || { usage >&2; exit 2; }

out=${1:-build/qemu-arm64}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)
debs=$out/debs
root=$out/root
readelf=aarch64-linux-gnu-readelf
hostarch=$(dpkg --print-architecture)
hostma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libdirs="lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib"
say() { echo "fetch-qemu: $*"; }
die() { echo "fetch-qemu: ERROR: $*" >&2; exit 1; }

command -v "$readelf" >/dev/null || die "$readelf not found (install binutils-aarch64-linux-gnu)"
ver=$(apt-cache policy qemu-system-arm:arm64 2>/dev/null | awk '/Candidate:/ {print $2}')
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	die "qemu-system-arm:arm64 is unknown to apt; run scripts/deps.sh (adds arm64 and runs apt-get update)"
fi
stamp="$ver$extras q$with_qemu"
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] && [ -s "$out/files.list" ]; then
	say "qemu-system-arm $ver already fetched in $out"
	exit 0
fi
say "qemu-system-arm $ver"
# Start clean: .debs of an older fetch could shadow the current versions.
rm -rf "$root" "$out/.stamp" "$out/files.list" "$out/packages" "$debs"/*.deb
mkdir -p "$root"
: >"$out/packages"
# apt-get download runs as _apt when it can; the folder must be writable for it.
chmod 0777 "$debs" 2>/dev/null || true

# fetch PKG [VERSION]: download PKG:arm64 (if not there yet) and unpack it.
fetch() {
	pkg=$1
	grep -qx "$pkg" "$out/packages" && return 0
	deb=$(ls "$debs"/"${pkg}"_*_arm64.deb "$debs"/"${pkg}"_*_all.deb 2>/dev/null | head -1 || true)
	if [ -z "$deb" ]; then
		say "downloading $pkg:arm64"
		(cd "$debs" && apt-get download -q "$pkg:arm64${2:+=$2}" 2>&1 |
			grep -v '^W: Download is performed unsandboxed' || true)
		deb=$(ls "$debs"/"${pkg}"_*_arm64.deb "$debs"/"${pkg}"_*_all.deb 2>/dev/null | head -1 || true)
		[ -n "$deb" ] || die "apt-get download $pkg:arm64 gave no .deb"
	fi
	dpkg-deb -x "$deb" "$root"
	echo "$pkg" >>"$out/packages"
}

# find_lib SONAME: path of the library in root (relative), or nothing.
find_lib() {
	for d in $libdirs; do
		if [ -e "$root/$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 0
}

# needed FILE: the DT_NEEDED sonames of an ELF file.
needed() {
	"$readelf" -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'
}

# pkg_for SONAME: the Debian package that ships SONAME.
pkg_for() {
	so=$1
	# Only a Multi-Arch: same owner under this machine's multiarch folder
	# (skips cross-toolchain copies such as libgcc-s1-arm64-cross).
	p=$(dpkg -S "*/$so" 2>/dev/null | grep "^[^ ,]*:$hostarch: /\(usr/\)\{0,1\}lib/$hostma/$so\$" |
		sed -n '1s/^\([^:,]*\).*/\1/p' || true)
	if [ -n "$p" ]; then
		echo "$p"
		return 0
	fi
	# Fallback: a Depends of a package already fetched, found by its contents.
	for dep in $(for f in "$debs"/*.deb; do dpkg-deb -f "$f" Depends 2>/dev/null; done |
		tr ',|' '\n\n' | sed 's/^ *//; s/[ (:].*//' | LC_ALL=C sort -u); do
		grep -qx "$dep" "$out/packages" && continue
		deb=$(ls "$debs"/"${dep}"_*.deb 2>/dev/null | head -1 || true)
		if [ -z "$deb" ]; then
			(cd "$debs" && apt-get download -q "$dep:arm64" >/dev/null 2>&1) || continue
			deb=$(ls "$debs"/"${dep}"_*.deb 2>/dev/null | head -1 || true)
		fi
		[ -n "$deb" ] || continue
		if dpkg-deb -c "$deb" 2>/dev/null | grep "/$so\$\|/$so " >/dev/null; then
			echo "$dep"
			return 0
		fi
	done
	return 0
}

fetch libc6
bins=""
if [ "$with_qemu" = 1 ]; then
	fetch qemu-system-arm "$ver"
	bins=usr/bin/qemu-system-aarch64
	[ -x "$root/$bins" ] || die "qemu-system-arm:arm64 has no $bins"
fi
for x in $extras; do
	xpkg=${x%%:*}
	xbin=${x#*:}
	xbin=${xbin#/}
	xver=$(apt-cache policy "$xpkg:arm64" 2>/dev/null | awk '/Candidate:/ {print $2}')
	# Packages of the QEMU source must have QEMU's version.
	[ "$xver" = "$ver" ] || xver=""
	fetch "$xpkg" "$xver"
	[ -x "$root/$xbin" ] || die "$xpkg:arm64 has no $xbin"
	bins="$bins $xbin"
done
bins=${bins# }
[ -n "$bins" ] || die "nothing to fetch: --no-qemu needs --with"
# The first program's loader is everyone's (one libc6).
bin=${bins%% *}
interp=$("$readelf" -l "$root/$bin" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
interp=${interp#/}
[ -e "$root/$interp" ] || die "loader $interp not found in libc6:arm64"

# Walk the NEEDED closure; fetch the owner of any missing soname and rescan.
round=0
while :; do
	round=$((round + 1))
	[ "$round" -le 50 ] || die "library closure did not converge"
	todo=$bins
	seen=" "
	files="$bins"
	missing=""
	while [ -n "$todo" ]; do
		next=""
		for f in $todo; do
			for so in $(needed "$root/$f"); do
				case "$seen" in *" $so "*) continue ;; esac
				seen="$seen$so "
				p=$(find_lib "$so")
				if [ -n "$p" ]; then
					files="$files $p"
					next="$next $p"
				else
					missing="$missing $so"
				fi
			done
		done
		todo=$next
	done
	[ -z "$missing" ] && break
	progress=0
	for so in $missing; do
		# An earlier package of this round may have brought it.
		[ -n "$(find_lib "$so")" ] && { progress=1; continue; }
		pkg=$(pkg_for "$so")
		[ -n "$pkg" ] || die "no Debian arm64 package found for $so"
		if ! grep -qx "$pkg" "$out/packages"; then
			say "$so is in $pkg"
			fetch "$pkg"
			progress=1
		fi
	done
	[ "$progress" -eq 1 ] || die "still missing after fetching their packages:$missing"
done

{
	echo "$bin"
	echo "$interp"
	for f in $files; do [ "$f" = "$bin" ] || echo "$f"; done
} >"$out/files.list"
echo "$stamp" >"$out/.stamp"
say "ready: $root/$bin with $(($(wc -l <"$out/files.list") - 2)) libraries from $(wc -l <"$out/packages") packages"
