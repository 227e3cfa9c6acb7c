# splitvirt: the supervisor CLI. Static for arm64 (board, real hosts), and
# native for the supervisor tests (tests/unit/supervisor).
SPLITVIRT_SRCS := supervisor/main.c supervisor/cmd_check.c supervisor/cmd_run.c \
	supervisor/cmd_status.c supervisor/report.c supervisor/run.c supervisor/objects.c \
	supervisor/vmm_cmd.c supervisor/spawn.c supervisor/state.c supervisor/state_read.c

NATIVE_BINS += splitvirt
splitvirt_SRCS := $(SPLITVIRT_SRCS)
splitvirt_LIBS := svtopo svrpc svutil
splitvirt_LDLIBS := -lyaml

# The static arm64 link needs Debian's arm64 libyaml.a (libyaml-dev:arm64,
# unpacked by images/fetch-debian.sh). Until it is there, skip the arm64
# binary rather than break `make arm64` for everything else.
ifneq ($(wildcard $(DEBIAN)/arm64/usr/lib/aarch64-linux-gnu/libyaml.a),)
ARM64_BINS += splitvirt
else
$(info note: build/arm64/bin/splitvirt skipped: no arm64 libyaml.a yet (add libyaml-dev to images/fetch-debian.sh))
endif
