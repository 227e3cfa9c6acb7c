#!/bin/sh
# Runs every native unit-test program in $1 with TAP output and prints a
# per-program summary. The last line is "unit: N passed, N failed".
# A program that crashes (sanitizer report, signal) counts as one failure
# beyond the test cases it reported.
set -u
dir=${1:-build/native/tests}
pass=0
fail=0
log=${UNIT_LOG:-build/unit.log}
: >"$log"
for t in "$dir"/*; do
	[ -x "$t" ] || continue
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$log"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		printf '%s\n' "$out" | tail -20
	fi
	printf '%s\n' "$out" | grep '^not ok ' | sed "s|^|  $(basename "$t"): |"
	echo "unit: $(basename "$t"): $p passed, $f failed"
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
