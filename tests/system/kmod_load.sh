# splitvirt.ko loads on the board's own kernel, offers /dev/splitvirt with
# no links, refuses rmmod while in use and unloads cleanly.
. /tests/lib.sh
sh /scenarios/kmod-load.sh || fail "kmod-load checks failed"
