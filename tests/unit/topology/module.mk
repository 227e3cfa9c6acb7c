UNIT_TESTS += test_topology
test_topology_SRCS := tests/unit/topology/test_topology.c tests/support/fake_sysfs.c
test_topology_LIBS := svtopo svlinkfmt svdevices svvhost svvirtio svpci svutil
test_topology_LDLIBS := -lyaml
