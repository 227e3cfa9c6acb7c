# Supervisor tests: the native splitvirt binary run against a fake vmm.
NATIVE_BINS += sv_fake_vmm
sv_fake_vmm_SRCS := tests/unit/supervisor/fake_vmm.c

UNIT_TESTS += test_supervisor
test_supervisor_SRCS := tests/unit/supervisor/test_supervisor.c tests/support/fake_sysfs.c
test_supervisor_LIBS := svlinkfmt svdevices svvhost svvirtio svpci svutil
# The test runs the programs, so they must exist before it does.
$(BUILD)/native/tests/test_supervisor: | $(BUILD)/native/bin/splitvirt $(BUILD)/native/bin/sv_fake_vmm

UNIT_TESTS += test_relay
test_relay_SRCS := tests/unit/supervisor/test_relay.c supervisor/relay.c
test_relay_LIBS := svutil
test_relay_LDLIBS := -lpthread

UNIT_TESTS += test_links
test_links_SRCS := tests/unit/supervisor/test_links.c supervisor/links.c supervisor/objects.c
test_links_LIBS := svtopo svlinkfmt svdevices svvhost svvirtio svpci svrpc svutil
test_links_LDLIBS := -lyaml

UNIT_TESTS += test_passthrough
test_passthrough_SRCS := tests/unit/supervisor/test_passthrough.c supervisor/passthrough.c \
	supervisor/sandbox.c tests/support/fake_sysfs.c tests/support/log_lines.c
test_passthrough_LIBS := svtopo svlinkfmt svdevices svvhost svvirtio svpci svutil
test_passthrough_LDLIBS := -lyaml
