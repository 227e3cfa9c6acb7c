# Runs every system test (/tests/*.sh but the *lib.sh helpers) and prints TAP lines.
# Exit status 0 when none failed. A test exits 0 (pass), 77 (skip) or
# anything else (fail). sv.tests=a,b on the kernel command line limits the
# run to those tests; sv.repeat=N runs the selection N times (flake hunting).
n=0
failed=0
only=""
repeat=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	sv.tests=*) only=$(echo "${arg#sv.tests=}" | tr ',' ' ') ;;
	sv.repeat=*) repeat=${arg#sv.repeat=} ;;
	esac
done
# Kernel warnings of the board itself (e.g. KVM's own WARNs) are reported
# with the test that was running, not failed: they are the stock kernel's.
report_board_warnings() {
	new=$(dmesg | tail -n +$(($1 + 1)) | grep -iE -A12 'BUG:|WARNING:|Oops')
	[ -n "$new" ] || return 0
	echo "# note: the board's kernel warned during $2:"
	echo "$new" | head -40 | sed 's/^/#   board: /'
}
run_one() {
	n=$((n + 1))
	echo "# ---- $1"
	start=$(cut -d' ' -f1 /proc/uptime)
	base=$(dmesg | wc -l)
	sh "$2" >/tmp/test.log 2>&1
	rc=$?
	sed 's/^/# /' /tmp/test.log
	report_board_warnings "$base" "$1"
	end=$(cut -d' ' -f1 /proc/uptime)
	if [ $rc -eq 0 ]; then
		echo "ok $n - $1 # ${start}s..${end}s"
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
