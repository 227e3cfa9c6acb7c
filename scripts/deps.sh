#!/bin/sh
# Installs the x86_64 build and test dependencies from Debian's archive.
# arm64 content is never apt-get installed here (it would replace the cross
# binutils); images/fetch-debian.sh downloads and unpacks it instead.
set -eu
PKGS="make gcc clang libc6-dev libclang-rt-14-dev git \
 gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu \
 qemu-system-arm qemu-system-common qemu-utils libcmocka-dev libfdt-dev libyaml-dev libseccomp-dev liburing-dev \
 cpio gzip xz-utils file kmod bc clang-format cppcheck ca-certificates fdisk e2fsprogs \
 flex bison"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "deps: enabling the arm64 architecture for apt-get download"
	dpkg --add-architecture arm64
	need_update=1
fi
if [ -n "$missing" ] || [ "${need_update:-0}" = 1 ] || \
   ! apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1; then
	echo "deps: apt-get update"
	apt-get update -q
fi
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
echo "deps: host packages present"
