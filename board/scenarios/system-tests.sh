# Runs every system test (/tests/*.sh but the *lib.sh helpers) and prints TAP lines.
# Exit status 0 when none failed. A test exits 0 (pass), 77 (skip) or
# anything else (fail). SV_TESTS="a b" limits the run to those tests.
n=0
failed=0
only=""
for arg in $(cat /proc/cmdline); do
	case "$arg" in sv.tests=*) only=$(echo "${arg#sv.tests=}" | tr ',' ' ') ;; esac
done
for t in /tests/*.sh; do
	name=$(basename "$t" .sh)
	case "$name" in lib | *_lib) continue ;; esac
	if [ -n "$only" ]; then
		case " $only " in *" $name "*) ;; *) continue ;; esac
	fi
	n=$((n + 1))
	echo "# ---- $name"
	start=$(cut -d' ' -f1 /proc/uptime)
	sh "$t" >/tmp/test.log 2>&1
	rc=$?
	sed 's/^/# /' /tmp/test.log
	end=$(cut -d' ' -f1 /proc/uptime)
	if [ $rc -eq 0 ]; then
		echo "ok $n - $name # ${start}s..${end}s"
	elif [ $rc -eq 77 ]; then
		echo "ok $n - $name # SKIP $(tail -1 /tmp/test.log)"
	else
		echo "not ok $n - $name (status $rc)"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ $failed -eq 0 ]
