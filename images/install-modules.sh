#!/bin/sh
# Usage: install-modules.sh MODDIR LIST STAGE
# Copies the modules named in LIST, with their dependencies, from MODDIR
# into STAGE/lib/modules and writes their load order to STAGE/etc/modules.order.
set -eu
moddir=$1
list=$2
stage=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$stage/etc" "$stage/lib/modules"
"$here/modules-closure.sh" "$moddir" "$list" >"$stage/etc/modules.order"
while read -r rel; do
	mkdir -p "$stage/lib/modules/$(dirname "$rel")"
	cp "$moddir/$rel" "$stage/lib/modules/$rel"
done <"$stage/etc/modules.order"
echo "images:   $(wc -l <"$stage/etc/modules.order") modules: $(sed 's|.*/||; s|\.ko$||' "$stage/etc/modules.order" | tr '\n' ' ')"
