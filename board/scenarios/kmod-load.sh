# splitvirt.ko in the board: it loads on Debian's kernel, creates
# /dev/splitvirt, answers the control ioctls, is pinned by open fds (rmmod
# refused) and unloads cleanly afterwards. With dataport functions present
# (a device VM), it also runs svctl selftest on the first link and checks
# that an open VM handle pins the module too.
# The image comes from tests/kmod/image.sh (the .ko and svctl as an overlay).
ko=/lib/modules/extra/splitvirt.ko
fails=0
step() { echo "kmod-load: $*"; }
bad() { echo "kmod-load: FAIL: $*"; fails=$((fails + 1)); }

# Only what the kernel logs from here on is this test's: other tests' guests
# may have made the board's KVM warn before (system-tests.sh reports those).
dmesg_base=$(dmesg | wc -l)
own_dmesg() { dmesg | tail -n +$((dmesg_base + 1)); }

[ -f "$ko" ] || { echo "kmod-load: FAIL: $ko missing (image not built by tests/kmod/image.sh?)"; exit 1; }
step "insmod $ko"
insmod "$ko" || { bad "insmod"; dmesg | tail -20; exit 1; }
grep -q '^splitvirt ' /proc/modules || bad "not in /proc/modules"
[ -c /dev/splitvirt ] && step "/dev/splitvirt: $(ls -l /dev/splitvirt)" || bad "/dev/splitvirt missing"
svctl list || bad "svctl list"
nlinks=$(svctl list | sed -n 's/^\([0-9]*\) link(s)$/\1/p')
step "links: $nlinks"
svctl ctltest || bad "svctl ctltest"

step "rmmod while /dev/splitvirt is open must be refused"
exec 3</dev/splitvirt
if rmmod splitvirt 2>/dev/null; then bad "rmmod succeeded with an open fd"; fi
grep -q '^splitvirt ' /proc/modules || bad "module gone while in use"
exec 3<&-

if [ "${nlinks:-0}" -gt 0 ]; then
	id=$(svctl list | sed -n 's/^link \([0-9]*\) .*/\1/p' | head -1)
	step "selftest on link $id"
	svctl selftest "$id" || bad "svctl selftest $id"
	step "rmmod while a VM handle of link $id is open must be refused"
	svctl hold "$id" 4 &
	holder=$!
	sleep 1
	if rmmod splitvirt 2>/dev/null; then bad "rmmod succeeded with an open VM handle"; fi
	wait $holder
fi

step "rmmod after close"
rmmod splitvirt || bad "rmmod after close"
grep -q '^splitvirt ' /proc/modules && bad "still loaded"
[ -e /dev/splitvirt ] && bad "/dev/splitvirt still there"
step "insmod again, rmmod again"
insmod "$ko" || bad "second insmod"
rmmod splitvirt || bad "second rmmod"
step "kernel log:"
own_dmesg | grep -i 'splitvirt' | sed 's/^/kmod-load:   /'
if own_dmesg | grep -qiE 'BUG:|WARNING:|Oops|Call trace'; then
	bad "kernel warnings in dmesg while loading and unloading splitvirt.ko"
	own_dmesg | grep -iE -A20 'BUG:|WARNING:|Oops' | head -60
fi
if [ $fails -eq 0 ]; then
	step "SUCCESS"
else
	step "$fails failure(s)"
fi
[ $fails -eq 0 ]
