# svctl: a small static arm64 client of /dev/splitvirt (board scenarios, by hand).
ARM64_BINS += svctl
svctl_SRCS := kmod/tools/svctl.c
