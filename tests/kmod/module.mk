# svctl: a small static arm64 client of /dev/splitvirt (board scenarios, by hand).
ARM64_BINS += svctl
svctl_SRCS := tests/kmod/svctl.c

# svlink: end-to-end test of splitvirt.ko on the board host (plays the
# supervisor and the driver side of a link; starts a device VM).
ARM64_BINS += svlink
svlink_SRCS := tests/kmod/svlink.c
svlink_LIBS := svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
