# splitvirt: the supervisor CLI. Static for arm64 (board, real hosts), and
# native for the supervisor tests (tests/unit/supervisor).
SPLITVIRT_SRCS := supervisor/main.c supervisor/cmd_check.c supervisor/cmd_run.c \
	supervisor/cmd_status.c supervisor/report.c supervisor/run.c supervisor/objects.c \
	supervisor/vmm_cmd.c supervisor/spawn.c supervisor/state.c supervisor/state_read.c \
	supervisor/relay.c supervisor/sandbox.c supervisor/links.c supervisor/passthrough.c

NATIVE_BINS += splitvirt
splitvirt_SRCS := $(SPLITVIRT_SRCS)
splitvirt_LIBS := svtopo svlinkfmt svdevices svvhost svvirtio svpci svrpc svsandbox svutil
splitvirt_LDLIBS := -lyaml -lseccomp

# Static arm64: links Debian's arm64 libyaml.a, unpacked by images/fetch-debian.sh.
ARM64_BINS += splitvirt
