#!/bin/sh
# Runs every libFuzzer target in $1 for a short fixed time on its kept corpus
# (fuzz/corpus/<target>/). New inputs go to a scratch folder, so the kept
# corpus only changes when a developer copies findings in on purpose.
# The last line is "fuzz: N passed, N failed" (one per target).
set -u
dir=${1:-build/fuzz/bin}
secs=${FUZZ_SECONDS:-20}
pass=0
fail=0
for t in "$dir"/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	corpus=fuzz/corpus/$name
	scratch=build/fuzz/scratch/$name
	mkdir -p "$scratch" build/fuzz/artifacts
	set -- "$scratch"
	[ -d "$corpus" ] && set -- "$scratch" "$corpus"
	if "$t" -max_total_time="$secs" -print_final_stats=0 \
		-artifact_prefix=build/fuzz/artifacts/"$name"- "$@" >build/fuzz/"$name".log 2>&1; then
		echo "fuzz: $name: ok ($secs s)"
		pass=$((pass + 1))
	else
		echo "fuzz: $name: FAILED, see build/fuzz/$name.log"
		tail -30 build/fuzz/"$name".log
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
