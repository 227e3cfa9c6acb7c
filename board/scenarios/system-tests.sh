# Runs every system test (/tests/*.sh but the *lib.sh helpers) and prints TAP lines.
# Exit status 0 when none failed. A test exits 0 (pass), 77 (skip) or
# anything else (fail). sv.tests=a,b on the kernel command line limits the
# run to those tests; sv.repeat=N runs the selection N times (flake hunting).
n=0
failed=0
only=""
repeat=1
TEST_LIMIT=300 # seconds per test; the longest takes about 110 on the GICv2 board
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	sv.tests=*) only=$(echo "${arg#sv.tests=}" | tr ',' ' ') ;;
	sv.repeat=*) repeat=${arg#sv.repeat=} ;;
	sv.test-limit=*) TEST_LIMIT=${arg#sv.test-limit=} ;;
	esac
done
# Kernel warnings of the board itself (e.g. KVM's own WARNs) are reported
# with the test that was running, not failed: they are the stock kernel's.
# Prints them (registers left out) and returns 0 if there were any.
report_board_warnings() {
	new=$(dmesg | tail -n +$(($1 + 1)) | grep -iE -A45 'BUG:|WARNING:|Oops' | grep -vE ' x[0-9]+ *:')
	[ -n "$new" ] || return 1
	echo "# note: the board's kernel warned during $2:"
	echo "$new" | head -50 | sed 's/^/#   board: /'
	return 0
}
# A guest that hung at boot (seen about once in four CI runs, a device VM
# on either GIC, never the same test twice in a row): its vmm, stopped by
# the supervisor's SIGTERM, says the guest wrote nothing to its console or
# that its timer interrupt was due for over a second and never taken (the
# nested host KVM lost it). Prints those vmm lines (the test's output and
# the last topology's, /tmp/vm.out) and returns 0 if there were any.
report_hung_guests() {
	hung=$(cat /tmp/test.log /tmp/vm.out 2>/dev/null |
		grep -E 'wrote 0 bytes to its console|timer interrupt pending and not taken' | sort -u)
	[ -n "$hung" ] || return 1
	echo "# note: a guest hung during $1 (nested KVM):"
	cat /tmp/test.log /tmp/vm.out 2>/dev/null | grep -E 'stopped by signal|bytes to its console' |
		sort -u | head -20 | sed 's/^/#   /'
	return 0
}
# run_once NAME FILE: runs the test once; its status in $rc, 0 in $warned
# unless the board's kernel warned meanwhile.
run_once() {
	start=$(cut -d' ' -f1 /proc/uptime)
	base=$(dmesg | wc -l)
	# A hung test fails on its own instead of costing the whole board its
	# timeout; whatever VMs it left behind go with it.
	rm -f /tmp/vm.out
	timeout -s KILL "$TEST_LIMIT" sh "$2" >/tmp/test.log 2>&1
	rc=$?
	if [ $(($(cut -d. -f1 /proc/uptime) - ${start%.*})) -ge "$TEST_LIMIT" ]; then
		echo "FAIL: still running after $TEST_LIMIT s: stopped" >>/tmp/test.log
		killall -KILL splitvirt vmm qemu-system-aarch64 2>/dev/null
		rc=124
	fi
	sed 's/^/# /' /tmp/test.log
	warned=1
	report_board_warnings "$base" "$1" && warned=0
	report_hung_guests "$1" && warned=0
	end=$(cut -d' ' -f1 /proc/uptime)
}
run_one() {
	n=$((n + 1))
	echo "# ---- $1"
	run_once "$1" "$2"
	retried=""
	# A test that failed while the board's own KVM warned (seen: a nested
	# guest's timer gone wrong, its init killed) or while one of its guests
	# hung at boot (report_hung_guests) runs once more; a second failure
	# counts. Failures without either are never retried.
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ $warned -eq 0 ]; then
		echo "# note: $1 failed (status $rc) while the board's KVM misbehaved: running it once more"
		run_once "$1" "$2"
		retried=" (passed on a retry after the board's KVM misbehaved)"
	fi
	if [ $rc -eq 0 ]; then
		echo "ok $n - $1 # ${start}s..${end}s$retried"
	elif [ $rc -eq 77 ]; then
		echo "ok $n - $1 # SKIP $(tail -1 /tmp/test.log)"
	else
		echo "not ok $n - $1 (status $rc)"
		failed=$((failed + 1))
	fi
}
round=0
while [ $round -lt "$repeat" ]; do
	round=$((round + 1))
	for t in /tests/*.sh; do
		name=$(basename "$t" .sh)
		case "$name" in lib | *_lib) continue ;; esac
		if [ -n "$only" ]; then
			case " $only " in *" $name "*) ;; *) continue ;; esac
		fi
		run_one "$name" "$t"
	done
done
echo "1..$n"
[ $failed -eq 0 ]
