# Static arm64 programs that run inside driver VMs (copied into the guest
# initramfs by images/build-guest-initramfs.sh).
# svhostile: a hostile virtio driver in userspace (crossvm_hostile_driver).
ARM64_BINS += svhostile
svhostile_SRCS := tests/guest/svhostile.c
