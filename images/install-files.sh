#!/bin/sh
# Usage: install-files.sh FETCH_DIR STAGE
# Copies the programs and libraries images/fetch-qemu-arm64.sh listed in
# FETCH_DIR/files.list (relative to FETCH_DIR/root) into the image root
# STAGE, at the same paths, symlinks resolved.
set -eu
src=$1
stage=$2
[ -s "$src/files.list" ] || { echo "install-files: $src/files.list missing; run images/fetch-qemu-arm64.sh" >&2; exit 1; }
while read -r f; do
	[ -n "$f" ] || continue
	[ -e "$src/root/$f" ] || { echo "install-files: $src/root/$f missing (stale files.list?)" >&2; exit 1; }
	mkdir -p "$stage/$(dirname "$f")"
	cp -L "$src/root/$f" "$stage/$f"
done <"$src/files.list"
