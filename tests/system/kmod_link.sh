# splitvirt.ko bound to a real dataport function, end to end: svlink plays
# the driver side of a link (requests, events, kicks, calls, a hostile
# iobuf, a driver restart, the devmodel dying, no devmodel) against a device
# VM that loads the module and runs svctl's devmodel half, self-test,
# unplug and unload checks (tests/kmod/kmod-dev). See docs/kmod.md.
. /tests/lib.sh
svlink --timeout 240 || fail "svlink reported failures"
