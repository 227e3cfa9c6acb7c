#!/bin/sh
# Usage: modules-closure.sh MODDIR LIST
# Prints the module files (relative to MODDIR) needed by the names in LIST,
# dependencies first, each once.
set -eu
moddir=$1
list=$2
dep=$moddir/modules.dep
seen=" "
emit() {
	# $1: path relative to moddir
	case "$seen" in *" $1 "*) return ;; esac
	for d in $(grep "^$1:" "$dep" | cut -d: -f2); do
		emit "$d"
	done
	seen="$seen$1 "
	echo "$1"
}
grep -v '^#' "$list" | while read -r name; do
	[ -n "$name" ] || continue
	path=$(grep -E "^(.*/)?$name\.ko(\.[a-z]+)?:" "$dep" | head -1 | cut -d: -f1)
	if [ -z "$path" ]; then
		echo "modules-closure: module $name not found in $dep" >&2
		exit 1
	fi
	emit "$path"
done | awk '!seen[$0]++'
