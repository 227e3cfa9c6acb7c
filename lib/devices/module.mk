# svdevices: the device table (one descriptor per virtio device type: name,
# options, sv.link syntax, creation over a real backend). Users also link
# svvirtio, svpci and svutil.
NATIVE_LIBS += svdevices
ARM64_LIBS += svdevices
svdevices_SRCS := lib/devices/device_table.c lib/devices/dev_opts.c lib/devices/blk.c \
	lib/devices/net.c lib/devices/console.c lib/devices/rng.c lib/devices/fs.c
