UNIT_TESTS += test_arm64_image test_guest_fdt test_vmm_args
test_arm64_image_SRCS := tests/unit/vmm/test_arm64_image.c
test_arm64_image_LIBS := svboot
test_guest_fdt_SRCS := tests/unit/vmm/test_guest_fdt.c
test_guest_fdt_LIBS := svboot
test_guest_fdt_LDLIBS := -lfdt
test_vmm_args_SRCS := tests/unit/vmm/test_vmm_args.c
test_vmm_args_LIBS := svboot svlinkfmt svdevices svvirtio svpci svutil
