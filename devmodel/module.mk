# devmodel: the device VM's backend daemon. The logic is a library so that
# unit tests and the fuzzer link it with a fake kmod; kmod_ioctl.c and
# main.c are the only parts that need the real /dev/splitvirt.
DEVMODEL_LIB_SRCS := devmodel/spec.c devmodel/args.c devmodel/link.c \
	devmodel/fn_kmod.c devmodel/dispatch.c devmodel/devices.c devmodel/console_tee.c \
	devmodel/daemon.c devmodel/state.c devmodel/persist.c devmodel/kcall.c devmodel/poll.c

NATIVE_LIBS += svdevmodel
ARM64_LIBS += svdevmodel
svdevmodel_SRCS := $(DEVMODEL_LIB_SRCS)

ARM64_BINS += devmodel
devmodel_SRCS := devmodel/main.c devmodel/kmod_ioctl.c
devmodel_LIBS := svdevmodel svlinkfmt svdevices svvhost svvirtio svpci svrpc svsandbox svutil
devmodel_LDLIBS := -lseccomp

# Natively too, for trying the command line and cmdline parsing on the dev machine.
NATIVE_BINS += devmodel
