# The link formats (lib/link): round trips through writer and parser, and
# what each of them refuses.
UNIT_TESTS += test_link_args test_link_spec
test_link_args_SRCS := tests/unit/link/test_link_args.c
test_link_args_LIBS := svlinkfmt svdevices svvhost svvirtio svpci svutil
test_link_spec_SRCS := tests/unit/link/test_link_spec.c
test_link_spec_LIBS := svlinkfmt svdevices svvhost svvirtio svpci svutil
