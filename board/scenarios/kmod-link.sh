# splitvirt.ko bound to a real dataport function: svlink starts a device VM
# (our vmm with --serve) that loads the module and runs svctl devtest, and
# plays the driver side of the link itself (requests, events, kicks, calls,
# a hostile iobuf, a driver restart, the devmodel dying, no devmodel).
# The image comes from tests/kmod/image.sh.
[ -c /dev/kvm ] || { echo "kmod-link: no /dev/kvm"; exit 1; }
svlink --timeout 240
